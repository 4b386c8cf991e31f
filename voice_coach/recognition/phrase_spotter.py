"""Deciding phrases from the command head's probabilities, one window every 80 ms.

A phrase is decided at its peak: once its probability passes the threshold, the spotter waits
until it stops rising (or MAX_HOLD_HOPS pass), so "skip" can still become "skip the rest". After a
decision it stays quiet for REFRACTORY_HOPS, the windows that still hold the same words. The
trainer simulates exactly this on its validation voices to choose the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

MAX_HOLD_HOPS = 3
REFRACTORY_HOPS = 8  # 0.64 s


@dataclass(frozen=True)
class Spotted:
    phrase: str
    probability: float
    hop: int  # the window (counted from the stream's start) where it peaked


class PhraseSpotter:
    """Feed one row of probabilities per hop (`classes` as the head's, class 0 no command)."""

    def __init__(self, classes: tuple[str, ...], threshold: float) -> None:
        self.classes = classes
        self.threshold = threshold
        self._allowed = np.ones(len(classes), bool)
        self._allowed[0] = False
        self.reset()

    def reset(self) -> None:
        self._hop = -1
        self._candidate: Spotted | None = None
        self._held = 0
        self._quiet = 0

    def allow(self, phrases: Iterable[str]) -> None:
        wanted = set(phrases)
        self._allowed = np.array([c in wanted for c in self.classes], bool)
        self._allowed[0] = False

    def push(self, probabilities: np.ndarray) -> Spotted | None:
        self._hop += 1
        if self._quiet > 0:
            self._quiet -= 1
            return None
        scores = np.where(self._allowed, probabilities, -1.0)
        best = int(np.argmax(scores))
        probability = float(scores[best])
        candidate = self._candidate
        if candidate is None:
            if probability >= self.threshold:
                self._candidate = Spotted(self.classes[best], probability, self._hop)
                self._held = 1
            return None
        if probability >= candidate.probability and probability >= self.threshold:
            if self.classes[best] != candidate.phrase:
                self._held = 0  # another phrase took over: its own hold starts
            self._candidate = Spotted(self.classes[best], probability, self._hop)
        self._held += 1
        current = float(probabilities[self.classes.index(self._candidate.phrase)])
        if current < self._candidate.probability or self._held >= MAX_HOLD_HOPS:
            spotted, self._candidate = self._candidate, None
            self._quiet = REFRACTORY_HOPS
            return spotted
        return None
