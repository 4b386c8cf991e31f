"""Benchmark barge-in: commands said while the coach talks, on the barge-in corpus.

    python scripts/bench_barge_in.py [--corpus out/barge-in] [--split heldout|tune|all]
                                     [--recognizer auto|vosk|pocketsphinx|net]

Builds the corpus first when it is missing (scripts/make_barge_in_corpus.py). Each case runs
through the listening pipeline `voice-coach listen --input MIC --reference PLAYED` uses, under
each condition:

- gate (the baseline): no echo cancellation; the coach's speech is blanked and words over it
  are ignored;
- aec: the reference cancelled by WebRTC AEC3, words over the coach accepted unless the coach's
  own sentence names that command;
- aec+yield: the same, and the coach turns itself down (core/yielding.py, the mixer's yield
  gain) when the listener hears the person's voice. A recording cannot answer back, so this
  row is simulated from the corpus's parts: from each block on, the played reference and the
  echo in the microphone (`echo.wav`, delayed by the case's output latency) are scaled by the
  level the coach chose after the blocks before it, OUTPUT_LATENCY_S later (the speaker's
  buffer), exactly as the live loop would have played it.

For each: commands right over the coach's speech and elsewhere, false commands (heard where
nobody said one, or the wrong one), latency from the phrase's end, and CPU seconds per second
of audio, with each figure's ratio to the baseline. A command counts when it is accepted
between its start and 1.5 s after its end.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voice_coach.app.voice_control import as_heard
from voice_coach.core.yielding import Yielding
from voice_coach.recognition.audio_input import read_wav_mono
from voice_coach.recognition.echo_canceller import WebRtcEchoCanceller
from voice_coach.recognition.echo_path import EchoPath, align_recordings
from voice_coach.recognition.listener import CommandListener, HeardCommand
from voice_coach.recognition.offline import listen_to_samples
from voice_coach.recognition.phrases import load_command_phrases
from voice_coach.recognition.played_audio import CoachInterval
from voice_coach.recognition.select import open_recognizer
from voice_coach.settings import EchoSettings, MixerSettings, RecognizerKind, RecognizerSettings
from voice_coach.sound.mixer import AudioKind

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO / "out" / "barge-in"
ACCEPT_AFTER_S = 1.5
CONDITIONS = ("gate", "aec", "aec+yield")
OUTPUT_LATENCY_S = 0.1  # OutputSettings.latency_s: a level chosen now is heard this much later


@dataclass
class Tally:
    said: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})
    right: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})
    false: int = 0
    latencies: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    audio_s: float = 0.0

    def add(self, case: dict, heard: list[HeardCommand]) -> None:
        unmatched = list(heard)
        for expected in case["commands"]:
            over = bool(expected["over_coach_speech"])
            self.said[over] += 1
            hit = next((h for h in unmatched if h.command.value == expected["command"]
                        and expected["start_s"] <= h.at_s <= expected["end_s"] + ACCEPT_AFTER_S),
                       None)
            if hit is not None:
                unmatched.remove(hit)
                self.right[over] += 1
                self.latencies.append(hit.at_s - expected["end_s"])
        self.false += len(unmatched)


def coach_intervals(case: dict) -> list[CoachInterval]:
    """The coach's speech in the case, with the texts of the cues that name commands."""
    texts = {round(start, 2): text for start, _end, text in case["coach_command_speech"]}
    return [as_heard(start, end, AudioKind.SPEECH, texts.get(round(start, 2), ""))
            for start, end in case["coach_speech"]]


def run_case(corpus: Path, case: dict, condition: str,
             kind: RecognizerKind = RecognizerKind.AUTO) -> tuple[list[HeardCommand], float, float]:
    """(commands heard, CPU seconds, audio seconds) for one case under one condition."""
    mic = read_wav_mono(corpus / case["mic"])
    recognizer = open_recognizer(RecognizerSettings(kind))
    listener = CommandListener(recognizer, load_command_phrases())
    reference = None
    started = time.process_time()
    if condition != "gate":
        played = read_wav_mono(corpus / case["reference"])
        reference, offset = align_recordings(mic, played, 16000, 1.0)
        listener.echo = EchoPath(WebRtcEchoCanceller(), EchoSettings().max_delay_s)
    if condition == "aec+yield":
        echo = read_wav_mono(corpus / case["echo"])
        heard = listen_yielding(listener, mic, echo, reference, offset, case)
    else:
        heard = listen_to_samples(listener, mic, reference=reference,
                                  coach_audio=coach_intervals(case))
    cpu = time.process_time() - started
    recognizer.close()
    return heard, cpu, len(mic) / 16000


