"""Which routine a session ran, as the history keeps it: a name, or a routine file's path.

A routine asked for by name (`--routine NAME`: a built-in or a file in the user's routines
folder) is found again by that name; one run from a file (`run FILE.toml`) by the file's resolved
path, so the same file is the same routine wherever the command was typed from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class RoutineKind(StrEnum):
    NAMED = "named"
    FILE = "file"


@dataclass(frozen=True)
class RoutineSource:
    """How a routine was asked for; `key` is the name, or the file's resolved path."""

    kind: RoutineKind
    key: str

    @classmethod
    def named(cls, name: str) -> RoutineSource:
        return cls(RoutineKind.NAMED, name)

    @classmethod
    def file(cls, path: str | Path) -> RoutineSource:
        return cls(RoutineKind.FILE, str(Path(path).expanduser().resolve()))

    @property
    def path(self) -> Path | None:
        """The routine file, for a routine run from its file."""
        return Path(self.key) if self.kind is RoutineKind.FILE else None

    def describe(self) -> str:
        """The routine as a person names it in a message: 'beginner' or /home/me/tiny.toml."""
        return self.key if self.kind is RoutineKind.FILE else f"'{self.key}'"
