"""History: a real Session on a fake clock recorded through SessionRecorder, read back; crashes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.scenario import ScenarioDriver
from voice_coach import cli
from voice_coach.core.catalog import load_catalog
from voice_coach.core.commands import Command
from voice_coach.core.effects import Finished, SetCompleted, State
from voice_coach.core.engine import Session
from voice_coach.core.routine import BUILTIN_ROUTINES
from voice_coach.history.recorder import SessionRecorder
from voice_coach.history.store import HistoryError, HistoryStore
from voice_coach.history.views import SessionSummary
from voice_coach.routines.source import RoutineSource

STEP_MS = 100
STARTED = datetime(2024, 5, 1, 18, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("VOICE_COACH_DATA_DIR", str(folder))
    return folder


def drive(session: Session, recorder: SessionRecorder) -> ScenarioDriver:
    """The session on a fake clock, every effect handed to the recorder as the app would."""
    return ScenarioDriver(session, recorder.record_all, STEP_MS)


def in_set(rep: int, phase: str = "top", variation: str | None = None) -> Callable[[Session], bool]:
    def condition(session: Session) -> bool:
        status = session.status()
        return (
            status.state is State.SET
            and status.rep == rep
            and status.phase == phase
            and (variation is None or session.catalog.get(variation).name == status.variation)
        )

    return condition


def recorded(store: HistoryStore) -> SessionSummary:
    (summary,) = store.sessions()
    return summary


def test_a_finished_session_reads_back_whole(tmp_path: Path) -> None:
    routine = BUILTIN_ROUTINES["beginner"]
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        recorder = SessionRecorder(store, "beginner", STARTED)
        driver = drive(Session(routine, load_catalog()), recorder)
        driver.to_end()
        recorder.close("finished")  # a no-op: the Finished effect already ended it
        summary = recorded(store)

    finished = next(e for e in driver.effects if isinstance(e, Finished))
    completed = [e for e in driver.effects if isinstance(e, SetCompleted)]
    assert summary.routine == "beginner"
    assert summary.end_reason == summary.ended_as == "finished"
    assert summary.started_at == STARTED
    assert summary.duration_s == finished.at_ms / 1000
    assert summary.ended_at == STARTED + timedelta(milliseconds=finished.at_ms)
    assert summary.sets_done == routine.total_sets == finished.sets_done
    assert summary.reps_done == finished.reps_done
    assert summary.variations == ("heel-taps", "standard")
    assert [
        (s.block, s.set_number, s.variation, s.reps_done, s.reps_target) for s in summary.sets
    ] == [(e.block, e.set_number, e.variation, e.reps_done, e.reps_target) for e in completed]
    assert all(s.completed and s.clean for s in summary.sets)
    assert summary.commands == () and not summary.said_easier


def test_easier_mid_set_then_stop_mid_set(tmp_path: Path) -> None:
    """standard: easier during rep 3 of set 1, then stop during rep 4 of the easier set."""
    routine = BUILTIN_ROUTINES["standard"]
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        driver = drive(
            Session(routine, load_catalog()), SessionRecorder(store, "standard", STARTED)
        )
        driver.until(in_set(3, "lower"))
        driver.say(Command.EASIER)
        driver.until(in_set(2, "lift", "slow-tempo"))
        driver.say(Command.PAUSE, source="keyboard")
        driver.until(lambda s: s.next_due_ms() is None)  # paused: nothing scheduled
        driver.say(Command.RESUME, source="keyboard")
        driver.until(in_set(4, "top", "slow-tempo"))
        driver.say(Command.STOP)
        summary = recorded(store)

    finished = next(e for e in driver.effects if isinstance(e, Finished))
    assert summary.end_reason == "stopped"
    assert summary.duration_s == finished.at_ms / 1000
    # The switch cut the standard set short at two reps; three slow-tempo reps were done at stop.
    assert [
        (s.variation, s.set_number, s.reps_done, s.reps_target, s.completed) for s in summary.sets
    ] == [
        ("standard", 1, 2, 10, True),
        ("slow-tempo", 1, 3, None, False),
    ]
    assert summary.reps_done == finished.reps_done == sum(finished.reps_by_variation.values())
    assert summary.sets_done == 1 and not summary.sets[0].clean
    assert summary.variations == ("standard", "slow-tempo")
    assert summary.said_easier
    assert [(c.from_variation, c.to_variation, c.reason) for c in summary.variation_changes] == [
        ("standard", "slow-tempo", "easier")
    ]
    assert [(c.command, c.accepted, c.source) for c in summary.commands] == [
        ("easier", True, "voice"),
        ("pause", True, "keyboard"),
        ("resume", True, "keyboard"),
        ("stop", True, "voice"),
    ]
    past = summary.past_session()
    assert past.end_reason == "stopped" and past.said_easier
    assert [(w.variation, w.block, w.clean) for w in past.work] == [
        ("standard", 0, False),
        ("slow-tempo", 0, False),
    ]


def test_rejected_and_app_level_commands_are_kept(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        recorder = SessionRecorder(store, "beginner", STARTED)
        driver = drive(Session(BUILTIN_ROUTINES["beginner"], load_catalog()), recorder)
        driver.say(Command.SKIP_REST)  # not available during the intro
        recorder.record_command("harder", False, "voice", 1.5, "low confidence")
        recorder.close()
        summary = recorded(store)
    assert [(c.command, c.accepted, c.source, c.note) for c in summary.commands] == [
        ("skip_rest", False, "voice", "not available (intro)"),
        ("harder", False, "voice", "low confidence"),
    ]
    assert summary.end_reason is None and summary.ended_as == "interrupted"
    assert summary.duration_s == 1.5


def test_interrupt_records_an_interrupted_end(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        recorder = SessionRecorder(store, "beginner", STARTED)
        driver = drive(Session(BUILTIN_ROUTINES["beginner"], load_catalog()), recorder)
        driver.until(in_set(5, "bottom"))
        driver.interrupt()
        recorder.close("interrupted")
        summary = recorded(store)
    assert summary.end_reason == "interrupted"
    assert summary.reps_done == 4
    assert summary.duration_s == driver.now / 1000


def test_close_with_a_reason_ends_a_session_the_engine_did_not(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        recorder = SessionRecorder(store, "beginner", STARTED)
        recorder.record_command("stop", True, "keyboard", 12.0)
        recorder.close("stopped")
        recorder.close("finished")  # safe to repeat: the first end stands
        recorder.record_command("next", True, "keyboard", 13.0)  # ignored once closed
        summary = recorded(store)
    assert (summary.end_reason, summary.duration_s, len(summary.commands)) == ("stopped", 12.0, 1)


def test_store_defaults_to_the_data_dir_and_uses_wal(data_dir: Path) -> None:
    with HistoryStore() as store:
        assert store.path == data_dir / "history.sqlite3"
        assert store.schema_version == 2
    db = sqlite3.connect(data_dir / "history.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "sets", "commands", "variation_changes"} <= tables
    db.close()


def test_a_newer_schema_or_a_broken_file_is_one_line(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    db = sqlite3.connect(newer)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(HistoryError, match="schema version 99") as caught:
        HistoryStore(newer)
    assert "\n" not in str(caught.value)
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match="cannot open the history database"):
        HistoryStore(broken)


def test_sessions_filters_by_routine_newest_first(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        for index, name in enumerate(["a", "b", "a"]):
            SessionRecorder(store, name, STARTED + timedelta(days=index)).close("finished")
        assert [s.started_at.day for s in store.sessions(source=RoutineSource.named("a"))] == [
            3,
            1,
        ]
        assert [s.routine for s in store.sessions(limit=2)] == ["a", "b"]
        assert store.last_routine() == RoutineSource.named("a")


def test_history_command_table_and_json(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with HistoryStore() as store:
        driver = drive(
            Session(BUILTIN_ROUTINES["beginner"], load_catalog()),
            SessionRecorder(store, "beginner", STARTED),
        )
        driver.to_end()
        crashed = SessionRecorder(store, "advanced", STARTED + timedelta(days=1))
        crashed.record_command("pause", True, "voice", 30.0)
    assert cli.main(["history"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split() == [
        "date",
        "routine",
        "from",
        "duration",
        "sets",
        "reps",
        "ended",
        "variations",
    ]
    assert lines[1].split()[2:] == ["advanced", "named", "0:30", "0", "0", "interrupted", "-"]
    finished = next(e for e in driver.effects if isinstance(e, Finished))
    minutes, seconds = divmod(round(finished.at_ms / 1000), 60)
    assert lines[2].split()[2:8] == [
        "beginner",
        "named",
        f"{minutes}:{seconds:02d}",
        "4",
        "28",
        "finished",
    ]
    assert lines[2].endswith("heel-taps, standard")

    assert cli.main(["history", "--json", "--limit", "1"]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert record["routine"] == "advanced" and record["ended"] == "interrupted"
    assert record["routine_kind"] == "named" and record["routine_path"] is None
    assert record["ended_at"] is None and record["duration_s"] == 30.0


def test_history_command_with_nothing_recorded_and_with_a_broken_file(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["history"]) == 0
    assert capsys.readouterr().out.startswith("no sessions yet")
    (data_dir / "history.sqlite3").unlink()
    for suffix in ("-wal", "-shm"):
        (data_dir / f"history.sqlite3{suffix}").unlink(missing_ok=True)
    (data_dir / "history.sqlite3").write_bytes(b"garbage" * 1000)
    assert cli.main(["history"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


CRASHING_CHILD = textwrap.dedent(
    """
    import json, os, signal, sys
    from datetime import datetime, timezone
    from voice_coach.core.catalog import load_catalog
    from voice_coach.core.engine import Session
    from voice_coach.core.effects import SetCompleted, State
    from voice_coach.core.routine import BUILTIN_ROUTINES
    from voice_coach.history.recorder import SessionRecorder
    from voice_coach.history.store import HistoryStore

    store = HistoryStore()
    recorder = SessionRecorder(store, "standard", datetime.now(timezone.utc))
    session = Session(BUILTIN_ROUTINES["standard"], load_catalog())
    completed = []
    now = 0
    effects = session.start(0)
    while True:
        recorder.record_all(effects)
        completed += [e.reps_done for e in effects if isinstance(e, SetCompleted)]
        status = session.status()
        if status.state is State.SET and status.set_number == 2 and status.rep == 7 \\
                and status.phase == "lower":
            break
        now += 100
        effects = session.advance(now)
    print(json.dumps({"completed_sets": completed, "reps_in_set": status.rep - 1}), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_sigkill_mid_set_keeps_every_completed_rep(data_dir: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CRASHING_CHILD],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "VOICE_COACH_DATA_DIR": str(data_dir)},
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    expected = json.loads(child.stdout)
    assert expected == {"completed_sets": [10], "reps_in_set": 6}
    with HistoryStore() as store:
        summary = recorded(store)
    assert summary.end_reason is None and summary.ended_as == "interrupted"
    assert [(s.set_number, s.reps_done, s.completed) for s in summary.sets] == [
        (1, 10, True),
        (2, 6, False),
    ]
    assert summary.reps_done == 16
    assert summary.duration_s > 0
