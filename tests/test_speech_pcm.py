"""WAV reading/writing, resampling and silence trimming used by speech and sound assets."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from voice_coach.speech.pcm import (
    WavFormatError,
    _next_smooth,
    from_int16,
    read_wav,
    resample,
    to_int16,
    trim_silence,
    wav_bytes,
    write_wav_atomic,
)


def sine(freq: float, rate: int, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize(("from_rate", "to_rate"), [(22050, 48000), (48000, 16000), (44100, 48000)])
def test_resample_keeps_a_tone_and_its_timing(from_rate: int, to_rate: int) -> None:
    tone = sine(440.0, from_rate, 1.3)
    out = resample(tone, from_rate, to_rate)
    assert out.dtype == np.float32
    assert out.size == round(tone.size * to_rate / from_rate)
    expected = sine(440.0, to_rate, out.size / to_rate)
    middle = slice(to_rate // 20, -to_rate // 20)  # away from the clip edges
    assert np.abs(out[middle] - expected[middle]).max() < 2e-3


def test_resample_same_rate_is_a_copy() -> None:
    tone = sine(300.0, 48000, 0.1)
    out = resample(tone, 48000, 48000)
    np.testing.assert_array_equal(out, tone)
    assert out is not tone


def test_next_smooth_is_the_least_5_smooth_number_not_below() -> None:
    def is_smooth(n: int) -> bool:
        for prime in (2, 3, 5):
            while n % prime == 0:
                n //= prime
        return n == 1

    for n in range(1, 2000):
        found = _next_smooth(n)
        assert found >= n and is_smooth(found)
        assert not any(is_smooth(m) for m in range(n, found))


def test_trim_silence_cuts_quiet_edges_and_keeps_a_margin() -> None:
    rate = 48000
    tone = sine(500.0, rate, 0.5)
    padded = np.concatenate([np.zeros(rate), tone, np.zeros(rate // 2)]).astype(np.float32)
    trimmed = trim_silence(padded, rate, keep_ms=5.0)
    margin = round(rate * 0.005)
    assert tone.size <= trimmed.size <= tone.size + 2 * margin + 2
    assert trim_silence(np.zeros(100, dtype=np.float32), rate).size == 0


def test_wav_round_trip(tmp_path: Path) -> None:
    tone = from_int16(to_int16(sine(700.0, 16000, 0.25)))
    path = tmp_path / "tone.wav"
    write_wav_atomic(path, tone, 16000)
    samples, rate = read_wav(path)
    assert rate == 16000
    np.testing.assert_array_equal(samples, tone)
    assert [p.name for p in tmp_path.iterdir()] == ["tone.wav"]


def test_to_int16_clips_instead_of_wrapping() -> None:
    np.testing.assert_array_equal(to_int16(np.array([2.0, -2.0, 0.0])), [32767, -32768, 0])


def test_truncated_or_foreign_wav_is_rejected() -> None:
    data = wav_bytes(sine(440.0, 8000, 0.2), 8000)
    with pytest.raises(WavFormatError, match="truncated"):
        read_wav(io.BytesIO(data[: len(data) // 2]))
    with pytest.raises(WavFormatError):
        read_wav(io.BytesIO(b"RIFF...."))
