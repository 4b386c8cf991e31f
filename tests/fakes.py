"""Test fakes: deterministic speech clips and a fake clock driver for the session engine."""

from __future__ import annotations

import numpy as np

from voice_coach.core.commands import Command
from voice_coach.core.effects import Effect
from voice_coach.core.engine import Session, estimate_speech_ms

SAMPLE_RATE = 48000


class FakeSpeech:
    """Speech clips whose length is the engine's estimate: a quiet tone, one per text."""

    rate_wpm = 165

    def __init__(self, sample_rate: int = SAMPLE_RATE, level: float = 0.2) -> None:
        self.sample_rate = sample_rate
        self.level = level
        self.rendered: list[str] = []

    def duration_ms(self, text: str) -> int:
        return estimate_speech_ms(text)

    def clip(self, text: str) -> np.ndarray:
        self.rendered.append(text)
        n = self.duration_ms(text) * self.sample_rate // 1000
        t = np.arange(n) / self.sample_rate
        return (self.level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def click_clip(length: int = 240, level: float = 0.5) -> np.ndarray:
    """A click whose first sample is its loudest, so onsets are exact."""
    return (level * np.exp(-np.arange(length) / 30.0)).astype(np.float32)


def run_session(
    session: Session,
    commands: dict[int, Command] | None = None,
    step_ms: int = 10,
    limit_ms: int = 3_600_000,
) -> list[Effect]:
    """Drive a session with a fake clock until it finishes; commands at exact times (ms)."""
    pending = sorted((commands or {}).items())
    effects = session.start(0)
    now = 0
    while not session.finished and now < limit_ms:
        now += step_ms
        while pending and pending[0][0] <= now:
            at_ms, command = pending.pop(0)
            effects += session.handle(command, at_ms)
        effects += session.advance(now)
    return effects
