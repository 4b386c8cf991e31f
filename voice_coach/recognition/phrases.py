"""The spoken phrases of every command: the packaged English set, or a person's commands file.

A commands file lets a person speak the command words of their own language with a Vosk
model of that language (`--commands FILE.toml`, or `VOICE_COACH_COMMANDS=FILE.toml`). It has
the shape of the packaged `voice_coach/data/commands.toml`: one table per canonical command
name, each with its `phrases`::

    [pause]
    phrases = ["멈춰"]

    [resume]
    phrases = ["계속"]

The file REPLACES the whole phrase set: no English phrase is mixed into it. A command the file
leaves out cannot be said at all (the keyboard still has it). Every word of a phrase must be in
the model's vocabulary; the recognizer drops phrases it cannot spell, and `listen` / `run`
print them on one line. Mistakes in the file (TOML syntax, an unknown command name, an empty
or non-string phrase, one phrase under two commands, a phrase over the limits) are reported as
one line naming the file, the line where it can be found, and the field. A phrase has at most
`PHRASE_MAX_CHARS` characters of printable text; a command at most `PHRASES_PER_COMMAND`.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from voice_coach.core.commands import Command, parse_command
from voice_coach.recognition.base import Recognizer
from voice_coach.toml_nesting import deepest_line
from voice_coach.user_text import one_line, shown, text_problem

PHRASES_RESOURCE = "commands.toml"
COMMANDS_ENV = "VOICE_COACH_COMMANDS"
PHRASES_KEY = "phrases"
PHRASE_MAX_CHARS = 60  # "skip the rest" is 13; a sentence is not a command
PHRASES_PER_COMMAND = 20
MAX_FILE_CHARS = 100_000  # every command with all its phrases fits in a few kilobytes

CommandPhrases = dict[Command, tuple[str, ...]]


class CommandsFileError(Exception):
    """A commands file cannot be used; one line naming the file, line and field."""


def normalize_phrase(text: str) -> str:
    """Lower case, single spaces: the form phrases are compared in."""
    return " ".join(text.lower().split())


def load_command_phrases() -> CommandPhrases:
    """Every command with its packaged phrases, in file order; each has at least one phrase."""
    raw = resources.files("voice_coach.data").joinpath(PHRASES_RESOURCE).read_text("utf-8")
    table = tomllib.loads(raw)
    phrases: CommandPhrases = {}
    for command in Command:
        entry = table.get(command.value, {})
        listed = tuple(normalize_phrase(p) for p in entry.get(PHRASES_KEY, ()) if p.strip())
        phrases[command] = listed or (command.spoken,)
    return phrases


def voice_command_phrases(path: str | Path | None = None) -> CommandPhrases:
    """The phrases to listen for: `path`, else $VOICE_COACH_COMMANDS, else the packaged set.

    Raises CommandsFileError for a file that is missing or wrong.
    """
    chosen = path if path is not None else os.environ.get(COMMANDS_ENV) or None
    if chosen is None:
        return load_command_phrases()
    return load_commands_file(chosen)


def load_commands_file(path: str | Path) -> CommandPhrases:
    """The commands a person's file names, with their phrases in file order (see module doc)."""
    file = Path(path).expanduser()
    try:
        raw = file.read_text("utf-8")
    except FileNotFoundError:
        raise CommandsFileError(f"commands file {file} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CommandsFileError(one_line(f"commands file {file} cannot be read: {error}")) from None
    if len(raw) > MAX_FILE_CHARS:
        raise CommandsFileError(
            f"{file}: is {len(raw):,} characters long; a commands file may have {MAX_FILE_CHARS:,}"
        )
    try:
        table = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"\(at line (\d+), column \d+\)", str(error))
        where = f"{file}:{line.group(1)}" if line else str(file)
        raise CommandsFileError(one_line(f"{where}: TOML syntax error: {error}")) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise CommandsFileError(
            f"{file}:{deepest_line(raw)}: TOML syntax error: lists or tables nested too deep "
            "inside each other"
        ) from None
    return _CommandsFile(file, raw).parse(table)


def unsayable_commands(phrases: Mapping[Command, tuple[str, ...]]) -> list[Command]:
    """The commands that have no phrase (they can only be given from the keyboard)."""
    return [command for command in Command if not phrases.get(command)]


def dropped_phrases_notice(recognizer: Recognizer) -> str | None:
    """One line naming the phrases the recognizer could not spell with its model, if any."""
    dropped = recognizer.dropped_phrases
    if not dropped:
        return None
    return (
        f"the speech model has no words for {len(dropped)} phrase(s), which cannot be "
        f"said: {', '.join(dropped)}"
    )


