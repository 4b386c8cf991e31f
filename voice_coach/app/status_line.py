"""The live one-line status (block, set, rep, phase, tempo, last command) and printed cues.

On a terminal the status line is redrawn in place and cues scroll above it; elsewhere
(a pipe, a log file) only cues and a line per state change are printed.
"""

from __future__ import annotations

from typing import TextIO

from voice_coach.core.engine import Status


def format_status(status: Status, last_command: str, keys_hint: str = "") -> str:
    parts = [
        status.state.value,
        f"block {status.block}/{status.blocks}",
        f"set {status.set_number}/{status.sets}",
        f"rep {status.rep}" + (f"/{status.reps}" if status.reps else ""),
    ]
    if status.phase is not None:
        parts.append(status.phase.value)
    parts.append(f"{status.variation}")
    parts.append(f"tempo {status.tempo} s")
    if last_command:
        parts.append(f"last: {last_command}")
    if keys_hint:
        parts.append(keys_hint)
    return " | ".join(parts)


class StatusLine:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self._shown = ""
        self._last_state = ""

    def show(self, status: Status | None, last_command: str, keys_hint: str = "") -> None:
        """Redraw the status; `keys_hint` is shown on a terminal only (keys act only there)."""
        if status is None:
            return
        if not self.interactive:
            if status.state.value != self._last_state:
                self._last_state = status.state.value
                self.stream.write(f"[{format_status(status, last_command)}]\n")
                self.stream.flush()
            return
        text = format_status(status, last_command, keys_hint)
        if text != self._shown:
            self._shown = text
            self.stream.write("\r\033[K" + text)
            self.stream.flush()

    def print_line(self, text: str) -> None:
        if self.interactive:
            self.stream.write("\r\033[K" + text + "\n" + self._shown)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def clear(self) -> None:
        if self.interactive and self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = ""
