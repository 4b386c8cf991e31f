"""A bare `voice-coach run` continues the last routine, named or run from its file, or says why not.

Past sessions are recorded by the real engine on a fake clock (fast); the bare `run` is the real
command, with no speaker and no speech engine, so what the coach would say is printed.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.scenario import run_scenario
from voice_coach import cli
from voice_coach.core.catalog import load_catalog
from voice_coach.core.commands import Command
from voice_coach.core.effects import EndReason
from voice_coach.core.engine import Session
from voice_coach.history.recorder import SessionRecorder
from voice_coach.history.store import HistoryStore
from voice_coach.routines.library import find_again, routines_dir
from voice_coach.routines.source import RoutineKind, RoutineSource
from voice_coach.speech import synth
from voice_coach.speech.base import TtsUnavailable

NO_DEVICES = ["--output-device", "no-such-device", "--recognizer", "off", "--keyboard"]
TINY = """name = "tiny"
description = "one block"

[[block]]
variation = "standard"
sets = 1
reps = 3
"""
CATALOG = load_catalog()
OFFER = "Last two sessions were clean. Say harder to try T-arm leg lifts."


@pytest.fixture(autouse=True)
def quiet_coach(private_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No speech engine, so every cue is printed; private data and config folders."""

    def no_tts(*args: object, **kw: object) -> None:
        raise TtsUnavailable("no speech engine in this test")

    monkeypatch.setattr(synth.Pyttsx3Synth, "__init__", no_tts)
    return private_dirs


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """`voice-coach run ARGS` stopped at once; returns what it wrote to stderr."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("stop\n"))
    assert cli.main(["run", *NO_DEVICES, *args]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def record(source: RoutineSource, commands: dict[int, Command] | None = None) -> None:
    """One session of `source`'s routine, to its end, as `run` would record it."""
    routine = find_again(source, CATALOG)
    with HistoryStore() as store:
        recorder = SessionRecorder(store, routine.name, datetime.now(UTC), source)
        recorder.record_all(run_scenario(commands,
                                         session=Session(routine, CATALOG)).events, "voice")
        recorder.close()


def last_session_source() -> RoutineSource:
    with HistoryStore() as store:
        return store.sessions(limit=1)[0].source


def tiny_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_a_file_routine_is_continued_with_the_same_offer_as_a_named_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tiny_file(tmp_path / "elsewhere")
    monkeypatch.chdir(path.parent)
    run(monkeypatch, capsys, "tiny.toml")  # a relative path is kept resolved
    by_path = last_session_source()
    assert by_path == RoutineSource(RoutineKind.FILE, str(path.resolve()))
    assert "Today's routine: tiny" in run(monkeypatch, capsys)
    assert last_session_source() == by_path
    record(by_path)
    record(by_path)
    assert OFFER in run(monkeypatch, capsys)

    tiny_file(routines_dir())  # the same steps by name give the same offer
    named = RoutineSource.named("tiny")
    record(named)
    record(named)
    err = run(monkeypatch, capsys)
    assert "Today's routine: tiny" in err and OFFER in err
    assert last_session_source() == named
    with HistoryStore() as store:  # each has its own history
        assert len(store.sessions(source=named)) == 3
        assert len(store.sessions(source=by_path)) == 5


def test_easier_in_a_file_routine_starts_the_next_run_one_rung_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tiny_file(tmp_path)
    record(RoutineSource.file(path), {40_000: Command.EASIER})
    err = run(monkeypatch, capsys)
    assert "Last time you said easier, so we start with slow-tempo leg lifts." in err


def test_a_moved_file_is_said_in_one_line_and_beginner_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tiny_file(tmp_path)
    record(RoutineSource.file(path))
    shutil.move(path, tmp_path / "moved.toml")
    err = run(monkeypatch, capsys)
    assert f"voice-coach: last routine {path} is gone; starting beginner\n" in err
    assert "Today's routine: beginner" in err
    assert last_session_source() == RoutineSource.named("beginner")


def test_a_file_that_no_longer_validates_is_said_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tiny_file(tmp_path)
    record(RoutineSource.file(path))
    path.write_text(TINY.replace("sets = 1", "sets = 0"), encoding="utf-8")
    err = run(monkeypatch, capsys)
    (notice,) = [line for line in err.splitlines() if "last routine" in line]
    assert notice.startswith(f"voice-coach: last routine {path} no longer loads ({path}:6: ")
    assert "blocks[1].sets" in notice and notice.endswith("); starting beginner")
    assert "Today's routine: beginner" in err


