"""The `tempo` table of a routine block: seconds per phase, and the article's rule that
lowering is at least as slow as lifting once the block's overrides meet the variation's tempo.

Mistakes are raised through the routine reader, so they carry file, line and field like every
other routine-file error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

from voice_coach.core.tempo import Tempo
from voice_coach.routines.source_map import SourceMap
from voice_coach.user_text import describe_value

TEMPO_PHASES = ("lift", "top", "lower", "bottom")
MOVING_PHASES = ("lift", "lower")  # these cannot be zero: a rep needs a way up and a way down
TEMPO_MAX_S = 20.0
# The article's tempo rule (data/leg_lifts.toml cites it under [common].sources): a block's tempo
# must keep lowering at least as long as lifting, or the coach's "lower slower" cue would lie.
TEMPO_RULE_QUOTE = "the downward phase is slower and more controlled than the upward phase"


class FieldReader(Protocol):
    """What the tempo checks need of the routine reader."""

    source: SourceMap

    def fail(self, line: int, field_name: str | None, message: str) -> Exception: ...

    def reject_unknown(self, table: dict[str, Any], allowed: tuple[str, ...], prefix: str,
                       line_of: Callable[[str], int]) -> None: ...


def read_tempo(reader: FieldReader, raw: Any, index: int) -> dict[str, int]:
    """Block `index`'s tempo overrides in ms per phase."""
    field_name = f"blocks[{index + 1}].tempo"
    if not isinstance(raw, dict):
        raise reader.fail(
            reader.source.block_key(index, "tempo"),
            field_name,
            "expected a table like { lift = 2.0, top = 1.0, lower = 3.0, "
            f"bottom = 1.0 }} in seconds, got {describe_value(raw)}",
        )

    def line_of(phase: str) -> int:
        return reader.source.tempo_key(index, phase)

    reader.reject_unknown(raw, TEMPO_PHASES, field_name + ".", line_of)
    tempo_ms: dict[str, int] = {}
    for phase, value in raw.items():
        phase_field = f"{field_name}.{phase}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise reader.fail(
                line_of(phase),
                phase_field,
                f"expected seconds as a number like 2.0, got {describe_value(value)}",
            )
        low = "more than 0" if phase in MOVING_PHASES else "0"
        if not math.isfinite(value):
            raise reader.fail(
                line_of(phase),
                phase_field,
                f"{value} is not a length of time; use {low} to {TEMPO_MAX_S:g} s",
            )
        if value > TEMPO_MAX_S or value < 0 or (phase in MOVING_PHASES and value == 0):
            raise reader.fail(
                line_of(phase),
                phase_field,
                f"{value:g} s is out of range; use {low} to {TEMPO_MAX_S:g} s",
            )
        tempo_ms[phase] = round(value * 1000)
    return tempo_ms


def check_tempo_rule(reader: FieldReader, index: int, variation_tempo: Tempo,
                     overrides: dict[str, int]) -> None:
    """Lowering at least as slow as lifting, once the overrides meet the variation's tempo."""
    tempo = variation_tempo.with_overrides(overrides)
    if tempo.lower_ms >= tempo.lift_ms:
        return
    phase = "lower" if "lower" in overrides else "lift"
    raise reader.fail(
        reader.source.tempo_key(index, phase),
        f"blocks[{index + 1}].tempo.{phase}",
        f"lowering ({tempo.lower_ms / 1000:g} s) is faster than lifting "
        f"({tempo.lift_ms / 1000:g} s); make lower at least as long as lift, "
        f'as the article says: "{TEMPO_RULE_QUOTE}"',
    )
