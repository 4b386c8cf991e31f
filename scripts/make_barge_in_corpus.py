"""Make a barge-in test corpus: what a microphone hears while the coach talks and clicks and a
person says voice commands over it, with the exact coach signal alongside.

    python scripts/make_barge_in_corpus.py --out out/barge-in [--cases 24] [--seed 7]

Each case folder holds `reference.wav` (what the coach played, 48 kHz mono, rendered by
`voice-coach render` with its cues spoken by the espeak-ng program; some cases have the
coach's spoken help list spliced in, the self-trigger test) and `mic.wav` (16 kHz mono: the
reference through a simulated room with an output latency, the person's commands through the
same room from elsewhere, and a little noise). Times in `manifest.json` are seconds on the
axis both files share: sample 0 of each is the same moment, before any room or output delay.
`coach_command_speech` lists every coach cue holding a command phrase: the help list, and cues
of the routine itself ("Say help at any time"). Voices come from make_command_corpus (so the
held-out evaluation voices are never used); each case has one voice, and its split.
Deterministic: the same arguments give the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pyroomacoustics as pra
from make_command_corpus import RATE, VOICES, Voice, pink_noise, synthesize, write_wav
from scipy.signal import fftconvolve

from voice_coach.app import render_cmd
from voice_coach.cli import main as coach_main
from voice_coach.core.commands import Command
from voice_coach.core.phrases import help_text
from voice_coach.recognition.phrases import load_command_phrases
from voice_coach.settings import MixerSettings, SpeechSettings
from voice_coach.sound.assets import load_sound
from voice_coach.speech.cache import SpeechCache
from voice_coach.speech.pcm import read_wav, resample, trim_silence, write_wav_atomic

COACH_RATE = 48000  # what `voice-coach render` writes
ROUTINE_TOML = """\
name = "barge-in"
description = "One short set for the barge-in corpus."

[[block]]
variation = "standard"
sets = 1
reps = 6
"""
MID_SET = (Command.PAUSE, Command.RESUME, Command.NEXT, Command.EASIER, Command.HARDER,
           Command.STOP, Command.REPEAT, Command.HELP)  # said twice as often as the others
OVER_SPEECH = 0.7  # share of commands placed over the coach's speech
MIN_OVERLAP_S = 0.25  # a command "over speech" overlaps a spoken cue by at least this much
GAP_BEFORE_S, GAP_AFTER_S = 0.1, 0.35  # a command "in a gap" keeps this clear of speech
SPACING_S = 3.0  # silence between two commands of a case
ECHO_DBFS = -24.0  # RMS of the coach's speech at the mic
Span = tuple[float, float, str]


def render_reference(work: Path) -> tuple[np.ndarray, list[Span], list[dict]]:
    """(coach audio at 48 kHz, spoken cues, click events) of the routine, rendered once."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "routine.toml").write_text(ROUTINE_TOML, "utf-8")
    wav, timeline = work / "reference.wav", work / "timeline.json"
    render_cmd.make_speech = coach_speech
    code = coach_main(["render", str(work / "routine.toml"), "-o", str(wav), "--timeline",
                       str(timeline)])
    if code != 0:
        raise SystemExit(f"voice-coach render failed ({code})")
    audio, rate = read_wav(wav)
    assert rate == COACH_RATE, rate
    events = json.loads(timeline.read_text("utf-8"))["events"]
    says = [(e["start"], e["end"], e["text"]) for e in events
            if e["type"] == "say" and e["start"] is not None]
    return audio, says, [e for e in events if e["type"] == "click"]


class EspeakProgramSynth:
    """The coach's voice from the espeak-ng program, a fresh process per phrase, so the corpus
    is the same every run. pyttsx3's in-process espeak is not: in one of four loaded CI runs
    every clip of the render came out 0.01-0.5 % longer or shorter, its pitch 2 % lower, and a
    "harder" over that echo was heard as "hold on". Same engine, voice and rate as the coach's
    default speech."""

    engine_name = "espeak-ng-program"
    voice = "default"

    def __init__(self, rate_wpm: int = SpeechSettings().rate_wpm,
                 sample_rate: int = COACH_RATE) -> None:
        self.rate_wpm = rate_wpm
        self.sample_rate = sample_rate

    def synthesize(self, text: str) -> np.ndarray:
        if not text.strip():
            return np.zeros(0, np.float32)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "phrase.wav"
            subprocess.run(["espeak-ng", "-s", str(self.rate_wpm), "-w", str(path), text],
                           check=True, capture_output=True, timeout=60)
            samples, rate = read_wav(path)
        return resample(trim_silence(samples, rate), rate, self.sample_rate)

    def close(self) -> None:
        """Nothing runs between phrases."""


