"""Run a whole recording through the listener block by block, exactly as the microphone would."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

from voice_coach.recognition.audio_input import blocks
from voice_coach.recognition.listener import CommandListener, HeardCommand
from voice_coach.recognition.played_audio import CoachInterval

# Endpointers need some silence after the last word before they close the utterance.
TRAILING_SILENCE_S = 0.8
# The live mixer reports a sound as it schedules it, a block or more before it is heard.
MARK_AHEAD_S = 0.5


def listen_to_samples(
    listener: CommandListener,
    samples: np.ndarray,
    start_s: float = 0.0,
    reference: np.ndarray | None = None,
    coach_audio: Sequence[CoachInterval] = (),
) -> list[HeardCommand]:
    """Every command accepted from int16 mono `samples` (at the listener's rate) + a silent tail;
    `reference` is what the coach played, on the same time axis and at the same rate, and
    `coach_audio` when it spoke and clicked, told to the listener as each one begins (as the
    mixer tells the live loop)."""
    rate = listener.sample_rate
    tail = np.zeros(round(TRAILING_SILENCE_S * rate), dtype=np.int16)
    padded = np.concatenate([np.asarray(samples, dtype=np.int16), tail])
    played = None
    if reference is not None:
        played = np.zeros(len(padded), np.int16)
        played[: min(len(padded), len(reference))] = reference[: len(padded)]
    heard: list[HeardCommand] = []
    size = listener.block_samples
    pending = deque(sorted(coach_audio))
    for block, first in blocks(padded, size):
        block_end_s = start_s + (first + size) / rate
        while pending and pending[0][0] < block_end_s + MARK_AHEAD_S:
            listener.mark_coach_audio(*pending.popleft())
        ref_block = None if played is None else played[first : first + size]
        heard.extend(listener.push(block, start_s + first / rate, ref_block))
    return heard
