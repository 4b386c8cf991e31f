"""The exercise catalog: leg-lift variations from easiest to hardest, their cautions and the
back-pain advice, loaded from shipped data (`voice_coach/data/leg_lifts.toml`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from voice_coach.core.tempo import Phase, Tempo


@dataclass(frozen=True)
class Caution:
    """A safety caution, said once per session before the first set of a variation naming it."""

    id: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Variation:
    """One rung of the leg-lift ladder and everything the coach says about it."""

    id: str
    name: str
    level: int
    why: str  # what places this rung on the ladder: the article's words, or "judgement: ..."
    starts: Phase  # the phase a rep begins with: LIFT, or LOWER when the legs start raised
    cautions: tuple[str, ...]  # caution ids, said before the first set of this variation
    equipment: tuple[str, ...]
    setup: str
    form: tuple[str, ...]
    muscles: tuple[str, ...]
    tempo: Tempo
    reps: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CommonCues:
    """Cues shared by every variation: breathing and the tempo rule."""

    breathing_up: str
    breathing_down: str
    short_up: str
    short_down: str
    tempo_rule: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class BackPainAdvice:
    """What the coach says when the person reports back pain, from the article."""

    advice: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    """The ladder of variations, easiest first, with the cautions they name."""

    variations: tuple[Variation, ...]
    common: CommonCues
    cautions: tuple[Caution, ...]
    back_pain: BackPainAdvice

    def get(self, variation_id: str) -> Variation:
        for variation in self.variations:
            if variation.id == variation_id:
                return variation
        raise KeyError(variation_id)

    def caution(self, caution_id: str) -> Caution:
        for caution in self.cautions:
            if caution.id == caution_id:
                return caution
        raise KeyError(caution_id)

    def cautions_for(self, variation_id: str) -> tuple[Caution, ...]:
        return tuple(self.caution(c) for c in self.get(variation_id).cautions)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.variations)

    @property
    def gentlest(self) -> Variation:
        return self.variations[0]

    def step(self, variation_id: str, direction: int) -> Variation | None:
        """The variation `direction` rungs away (-1 easier, +1 harder), or None past the ends."""
        index = self.ids.index(variation_id) + direction
        if 0 <= index < len(self.variations):
            return self.variations[index]
        return None


def _variation(raw: dict) -> Variation:
    tempo = raw["tempo"]
    starts = Phase(raw.get("starts", Phase.LIFT))
    if starts not in (Phase.LIFT, Phase.LOWER):
        raise ValueError(f"variation {raw['id']}: a rep starts with lift or lower, not {starts}")
    return Variation(
        id=raw["id"],
        name=raw["name"],
        level=int(raw["level"]),
        why=raw["why"],
        starts=starts,
        cautions=tuple(raw.get("cautions", ())),
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
    cautions = tuple(
        Caution(c["id"], c["text"], tuple(c["sources"])) for c in raw.get("caution", ())
    )
    catalog = Catalog(
        variations=tuple(variations),
        common=CommonCues(
            breathing_up=common["breathing_up"],
            breathing_down=common["breathing_down"],
            short_up=common["short_up"],
            short_down=common["short_down"],
            tempo_rule=common["tempo_rule"],
            sources=tuple(common["sources"]),
        ),
        cautions=cautions,
        back_pain=BackPainAdvice(
            tuple(raw["back_pain"]["advice"]), tuple(raw["back_pain"]["sources"])
        ),
    )
    for variation in catalog.variations:
        catalog.cautions_for(variation.id)  # a caution id that names nothing fails here
    return catalog


@cache
def load_catalog() -> Catalog:
    """The catalog shipped with the package."""
    text = resources.files("voice_coach.data").joinpath("leg_lifts.toml").read_text("utf-8")
    return parse_catalog(text)
