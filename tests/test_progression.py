"""Progression rules on synthetic histories (newest first) and on recorded sessions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.scenario import run_scenario
from voice_coach.app.session_history import plan_start
from voice_coach.core.catalog import load_catalog
from voice_coach.core.commands import Command
from voice_coach.core.engine import Session
from voice_coach.core.routine import BUILTIN_ROUTINES, Block, Routine
from voice_coach.history.progression import PastSession, Plan, VariationWork, plan_next
from voice_coach.history.recorder import SessionRecorder
from voice_coach.history.store import HistoryStore
from voice_coach.routines.library import FoundRoutine
from voice_coach.routines.source import RoutineSource

CATALOG = load_catalog()


def session(
    *work: tuple[str, bool], said_easier: bool = False, end: str = "finished", block: int = 0
) -> PastSession:
    return PastSession(
        work=tuple(VariationWork(variation, block, clean) for variation, clean in work),
        said_easier=said_easier,
        end_reason=end,
    )


def test_no_history_starts_at_the_routines_first_variation() -> None:
    assert plan_next([], CATALOG, "standard") == Plan("standard", None, None)
    assert plan_next([], CATALOG) == Plan("heel-taps", None, None)


def test_one_clean_session_continues_without_an_offer() -> None:
    assert plan_next([session(("t-arms", True))], CATALOG, "standard") == Plan("t-arms", None, None)


def test_two_clean_sessions_offer_the_next_rung() -> None:
    history = [session(("seated-elevated", True)), session(("seated-elevated", True))]
    assert plan_next(history, CATALOG, "standard") == Plan(
        "seated-elevated", "hover",
        "Last two sessions were clean. Say harder to try hover leg lifts.",
    )


def test_only_the_two_most_recent_sessions_count() -> None:
    history = [session(("hover", True)), session(("hover", False)), session(("hover", True))]
    assert plan_next(history, CATALOG).offer_harder is None


def test_clean_sessions_on_different_variations_do_not_offer() -> None:
    history = [session(("hover", True)), session(("t-arms", True))]
    assert plan_next(history, CATALOG) == Plan("hover", None, None)


def test_saying_easier_starts_on_the_easier_rung_you_ended_on() -> None:
    history = [
        session(("hover", False), ("t-arms", True), said_easier=True),
        session(("hover", True)),
    ]
    assert plan_next(history, CATALOG) == Plan(
        "t-arms", None, "Last time you said easier, so we start with T-arm leg lifts."
    )


def test_easier_then_harder_in_one_session_ends_on_the_harder_rung() -> None:
    history = [session(("hover", False), ("t-arms", True), ("hover", True), said_easier=True)]
    plan = plan_next(history, CATALOG)
    assert plan.start_variation == "hover" and plan.offer_harder is None


def test_easier_said_in_a_later_block_blocks_the_offer_but_not_the_start() -> None:
    later_block_easier = PastSession(
        work=(VariationWork("standard", 0, True), VariationWork("heel-taps", 1, True)),
        said_easier=True,
        end_reason="finished",
    )
    plan = plan_next([later_block_easier, session(("standard", True))], CATALOG, "heel-taps")
    assert plan.start_variation == "standard" and plan.offer_harder is None


def test_stopped_and_interrupted_sessions_continue_where_you_were_without_an_offer() -> None:
    for end in ("stopped", "interrupted"):
        history = [session(("hover", True), end=end), session(("hover", True))]
        assert plan_next(history, CATALOG) == Plan("hover", None, None)


def test_sessions_without_any_work_are_skipped() -> None:
    empty = session(end="stopped")
    history = [empty, session(("hover", True)), empty, session(("hover", True))]
    assert plan_next(history, CATALOG).offer_harder == "medicine-ball"
    assert plan_next([empty], CATALOG, "standard") == Plan("standard", None, None)


def test_a_variation_the_catalog_no_longer_has_is_skipped() -> None:
    history = [session(("moon-walk", True)), session(("hover", True))]
    assert plan_next(history, CATALOG).start_variation == "hover"


def test_the_top_of_the_ladder_offers_nothing() -> None:
    top = CATALOG.ids[-1]
    history = [session((top, True)), session((top, True))]
    assert plan_next(history, CATALOG) == Plan(top, None, None)


def test_plan_from_sessions_recorded_through_the_real_engine(tmp_path: Path) -> None:
    """Two clean runs of a one-block routine offer harder; a third with easier moves down."""
    routine = Routine("short", "one block", (Block("standard", sets=1, reps=3),))

    def run(store: HistoryStore, commands: dict[int, Command], start: str | None) -> None:
        recorder = SessionRecorder(store, routine.name, datetime.now(UTC))
        engine = Session(routine, CATALOG, start_variation=start)
        recorder.record_all(engine.start(0))
        now = 0
        while not engine.finished:
            now += 100
            if now in commands:
                recorder.record_all(engine.handle(commands[now], now), "voice")
            recorder.record_all(engine.advance(now))
        recorder.close()

    with HistoryStore(tmp_path / "h.sqlite3") as store:

        def plan() -> Plan:
            past = store.past_sessions(RoutineSource.named(routine.name))
            return plan_next(past, CATALOG, routine.blocks[0].variation)

        assert plan() == Plan("standard", None, None)
        run(store, {}, plan().start_variation)
        assert plan() == Plan("standard", None, None)
        run(store, {}, plan().start_variation)
        assert plan().offer_harder == "t-arms"
        run(store, {40_000: Command.EASIER}, plan().start_variation)
        assert plan() == Plan(
            "slow-tempo", None,
            "Last time you said easier, so we start with slow-tempo leg lifts.",
        )


BACK_HURT = "Last time your back hurt, so we start gently with bent-knee heel taps."


def test_back_pain_last_time_starts_at_the_gentlest_rung_without_an_offer() -> None:
    hurt = PastSession((VariationWork("hover", 0, True),), False, "finished", True)
    history = [hurt, session(("hover", True)), session(("hover", True))]
    assert plan_next(history, CATALOG, "standard") == Plan("heel-taps", None, BACK_HURT)
    # Only the previous session counts: one clean session later, you continue from there.
    later = [session(("heel-taps", True)), *history]
    assert plan_next(later, CATALOG, "standard") == Plan("heel-taps", None, None)


def record_clean(store: HistoryStore, routine: Routine, start: str | None = None) -> int:
    """One session of `routine` to its end through the real engine; returns its id."""
    recorder = SessionRecorder(store, routine.name, datetime.now(UTC))
    session = Session(routine, CATALOG, start_variation=start)
    recorder.record_all(run_scenario(session=session).events)
    recorder.close()
    return recorder.session_id


def test_back_pain_read_from_the_commands_table(tmp_path: Path) -> None:
    routine = Routine("short", "one block", (Block("standard", sets=1, reps=3),))
    source = RoutineSource.named(routine.name)
    with HistoryStore(tmp_path / "h.sqlite3") as store:

        def plan() -> Plan:
            return plan_next(store.past_sessions(source), CATALOG, "standard")

        record_clean(store, routine)
        hurt = record_clean(store, routine)
        assert plan().offer_harder == "t-arms"
        store.add_command(hurt, 20.0, "back_pain", False, "voice", "low confidence")
        assert plan().offer_harder == "t-arms"  # not accepted: nothing was reported
        store.add_command(hurt, 21.0, "back_pain", True, "voice")
        assert store.session(hurt).past_session().reported_back_pain
        assert plan() == Plan("heel-taps", None, BACK_HURT)
        record_clean(store, routine, plan().start_variation)
        # The session your back hurt in is not clean: one clean session since is not enough.
        assert plan() == Plan("heel-taps", None, None)
        record_clean(store, routine, plan().start_variation)
        assert plan().offer_harder == "slow-tempo"


def test_back_pain_in_any_routine_or_before_any_rep_starts_the_next_one_gently(
    tmp_path: Path,
) -> None:
    advanced = BUILTIN_ROUTINES["advanced"]
    found = FoundRoutine(advanced, RoutineSource.named("advanced"))
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        record_clean(store, advanced)
        record_clean(store, advanced)
        before = plan_start(store, found, CATALOG)
        assert before.routine.warmup.endswith("Say harder to try medicine ball leg lifts.")
        other = SessionRecorder(store, "beginner", datetime.now(UTC))
        other.record_command("back_pain", True, "keyboard", 2.0)  # in the intro, then stopped
        other.close("stopped")
        plan = plan_start(store, found, CATALOG)
    assert plan.start_variation == "heel-taps"
    assert plan.routine.warmup == BACK_HURT  # and no offer to go harder
