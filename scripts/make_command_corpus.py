"""Make a spoken-command test corpus: synthetic voices saying every command phrase, with and
without the metronome and noise, plus unrelated talk and sound-alikes that must give no command.

    python scripts/make_command_corpus.py --out out/command-corpus

Writes 16 kHz mono WAVs and `manifest.json` (expected command, voice with its split, speech
span, click onsets). Deterministic: the same arguments give the same files.

Voices: espeak-ng (accents and variants at several rates and pitches) and flite's awb and rms
only. Festival, Piper and flite's kal, kal16 and slt voices are kept for independent evaluation
and never used here. Every voice belongs to one split, "tune" or "heldout": tune on the one,
measure on the other, so a figure is never measured on a voice the tuning heard.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import wave
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from voice_coach.recognition.audio_input import read_wav_mono, to_int16
from voice_coach.recognition.phrases import load_command_phrases

RATE = 16000
REPO = Path(__file__).resolve().parent.parent
CLICK_WAV = REPO / "audio" / "click.wav"
SEED_TEXT = Path("/work/shared/seed/leg-lifts.txt")
SPEECH_PEAK_DBFS = -6.0
# The other flite voices (kal, kal16, slt) are kept for independent evaluation.
FLITE_VOICES = ("awb", "rms")


class Split(StrEnum):
    TUNE = "tune"
    HELDOUT = "heldout"


@dataclass(frozen=True)
class Voice:
    engine: str  # "espeak" or "flite"
    name: str  # espeak-ng voice[+variant], or a flite voice
    speed: float  # 1.0 = the voice's normal speaking rate
    split: Split
    pitch: int = 50  # espeak-ng's -p (0-99, 50 its default); flite voices keep their own

    @property
    def label(self) -> str:
        label = f"{self.engine}-{self.name.replace('+', '_')}-{round(self.speed * 100)}"
        return label if self.pitch == 50 else f"{label}-p{self.pitch}"


@dataclass(frozen=True)
class Condition:
    name: str
    click_dbfs: float | None  # peak level of each click
    noise_dbfs: float | None  # RMS level of the background noise


# Tune voices: the espeak ones the recognizer's parameters are tuned on, two more
# accents, and flite rms. Held-out voices: accents and variants the tuning never heard, and flite
# awb. Variants never repeat across the splits. Listed alternating, so that the talk (said by
# consecutive voices, see _pick) reaches both splits.
VOICES = (
    Voice("espeak", "en-us", 1.0, Split.TUNE),
    Voice("espeak", "en-us+m2", 1.1, Split.HELDOUT),
    Voice("espeak", "en-us+m3", 1.25, Split.TUNE),
    Voice("espeak", "en-us-nyc+f4", 1.0, Split.HELDOUT, pitch=65),
    Voice("espeak", "en-gb+f2", 0.85, Split.TUNE),
    Voice("espeak", "en-gb-x-rp+m4", 0.9, Split.HELDOUT),
    Voice("espeak", "en+m7", 1.1, Split.TUNE),
    Voice("espeak", "en-gb-x-gbclan+f5", 1.2, Split.HELDOUT),
    Voice("espeak", "en-us+f3", 0.9, Split.TUNE),
    Voice("espeak", "en-029+klatt", 0.95, Split.HELDOUT),
    Voice("espeak", "en-gb-scotland+m1", 1.0, Split.TUNE, pitch=40),
    Voice("espeak", "en-gb+klatt2", 0.85, Split.HELDOUT, pitch=35),
    Voice("espeak", "en-gb-x-gbcwmd+f1", 1.05, Split.TUNE, pitch=60),
    Voice("espeak", "en-us-nyc+m8", 0.8, Split.HELDOUT),
    Voice("flite", "rms", 0.9, Split.TUNE),
    Voice("flite", "awb", 1.0, Split.HELDOUT),
)
CONDITIONS = (
    Condition("clean", None, None),
    Condition("mild", -24.0, -45.0),
    Condition("harsh", -12.0, -30.0),
)
EVERYDAY_TALK = (
    "okay",
    "nice",
    "oh no",
    "I am tired",
    "that was good",
    "one more",
    "hello there",
    "what time is it",
    "my legs hurt",
    "come on",
    "almost there",
    "thank you",
    "where is my water",
    "this is fun",
    "let me breathe",
    "I can do this",
    "good job",
    "the phone is ringing",
    "give me a second",
    "my back feels fine",
)

# Words that sound like commands and must give none: the list, then more. The command
# head was trained on the list, "repeal" and "wake" (said by other voices); it never
# heard consume, chop, helm, text, laughter, plus or blaster.
DECOYS = (
    "harbor", "presume", "shop", "held", "nest", "lower", "how much", "hope", "top",
    "consume", "chop", "helm", "text", "laughter", "repeal", "wake", "plus", "blaster",
)


def seed_sentences(limit: int = 16, max_words: int = 10) -> list[str]:
    """Short sentences from the exercise text (coach-like talk that is no command)."""
    if not SEED_TEXT.exists():
        return []
    text = re.sub(r"[“”\"’‘]", "", SEED_TEXT.read_text("utf-8"))
    sentences = [s.strip() for s in re.split(r"[.!?]\s+|\n+", text)]
    chosen = [s for s in sentences if 3 <= len(s.split()) <= max_words and "@" not in s]
    return chosen[:limit]


def synthesize(voice: Voice, text: str) -> np.ndarray:
    """`text` spoken by `voice`, trimmed of silence, float32 at 16 kHz."""
    if voice.engine == "flite" and voice.name not in FLITE_VOICES:
        raise ValueError(f"flite voice {voice.name!r} is kept for evaluation; use {FLITE_VOICES}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        if voice.engine == "espeak":
            wpm = str(round(160 * voice.speed))
            command = ["espeak-ng", "-v", voice.name, "-s", wpm, "-p", str(voice.pitch)]
            command += ["-w", str(path), text]
        else:
            stretch = f"{1.0 / voice.speed:.3f}"
            command = ["flite", "-voice", voice.name, "--setf", f"duration_stretch={stretch}"]
            command += ["-t", text, "-o", str(path)]
        subprocess.run(command, check=True, capture_output=True)
        # sox resamples espeak's 22.05 kHz and flite's 8 kHz voices far more cleanly than a
        # linear interpolation would (measured: 18 -> 29 of 35 phrases right for espeak en-us).
        resampled = Path(tmp) / "speech16k.wav"
        # -R: repeatable; sox otherwise dithers with a fresh random seed on every run.
        sox = ["sox", "-R", str(path), "-r", str(RATE), "-c", "1", "-b", "16", str(resampled)]
        subprocess.run(sox, check=True, capture_output=True)
        speech = read_wav_mono(resampled, RATE).astype(np.float32) / 32768.0
    loud = np.flatnonzero(np.abs(speech) > 0.02 * np.abs(speech).max())
    speech = speech[loud[0] : loud[-1] + 1]
    return speech * (10 ** (SPEECH_PEAK_DBFS / 20) / np.abs(speech).max())


def click_sound() -> np.ndarray:
    """The coach's click (audio/click.wav when present, else a synthesized wood-block tick)."""
    if CLICK_WAV.exists():
        click = read_wav_mono(CLICK_WAV, RATE).astype(np.float32)
    else:
        t = np.arange(round(0.04 * RATE)) / RATE
        click = np.sin(2 * np.pi * 1800 * t) + 0.5 * np.sin(2 * np.pi * 3300 * t)
        click *= np.exp(-t / 0.008)
    return (click / np.abs(click).max()).astype(np.float32)


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.fft.rfftfreq(n, 1 / RATE), 20.0))
    noise = np.fft.irfft(spectrum, n)
    return (noise / np.sqrt(np.mean(noise**2))).astype(np.float32)


