"""Text a person wrote in a file we read (routine names, cues, command phrases): the one rule for
what counts as printable, and how such text and values are named in a one-line error message."""

from __future__ import annotations

import difflib
import unicodedata
from typing import Any

SHOWN_CHARS = 40  # how much of a person's text an error message quotes back
PRINTABLE_RULE = "printable text only (no control characters, tabs or line breaks)"


def unprintable_at(text: str) -> int | None:
    """The 0-based position of the first character that is not printable text, or None.

    Spaces of any width count as printable (a pasted no-break space is harmless); control,
    format, line-separator, private-use and unassigned characters do not: they can hide text,
    move the terminal's cursor or read as nothing to the speech engine.
    """
    for position, character in enumerate(text):
        if not (character.isprintable() or unicodedata.category(character) == "Zs"):
            return position
    return None


def escaped(character: str) -> str:
    """A character as a person can read it in a message: `\\x00`, `\\u200d`, `\\t`."""
    return character.encode("unicode_escape").decode("ascii")


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """`text` fit for a one-line message: unprintable characters escaped, long text cut short."""
    return _escape_all(text[:limit]) + ("..." if len(text) > limit else "")


def one_line(text: str) -> str:
    """`text` as one line of a message: whitespace runs become one space, the rest escaped."""
    return _escape_all(" ".join(text.split()))


def text_problem(text: str, max_chars: int) -> str | None:
    """Why `text` breaks the limits (too long, or not printable), as a phrase; None if it fits."""
    if len(text) > max_chars:
        return f"is {len(text):,} characters long; at most {max_chars} are allowed"
    position = unprintable_at(text)
    if position is not None:
        return (
            f"has the character {escaped(text[position])} at character {position + 1}; "
            f"use {PRINTABLE_RULE}"
        )
    return None


def describe_value(value: Any) -> str:
    """A value as a person would name it in an error message."""
    if isinstance(value, bool):
        return f"true/false value {str(value).lower()}"
    if isinstance(value, int):
        return f"whole number {value}"
    if isinstance(value, float):
        return f"decimal number {value:g}"
    if isinstance(value, str):
        return f'text "{shown(value)}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def suggestion(word: str, allowed: tuple[str, ...]) -> str:
    """`(did you mean 'x'? allowed: a, b, c)`, leaving out the guess when none is close."""
    close = difflib.get_close_matches(word, allowed, n=1, cutoff=0.6)
    guess = f"did you mean '{close[0]}'? " if close else ""
    return f"({guess}allowed: {', '.join(allowed)})"


def _escape_all(text: str) -> str:
    return "".join(c if unprintable_at(c) is None else escaped(c) for c in text)
