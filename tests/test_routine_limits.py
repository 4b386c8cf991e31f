"""Routine file limits: text length and printability, finite numbers, nesting, total length."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_coach import cli
from voice_coach.core.catalog import load_catalog
from voice_coach.core.routine import BUILTIN_ROUTINES
from voice_coach.routines.estimate import (
    MAX_ROUTINE_MS,
    block_floor_ms,
    estimate_duration_ms,
    over_limit,
)
from voice_coach.routines.files import (
    TEXT_MAX_CHARS,
    RoutineFileError,
    parse_routine_text,
)
from voice_coach.routines.template import routine_template

HEAD = 'name = "x"\ndescription = "d"\n'
BLOCK = '[[block]]\nvariation = "standard"\nsets = 2\n'


def error_of(text: str, path: str = "r.toml") -> RoutineFileError:
    with pytest.raises(RoutineFileError) as caught:
        parse_routine_text(text, path)
    message = str(caught.value)
    assert "\n" not in message and message.isprintable()
    return caught.value


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (HEAD + BLOCK + "tempo = { lift = nan }\n", 6, "blocks[1].tempo.lift",
         "nan is not a length of time; use more than 0 to 20 s"),
        (HEAD + BLOCK + "tempo = { top = -inf }\n", 6, "blocks[1].tempo.top",
         "-inf is not a length of time; use 0 to 20 s"),
        (HEAD + BLOCK + "tempo = { lower = 1e308 }\n", 6, "blocks[1].tempo.lower",
         "out of range"),
        (HEAD + BLOCK.replace("sets = 2", "sets = nan"), 5, "blocks[1].sets",
         "expected a whole number 1..20, got decimal number nan"),
        ('name = "a\\u0000b"\ndescription = "d"\n' + BLOCK, 1, "name",
         "has the character \\x00 at character 2; use printable text only"),
        ('name = "x"\ndescription = "tab\\there"\n' + BLOCK, 2, "description",
         "has the character \\t at character 4"),
        ('name = "x"\ndescription = "d"\nwarmup = "zero\\u200bwidth"\n' + BLOCK, 3, "warmup",
         "has the character \\u200b at character 5"),
        ('name = "' + "n" * 100_000 + '"\ndescription = "d"\n' + BLOCK, 1, "name",
         "is 100,000 characters long; at most 64 are allowed"),
        ('name = "x"\ndescription = "' + "d" * 201 + '"\n' + BLOCK, 2, "description",
         "at most 200 are allowed"),
        (HEAD + 'cooldown = "' + "c" * 301 + '"\n' + BLOCK, 3, "cooldown",
         "at most 300 are allowed"),
        (HEAD + BLOCK.replace('"standard"', '"\\u001b[2Jwipe' + "x" * 500 + '"'), 4,
         "blocks[1].variation", "unknown variation '\\x1b[2Jwipe"),
    ],
)
def test_each_limit_is_one_line_with_line_and_field(
    text: str, line: int, field: str, words: str
) -> None:
    error = error_of(text)
    assert (error.line, error.field) == (line, field)
    assert words in str(error)
    assert len(str(error)) < 300  # a huge value is quoted cut short, never whole


def test_text_at_the_limits_is_accepted() -> None:
    text = (
        f'name = "{"n" * TEXT_MAX_CHARS["name"]}"\n'
        f'description = "caf\u00e9 with a no-break\u00a0space"\n'
        f'warmup = "{"w" * TEXT_MAX_CHARS["warmup"]}"\n' + BLOCK
    )
    routine = parse_routine_text(text)
    assert len(routine.name) == 64 and len(routine.warmup or "") == 300


def test_arrays_nested_10000_deep_are_one_line_not_a_recursion_error() -> None:
    deep = "a = " + "[" * 10_000 + "]" * 10_000 + "\n"
    error = error_of(HEAD + '# a comment [[[ with "quotes" [[[\nb = "[[[[["\n' + deep + BLOCK)
    assert str(error) == (
        "r.toml:5: TOML syntax error: lists or tables nested too deep inside each other"
    )
    deep_tables = "a = " + "{ b = " * 5_000 + "1" + " }" * 5_000 + "\n"
    assert error_of(HEAD + BLOCK + deep_tables).line == 6


def test_a_file_far_longer_than_any_routine_is_refused_before_parsing() -> None:
    error = error_of(HEAD + BLOCK + "# " + "x" * 1_000_000 + "\n")
    assert "characters long; a routine file may have 1,000,000" in str(error)


def test_200_blocks_lasting_about_509_hours_are_refused_at_the_block_past_4_hours() -> None:
    block = '[[block]]\nvariation = "standard"\nsets = 12\nreps = 30\nrest = 600\n'
    text = HEAD + block * 200
    error = error_of(text)
    catalog = load_catalog()
    per_block_ms = block_floor_ms(parse_routine_text(HEAD + block).blocks[0], catalog, False)
    first_over = MAX_ROUTINE_MS // per_block_ms + 1  # blocks are counted from 1
    assert error.field == f"blocks[{first_over}]"
    assert error.line == 3 + 5 * (first_over - 1)
    assert "the routine lasts at least 509 h 09 min" in str(error)
    assert "at most 4 h is allowed" in str(error)


def test_a_routine_whose_floor_fits_but_whose_speech_does_not_is_refused_exactly() -> None:
    """Short sets: the count-ins and spoken lines more than double the floor of reps and rests."""
    block = '[[block]]\nvariation = "standard"\nsets = 20\nreps = 1\nrest = 0\nrest_after = 0\n'
    blocks = 60
    text = HEAD + block * blocks
    routine = parse_routine_text(HEAD + block)
    catalog = load_catalog()
    floor_ms = blocks * block_floor_ms(routine.blocks[0], catalog, False)
    assert floor_ms < MAX_ROUTINE_MS
    error = error_of(text)
    assert "the routine lasts about " in str(error)
    number = int(error.field.removeprefix("blocks[").removesuffix("]"))
    assert 1 < number < blocks


def test_the_floor_never_exceeds_the_engines_dry_run() -> None:
    catalog = load_catalog()
    routines = [*BUILTIN_ROUTINES.values(), parse_routine_text(routine_template("t"))]
    for routine in routines:
        last = len(routine.blocks) - 1
        floor_ms = sum(block_floor_ms(block, catalog, index == last)
                       for index, block in enumerate(routine.blocks))
        assert 0 < floor_ms <= estimate_duration_ms(routine, catalog)
        assert over_limit(routine, catalog) is None


def test_routine_check_states_the_length_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICE_COACH_CONFIG_DIR", str(tmp_path / "config"))
    path = tmp_path / "long.toml"
    path.write_text(HEAD + '[[block]]\nvariation = "hover"\nsets = 20\nreps = 100\n', "utf-8")
    assert cli.main(["routine", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"voice-coach: {path}:3: field 'blocks[1]': the routine lasts at least")
    assert "at most 4 h is allowed" in err


def test_the_template_states_the_limits() -> None:
    text = routine_template("mine")
    assert "name up to 64 characters, description 200, warmup and\n# cooldown 300 each" in text
    assert "printable text only" in text
    assert "lasts at most 4 h" in text
