"""The session history database (SQLite): what was done in each workout, written as it happens.

The connection runs in autocommit mode with WAL journaling, so every write is committed at once:
a crash, Ctrl-C or SIGKILL loses at most the rep in progress. Times `at_s` are seconds on the
session clock (0 = session start); `started_at`/`ended_at` are ISO 8601 wall-clock times in UTC.
Blocks are numbered from 0, as the engine numbers them. The tables and their migrations are in
`history.schema`, the records read back in `history.views`.

A set gets its row when its first rep is complete (`completed = 0`, `reps_target` NULL), the row's
`reps_done` follows each completed rep, and the set's end (`SetCompleted`) fills in the target and
sets `completed = 1`. A row left with `completed = 0` is a set cut short by stop or a crash.
A session whose `end_reason` is NULL either is running or died without a word; it reads as
"interrupted".
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from voice_coach import paths
from voice_coach.history.progression import PastSession
from voice_coach.history.schema import END_REASONS, prepare, schema_version
from voice_coach.history.views import (
    CommandRecord,
    SessionSummary,
    SetRecord,
    VariationChangeRecord,
)
from voice_coach.routines.source import RoutineKind, RoutineSource

DB_NAME = "history.sqlite3"
# Our own writes are tiny, so a lock held longer than this is another program's; waiting on it
# would only hold up the workout.
LOCK_WAIT_S = 1.0
_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")

_SESSION_COLUMNS = (
    "id, routine, routine_kind, routine_key, started_at, ended_at, end_reason, duration_s"
)


class HistoryError(Exception):
    """The history database cannot be opened, read or written; `str()` is one line saying why."""


def _failure(path: Path, doing: str, error: BaseException) -> HistoryError:
    if getattr(error, "sqlite_errorname", None) in _BUSY:
        advice = "another program holds it locked; close that program or try again"
    else:
        advice = f"move it aside or set {paths.DATA_DIR_ENV} to another folder"
    return HistoryError(f"cannot {doing} the history database {path}: {error}; {advice}")


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _reported(doing: str) -> Callable[[_Method], _Method]:
    """Make a store method's database errors one-line `HistoryError`s ("cannot `doing` ...")."""

    def wrap(method: _Method) -> _Method:
        @functools.wraps(method)
        def reported(self: HistoryStore, *args: Any, **kw: Any) -> Any:
            try:
                return method(self, *args, **kw)
            except sqlite3.Error as error:
                raise _failure(self.path, doing, error) from None

        return cast(_Method, reported)

    return wrap


def default_db_path() -> Path:
    return paths.data_dir() / DB_NAME


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
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=LOCK_WAIT_S)
        except (sqlite3.Error, OSError) as error:
            raise _failure(self.path, "open", error) from None
        try:
            prepare(self._db)
        except sqlite3.Error as error:
            self._db.close()
            raise _failure(self.path, "open", error) from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    @_reported("read")
    def schema_version(self) -> int:
        return schema_version(self._db)

    # ----- writing -------------------------------------------------------------------

    @_reported("write")
    def begin_session(self, routine: str, source: RoutineSource, started_at: datetime) -> int:
        """A new session of the routine named `routine`, asked for as `source`."""
        cursor = self._db.execute(
            "INSERT INTO sessions (routine, routine_kind, routine_key, started_at)"
            " VALUES (?, ?, ?, ?)",
            (routine, str(source.kind), source.key, _iso(started_at)),
        )
        return int(cursor.lastrowid)

    @_reported("write")
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

    @_reported("write")
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

    @_reported("write")
    def update_set(self, set_id: int, reps_done: int, at_s: float) -> None:
        self._db.execute(
            "UPDATE sets SET reps_done = ?, at_s = ? WHERE id = ?", (reps_done, at_s, set_id)
        )

    @_reported("write")
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

    @_reported("write")
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

    @_reported("write")
    def add_variation_change(
        self, session_id: int, at_s: float, from_variation: str, to_variation: str, reason: str
    ) -> None:
        self._db.execute(
            "INSERT INTO variation_changes"
            " (session_id, at_s, from_variation, to_variation, reason) VALUES (?, ?, ?, ?, ?)",
            (session_id, at_s, from_variation, to_variation, reason),
        )

    # ----- reading -------------------------------------------------------------------

    @_reported("read")
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
        rows = self._db.execute(query, params).fetchall()
        return [self._summary(*row) for row in rows]

    def past_sessions(self, source: RoutineSource, limit: int = 10) -> list[PastSession]:
        """The routine's recent sessions, newest first, as `progression.plan_next` reads them."""
        return [summary.past_session() for summary in self.sessions(limit, source)]

    @_reported("read")
    def session(self, session_id: int) -> SessionSummary | None:
        row = self._db.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return self._summary(*row) if row else None

    @_reported("read")
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
