"""Fuzzing the files a person can hand us: 1,000 mutated routine files and 300 mutated
commands files per run, in-process and seeded, each accepted within the limits or refused with
the reader's one-line error; `scripts/fuzz_files.py --count 100000` runs more."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from fuzz_files import fuzz_commands, fuzz_routines, mutate

SEED = 20261202


def test_1000_mutated_routine_files_never_crash(tmp_path: Path) -> None:
    tally = fuzz_routines(1000, SEED, tmp_path)
    assert tally.crashes == []
    assert tally.cases == 1000
    # the mutations reach the checks, not only the TOML parser
    assert tally.accepted > 100
    assert sum(n for kind, n in tally.refused.items() if "syntax" not in kind) > 100
    assert tally.refused["TOML syntax error (nested too deep)"] > 0


def test_300_mutated_commands_files_never_crash(tmp_path: Path) -> None:
    tally = fuzz_commands(300, SEED, tmp_path)
    assert tally.crashes == []
    assert tally.cases == 300
    assert tally.accepted > 10
    assert sum(n for kind, n in tally.refused.items() if "syntax" not in kind) > 20


def test_the_same_seed_gives_the_same_cases() -> None:
    first, second = random.Random(7), random.Random(7)
    data = b'name = "x"\nsets = 2\n'
    assert [mutate(data, first) for _ in range(50)] == [mutate(data, second) for _ in range(50)]
