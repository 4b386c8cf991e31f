"""From the coach's played samples and the microphone to a cleaned microphone signal.

The caller hands over each microphone block with the reference already placed on the same
clock (live: by the output and input stream times; offline: by `align_recordings`), and
REFERENCE_LEAD_S ahead of it. The lead matters: WebRTC's canceller needs the echo to come after
its reference. Measured on a simulated room, with the echo exactly in step with the reference
it cancelled 40-49 dB for 18 s and then only 1-5 dB for the rest of the session; with the
reference 5 to 100 ms ahead, 44-49 dB throughout. What the stream clocks cannot see (a room's
path, a Bluetooth speaker's buffer) is measured here: every RECHECK_S the last WINDOW_S of
microphone and reference are cross-correlated (GCC-PHAT, whose peak stays sharp under
reverberation), and when the peak stands clear the reference is delayed so that it leads the
echo by TARGET_LEAD_S. Two devices with their own clocks drift apart by a few ms a minute; the
stream clocks follow that (the output re-anchors beyond 2 ms, the input follows its ADC times),
and this re-check catches whatever they miss. The live loop and `listen --reference` both go
through `EchoPath.clean`, so they decide the same on the same audio.

The canceller needs a few seconds of the coach's voice to converge, and until then its output
still holds the coach's words: on the barge-in corpus, 4 of 14 false commands came from the
welcome, in the first 5 s. So `converged` says whether the last second of blocks in which the
coach sounded had at least CONVERGED_DB of echo removed (their median); the listener treats the
coach's speech as it does without a canceller until then, and again once it has diverged: when
even the best quarter of the last DIVERGE_BLOCKS_S of such blocks had less than DIVERGED_DB
removed. The person's own words over the coach are not echo, so in their blocks next to
nothing is "removed": with a median over one second, a perfect canceller and 1.2 s of the
person 10 dB over the echo (tests/test_echo_path.py) were judged diverged, and the words it
was cancelling for would have been let pass as the coach's.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from voice_coach.recognition.echo_canceller import EchoCanceller
from voice_coach.speech.pcm import rms

REFERENCE_LEAD_S = 0.04
TARGET_LEAD_S = 0.02
WINDOW_S = 4.0
RECHECK_S = 2.0
# A lag counts when its correlation peak is this many times the mean of the others and the
# reference had sound in the window (no sound: nothing to measure, keep what we have).
PEAK_CLEAR = 6.0
MIN_REFERENCE_RMS = 100.0  # int16 units: about -50 dBFS
MOVE_AT_S = 0.004  # smaller changes are left to the canceller's own filter
ALIGN_SPAN_S = 30.0
CONVERGED_DB = 15.0
DIVERGED_DB = 6.0
JUDGED_BLOCKS_S = 1.0  # of blocks in which the coach sounded
DIVERGE_BLOCKS_S = 2.5  # ... longer than a command said over the coach, however slowly
DIVERGE_PERCENTILE = 75


def gcc_phat_lag(signal: np.ndarray, reference: np.ndarray, max_lag: int) -> tuple[int, float]:
    """The lag (samples, 0..max_lag) by which `signal` trails `reference`, and how clearly
    the correlation peak stands above the rest (peak over mean magnitude)."""
    n = len(signal) + len(reference)
    size = 1 << (n - 1).bit_length()
    cross = np.fft.rfft(signal.astype(np.float64), size) * np.conj(
        np.fft.rfft(reference.astype(np.float64), size)
    )
    cross /= np.maximum(np.abs(cross), 1e-9)
    correlation = np.abs(np.fft.irfft(cross, size))
    window = correlation[: max_lag + 1]
    lag = int(np.argmax(window))
    return lag, float(window[lag] / max(float(np.mean(window)), 1e-12))


class EchoPath:
    """Delays the reference by the measured residual lag, then runs the canceller."""

    def __init__(self, canceller: EchoCanceller, max_delay_s: float) -> None:
        self.canceller = canceller
        self.sample_rate = canceller.sample_rate
        self.max_delay = round(max_delay_s * self.sample_rate)
        self.delay = 0
        """The residual lag in samples applied to the reference now."""
        window = round(WINDOW_S * self.sample_rate)
        self._reference = np.zeros(self.max_delay, np.int16)  # the newest unplayed-yet tail
        self._mic_window: deque[np.ndarray] = deque()
        self._ref_window: deque[np.ndarray] = deque()  # the reference as it arrived (undelayed)
        self._window = window
        self._since_check = 0
        self._removed_db: deque[float] = deque()
        self._judged_samples = round(JUDGED_BLOCKS_S * self.sample_rate)
        self._diverge_samples = round(DIVERGE_BLOCKS_S * self.sample_rate)
        self.converged = False
        """Whether the canceller removes enough of the coach to trust its output."""

    @property
    def delay_s(self) -> float:
        return self.delay / self.sample_rate

    def clean(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """`mic` with the coach's echo taken out; `reference` covers the same moments."""
        count = len(mic)
        history = np.concatenate([self._reference, np.asarray(reference, np.int16)])
        self._reference = history[-self.max_delay :] if self.max_delay else history[:0]
        end = len(history) - self.delay
        delayed = history[end - count : end]
        self._remember(mic, reference)
        cleaned = self.canceller.process(mic, delayed)
        self._judge(mic, delayed, cleaned)
        return cleaned

    def _judge(self, mic: np.ndarray, played: np.ndarray, cleaned: np.ndarray) -> None:
        if rms(played) < MIN_REFERENCE_RMS:
            return
        self._removed_db.append(20 * np.log10((rms(mic) + 1.0) / (rms(cleaned) + 1.0)))
        while len(self._removed_db) * len(mic) > self._diverge_samples:
            self._removed_db.popleft()
        judged = max(1, self._judged_samples // len(mic))
        if not self.converged:
            recent = list(self._removed_db)[-judged:]
            if len(recent) == judged and float(np.median(recent)) >= CONVERGED_DB:
                self.converged = True
        elif len(self._removed_db) * len(mic) >= self._diverge_samples:
            best = float(np.percentile(self._removed_db, DIVERGE_PERCENTILE))
            self.converged = best >= DIVERGED_DB

    def _remember(self, mic: np.ndarray, reference: np.ndarray) -> None:
        self._mic_window.append(np.asarray(mic, np.int16))
        self._ref_window.append(np.asarray(reference, np.int16))
        while sum(len(b) for b in self._mic_window) > self._window:
            self._mic_window.popleft()
            self._ref_window.popleft()
        self._since_check += len(mic)
        if self._since_check >= RECHECK_S * self.sample_rate and self.max_delay:
            self._since_check = 0
            self._recheck()

    def _recheck(self) -> None:
        reference = np.concatenate(self._ref_window)
        if rms(reference) < MIN_REFERENCE_RMS:
            return
        lag, clarity = gcc_phat_lag(np.concatenate(self._mic_window), reference, self.max_delay)
        wanted = max(0, lag - round(TARGET_LEAD_S * self.sample_rate))
        if clarity >= PEAK_CLEAR and abs(wanted - self.delay) >= MOVE_AT_S * self.sample_rate:
            self.delay = wanted
            # The canceller's filter fitted the old lag: it converges anew.
            self.converged = False
            self._removed_db.clear()


def align_recordings(
    mic: np.ndarray, reference: np.ndarray, rate: int, max_offset_s: float
) -> tuple[np.ndarray, int]:
    """`reference` moved onto the recording's time axis (cut or zero-padded to its length),
    and by how many samples it was moved later: recordings of a rendered file rarely start at
    the same moment. The offset is the GCC-PHAT lag either way, up to `max_offset_s`, less
    REFERENCE_LEAD_S (see the module docstring). The first ALIGN_SPAN_S are compared."""
    max_offset = round(max_offset_s * rate)
    span = min(len(mic), len(reference), max_offset + round(ALIGN_SPAN_S * rate))
    mic_part, ref_part = mic[:span], reference[:span]
    later, later_clarity = gcc_phat_lag(mic_part, ref_part, max_offset)  # the mic trails
    earlier, earlier_clarity = gcc_phat_lag(ref_part, mic_part, max_offset)  # the mic leads
    offset = later if later_clarity >= earlier_clarity else -earlier
    offset -= round(REFERENCE_LEAD_S * rate)
    if offset >= 0:
        moved = np.concatenate([np.zeros(offset, reference.dtype), reference])
    else:
        moved = reference[-offset:]
    out = np.zeros(len(mic), reference.dtype)
    out[: min(len(mic), len(moved))] = moved[: len(mic)]
    return out, offset
