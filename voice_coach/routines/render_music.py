"""A music bed under the rendered coach: looped or cut to length, ducked while the coach speaks.

pydub decodes the track (WAV in pure Python, anything else through ffmpeg), makes it mono at
the coach's rate and sets its level. The ducking envelope is numpy: one gain per sample, in
dB, with short ramps around each spoken cue, because slicing a long AudioSegment per cue
copies the whole track every time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MUSIC_DBFS = -26.0  # the bed's average level, well under the voice
DUCK_DB = 12.0
ATTACK_MS = 80  # the bed is fully ducked when the cue starts
RELEASE_MS = 250
FADE_IN_MS = 3000
FADE_OUT_MS = 5000


class MusicError(Exception):
    """The music file cannot be used; the message is one line saying why and what to do."""


def load_music(path: Path, sample_rate: int, level_dbfs: float = MUSIC_DBFS) -> np.ndarray:
    """The track as float32 mono at `sample_rate`, its average level set to `level_dbfs`."""
    from pydub import AudioSegment
    from pydub.exceptions import CouldntDecodeError

    from voice_coach.routines.render_export import ffmpeg_command

    path = Path(path)
    if not path.is_file():
        raise MusicError(f"no music file {path}")
    is_wav = path.suffix.lower() == ".wav"
    if not is_wav and ffmpeg_command() is None:
        raise MusicError(
            f"reading {path.name} needs ffmpeg: apt-get install ffmpeg "
            "(or give --music a .wav file)"
        )
    try:
        segment = AudioSegment.from_file(str(path), format="wav" if is_wav else None)
    except (CouldntDecodeError, OSError, EOFError, ValueError) as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else "unreadable"
        raise MusicError(f"cannot read music file {path}: {reason}") from None
    segment = segment.set_channels(1).set_frame_rate(sample_rate).set_sample_width(2)
    if len(segment) == 0 or segment.rms == 0:
        raise MusicError(f"music file {path} is silent")
    segment = segment.apply_gain(level_dbfs - segment.dBFS)
    pcm = np.frombuffer(segment.raw_data, dtype="<i2")
    return (pcm.astype(np.float32) / 32768.0).astype(np.float32)


def fit_length(music: np.ndarray, length: int) -> np.ndarray:
    """The track looped (or cut) to exactly `length` samples."""
    fitted = np.empty(length, np.float32)
    for first in range(0, length, music.size):
        piece = min(music.size, length - first)
        fitted[first : first + piece] = music[:piece]
    return fitted


def duck_envelope(
    length: int,
    intervals: list[tuple[int, int]],
    sample_rate: int,
    duck_db: float = DUCK_DB,
    attack_ms: int = ATTACK_MS,
    release_ms: int = RELEASE_MS,
) -> np.ndarray:
    """Linear gain per sample: 1 outside speech, `duck_db` lower inside, ramps in dB between.

    Where ramps of neighbouring cues meet, the deeper duck wins."""
    gain = np.ones(length, np.float32)
    attack = max(1, attack_ms * sample_rate // 1000)
    release = max(1, release_ms * sample_rate // 1000)
    low = np.float32(10.0 ** (-duck_db / 20.0))
    down = _db_ramp(np.linspace(0.0, 1.0, attack, endpoint=False), duck_db)
    up = _db_ramp(np.linspace(1.0, 0.0, release + 1)[1:], duck_db)
    for start, end in intervals:
        start, end = max(0, min(start, length)), max(0, min(end, length))
        first = max(0, start - attack)
        np.minimum(gain[first:start], down[attack - (start - first) :], out=gain[first:start])
        gain[start:end] = low
        last = min(length, end + release)
        np.minimum(gain[end:last], up[: last - end], out=gain[end:last])
    return gain


def _db_ramp(depth: np.ndarray, duck_db: float) -> np.ndarray:
    """Gains for ducking depths 0..1, linear in dB."""
    return np.power(10.0, depth * (-duck_db / 20.0)).astype(np.float32)


def apply_fades(
    bed: np.ndarray, sample_rate: int, fade_in_ms: int = FADE_IN_MS, fade_out_ms: int = FADE_OUT_MS
) -> None:
    """Linear fade in at the start and out at the end (each at most a quarter), in place."""
    fade_in = min(bed.size // 4, fade_in_ms * sample_rate // 1000)
    fade_out = min(bed.size // 4, fade_out_ms * sample_rate // 1000)
    if fade_in:
        bed[:fade_in] *= np.linspace(0.0, 1.0, fade_in, endpoint=False, dtype=np.float32)
    if fade_out:
        bed[bed.size - fade_out :] *= np.linspace(1.0, 0.0, fade_out, dtype=np.float32)


def duck_under(
    bed: np.ndarray, intervals: list[tuple[int, int]], sample_rate: int, duck_db: float = DUCK_DB
) -> None:
    """Duck `bed` in place under the sample ranges, touching only the stretches near them."""
    attack = ATTACK_MS * sample_rate // 1000
    release = RELEASE_MS * sample_rate // 1000
    groups: list[tuple[int, int, list[tuple[int, int]]]] = []
    for start, end in sorted(intervals):
        first, last = max(0, start - attack), min(bed.size, end + release)
        if groups and first <= groups[-1][1]:
            group_first, group_last, members = groups[-1]
            groups[-1] = (group_first, max(group_last, last), [*members, (start, end)])
        elif first < last:
            groups.append((first, last, [(start, end)]))
    for first, last, members in groups:
        local = [(start - first, end - first) for start, end in members]
        bed[first:last] *= duck_envelope(last - first, local, sample_rate, duck_db)


def music_bed(
    music: np.ndarray,
    length: int,
    speech: list[tuple[int, int]],
    sample_rate: int,
    duck_db: float = DUCK_DB,
) -> np.ndarray:
    """The track fitted to `length`, ducked under `speech` (sample ranges), faded in and out."""
    bed = fit_length(music, length)
    duck_under(bed, speech, sample_rate, duck_db)
    apply_fades(bed, sample_rate)
    return bed


def mix_under(coach: np.ndarray, bed: np.ndarray) -> np.ndarray:
    """The coach with the bed under it, clipped to [-1, 1]; reuses `bed`'s memory."""
    np.add(bed, coach, out=bed)
    np.clip(bed, -1.0, 1.0, out=bed)
    return bed
