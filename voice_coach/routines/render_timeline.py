"""A rendered session's timeline: every cue, click and sound with its time, and its chapters.

Times are seconds on the file's own clock (sample 0 is the start of the file). Every event has
the exact `sample` it belongs to; spoken cues also say where they really started and stopped
in the mix (`start`/`end`, null if the mixer dropped the cue).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_coach.core.catalog import Catalog
from voice_coach.core.effects import PhaseChanged, Say, State, StateChanged, effect_to_json
from voice_coach.routines.render import RenderedSession


@dataclass(frozen=True)
class Chapter:
    title: str
    start_ms: int
    end_ms: int


def timeline(rendered: RenderedSession) -> dict[str, Any]:
    rate = rendered.sample_rate
    placements = iter(rendered.speech)
    events = []
    for event in rendered.events:
        record = effect_to_json(event)
        record["sample"] = event.at_ms * rate // 1000
        if isinstance(event, Say):
            placement = next(placements)
            started = placement.start is not None
            record["start"] = round(placement.start / rate, 6) if started else None
            record["end"] = round(placement.end / rate, 6) if started else None
        events.append(record)
    return {
        "routine": rendered.routine.name,
        "description": rendered.routine.description,
        "duration_s": round(rendered.duration_s, 6),
        "sample_rate": rate,
        "samples": int(rendered.audio.size),
        "events": events,
    }


def write_timeline(path: Path, rendered: RenderedSession) -> None:
    """Write the timeline JSON so that `path` is either the old file or the complete new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(timeline(rendered), out, indent=1, ensure_ascii=False)
            out.write("\n")
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def chapters(rendered: RenderedSession, catalog: Catalog) -> list[Chapter]:
    """One chapter per block, from its introduction to the next block's (the last one to the end).

    The session enters INTRO once per block: at the welcome for the first, after a rest for
    the others.
    """
    starts = [
        e.at_ms for e in rendered.events if isinstance(e, StateChanged) and e.state is State.INTRO
    ]
    end_ms = round(1000 * rendered.duration_s)
    blocks = rendered.routine.blocks
    first_variation = _first_variation(rendered)
    result = []
    for index, start_ms in enumerate(starts[: len(blocks)]):
        variation_id = first_variation if index == 0 else blocks[index].variation
        following = starts[index + 1] if index + 1 < len(starts) else end_ms
        name = catalog.get(variation_id).name
        title = f"Block {index + 1}: {name[:1].upper()}{name[1:]}"
        result.append(Chapter(title, start_ms, min(following, end_ms)))
    return result


def _first_variation(rendered: RenderedSession) -> str:
    """The first block's variation as rendered (a start variation may replace the routine's)."""
    for event in rendered.events:
        if isinstance(event, PhaseChanged) and event.block == 0:
            return event.variation
    return rendered.routine.blocks[0].variation
