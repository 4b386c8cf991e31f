"""Safety in the engine: cautions where they belong, "my back hurts", heel taps that start by
lowering, and the gentle routine — on a fake clock."""

from __future__ import annotations

import pytest

from tests.scenario import run_scenario
from voice_coach.core import phrases
from voice_coach.core.catalog import load_catalog
from voice_coach.core.commands import Command
from voice_coach.core.effects import (
    CommandHandled,
    Hush,
    PhaseChanged,
    Say,
    State,
    StateChanged,
    VariationChanged,
)
from voice_coach.core.engine import Session
from voice_coach.core.routine import BUILTIN_ROUTINES, Block, Routine
from voice_coach.routines.library import FoundRoutine, find_routine
from voice_coach.routines.source import RoutineSource

CATALOG = load_catalog()
HOVER_CAUTIONS = [c.text for c in CATALOG.cautions_for("hover")]


def says(effects) -> list[str]:
    return [e.text for e in effects if isinstance(e, Say)]


def first_index(texts: list[str], prefix: str) -> int:
    return next(i for i, text in enumerate(texts) if text.startswith(prefix))


def test_advanced_speaks_each_caution_once_before_the_first_set_that_needs_it() -> None:
    spoken = says(run_scenario(session=Session(BUILTIN_ROUTINES["advanced"], CATALOG)).events)
    for caution in ("back-pain-risk", "floor-contact", "trainer"):
        assert spoken.count(CATALOG.caution(caution).text) == 1, caution
    assert spoken.count(phrases.BACK_PAIN_HINT) == 1
    first_set = first_index(spoken, "Set one of three")
    assert all(spoken.index(text) < first_set for text in HOVER_CAUTIONS)
    hanging_intro = first_index(spoken, "Next: hanging leg raises")
    trainer = spoken.index(CATALOG.caution("trainer").text)
    assert hanging_intro < trainer < first_index(spoken[hanging_intro:], "Set one") + hanging_intro


def test_harder_into_hover_speaks_its_cautions_once() -> None:
    routine = BUILTIN_ROUTINES["standard"]
    session = Session(routine, CATALOG, start_variation="seated-elevated")
    effects = run_scenario({40_000: Command.HARDER, 120_000: Command.HARDER},
                           session=session).events
    changes = [(c.previous, c.variation) for c in effects if isinstance(c, VariationChanged)]
    assert changes == [("seated-elevated", "hover"), ("hover", "medicine-ball")]
    spoken = says(effects)
    for text in HOVER_CAUTIONS:
        assert spoken.count(text) == 1
    switch = spoken.index("Switching to hover leg lifts.")
    assert spoken[switch + 1:switch + 3] == HOVER_CAUTIONS  # before its setup
    # medicine-ball names the same cautions: not said again
    medicine = spoken.index("Switching to medicine ball leg lifts.")
    assert spoken[medicine + 1] == CATALOG.get("medicine-ball").setup


def test_next_during_the_intro_still_says_the_cautions_before_the_first_set() -> None:
    effects = run_scenario({500: Command.NEXT},
                           session=Session(BUILTIN_ROUTINES["advanced"], CATALOG)).events
    spoken = says(effects)
    assert not [s for s in spoken if s.startswith("Next: hover")], "the intro was skipped"
    first_set = first_index(spoken, "Set one of three")
    for text in [*HOVER_CAUTIONS, phrases.BACK_PAIN_HINT]:
        assert spoken.count(text) == 1, text
        assert spoken.index(text) < first_set, text


@pytest.mark.parametrize("next_at_ms", [41_000, 43_000], ids=["before-it", "during-it"])
def test_a_caution_cut_short_by_a_command_is_said_again_before_the_set(next_at_ms: int) -> None:
    session = Session(BUILTIN_ROUTINES["standard"], CATALOG, start_variation="seated-elevated")
    effects = run_scenario({40_000: Command.HARDER, next_at_ms: Command.NEXT},
                           session=session).events
    after_next = [e for e in effects if isinstance(e, Say) and e.at_ms >= next_at_ms]
    spoken = [e.text for e in after_next]
    assert spoken[0] == "Set complete. Rest. 40 seconds."  # "next" ended the set
    next_set = first_index(spoken, "Set two of three")
    assert spoken[next_set - len(HOVER_CAUTIONS) - 1:next_set] == [
        *HOVER_CAUTIONS, phrases.BACK_PAIN_HINT]
    whole = says(effects)
    # Cut before the first caution began, each is said once; cut during it, that one twice.
    first_count = 1 if next_at_ms == 41_000 else 2
    assert [whole.count(text) for text in HOVER_CAUTIONS] == [first_count, 1]