def test_a_deleted_named_routine_is_said_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tiny_file(routines_dir())
    record(RoutineSource.named("tiny"))
    path.unlink()
    err = run(monkeypatch, capsys)
    assert "voice-coach: last routine 'tiny' is gone; starting beginner\n" in err


def test_history_shows_whether_a_routine_was_named_or_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tiny_file(tmp_path)
    record(RoutineSource.file(path))
    record(RoutineSource.named("standard"))
    assert cli.main(["history"]) == 0
    header, newest, oldest = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["date", "routine", "from"]
    assert newest.split()[2:4] == ["standard", "named"]
    assert oldest.split()[2:5] == ["tiny", "file", str(path)]
    assert cli.main(["history", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [(r["routine"], r["routine_kind"], r["routine_path"]) for r in records] == [
        ("standard", "named", None),
        ("tiny", "file", str(path)),
    ]


# The schema as version 1 shipped it: what existing users' databases hold.
SCHEMA_V1 = """
CREATE TABLE sessions (id INTEGER PRIMARY KEY, routine TEXT NOT NULL, started_at TEXT NOT NULL,
    ended_at TEXT, end_reason TEXT CHECK (end_reason IN ('finished', 'stopped', 'interrupted')),
    duration_s REAL);
CREATE TABLE sets (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
    block INTEGER NOT NULL, set_number INTEGER NOT NULL, variation TEXT NOT NULL,
    reps_done INTEGER NOT NULL, reps_target INTEGER, tempo_scale REAL, at_s REAL NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE commands (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
    at_s REAL NOT NULL, command TEXT NOT NULL, accepted INTEGER NOT NULL, source TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '');
CREATE TABLE variation_changes (id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id), at_s REAL NOT NULL,
    from_variation TEXT NOT NULL, to_variation TEXT NOT NULL, reason TEXT NOT NULL);
CREATE INDEX sets_by_session ON sets(session_id);
CREATE INDEX commands_by_session ON commands(session_id);
CREATE INDEX changes_by_session ON variation_changes(session_id);
CREATE INDEX sessions_by_routine ON sessions(routine);
PRAGMA user_version = 1;
"""


def test_a_version_1_database_is_migrated_and_its_sessions_continue(
    private_dirs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path = private_dirs / "data" / "history.sqlite3"
    db_path.parent.mkdir(parents=True)
    db = sqlite3.connect(db_path)
    db.executescript(SCHEMA_V1)
    for day in (1, 2):
        db.execute(
            "INSERT INTO sessions (routine, started_at, ended_at, end_reason, duration_s)"
            " VALUES ('standard', ?, ?, 'finished', 300)",
            (f"2024-05-0{day}T18:00:00.000+00:00", f"2024-05-0{day}T18:05:00.000+00:00"),
        )
        (session_id,) = db.execute("SELECT max(id) FROM sessions").fetchone()
        db.execute(
            "INSERT INTO sets (session_id, block, set_number, variation, reps_done, reps_target,"
            " tempo_scale, at_s, completed) VALUES (?, 0, 1, 'standard', 10, 10, 1.0, 60, 1)",
            (session_id,),
        )
    db.commit()
    db.close()

    with HistoryStore() as store:
        assert store.schema_version == 2
        assert store.last_routine() == RoutineSource.named("standard")
        old = store.sessions()
        assert [(s.routine, s.source, s.reps_done, s.ended_as) for s in old] == [
            ("standard", RoutineSource.named("standard"), 10, "finished")
        ] * 2
    # Two clean v1 sessions of standard: the bare run continues it with the offer.
    err = run(monkeypatch, capsys)
    assert "Today's routine: standard" in err and OFFER in err
    with HistoryStore() as store:
        assert len(store.sessions()) == 3
    db = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.IntegrityError):  # v1's end-reason rule still holds
        db.execute("UPDATE sessions SET end_reason = 'exploded' WHERE id = 1")
    # ... and takes every end reason the code has: a new one needs a migration to rebuild it.
    for reason in EndReason:
        db.execute("UPDATE sessions SET end_reason = ? WHERE id = 1", (reason.value,))
    db.close()
