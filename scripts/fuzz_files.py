"""Fuzz the files a person can hand voice-coach: routine files and command phrase files.

Each case is a seed file (the `routine new` template; the packaged and the Korean commands
files) with a few random mutations: byte flips, deletions, duplications, and splices of nasty
tokens (nan, inf, -1, 1e308, arrays nested 10,000 deep, control characters, huge strings,
wrong types, unusual Unicode). Every case is read in-process the way `routine check` and
`--commands` read it. Allowed outcomes: the file is accepted, or it is refused with the
reader's own one-line error (RoutineError, CommandsFileError). Anything else is a crash, and
so is an accepted file that breaks a limit (unprintable or overlong text, a routine over 4 h,
lowering faster than lifting, too many or too long phrases).

    python scripts/fuzz_files.py --count 100000 --seed 1

prints how many cases were accepted and refused, by kind of error, and every crash with the
case number that reproduces it; the exit code is 1 when anything crashed.
`tests/test_fuzz_files.py` runs the same cases, fewer of them, in CI.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from voice_coach.core.catalog import Catalog, load_catalog
from voice_coach.core.routine import Routine
from voice_coach.recognition.phrases import (
    PHRASE_MAX_CHARS,
    PHRASES_PER_COMMAND,
    CommandPhrases,
    CommandsFileError,
    load_commands_file,
)
from voice_coach.routines.estimate import MAX_ROUTINE_MS, estimate_duration_ms
from voice_coach.routines.files import TEXT_MAX_CHARS, RoutineError, load_routine_file
from voice_coach.routines.template import routine_template
from voice_coach.user_text import unprintable_at

REPO = Path(__file__).resolve().parent.parent
KOREAN_COMMANDS = REPO / "tests" / "data" / "commands-ko.toml"

NASTY_TOKENS: tuple[bytes, ...] = (
    b"nan", b"-nan", b"inf", b"-inf", b"+inf", b"-1", b"0", b"-0.0", b"1e308", b"-1e308",
    b"1e-308", b"9223372036854775808", b"-9223372036854775809", b"0x7fffffff", b"0b1", b"0o7",
    b"1_000", b"true", b"false", b"1979-05-27T07:32:00Z", b"07:32:00", b"[]", b"{}", b'""',
    b"''", b'"""', b"'''", b"[[block]]", b"[block.tempo]", b"[block]", b"[pause]", b"[[pause]]",
    b'variation = "hover"', b'phrases = ["a"]', b"tempo = { lift = 4.0, lower = 1.0 }",
    b"sets = 20\nreps = 100\nrest = 600\n", b"=", b"==", b".", b"..", b"#", b"\\", b'"\\u0000"',
    b'"\\u001b[2J"', b'"\\ud800"', b'"\\U0010ffff"', b"\x00", b"\x01", b"\x07", b"\x1b[31m",
    b"\x7f", b"\r", b"\r\n", b"\t", b"\n\n\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\xc3\x28",
    b"\xe2\x80\xae", b"\xe2\x80\x8b", b"\xe2\x80\xa8", b"\xf0\x9f\x92\xaa", b"\xcc\x81" * 50,
    "é".encode(), "ß".encode(), "İ".encode(), "\u00a0".encode(), "ｌｉｆｔ".encode(),
    b"[" * 10_000 + b"]" * 10_000, b"{ a = " * 2_000 + b"1" + b" }" * 2_000,
    b"[" * 10_000, b'"' + b"x" * 100_000 + b'"', b"x" * 100_000, b"a.b.c.d.e.f = 1",
    b'"quoted key" = 1', b"'literal' = 2",
)


@dataclass
class Tally:
    """What a fuzz run saw: accepted files, refusals by kind, and crashes with their case."""

    accepted: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return self.accepted + sum(self.refused.values()) + len(self.crashes)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """`data` after one to four random mutations."""
    for _ in range(rng.randint(1, 4)):
        data = rng.choice(_MUTATIONS)(data, rng)
    return data


def _flip(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    position = rng.randrange(len(data))
    return data[:position] + bytes([data[position] ^ (1 << rng.randrange(8))]) + data[position + 1:]


def _span(data: bytes, rng: random.Random) -> tuple[int, int]:
    start = rng.randrange(len(data) + 1)
    return start, min(len(data), start + rng.choice((1, 2, 8, 40, 400)))


def _delete(data: bytes, rng: random.Random) -> bytes:
    start, end = _span(data, rng)
    return data[:start] + data[end:]


def _duplicate(data: bytes, rng: random.Random) -> bytes:
    start, end = _span(data, rng)
    return data[:end] + data[start:end] * rng.choice((1, 2, 50)) + data[end:]


def _splice(data: bytes, rng: random.Random) -> bytes:
    position = rng.randrange(len(data) + 1)
    return data[:position] + rng.choice(NASTY_TOKENS) + data[position:]


def _replace_value(data: bytes, rng: random.Random) -> bytes:
    """A value after `=` (or in a list) swapped for a nasty token: where the checks live."""
    spots = [m.end() for m in re.finditer(rb"= *|\[ *", data)]
    if not spots:
        return _splice(data, rng)
    start = rng.choice(spots)
    end = start
    while end < len(data) and data[end:end + 1] not in b"\n,]}#":
        end += 1
    return data[:start] + rng.choice(NASTY_TOKENS) + data[end:]


_MUTATIONS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    _flip, _delete, _duplicate, _splice, _replace_value, _replace_value,
)


