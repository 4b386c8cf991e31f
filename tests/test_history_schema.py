"""The history tables' rules come from the code's own lists (EndReason, RoutineKind)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from voice_coach.core.effects import EndReason
from voice_coach.history.schema import END_REASONS
from voice_coach.history.store import HistoryStore
from voice_coach.routines.source import RoutineKind, RoutineSource

STARTED = datetime(2024, 5, 1, 18, 0, 0, tzinfo=UTC)


def test_end_reasons_are_endreasons_values_and_the_check_allows_exactly_them(
    tmp_path: Path,
) -> None:
    assert tuple(reason.value for reason in EndReason) == END_REASONS
    path = tmp_path / "h.sqlite3"
    with HistoryStore(path) as store:
        for reason in EndReason:
            session = store.begin_session("beginner", RoutineSource.named("beginner"), STARTED)
            store.end_session(session, reason, 10.0)
            assert store.session(session).end_reason == reason.value
        with pytest.raises(ValueError, match="end reason must be one of"):
            store.end_session(session, "exploded", 1.0)
    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE sessions SET end_reason = 'exploded' WHERE id = 1")
    for kind in RoutineKind:
        db.execute("UPDATE sessions SET routine_kind = ? WHERE id = 1", (kind.value,))
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE sessions SET routine_kind = 'url' WHERE id = 1")
    db.close()