def coach_speech(settings: SpeechSettings) -> SpeechCache:
    return SpeechCache(EspeakProgramSynth(settings.rate_wpm))


def coach_help_clip() -> np.ndarray:
    """The help list as the coach says it, with the render's speech, at the render's rate."""
    speech = coach_speech(SpeechSettings())
    try:
        return np.array(speech.clip(help_text()))
    finally:
        speech.close()
        speech.synth.close()


def splice_help(audio: np.ndarray, says: list[Span], clicks: list[dict], clip: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, list[Span]]:
    """Replace a mid-set stretch (from a gap to a gap) by the help list over ducked clicks."""
    set_start, set_end = clicks[0]["t"] + 3.0, clicks[-1]["t"]
    length = clip.size / COACH_RATE
    ends = [e for _, e, _ in says if set_start < e < set_end - length - 2.0
            and not any(e < s < e + 0.5 for s, _, _ in says)]
    start = float(rng.choice(ends)) + 0.3
    stop = start + length
    while any(s - GAP_BEFORE_S < stop < e for s, e, _ in says):
        stop += 0.05
    first, last = round(start * COACH_RATE), round(stop * COACH_RATE)
    mixer, stretch = MixerSettings(), np.zeros(last - first, np.float32)
    for click in clicks:
        at = round(click["t"] * COACH_RATE) - first
        sound = load_sound("accent" if click["accent"] else "click")
        if -sound.size < at < stretch.size:
            part = sound[max(0, -at) : stretch.size - at]
            stretch[max(0, at) : max(0, at) + part.size] += part * mixer.click_gain
    stretch[: clip.size] *= mixer.duck_gain
    stretch[: clip.size] += clip * mixer.speech_gain
    spliced = audio.copy()
    spliced[first:last] = stretch
    help_span = (round(start, 4), round(start + length, 4), help_text())
    kept = [s for s in says if s[1] <= start or s[0] >= stop]
    return spliced, sorted([*kept, help_span])


def says_command(text: str, phrases: list[str]) -> bool:
    words = " " + " ".join(re.findall(r"[a-z']+", text.lower())) + " "
    return any(f" {phrase} " in words for phrase in phrases)


def make_room(rng: np.random.Generator) -> tuple[dict, np.ndarray, np.ndarray]:
    """(description, speaker->mic RIR, user->mic RIR) of a random shoebox room at 16 kHz."""
    dims = np.array([rng.uniform(3.5, 7.0), rng.uniform(3.0, 6.0), rng.uniform(2.4, 3.2)])
    rt60 = float(rng.uniform(0.2, 0.6))
    mic = _inside(dims, dims / 2 + rng.uniform(-0.8, 0.8, 3) * [1, 1, 0], rng, 0.0)
    sources = [_inside(dims, mic, rng, rng.uniform(*span)) for span in ((0.3, 1.2), (1.5, 3.5))]
    distances = [float(np.linalg.norm(source - mic)) for source in sources]
    aim = rt60
    for _ in range(3):  # Sabine's formula undershoots in long narrow rooms: aim again, twice
        absorption, max_order = pra.inverse_sabine(aim, dims)
        room = pra.ShoeBox(dims, fs=RATE, materials=pra.Material(absorption), max_order=max_order)
        for source in sources:
            room.add_source(source)
        room.add_microphone(mic)
        room.compute_rir()
        measured = room.measure_rt60()[0]
        if abs(np.mean(measured) / rt60 - 1) < 0.1:
            break
        aim *= rt60 / float(np.mean(measured))
    offset = pra.constants.get("frac_delay_length") // 2  # pyroomacoustics' own filter delay
    rirs = [np.asarray(room.rir[0][k][offset:], np.float32) for k in range(2)]
    info = {"dims_m": [round(float(d), 2) for d in dims], "rt60_s": round(rt60, 3),
            "rt60_measured_s": [round(float(m), 3) for m in measured],
            "speaker_mic_m": round(distances[0], 2), "user_mic_m": round(distances[1], 2)}
    return info, rirs[0], rirs[1]


