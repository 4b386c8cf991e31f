"""Commands file limits: phrase length and printability, phrase count, nesting, file size."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_coach.recognition.phrases import (
    PHRASE_MAX_CHARS,
    PHRASES_PER_COMMAND,
    CommandsFileError,
    load_commands_file,
)


def error_of(tmp_path: Path, text: str) -> str:
    path = tmp_path / "commands.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandsFileError) as caught:
        load_commands_file(path)
    message = str(caught.value)
    assert "\n" not in message and message.isprintable() and len(message) < 300
    assert message.startswith(str(path))
    return message.removeprefix(str(path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[pause]\nphrases = ["wait\\u0000"]\n',
         ":2: pause.phrases[1]: has the character \\x00 at character 5; use printable text"),
        ('[pause]\nphrases = ["hold", "\\u001b[2J"]\n',
         ":2: pause.phrases[2]: has the character \\x1b at character 1"),
        ('[pause]\nphrases = ["' + "w" * 10_000 + '"]\n',
         f":2: pause.phrases[1]: is 10,000 characters long; at most {PHRASE_MAX_CHARS} are"),
        ("[pause]\nphrases = [" + ", ".join(f'"p{n}"' for n in range(21)) + "]\n",
         f":2: pause.phrases: has 21 phrases; at most {PHRASES_PER_COMMAND} are allowed"),
        ("[pause]\nphrases = [nan]\n", ":2: pause.phrases[1]: nan is not a string (quote it)"),
        ("[pause]\nphrases = [[[[1]]]]\n",
         ":2: pause.phrases[1]: [[[1]]] is not a string (quote it)"),
        ('["pa\\u0007use' + "x" * 500 + '"]\nphrases = ["a"]\n', ": pa\\x07usexxxx"),
        ('"k\\u0000ey" = 1\n[pause]\nphrases = ["a"]\n',
         ": k\\x00ey: unknown command; commands are: next"),
        ('[pause]\nphrases = ["a"]\n"k\\u0000ey" = 1\n', ":1: pause.k\\x00ey: unknown field"),
    ],
)
def test_each_limit_is_one_line_with_line_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert error_of(tmp_path, text).startswith(expected)


def test_phrases_at_the_limits_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "commands.toml"
    phrases = ", ".join(f'"{"w" * (PHRASE_MAX_CHARS - 3)} {n}"' for n in range(10, 30))
    path.write_text(f"[pause]\nphrases = [{phrases}]\n", encoding="utf-8")
    (listed,) = load_commands_file(path).values()
    assert len(listed) == PHRASES_PER_COMMAND and len(listed[0]) == PHRASE_MAX_CHARS


def test_arrays_nested_10000_deep_are_one_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[pause]\nphrases = " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert message == ":2: TOML syntax error: lists or tables nested too deep inside each other"


def test_a_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[pause]\nphrases = ["a"]\n#' + "x" * 100_000 + "\n")
    assert message == ": is 100,026 characters long; a commands file may have 100,000"
