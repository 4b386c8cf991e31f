"""Keyboard commands: one key each on a terminal, or a typed word per line on a pipe.

`voice-coach run` reads keys whenever stdin is a terminal (`KeyboardMode.AUTO`), so the space
bar pauses without any flag; `--no-keyboard` leaves stdin alone. `echo stop | voice-coach run
--keyboard` works: a non-terminal stdin is read line by line and each line may be a command
name or any of its spoken phrases ("hold on", "skip rest").
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import threading
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import TextIO

from voice_coach.core.commands import Command, parse_command
from voice_coach.recognition.phrases import load_command_phrases, normalize_phrase

KEYS: dict[str, Command] = {
    "p": Command.PAUSE,
    "r": Command.RESUME,
    "n": Command.NEXT,
    "e": Command.EASIER,
    "h": Command.HARDER,
    "s": Command.SLOWER,
    "f": Command.FASTER,
    "a": Command.REPEAT,
    "m": Command.HOW_MANY,
    "k": Command.SKIP_REST,
    "q": Command.STOP,
    "?": Command.HELP,
    "b": Command.BACK_PAIN,
}
TOGGLE_KEY = " "  # space pauses, or resumes when paused

KEY_HELP = "keys: space pause/resume, " + ", ".join(
    f"{key} {command.spoken}" for key, command in KEYS.items()
)
# The status line's reminder; "?" also prints KEY_HELP in full.
KEY_HINT = "keys: space pause, q stop, ? help"


class KeyboardMode(StrEnum):
    """When `run` reads commands from stdin."""

    AUTO = "auto"  # keys on a terminal; lines from a pipe only when voice control is off
    ON = "on"  # --keyboard: keys on a terminal, and lines from a pipe even with voice control
    OFF = "off"  # --no-keyboard: stdin is never read

    def reads_stdin(self, stdin_is_terminal: bool, listening: bool) -> bool:
        if self is KeyboardMode.OFF:
            return False
        return self is KeyboardMode.ON or stdin_is_terminal or not listening


def command_for_line(line: str) -> Command | None:
    """The command a typed line names: a key, a command name, or one of its phrases."""
    text = normalize_phrase(line)
    if not text:
        return None
    if text in KEYS:
        return KEYS[text]
    named = parse_command(text)
    if named is not None:
        return named
    for command, phrases in load_command_phrases().items():
        if text in phrases:
            return command
    return None


class KeyboardCommands:
    """Reads commands from stdin in a thread and hands them to `submit(command)`."""

    def __init__(self, submit: Callable[[Command], None], is_paused: Callable[[], bool],
                 stdin: TextIO | None = None, on_unknown: Callable[[str], None] | None = None,
                 ) -> None:
        self._submit = submit
        self._is_paused = is_paused
        self._stdin = stdin or sys.stdin
        self._on_unknown = on_unknown or (lambda text: None)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def interactive(self) -> bool:
        return self._stdin.isatty()

    def start(self) -> None:
        target = self._read_keys if self.interactive else self._read_lines
        self._thread = threading.Thread(target=target, name="keyboard", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()

    def _read_lines(self) -> None:
        for line in self._stdin:
            if self._stopping.is_set():
                return
            command = command_for_line(line)
            if command is None:
                if line.strip():
                    self._on_unknown(line.strip())
                continue
            self._submit(command)

    def _read_keys(self) -> None:
        with _cbreak(self._stdin):
            fd = self._stdin.fileno()
            while not self._stopping.is_set():
                ready, _, _ = select.select([fd], [], [], 0.2)
                if not ready:
                    continue
                key = os.read(fd, 1).decode("utf-8", "replace").lower()
                if key == TOGGLE_KEY:
                    self._submit(Command.RESUME if self._is_paused() else Command.PAUSE)
                elif key in KEYS:
                    self._submit(KEYS[key])
                elif key.strip():
                    self._on_unknown(key)


@contextlib.contextmanager
def _cbreak(stream: TextIO) -> Iterator[None]:
    """Single keys without Enter and without echo; the terminal is restored afterwards."""
    import termios
    import tty

    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
