"""What every speech synthesizer provides, and the error raised when none can run."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class TtsUnavailable(Exception):
    """Speech cannot be synthesized; the message is one line: what is missing and how to fix it."""


class SpeechSynth(Protocol):
    """Renders text to audio. Implementations may also set `engine_version: str`, which then
    becomes part of the speech cache key (so a library upgrade re-renders the clips)."""

    engine_name: str
    voice: str
    rate_wpm: int
    sample_rate: int

    def synthesize(self, text: str) -> np.ndarray:
        """float32 mono in [-1, 1] at `sample_rate`, leading/trailing silence trimmed."""
        ...
