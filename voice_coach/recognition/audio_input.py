"""Read a recording as 16 kHz mono int16 and cut it into the listener's fixed blocks."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from voice_coach.speech.pcm import resample

TARGET_RATE = 16000


class AudioFileError(Exception):
    """The file cannot be read as a PCM WAV; the message is one line."""


def read_wav_mono(path: str | Path, rate: int = TARGET_RATE) -> np.ndarray:
    """The WAV at `path` mixed to mono and resampled to `rate`, as int16."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, source_rate = (
                wav.getnchannels(),
                wav.getsampwidth(),
                wav.getframerate(),
            )
            raw = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as error:
        raise AudioFileError(f"cannot read {path} as a PCM WAV file ({error})") from None
    if width == 1:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 4:
        samples = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    else:
        raise AudioFileError(f"{path}: {8 * width}-bit samples are not supported; use 16-bit PCM")
    mono = samples.reshape(-1, channels).mean(axis=1)
    # Band-limited (FFT) resampling: linear interpolation cost PocketSphinx a third of the
    # espeak en-us phrases in the command corpus.
    return to_int16(resample(mono, source_rate, rate))


def to_int16(samples: np.ndarray) -> np.ndarray:
    return (np.clip(samples, -1.0, 32767 / 32768) * 32768.0).astype(np.int16)


def blocks(samples: np.ndarray, block_samples: int) -> Iterator[tuple[np.ndarray, int]]:
    """(block, first sample index) for consecutive full blocks; the tail is zero-padded."""
    for start in range(0, len(samples), block_samples):
        block = samples[start : start + block_samples]
        if len(block) < block_samples:
            block = np.concatenate([block, np.zeros(block_samples - len(block), block.dtype)])
        yield block, start
