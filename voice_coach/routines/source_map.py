"""Line numbers of the tables and keys of a routine file, found by scanning its text.

`tomllib` reports no line numbers for values, so a routine file's error messages get theirs
from here: `[[block]]` headers, `[block.tempo]` sub-tables and `key =` lines inside each table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_KEY_LINE = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_\-]+))\s*(?:\.|=)""")
_DOTTED_KEY = re.compile(r"""^\s*([A-Za-z0-9_\-]+)\s*\.\s*([A-Za-z0-9_\-]+)\s*=""")


@dataclass
class _Table:
    """One table of the source text: where its header is and on which line each key is set."""

    header_line: int
    keys: dict[str, int] = field(default_factory=dict)


class SourceMap:
    """Line numbers of tables and keys, found by scanning the text (tomllib gives none)."""

    def __init__(self, text: str) -> None:
        self.top = _Table(header_line=1)
        self.other_tables: dict[str, _Table] = {}
        self.blocks: list[_Table] = []
        self.block_tempos: dict[int, _Table] = {}
        self.last_line = max(1, text.count("\n") + 1)
        current = self.top
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[["):
                name = line[2:].split("]]")[0].strip()
                current = _Table(number)
                if name == "block":
                    self.blocks.append(current)
                else:
                    self.other_tables.setdefault(name, current)
                continue
            if line.startswith("["):
                name = line[1:].split("]")[0].strip()
                current = _Table(number)
                if name == "block.tempo" and self.blocks:
                    self.block_tempos[len(self.blocks) - 1] = current
                else:
                    self.other_tables.setdefault(name, current)
                continue
            self._note_key(current, line, number)

    @staticmethod
    def _note_key(table: _Table, line: str, number: int) -> None:
        match = _KEY_LINE.match(line)
        if not match:
            return
        key = next(group for group in match.groups() if group)
        table.keys.setdefault(key, number)
        dotted = _DOTTED_KEY.match(line)
        if dotted:
            table.keys.setdefault(f"{dotted.group(1)}.{dotted.group(2)}", number)

    def top_key(self, key: str) -> int:
        if key in self.top.keys:
            return self.top.keys[key]
        if key in self.other_tables:
            return self.other_tables[key].header_line
        return 1

    def block(self, index: int) -> int:
        if index < len(self.blocks):
            return self.blocks[index].header_line
        return self.top.keys.get("block", 1)

    def block_key(self, index: int, key: str) -> int:
        if index < len(self.blocks):
            table = self.blocks[index]
            if key == "tempo" and key not in table.keys and index in self.block_tempos:
                return self.block_tempos[index].header_line
            return table.keys.get(key, table.header_line)
        return self.block(index)

    def tempo_key(self, index: int, phase: str) -> int:
        if index in self.block_tempos:
            table = self.block_tempos[index]
            return table.keys.get(phase, table.header_line)
        if index < len(self.blocks) and f"tempo.{phase}" in self.blocks[index].keys:
            return self.blocks[index].keys[f"tempo.{phase}"]
        return self.block_key(index, "tempo")
