"""`voice-coach history`: recent sessions as a table, or as JSON for scripts."""

from __future__ import annotations

import argparse
import json
import sys

from voice_coach.history.store import HistoryError, HistoryStore
from voice_coach.history.views import SessionSummary
from voice_coach.routines.source import RoutineSource

DEFAULT_LIMIT = 20
COLUMNS = ("date", "routine", "from", "duration", "sets", "reps", "ended", "variations")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "history",
        help="show recent sessions",
        description="Recent workouts, newest first: which routine, asked for by name or run "
        "from its file. A session that died without a word shows as interrupted.",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"how many sessions (default {DEFAULT_LIMIT})",
    )
    parser.add_argument("--json", action="store_true", help="a JSON list of objects")
    parser.set_defaults(handler=run_history)


def format_minutes(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def routine_origin(source: RoutineSource) -> str:
    """'named', or 'file' and the routine file's path."""
    return f"file {source.path}" if source.path is not None else str(source.kind)


def table_row(summary: SessionSummary) -> tuple[str, ...]:
    return (
        summary.started_at.astimezone().strftime("%Y-%m-%d %H:%M"),
        summary.routine,
        routine_origin(summary.source),
        format_minutes(summary.duration_s),
        str(summary.sets_done),
        str(summary.reps_done),
        summary.ended_as,
        ", ".join(summary.variations) or "-",
    )


def format_table(summaries: list[SessionSummary]) -> str:
    rows = [COLUMNS, *(table_row(s) for s in summaries)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]))
    return "\n".join(lines)


def run_history(args: argparse.Namespace) -> int:
    if args.limit < 1:
        print("voice-coach: --limit must be 1 or more", file=sys.stderr)
        return 2
    try:
        with HistoryStore() as store:
            summaries = store.sessions(limit=args.limit)
            path = store.path
    except HistoryError as error:
        print(f"voice-coach: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([s.to_json() for s in summaries], indent=2))
    elif not summaries:
        print(f"no sessions yet (history file: {path})")
    else:
        print(format_table(summaries))
    return 0
