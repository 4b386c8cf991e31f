"""Test helpers for the PulseAudio null sinks: private sinks and loopbacks, recording a
sink's monitor, playing into a sink."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np

from voice_coach.speech.pcm import read_wav

RATE = 48000
WAV_HEADER_BYTES = 44


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
        self._wait_until_recording()
        return self

    def _wait_until_recording(self, timeout_s: float = 15.0) -> None:
        """Returns once samples reach the file, so what follows the `with` is all recorded: a
        busy machine can take over a second to start parecord (seen in CI)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"parecord exited with {self._process.returncode}")
            if self.path.exists() and self.path.stat().st_size > WAV_HEADER_BYTES + RATE // 10:
                return
            time.sleep(0.01)
        raise TimeoutError(f"parecord wrote no samples to {self.path} in {timeout_s} s")

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


def pactl(*args: str) -> str:
    return subprocess.run(
        ["pactl", *args], check=True, capture_output=True, text=True, timeout=10
    ).stdout.strip()


class PulseRig:
    """Private null sinks `coach` and `mic` (and helpers) on the running server."""

    def __init__(self) -> None:
        self.prefix = f"vctest{os.getpid()}"
        self._modules: list[str] = []
        self.coach = self.sink("coach")
        self.mic = self.sink("mic")

    def sink(self, role: str) -> str:
        name = f"{self.prefix}_{role}"
        self._modules.append(
            pactl(
                "load-module", "module-null-sink", f"sink_name={name}", "rate=48000", "channels=1"
            )
        )
        return name

    def loopback(self, source_sink: str, sink: str) -> None:
        """Everything played into `source_sink` is also played into `sink`."""
        self._modules.append(
            pactl(
                "load-module",
                "module-loopback",
                f"source={source_sink}.monitor",
                f"sink={sink}",
                "latency_msec=1",
                "source_dont_move=true",
                "sink_dont_move=true",
            )
        )

    def close(self) -> None:
        for module in reversed(self._modules):
            subprocess.run(["pactl", "unload-module", module], capture_output=True, timeout=10)
        self._modules.clear()


class PrivatePulseServer:
    """A PulseAudio server of a test's own, in a private folder (never the shared test server):
    sinks `coach` and `mic`, `mic.monitor` the default source. `kill` is SIGKILL, as a crash."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {"PULSE_RUNTIME_PATH": str(folder), "PULSE_SERVER": f"unix:{folder}/native"}
        self._process: subprocess.Popen | None = None

    def start(self, timeout_s: float = 30.0) -> None:
        """Returns once the server answers."""
        command = [
            "pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
            f"--load=module-native-protocol-unix socket={self.folder}/native auth-anonymous=1",
            "--load=module-null-sink sink_name=coach rate=48000",
            "--load=module-null-sink sink_name=mic rate=48000",
        ]
        with (self.folder / "pulse.log").open("ab") as log:
            self._process = subprocess.Popen(command, env={**os.environ, **self.env},
                                             stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"pulseaudio exited with {self._process.returncode}")
            if self._pactl("info").returncode == 0:
                self._pactl("set-default-source", "mic.monitor")
                return
            time.sleep(0.05)
        raise TimeoutError(f"the private PulseAudio server did not answer in {timeout_s} s")

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None
        (self.folder / "native").unlink(missing_ok=True)

    def _pactl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["pactl", *args], env={**os.environ, **self.env},
                              capture_output=True, timeout=10)
