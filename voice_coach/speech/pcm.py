"""Mono 16-bit PCM WAV data as float32 numpy arrays: read, write, resample, trim silence."""

from __future__ import annotations

import io
import math
import os
import tempfile
import wave
from pathlib import Path
from typing import BinaryIO

import numpy as np

_INT16_SCALE = 32768.0


class WavFormatError(ValueError):
    """A WAV file is not mono 16-bit PCM, or is truncated."""


def rms(samples: np.ndarray) -> float:
    """Root mean square of `samples` in their own units (0.0 for none)."""
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] to int16 (clipped, rounded to nearest)."""
    scaled = np.round(np.asarray(samples, dtype=np.float64) * _INT16_SCALE)
    return np.clip(scaled, -32768, 32767).astype("<i2")


def from_int16(samples: np.ndarray) -> np.ndarray:
    """int16 samples to float32 in [-1, 1)."""
    return (np.asarray(samples, dtype=np.float32) / np.float32(_INT16_SCALE)).astype(np.float32)


def read_wav(source: str | Path | BinaryIO) -> tuple[np.ndarray, int]:
    """Read a mono 16-bit WAV; returns (float32 samples, sample rate).

    Raises WavFormatError for another format or a file shorter than its header says.
    """
    try:
        with wave.open(source if not isinstance(source, Path) else str(source), "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise WavFormatError(
                    f"expected mono 16-bit WAV, got {wav.getnchannels()} channel(s) "
                    f"of {8 * wav.getsampwidth()} bit"
                )
            frames = wav.getnframes()
            data = wav.readframes(frames)
            rate = wav.getframerate()
    except (wave.Error, EOFError) as error:
        raise WavFormatError(f"not a readable WAV file: {error}") from error
    if len(data) != 2 * frames:
        raise WavFormatError(f"truncated WAV: {len(data) // 2} of {frames} frames present")
    return from_int16(np.frombuffer(data, dtype="<i2")), rate


def wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    """A complete mono 16-bit WAV file holding the samples."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(to_int16(samples).tobytes())
    return buffer.getvalue()


def write_wav_atomic(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write a WAV so that `path` is either absent, the old file, or the complete new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as temp_file:
            temp_file.write(wav_bytes(samples, sample_rate))
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _next_smooth(n: int) -> int:
    """The smallest 2^a * 3^b * 5^c >= n: a length the FFT handles quickly."""
    best = 1 << max(0, (n - 1).bit_length())
    power5 = 1
    while power5 < best:
        power35 = power5
        while power35 < best:
            candidate = power35 << max(0, (-(-n // power35) - 1).bit_length())
            best = min(best, candidate)
            power35 *= 3
        power5 *= 5
    return best


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Band-limited resampling (FFT method) of a short mono clip; returns float32.

    The clip sits inside a block of silence so its end does not wrap around into its start.
    Block lengths are a multiple of the reduced rate ratio (so input and output blocks line up
    exactly) times a 5-smooth number (so the transforms stay fast).
    """
    samples = np.asarray(samples, dtype=np.float32)
    if from_rate == to_rate or samples.size == 0:
        return samples.copy()
    common = math.gcd(from_rate, to_rate)
    down, up = from_rate // common, to_rate // common
    pad_blocks = -(-max(64, from_rate // 50) // down)
    blocks = _next_smooth(-(-samples.size // down) + 2 * pad_blocks)
    padded = np.zeros(blocks * down)
    padded[pad_blocks * down : pad_blocks * down + samples.size] = samples
    out_len = blocks * up
    spectrum = np.fft.rfft(padded)
    out_spectrum = np.zeros(out_len // 2 + 1, dtype=np.complex128)
    shared = min(spectrum.size, out_spectrum.size)
    out_spectrum[:shared] = spectrum[:shared]
    out = np.fft.irfft(out_spectrum, out_len) * (out_len / padded.size)
    start = pad_blocks * up
    length = round(samples.size * up / down)
    return np.clip(out[start : start + length], -1.0, 1.0).astype(np.float32)


def trim_silence(
    samples: np.ndarray, sample_rate: int, relative_threshold: float = 0.01, keep_ms: float = 5.0
) -> np.ndarray:
    """Cut leading and trailing parts quieter than `relative_threshold` of the peak.

    `keep_ms` of the quiet edge is kept on each side so soft onsets are not clipped.
    An all-silent clip becomes empty.
    """
    magnitude = np.abs(samples)
    peak = float(magnitude.max()) if magnitude.size else 0.0
    if peak <= 0.0:
        return samples[:0].copy()
    loud = np.flatnonzero(magnitude >= peak * relative_threshold)
    keep = round(sample_rate * keep_ms / 1000)
    first = max(0, int(loud[0]) - keep)
    last = min(samples.size, int(loud[-1]) + 1 + keep)
    return samples[first:last].copy()
