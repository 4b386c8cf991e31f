"""Test helpers for the PulseAudio null sinks: record a sink's monitor, play into a sink."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import numpy as np

from voice_coach.speech.pcm import read_wav

RATE = 48000


class MonitorRecording:
    """`parecord` of a sink's monitor into a WAV file while the `with` block runs."""

    def __init__(self, sink: str, path: Path, rate: int = RATE) -> None:
        self.path = path
        self._command = ["parecord", f"--device={sink}.monitor", f"--rate={rate}",
                         "--channels=1", "--format=s16le", "--file-format=wav",
                         "--latency-msec=10", str(path)]
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> MonitorRecording:
        self._process = subprocess.Popen(self._command)
        return self

    def __exit__(self, *_: object) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGINT)
        self._process.wait(timeout=10)

    def samples(self) -> np.ndarray:
        samples, rate = read_wav(self.path)
        assert rate == RATE
        return samples


def play_into(sink: str, wav: Path) -> None:
    subprocess.run(["paplay", f"--device={sink}", str(wav)], check=True, timeout=60)


def onsets(signal_: np.ndarray, threshold: float, min_gap: int) -> list[int]:
    """Sample indexes where |signal| first rises above `threshold`, at least `min_gap` apart."""
    above = np.flatnonzero(np.abs(signal_) > threshold)
    found: list[int] = []
    for index in above:
        if not found or index - found[-1] >= min_gap:
            found.append(int(index))
    return found
