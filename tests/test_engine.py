"""The session engine, driven from start to end with a fake clock in milliseconds."""

from __future__ import annotations

import itertools

from tests.scenario import run_scenario
from voice_coach.core import phrases
from voice_coach.core.catalog import load_catalog
from voice_coach.core.commands import Command
from voice_coach.core.effects import (
    Click,
    CommandHandled,
    EndReason,
    Finished,
    Hush,
    PhaseChanged,
    Say,
    SetCompleted,
    State,
    StateChanged,
    VariationChanged,
)
from voice_coach.core.engine import EARCON_MS, Session
from voice_coach.core.routine import BUILTIN_ROUTINES, Block, Routine

CATALOG = load_catalog()


def one_block(variation: str = "standard", sets: int = 2, reps: int = 4, **kw) -> Routine:
    return Routine("test", "", (Block(variation, sets=sets, reps=reps, rest_s=20, **kw),))


def of_type(effects, kind):
    return [e for e in effects if isinstance(e, kind)]


def says(effects) -> list[str]:
    return [e.text for e in of_type(effects, Say)]


def test_builtin_routines_run_to_the_end() -> None:
    for routine in BUILTIN_ROUTINES.values():
        effects = run_scenario(session=Session(routine, CATALOG)).events
        finished = of_type(effects, Finished)
        assert len(finished) == 1 and finished[0].reason is EndReason.FINISHED, routine.name
        expected_reps = sum(
            b.sets * (b.reps or CATALOG.get(b.variation).reps) for b in routine.blocks
        )
        assert finished[0].sets_done == routine.total_sets
        assert finished[0].reps_done == expected_reps
        assert sum(1 for c in of_type(effects, Click) if c.accent) == expected_reps
        assert says(effects)[-1].startswith("Workout complete.")


def test_phases_follow_the_tempo_and_clicks_fall_on_beats() -> None:
    effects = run_scenario(session=Session(one_block(sets=1, reps=3), CATALOG)).events
    tempo = CATALOG.get("standard").tempo
    phases = of_type(effects, PhaseChanged)
    assert [p.phase for p in phases[:4]] == ["lift", "top", "lower", "bottom"]
    gaps = [b.at_ms - a.at_ms for a, b in itertools.pairwise(phases)][:4]
    assert gaps == [tempo.lift_ms, tempo.top_ms, tempo.lower_ms, tempo.bottom_ms]
    first_lift = phases[0].at_ms
    rep_clicks = [c.at_ms - first_lift for c in of_type(effects, Click) if c.at_ms >= first_lift]
    # One click a second: 2 s lift, 1 s top, 3 s lower, 1 s bottom = 7 beats a rep.
    assert rep_clicks[:8] == [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000]
    accents = [c.at_ms for c in of_type(effects, Click) if c.accent]
    assert accents == [p.at_ms for p in phases if p.phase == "lift"]


def test_the_clock_step_does_not_change_what_happens() -> None:
    commands = {61_000: Command.PAUSE, 64_000: Command.RESUME, 90_000: Command.SLOWER}
    runs = [
        run_scenario(dict(commands), session=Session(one_block(), CATALOG), step_ms=step).events
        for step in (1, 10, 1000)
    ]
    assert runs[0] == runs[1] == runs[2]


def test_breathing_cues_and_counts_are_on_their_phases() -> None:
    effects = run_scenario(session=Session(one_block(sets=1, reps=4), CATALOG)).events
    phase_at = {(p.rep, p.phase): p.at_ms for p in of_type(effects, PhaseChanged)}
    spoken = {s.at_ms: s.text for s in of_type(effects, Say)}
    assert spoken[phase_at[(1, "lift")]] == "Exhale on the way up."
    assert spoken[phase_at[(1, "lower")]] == "Inhale on the way down."
    assert spoken[phase_at[(2, "lift")]] == "Up, exhale."
    for rep in range(1, 5):
        assert spoken[phase_at[(rep, "bottom")]] == ["One.", "Two.", "Three.", "Four."][rep - 1]


def test_form_cues_rotate_and_fit_before_the_count() -> None:
    effects = run_scenario(session=Session(one_block(sets=2, reps=9), CATALOG)).events
    form = [s for s in of_type(effects, Say) if s.kind == "form"]
    assert len(form) == 6  # reps 3, 6, 9 of each set
    assert len({s.text for s in form}) >= 3
    assert all(s.text in CATALOG.get("standard").form for s in form)


def test_pause_silences_and_resume_restarts_the_rep() -> None:
    routine = one_block(sets=1, reps=3)
    plain = run_scenario(session=Session(routine, CATALOG)).events
    second_lift = next(p for p in of_type(plain, PhaseChanged) if p.rep == 2).at_ms
    pause_at = second_lift + 2500
    effects = run_scenario({pause_at: Command.PAUSE, pause_at + 20_000: Command.RESUME},
                           session=Session(routine, CATALOG)).events
    hush = of_type(effects, Hush)[0]
    assert hush.at_ms == pause_at
    paused = next(s for s in of_type(effects, StateChanged) if s.state is State.PAUSED)
    clicks_while_paused = [
        c for c in of_type(effects, Click) if paused.at_ms <= c.at_ms < pause_at + 20_000
    ]
    assert not clicks_while_paused
    after = [p for p in of_type(effects, PhaseChanged) if p.at_ms > pause_at + 20_000]
    assert (after[0].rep, after[0].phase) == (2, "lift")
    assert of_type(effects, Finished)[0].reps_done == 3


