"""Where routines come from: a file path, the user's routines folder, or the built-in set."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from voice_coach import paths
from voice_coach.core.catalog import Catalog
from voice_coach.core.routine import BUILTIN_ROUTINES, ROUTINE_ALIASES, Routine
from voice_coach.routines.files import RoutineError, load_routine_file
from voice_coach.routines.source import RoutineKind, RoutineSource

ROUTINE_SUFFIX = ".toml"
ROUTINE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class RoutineInfo:
    """One routine as `routine list` shows it; `error` is set for a user file that is broken."""

    name: str
    description: str
    source: str  # "built-in" or "user"
    path: Path | None = None
    error: str | None = None


def routines_dir() -> Path:
    """The folder holding the user's routine files, NAME.toml each."""
    return paths.config_dir() / "routines"


def user_routine_path(name: str) -> Path:
    return routines_dir() / f"{name}{ROUTINE_SUFFIX}"


def check_routine_name(name: str) -> str:
    """`name` if it can be a routine file name; otherwise a one-line `RoutineError`."""
    if not ROUTINE_NAME.match(name):
        raise RoutineError(
            f"'{name}' cannot be a routine name; use letters, digits, '-' and '_' "
            "(up to 64, starting with a letter or digit)"
        )
    return name


def looks_like_path(name_or_path: str) -> bool:
    return name_or_path.endswith(ROUTINE_SUFFIX) or "/" in name_or_path or os.sep in name_or_path


@dataclass(frozen=True)
class FoundRoutine:
    routine: Routine
    source: RoutineSource  # how to find it again: its name, or its file


def locate_routine(name_or_path: str | Path, catalog: Catalog | None = None) -> FoundRoutine:
    """A routine by file path, else by user routine name, else by built-in name.

    Raises `RoutineError` (one line) when the file is wrong or nothing has that name.
    """
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or looks_like_path(text):
        return FoundRoutine(load_routine_file(name_or_path, catalog), RoutineSource.file(text))
    source = RoutineSource.named(text)
    user_file = user_routine_path(text)
    if ROUTINE_NAME.match(text) and user_file.is_file():
        return FoundRoutine(load_routine_file(user_file, catalog), source)
    text = ROUTINE_ALIASES.get(text, text)
    source = RoutineSource.named(text)
    if text in BUILTIN_ROUTINES:
        return FoundRoutine(BUILTIN_ROUTINES[text], source)
    names = sorted({info.name for info in list_routines(catalog)})
    close = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
    guess = f"did you mean '{close[0]}'? " if close else ""
    raise RoutineError(
        f"no routine named '{text}' ({guess}available: {', '.join(names)}); "
        "give a FILE.toml path or create one with: voice-coach routine new NAME"
    )


def find_routine(name_or_path: str | Path, catalog: Catalog | None = None) -> Routine:
    """The routine `locate_routine` finds."""
    return locate_routine(name_or_path, catalog).routine


def find_again(source: RoutineSource, catalog: Catalog | None = None) -> Routine:
    """The routine a past session ran, found the way it was asked for; `RoutineError` if the
    file is gone or broken or the name no longer exists."""
    if source.kind is RoutineKind.FILE:
        return load_routine_file(source.key, catalog)
    return find_routine(source.key, catalog)


def user_routine_files() -> list[Path]:
    folder = routines_dir()
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.glob(f"*{ROUTINE_SUFFIX}") if path.is_file())


def list_routines(catalog: Catalog | None = None) -> list[RoutineInfo]:
    """The built-in routines, then the user's routine files (broken ones carry their error)."""
    infos = [
        RoutineInfo(name, routine.description, "built-in")
        for name, routine in BUILTIN_ROUTINES.items()
    ]
    for path in user_routine_files():
        try:
            routine = load_routine_file(path, catalog)
        except RoutineError as error:
            infos.append(RoutineInfo(path.stem, "", "user", path, str(error)))
        else:
            infos.append(RoutineInfo(path.stem, routine.description, "user", path))
    return infos
