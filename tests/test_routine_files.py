"""Routine files: parsing to `Routine`, one-line errors with file/line/field, lookup, CLI."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from voice_coach import cli
from voice_coach.core.catalog import load_catalog
from voice_coach.core.dry_run import run_to_end
from voice_coach.core.effects import EndReason, Finished, Say, SetCompleted
from voice_coach.core.engine import Session
from voice_coach.core.routine import BUILTIN_ROUTINES, Block, Routine
from voice_coach.routines.estimate import estimate_duration_ms, format_duration
from voice_coach.routines.files import (
    RoutineError,
    RoutineFileError,
    load_routine_file,
    parse_routine_text,
)
from voice_coach.routines.library import find_routine, list_routines, routines_dir
from voice_coach.routines.template import routine_template
from voice_coach.routines.tempo_fields import TEMPO_RULE_QUOTE

VALID = """\
# my routine
name = "evening"
description = "Two blocks for the evening."
warmup = "Loosen up first."
cooldown = "Stretch."

[[block]]
variation = "heel-taps"
sets = 3
reps = 12
tempo = { lift = 2.0, top = 0.5, lower = 3.0, bottom = 0 }
rest = 20
rest_after = 60

[[block]]
variation = "hover"
sets = 1
seconds = 45

[[block]]
variation = "standard"
sets = 2
[block.tempo]
lower = 4.25
"""

EXPECTED = Routine(
    name="evening",
    description="Two blocks for the evening.",
    blocks=(
        Block(
            "heel-taps",
            sets=3,
            reps=12,
            tempo={"lift": 2000, "top": 500, "lower": 3000, "bottom": 0},
            rest_s=20,
            rest_after_s=60,
        ),
        Block("hover", sets=1, seconds=45),
        Block("standard", sets=2, tempo={"lower": 4250}),
    ),
    warmup="Loosen up first.",
    cooldown="Stretch.",
)

HEAD = 'name = "x"\ndescription = "d"\n'
ONE_BLOCK = HEAD + '\n[[block]]\nvariation = "standard"\nsets = 2\n'


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("VOICE_COACH_CONFIG_DIR", str(folder))
    return folder


def write(tmp_path: Path, text: str | bytes, name: str = "routine.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_becomes_the_expected_routine(tmp_path: Path) -> None:
    assert load_routine_file(write(tmp_path, VALID)) == EXPECTED


def test_defaults_for_rest_and_reps(tmp_path: Path) -> None:
    routine = load_routine_file(write(tmp_path, ONE_BLOCK))
    (block,) = routine.blocks
    assert block == Block("standard", sets=2)
    assert routine.warmup is None and routine.cooldown is None


# (file text, line, field, words the message must contain)
ERRORS = [
    pytest.param(
        ONE_BLOCK + '\n[[block]]\nvariation = "hoover"\nsets = 3\n',
        9,
        "blocks[2].variation",
        "unknown variation 'hoover' (did you mean 'hover'? allowed: heel-taps, slow-tempo, "
        "standard,",
        id="unknown-variation",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = "three"\n',
        5,
        "blocks[1].sets",
        'expected a whole number 1..20, got text "three"',
        id="wrong-type",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = 21\n',
        5,
        "blocks[1].sets",
        "21 is out of range; use 1..20",
        id="sets-range",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = 2\nreps = 0\n',
        6,
        "blocks[1].reps",
        "use 1..100",
        id="reps-range",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = 2\nseconds = 4\n',
        6,
        "blocks[1].seconds",
        "use 5..600 seconds",
        id="seconds-range",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = 2\nrest = 601\n',
        6,
        "blocks[1].rest",
        "use 0..600 seconds",
        id="rest-range",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = 2\nrest_after = -1\n',
        6,
        "blocks[1].rest_after",
        "use 0..600 seconds",
        id="rest-after-range",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = true\n',
        5,
        "blocks[1].sets",
        "got true/false value true",
        id="bool-is-not-a-number",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = 2\ntempo = { lift = 0 }\n',
        6,
        "blocks[1].tempo.lift",
        "use more than 0 to 20 s",
        id="tempo-lift-zero",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = 2\n\n[block.tempo]\ntop = 25.0\n',
        8,
        "blocks[1].tempo.top",
        "25 s is out of range; use 0 to 20 s",
        id="tempo-subtable-range",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = 2\ntempo = { lft = 2.0 }\n',
        6,
        "blocks[1].tempo.lft",
        "unknown field (did you mean 'lift'?",
        id="tempo-typo",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = 2\ntempo = { lift = "slow" }\n',
        6,
        "blocks[1].tempo.lift",
        'expected seconds as a number like 2.0, got text "slow"',
        id="tempo-type",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = 2\ntempo = { lift = 4.0, lower = 1.0 }\n',
        6,
        "blocks[1].tempo.lower",
        "lowering (1 s) is faster than lifting (4 s); make lower at least as long as lift, "
        'as the article says: "the downward phase is slower and more controlled than the '
        'upward phase"',
        id="tempo-rule-both-given",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = 2\n\n[block.tempo]\nlift = 4.0\n',
        8,
        "blocks[1].tempo.lift",
        "lowering (3 s) is faster than lifting (4 s)",  # standard's own lower is 3 s
        id="tempo-rule-against-the-variation",
    ),
    pytest.param(
        HEAD + '[[block]]\nvariation = "standard"\nsets = 2\nreps = 8\nseconds = 30\n',
        7,
        "blocks[1].seconds",
        "give either reps (counted sets) or seconds (timed sets), not both",
        id="reps-and-seconds",
    ),
    pytest.param(
        ONE_BLOCK + '\n[[block]]\nvariation = "standard"\nrepz = 3\nsets = 1\n',
        10,
        "blocks[2].repz",
        "unknown field (did you mean 'reps'?",
        id="unknown-block-key",
    ),
    pytest.param(
        'name = "x"\ndescripton = "d"\n[[block]]\nvariation = "standard"\nsets = 2\n',
        2,
        "descripton",
        "unknown field (did you mean 'description'?",
        id="unknown-top-key",
    ),
    pytest.param(
        ONE_BLOCK + '\n[[blocks]]\nvariation = "standard"\nsets = 2\n',
        8,
        "blocks",
        "unknown field (did you mean 'block'?",
        id="typo-in-table-name",
    ),
    pytest.param(
        HEAD + "\n[[block]]\nsets = 2\n",
        4,
        "blocks[1].variation",
        "missing; every [[block]] needs variation",
        id="missing-variation",
    ),
    pytest.param(
        HEAD + '\n[[block]]\nvariation = "hover"\n',
        4,
        "blocks[1].sets",
        "missing",
        id="missing-sets",
    ),
    pytest.param(
        'description = "d"\n[[block]]\nvariation = "standard"\nsets = 2\n',
        1,
        "name",
        "missing",
        id="missing-name",
    ),
    pytest.param(
        'name = 3\ndescription = "d"\n[[block]]\nvariation = "standard"\nsets = 2\n',
        1,
        "name",
        "expected text in quotes, got whole number 3",
        id="name-type",
    ),
    pytest.param(HEAD, 1, "blocks", "the routine has no blocks", id="no-blocks"),
    pytest.param(
        HEAD + "[[block]]\nvariation = 5\nsets = 2\n",
        4,
        "blocks[1].variation",
        "expected a variation id in quotes",
        id="variation-type",
    ),
]


@pytest.mark.parametrize(("text", "line", "field", "words"), ERRORS)
def test_each_mistake_is_one_line_with_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RoutineFileError) as caught:
        load_routine_file(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}: field '{field}': ")
    assert words in message
    assert (caught.value.line, caught.value.field) == (line, field)


def test_syntax_error_keeps_tomllib_position(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "\n[[block]\nvariation = 'standard'\n")
    with pytest.raises(RoutineFileError) as caught:
        load_routine_file(path)
    assert str(caught.value) == (
        f"{path}:4: TOML syntax error: Expected ']]' at the end of an array declaration (column 8)"
    )


def test_syntax_error_at_end_of_file_points_at_last_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "sets =")
    with pytest.raises(RoutineFileError) as caught:
        load_routine_file(path)
    assert str(caught.value).startswith(f"{path}:3: TOML syntax error: Invalid value")


def test_non_utf8_file_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD.encode() + b'warmup = "caf\xe9"\n')
    with pytest.raises(RoutineFileError) as caught:
        load_routine_file(path)
    assert str(caught.value) == (
        f"{path}:3: the file is not UTF-8 text (byte 0xe9); save it as UTF-8"
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(RoutineFileError) as caught:
        load_routine_file(path)
    assert str(caught.value) == f"{path}: no such file"


@pytest.mark.parametrize("text", [param.values[0] for param in ERRORS[:4]] + [HEAD + "[[block]"])
def test_check_command_exits_2_with_one_line_and_no_traceback(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, text)
    assert cli.main(["routine", "check", str(path)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"voice-coach: {path}:")
    assert captured.out == ""


def test_check_command_summarises_a_valid_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, VALID)
    assert cli.main(["routine", "check", str(path)]) == 0
    out = capsys.readouterr().out.strip()
    duration = format_duration(estimate_duration_ms(EXPECTED))
    assert out == (f"ok: evening: 3 blocks, 6 sets, about {duration} (heel-taps, hover, standard)")


def test_estimate_covers_every_rep_and_rest() -> None:
    catalog = load_catalog()
    routine = EXPECTED
    # lower bound: rep time of counted sets, the timed sets, and every rest
    first, timed, third = routine.blocks
    first_tempo = catalog.get("heel-taps").tempo.with_overrides(first.tempo)
    third_tempo = catalog.get("standard").tempo.with_overrides(third.tempo)
    work_ms = (
        first.sets * first.reps * first_tempo.rep_ms
        + timed.sets * timed.seconds * 1000
        + third.sets * catalog.get("standard").reps * third_tempo.rep_ms
    )
    rest_ms = 1000 * (
        (first.sets - 1) * first.rest_s
        + first.rest_after_s
        + timed.rest_after_s
        + (third.sets - 1) * third.rest_s
    )
    estimate = estimate_duration_ms(routine, catalog)
    assert estimate > work_ms + rest_ms
    slower = replace(
        routine, blocks=(*routine.blocks[:2], Block("standard", sets=2, tempo={"lower": 5250}))
    )
    per_rep_extra = 1000 * third.sets * catalog.get("standard").reps
    assert estimate_duration_ms(slower, catalog) == estimate + per_rep_extra


def test_find_routine_by_path_user_name_and_builtin(tmp_path: Path, config_dir: Path) -> None:
    path = write(tmp_path, VALID)
    assert find_routine(str(path)) == EXPECTED
    assert find_routine(path) == EXPECTED
    assert find_routine("beginner") is BUILTIN_ROUTINES["beginner"]
    routines_dir().mkdir(parents=True)
    (routines_dir() / "beginner.toml").write_text(VALID, encoding="utf-8")
    assert find_routine("beginner") == EXPECTED  # a user routine wins over a built-in


def test_unknown_routine_name_lists_what_exists(config_dir: Path) -> None:
    routines_dir().mkdir(parents=True)
    (routines_dir() / "evening.toml").write_text(VALID, encoding="utf-8")
    with pytest.raises(RoutineError) as caught:
        find_routine("evenin")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("no routine named 'evenin' (did you mean 'evening'? available: ")
    for name in (*BUILTIN_ROUTINES, "evening"):
        assert name in message


def test_list_routines_shows_builtins_user_files_and_broken_ones(config_dir: Path) -> None:
    routines_dir().mkdir(parents=True)
    (routines_dir() / "evening.toml").write_text(VALID, encoding="utf-8")
    (routines_dir() / "broken.toml").write_text(HEAD, encoding="utf-8")
    infos = {info.name: info for info in list_routines()}
    assert set(infos) == {*BUILTIN_ROUTINES, "evening", "broken"}
    assert infos["beginner"].source == "built-in" and infos["beginner"].path is None
    assert infos["evening"].description == EXPECTED.description
    assert infos["evening"].path == routines_dir() / "evening.toml"
    assert infos["broken"].error is not None and "no blocks" in infos["broken"].error


def test_routine_list_command(config_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["routine", "new", "evening"]) == 0
    capsys.readouterr()
    assert cli.main(["routine", "list"]) == 0
    out = capsys.readouterr().out
    assert out.count("[built-in]") == len(BUILTIN_ROUTINES)
    assert str(routines_dir() / "evening.toml") in out


def test_template_round_trip_runs_to_the_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["routine", "new", "mine"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == routines_dir() / "mine.toml"
    text = path.read_text(encoding="utf-8")
    for variation_id in load_catalog().ids:
        assert f"#                 {variation_id}" in text
    for field in (
        "name",
        "description",
        "warmup",
        "cooldown",
        "variation",
        "sets",
        "reps",
        "seconds",
        "tempo",
        "rest",
        "rest_after",
    ):
        assert f"{field} " in text

    assert cli.main(["routine", "check", "mine"]) == 0
    assert capsys.readouterr().out.startswith("ok: mine: 2 blocks, 4 sets, about ")

    routine = find_routine("mine")
    session = Session(routine, load_catalog())
    effects = session.start(0)
    while not session.finished:
        effects += session.advance(session.next_due_ms())
    finished = [e for e in effects if isinstance(e, Finished)]
    assert [f.reason for f in finished] == [EndReason.FINISHED]
    sets = [e for e in effects if isinstance(e, SetCompleted)]
    assert len(sets) == routine.total_sets
    assert all(s.reps_done == s.reps_target for s in sets)
    assert [s.reps_target for s in sets] == [b.reps for b in routine.blocks for _ in range(b.sets)]


def test_routine_new_refuses_to_overwrite_without_force(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["routine", "new", "mine"]) == 0
    path = routines_dir() / "mine.toml"
    path.write_text("edited", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["routine", "new", "mine"]) == 2
    err = capsys.readouterr().err
    assert (
        err.strip()
        == f"voice-coach: {path} already exists; edit it, or add --force to overwrite it"
    )
    assert path.read_text(encoding="utf-8") == "edited"
    assert cli.main(["routine", "new", "mine", "--force"]) == 0
    assert load_routine_file(path).name == "mine"


def test_routine_new_rejects_a_name_that_is_not_a_file_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["routine", "new", "../escape"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("voice-coach: '../escape' cannot be a routine name")
    assert not routines_dir().exists()


def test_check_unknown_name_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["routine", "check", "nope"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_check_command_on_unreadable_files_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_utf8 = write(tmp_path, HEAD.encode() + b'warmup = "caf\xe9"\n', "latin1.toml")
    missing = tmp_path / "missing.toml"
    for path, line in (
        (not_utf8, f"{not_utf8}:3: the file is not UTF-8"),
        (missing, f"{missing}: no such file"),
    ):
        assert cli.main(["routine", "check", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"voice-coach: {line}")
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_tempo_rule_quote_is_the_articles_own_cited_words() -> None:
    assert any(TEMPO_RULE_QUOTE in source for source in load_catalog().common.sources)


def test_lowering_as_long_as_lifting_is_allowed(tmp_path: Path) -> None:
    text = HEAD + '[[block]]\nvariation = "standard"\nsets = 2\ntempo = { lift = 3.0 }\n'
    (block,) = load_routine_file(write(tmp_path, text)).blocks
    assert block.tempo == {"lift": 3000}


@pytest.mark.parametrize("action", [["routine", "check"], ["run", "--recognizer", "off"]])
def test_tempo_rule_breach_exits_2_from_check_and_run(
    tmp_path: Path, action: list[str], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOICE_COACH_DATA_DIR", str(tmp_path / "data"))
    text = HEAD + '[[block]]\nvariation = "standard"\nsets = 2\ntempo = { lift = 4.0 }\n'
    path = write(tmp_path, text)
    assert cli.main([*action, str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"voice-coach: {path}:6: field 'blocks[1].tempo.lift': ")
    assert TEMPO_RULE_QUOTE in captured.err


def test_template_examples_uncommented_are_said_as_written() -> None:
    """The example warm-up and cool-down say only the article's words or plain mechanics."""
    text = routine_template("mine")
    for key in ("warmup", "cooldown"):
        text = text.replace(f"# {key} = ", f"{key} = ")
    routine = parse_routine_text(text)
    assert routine.warmup == "Keep your lower back touching the floor the whole time, no gaps."
    assert routine.cooldown == "Well done. Rest now."
    assert any(
        "lower back should remain touching the ground the entire time without any gaps" in quote
        for variation in load_catalog().variations
        for quote in variation.sources
    )
    said = [say.text for say in run_to_end(Session(routine, load_catalog()))
            if isinstance(say, Say)]
    assert any(routine.warmup in text for text in said)
    assert said[-1] == routine.cooldown