def test_easier_and_harder_walk_the_ladder_and_say_so() -> None:
    effects = run_scenario({40_000: Command.EASIER, 90_000: Command.EASIER},
                           session=Session(one_block("slow-tempo", sets=1, reps=6), CATALOG)).events
    changes = of_type(effects, VariationChanged)
    assert [(c.previous, c.variation) for c in changes] == [("slow-tempo", "heel-taps")]
    assert "Switching to bent-knee heel taps." in says(effects)
    assert "This is already the easiest variation." in says(effects)
    finished = of_type(effects, Finished)[0]
    assert finished.reps_by_variation["heel-taps"] == 6
    harder = run_scenario({40_000: Command.HARDER},
                          session=Session(one_block(sets=1, reps=2), CATALOG)).events
    assert of_type(harder, VariationChanged)[0].variation == "t-arms"


def test_slower_stretches_later_phases_within_bounds() -> None:
    effects = run_scenario({30_000: Command.SLOWER},
                           session=Session(one_block(sets=1, reps=8), CATALOG)).events
    later = [p for p in of_type(effects, PhaseChanged) if p.at_ms > 40_000]
    lift = next(p for p in later if p.phase == "lift")
    top = next(p for p in later if p.at_ms > lift.at_ms)
    assert top.at_ms - lift.at_ms == 2400
    session = Session(one_block(sets=1, reps=3), CATALOG)
    session.start(0)
    for i in range(10):
        session.handle(Command.FASTER, 10 + i)
    assert session.status().tempo_scale == 0.5
    texts = says(session.handle(Command.FASTER, 100))
    assert texts == ["That is as fast as it goes."]


def test_how_many_repeat_help_and_skip_rest() -> None:
    routine = one_block(sets=2, reps=4)
    session = Session(routine, CATALOG)
    effects = run_scenario({50_000: Command.HOW_MANY}, session=session).events
    answer = next(s.text for s in of_type(effects, Say) if s.at_ms == 50_150)
    assert "left in this set" in answer and "one more set" in answer
    session = Session(routine, CATALOG)
    session.start(0)
    while session.state is not State.REST:
        session.advance(session.next_due_ms())
    rest_at = session.next_due_ms()
    effects = session.handle(Command.SKIP_REST, rest_at)
    assert session.state is State.READY
    assert any(isinstance(e, Hush) for e in effects)
    assert says(session.handle(Command.HELP, rest_at + 1))[0].startswith("You can say: next,")
    assert says(session.handle(Command.REPEAT, rest_at + 2))[0] == "Set two of two. Get ready."


def test_commands_not_active_in_the_state_are_refused() -> None:
    session = Session(one_block(), CATALOG)
    session.start(0)
    effects = session.handle(Command.RESUME, 5)
    assert of_type(effects, CommandHandled)[0].accepted is False
    assert not of_type(effects, Say)
    session.handle(Command.PAUSE, 10)
    assert Command.RESUME in session.active_commands()
    assert Command.NEXT not in session.active_commands()


def test_stop_ends_with_a_spoken_summary() -> None:
    effects = run_scenario({60_000: Command.STOP},
                           session=Session(one_block(sets=2, reps=4), CATALOG)).events
    finished = of_type(effects, Finished)[0]
    assert finished.reason is EndReason.STOPPED
    assert says(effects)[-1].startswith("Workout stopped.")
    summary = next(s for s in of_type(effects, Say) if s.kind == "summary")
    assert summary.at_ms == finished.at_ms + EARCON_MS  # like every reply: after the earcon


def test_next_ends_the_set_and_timed_sets_end_on_time() -> None:
    effects = run_scenario({45_000: Command.NEXT},
                           session=Session(one_block(sets=2, reps=10), CATALOG)).events
    first_set = of_type(effects, SetCompleted)[0]
    assert first_set.reps_done < first_set.reps_target
    timed = Routine("t", "", (Block("standard", sets=1, seconds=30),))
    effects = run_scenario(session=Session(timed, CATALOG)).events
    done = of_type(effects, SetCompleted)[0]
    lifts = [p for p in of_type(effects, PhaseChanged) if p.phase == "lift"]
    assert done.at_ms - lifts[0].at_ms >= 30_000
    assert done.reps_done == 5  # 7 s reps: the fifth ends at 35 s, past the 30 s mark


def test_interrupt_finishes_without_speech() -> None:
    session = Session(one_block(), CATALOG)
    session.start(0)
    session.advance(45_000)
    effects = session.interrupt(45_000)
    assert of_type(effects, Finished)[0].reason is EndReason.INTERRUPTED
    assert not of_type(effects, Say)


def test_warmup_and_cooldown_words_are_said() -> None:
    routine = Routine("cool", "", (Block("standard", sets=1, reps=2),),
                      warmup="Loosen your hips first.", cooldown="Stretch your hamstrings.")
    texts = says(run_scenario(session=Session(routine, CATALOG)).events)
    assert texts[0].endswith("Loosen your hips first.")
    assert texts[-2].startswith("Workout complete.") and texts[-1] == "Stretch your hamstrings."
    stopped = says(run_scenario({20_000: Command.STOP}, session=Session(routine, CATALOG)).events)
    assert "Stretch your hamstrings." not in stopped


def test_the_summary_names_one_rep_in_the_singular() -> None:
    assert phrases.summary(False, 0, {"hover leg lifts": 1, "bent-knee heel taps": 2}) == (
        "Workout stopped. Zero sets, three reps: one hover leg lift, two bent-knee heel taps.")
    assert phrases.summary(True, 1, {"hanging leg raises": 1}).endswith(
        "one hanging leg raise. Great work.")
