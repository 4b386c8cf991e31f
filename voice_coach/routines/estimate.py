"""How long a routine takes, found by running the pure session engine on a fake clock."""

from __future__ import annotations

from voice_coach.core.catalog import Catalog, load_catalog
from voice_coach.core.dry_run import run_to_end
from voice_coach.core.engine import Session
from voice_coach.core.routine import Routine


def estimate_duration_ms(
    routine: Routine, catalog: Catalog | None = None, start_variation: str | None = None
) -> int:
    """Milliseconds from the welcome to the end of the summary, with no commands given.

    Speech lengths are the engine's word-count estimate, so the figure is close, not exact to
    the rendered voice; the timing of sets, reps and rests is exact.
    """
    session = Session(routine, catalog or load_catalog(), start_variation=start_variation)
    return max((effect.at_ms for effect in run_to_end(session)), default=0)


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
