"""The newest stretch of an engine's int16 input, addressed in seconds since its reset.

Engines decode or measure a span they found after it was fed (PocketSphinx a segment its
endpointer closed, the command net the words in a window, its checker the net's span), so
each keeps what it was fed for a few seconds and cuts spans out of it.
"""

from __future__ import annotations

import numpy as np


class RecentAudio:
    """The last `keep_s` seconds of what `append` got, at `sample_rate`."""

    def __init__(self, sample_rate: int, keep_s: float) -> None:
        self.sample_rate = sample_rate
        self._keep = round(keep_s * sample_rate)
        self.clear()

    def clear(self) -> None:
        """Forget everything; time starts again at 0."""
        self._samples = np.zeros(0, np.int16)
        self._start = 0  # the sample (since clear) where `_samples` begins

    def append(self, block: np.ndarray) -> None:
        self._samples = np.concatenate([self._samples, np.asarray(block, np.int16)])
        excess = self._samples.size - self._keep
        if excess > 0:
            self._samples = self._samples[excess:]
            self._start += excess

    def between(self, start_s: float, end_s: float) -> np.ndarray:
        """The samples from `start_s` to `end_s`, as far as they are still kept."""
        first = max(0, round(start_s * self.sample_rate) - self._start)
        last = max(first, round(end_s * self.sample_rate) - self._start)
        return self._samples[first:last]
