"""The coach yields to the person: it turns itself down while they talk over it.

Pure and clock-driven like the engine: `voice(at_ms)` says the listener hears the person's own
voice (in the echo-cancelled microphone signal), `command(at_ms)` that a command was accepted,
and `advance(now_ms)` moves time on. The coach ducks at the first voice; if no command follows
within HOLD_MS of the last voice heard (and at most MAX_DUCK_MS in all, so a television does not
keep it down for ever), it comes back and the cue goes on. A command while ducked ends the cue
that was playing and brings the level back for whatever the command makes the coach say.
"""

from __future__ import annotations

from voice_coach.core.effects import Yield

HOLD_MS = 1500
MAX_DUCK_MS = 5000


class Yielding:
    """Whether the coach is ducked, and when it comes back."""

    def __init__(self, hold_ms: int = HOLD_MS, max_duck_ms: int = MAX_DUCK_MS) -> None:
        self.hold_ms = hold_ms
        self.max_duck_ms = max_duck_ms
        self._ducked_at: int | None = None
        self._last_voice_ms = 0

    @property
    def ducked(self) -> bool:
        return self._ducked_at is not None

    def voice(self, at_ms: int) -> list[Yield]:
        self._last_voice_ms = at_ms
        if self._ducked_at is not None:
            return []
        self._ducked_at = at_ms
        return [Yield(at_ms, ducked=True)]

    def command(self, at_ms: int) -> list[Yield]:
        if self._ducked_at is None:
            return []
        self._ducked_at = None
        return [Yield(at_ms, ducked=False, cut_speech=True)]

    def advance(self, now_ms: int) -> list[Yield]:
        ducked_at = self._ducked_at
        if ducked_at is None:
            return []
        if now_ms - self._last_voice_ms >= self.hold_ms or now_ms - ducked_at >= self.max_duck_ms:
            self._ducked_at = None
            return [Yield(now_ms, ducked=False)]
        return []
