"""One repetition's plan: the order of its phases, which cue each phase gets, and the form cue
that fits. Pure functions of the variation, the rep number and the tempo."""

from __future__ import annotations

from voice_coach.core.catalog import CommonCues, Variation
from voice_coach.core.tempo import Phase, Tempo

FORM_EVERY_REPS = 3

LIFT_FIRST = (Phase.LIFT, Phase.TOP, Phase.LOWER, Phase.BOTTOM)
LOWER_FIRST = (Phase.LOWER, Phase.BOTTOM, Phase.LIFT, Phase.TOP)


def rep_phases(variation: Variation) -> tuple[Phase, Phase, Phase, Phase]:
    """A rep's phases in order: a movement, its hold, the other movement, its hold."""
    return LOWER_FIRST if variation.starts is Phase.LOWER else LIFT_FIRST


def breathing_cue(common: CommonCues, movement: Phase, first_rep: bool) -> str:
    """Exhale on the way up, inhale on the way down: in full on a set's first rep."""
    if movement is Phase.LIFT:
        return common.breathing_up if first_rep else common.short_up
    return common.breathing_down if first_rep else common.short_down


def form_cue(
    variation: Variation, rep: int, tempo: Tempo, turn: int, speech_ms, gap_ms: int
) -> str | None:
    """On every third rep, the next form cue (from `turn` on) that fits in the first hold and
    the movement after it; None on other reps, or when none fits."""
    hold, movement = (tempo.phase_ms(p) for p in rep_phases(variation)[1:3])
    if rep % FORM_EVERY_REPS or hold == 0:
        return None
    room = hold + movement - gap_ms
    cues = variation.form
    for offset in range(len(cues)):
        cue = cues[(turn + offset) % len(cues)]
        if speech_ms(cue) <= room:
            return cue
    return None
