"""Benchmark spoken-command recognition on the command corpus, per available recognizer.

    python scripts/bench_commands.py [--corpus out/corpus] [--split heldout] [--step 1]

The corpus is split by voice, never by clip (a voice heard in tuning flatters every clip it
says): by default this reports on the held-out voices only; `--split tune` gives the voices
tuning may use, `--split all` both.

For each engine: accuracy per noise condition, wrong commands, false commands on unrelated talk,
and latency from the end of the spoken phrase to the accepted command (audio time), for the
listening pipeline as shipped versus the same engine acting only on final results with its
default endpointing. Builds the corpus first when it is missing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from make_command_corpus import Split, Voice, load_manifest, make_corpus

from voice_coach.core.commands import Command
from voice_coach.recognition.audio_input import read_wav_mono
from voice_coach.recognition.base import Recognizer, RecognizerUnavailable
from voice_coach.recognition.listener import CommandListener
from voice_coach.recognition.offline import listen_to_samples
from voice_coach.recognition.phrases import load_command_phrases

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "out" / "corpus"


@dataclass
class Score:
    clips: dict[str, int] = field(default_factory=dict)
    correct: dict[str, int] = field(default_factory=dict)
    wrong: int = 0
    talk_clips: int = 0
    false_commands: int = 0
    latencies: list[float] = field(default_factory=list)
    family_clips: dict[tuple[str, str], int] = field(default_factory=dict)
    family_correct: dict[tuple[str, str], int] = field(default_factory=dict)
    audio_s: float = 0.0
    cpu_s: float = 0.0

    def accuracy(self, condition: str) -> float:
        return self.correct.get(condition, 0) / max(1, self.clips.get(condition, 0))

    def family_accuracy(self, family: str, condition: str) -> float:
        key = (family, condition)
        return self.family_correct.get(key, 0) / max(1, self.family_clips.get(key, 0))

    def latency(self, percentile: float) -> float:
        return float(np.percentile(self.latencies, percentile)) if self.latencies else float("nan")


def evaluate(
    listener: CommandListener, corpus: Path, manifest: list[dict], blank_clicks: bool = True
) -> Score:
    """Run every clip through `listener` exactly as `voice-coach listen --input` does."""
    score = Score()
    cpu_start = time.process_time()
    for clip in manifest:
        listener.reset()
        if blank_clicks:
            listener.set_self_audio((t, t, "click", "") for t in clip["click_onsets_s"])
        samples = read_wav_mono(corpus / clip["file"])
        score.audio_s += len(samples) / listener.sample_rate
        heard = listen_to_samples(listener, samples)
        expected = clip["expected"]
        if expected is None:
            score.talk_clips += 1
            score.false_commands += len(heard)
            continue
        condition = clip["condition"]
        score.clips[condition] = score.clips.get(condition, 0) + 1
        family = (clip["voice"]["engine"], condition)
        score.family_clips[family] = score.family_clips.get(family, 0) + 1
        if heard and heard[0].command == Command(expected):
            score.correct[condition] = score.correct.get(condition, 0) + 1
            score.family_correct[family] = score.family_correct.get(family, 0) + 1
            score.latencies.append(heard[0].at_s - clip["speech_end_s"])
        score.wrong += sum(1 for h in heard if h.command != Command(expected))
    score.cpu_s = time.process_time() - cpu_start
    return score


def engines() -> list[tuple[str, Callable[[], Recognizer], Callable[[], Recognizer]]]:
    """(name, shipped engine, baseline engine with default endpointing) for each available one."""
    found = []
    try:
        from voice_coach.recognition.pocketsphinx_engine import PocketSphinxRecognizer
        from voice_coach.settings import PocketSphinxSettings

        def baseline() -> Recognizer:
            return PocketSphinxRecognizer(
                PocketSphinxSettings(vad_mode=0, window_s=0.3, ratio=0.9, high_pass_hz=None)
            )

        found.append(("pocketsphinx", PocketSphinxRecognizer, baseline))
    except RecognizerUnavailable as error:
        print(f"pocketsphinx: skipped ({error})")
    try:
        from voice_coach.recognition.model_store import find_model
        from voice_coach.recognition.vosk_engine import VoskRecognizer

        model = find_model(None)
        if model is None:
            print("vosk: skipped (no English Vosk model installed)")
        else:
            found.append(
                ("vosk", lambda: VoskRecognizer(str(model)), lambda: VoskRecognizer(str(model)))
            )
    except ImportError:
        print("vosk: skipped (voice_coach.recognition.vosk_engine/model_store not available)")
    return found


def net_engines() -> list[tuple[str, Callable[[], Recognizer]]]:
    """The command net alone and checked by PocketSphinx, each measured against PocketSphinx."""
    try:
        from voice_coach.recognition.phrase_net_engine import PhraseNetRecognizer
        from voice_coach.recognition.verified_net_engine import VerifiedNetRecognizer

        PhraseNetRecognizer()  # the shipped head and model load
    except (ImportError, RecognizerUnavailable) as error:
        print(f"command-net: skipped ({error})")
        return []
    return [("command-net", PhraseNetRecognizer),
            ("command-net+pocketsphinx", VerifiedNetRecognizer)]


def print_side_by_side(name: str, rows: list[tuple[str, Score]], conditions: list[str]) -> None:
    (label_a, a), (label_b, b) = rows[0], rows[1]
    print(f"\n== {name}: {label_a} vs {label_b}")
    print(f"{'':32}{label_a:>16}{label_b:>16}{'ratio':>8}")

    def line(metric: str, x: float, y: float, fmt: str) -> None:
        ratio = f"{x / y:.2f}" if y else "-"
        print(f"{metric:32}{format(x, fmt):>16}{format(y, fmt):>16}{ratio:>8}")

    for condition in conditions:
        line(f"accuracy {condition}", a.accuracy(condition), b.accuracy(condition), ".1%")
    line("wrong commands on command clips", a.wrong, b.wrong, "d")
    line(f"false commands on {a.talk_clips} talk clips", a.false_commands, b.false_commands, "d")
    line("latency p50 after phrase end (s)", a.latency(50), b.latency(50), ".2f")
    line("latency p95 after phrase end (s)", a.latency(95), b.latency(95), ".2f")
    line("CPU s per audio s", a.cpu_s / a.audio_s, b.cpu_s / b.audio_s, ".3f")


def print_families(name: str, score: Score, conditions: list[str]) -> None:
    families = sorted({family for family, _ in score.family_clips})
    print(f"\n== {name}: shipped accuracy per voice family")
    print(f"{'':32}" + "".join(f"{c:>10}" for c in conditions))
    for family in families:
        cells = "".join(f"{score.family_accuracy(family, c):>10.1%}" for c in conditions)
        print(f"{family:32}{cells}")


def select_split(manifest: list[dict], split: str) -> list[dict]:
    """Clips said by the voices of `split` ("tune" or "heldout"), or all of them."""
    if split == "all":
        return manifest
    if any("split" not in clip["voice"] for clip in manifest):
        raise ValueError("the corpus was made before voices had splits: delete it and run again")
    return [clip for clip in manifest if clip["voice"]["split"] == split]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--step", type=int, default=1, help="use every STEP-th clip")
    parser.add_argument(
        "--split",
        choices=(*Split, "all"),
        default=Split.HELDOUT,
        help="voices to use: heldout (kept from tuning, default), tune, or all",
    )
    parser.add_argument("--no-click-blanking-row", action="store_true")
    args = parser.parse_args()
    if not (args.corpus / "manifest.json").exists():
        print(f"building the corpus in {args.corpus} ...")
        make_corpus(args.corpus)
    try:
        manifest = select_split(load_manifest(args.corpus), args.split)[:: args.step]
    except ValueError as error:
        print(f"{args.corpus}: {error}", file=sys.stderr)
        return 2
    conditions = list(dict.fromkeys(clip["condition"] for clip in manifest))
    phrases = load_command_phrases()
    voices = sorted({Voice(**clip["voice"]).label for clip in manifest})
    print(f"{len(manifest)} clips by {len(voices)} {args.split} voices from {args.corpus}:")
    print("  " + ", ".join(voices))
    shipped_scores: dict[str, Score] = {}
    for name, shipped, baseline in engines():
        live = CommandListener(shipped(), phrases, use_partials=True)
        finals = CommandListener(baseline(), phrases, use_partials=False)
        shipped_score = shipped_scores[name] = evaluate(live, args.corpus, manifest)
        baseline_score = evaluate(finals, args.corpus, manifest)
        rows = [("shipped", shipped_score), ("finals+default", baseline_score)]
        print_side_by_side(name, rows, conditions)
        print_families(name, shipped_score, conditions)
        if not args.no_click_blanking_row:
            unblanked = evaluate(live, args.corpus, manifest, blank_clicks=False)
            print_side_by_side(
                name, [("blanked", shipped_score), ("not blanked", unblanked)], conditions
            )
    reference = shipped_scores.get("pocketsphinx")
    for name, make in net_engines():
        score = evaluate(CommandListener(make(), phrases, use_partials=True), args.corpus, manifest)
        if reference is not None:
            print_side_by_side(name, [(name[:15], score), ("pocketsphinx", reference)], conditions)
        print_families(name, score, conditions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
