"""Turn recognized text into a command: exact phrase, active-state filter, confidence floor."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from voice_coach.core.commands import Command
from voice_coach.recognition.phrases import normalize_phrase

GARBAGE_MARKERS = ("[unk]", "<unk>", "[noise]", "+spn+", "<sil>")
DEFAULT_CONFIDENCE_FLOOR = 0.5


class CommandMatcher:
    """Maps an engine's text to a `Command`, or None when the text is no clean command."""

    def __init__(
        self,
        phrases: Mapping[Command, Sequence[str]],
        confidence_floor: float = DEFAULT_CONFIDENCE_FLOOR,
    ) -> None:
        self.confidence_floor = confidence_floor
        self._by_phrase: dict[str, Command] = {}
        for command, listed in phrases.items():
            for phrase in listed:
                self._by_phrase[normalize_phrase(phrase)] = command

    def match(
        self, text: str, confidence: float | None, active: frozenset[Command]
    ) -> Command | None:
        """The command that `text` names exactly, if it is active and confident enough."""
        if confidence is not None and confidence < self.confidence_floor:
            return None
        key = normalize_phrase(text)
        if not key or any(marker in key for marker in GARBAGE_MARKERS):
            return None
        command = self._by_phrase.get(key)
        return command if command in active else None

    def named_in(self, text: str) -> frozenset[Command]:
        """The commands one of whose phrases `text` contains as whole words (the coach saying
        "Say resume when you are ready" names RESUME)."""
        spoken = re.sub(r"[^\w']+", " ", text)  # "You can say: next, pause."
        words = f" {normalize_phrase(spoken)} "
        return frozenset(c for p, c in self._by_phrase.items() if f" {p} " in words)

    def match_partial(self, text: str, active: frozenset[Command]) -> Command | None:
        """Like `match` for a partial result, but only when no longer phrase of another command
        could still follow ("skip" may become "skip rest")."""
        command = self.match(text, None, active)
        if command is None:
            return None
        prefix = normalize_phrase(text) + " "
        for phrase, other in self._by_phrase.items():
            if other != command and phrase.startswith(prefix):
                return None
        return command
