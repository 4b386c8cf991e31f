"""The command head's training data: who says what, and the rooms, beds and echo it is heard in.

Used by `scripts/train_commands.py`. Voices: espeak-ng accents x variants at many rates and
pitches, and flite rms. Every variant the command corpus holds out (and flite awb) is left out
here, so `scripts/bench_commands.py --split heldout` measures voices this data never had; a few
more variants are kept apart as this trainer's own validation voices. Festival, Piper and flite's
kal, kal16 and slt voices are never used. Texts: every command phrase, and for "no command":
sound-alikes of each command found by phone distance in PocketSphinx's CMUdict, thousands of
other dictionary words, counts, the coach's own phrases and everyday talk.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from make_command_corpus import (
    EVERYDAY_TALK,
    RATE,
    VOICES,
    Split,
    Voice,
    click_sound,
    pink_noise,
    seed_sentences,
    synthesize,
)

from voice_coach.core.catalog import load_catalog
from voice_coach.core.dry_run import script_and_reply_phrases
from voice_coach.core.phrases import help_text
from voice_coach.core.routine import BUILTIN_ROUTINES
from voice_coach.recognition.phrases import all_phrases, load_command_phrases
from voice_coach.recognition.pocketsphinx_engine import edit_distance

ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbcwmd", "en-us-nyc", "en-029",
           "en-gb-x-rp", "en-gb-x-gbclan")
VALIDATION_VARIANTS = ("m5", "m6", "Andy", "steph", "iven2", "Alicia")
SKIPPED_VARIANTS = ("whisper", "whisperf", "Demonic", "UniRobot", "anikaRobot")  # nobody's voice
# The issue's own sound-alikes, which must never be commands; more come from the dictionary.
NAMED_SOUND_ALIKES = ("harbor", "presume", "shop", "held", "nest", "lower", "how much", "hope",
                      "top", "hello", "next door", "wait a minute", "faster than", "stopwatch")
# The coach's own voice (pyttsx3's espeak default, English, at 165 words a minute), as echo.
COACH_VOICE = Voice("espeak", "en", 165 / 160, Split.TUNE)
COUNTS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve")


@dataclass(frozen=True)
class Utterance:
    text: str
    phrase: str | None  # the command phrase it says, or None for "no command"
    voice: Voice


def heldout_variants() -> set[str]:
    """Variants (and flite voices) the command corpus measures on: never trained on here."""
    held = {v.name.split("+")[1] for v in VOICES if v.split is Split.HELDOUT and "+" in v.name}
    return held | {v.name for v in VOICES if v.split is Split.HELDOUT and v.engine == "flite"}


def espeak_variants() -> list[str]:
    listing = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True, text=True,
                             check=True).stdout
    names = [line.split()[4].split("/")[-1] for line in listing.splitlines()[1:]
             if len(line.split()) > 4]
    return sorted(set(names) - heldout_variants() - set(SKIPPED_VARIANTS))


def random_voice(rng: np.random.Generator, variants: list[str], flite_share: float) -> Voice:
    if rng.random() < flite_share:
        return Voice("flite", "rms", float(rng.uniform(0.8, 1.25)), Split.TUNE)
    variant = variants[int(rng.integers(len(variants)))]
    accent = ACCENTS[int(rng.integers(len(ACCENTS)))]
    name = accent if variant == "" else f"{accent}+{variant}"
    return Voice("espeak", name, float(rng.uniform(0.75, 1.35)), Split.TUNE,
                 pitch=int(rng.integers(20, 80)))


def command_phrases() -> list[str]:
    return all_phrases(load_command_phrases())


def dictionary() -> dict[str, list[str]]:
    """CMUdict from the PocketSphinx wheel: word -> phones (first pronunciation only)."""
    import pocketsphinx

    words: dict[str, list[str]] = {}
    path = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    for line in path.read_text("utf-8").splitlines():
        word, *phones = line.split()
        if re.fullmatch(r"[a-z]+", word):
            words.setdefault(word, phones)
    return words


def sound_alikes(phrases: list[str], words: dict[str, list[str]], per_word: int,
                 rng: np.random.Generator) -> list[str]:
    """For each command word of three phones or more, dictionary words one or two phones away
    (nearest first, in random order within a distance), and each phrase with one word swapped
    for one of them ("my bag hurts", "slow town")."""
    command_words = sorted({w for p in phrases for w in p.split()})
    by_length: dict[int, list[str]] = {}
    for word, phones in words.items():
        if word not in command_words:
            by_length.setdefault(len(phones), []).append(word)
    near: dict[str, list[str]] = {}
    for word in command_words:
        target = words.get(word)
        if target is None or len(target) < 3:
            continue
        candidates = [w for n in range(len(target) - 1, len(target) + 2)
                      for w in by_length.get(n, ())]
        order = rng.permutation(len(candidates))
        ranked = sorted(((edit_distance(target, words[candidates[i]]), k, candidates[i])
                         for k, i in enumerate(order)))
        # Same phones ("weight" for "wait") or the word inflected ("helps") is the command.
        near[word] = [w for distance, _, w in ranked
                      if 1 <= distance <= 2 and not _inflected(w, word)][:per_word]
    alikes = [w for listed in near.values() for w in listed]
    for phrase in phrases:
        parts = phrase.split()
        for k, word in enumerate(parts):
            for other in near.get(word, [])[:3]:
                alikes.append(" ".join([*parts[:k], other, *parts[k + 1:]]))
    return sorted(set(alikes) - set(phrases))


def _inflected(candidate: str, word: str) -> bool:
    return candidate.startswith(word) and len(candidate) - len(word) <= 3


def coach_phrases() -> list[str]:
    catalog = load_catalog()
    texts: set[str] = {help_text()}
    for routine in BUILTIN_ROUTINES.values():
        texts.update(script_and_reply_phrases(routine, catalog))
    return sorted(texts)


def talk_like(rng: np.random.Generator, count: int) -> list[str]:
    """`count` runs of 2-6 words drawn from the exercise text and everyday talk: speech that
    sounds like sentences, where a command word may sit among others."""
    source = " ".join([*seed_sentences(limit=1000, max_words=40), *EVERYDAY_TALK])
    vocabulary = sorted(set(re.findall(r"[a-z]+", source.lower())))
    runs = []
    for _ in range(count):
        length = int(rng.integers(2, 7))
        runs.append(" ".join(vocabulary[i] for i in rng.integers(0, len(vocabulary), length)))
    return runs


def negative_texts(rng: np.random.Generator, dictionary_words: int, runs: int) -> list[str]:
    words = dictionary()
    phrases = command_phrases()
    alikes = sound_alikes(phrases, words, per_word=12, rng=rng)
    common = [w for w in words if 3 <= len(w) <= 9 and w not in phrases]
    picked = [common[i] for i in rng.choice(len(common), dictionary_words, replace=False)]
    texts = [*NAMED_SOUND_ALIKES, *alikes, *picked, *COUNTS, *EVERYDAY_TALK,
             *seed_sentences(limit=400, max_words=12), *coach_phrases(), *talk_like(rng, runs)]
    return sorted(set(texts) - set(phrases))


def cached_speech(cache: Path, voice: Voice, text: str) -> np.ndarray:
    """`synthesize(voice, text)`, kept as .npy under `cache` (the trainer is run many times)."""
    key = hashlib.sha256(f"{voice.label}|{text}".encode()).hexdigest()[:24]
    path = cache / f"{key}.npy"
    if path.exists():
        return np.load(path)
    speech = synthesize(voice, text).astype(np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, speech)
    return speech


def room_responses(count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Person-to-microphone impulse responses of random rooms (RT60 0.2-0.6 s)."""
    from make_barge_in_corpus import make_room

    return [make_room(rng)[2] for _ in range(count)]


