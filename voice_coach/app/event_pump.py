"""Hands the coach loop's events, in the main thread, to whoever watches the workout.

The audio thread only puts events in the loop's outbox; here they go to the events log, the
observers (the history), the status line and the printed cues, and the pump remembers the last
command and how the session finished.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable

from voice_coach.app.events_log import EventsLog
from voice_coach.app.status_line import StatusLine
from voice_coach.core.effects import Finished, Say
from voice_coach.sound.coach_loop import CoachLoop, Heard, LoopEvent, SpeechLate

EVENT_WAIT_S = 0.1
Observer = Callable[[LoopEvent], None]


class EventPump:
    """Drains `loop.outbox` into the log, the observers and the terminal."""

    def __init__(self, loop: CoachLoop, status: StatusLine, log: EventsLog | None,
                 observers: list[Observer], keys_hint: Callable[[], str] = str) -> None:
        self.loop = loop
        self.keys_hint = keys_hint  # the status line's reminder of the keys, while keys work
        self.status = status
        self.log = log
        self.observers = observers
        self.finished: Finished | None = None
        self.last_command = ""

    def run_until_done(self, check: Callable[[], None]) -> None:
        """Pump until the loop is done, calling `check` every EVENT_WAIT_S however many events
        come (a device's health must be looked at even while events keep arriving)."""
        loop = self.loop
        next_check = time.monotonic()
        while not loop.done:
            now = time.monotonic()
            if now >= next_check:
                check()
                next_check = now + EVENT_WAIT_S
            try:
                event = loop.outbox.get(timeout=max(0.0, next_check - time.monotonic()))
            except queue.Empty:
                self.status.show(loop.status, self.last_command, self.keys_hint())
                continue
            self._handle(event, print_cues=True)
            self.drain(print_cues=True)
            self.status.show(loop.status, self.last_command, self.keys_hint())

    def drain(self, print_cues: bool) -> None:
        """Hand over every event waiting now; `print_cues` False after an interrupt, when the
        summary is printed instead."""
        while True:
            try:
                event = self.loop.outbox.get_nowait()
            except queue.Empty:
                return
            self._handle(event, print_cues)

    def _handle(self, event: LoopEvent, print_cues: bool) -> None:
        if self.log is not None:
            self.log.write(event)
        for observer in self.observers:
            observer(event)
        if isinstance(event, Say) and print_cues:
            self.status.print_line(f"  {event.text}")
        elif isinstance(event, SpeechLate):
            self.status.print_line(f"  (late) {event.text}")
        elif isinstance(event, Heard):
            self.last_command = f"{event.command} ({event.source})"
        elif isinstance(event, Finished):
            self.finished = event
