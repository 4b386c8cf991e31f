"""The render baton and the event pump's health check: one output renders at a time, a
handover waits for the boundary, and the supervisor's check runs however busy the events are."""

from __future__ import annotations

import io
import queue
import threading
import time

import numpy as np

from voice_coach.app.event_pump import EventPump
from voice_coach.app.status_line import StatusLine
from voice_coach.core.effects import Click
from voice_coach.sound.render_baton import RenderBaton


class Counter:
    """A render function that counts the samples it rendered: the session clock."""

    def __init__(self) -> None:
        self.position = 0

    def render(self, frames: int) -> np.ndarray:
        self.position += frames
        return np.ones(frames, np.float32)


def test_only_the_holder_renders_and_others_count_their_frames() -> None:
    clock = Counter()
    baton = RenderBaton(clock.render, lambda: clock.position)
    speaker, wall = baton.lane(), baton.lane()
    baton.give(speaker)
    assert speaker.render(512).all() and clock.position == 512
    assert not wall.render(256).any() and clock.position == 512  # silence, clock untouched
    baton.give(wall)
    assert wall.render(512).all() and not speaker.render(512).any()
    assert clock.position == 1024
    assert (speaker.frames, wall.frames) == (1024, 768)
    # The wall lane's own frame 256 was the session's sample 512 (its first held block).
    assert wall.stream_frame_of(512) == 256


def test_a_handover_happens_after_the_first_block_at_a_boundary() -> None:
    clock = Counter()
    baton = RenderBaton(clock.render, lambda: clock.position)
    wall, speaker = baton.lane(), baton.lane()
    baton.give(wall)
    handed: list[int] = []
    baton.on_handover = lambda lane: handed.append(clock.position)
    baton.hand_over_at(speaker, lambda: clock.position >= 2048)
    for _ in range(3):
        wall.render(512)
        speaker.render(512)  # silent until it holds the baton
    assert baton.holder is wall and clock.position == 1536
    wall.render(512)
    assert baton.holder is speaker and handed == [2048]
    assert speaker.render(512).all() and not wall.render(512).any()
    assert speaker.stream_frame_of(2048) == 3 * 512  # its fourth block was sample 2048


def test_give_waits_for_a_block_being_rendered() -> None:
    entered, release = threading.Event(), threading.Event()

    def slow_render(frames: int) -> np.ndarray:
        entered.set()
        release.wait(5)
        return np.zeros(frames, np.float32)

    baton = RenderBaton(slow_render, lambda: 0)
    old, new = baton.lane(), baton.lane()
    baton.give(old)
    worker = threading.Thread(target=old.render, args=(512,))
    worker.start()
    entered.wait(5)
    threading.Timer(0.2, release.set).start()
    started = time.monotonic()
    baton.give(new)
    assert time.monotonic() - started >= 0.15  # it waited for the block in progress
    worker.join(5)
    assert baton.holder is new


class BusyLoop:
    """Enough of a coach loop for the pump: an outbox that never stays empty for long."""

    def __init__(self) -> None:
        self.outbox: queue.SimpleQueue = queue.SimpleQueue()
        self.status = None
        self.done = False


def test_the_health_check_runs_while_events_keep_coming() -> None:
    loop = BusyLoop()
    stop = threading.Event()

    def flood() -> None:
        at_ms = 0
        while not stop.is_set():
            loop.outbox.put(Click(at_ms, False))
            at_ms += 1
            time.sleep(0.01)  # an event every 10 ms: never 0.1 s without one

    checks: list[float] = []

    def check() -> None:
        checks.append(time.monotonic())
        if len(checks) == 5:
            loop.done = True

    feeder = threading.Thread(target=flood, daemon=True)
    feeder.start()
    pump = EventPump(loop, StatusLine(io.StringIO()), None, [])  # type: ignore[arg-type]
    pumping = threading.Thread(target=pump.run_until_done, args=(check,), daemon=True)
    started = time.monotonic()
    pumping.start()
    pumping.join(5)  # without the periodic check it would pump forever
    stop.set()
    assert not pumping.is_alive() and len(checks) == 5
    assert checks[-1] - started < 1.0  # about every 0.1 s
