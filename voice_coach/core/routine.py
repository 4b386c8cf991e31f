"""Routines: ordered blocks of sets of one variation each, and the built-in routines."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Block:
    """Some sets of one variation. `reps` None means the variation's default; `seconds` makes
    each set timed (reps continue until the time is up) instead of counted."""

    variation: str
    sets: int = 2
    reps: int | None = None
    seconds: int | None = None
    tempo: dict[str, int] = field(default_factory=dict)  # phase name -> ms overrides
    rest_s: int = 30  # between sets of this block
    rest_after_s: int = 45  # after the block's last set, before the next block


@dataclass(frozen=True)
class Routine:
    name: str
    description: str
    blocks: tuple[Block, ...]
    warmup: str | None = None
    cooldown: str | None = None
    cautions: tuple[str, ...] = ()  # catalog caution ids said before the first set

    @property
    def total_sets(self) -> int:
        return sum(block.sets for block in self.blocks)


BUILTIN_ROUTINES: dict[str, Routine] = {
    routine.name: routine
    for routine in (
        Routine(
            name="beginner",
            description="Heel taps, then standard leg lifts: two sets each.",
            blocks=(
                Block("heel-taps", sets=2, reps=8, rest_s=30),
                Block("standard", sets=2, reps=6, rest_s=40),
            ),
        ),
        Routine(
            name="standard",
            description="Lying leg lifts, T-arms and slow tempo: three blocks.",
            blocks=(
                Block("standard", sets=3, reps=10, rest_s=40),
                Block("t-arms", sets=2, reps=10, rest_s=40),
                Block("slow-tempo", sets=2, reps=8, rest_s=45),
            ),
        ),
        Routine(
            name="advanced",
            description="Hover, medicine ball and hanging leg raises.",
            blocks=(
                Block("hover", sets=3, reps=10, rest_s=45),
                Block("medicine-ball", sets=3, reps=8, rest_s=60),
                Block("hanging", sets=3, reps=8, rest_s=60),
            ),
        ),
        Routine(
            name="gentle",
            description="Slow heel taps and slow-tempo lifts: slower, gentler movements.",
            blocks=(
                Block("heel-taps", sets=3, reps=8, rest_s=45,
                      tempo={"lift": 2000, "lower": 3500}),
                Block("slow-tempo", sets=2, reps=5, rest_s=60),
            ),
            cautions=("back-pain-risk", "back-pain"),
        ),
    )
}

# Earlier names of built-in routines, still accepted.
ROUTINE_ALIASES: dict[str, str] = {"back-friendly": "gentle"}
