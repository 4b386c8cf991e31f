"""Loads the coach's packaged sound assets (clicks, chimes, breath tones) as float32 arrays."""

from __future__ import annotations

import functools
import importlib.resources

import numpy as np

from voice_coach.speech.pcm import read_wav, resample

SOUND_NAMES: tuple[str, ...] = ("click", "accent", "chime", "earcon", "inhale", "exhale", "done")


def load_sound(name: str, sample_rate: int = 48000) -> np.ndarray:
    """The named asset as float32 mono in [-1, 1] at `sample_rate`.

    Arrays are cached and shared, so they are returned read-only; copy one to change it.
    Raises ValueError for an unknown name.
    """
    if name not in SOUND_NAMES:
        raise ValueError(f"unknown sound {name!r}; known sounds: {', '.join(SOUND_NAMES)}")
    return _load_cached(name, sample_rate)


@functools.cache
def _load_cached(name: str, sample_rate: int) -> np.ndarray:
    resource = importlib.resources.files("voice_coach.assets").joinpath(f"{name}.wav")
    with resource.open("rb") as wav_file:
        samples, file_rate = read_wav(wav_file)
    samples = resample(samples, file_rate, sample_rate)
    samples.setflags(write=False)
    return samples
