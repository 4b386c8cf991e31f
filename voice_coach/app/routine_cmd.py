"""`voice-coach routine new|check|list`: write, validate and list routine files."""

from __future__ import annotations

import argparse
import sys

from voice_coach.core.catalog import load_catalog
from voice_coach.core.routine import Routine
from voice_coach.routines.estimate import estimate_duration_ms, format_duration
from voice_coach.routines.files import RoutineError
from voice_coach.routines.library import (
    check_routine_name,
    find_routine,
    list_routines,
    routines_dir,
    user_routine_path,
)
from voice_coach.routines.template import routine_template


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "routine",
        help="write, check and list routine files",
        description=f"Routine files are TOML; yours live in {routines_dir()}.",
    )
    actions = parser.add_subparsers(dest="routine_action", metavar="ACTION", required=True)

    new = actions.add_parser("new", help="write a commented routine template to edit")
    new.add_argument("name", metavar="NAME", help="letters, digits, '-' and '_'")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.set_defaults(handler=run_new)

    check = actions.add_parser("check", help="validate a routine file or name")
    check.add_argument("routine", metavar="FILE|NAME")
    check.set_defaults(handler=run_check)

    listing = actions.add_parser("list", help="built-in and your own routines")
    listing.set_defaults(handler=run_list)


def fail(message: str) -> int:
    print(f"voice-coach: {message}", file=sys.stderr)
    return 2


def run_new(args: argparse.Namespace) -> int:
    try:
        name = check_routine_name(args.name)
    except RoutineError as error:
        return fail(str(error))
    path = user_routine_path(name)
    if path.exists() and not args.force:
        return fail(f"{path} already exists; edit it, or add --force to overwrite it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(routine_template(name), encoding="utf-8")
    except OSError as error:
        return fail(f"cannot write {path}: {error.strerror or error}")
    print(path)
    return 0


def summary_line(routine: Routine) -> str:
    catalog = load_catalog()
    duration = format_duration(estimate_duration_ms(routine, catalog))
    blocks = len(routine.blocks)
    variations = ", ".join(dict.fromkeys(block.variation for block in routine.blocks))
    return (
        f"ok: {routine.name}: {blocks} block{'s' if blocks != 1 else ''}, "
        f"{routine.total_sets} sets, about {duration} ({variations})"
    )


def run_check(args: argparse.Namespace) -> int:
    try:
        routine = find_routine(args.routine)
    except RoutineError as error:
        return fail(str(error))
    print(summary_line(routine))
    return 0


def run_list(args: argparse.Namespace) -> int:
    infos = list_routines()
    width = max(len(info.name) for info in infos)
    for info in infos:
        where = "built-in" if info.path is None else str(info.path)
        about = f"BROKEN: {info.error}" if info.error else info.description
        print(f"{info.name:<{width}}  {about}  [{where}]")
    return 0
