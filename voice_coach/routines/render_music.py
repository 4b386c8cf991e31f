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
    repeats = -(-length // music.size)
    return np.tile(music, repeats)[:length]


def duck_envelope(
    length: int,
    intervals: list[tuple[int, int]],
    sample_rate: int,
    duck_db: float = DUCK_DB,
    attack_ms: int = ATTACK_MS,
    release_ms: int = RELEASE_MS,
) -> np.ndarray:
    """Linear gain per sample: 1 outside speech, `duck_db` lower inside, ramps in dB between."""
    depth = np.zeros(length, np.float32)  # 0 = full level, 1 = fully ducked
    attack = max(1, attack_ms * sample_rate // 1000)
    release = max(1, release_ms * sample_rate // 1000)
    rise = np.linspace(0.0, 1.0, attack, endpoint=False, dtype=np.float32)
    fall = np.linspace(1.0, 0.0, release + 1, dtype=np.float32)[1:]
    for start, end in intervals:
        start, end = max(0, min(start, length)), max(0, min(end, length))
        first = max(0, start - attack)
        np.maximum(depth[first:start], rise[attack - (start - first) :], out=depth[first:start])
        depth[start:end] = 1.0
        last = min(length, end + release)
        np.maximum(depth[end:last], fall[: last - end], out=depth[end:last])
    return np.power(10.0, depth * (-duck_db / 20.0)).astype(np.float32)


def fade_envelope(
    length: int, sample_rate: int, fade_in_ms: int = FADE_IN_MS, fade_out_ms: int = FADE_OUT_MS
) -> np.ndarray:
    """Linear fade in at the start and out at the end (each at most a quarter of the length)."""
    envelope = np.ones(length, np.float32)
    fade_in = min(length // 4, fade_in_ms * sample_rate // 1000)
    fade_out = min(length // 4, fade_out_ms * sample_rate // 1000)
    if fade_in:
        envelope[:fade_in] = np.linspace(0.0, 1.0, fade_in, endpoint=False)
    if fade_out:
        envelope[length - fade_out :] = np.linspace(1.0, 0.0, fade_out)
    return envelope


def music_bed(
    music: np.ndarray,
    length: int,
    speech: list[tuple[int, int]],
    sample_rate: int,
    duck_db: float = DUCK_DB,
) -> np.ndarray:
    """The track fitted to `length`, ducked under `speech` (sample ranges), faded in and out."""
    bed = fit_length(music, length)
    bed *= duck_envelope(length, speech, sample_rate, duck_db)
    bed *= fade_envelope(length, sample_rate)
    return bed


def mix_under(coach: np.ndarray, bed: np.ndarray) -> np.ndarray:
    """The coach with the bed under it, clipped to [-1, 1]."""
    mixed = coach + bed
    np.clip(mixed, -1.0, 1.0, out=mixed)
    return mixed
