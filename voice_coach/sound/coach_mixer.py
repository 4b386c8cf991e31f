"""The coach's mixer: a `Mixer` loaded with the shipped click, accent and session sounds."""

from __future__ import annotations

from voice_coach.sound.assets import load_sound
from voice_coach.sound.mixer import Mixer

SAMPLE_RATE = 48000
SESSION_SOUNDS = ("chime", "earcon", "done")


def build_mixer(sample_rate: int = SAMPLE_RATE) -> Mixer:
    """The mixer the live coach and the renderer share."""
    sounds = {name: load_sound(name, sample_rate) for name in SESSION_SOUNDS}
    return Mixer(sample_rate, load_sound("click", sample_rate), load_sound("accent", sample_rate),
                 sounds)
