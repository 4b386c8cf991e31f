"""Recording a PulseAudio monitor and finding sounds in the recording, for bench_timing.py.

`MonitorRecorder` runs `parec` on a sink's monitor and notes `time.monotonic()` at every read,
so any recorded sample can be placed on the monotonic clock (to within the monitor's fragment
latency). `locate` and `first_match` find where a known waveform landed by normalized
cross-correlation; `onset` and `quiet_from` find where sound starts and stops.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass

import numpy as np

READ_BYTES = 1 << 14
FRAGMENT_MS = 5


def pulse_problem(sink: str) -> str | None:
    """None when PulseAudio runs with `sink` and parec exists, else what is missing."""
    for tool in ("pactl", "parec"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install pulseaudio-utils)"
    try:
        listed = subprocess.run(
            ["pactl", "list", "short", "sinks"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"pactl failed ({error})"
    if listed.returncode != 0:
        return f"no PulseAudio server ({(listed.stderr.strip() or 'pactl failed').splitlines()[0]})"
    if sink not in [line.split("\t")[1] for line in listed.stdout.splitlines() if "\t" in line]:
        return f"PulseAudio has no sink named {sink!r}"
    return None


def sink_rate(sink: str) -> int | None:
    listed = subprocess.run(["pactl", "list", "short", "sinks"], capture_output=True, text=True)
    for line in listed.stdout.splitlines():
        fields = line.split("\t")
        if len(fields) > 3 and fields[1] == sink:
            return int(fields[3].split()[-1].rstrip("Hz"))
    return None


@dataclass
class Recording:
    samples: np.ndarray
    sample_rate: int
    clock_offset: float  # monotonic time of sample 0 (upper bound: when it reached us)

    def index_at(self, monotonic_time: float) -> int:
        return round((monotonic_time - self.clock_offset) * self.sample_rate)

    def time_of(self, index: float) -> float:
        return self.clock_offset + index / self.sample_rate


class MonitorRecorder:
    """`parec` on `source` as float32 mono; start(), then stop() -> Recording."""

    def __init__(self, source: str, sample_rate: int = 48000) -> None:
        self.source = source
        self.sample_rate = sample_rate
        self._process: subprocess.Popen[bytes] | None = None
        self._chunks: list[bytes] = []
        self._reads: list[tuple[float, int]] = []  # (monotonic after the read, samples so far)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                "parec",
                f"--device={self.source}",
                "--format=float32le",
                f"--rate={self.sample_rate}",
                "--channels=1",
                f"--latency-msec={FRAGMENT_MS}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._thread = threading.Thread(target=self._read, name="parec-reader", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        total = 0
        pending = b""
        while chunk := os.read(fd, READ_BYTES):
            now = time.monotonic()
            pending += chunk
            whole = len(pending) // 4 * 4
            self._chunks.append(pending[:whole])
            pending = pending[whole:]
            total += whole // 4
            self._reads.append((now, total))

    def stop(self) -> Recording:
        assert self._process is not None and self._thread is not None
        self._process.terminate()
        self._process.wait()
        self._thread.join()
        samples = np.frombuffer(b"".join(self._chunks), dtype=np.float32).copy()
        reads = np.array(self._reads, dtype=np.float64).reshape(-1, 2)
        # The last sample of each read was captured no later than the read returned; the
        # smallest such bound is the tightest (the monitor delivered it fastest then).
        offset = float(np.min(reads[:, 0] - reads[:, 1] / self.sample_rate)) if len(reads) else 0.0
        return Recording(samples, self.sample_rate, offset)


def normalized_xcorr(haystack: np.ndarray, needle: np.ndarray) -> np.ndarray:
    """Normalized cross-correlation of `needle` at every offset inside `haystack` (valid)."""
    n = len(needle)
    if len(haystack) < n:
        return np.zeros(0)
    size = 1 << int(np.ceil(np.log2(len(haystack) + n)))
    spectrum = np.fft.rfft(haystack, size) * np.conj(np.fft.rfft(needle, size))
    raw = np.fft.irfft(spectrum, size)[: len(haystack) - n + 1]
    energy = np.concatenate(([0.0], np.cumsum(haystack.astype(np.float64) ** 2)))
    window = energy[n:] - energy[:-n]
    needle_energy = float(np.dot(needle, needle))
    # Where the haystack is far quieter than the needle there is no match; without this floor
    # rounding noise divided by near-silence would score highest.
    norm = np.sqrt(np.maximum(window, 1e-3 * needle_energy) * needle_energy)
    return raw / norm if needle_energy > 0 else np.zeros_like(raw)


def locate(recording: np.ndarray, needle: np.ndarray, lo: int, hi: int) -> tuple[int, float]:
    """(index, score) of the best match of `needle` starting within [lo, hi) of `recording`."""
    lo = max(0, lo)
    hi = min(len(recording) - len(needle) + 1, hi)
    if hi <= lo:
        return -1, 0.0
    scores = normalized_xcorr(recording[lo : hi + len(needle) - 1], needle)
    best = int(np.argmax(scores))
    return lo + best, float(scores[best])


def first_match(
    recording: np.ndarray, needle: np.ndarray, lo: int, hi: int, min_score: float
) -> tuple[int, float]:
    """The earliest place in [lo, hi) where `needle` matches with at least `min_score` (the
    best offset of that match), or (-1, best score seen)."""
    lo = max(0, lo)
    hi = min(len(recording) - len(needle) + 1, hi)
    if hi <= lo:
        return -1, 0.0
    scores = normalized_xcorr(recording[lo : hi + len(needle) - 1], needle)
    good = np.flatnonzero(scores >= min_score)
    if not len(good):
        return -1, float(scores.max(initial=0.0))
    first = int(good[0])
    peak = first + int(np.argmax(scores[first : first + len(needle)]))
    return lo + peak, float(scores[peak])


def onset(recording: np.ndarray, lo: int, hi: int, threshold: float, quiet: int) -> int | None:
    """The first index in [lo, hi) above `threshold` after at least `quiet` samples below it;
    None when there is none (or sound was already playing at `lo`)."""
    lo = max(quiet, lo)
    loud = np.flatnonzero(np.abs(recording[lo - quiet : max(lo, hi)]) > threshold) + lo - quiet
    if not len(loud):
        return None
    gaps = np.diff(loud, prepend=loud[0] - quiet - 1)
    starts = loud[(gaps > quiet) & (loud >= lo)]
    return int(starts[0]) if len(starts) else None


def quiet_from(
    recording: np.ndarray, start: int, stop: int, threshold: float, quiet: int
) -> int | None:
    """The first index in [start, stop) that begins `quiet` samples all below `threshold`."""
    loud = np.abs(recording[start : stop + quiet]) > threshold
    counts = np.concatenate(([0], np.cumsum(loud)))
    silent = np.flatnonzero(counts[quiet:] - counts[:-quiet] == 0)
    silent = silent[silent < stop - start]
    return start + int(silent[0]) if len(silent) else None