def _inside(dims: np.ndarray, centre: np.ndarray, rng: np.random.Generator,
            distance: float) -> np.ndarray:
    """A point about `distance` across from `centre` (closer if the room is too small), at
    table-to-head height, at least 0.3 m from the walls."""
    for attempt in range(1000):
        distance *= 0.9 if attempt % 100 == 99 else 1.0
        angle = rng.uniform(0, 2 * np.pi)
        point = centre + distance * np.array([np.cos(angle), np.sin(angle), 0.0])
        point[2] = rng.uniform(0.8, 1.6)
        if np.all(point > 0.3) and np.all(point < dims - 0.3):
            return point
    raise ValueError(f"no point {distance} m from {centre} in a {dims} room")


def place_commands(lengths: list[float], says: list[Span], duration: float,
                   rng: np.random.Generator) -> list[tuple[float, float, bool, int]]:
    """(start, end, over speech, index into `lengths`) sorted by start; a phrase that fits
    nowhere is left out."""
    placed: list[tuple[float, float, bool, int]] = []
    for index, length in enumerate(lengths):
        over = bool(rng.random() < OVER_SPEECH)
        for _ in range(500):
            if over:
                say = says[rng.integers(len(says))]
                start = float(rng.uniform(say[0] - 0.6 * length, say[1] - MIN_OVERLAP_S))
            else:
                start = float(rng.uniform(0.5, duration - length - 0.5))
            end = start + length
            overlap = max((min(end, e) - max(start, s) for s, e, _ in says), default=0.0)
            clear = all(end <= s - GAP_BEFORE_S or start >= e + GAP_AFTER_S for s, e, _ in says)
            spaced = all(start >= e + SPACING_S or end + SPACING_S <= s for s, e, *_ in placed)
            if start >= 0.5 and end <= duration - 0.5 and spaced and (
                overlap >= MIN_OVERLAP_S if over else clear
            ):
                placed.append((start, end, overlap > 0, index))
                break
    return sorted(placed)


def rms_over(signal: np.ndarray, spans: list[tuple[float, float]], shift_s: float) -> float:
    parts = [signal[round((s + shift_s) * RATE) : round((e + shift_s) * RATE)] for s, e in spans]
    joined = np.concatenate(parts) if parts else signal
    return float(np.sqrt(np.mean(joined.astype(np.float64) ** 2)))


def mic_signal(reference16: np.ndarray, speech: list[tuple[float, np.ndarray]],
               says: list[Span], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict]:
    """The room recording: the delayed coach echo, the user's phrases, noise; the echo alone
    (for simulating a coach that turns itself down); and the levels."""
    room, echo_rir, user_rir = make_room(rng)
    delay_ms = int(rng.integers(10, 81))
    n, lag = reference16.size, round(delay_ms * RATE / 1000)
    echo = np.zeros(n, np.float32)
    echo[lag:] = fftconvolve(reference16, echo_rir)[: n - lag]  # the output latency, then the room
    echo *= 10 ** (ECHO_DBFS / 20) / rms_over(echo, [s[:2] for s in says], delay_ms / 1000)
    levels: dict = {"room": room, "echo_db": None, "bulk_delay_ms": delay_ms}
    mic = echo.copy()
    if speech:
        dry = np.zeros(n, np.float32)
        for start, phrase in speech:
            dry[round(start * RATE) : round(start * RATE) + phrase.size] = phrase
        user = fftconvolve(dry, user_rir)[:n]
        spans = [(s, s + p.size / RATE) for s, p in speech]
        echo_db = float(rng.uniform(0.0, 10.0))
        user *= 10 ** ((ECHO_DBFS - echo_db) / 20) / rms_over(user, spans, 0.0)
        mic += user
        levels["echo_db"] = round(echo_db, 2)
    noise_dbfs = ECHO_DBFS - float(rng.uniform(30.0, 40.0))
    mic += pink_noise(n, rng) * 10 ** (noise_dbfs / 20)
    peak = float(np.abs(mic).max())
    scale = min(1.0, 0.9 / peak)  # levels stay relative: everything is scaled together
    levels["echo_dbfs"] = round(ECHO_DBFS + 20 * np.log10(scale), 2)
    levels["noise_dbfs"] = round(noise_dbfs + 20 * np.log10(scale), 2)
    return mic * scale, echo * scale, levels


