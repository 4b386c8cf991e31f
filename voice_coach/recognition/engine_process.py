"""A recognizer engine in a process of its own, behind the same `Recognizer` interface.

PocketSphinx keeps the GIL while it decodes: measured here, another thread of the process
stalled 47-64 ms per utterance, longer than the output stream's 17-40 ms buffer, so the audio
callback (Python, needing the GIL) missed its deadline and the sound had a gap at every spoken
command. In a child process decoding cannot hold up the audio thread. Calls are synchronous
request and reply, so the results are exactly those of the engine in-process; waiting on the
pipe releases the GIL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from voice_coach.recognition.base import Hypothesis, Recognizer, RecognizerUnavailable
from voice_coach.recognition.engines import open_engine, recognizer_kind
from voice_coach.settings import PocketSphinxSettings, RecognizerKind

START_TIMEOUT_S = 60.0  # loading a large Vosk model from a slow SD card
CALL_TIMEOUT_S = 30.0


class EngineProcess:
    """Opens engine `kind` (POCKETSPHINX tuned by `pocketsphinx`, or VOSK with `model`) in a
    child process.

    The child is `python -m voice_coach.recognition.engine_process` (not a multiprocessing
    child, which would re-import the caller's main module); what to open, with its settings,
    then calls and replies are pickled over its stdin and stdout.
    """

    def __init__(
        self,
        kind: RecognizerKind | str,
        model: Path | None = None,
        pocketsphinx: PocketSphinxSettings | None = None,
    ) -> None:
        command = [sys.executable, "-m", __name__]
        try:
            self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        except OSError as error:
            raise RecognizerUnavailable(f"cannot start the speech recognizer ({error})") from None
        assert self._process.stdin is not None and self._process.stdout is not None
        self._requests = Connection(os.dup(self._process.stdin.fileno()), readable=False)
        self._replies = Connection(os.dup(self._process.stdout.fileno()), writable=False)
        self._process.stdin.close()
        self._process.stdout.close()
        try:
            self._send(("open", str(kind), model, pocketsphinx or PocketSphinxSettings()))
            status, *details = self._receive(START_TIMEOUT_S)
        except RecognizerUnavailable:
            self.close()  # a child that never answered must not linger
            raise
        if status != "ready":
            self.close()
            raise RecognizerUnavailable(str(details[0]))
        self.name: str = details[0]
        self.sample_rate: int = details[1]
        self.dropped_phrases: tuple[str, ...] = ()

    def set_phrases(self, phrases: Sequence[str]) -> None:
        self._call("set_phrases", list(phrases))
        # Read once here: it changes only with set_phrases, and callers read it freely.
        self.dropped_phrases = tuple(self._call("dropped_phrases"))

    def feed(self, block: np.ndarray) -> list[Hypothesis]:
        return self._call("feed", block)

    def reset(self) -> None:
        self._call("reset")

    def close(self) -> None:
        """Ends the child process (it also ends by itself when this process goes away)."""
        if self._process.poll() is None:
            with contextlib.suppress(OSError, ValueError):  # the pipe is already gone
                self._requests.send(("close",))
            try:
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=2)
        self._requests.close()
        self._replies.close()

    def _call(self, method: str, *args: Any) -> Any:
        self._send((method, *args))
        status, value = self._receive(CALL_TIMEOUT_S)
        if status == "error":
            raise value  # the engine's own exception, as if it ran here
        return value

    def _send(self, message: tuple[Any, ...]) -> None:
        try:
            self._requests.send(message)
        except (OSError, ValueError):
            raise RecognizerUnavailable(self._stopped_message()) from None

    def _receive(self, timeout_s: float) -> tuple[Any, ...]:
        try:
            if not self._replies.poll(timeout_s):
                raise RecognizerUnavailable(
                    f"the speech recognizer process did not answer within {timeout_s:.0f} s"
                )
            return self._replies.recv()
        except (EOFError, OSError):
            raise RecognizerUnavailable(self._stopped_message()) from None

    def _stopped_message(self) -> str:
        try:
            code = self._process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            code = None
        return f"the speech recognizer process stopped (exit code {code})"


def serve(requests: Connection, replies: Connection) -> None:
    """The child's loop: open the engine, then answer calls until told to close or orphaned."""
    try:
        _open, kind, model, pocketsphinx = requests.recv()
    except (EOFError, OSError):
        return
    try:
        engine = open_engine(recognizer_kind(kind), model, pocketsphinx)
    except RecognizerUnavailable as error:
        replies.send(("unavailable", str(error)))
        return
    replies.send(("ready", engine.name, engine.sample_rate))
    calls = _calls(engine)
    while True:
        try:
            method, *args = requests.recv()
        except (EOFError, OSError):
            return
        if method == "close":
            engine.close()
            return
        try:
            replies.send(("ok", calls[method](*args)))
        except Exception as error:
            try:
                replies.send(("error", error))
            except Exception:  # an exception that does not pickle
                replies.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))


def _calls(engine: Recognizer) -> dict[str, Callable[..., Any]]:
    """What the parent may ask of the engine: the `Recognizer` interface, by name."""
    return {
        "set_phrases": engine.set_phrases,
        "dropped_phrases": lambda: engine.dropped_phrases,
        "feed": engine.feed,
        "reset": engine.reset,
    }


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    requests = Connection(os.dup(0), writable=False)
    replies = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # whatever an engine prints goes to stderr, never into the replies
    serve(requests, replies)


if __name__ == "__main__":
    main()
