"""pyttsx3 speech synthesis: text -> WAV (rendered by a worker process) -> trimmed float32 array.

The coach never lets pyttsx3 play audio: all sound goes through the one mixer stream. A
long-lived worker process (voice_coach.speech.worker) holds the espeak engine; its module
docstring says why rendering does not happen in this process.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import weakref
from pathlib import Path
from typing import IO, Any

import numpy as np

import voice_coach
from voice_coach.settings import SpeechSettings
from voice_coach.speech.base import TtsUnavailable
from voice_coach.speech.pcm import WavFormatError, read_wav, resample, trim_silence

START_TIMEOUT_S = 30.0


def _worker_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "voice_coach.speech.worker", *args]


def _worker_env() -> dict[str, str]:
    """The worker must import this same voice_coach, installed or not."""
    env = dict(os.environ)
    package_root = str(Path(voice_coach.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return env


class _Worker:
    """One running worker process and the pipes to it."""

    def __init__(self, args: list[str], log_path: Path) -> None:
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                _worker_command(*args),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=_worker_env(),
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, message: dict[str, Any]) -> None:
        stdin: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        stdin.write((json.dumps(message) + "\n").encode("utf-8"))
        stdin.flush()

    def receive(self, timeout_s: float) -> dict[str, Any]:
        """The next reply; raises TtsUnavailable if none comes in time or the worker died."""
        stdout: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            if not selector.select(timeout_s):
                self.stop()
                raise TtsUnavailable(
                    f"the speech worker gave no answer within {timeout_s:.0f} s; "
                    f"see {self.log_path}"
                )
        line = stdout.readline()
        if not line:
            self.process.wait()
            raise TtsUnavailable(
                f"the speech worker exited (code {self.process.returncode}): {self.last_log_line()}"
            )
        return json.loads(line)

    def last_log_line(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1] if lines else "no output"

    def stop(self) -> None:
        if self.process.stdin and not self.process.stdin.closed:
            with contextlib.suppress(OSError):
                self.process.stdin.close()  # the worker exits at end of input
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


def _cleanup(workers: list[_Worker], folder: Path) -> None:
    for worker in workers:
        worker.stop()
    workers.clear()
    shutil.rmtree(folder, ignore_errors=True)


class Pyttsx3Synth:
    """SpeechSynth using pyttsx3's espeak driver.

    `voice` is an espeak voice id, name or language code ("gmw/en-us", "English (America)",
    "en-us"); None keeps espeak's default. The resolved id is in `.voice`.
    Raises TtsUnavailable (one-line message) when pyttsx3 or espeak-ng cannot run or the voice
    is not installed. Safe to call from several threads; renders one text at a time.
    """

    engine_name = "pyttsx3-espeak"

    def __init__(self, voice: str | None = None, rate_wpm: int = 165, sample_rate: int = 48000):
        self.rate_wpm = int(rate_wpm)
        self.sample_rate = int(sample_rate)
        self._folder = Path(tempfile.mkdtemp(prefix="voice-coach-tts-"))
        self._workers: list[_Worker] = []
        self._finalizer = weakref.finalize(self, _cleanup, self._workers, self._folder)
        self._lock = threading.Lock()
        self._clip_numbers = itertools.count()
        self._worker_args = ["--rate", str(self.rate_wpm)]
        if voice is not None:
            self._worker_args += ["--voice", voice]
        try:
            ready = self._start_worker()
        except BaseException:
            self.close()
            raise
        self.voice: str = ready["voice"]
        self.engine_version: str = ready["version"]

    @classmethod
    def from_settings(cls, settings: SpeechSettings, sample_rate: int) -> Pyttsx3Synth:
        """The synthesizer `settings` describe, rendering at the mixer's `sample_rate`."""
        return cls(settings.voice, settings.rate_wpm, sample_rate)

    def _start_worker(self) -> dict[str, Any]:
        worker = _Worker(self._worker_args, self._folder / "worker.log")
        self._workers[:] = [worker]
        reply = worker.receive(START_TIMEOUT_S)
        if "error" in reply:
            worker.stop()
            raise TtsUnavailable(reply["error"])
        return reply

    @property
    def worker_pid(self) -> int | None:
        """The process id of the worker rendering now (to watch or stop it); None if none runs."""
        workers = self._workers
        return workers[0].process.pid if workers and workers[0].alive() else None

    def synthesize(self, text: str) -> np.ndarray:
        """float32 mono in [-1, 1] at `sample_rate`, silence trimmed; empty for blank text."""
        if not text.strip():
            return np.zeros(0, dtype=np.float32)
        path = self._folder / f"clip-{next(self._clip_numbers)}.wav"
        with self._lock:
            if not self._finalizer.alive:
                raise TtsUnavailable("the speech synthesizer was closed")
            if not self._workers or not self._workers[0].alive():
                self._start_worker()  # it died since the last phrase; one fresh start
            try:
                reply = self._render_in_worker(text, path)
            except TtsUnavailable:
                if self._workers[0].alive():
                    raise
                # The worker died mid-phrase (espeak crashes once in a while): once more.
                self._restart_after_crash()
                reply = self._render_in_worker(text, path)
        if "error" in reply:
            raise TtsUnavailable(f"speech rendering failed: {reply['error']}")
        try:
            samples, rate = read_wav(path)
        except (OSError, WavFormatError) as error:
            raise TtsUnavailable(f"speech rendering produced no usable WAV: {error}") from None
        finally:
            path.unlink(missing_ok=True)
        return resample(trim_silence(samples, rate), rate, self.sample_rate)

    def _render_in_worker(self, text: str, path: Path) -> dict[str, Any]:
        worker = self._workers[0]
        try:
            worker.send({"text": text, "path": str(path)})
        except (BrokenPipeError, OSError):
            worker = self._restart_after_crash()
            worker.send({"text": text, "path": str(path)})
        return worker.receive(START_TIMEOUT_S + 0.02 * len(text))

    def _restart_after_crash(self) -> _Worker:
        self._workers[0].stop()
        self._start_worker()
        return self._workers[0]

    def close(self) -> None:
        """Stop the worker process and remove temporary files (also done at exit)."""
        self._finalizer()

    def __enter__(self) -> Pyttsx3Synth:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def list_voices() -> list[tuple[str, str]]:
    """(id, name) of every installed pyttsx3/espeak voice; raises TtsUnavailable."""
    with tempfile.TemporaryDirectory(prefix="voice-coach-tts-") as folder:
        worker = _Worker(["--list-voices"], Path(folder) / "worker.log")
        try:
            reply = worker.receive(START_TIMEOUT_S)
        finally:
            worker.stop()
    if "error" in reply:
        raise TtsUnavailable(reply["error"])
    return [(str(voice_id), str(name)) for voice_id, name in reply["voices"]]
