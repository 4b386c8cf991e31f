"""The session's scheduler: actions due at session-clock times, run in time order.

Actions due at the same time run in the order they were scheduled, so a session replays
identically for the same clock and commands.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

Action = Callable[[int], None]  # called with the time it was due, in ms


class Agenda:
    """A time-ordered queue of actions; `run_until(now_ms)` runs everything due by then."""

    def __init__(self) -> None:
        self._queue: list[tuple[int, int, Action]] = []
        self._order = itertools.count()

    def at(self, due_ms: int, action: Action) -> None:
        heapq.heappush(self._queue, (due_ms, next(self._order), action))

    def clear(self) -> None:
        self._queue.clear()

    def run_until(self, now_ms: int) -> None:
        """Run every action due by `now_ms`, including those that running ones schedule."""
        while self._queue and self._queue[0][0] <= now_ms:
            due_ms, _, action = heapq.heappop(self._queue)
            action(due_ms)

    def next_due_ms(self) -> int | None:
        return self._queue[0][0] if self._queue else None

    def __bool__(self) -> bool:
        return bool(self._queue)