def error_kind(message: str) -> str:
    """A refusal's message reduced to its kind: the field without numbers, and what was wrong."""
    if "TOML syntax error" in message:
        return "TOML syntax error" + (" (nested too deep)" if "nested too deep" in message else "")
    if "not UTF-8" in message or "cannot be read" in message:
        return "not UTF-8 text"
    if "characters long; a" in message:
        return "file too long"
    where = re.search(r"field '([^']*)'|: ([\w.\[\]]+): ", message)
    name = next((group for group in where.groups() if group), "") if where else ""
    name = re.sub(r"\[\d+\]", "[]", name)
    if "unknown field" in message or "unknown command" in message:
        name = name.rpartition(".")[0] + ".*" if "." in name else "*"  # the name is the typo
    if name and not re.fullmatch(r"[\w.\[\]*]{1,40}", name):
        name = "(a key of the person's)"
    for words in (
        "unknown field", "unknown variation", "unknown command", "out of range",
        "not a length of time", "lowering", "characters long", "has the character",
        "the routine lasts", "missing", "expected", "not both", "is not a string", "empty",
        "already a phrase", "must be", "phrases;", "no blocks", "names no command",
        "write each block",
    ):
        if words in message:
            return f"{name}: {words}".strip(": ")
    return f"{name}: other".strip(": ")


def check_one_line(message: str) -> str | None:
    """Why `message` is not one printable line of reasonable length, or None."""
    if "\n" in message or not message.isprintable():
        return "not one printable line"
    if len(message) > 600:
        return f"{len(message)} characters long"
    return None


def run_cases(
    seeds: list[bytes],
    count: int,
    seed: int,
    read: Callable[[Path], Any],
    allowed: tuple[type[Exception], ...],
    folder: Path,
    broken_limit: Callable[[Any], str | None],
) -> Tally:
    """Read `count` mutated copies of `seeds` with `read`; crashes are anything not `allowed`,
    and accepted results for which `broken_limit` names a problem."""
    rng = random.Random(seed)
    tally = Tally()
    path = folder / "case.toml"
    for case in range(count):
        path.write_bytes(mutate(rng.choice(seeds), rng))
        try:
            result = read(path)
        except allowed as error:
            message = str(error)
            problem = check_one_line(message)
            if problem:
                tally.crashes.append(f"case {case}: message {problem}: {message[:200]!r}")
            else:
                tally.refused[error_kind(message)] += 1
        except Exception as error:  # counting these is the point
            tally.crashes.append(f"case {case}: {type(error).__name__}: {str(error)[:200]}")
        else:
            problem = broken_limit(result)
            if problem:
                tally.crashes.append(f"case {case}: accepted, but {problem}")
            else:
                tally.accepted += 1
    return tally


def routine_broken_limit(routine: Routine, catalog: Catalog) -> str | None:
    """What an accepted routine breaks of the stated limits, or None."""
    for key, limit in TEXT_MAX_CHARS.items():
        text = getattr(routine, key) or ""
        if len(text) > limit or unprintable_at(text) is not None:
            return f"{key} {text[:40]!r} breaks the text limits"
    for number, block in enumerate(routine.blocks, start=1):
        tempo = catalog.get(block.variation).tempo.with_overrides(block.tempo)
        if tempo.lower_ms < tempo.lift_ms:
            return f"block {number} lowers faster than it lifts"
    duration_ms = estimate_duration_ms(routine, catalog)
    if duration_ms > MAX_ROUTINE_MS:
        return f"it lasts {duration_ms / 3_600_000:.1f} h"
    return None


def commands_broken_limit(phrases: CommandPhrases) -> str | None:
    """What an accepted phrase set breaks of the stated limits, or None."""
    for command, listed in phrases.items():
        if len(listed) > PHRASES_PER_COMMAND:
            return f"{command.value} has {len(listed)} phrases"
        for phrase in listed:
            if not phrase or len(phrase) > PHRASE_MAX_CHARS or unprintable_at(phrase) is not None:
                return f"{command.value} has the phrase {phrase[:40]!r}"
    return None


def routine_seeds() -> list[bytes]:
    return [routine_template("fuzz").encode("utf-8")]


def commands_seeds() -> list[bytes]:
    packaged = resources.files("voice_coach.data").joinpath("commands.toml").read_bytes()
    return [packaged, KOREAN_COMMANDS.read_bytes()]


def fuzz_routines(count: int, seed: int, folder: Path, catalog: Catalog | None = None) -> Tally:
    chosen = catalog or load_catalog()
    return run_cases(routine_seeds(), count, seed,
                     lambda path: load_routine_file(path, chosen), (RoutineError,), folder,
                     lambda routine: routine_broken_limit(routine, chosen))


def fuzz_commands(count: int, seed: int, folder: Path) -> Tally:
    return run_cases(commands_seeds(), count, seed, load_commands_file, (CommandsFileError,),
                     folder, commands_broken_limit)


def report(title: str, tally: Tally, seconds: float) -> None:
    print(f"{title}: {tally.cases} cases in {seconds:.1f} s: {tally.accepted} accepted, "
          f"{sum(tally.refused.values())} refused, {len(tally.crashes)} crashed")
    for kind, number in tally.refused.most_common():
        print(f"  {number:7d}  {kind}")
    for crash in tally.crashes[:50]:
        print(f"  CRASH {crash}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="routine files to try")
    parser.add_argument("--commands-count", type=int, default=None,
                        help="commands files to try (default: 30%% of --count)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    commands_count = args.count * 3 // 10 if args.commands_count is None else args.commands_count
    crashed = 0
    with tempfile.TemporaryDirectory(prefix="voice-coach-fuzz-") as scratch:
        folder = Path(scratch)
        for title, run, count in (("routine files", fuzz_routines, args.count),
                                  ("commands files", fuzz_commands, commands_count)):
            started = time.perf_counter()
            tally = run(count, args.seed, folder)
            report(title, tally, time.perf_counter() - started)
            crashed += len(tally.crashes)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
