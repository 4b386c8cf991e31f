"""The TTS worker process: owns one pyttsx3 engine and renders texts to WAV files on request.

Run as `python -m voice_coach.speech.worker [--voice V] [--rate WPM] [--list-voices]`.
Protocol: one JSON object per line. The worker first answers {"ready": ...} or {"error": ...};
then for each request line {"text": ..., "path": ...} on stdin it renders the text to that WAV
path and answers {"path": ...} or {"error": ...} on stdout.

Why a separate process (measured with pyttsx3 2.99 + espeak-ng 1.51):
- the espeak driver runs espeak asynchronously, so runAndWait() returns after ~10 ms whether
  or not the file is written; we wait for the "finished-utterance" event instead;
- a rate change is often lost: runAndWait() calls espeak_Cancel while espeak's queue still
  holds the new rate. So each worker sets voice and rate once, waits until espeak has
  applied them (Renderer._configure), and keeps them; another voice or rate gets its own
  worker;
- espeak state is process-global, the driver prints "Audio saved to ..." from espeak's thread,
  and a wedged espeak can only be recovered by killing the process holding it.
This module imports only the standard library and pyttsx3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, TextIO

WARM_UP_TEXT = "Ready."


class EngineError(Exception):
    """The engine cannot be used; the message is one line saying what to fix."""


class Renderer:
    """One pyttsx3 engine, configured once, rendering one text at a time to a WAV file."""

    def __init__(self, voice: str | None, rate_wpm: int) -> None:
        self.engine = _open_engine()
        self._finished = threading.Event()
        self._completed = False
        self._errors: list[str] = []
        self.engine.connect("finished-utterance", self._on_finished)
        self.engine.connect("error", self._on_error)
        self.voice = _resolve_voice(self.engine, voice)
        self._configure(rate_wpm)
        self._warm_up()

    def _configure(self, rate_wpm: int) -> None:
        """Set voice, rate and volume so that no later runAndWait() can cancel them.

        A fresh engine queues property changes until runAndWait(), whose stop() then calls
        espeak_Cancel while espeak's asynchronous queue may still hold them. So: an empty
        runAndWait() first (afterwards changes are sent to espeak at once), then the changes,
        then espeak_Synchronize, which returns when espeak's queue has applied them.
        """
        from pyttsx3.drivers import _espeak

        self.engine.runAndWait()
        self.engine.setProperty("voice", self.voice)
        self.engine.setProperty("rate", rate_wpm)
        self.engine.setProperty("volume", 1.0)
        _espeak.Synchronize()

    def _on_finished(self, completed: bool = True, **_: Any) -> None:
        self._completed = completed
        self._finished.set()

    def _on_error(self, exception: BaseException | None = None, **_: Any) -> None:
        self._errors.append(str(exception))

    def _warm_up(self) -> None:
        """Apply the queued properties now, and report errors before the first real request."""
        with tempfile.TemporaryDirectory(prefix="voice-coach-tts-") as folder:
            self.render(WARM_UP_TEXT, str(Path(folder) / "warm-up.wav"))

    def render(self, text: str, path: str, attempts: int = 3) -> None:
        """Render `text` to the WAV file `path`; raises EngineError if espeak never finishes."""
        timeout_s = 20.0 + 0.02 * len(text)
        for _ in range(attempts):
            Path(path).unlink(missing_ok=True)
            self._finished.clear()
            self._errors.clear()
            self.engine.save_to_file(text, path)
            self.engine.runAndWait()
            if not self._finished.wait(timeout_s):
                raise EngineError(f"espeak did not finish rendering within {timeout_s:.0f} s")
            if self._errors:
                raise EngineError(f"pyttsx3 reported: {self._errors[0]}")
            # The driver can cancel an utterance it has just started (a stale stop flag);
            # it then reports completed=False and writes no file, so we render again.
            if self._completed and Path(path).is_file():
                # espeak calls back from its own thread and may still count as playing for a
                # moment after the file is written; the next runAndWait's stop() would then
                # cancel the next utterance, whose retry starts from another espeak state, so
                # a clip's samples would depend on timing (measured: 1 retry in 200 renders
                # idle, the first after the warm-up; 0 with this wait).
                from pyttsx3.drivers import _espeak

                _espeak.Synchronize()
                return
        raise EngineError(f"espeak cancelled the utterance {attempts} times")


def engine_version() -> str:
    """Library versions that shape the rendered audio (part of the speech cache key)."""
    from importlib.metadata import version

    described = f"pyttsx3 {version('pyttsx3')}"
    try:  # the driver's ctypes binding is the only way to ask libespeak-ng its version
        from pyttsx3.drivers import _espeak

        espeak_version = _espeak.Info()
    except (ImportError, AttributeError, OSError):
        return described
    if isinstance(espeak_version, bytes):
        espeak_version = espeak_version.decode("ascii", "replace")
    return f"{described}; espeak-ng {espeak_version}"


def list_voices_in_engine() -> list[tuple[str, str]]:
    engine = _open_engine()
    return [(str(voice.id), str(voice.name)) for voice in engine.getProperty("voices")]


def _open_engine() -> Any:
    try:
        import pyttsx3
    except ImportError as error:
        raise EngineError(f"pyttsx3 is not installed ({error}); run: pip install pyttsx3") from None
    try:
        return pyttsx3.init("espeak")
    except (RuntimeError, OSError, ImportError) as error:
        raise EngineError(
            f"the espeak-ng speech engine could not start ({error}); "
            "install it with: apt-get install espeak-ng"
        ) from None


def _resolve_voice(engine: Any, wanted: str | None) -> str:
    """The engine's id for `wanted` (an id, a name or a language code, any case)."""
    if wanted is None:
        return str(engine.getProperty("voice"))
    voices = engine.getProperty("voices")
    wanted_lower = wanted.lower()
    for voice in voices:
        voice_id = str(voice.id)
        candidates = {voice_id.lower(), str(voice.name).lower(), voice_id.rsplit("/", 1)[-1]}
        if wanted_lower in candidates:
            return voice_id
    english = [str(voice.id) for voice in voices if str(voice.id).startswith("gmw/en")]
    examples = ", ".join(sorted(english, key=len)[:6]) or "none"
    raise EngineError(f"TTS voice {wanted!r} is not installed; English voices: {examples}")


def _reply(channel: TextIO, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def _serve(renderer: Renderer, requests: TextIO, replies: TextIO) -> None:
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            renderer.render(request["text"], request["path"])
        except EngineError as error:
            _reply(replies, {"error": str(error)})
        else:
            _reply(replies, {"path": request["path"]})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="voice-coach TTS worker (internal)")
    parser.add_argument("--voice", default=None)
    parser.add_argument("--rate", type=int, default=165)
    parser.add_argument("--list-voices", action="store_true")
    args = parser.parse_args(argv)

    # Replies go to the real stdout; anything the driver prints goes nowhere.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    try:
        if args.list_voices:
            _reply(replies, {"voices": list_voices_in_engine()})
            return 0
        renderer = Renderer(args.voice, args.rate)
        _reply(replies, {"ready": True, "voice": renderer.voice, "version": engine_version()})
    except EngineError as error:
        _reply(replies, {"error": str(error)})
        return 1
    _serve(renderer, sys.stdin, replies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
