"""Where a TOML text nests arrays and inline tables too deep for `tomllib`.

`tomllib` parses nesting recursively and gives up with a RecursionError that names no
position, so the files a person hands us (routines, command phrases) find the line here.
"""

from __future__ import annotations

_OPENERS = "[{"
_CLOSERS = "]}"
_QUOTES = "\"'"


def deepest_line(text: str) -> int:
    """The 1-based line where brackets and braces, outside strings and comments, nest deepest.

    A rough scan, not a parser: it is only asked after `tomllib` has already given up, and
    then the deepest point is where the person should look.
    """
    depth = deepest = 0
    line = deepest_at = 1
    quote = ""
    in_comment = False
    previous = ""
    for character in text:
        if character == "\n":
            line += 1
            in_comment = False
        elif in_comment:
            pass
        elif quote:
            if character == quote and previous != "\\":
                quote = ""
        elif character in _QUOTES:
            quote = character
        elif character == "#":
            in_comment = True
        elif character in _OPENERS:
            depth += 1
            if depth > deepest:
                deepest, deepest_at = depth, line
        elif character in _CLOSERS:
            depth = max(0, depth - 1)
        previous = character
    return deepest_at
