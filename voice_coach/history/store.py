"""The session history database (SQLite): what was done in each workout, written as it happens.

The connection runs in autocommit mode with WAL journaling, so every write is committed at once:
a crash, Ctrl-C or SIGKILL loses at most the rep in progress. Times `at_s` are seconds on the
session clock (0 = session start); `started_at`/`ended_at` are ISO 8601 wall-clock times in UTC.
Blocks are numbered from 0, as the engine numbers them.

A set gets its row when its first rep is complete (`completed = 0`, `reps_target` NULL), the row's
`reps_done` follows each completed rep, and the set's end (`SetCompleted`) fills in the target and
sets `completed = 1`. A row left with `completed = 0` is a set cut short by stop or a crash.
A session whose `end_reason` is NULL either is running or died without a word; it reads as
"interrupted".
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import platformdirs

from voice_coach.history.progression import PastSession, VariationWork
from voice_coach.routines.source import RoutineKind, RoutineSource

DATA_DIR_ENV = "VOICE_COACH_DATA_DIR"
DB_NAME = "history.sqlite3"
SCHEMA_VERSION = 2
END_REASONS = ("finished", "stopped", "interrupted")
BACK_PAIN = "back_pain"  # the value of Command.BACK_PAIN, as the commands table holds it

# Version 1: the tables as first shipped. Each later version is one migration below; a new file
# is made by the same steps, so a fresh database and a migrated one cannot differ.
_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS sessions (
    id          INTEGER PRIMARY KEY,
    routine     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    end_reason  TEXT CHECK (end_reason IN ('finished', 'stopped', 'interrupted')),
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
_TO_V2 = """
ALTER TABLE sessions ADD COLUMN routine_kind TEXT NOT NULL DEFAULT 'named'
    CHECK (routine_kind IN ('named', 'file'));
ALTER TABLE sessions ADD COLUMN routine_key TEXT NOT NULL DEFAULT '';
UPDATE sessions SET routine_key = routine;
CREATE INDEX IF NOT EXISTS sessions_by_source ON sessions(routine_kind, routine_key);
"""

_MIGRATIONS = {1: _SCHEMA_V1, 2: _TO_V2}  # version -> the statements that reach it


_SESSION_COLUMNS = (
    "id, routine, routine_kind, routine_key, started_at, ended_at, end_reason, duration_s"
)


class HistoryError(Exception):
    """The history database cannot be opened or read; `str()` is one line saying why."""


@dataclass(frozen=True)
class SetRecord:
    block: int
    set_number: int
    variation: str
    reps_done: int
    reps_target: int | None
    tempo_scale: float | None
    at_s: float
    completed: bool

    @property
    def clean(self) -> bool:
        """Every planned rep of this set was done."""
        return (
            self.completed and self.reps_target is not None and (self.reps_done >= self.reps_target)
        )


@dataclass(frozen=True)
class CommandRecord:
    at_s: float
    command: str
    accepted: bool
    source: str
    note: str


@dataclass(frozen=True)
class VariationChangeRecord:
    at_s: float
    from_variation: str
    to_variation: str
    reason: str


@dataclass(frozen=True)
class SessionSummary:
    """One past session as `history` shows it and progression reads it."""

    id: int
    routine: str  # the routine's name
    source: RoutineSource  # how it was asked for: by name, or from its file
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None  # None: running, or the process died (shown as "interrupted")
    duration_s: float
    sets: tuple[SetRecord, ...]
    commands: tuple[CommandRecord, ...]
    variation_changes: tuple[VariationChangeRecord, ...]

    @property
    def ended_as(self) -> str:
        """How the session ended, for people: finished, stopped or interrupted."""
        return self.end_reason or "interrupted"

    @property
    def sets_done(self) -> int:
        return sum(1 for s in self.sets if s.completed)

    @property
    def reps_done(self) -> int:
        return sum(s.reps_done for s in self.sets)

    @property
    def variations(self) -> tuple[str, ...]:
        """The variations worked (at least one rep), in the order first worked."""
        return tuple(dict.fromkeys(s.variation for s in self.sets if s.reps_done))

    @property
    def reported_back_pain(self) -> bool:
        return any(c.command == BACK_PAIN and c.accepted for c in self.commands)

    @property
    def said_easier(self) -> bool:
        spoken = any(c.command == "easier" and c.accepted for c in self.commands)
        return spoken or any(c.reason == "easier" for c in self.variation_changes)

    def past_session(self) -> PastSession:
        """This session as the plain data `progression.plan_next` reads."""
        work: dict[tuple[int, str], bool] = {}
        for record in self.sets:
            key = (record.block, record.variation)
            work[key] = work.get(key, True) and record.clean
        return PastSession(
            work=tuple(VariationWork(v, block, clean) for (block, v), clean in work.items()),
            said_easier=self.said_easier,
            end_reason=self.ended_as,
            reported_back_pain=self.reported_back_pain,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "routine": self.routine,
            "routine_kind": str(self.source.kind),
            "routine_path": str(self.source.path) if self.source.path else None,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "ended": self.ended_as,
            "duration_s": round(self.duration_s, 1),
            "sets": self.sets_done,
            "reps": self.reps_done,
            "variations": list(self.variations),
            "said_easier": self.said_easier,
            "reported_back_pain": self.reported_back_pain,
        }


def data_dir() -> Path:
    """The user's voice-coach data folder (`VOICE_COACH_DATA_DIR` overrides it)."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir("voice-coach"))


