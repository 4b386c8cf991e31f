"""The person's own takes of each command: found in a recording, checked, kept, loaded.

`voice-coach voice enroll` records TAKES_PER_PHRASE takes of each command's first phrase. A take
is the recording around one word: `find_word` finds it by level (10 ms frames clearly above the
recording's quietest tenth, gaps under WORD_GAP_S bridged), and `take_problem` says what is
wrong with it, in words for the person ("too quiet", ...), or None. Kept takes live in the data
folder's `voice/` as 16 kHz WAVs with `takes.json` naming each one's phrase and word span;
`load_take_windows` gives the command net's matcher its windows (see `take_matcher`).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from voice_coach.paths import data_dir
from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.speech_embedding import SAMPLE_RATE, SpeechEmbedding
from voice_coach.recognition.take_matcher import TakeMatcher, take_window
from voice_coach.speech.pcm import from_int16, read_wav, to_int16, wav_bytes

TAKES_PER_PHRASE = 3
FRAME = SAMPLE_RATE // 100
LOUDER_DB = 12.0  # a frame of the word is this far above the recording's quietest tenth
MIN_LEVEL = 30.0  # int16 RMS: a digitally silent recording still needs a real voice
WORD_GAP_S = 0.3  # "my back hurts" has gaps between its words
QUIET_RMS = 300.0  # about -40 dBFS over the word: too far from the microphone
CLIPPED = 32000
CLIPPED_SAMPLES = 20
LONGEST_WORD_S = 2.0
CLEAR_DB = 15.0  # the word over the room's noise
MANIFEST = "takes.json"


@dataclass(frozen=True)
class Take:
    phrase: str
    file: str
    word_start: int  # samples into the file
    word_end: int


def takes_folder() -> Path:
    return data_dir() / "voice"


def _frame_levels(recording: np.ndarray) -> np.ndarray:
    usable = recording[: recording.size // FRAME * FRAME].astype(np.float64)
    return np.sqrt(np.mean(usable.reshape(-1, FRAME) ** 2, axis=1))


def find_word(recording: np.ndarray) -> tuple[int, int] | None:
    """The loudest stretch of voice in `recording` (int16) as (first, end) samples, or None."""
    levels = _frame_levels(recording)
    if levels.size == 0:
        return None
    floor = max(MIN_LEVEL, float(np.percentile(levels, 10)))
    loud = np.flatnonzero(levels >= floor * 10 ** (LOUDER_DB / 20))
    if loud.size < 3:
        return None
    gap = round(WORD_GAP_S * 100)
    runs: list[tuple[int, int]] = []
    start = previous = int(loud[0])
    for frame in loud[1:]:
        if frame - previous > gap:
            runs.append((start, previous + 1))
            start = int(frame)
        previous = int(frame)
    runs.append((start, previous + 1))
    first, end = max(runs, key=lambda run: float(np.sum(levels[run[0] : run[1]] ** 2)))
    return first * FRAME, end * FRAME


def take_problem(recording: np.ndarray, span: tuple[int, int] | None) -> str | None:
    """What keeps `recording` from being a good take of a word at `span`, or None."""
    if span is None:
        return "I did not hear you"
    word = recording[span[0] : span[1]].astype(np.float64)
    if (span[1] - span[0]) / SAMPLE_RATE > LONGEST_WORD_S:
        return "that was too long: just the command"
    if int(np.sum(np.abs(word) >= CLIPPED)) >= CLIPPED_SAMPLES:
        return "that was too loud"
    level = float(np.sqrt(np.mean(word**2)))
    if level < QUIET_RMS:
        return "that was too quiet"
    rest = np.concatenate([recording[: span[0]], recording[span[1] :]])
    noise = float(np.median(_frame_levels(rest))) if rest.size >= FRAME else 0.0
    if noise > 0 and 20 * np.log10(level / noise) < CLEAR_DB:
        return "it is too noisy here"
    return None


def save_takes(folder: Path, takes: dict[str, list[np.ndarray]]) -> list[Take]:
    """Replace every kept take with `takes` (per phrase, int16 recordings of one word each)."""
    forget_takes(folder)
    folder.mkdir(parents=True, exist_ok=True)
    kept: list[Take] = []
    for index, (phrase, recordings) in enumerate(takes.items()):
        for number, recording in enumerate(recordings, 1):
            span = find_word(recording)
            if span is None:
                continue
            name = f"{index:02d}-{number}.wav"
            (folder / name).write_bytes(wav_bytes(from_int16(recording), SAMPLE_RATE))
            kept.append(Take(phrase, name, *span))
    (folder / MANIFEST).write_text(json.dumps([asdict(t) for t in kept], indent=1), "utf-8")
    return kept


def forget_takes(folder: Path) -> bool:
    """Remove the kept takes; whether there were any."""
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True


def load_take_windows(folder: Path) -> dict[str, list[np.ndarray]]:
    """Per phrase, the matcher's window of each kept take; {} when none are kept. A damaged
    folder raises RecognizerUnavailable with one line saying what to do."""
    manifest = folder / MANIFEST
    if not manifest.exists():
        return {}
    windows: dict[str, list[np.ndarray]] = {}
    try:
        for entry in json.loads(manifest.read_text("utf-8")):
            take = Take(**entry)
            samples, rate = read_wav(folder / take.file)
            if rate != SAMPLE_RATE:
                raise ValueError(f"{take.file} is at {rate} Hz")
            recording = to_int16(samples)
            windows.setdefault(take.phrase, []).append(take_window(recording, take.word_end))
    except (OSError, ValueError, TypeError, KeyError) as error:  # WavFormatError is a ValueError
        raise RecognizerUnavailable(
            f"your voice's takes in {folder} are damaged ({error}); run: voice-coach voice enroll"
        ) from None
    return windows


def enrolled_matcher(embedding: SpeechEmbedding, folder: Path | None = None) -> TakeMatcher | None:
    """The matcher of the person's kept takes; None when none are kept or they are damaged
    (then `voice-coach doctor` and `voice status` say so, and recognition goes on without)."""
    try:
        windows = load_take_windows(folder or takes_folder())
    except RecognizerUnavailable:
        return None
    return TakeMatcher.from_recordings(windows, embedding) if windows else None
