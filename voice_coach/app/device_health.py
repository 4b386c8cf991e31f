"""What the device keepers share: how fast a lost device is noticed and retried, the
heartbeat that notices it, and the events-log record of a loss or a return."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from voice_coach.sound.coach_loop import CoachLoop
from voice_coach.sound.output import BLOCK_FRAMES


@dataclass(frozen=True)
class RecoveryTiming:
    """How fast a lost device is noticed and tried again."""

    stall_s: float = 0.5
    """No block for this long and a running stream counts as lost."""
    startup_s: float = 3.0
    """A stream just opened may take this long to deliver its first blocks."""
    retry_s: float = 2.0
    """How often a lost device is opened again."""
    flowing_frames: int = 8 * BLOCK_FRAMES
    """A reopened stream counts as back once it asked for this many frames."""
    flowing_blocks: int = 3
    """A reopened microphone counts as back once it gave this many blocks."""


@dataclass(frozen=True)
class DeviceChange:
    """A device lost or back, for the events log."""

    at_ms: int
    device: str  # output, microphone, recognizer, speech
    state: str  # lost, back
    detail: str
    type: str = field(default="device", init=False)


class Heartbeat:
    """Notices when a count (frames asked for, blocks read) stops growing."""

    def __init__(self, count: Callable[[], int], flowing: int, timing: RecoveryTiming) -> None:
        self._count = count
        self._flowing = flowing
        self._timing = timing
        self._last = count()
        self._changed = time.monotonic()

    @property
    def flowing(self) -> bool:
        return self._last >= self._flowing

    def stalled(self) -> bool:
        now = time.monotonic()
        count = self._count()
        if count != self._last:
            self._last, self._changed = count, now
            return False
        # A new stream may deliver a few blocks at once and then nothing for a second (seen on
        # PulseAudio, for every first stream of a server): it is judged once it flows.
        limit = self._timing.stall_s if self.flowing else self._timing.startup_s
        return now - self._changed > limit


def log_change(loop: CoachLoop, change: DeviceChange) -> None:
    """Into the loop's outbox, so the events log has it in session order."""
    loop.outbox.put(change)  # type: ignore[arg-type]  # an app event among the loop's own


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
