"""The one session harness of the tests: an engine on a fake clock, or a coach loop rendered
block by block, with commands at exact session times or when a condition first holds.

`run_scenario` runs a whole session with commands at fixed times; `ScenarioDriver` steps one
until a condition holds, so a test can act at a moment of the workout ("rep 3, lowering") and
hand every effect to an observer as the app would (the history recorder).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from voice_coach.core.commands import Command
from voice_coach.core.effects import Effect
from voice_coach.core.engine import Session
from voice_coach.sound.coach_loop import CoachLoop

EffectsObserver = Callable[[list[Effect], str | None], None]  # effects, command source


class ScenarioDriver:
    """Steps `session` on a fake clock of `step_ms`, handing each batch of effects to
    `observer` (with the source of the command that caused it) and keeping them all."""

    def __init__(self, session: Session, observer: EffectsObserver | None = None,
                 step_ms: int = 10) -> None:
        self.session = session
        self.observer = observer
        self.step_ms = step_ms
        self.now = 0
        self.effects: list[Effect] = []
        self._take(session.start(0))

    def _take(self, effects: list[Effect], source: str | None = None) -> None:
        self.effects += effects
        if self.observer is not None:
            self.observer(effects, source)

    def step(self, due: list[tuple[int, Command]] | None = None) -> None:
        """Move the clock one step: first the commands of `due` whose time (ms) has come, in
        order and each at its own time (they are taken from the list), then the rest."""
        self.now += self.step_ms
        while due and due[0][0] <= self.now:
            at_ms, command = due.pop(0)
            self.say(command, source=None, at_ms=at_ms)
        self._take(self.session.advance(self.now))

    def until(self, condition: Callable[[Session], bool], limit_ms: int = 3_600_000) -> None:
        """Step until `condition` holds; fails if the session ends or time runs out first."""
        while not condition(self.session):
            assert self.now < limit_ms and not self.session.finished
            self.step()

    def say(self, command: Command, source: str | None = "voice", at_ms: int | None = None) -> None:
        """Handle `command` now (or at `at_ms`, not before the clock's last step)."""
        self._take(self.session.handle(command, self.now if at_ms is None else at_ms), source)

    def interrupt(self) -> None:
        """End now without speech, as Ctrl-C does."""
        self._take(self.session.interrupt(self.now))

    def to_end(self, limit_ms: int = 3_600_000) -> None:
        while not self.session.finished and self.now < limit_ms:
            self.step()


@dataclass(frozen=True)
class ScenarioRun:
    """What a scenario produced, in order: engine effects, or for a coach loop its events (the
    outbox) with the audio it rendered (empty for the engine alone)."""

    events: list[Any]
    audio: np.ndarray


def run_scenario(
    commands_at: dict[int, Command] | None = None,
    *,
    session: Session | None = None,
    loop: CoachLoop | None = None,
    step_ms: int = 10,
    block_frames: int = 1024,
    limit_ms: int = 3_600_000,
) -> ScenarioRun:
    """Run one session to its end with commands at exact session times (ms), given either:
    `session`, the engine alone on a fake clock stepping `step_ms`, each command handled at its
    time; or `loop`, a coach loop rendered `block_frames` at a time, each command submitted
    (source "test") before the block its time falls in, as the live stream applies them."""
    pending = sorted((commands_at or {}).items())
    if session is not None:
        driver = ScenarioDriver(session, step_ms=step_ms)
        while not session.finished and driver.now < limit_ms:
            driver.step(pending)
        return ScenarioRun(driver.effects, np.zeros(0))
    assert loop is not None, "give a session or a loop"
    chunks: list[np.ndarray] = []
    rate = loop.mixer.sample_rate
    while not loop.done and loop.now_ms < limit_ms:
        while pending and pending[0][0] * rate // 1000 <= loop.mixer.position:
            loop.submit(pending.pop(0)[1], "test")
        chunks.append(loop.render_block(block_frames))
    events = []
    while not loop.outbox.empty():
        events.append(loop.outbox.get())
    return ScenarioRun(events, np.concatenate(chunks))
