"""The exercise catalog: leg-lift variations from easiest to hardest, loaded from shipped data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from voice_coach.core.tempo import Tempo


@dataclass(frozen=True)
class Variation:
    """One rung of the leg-lift ladder and everything the coach says about it."""

    id: str
    name: str
    level: int
    equipment: tuple[str, ...]
    setup: str
    form: tuple[str, ...]
    muscles: tuple[str, ...]
    tempo: Tempo
    reps: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CommonCues:
    """Cues shared by every variation: breathing, tempo rule and cautions."""

    breathing_up: str
    breathing_down: str
    short_up: str
    short_down: str
    tempo_rule: str
    cautions: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    """The ladder of variations, easiest first."""

    variations: tuple[Variation, ...]
    common: CommonCues

    def get(self, variation_id: str) -> Variation:
        for variation in self.variations:
            if variation.id == variation_id:
                return variation
        raise KeyError(variation_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.variations)

    def step(self, variation_id: str, direction: int) -> Variation | None:
        """The variation `direction` rungs away (-1 easier, +1 harder), or None past the ends."""
        index = self.ids.index(variation_id) + direction
        if 0 <= index < len(self.variations):
            return self.variations[index]
        return None


def _variation(raw: dict) -> Variation:
    tempo = raw["tempo"]
    return Variation(
        id=raw["id"],
        name=raw["name"],
        level=int(raw["level"]),
        equipment=tuple(raw["equipment"]),
        setup=raw["setup"],
        form=tuple(raw["form"]),
        muscles=tuple(raw["muscles"]),
        tempo=Tempo(tempo["lift"], tempo["top"], tempo["lower"], tempo["bottom"]),
        reps=int(raw["reps"]),
        sources=tuple(raw["sources"]),
    )


def parse_catalog(text: str) -> Catalog:
    raw = tomllib.loads(text)
    common = raw["common"]
    variations = sorted((_variation(v) for v in raw["variation"]), key=lambda v: v.level)
    return Catalog(
        variations=tuple(variations),
        common=CommonCues(
            breathing_up=common["breathing_up"],
            breathing_down=common["breathing_down"],
            short_up=common["short_up"],
            short_down=common["short_down"],
            tempo_rule=common["tempo_rule"],
            cautions=tuple(common["cautions"]),
            sources=tuple(common["sources"]),
        ),
    )


@cache
def load_catalog() -> Catalog:
    """The catalog shipped with the package."""
    text = resources.files("voice_coach.data").joinpath("leg_lifts.toml").read_text("utf-8")
    return parse_catalog(text)