def heard(speech: np.ndarray, rng: np.random.Generator, rooms: list[np.ndarray],
          echo: list[np.ndarray], length: int, at: int) -> np.ndarray:
    """`speech` from sample `at` of a `length` canvas as a microphone might hear it: a room,
    a level, the metronome at the mixer's levels, noise, and sometimes the coach's voice as
    residual echo."""
    from scipy.signal import fftconvolve

    canvas = np.zeros(length, np.float32)
    if rooms and rng.random() < 0.5:
        wet = fftconvolve(speech, rooms[int(rng.integers(len(rooms)))])[: speech.size + RATE // 2]
        speech = wet * (np.abs(speech).max() / max(1e-6, np.abs(wet).max()))
    piece = speech[: length - at] * 10 ** (rng.uniform(-24, 0) / 20)
    canvas[at : at + piece.size] = piece
    if echo and rng.random() < 0.3:
        coach = echo[int(rng.integers(len(echo)))] * 10 ** (rng.uniform(-40, -16) / 20)
        start = int(rng.integers(0, length))
        part = coach[: length - start]
        canvas[start : start + part.size] += part
    if rng.random() < 0.6:
        click = click_sound() * 10 ** (rng.uniform(-30, -10) / 20)
        period = round(60.0 / rng.uniform(40, 100) * RATE)
        for onset in range(int(rng.integers(0, period)), length, period):
            part = click[: length - onset]
            canvas[onset : onset + part.size] += part
    if rng.random() < 0.7:
        canvas += pink_noise(length, rng) * 10 ** (rng.uniform(-70, -35) / 20)
    return canvas
