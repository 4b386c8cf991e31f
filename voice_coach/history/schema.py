"""The history database's tables and how each older version is brought up to date.

`prepare` opens the way for the queries: it refuses a database newer than this code, turns on WAL
journaling and foreign keys, and runs the migrations a database still lacks, in one transaction.
The lists of allowed values in the tables' `CHECK`s come from the enums that define them
(`EndReason`, `RoutineKind`). SQLite cannot change a `CHECK` in place, so adding a value to one
of those enums needs a migration that rebuilds its table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from voice_coach.core.effects import EndReason
from voice_coach.routines.source import RoutineKind

SCHEMA_VERSION = 2
END_REASONS = tuple(reason.value for reason in EndReason)
ROUTINE_KINDS = tuple(kind.value for kind in RoutineKind)


def sql_list(values: Iterable[str]) -> str:
    """`values` as the inside of an SQL `IN (...)`: 'a', 'b'."""
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


# Version 1: the tables as first shipped. Each later version is one migration below; a new file
# is made by the same steps, so a fresh database and a migrated one cannot differ.
_SCHEMA_V1 = f"""
CREATE TABLE IF NOT EXISTS sessions (
    id          INTEGER PRIMARY KEY,
    routine     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    end_reason  TEXT CHECK (end_reason IN ({sql_list(END_REASONS)})),
    duration_s  REAL
);
CREATE TABLE IF NOT EXISTS sets (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES sessions(id),
    block        INTEGER NOT NULL,
    set_number   INTEGER NOT NULL,
    variation    TEXT NOT NULL,
    reps_done    INTEGER NOT NULL,
    reps_target  INTEGER,
    tempo_scale  REAL,
    at_s         REAL NOT NULL,
    completed    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS commands (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions(id),
    at_s        REAL NOT NULL,
    command     TEXT NOT NULL,
    accepted    INTEGER NOT NULL,
    source      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS variation_changes (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions(id),
    at_s            REAL NOT NULL,
    from_variation  TEXT NOT NULL,
    to_variation    TEXT NOT NULL,
    reason          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sets_by_session ON sets(session_id);
CREATE INDEX IF NOT EXISTS commands_by_session ON commands(session_id);
CREATE INDEX IF NOT EXISTS changes_by_session ON variation_changes(session_id);
CREATE INDEX IF NOT EXISTS sessions_by_routine ON sessions(routine);
"""

# Version 2: how each session's routine was asked for (by name, or by its file's resolved path),
# so a bare `run` can find it again. Version 1 kept only the routine's name, so its sessions
# read as named ones.
_TO_V2 = f"""
ALTER TABLE sessions ADD COLUMN routine_kind TEXT NOT NULL DEFAULT 'named'
    CHECK (routine_kind IN ({sql_list(ROUTINE_KINDS)}));
ALTER TABLE sessions ADD COLUMN routine_key TEXT NOT NULL DEFAULT '';
UPDATE sessions SET routine_key = routine;
CREATE INDEX IF NOT EXISTS sessions_by_source ON sessions(routine_kind, routine_key);
"""

MIGRATIONS = {1: _SCHEMA_V1, 2: _TO_V2}  # version -> the statements that reach it


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def prepare(db: sqlite3.Connection) -> None:
    """Make `db` (autocommit) ready for the queries; `sqlite3.Error` when it cannot be."""
    version = schema_version(db)
    if version > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(
            f"it has schema version {version}, newer than this voice-coach knows "
            f"({SCHEMA_VERSION})"
        )
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives a process crash; only a power cut can lose the last commits.
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    if version < SCHEMA_VERSION:
        migrate(db, version)


def migrate(db: sqlite3.Connection, version: int) -> None:
    """Bring a version `version` database up to SCHEMA_VERSION in one transaction, so a crash
    part-way leaves it as it was."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # executescript() would commit the open transaction first; one at a time.
            for statement in MIGRATIONS[target].split(";"):
                if statement.strip():
                    db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