def test_easier_rungs_carry_no_caution() -> None:
    for variation in ("heel-taps", "slow-tempo", "standard", "t-arms", "seated-elevated"):
        assert CATALOG.get(variation).cautions == (), variation
    for variation in ("hover", "medicine-ball", "hanging", "dip-bars"):
        assert "back-pain-risk" in CATALOG.get(variation).cautions, variation


def back_pain_run(at_ms: int, resume_at_ms: int):
    routine = Routine("test", "", (
        Block("hover", sets=2, reps=4, rest_s=20),
        Block("medicine-ball", sets=1, reps=3),
    ))
    return run_scenario({at_ms: Command.BACK_PAIN, resume_at_ms: Command.RESUME},
                        session=Session(routine, CATALOG)).events


def test_my_back_hurts_mid_set_pauses_advises_and_goes_on_gentler() -> None:
    effects = back_pain_run(60_000, 120_000)
    heard = next(e for e in effects if isinstance(e, CommandHandled) and e.command == "back_pain")
    assert heard.accepted
    assert any(isinstance(e, Hush) and e.at_ms == heard.at_ms for e in effects)
    paused = [e for e in effects if isinstance(e, StateChanged) and e.at_ms == heard.at_ms]
    assert paused[0].state is State.PAUSED and paused[0].previous is State.SET
    spoken = says(effects)
    gentle = CATALOG.gentlest
    advice_at = spoken.index(CATALOG.back_pain.advice[0])
    expected = [*CATALOG.back_pain.advice, phrases.back_pain_offer(gentle)]
    assert spoken[advice_at:advice_at + len(expected)] == expected
    assert "Say resume to go on with slower bent-knee heel taps" in expected[-1]
    # nothing moves while paused
    assert not [e for e in effects if isinstance(e, PhaseChanged) and 60_000 < e.at_ms < 120_000]
    resumed = spoken.index(phrases.going_gentler(gentle))
    assert spoken[resumed + 1] == gentle.setup
    later = [e for e in effects if isinstance(e, PhaseChanged) and e.at_ms > 120_000]
    assert {p.variation for p in later} == {"heel-taps"}  # this block and the next one
    assert [p.block for p in later][-1] == 1
    changes = [e for e in effects if isinstance(e, VariationChanged)]
    assert [(c.previous, c.variation, c.reason) for c in changes] == [
        ("hover", "heel-taps", "back_pain")
    ]
    # slowed: a heel-tap lowering lasts 1.2 times its usual 2.5 s
    lowers = [p for p in later if p.phase == "lower"]
    follow = next(p for p in later if p.at_ms > lowers[0].at_ms)
    assert follow.at_ms - lowers[0].at_ms == 3000


@pytest.mark.parametrize("at_ms", [2_000, 30_000, 45_000, 70_000])
def test_my_back_hurts_is_accepted_in_every_state(at_ms: int) -> None:
    routine = Routine("test", "", (Block("standard", sets=2, reps=3, rest_s=40),))
    schedule = {at_ms: Command.PAUSE, at_ms + 1_000: Command.BACK_PAIN}
    effects = run_scenario({at_ms: Command.BACK_PAIN}, session=Session(routine, CATALOG)).events
    states = {e.state for e in effects if isinstance(e, StateChanged) and e.at_ms <= at_ms}
    assert states  # the session had started
    handled = [e for e in effects if isinstance(e, CommandHandled)]
    assert [(h.command, h.accepted) for h in handled] == [("back_pain", True)]
    paused_first = run_scenario(schedule, session=Session(routine, CATALOG)).events
    handled = [(e.command, e.accepted) for e in paused_first if isinstance(e, CommandHandled)]
    assert handled == [("pause", True), ("back_pain", True)]


