"""The ring of played samples the echo canceller reads: exact, by session sample, bounded."""

from __future__ import annotations

import numpy as np

from voice_coach.sound.reference_ring import ReferenceRing

RATE = 48000


def filled(seconds: float, capacity_s: float = 1.0) -> tuple[ReferenceRing, np.ndarray]:
    ring = ReferenceRing(RATE, capacity_s)
    signal = (0.5 * np.sin(2 * np.pi * 440 * np.arange(round(seconds * RATE)) / RATE))
    signal = signal.astype(np.float32)
    for start in range(0, len(signal), 512):
        ring.write(signal[start : start + 512])
    return ring, signal


def test_recent_samples_read_back_exactly_by_session_sample() -> None:
    ring, signal = filled(3.0)
    assert ring.written == len(signal)
    first = len(signal) - 30000
    assert np.array_equal(ring.read(first, 20000), signal[first : first + 20000])


def test_samples_not_yet_played_or_no_longer_kept_read_as_silence() -> None:
    ring, signal = filled(3.0)
    ahead = ring.read(len(signal) - 100, 300)
    assert np.array_equal(ahead[:100], signal[-100:]) and not ahead[100:].any()
    assert not ring.read(0, 1000).any()  # 3 s ago, in a 1 s ring
    straddling = ring.read(len(signal) - RATE - 50, 100)
    assert not straddling[:50].any() and np.array_equal(straddling[50:], signal[-RATE:-RATE + 50])


def test_a_block_longer_than_the_ring_keeps_its_newest_samples() -> None:
    ring = ReferenceRing(RATE, 0.01)  # 480 samples
    block = np.arange(1000, dtype=np.float32)
    ring.write(block)
    assert ring.written == 1000
    assert np.array_equal(ring.read(520, 480), block[520:])


def test_read_at_the_microphone_rate_keeps_speech_band_and_drops_what_would_fold() -> None:
    ring = ReferenceRing(RATE, 2.0)
    t = np.arange(RATE) / RATE
    low = 0.3 * np.sin(2 * np.pi * 1000 * t)
    high = 0.3 * np.sin(2 * np.pi * 12000 * t)  # above 8 kHz: would alias to 4 kHz at 16 kHz
    ring.write((low + high).astype(np.float32))
    read = ring.read_decimated(3000, 10000, 3).astype(np.float64) / 32768
    expected = low[3000 : 3000 + 30000 : 3]
    assert np.max(np.abs(read[50:-50] - expected[50:-50])) < 0.01
