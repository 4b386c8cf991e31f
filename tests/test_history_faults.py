"""A history database that is garbage, truncated or locked costs one line, never a traceback:
`history` exits 2 naming the file; a `run` goes on and says once that history is off."""

from __future__ import annotations

import io
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.scenario import run_scenario
from voice_coach import cli
from voice_coach.app.session_history import RunHistory
from voice_coach.core.catalog import load_catalog
from voice_coach.core.effects import CommandHandled
from voice_coach.core.engine import Session
from voice_coach.core.routine import BUILTIN_ROUTINES
from voice_coach.history.recorder import SessionRecorder
from voice_coach.history.store import HistoryStore
from voice_coach.routines.library import FoundRoutine
from voice_coach.routines.source import RoutineSource
from voice_coach.speech import synth
from voice_coach.speech.base import TtsUnavailable

NO_DEVICES = ["--output-device", "no-such-device", "--recognizer", "off", "--keyboard"]
CATALOG = load_catalog()
BEGINNER = FoundRoutine(BUILTIN_ROUTINES["beginner"], RoutineSource.named("beginner"))


@pytest.fixture
def db_path(private_dirs: Path) -> Path:
    path = private_dirs / "data" / "history.sqlite3"
    path.parent.mkdir(parents=True)
    return path


def write_real_history(path: Path, sessions: int = 6) -> None:
    with HistoryStore(path) as store:
        for _ in range(sessions):
            recorder = SessionRecorder(store, "standard", datetime.now(UTC))
            session = Session(BUILTIN_ROUTINES["standard"], CATALOG)
            recorder.record_all(run_scenario(session=session).events)
            recorder.close()


def garbage(path: Path) -> None:
    path.write_bytes(b"garbage" * 1000)


def zero_filled(path: Path) -> None:
    path.write_bytes(bytes(16384))


def sqlite_like_header(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8176)


def truncated(path: Path) -> None:
    write_real_history(path)  # closing the last connection folds the WAL into the file
    whole = path.read_bytes()
    assert len(whole) > 8192
    path.write_bytes(whole[: len(whole) // 2])


BROKEN = [garbage, zero_filled, sqlite_like_header, truncated]


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "history database" in line]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("spoil", BROKEN, ids=lambda f: f.__name__)
def test_history_command_on_a_broken_file_exits_2_naming_it(
    spoil, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spoil(db_path)
    assert cli.main(["history"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    line = one_line(err)
    assert str(db_path) in line and "move it aside" in line


@pytest.mark.parametrize("spoil", BROKEN, ids=lambda f: f.__name__)
def test_a_run_with_a_broken_file_plans_nothing_records_nothing_and_says_so_once(
    spoil, db_path: Path
) -> None:
    spoil(db_path)
    before = db_path.read_bytes()
    err = io.StringIO()
    history = RunHistory(err=err)
    assert history.last_routine() is None
    plan = history.plan(BEGINNER, CATALOG)
    assert plan.routine is BEGINNER.routine and plan.start_variation is None
    history.begin("beginner", BEGINNER.source)
    history(CommandHandled(100, "pause", True, ""))
    history.close()
    line = one_line(err.getvalue())
    assert str(db_path) in line and line.endswith("; history is off for this run")
    assert db_path.read_bytes() == before  # the person's file is left as it was


@pytest.fixture
def exclusive_holder(db_path: Path) -> Iterator[sqlite3.Connection]:
    """Another program holding the database in exclusive locking mode: no one else may read."""
    write_real_history(db_path, sessions=1)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("PRAGMA locking_mode=EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("UPDATE sessions SET duration_s = duration_s")
    yield other
    other.close()


def test_history_command_on_a_locked_database_exits_2_naming_it(
    exclusive_holder: sqlite3.Connection, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["history"]) == 2
    line = one_line(capsys.readouterr().err)
    assert str(db_path) in line and "database is locked" in line
    assert "another program holds it locked" in line


def test_a_run_with_a_locked_database_still_runs_and_says_history_is_off(
    exclusive_holder: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    def no_tts(*args: object, **kw: object) -> None:
        raise TtsUnavailable("no speech engine in this test")

    monkeypatch.setattr(synth.Pyttsx3Synth, "__init__", no_tts)
    monkeypatch.setattr(sys, "stdin", io.StringIO("stop\n"))
    assert cli.main(["run", *NO_DEVICES, "--routine", "beginner"]) == 0
    captured = capsys.readouterr()
    assert one_line(captured.err).endswith("; history is off for this run")
    assert "stopped: 0 sets, 0 reps" in captured.out


def test_a_database_readable_but_locked_for_writing_turns_history_off_at_the_first_write(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another program in a write transaction: history can still be read, a run cannot write."""
    write_real_history(db_path, sessions=1)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        assert cli.main(["history"]) == 0
        assert "standard" in capsys.readouterr().out
        err = io.StringIO()
        history = RunHistory(err=err)
        assert history.last_routine() == RoutineSource.named("standard")
        history.begin("beginner", BEGINNER.source)
        history(CommandHandled(100, "pause", True, ""))
        history.close()
    finally:
        other.close()
    line = one_line(err.getvalue())
    assert line.startswith(f"voice-coach: cannot write the history database {db_path}")
    with HistoryStore(db_path) as store:
        assert len(store.sessions()) == 1  # nothing half-written


def test_a_failure_mid_run_is_said_once_and_the_rest_is_not_recorded(db_path: Path) -> None:
    err = io.StringIO()
    history = RunHistory(err=err)
    history.begin("beginner", BEGINNER.source)
    history(CommandHandled(100, "pause", True, ""))
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        for at_ms in (200, 300, 400):
            history(CommandHandled(at_ms, "resume", True, ""))
        history.close()
    finally:
        other.close()
    assert one_line(err.getvalue()).endswith("database is locked; another program holds it "
                                             "locked; close that program or try again; history "
                                             "is off for this run")
    with HistoryStore(db_path) as store:
        (session,) = store.sessions()
    assert [c.command for c in session.commands] == ["pause"]  # what came before is kept
