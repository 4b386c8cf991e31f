"""Which output renders the coach loop: exactly one at a time, so the session clock (the
samples rendered) never jumps or runs twice, while a lost speaker is replaced by the wall
clock and a reopened one waits, silent, to take over.

Each output renders through its own `Lane`. Only the lane holding the baton calls the real
render; the others get silence and only count the frames they were asked for, which is how the
supervisor sees that a stream is alive. A lane's `render` runs in an audio callback, so it
takes no lock and does no I/O: it stores plain attributes (one atomic store each under the
GIL) and reads the holder, and the handover below is built on that.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from voice_coach.sound.output import BLOCK_FRAMES, Render

# A lane that is mid-render when the baton is taken away gets this long to finish its block.
FINISH_BLOCK_S = 1.0


class Lane:
    """One output's way to the render function; see the module docstring."""

    def __init__(self, baton: RenderBaton) -> None:
        self._baton = baton
        self.frames = 0
        """Frames this output asked for so far: its heartbeat (read by the supervisor)."""
        self.rendering = False
        self._holding = False
        self.offset = 0
        """Session sample minus this output's own frame count, fixed when it takes over: the
        output's stream clock counts its own frames, the silent ones included."""
        self._silence = np.zeros(BLOCK_FRAMES, np.float32)  # allocated here, not per block

    def render(self, frames: int) -> np.ndarray:
        # Announce first, then look at the holder: `RenderBaton.give` stores the holder first,
        # then looks at `rendering`, so one of the two always sees the other (no lock needed).
        self.rendering = True
        try:
            baton = self._baton
            if baton.holder is self:
                if not self._holding:  # the first block it renders for the session
                    self._holding = True
                    self.offset = baton.position() - self.frames
                block = baton.render(frames)
                baton.after_block(self)
            else:
                self._holding = False
                block = self._silence[:frames] if frames <= len(self._silence) else (
                    np.zeros(frames, np.float32))
            self.frames += frames
            return block
        finally:  # a render that raised (reported by the output) is not in progress either
            self.rendering = False

    def stream_frame_of(self, sample: int) -> int:
        """This output's own frame number of session sample `sample`."""
        return sample - self.offset


class RenderBaton:
    """Hands the coach loop's render function to one lane at a time.

    `hand_over_at(lane, is_boundary)` asks the holder to pass the baton on after the first
    block for which `is_boundary()` is true; `on_handover(lane)` then runs in the holder's own
    thread, the only one rendering, before the new lane's first block."""

    def __init__(self, render: Render, position: Callable[[], int]) -> None:
        self.render = render
        self.position = position
        self.holder: Lane | None = None
        self._pending: Lane | None = None
        self._is_boundary: Callable[[], bool] = lambda: True
        self.on_handover: Callable[[Lane], None] = lambda lane: None

    def lane(self) -> Lane:
        return Lane(self)

    def give(self, lane: Lane | None) -> None:
        """Take the baton from the holder now and give it to `lane`; returns once the old
        holder is not rendering (or FINISH_BLOCK_S passed: a stuck callback renders no more,
        it only cannot be waited for)."""
        old = self.holder
        self._pending = None
        self.holder = None
        if old is not None:
            deadline = time.monotonic() + FINISH_BLOCK_S
            while old.rendering and time.monotonic() < deadline:
                time.sleep(0.001)
        if lane is not None:
            self._take(lane)

    def hand_over_at(self, lane: Lane, is_boundary: Callable[[], bool]) -> None:
        self._is_boundary = is_boundary
        self._pending = lane

    def cancel_handover(self) -> None:
        self._pending = None

    @property
    def pending(self) -> Lane | None:
        return self._pending

    def after_block(self, lane: Lane) -> None:
        """Called by the holder after each block it rendered: the place a handover happens."""
        pending = self._pending
        if pending is None or pending is lane or not self._is_boundary():
            return
        self._pending = None
        self.on_handover(pending)
        self._take(pending)

    def _take(self, lane: Lane) -> None:
        self.holder = lane