def default_db_path() -> Path:
    return data_dir() / DB_NAME


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class HistoryStore:
    """Reads and writes the history database; use it from one thread (the app's main thread)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._prepare()
        except (sqlite3.Error, OSError) as error:
            raise HistoryError(
                f"cannot open the history database {self.path}: {error}; "
                f"move it aside or set {DATA_DIR_ENV} to another folder"
            ) from None

    def _prepare(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"it has schema version {version}, newer than this voice-coach knows "
                f"({SCHEMA_VERSION})"
            )
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a process crash; only a power cut can lose the last commits.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        if version < SCHEMA_VERSION:
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        """Bring a version `version` database up to SCHEMA_VERSION in one transaction, so a
        crash part-way leaves it as it was."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for target in range(version + 1, SCHEMA_VERSION + 1):
                # executescript() would commit the open transaction first; one at a time.
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # ----- writing -------------------------------------------------------------------

    def begin_session(self, routine: str, source: RoutineSource, started_at: datetime) -> int:
        """A new session of the routine named `routine`, asked for as `source`."""
        cursor = self._db.execute(
            "INSERT INTO sessions (routine, routine_kind, routine_key, started_at)"
            " VALUES (?, ?, ?, ?)",
            (routine, str(source.kind), source.key, _iso(started_at)),
        )
        return int(cursor.lastrowid)

    def end_session(self, session_id: int, reason: str, duration_s: float) -> None:
        if reason not in END_REASONS:
            raise ValueError(f"end reason must be one of {END_REASONS}, not {reason!r}")
        (started,) = self._db.execute(
            "SELECT started_at FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        ended_at = datetime.fromisoformat(started) + timedelta(seconds=duration_s)
        self._db.execute(
            "UPDATE sessions SET end_reason = ?, ended_at = ?, duration_s = ? WHERE id = ?",
            (reason, _iso(ended_at), duration_s, session_id),
        )

    def start_set(
        self,
        session_id: int,
        block: int,
        set_number: int,
        variation: str,
        reps_done: int,
        at_s: float,
    ) -> int:
        """A row for a set in progress; returns its id for `update_set` and `complete_set`."""
        cursor = self._db.execute(
            "INSERT INTO sets (session_id, block, set_number, variation, reps_done, at_s)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (session_id, block, set_number, variation, reps_done, at_s),
        )
        return int(cursor.lastrowid)

    def update_set(self, set_id: int, reps_done: int, at_s: float) -> None:
        self._db.execute(
            "UPDATE sets SET reps_done = ?, at_s = ? WHERE id = ?", (reps_done, at_s, set_id)
        )

    def complete_set(
        self,
        session_id: int,
        set_id: int | None,
        block: int,
        set_number: int,
        variation: str,
        reps_done: int,
        reps_target: int,
        tempo_scale: float,
        at_s: float,
    ) -> int:
        """Finish the set row `set_id` (or write a new one when the set had no row yet)."""
        if set_id is None:
            set_id = self.start_set(session_id, block, set_number, variation, reps_done, at_s)
        self._db.execute(
            "UPDATE sets SET reps_done = ?, reps_target = ?, tempo_scale = ?, at_s = ?,"
            " completed = 1 WHERE id = ?",
            (reps_done, reps_target, tempo_scale, at_s, set_id),
        )
        return set_id

    def add_command(
        self,
        session_id: int,
        at_s: float,
        command: str,
        accepted: bool,
        source: str,
        note: str = "",
    ) -> None:
        self._db.execute(
            "INSERT INTO commands (session_id, at_s, command, accepted, source, note)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (session_id, at_s, command, int(accepted), source, note),
        )

    def add_variation_change(
        self, session_id: int, at_s: float, from_variation: str, to_variation: str, reason: str
    ) -> None:
        self._db.execute(
            "INSERT INTO variation_changes"
            " (session_id, at_s, from_variation, to_variation, reason) VALUES (?, ?, ?, ?, ?)",
            (session_id, at_s, from_variation, to_variation, reason),
        )

    # ----- reading -------------------------------------------------------------------

    def sessions(
        self, limit: int | None = None, source: RoutineSource | None = None
    ) -> list[SessionSummary]:
        """Past sessions, newest first; only those of the routine `source` when given."""
        query = f"SELECT {_SESSION_COLUMNS} FROM sessions"
        params: list[object] = []
        if source is not None:
            query += " WHERE routine_kind = ? AND routine_key = ?"
            params += [str(source.kind), source.key]
        query += " ORDER BY id DESC"
        if limit is not None:
            query += " LIMIT ?"
            params.append(max(0, limit))
        try:
            rows = self._db.execute(query, params).fetchall()
            return [self._summary(*row) for row in rows]
        except sqlite3.Error as error:
            raise HistoryError(f"cannot read the history database {self.path}: {error}") from None

    def past_sessions(self, source: RoutineSource, limit: int = 10) -> list[PastSession]:
        """The routine's recent sessions, newest first, as `progression.plan_next` reads them."""
        return [summary.past_session() for summary in self.sessions(limit, source)]

    def session(self, session_id: int) -> SessionSummary | None:
        row = self._db.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return self._summary(*row) if row else None

    def last_routine(self) -> RoutineSource | None:
        """How the routine of the most recent session was asked for, if there is one."""
        row = self._db.execute(
            "SELECT routine_kind, routine_key FROM sessions ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return RoutineSource(RoutineKind(row[0]), row[1]) if row else None

    def _summary(
        self,
        session_id: int,
        routine: str,
        routine_kind: str,
        routine_key: str,
        started_at: str,
        ended_at: str | None,
        end_reason: str | None,
        duration_s: float | None,
    ) -> SessionSummary:
        sets = tuple(
            SetRecord(block, number, variation, done, target, scale, at_s, bool(completed))
            for block, number, variation, done, target, scale, at_s, completed in self._db.execute(
                "SELECT block, set_number, variation, reps_done, reps_target, tempo_scale, at_s,"
                " completed FROM sets WHERE session_id = ? ORDER BY id",
                (session_id,),
            )
        )
        commands = tuple(
            CommandRecord(at_s, command, bool(accepted), source, note)
            for at_s, command, accepted, source, note in self._db.execute(
                "SELECT at_s, command, accepted, source, note FROM commands"
                " WHERE session_id = ? ORDER BY id",
                (session_id,),
            )
        )
        changes = tuple(
            VariationChangeRecord(*row)
            for row in self._db.execute(
                "SELECT at_s, from_variation, to_variation, reason FROM variation_changes"
                " WHERE session_id = ? ORDER BY id",
                (session_id,),
            )
        )
        if duration_s is None:  # running or died: the last moment anything was written
            times = [r.at_s for r in sets] + [c.at_s for c in commands]
            duration_s = max([0.0, *times, *(c.at_s for c in changes)])
        return SessionSummary(
            id=session_id,
            routine=routine,
            source=RoutineSource(RoutineKind(routine_kind), routine_key),
            started_at=datetime.fromisoformat(started_at),
            ended_at=datetime.fromisoformat(ended_at) if ended_at else None,
            end_reason=end_reason,
            duration_s=float(duration_s),
            sets=sets,
            commands=commands,
            variation_changes=changes,
        )
