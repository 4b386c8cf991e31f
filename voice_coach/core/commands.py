"""The commands a person can give the coach, by voice or keyboard, and when each makes sense."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    """Canonical command names; the value is what logs and `listen --json` print."""

    NEXT = "next"
    PAUSE = "pause"
    RESUME = "resume"
    EASIER = "easier"
    HARDER = "harder"
    SLOWER = "slower"
    FASTER = "faster"
    REPEAT = "repeat"
    HOW_MANY = "how_many"
    SKIP_REST = "skip_rest"
    STOP = "stop"
    HELP = "help"
    BACK_PAIN = "back_pain"

    @property
    def spoken(self) -> str:
        """The command as a person says it ("how many", not "how_many")."""
        return _SPOKEN.get(self, self.value.replace("_", " "))


# Where the name alone is not what a person says.
_SPOKEN = {Command.BACK_PAIN: "my back hurts"}


def parse_command(word: str) -> Command | None:
    """The command named by a canonical name or its spoken form; None when it names none."""
    key = word.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return Command(key)
    except ValueError:
        return None
