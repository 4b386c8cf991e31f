"""The leg-lift catalog: the ladder, its fields, and that every cue traces to the seed text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voice_coach.core.catalog import load_catalog

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "leg-lifts.txt"

LADDER = (
    "heel-taps", "slow-tempo", "standard", "t-arms", "seated-elevated", "hover",
    "medicine-ball", "hanging", "dip-bars",
)


def _normalized(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).lower()


def test_ladder_has_nine_variations_easiest_first() -> None:
    catalog = load_catalog()
    assert catalog.ids == LADDER
    levels = [v.level for v in catalog.variations]
    assert levels == sorted(levels) and len(set(levels)) == 9


def test_every_variation_is_complete() -> None:
    for variation in load_catalog().variations:
        assert variation.name and variation.setup and variation.muscles, variation.id
        assert len(variation.form) >= 2, variation.id
        assert variation.reps > 0
        tempo = variation.tempo
        assert tempo.lower_ms > tempo.lift_ms, f"{variation.id}: lowering must be slower"
        assert variation.sources, variation.id


def test_equipment_matches_the_variation() -> None:
    catalog = load_catalog()
    assert catalog.get("medicine-ball").equipment == ("medicine ball",)
    assert catalog.get("hanging").equipment == ("pull-up bar",)
    assert catalog.get("dip-bars").equipment == ("dip bars",)
    assert catalog.get("standard").equipment == ()


def test_breathing_and_cautions_follow_the_seed() -> None:
    common = load_catalog().common
    assert "exhale" in common.breathing_up.lower() and "up" in common.breathing_up.lower()
    assert "inhale" in common.breathing_down.lower() and "down" in common.breathing_down.lower()
    cautions = " ".join(c.text for c in load_catalog().cautions).lower()
    assert "slower, gentler movements" in cautions and "pilates" in cautions


def test_step_walks_the_ladder_and_stops_at_the_ends() -> None:
    catalog = load_catalog()
    assert catalog.step("standard", -1).id == "slow-tempo"
    assert catalog.step("slow-tempo", -1).id == "heel-taps"
    assert catalog.step("standard", +1).id == "t-arms"
    assert catalog.step("heel-taps", -1) is None
    assert catalog.step("dip-bars", +1) is None


@pytest.mark.skipif(not SEED.exists(), reason="seed text not beside the repository")
def test_every_source_quote_is_in_the_seed() -> None:
    seed = _normalized(SEED.read_text("utf-8"))
    catalog = load_catalog()
    quotes = [q for v in catalog.variations for q in v.sources] + list(catalog.common.sources)
    quotes += [q for c in catalog.cautions for q in c.sources] + list(catalog.back_pain.sources)
    # what `why` quotes of the article, between double quotes
    quotes += [q.rstrip(".") for v in catalog.variations for q in re.findall(r'"([^"]+)"', v.why)]
    missing = [q for q in quotes if _normalized(q) not in seed]
    assert not missing


def test_live_phrases_cover_the_workout_and_replies_but_not_the_summary() -> None:
    from voice_coach.core.dry_run import script_and_reply_phrases
    from voice_coach.core.routine import BUILTIN_ROUTINES

    texts = script_and_reply_phrases(BUILTIN_ROUTINES["beginner"], load_catalog())
    assert "Exhale on the way up." in texts and "Paused. Say resume when you are ready." in texts
    assert "Switching to hanging leg raises." in texts
    assert not any(text.startswith("Workout complete.") for text in texts)
