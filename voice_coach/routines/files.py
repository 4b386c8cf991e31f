"""Read a routine TOML file a person wrote into a core `Routine`, or say in one line what is wrong.

Every mistake becomes a `RoutineFileError` whose `str()` is one line of the shape
`FILE:LINE: field 'blocks[2].variation': unknown variation 'hoover' (did you mean 'hover'? ...)`.
`tomllib` reports no line numbers for values, so `SourceMap` finds the line of a field by
scanning the text for `[[block]]` headers and `key =` lines inside each table.
Blocks are numbered from 1 in messages, as a person counts them.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from voice_coach.core.catalog import Catalog, load_catalog
from voice_coach.core.routine import Block, Routine
from voice_coach.routines.estimate import MAX_ROUTINE_HOURS, format_duration, over_limit
from voice_coach.routines.source_map import SourceMap
from voice_coach.routines.tempo_fields import check_tempo_rule, read_tempo
from voice_coach.toml_nesting import deepest_line
from voice_coach.user_text import describe_value, one_line, shown, suggestion, text_problem

TOP_KEYS = ("name", "description", "warmup", "cooldown", "block")
BLOCK_KEYS = ("variation", "sets", "reps", "seconds", "tempo", "rest", "rest_after")

SETS_RANGE = (1, 20)
REPS_RANGE = (1, 100)
SECONDS_RANGE = (5, 600)
REST_RANGE = (0, 600)
TEXT_MAX_CHARS = {"name": 64, "description": 200, "warmup": 300, "cooldown": 300}
MAX_FILE_CHARS = 1_000_000  # the commented template has 2,500; far longer is not a routine
DEFAULT_REST_S = Block.__dataclass_fields__["rest_s"].default
DEFAULT_REST_AFTER_S = Block.__dataclass_fields__["rest_after_s"].default

_SYNTAX_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_SYNTAX_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


class RoutineError(Exception):
    """A routine that cannot be found or read; `str()` is one line for the person."""


class RoutineFileError(RoutineError):
    """A routine file that cannot be read or is wrong, pinned to its file, line and field."""

    def __init__(
        self, path: str | Path, message: str, line: int | None = None, field: str | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.message = one_line(message)
        super().__init__(self._one_line())

    def _one_line(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        what = self.message if self.field is None else f"field '{self.field}': {self.message}"
        return one_line(f"{where}: {what}")


class _Reader:
    """Checks the parsed TOML against the routine format; raises on the first mistake."""

    def __init__(self, path: str | Path, source: SourceMap, catalog: Catalog) -> None:
        self.path = path
        self.source = source
        self.catalog = catalog

    def fail(self, line: int, field_name: str | None, message: str) -> RoutineFileError:
        return RoutineFileError(self.path, message, line, field_name)

    def routine(self, data: dict[str, Any]) -> Routine:
        self.reject_unknown(data, TOP_KEYS, "", self.source.top_key)
        name = self.text(data, "name", required=True)
        description = self.text(data, "description", required=True)
        warmup = self.text(data, "warmup", required=False)
        cooldown = self.text(data, "cooldown", required=False)
        raw_blocks = data.get("block")
        if raw_blocks is None or raw_blocks == []:
            raise self.fail(
                self.source.top_key("block") if raw_blocks == [] else 1,
                "blocks",
                "the routine has no blocks; add at least one [[block]] table "
                "with a variation and sets",
            )
        if not isinstance(raw_blocks, list) or not all(isinstance(b, dict) for b in raw_blocks):
            raise self.fail(
                self.source.top_key("block"), "blocks", "write each block as a [[block]] table"
            )
        blocks = tuple(self.block(index, raw) for index, raw in enumerate(raw_blocks))
        routine = Routine(
            name=name, description=description, blocks=blocks, warmup=warmup, cooldown=cooldown
        )
        self.length(routine)
        return routine

    def length(self, routine: Routine) -> None:
        too_long = over_limit(routine, self.catalog)
        if too_long is None:
            return
        how_long = "at least" if too_long.at_least else "about"
        number = too_long.block_index + 1
        raise self.fail(
            self.source.block(too_long.block_index),
            f"blocks[{number}]",
            f"the routine lasts {how_long} {format_duration(too_long.duration_ms)}, and at most "
            f"{MAX_ROUTINE_HOURS} h is allowed; it passes that in block {number}; "
            "use fewer blocks, sets or reps, or shorter rests",
        )

    def reject_unknown(
        self, table: dict[str, Any], allowed: tuple[str, ...], prefix: str, line_of: Any
    ) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(
                    line_of(key),
                    f"{prefix}{shown(key)}",
                    f"unknown field {suggestion(key, allowed)}",
                )

    def text(self, data: dict[str, Any], key: str, required: bool) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(1, key, f'missing; add a line like {key} = "..." at the top')
            return None
        if not isinstance(value, str):
            raise self.fail(
                self.source.top_key(key),
                key,
                f"expected text in quotes, got {describe_value(value)}",
            )
        if required and not value.strip():
            raise self.fail(self.source.top_key(key), key, "must not be empty")
        problem = text_problem(value.strip(), TEXT_MAX_CHARS[key])
        if problem is not None:
            raise self.fail(self.source.top_key(key), key, problem)
        return value.strip()

    def block(self, index: int, raw: dict[str, Any]) -> Block:
        prefix = f"blocks[{index + 1}]."

        def line_of(key: str) -> int:
            return self.source.block_key(index, key)

        self.reject_unknown(raw, BLOCK_KEYS, prefix, line_of)
        for required in ("variation", "sets"):
            if required not in raw:
                raise self.fail(
                    self.source.block(index),
                    prefix + required,
                    f"missing; every [[block]] needs {required} = ...",
                )
        variation = raw["variation"]
        if not isinstance(variation, str):
            raise self.fail(
                line_of("variation"),
                prefix + "variation",
                f"expected a variation id in quotes, got {describe_value(variation)} "
                f"(allowed: {', '.join(self.catalog.ids)})",
            )
        if variation not in self.catalog.ids:
            raise self.fail(
                line_of("variation"),
                prefix + "variation",
                f"unknown variation '{shown(variation)}' "
                f"{suggestion(variation, self.catalog.ids)}",
            )
        sets = self.whole(raw, "sets", SETS_RANGE, index, "")
        if "reps" in raw and "seconds" in raw:
            later = max(line_of("reps"), line_of("seconds"))
            raise self.fail(
                later,
                prefix + "seconds",
                "give either reps (counted sets) or seconds (timed sets), not both",
            )
        reps = self.whole(raw, "reps", REPS_RANGE, index, "") if "reps" in raw else None
        seconds = (
            self.whole(raw, "seconds", SECONDS_RANGE, index, " seconds")
            if "seconds" in raw
            else None
        )
        tempo = read_tempo(self, raw["tempo"], index) if "tempo" in raw else {}
        check_tempo_rule(self, index, self.catalog.get(variation).tempo, tempo)
        rest = self.whole(raw, "rest", REST_RANGE, index, " seconds", DEFAULT_REST_S)
        rest_after = self.whole(raw, "rest_after", REST_RANGE, index, " seconds",
                                DEFAULT_REST_AFTER_S)
        return Block(
            variation=variation,
            sets=sets,
            reps=reps,
            seconds=seconds,
            tempo=tempo,
            rest_s=rest,
            rest_after_s=rest_after,
        )

    def whole(self, raw: dict[str, Any], key: str, bounds: tuple[int, int], index: int,
              unit: str, default: int | None = None) -> int:
        """`raw[key]`, a whole number within `bounds`; `default` when absent and one is given."""
        if key not in raw and default is not None:
            return default
        value = raw[key]
        low, high = bounds
        field_name = f"blocks[{index + 1}].{key}"
        line = self.source.block_key(index, key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(
                line,
                field_name,
                f"expected a whole number {low}..{high}{unit}, got {describe_value(value)}",
            )
        if not low <= value <= high:
            raise self.fail(
                line, field_name, f"{value}{unit} is out of range; use {low}..{high}{unit}"
            )
        return value

def _syntax_error(
    path: str | Path, error: tomllib.TOMLDecodeError, source: SourceMap
) -> RoutineFileError:
    message = str(error)
    position = _SYNTAX_POSITION.search(message)
    if position:
        line, column = int(position.group(1)), int(position.group(2))
        detail = message[: position.start()]
        return RoutineFileError(path, f"TOML syntax error: {detail} (column {column})", line)
    at_end = _SYNTAX_AT_END.search(message)
    if at_end:
        detail = message[: at_end.start()]
        return RoutineFileError(
            path, f"TOML syntax error: {detail} (at the end of the file)", source.last_line
        )
    return RoutineFileError(path, f"TOML syntax error: {message}")


def parse_routine_text(
    text: str, path: str | Path = "<routine>", catalog: Catalog | None = None
) -> Routine:
    """The routine written in `text`; `path` only names it in error messages."""
    if len(text) > MAX_FILE_CHARS:
        raise RoutineFileError(
            path, f"is {len(text):,} characters long; a routine file may have {MAX_FILE_CHARS:,}"
        )
    source = SourceMap(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(path, error, source) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise RoutineFileError(
            path,
            "TOML syntax error: lists or tables nested too deep inside each other",
            deepest_line(text),
        ) from None
    return _Reader(path, source, catalog or load_catalog()).routine(data)


def load_routine_file(path: str | Path, catalog: Catalog | None = None) -> Routine:
    """The routine in the TOML file at `path`; raises `RoutineError` (one line) on any mistake."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise RoutineFileError(path, "no such file") from None
    except IsADirectoryError:
        raise RoutineFileError(path, "is a folder, not a routine file") from None
    except OSError as error:
        raise RoutineFileError(path, f"cannot read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise RoutineFileError(
            path,
            f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x}); save it as UTF-8",
            line,
        ) from None
    return parse_routine_text(text, path, catalog)