def all_phrases(phrases: Mapping[Command, tuple[str, ...]]) -> list[str]:
    """The phrases of every command, flattened without duplicates (a recognizer grammar)."""
    return list(dict.fromkeys(p for listed in phrases.values() for p in listed))


class _CommandsFile:
    """Checks one parsed commands file against its text (for line numbers in messages)."""

    def __init__(self, file: Path, raw: str) -> None:
        self.file = file
        self.lines = raw.splitlines()

    def parse(self, table: dict[str, Any]) -> CommandPhrases:
        phrases: CommandPhrases = {}
        owner: dict[str, Command] = {}
        for name, entry in table.items():
            command = self._command(name)
            if not isinstance(entry, dict):
                self._fail(name, shown(name), f"must be a table with `{PHRASES_KEY} = [...]`")
            listed = self._phrases(name, entry)
            for phrase in listed:
                if phrase in owner:
                    self._fail(
                        name,
                        f"{name}.{PHRASES_KEY}",
                        f"'{shown(phrase)}' is already a phrase of {owner[phrase].value}",
                        phrase,
                    )
                owner[phrase] = command
            phrases[command] = listed
        if not phrases:
            raise CommandsFileError(
                f'{self.file}: names no command; add e.g. [pause] with {PHRASES_KEY} = ["..."]'
            )
        return phrases

    def _command(self, name: str) -> Command:
        try:
            return Command(name)
        except ValueError:
            pass
        names = [command.value for command in Command]
        spelled = parse_command(name)
        guesses = [spelled.value] if spelled else difflib.get_close_matches(name, names, 1, 0.5)
        hint = f"did you mean {guesses[0]!r}? " if guesses else ""
        self._fail(name, shown(name), f"unknown command; {hint}commands are: {', '.join(names)}")

    def _phrases(self, name: str, entry: dict[str, Any]) -> tuple[str, ...]:
        for key in entry:
            if key != PHRASES_KEY:
                close = difflib.get_close_matches(key, [PHRASES_KEY], 1, 0.5)
                hint = f"; did you mean {PHRASES_KEY!r}?" if close else ""
                self._fail(name, f"{name}.{shown(key)}", f"unknown field{hint}", key)
        field = f"{name}.{PHRASES_KEY}"
        value = entry.get(PHRASES_KEY)
        if value is None:
            self._fail(name, field, 'missing; list what to say, e.g. phrases = ["..."]')
        if not isinstance(value, list):
            self._fail(name, field, "must be a list of strings", PHRASES_KEY)
        if not value:
            self._fail(
                name,
                field,
                "is empty; list at least one phrase or leave the command "
                "out (then it cannot be said)",
                PHRASES_KEY,
            )
        if len(value) > PHRASES_PER_COMMAND:
            self._fail(
                name,
                field,
                f"has {len(value):,} phrases; at most {PHRASES_PER_COMMAND} are allowed",
                PHRASES_KEY,
            )
        listed: list[str] = []
        for index, phrase in enumerate(value, start=1):
            if not isinstance(phrase, str):
                self._fail(
                    name,
                    f"{field}[{index}]",
                    f"{shown(repr(phrase))} is not a string (quote it)",
                    PHRASES_KEY,
                )
            cleaned = normalize_phrase(phrase)
            if not cleaned:
                self._fail(name, f"{field}[{index}]", "is an empty phrase", PHRASES_KEY)
            problem = text_problem(cleaned, PHRASE_MAX_CHARS)
            if problem is not None:
                self._fail(name, f"{field}[{index}]", problem, PHRASES_KEY)
            if cleaned not in listed:
                listed.append(cleaned)
        return tuple(listed)

    def _fail(self, name: str, field: str, problem: str, inner: str | None = None) -> NoReturn:
        line = self._line_of(name, inner)
        where = f"{self.file}:{line}" if line else str(self.file)
        raise CommandsFileError(one_line(f"{where}: {field}: {problem}"))

    def _line_of(self, name: str, inner: str | None) -> int | None:
        """The line that opens `[name]` (or `name.` / `name =`), or the line of `inner` after
        it; None when the text does not show it plainly."""
        quoted = rf"(?:{re.escape(name)}|\"{re.escape(name)}\"|'{re.escape(name)}')"
        header = re.compile(rf"^\s*\[\s*{quoted}\s*\]|^\s*{quoted}\s*[.=]")
        for number, text in enumerate(self.lines, start=1):
            if header.search(text):
                if inner is None:
                    return number
                for offset, later in enumerate(self.lines[number - 1 :]):
                    if inner in later:
                        return number + offset
                return number
        return None