def listen_yielding(listener: CommandListener, mic: np.ndarray, echo: np.ndarray,
                    reference: np.ndarray, offset: int, case: dict) -> list[HeardCommand]:
    """The listening loop with the coach yielding, simulated block by block (module docstring)."""
    rate, size = listener.sample_rate, listener.block_samples
    yielding, gain = Yielding(), MixerSettings().yield_gain
    level = np.ones(len(mic) + size, np.float32)  # the coach's level at each played moment
    near = mic.astype(np.float32) - echo[: len(mic)]
    echo_lag = round(case["bulk_delay_ms"] * rate / 1000)
    pending = sorted(coach_intervals(case))
    heard: list[HeardCommand] = []
    for first in range(0, len(mic) - size + 1, size):
        now_ms = round(1000 * first / rate)
        while pending and pending[0][0] < (first + size) / rate + 0.5:
            listener.mark_coach_audio(*pending.pop(0))
        span = np.arange(first, first + size)
        echo_level = level[np.clip(span - echo_lag, 0, None)]
        block = near[span] + echo[span] * echo_level
        ref_level = level[np.clip(span - offset, 0, None)]
        ref_block = (reference[span] * ref_level).astype(np.int16)
        accepted = listener.push(to_int16_block(block), first / rate, ref_block)
        effects = yielding.voice(now_ms) if listener.user_speaking else []
        for command in accepted:
            effects += yielding.command(now_ms)
            heard.append(command)
        effects += yielding.advance(now_ms)
        for effect in effects:
            audible_from = first + size + round(OUTPUT_LATENCY_S * rate)
            level[audible_from:] = gain if effect.ducked else 1.0
    return heard


def to_int16_block(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.round(samples), -32768, 32767).astype(np.int16)


def report(tallies: dict[str, Tally]) -> None:
    base = tallies["gate"]

    def ratio(value: float, baseline: float) -> str:
        return f"x{value / baseline:.2f}" if baseline else "-"

    print(f"{'condition':<10} {'over coach':>16} {'elsewhere':>16} {'false':>7} "
          f"{'p50 latency':>12} {'CPU/audio s':>14}")
    for name, tally in tallies.items():
        cells = []
        for over in (True, False):
            share = tally.right[over] / max(1, tally.said[over])
            base_share = base.right[over] / max(1, base.said[over])
            cells.append(f"{tally.right[over]}/{tally.said[over]} {100 * share:3.0f}% "
                         f"{ratio(share, base_share):>5}")
        p50 = float(np.median(tally.latencies)) if tally.latencies else float("nan")
        base_p50 = float(np.median(base.latencies)) if base.latencies else 0.0
        cpu = tally.cpu_s / max(tally.audio_s, 1e-9)
        base_cpu = base.cpu_s / max(base.audio_s, 1e-9)
        print(f"{name:<10} {cells[0]:>16} {cells[1]:>16} {tally.false:>7} "
              f"{p50:6.2f} s {ratio(p50, base_p50):>4} {cpu:7.3f} {ratio(cpu, base_cpu):>6}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--split", choices=["heldout", "tune", "all"], default="heldout")
    parser.add_argument("--cases", type=int, default=24, help="cases to build if missing")
    parser.add_argument("--recognizer", type=RecognizerKind, default=RecognizerKind.AUTO,
                        choices=[kind for kind in RecognizerKind if kind is not RecognizerKind.OFF])
    args = parser.parse_args()
    manifest = args.corpus / "manifest.json"
    if not manifest.exists():
        subprocess.run([sys.executable, str(REPO / "scripts" / "make_barge_in_corpus.py"),
                        "--out", str(args.corpus), "--cases", str(args.cases)], check=True)
    cases = json.loads(manifest.read_text(encoding="utf-8"))
    # Cases with no command (the coach alone) count for false commands in every split.
    chosen = [c for c in cases if args.split == "all" or c["split"] in (args.split, None)]
    tallies = {name: Tally() for name in CONDITIONS}
    for case in chosen:
        for name in CONDITIONS:
            heard, cpu, audio = run_case(args.corpus, case, name, args.recognizer)
            tallies[name].add(case, heard)
            tallies[name].cpu_s += cpu
            tallies[name].audio_s += audio
    print(f"{len(chosen)} cases ({args.split} voices, and the cases without a voice), "
          f"{sum(len(c['commands']) for c in chosen)} commands")
    report(tallies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
