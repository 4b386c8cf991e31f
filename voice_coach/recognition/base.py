"""The small interface every speech recognizer engine implements, and what it reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Word:
    """One recognized word; times are seconds from the start of the audio fed since reset()."""

    text: str
    start_s: float
    end_s: float
    confidence: float


@dataclass(frozen=True)
class Hypothesis:
    """What an engine heard so far (partial) or settled on for an utterance (final)."""

    text: str
    final: bool
    confidence: float | None = None
    words: tuple[Word, ...] = ()


class Recognizer(Protocol):
    """A streaming recognizer restricted to a list of phrases (a command grammar).

    Audio is mono signed 16-bit at `sample_rate`, pushed in blocks; `feed` never blocks on I/O.
    """

    name: str
    sample_rate: int
    dropped_phrases: tuple[str, ...]
    """The phrases the last `set_phrases` left out because the model cannot spell them."""

    def set_phrases(self, phrases: Sequence[str]) -> None:
        """Restrict recognition to these phrases (lower case words)."""
        ...

    def feed(self, block: np.ndarray) -> list[Hypothesis]:
        """Push one block of int16 samples; return hypotheses that this block produced."""
        ...

    def reset(self) -> None:
        """Forget the utterance in progress (e.g. after a command was acted on)."""
        ...

    def close(self) -> None:
        """Let go of what the engine holds (a child process, a model); safe to repeat."""
        ...


class RecognizerUnavailable(Exception):
    """An engine or its model is missing; the message is one line saying what and how to fix it."""