def mix(
    speech: np.ndarray, condition: Condition, rng: np.random.Generator
) -> tuple[np.ndarray, float, list[float]]:
    """(clip, speech start s, click onsets s): speech in silence, plus clicks and noise."""
    lead_s = float(rng.uniform(0.5, 0.9))
    lead = round(lead_s * RATE)
    clip = np.zeros(lead + len(speech) + RATE, dtype=np.float32)
    clip[lead : lead + len(speech)] = speech
    onsets: list[float] = []
    if condition.click_dbfs is not None:
        click = click_sound() * 10 ** (condition.click_dbfs / 20)
        period = 60.0 / float(rng.choice([60, 70, 80, 90]))
        onset = float(rng.uniform(0.0, period))
        while onset * RATE < len(clip):
            start = round(onset * RATE)
            piece = click[: len(clip) - start]
            clip[start : start + len(piece)] += piece
            onsets.append(round(onset, 4))
            onset += period
    if condition.noise_dbfs is not None:
        clip += pink_noise(len(clip), rng) * 10 ** (condition.noise_dbfs / 20)
    return clip, lead_s, onsets


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(to_int16(samples).tobytes())


def make_corpus(
    out: Path,
    *,
    voices: tuple[Voice, ...] = VOICES,
    conditions: tuple[Condition, ...] = CONDITIONS,
    phrases: dict[str, tuple[str, ...]] | None = None,
    talk: tuple[str, ...] | None = None,
    talk_voices: int = 4,
    seed: int = 7,
) -> list[dict]:
    """Write the corpus into `out`; returns the manifest entries (also in out/manifest.json)."""
    out.mkdir(parents=True, exist_ok=True)
    if phrases is None:
        phrases = {c.value: listed for c, listed in load_command_phrases().items()}
    if talk is None:
        talk = (*EVERYDAY_TALK, *seed_sentences(), *DECOYS)
    items = [
        (cmd, phrase, voice) for cmd, ps in phrases.items() for phrase in ps for voice in voices
    ]
    items += [
        (None, text, voice)
        for i, text in enumerate(talk)
        for voice in _pick(voices, i, talk_voices)
    ]
    manifest: list[dict] = []
    rng = np.random.default_rng(seed)
    for index, (command, text, voice) in enumerate(items):
        speech = synthesize(voice, text)
        for condition in conditions:
            clip, start_s, onsets = mix(speech, condition, rng)
            slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:30]
            name = f"{index:04d}_{command or 'talk'}_{slug}_{voice.label}_{condition.name}.wav"
            write_wav(out / name, clip)
            manifest.append(
                {
                    "file": name,
                    "expected": command,
                    "text": text,
                    "voice": asdict(voice),
                    "condition": condition.name,
                    "speech_start_s": round(start_s, 4),
                    "speech_end_s": round(start_s + len(speech) / RATE, 4),
                    "duration_s": round(len(clip) / RATE, 4),
                    "click_onsets_s": onsets,
                }
            )
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
    return manifest


def _pick(voices: tuple[Voice, ...], index: int, count: int) -> tuple[Voice, ...]:
    """`count` voices, rotating with `index` so every voice says some of the talk."""
    count = min(count, len(voices))
    return tuple(voices[(index + k) % len(voices)] for k in range(count))


def load_manifest(corpus: Path) -> list[dict]:
    return json.loads((corpus / "manifest.json").read_text("utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    manifest = make_corpus(args.out, seed=args.seed)
    commands = sum(1 for m in manifest if m["expected"])
    heldout = sum(1 for m in manifest if m["voice"]["split"] == Split.HELDOUT)
    print(
        f"{len(manifest)} clips ({commands} commands, {len(manifest) - commands} talk; "
        f"{heldout} by held-out voices) in {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
