"""Load the spoken phrases of every command from the packaged `data/commands.toml`."""

from __future__ import annotations

import tomllib
from importlib import resources

from voice_coach.core.commands import Command

PHRASES_RESOURCE = "commands.toml"


def normalize_phrase(text: str) -> str:
    """Lower case, single spaces: the form phrases are compared in."""
    return " ".join(text.lower().split())


def load_command_phrases() -> dict[Command, tuple[str, ...]]:
    """Every command with its phrases, in file order; each command has at least one phrase."""
    raw = resources.files("voice_coach.data").joinpath(PHRASES_RESOURCE).read_text("utf-8")
    table = tomllib.loads(raw)
    phrases: dict[Command, tuple[str, ...]] = {}
    for command in Command:
        entry = table.get(command.value, {})
        listed = tuple(normalize_phrase(p) for p in entry.get("phrases", ()) if p.strip())
        phrases[command] = listed or (command.spoken,)
    return phrases


def all_phrases(phrases: dict[Command, tuple[str, ...]]) -> list[str]:
    """The phrases of every command, flattened without duplicates (a recognizer grammar)."""
    return list(dict.fromkeys(p for listed in phrases.values() for p in listed))