def pick_phrases(count: int, rng: np.random.Generator) -> list[tuple[Command, str]]:
    table = load_command_phrases()
    commands = list(table)
    weights = np.array([2.0 if c in MID_SET else 1.0 for c in commands])
    chosen = rng.choice(len(commands), size=count, p=weights / weights.sum())
    return [(commands[i], str(rng.choice(table[commands[i]]))) for i in chosen]


def make_case(out: Path, index: int, voice: Voice | None, base: dict, help_clip: np.ndarray,
              seed: int, clips: dict) -> dict:
    """Write one case folder; returns its manifest entry."""
    rng = np.random.default_rng([seed, index])
    audio, says = base["audio"], base["says"]
    spliced = voice is None or index % 3 == 0
    if spliced:
        audio, says = splice_help(audio, says, base["clicks"], help_clip, rng)
    reference16 = resample(audio, COACH_RATE, RATE) if spliced else base["reference16"]
    picked = pick_phrases(int(rng.integers(4, 7)), rng) if voice is not None else []
    for _, phrase in picked:
        if (voice, phrase) not in clips:
            clips[voice, phrase] = synthesize(voice, phrase)
    lengths = [clips[voice, p].size / RATE for _, p in picked]
    spans = place_commands(lengths, says, reference16.size / RATE, rng)
    speech = [(s, clips[voice, picked[k][1]]) for s, _, _, k in spans]
    mic, echo, levels = mic_signal(reference16, speech, says, rng)
    name = f"case_{index:03d}"
    (out / name).mkdir(parents=True, exist_ok=True)
    write_wav_atomic(out / name / "reference.wav", audio, COACH_RATE)
    (out / name / "reference.wav").chmod(0o644)  # the atomic write leaves it private
    write_wav(out / name / "mic.wav", mic)
    write_wav(out / name / "echo.wav", echo)
    phrases = [p for listed in load_command_phrases().values() for p in listed]
    return {
        "name": name, "mic": f"{name}/mic.wav", "reference": f"{name}/reference.wav",
        "echo": f"{name}/echo.wav",
        "voice": voice.label if voice else None, "split": voice.split.value if voice else None,
        "duration_s": round(reference16.size / RATE, 4), **levels,
        "commands": [
            {"command": picked[k][0].value, "phrase": picked[k][1], "start_s": round(s, 4),
             "end_s": round(e, 4), "over_coach_speech": over}
            for s, e, over, k in spans
        ],
        "coach_command_speech": [[s, e, t] for s, e, t in says if says_command(t, phrases)],
        "coach_speech": [[s, e] for s, e, _ in says],
    }


def make_corpus(out: Path, cases: int, seed: int) -> list[dict]:
    """Render the coach once, write every case and out/manifest.json; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    os.environ["XDG_CACHE_HOME"] = str(out.resolve() / "cache")  # the speech cache stays here
    audio, says, clicks = render_reference(out / "render")
    base = {"audio": audio, "says": says, "clicks": clicks,
            "reference16": resample(audio, COACH_RATE, RATE)}
    help_clip = coach_help_clip()
    clips: dict[tuple[Voice, str], np.ndarray] = {}
    manifest, voiced = [], 0
    for index in range(cases):
        silent = index % 6 == 5  # the coach only: every false command is a self-trigger
        voice = None if silent else VOICES[voiced % len(VOICES)]
        voiced += not silent
        manifest.append(make_case(out, index, voice, base, help_clip, seed, clips))
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
    return manifest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cases", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    manifest = make_corpus(args.out, args.cases, args.seed)
    commands = [c for case in manifest for c in case["commands"]]
    splits: dict[str | None, list[int]] = {}
    for case in manifest:
        splits.setdefault(case["split"], []).append(len(case["commands"]))
    by_split = ", ".join(f"{k or 'no voice'} {len(n)} cases/{sum(n)} commands" for k, n in
                         splits.items())
    over = sum(c["over_coach_speech"] for c in commands)
    print(f"{len(manifest)} cases, {len(commands)} commands ({over} over coach speech); {by_split}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
