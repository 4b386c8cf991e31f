"""The coach's own output, kept for the echo canceller: the last seconds of mixed samples.

The audio thread writes every block it renders, in order, so sample `n` of the ring is session
sample `n`; the listening thread reads any recent stretch. One writer, no lock: the writer
copies into a buffer allocated once and then publishes the new count; a reader copies and
then checks the count again, and zeroes what was overwritten meanwhile (or is not yet written).
"""

from __future__ import annotations

import numpy as np

# The low-pass before taking every `factor`-th sample: a windowed sinc, cut a little below the
# lower rate's Nyquist frequency, so the coach's highs do not fold into the band the
# canceller compares with the microphone (whose own resampler filters them out).
LOW_PASS_TAPS = 48
LOW_PASS_CUTOFF = 0.45  # of the lower rate
# Enough for the listener to read a block that ended this long ago (its queue, a slow core).
DEFAULT_SECONDS = 8.0


class ReferenceRing:
    """The last `capacity` samples rendered, indexed by session sample."""

    def __init__(self, sample_rate: int, seconds: float = DEFAULT_SECONDS) -> None:
        self.sample_rate = sample_rate
        self.capacity = round(sample_rate * seconds)
        self._buffer = np.zeros(self.capacity, np.float32)
        self.written = 0
        """Samples written so far: the session sample the next block starts at."""

    def write(self, block: np.ndarray) -> None:
        """Append one rendered block (safe in the audio callback: copies only)."""
        count = len(block)
        if count > self.capacity:  # only the newest samples fit
            self.written += count - self.capacity
            block, count = block[count - self.capacity :], self.capacity
        start = self.written % self.capacity
        first = min(count, self.capacity - start)
        self._buffer[start : start + first] = block[:first]
        if first < count:
            self._buffer[: count - first] = block[first:]
        self.written += count

    def read(self, first_sample: int, count: int) -> np.ndarray:
        """Samples `first_sample` .. `first_sample + count` (a copy); zeros where nothing was
        written yet or the ring no longer holds them."""
        out = np.zeros(count, np.float32)
        written = self.written
        lo, hi = max(first_sample, written - self.capacity, 0), min(first_sample + count, written)
        if hi > lo:
            self._copy(lo, hi, out[lo - first_sample : hi - first_sample])
        # The writer may have overwritten the oldest part while we copied: blank it.
        oldest_now = self.written - self.capacity
        if oldest_now > lo:
            out[: max(0, min(count, oldest_now - first_sample))] = 0.0
        return out

    def read_decimated(self, first_sample: int, count: int, factor: int) -> np.ndarray:
        """`count` samples at 1/`factor` of the ring's rate, from `first_sample`, as int16 (the
        microphone's format). Not for the audio callback: it filters."""
        taps = _low_pass(factor)
        wide = self.read(first_sample - len(taps) // 2, count * factor + len(taps) - 1)
        filtered = np.convolve(wide, taps, mode="valid")[::factor][:count]
        return (np.clip(filtered, -1.0, 32767 / 32768) * 32768.0).astype(np.int16)

    def _copy(self, lo: int, hi: int, into: np.ndarray) -> None:
        start = lo % self.capacity
        first = min(hi - lo, self.capacity - start)
        into[:first] = self._buffer[start : start + first]
        if first < hi - lo:
            into[first:] = self._buffer[: hi - lo - first]


_TAPS: dict[int, np.ndarray] = {}


def _low_pass(factor: int) -> np.ndarray:
    if factor not in _TAPS:
        n = np.arange(LOW_PASS_TAPS + 1)  # odd: the centre tap falls on a sample
        centre = (len(n) - 1) / 2
        cutoff = LOW_PASS_CUTOFF / factor  # cycles per sample of the higher rate
        taps = 2 * cutoff * np.sinc(2 * cutoff * (n - centre)) * np.hamming(len(n))
        _TAPS[factor] = (taps / taps.sum()).astype(np.float32)
    return _TAPS[factor]
