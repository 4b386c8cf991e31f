"""How long a routine takes, found by running the pure session engine on a fake clock.

A routine may last at most `MAX_ROUTINE_MS`. The engine's dry run is exact, but its cost grows
with the routine (0.3 s for one block of 47 hours), so a cheap floor (the reps, timed sets and
rests alone, without speech or count-ins) first turns away routines that are plainly too long.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

from voice_coach.core.catalog import Catalog, load_catalog
from voice_coach.core.dry_run import run_to_end
from voice_coach.core.effects import Effect, SetCompleted
from voice_coach.core.engine import Session
from voice_coach.core.routine import Block, Routine

MAX_ROUTINE_HOURS = 4  # a workout longer than this is a typo, not a plan
MAX_ROUTINE_MS = MAX_ROUTINE_HOURS * 3600 * 1000


def estimate_duration_ms(
    routine: Routine, catalog: Catalog | None = None, start_variation: str | None = None
) -> int:
    """Milliseconds from the welcome to the end of the summary, with no commands given.

    Speech lengths are the engine's word-count estimate, so the figure is close, not exact to
    the rendered voice; the timing of sets, reps and rests is exact.
    """
    session = Session(routine, catalog or load_catalog(), start_variation=start_variation)
    return _end_ms(run_to_end(session))


def _end_ms(effects: list[Effect]) -> int:
    return max((effect.at_ms for effect in effects), default=0)


def block_floor_ms(block: Block, catalog: Catalog, last: bool) -> int:
    """The least time `block` can take: its reps or timed sets and its rests, nothing spoken."""
    if block.seconds is not None:
        set_ms = block.seconds * 1000
    else:
        variation = catalog.get(block.variation)
        reps = block.reps or variation.reps
        set_ms = reps * variation.tempo.with_overrides(block.tempo).rep_ms
    rests_s = (block.sets - 1) * block.rest_s + (0 if last else block.rest_after_s)
    return block.sets * set_ms + rests_s * 1000


@dataclass(frozen=True)
class TooLong:
    """A routine over the limit: how long it is and the block during which it passes the limit.

    `at_least` says `duration_ms` is the floor (the routine was too long to run through)."""

    duration_ms: int
    block_index: int
    at_least: bool


def over_limit(
    routine: Routine, catalog: Catalog, limit_ms: int = MAX_ROUTINE_MS
) -> TooLong | None:
    """Whether `routine` lasts longer than `limit_ms`, and where it passes it; None if it fits."""
    last = len(routine.blocks) - 1
    floors = list(accumulate(
        block_floor_ms(block, catalog, index == last) for index, block in enumerate(routine.blocks)
    ))
    if floors[-1] > limit_ms:
        index = next(i for i, end_ms in enumerate(floors) if end_ms > limit_ms)
        return TooLong(floors[-1], index, at_least=True)
    effects = run_to_end(Session(routine, catalog))
    total_ms = _end_ms(effects)
    if total_ms <= limit_ms:
        return None
    later_sets = (e.block for e in effects if isinstance(e, SetCompleted) and e.at_ms > limit_ms)
    return TooLong(total_ms, next(later_sets, last), at_least=False)


def format_duration(ms: int) -> str:
    """`12 min 30 s`, `45 s` or `1 h 05 min` for a person."""
    seconds = round(ms / 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"