def test_states_reached_by_the_back_pain_times() -> None:
    routine = Routine("test", "", (Block("standard", sets=2, reps=3, rest_s=40),))
    session = Session(routine, CATALOG)
    seen = []
    effects = session.start(0)
    for now in range(10, 71_000, 10):
        effects += session.advance(now)
        if now in (2_000, 30_000, 45_000, 70_000):
            seen.append(session.state)
    assert seen == [State.INTRO, State.READY, State.SET, State.REST]


def test_heel_taps_start_by_lowering_and_count_after_the_lift() -> None:
    routine = Routine("test", "", (Block("heel-taps", sets=1, reps=3),))
    effects = run_scenario(session=Session(routine, CATALOG)).events
    phases = [p.phase for p in effects if isinstance(p, PhaseChanged)]
    assert phases[:4] == ["lower", "bottom", "lift", "top"]
    first_lower = next(p for p in effects if isinstance(p, PhaseChanged))
    cues = [e for e in effects if isinstance(e, Say) and e.at_ms == first_lower.at_ms]
    assert [c.text for c in cues] == [CATALOG.common.breathing_down]
    top = next(p for p in effects if isinstance(p, PhaseChanged) and p.phase == "top")
    assert "One." in [e.text for e in effects if isinstance(e, Say) and e.at_ms == top.at_ms]


def test_the_gentle_routine_opens_with_the_back_pain_caution() -> None:
    gentle = find_routine("gentle")
    assert find_routine("back-friendly") is gentle
    spoken = says(run_scenario(session=Session(gentle, CATALOG)).events)
    assert spoken[0].startswith("Welcome.")
    assert spoken[1] == CATALOG.caution("back-pain-risk").text
    assert spoken[2] == CATALOG.caution("back-pain").text
    assert spoken[3] == phrases.BACK_PAIN_HINT
    assert spoken[4].startswith("Next: bent-knee heel taps.")
    assert "slower, gentler movements" in spoken[2]


def test_list_shows_the_ladder_with_its_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    from voice_coach.cli import main

    assert main(["list"]) == 0
    out = capsys.readouterr().out
    positions = [out.index(f" {v.id} ") for v in CATALOG.variations]
    assert positions == sorted(positions)
    for variation in CATALOG.variations:
        assert f"why here: {variation.why}" in out
    assert "cautions: back-pain-risk, floor-contact" in out


def test_a_progression_offer_of_hover_comes_with_its_cautions_said_once() -> None:
    from voice_coach.app.session_history import plan_start
    from voice_coach.history.progression import PastSession, VariationWork

    clean = PastSession((VariationWork("seated-elevated", 0, True),), False, "finished")

    class TwoCleanSessions:
        def past_sessions(self, source: RoutineSource) -> list[PastSession]:
            return [clean, clean]

        def sessions(self, limit: int) -> list:
            return []

    routine = Routine("seated", "", (Block("seated-elevated", sets=2, reps=3),))
    found = FoundRoutine(routine, RoutineSource.named("seated"))
    plan = plan_start(TwoCleanSessions(), found, CATALOG)  # type: ignore[arg-type]
    session = Session(plan.routine, CATALOG, start_variation=plan.start_variation)
    spoken = says(run_scenario({60_000: Command.HARDER}, session=session).events)
    assert "Say harder to try hover leg lifts." in spoken[0]
    assert spoken[1:3] == HOVER_CAUTIONS
    assert spoken[3] == phrases.BACK_PAIN_HINT
    assert spoken[4].startswith("Next: seated leg lifts.")
    for text in HOVER_CAUTIONS:  # not again when the person takes the offer
        assert spoken.count(text) == 1
    assert "Switching to hover leg lifts." in spoken


def test_harder_during_the_intro_keeps_the_breathing_and_tempo_lines() -> None:
    session = Session(BUILTIN_ROUTINES["standard"], CATALOG)
    spoken = says(run_scenario({1_000: Command.HARDER}, session=session).events)
    first_set = first_index(spoken, "Set one of three")
    basics = [phrases.breathing(CATALOG), CATALOG.common.tempo_rule]
    switch = spoken.index("Switching to T-arm leg lifts.")
    for text in basics:
        assert spoken.count(text) == 1 and switch < spoken.index(text) < first_set, text
