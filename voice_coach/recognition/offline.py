"""Run a whole recording through the listener block by block, exactly as the microphone would."""

from __future__ import annotations

import numpy as np

from voice_coach.recognition.audio_input import blocks
from voice_coach.recognition.listener import CommandListener, HeardCommand

# Endpointers need some silence after the last word before they close the utterance.
TRAILING_SILENCE_S = 0.8


def listen_to_samples(
    listener: CommandListener, samples: np.ndarray, start_s: float = 0.0
) -> list[HeardCommand]:
    """Every command accepted from int16 mono `samples` (at the listener's rate) + a silent tail."""
    rate = listener.sample_rate
    tail = np.zeros(round(TRAILING_SILENCE_S * rate), dtype=np.int16)
    padded = np.concatenate([np.asarray(samples, dtype=np.int16), tail])
    heard: list[HeardCommand] = []
    for block, first in blocks(padded, listener.block_samples):
        heard.extend(listener.push(block, start_s + first / rate))
    return heard
