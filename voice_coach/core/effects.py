"""What the session engine asks the outside world to do or know, each stamped with its time.

Effects are plain frozen data. `at_ms` is the session-clock time the effect belongs to: the
mixer turns it into a sample position, the events log writes it as seconds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum, StrEnum
from typing import Any


class Priority(IntEnum):
    """Which speech wins when two cues would overlap: a higher one replaces a lower one."""

    FORM = 0
    CUE = 1
    INSTRUCTION = 2


class State(StrEnum):
    """The session's top-level states."""

    INTRO = "intro"
    READY = "ready"
    SET = "set"
    REST = "rest"
    PAUSED = "paused"
    FINISHED = "finished"


class EndReason(StrEnum):
    """How a session ended: the only list of end reasons (the history derives its own)."""

    FINISHED = "finished"
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"


class SayKind(StrEnum):
    """What a spoken text is for; "repeat" says again the latest setup, info or instruction."""

    SETUP = "setup"  # a block's introduction, cautions and how to set up
    INFO = "info"  # the welcome, "set complete" at the end, the cool-down
    INSTRUCTION = "instruction"  # get ready, rest
    CUE = "cue"  # breathing, rest warnings
    COUNT = "count"  # count-in and rep counts
    FORM = "form"  # form cues
    CONFIRM = "confirm"  # replies to commands
    SUMMARY = "summary"  # the closing summary


REPEATABLE_KINDS = frozenset({SayKind.SETUP, SayKind.INFO, SayKind.INSTRUCTION})


@dataclass(frozen=True)
class Say:
    at_ms: int
    text: str
    priority: Priority
    kind: SayKind
    type: str = field(default="say", init=False)


@dataclass(frozen=True)
class Click:
    at_ms: int
    accent: bool
    type: str = field(default="click", init=False)


@dataclass(frozen=True)
class Sound:
    """A shipped sound asset by name (chime, earcon, done, ...)."""

    at_ms: int
    name: str
    type: str = field(default="sound", init=False)


@dataclass(frozen=True)
class Hush:
    """Silence everything playing or scheduled from this moment (pause, stop, switch)."""

    at_ms: int
    type: str = field(default="hush", init=False)


@dataclass(frozen=True)
class Yield:
    """The person talks over the coach: its sound goes down to let them be heard (`ducked`),
    or comes back; `cut_speech` also ends the cue being spoken (a command interrupted it)."""

    at_ms: int
    ducked: bool
    cut_speech: bool = False
    type: str = field(default="yield", init=False)


@dataclass(frozen=True)
class PhaseChanged:
    at_ms: int
    phase: str
    rep: int
    set_number: int
    block: int
    variation: str
    type: str = field(default="phase", init=False)


@dataclass(frozen=True)
class StateChanged:
    at_ms: int
    state: State
    previous: State | None
    type: str = field(default="state", init=False)


@dataclass(frozen=True)
class CommandHandled:
    at_ms: int
    command: str
    accepted: bool
    note: str
    type: str = field(default="command", init=False)


@dataclass(frozen=True)
class SetCompleted:
    at_ms: int
    block: int
    set_number: int
    variation: str
    reps_done: int
    reps_target: int
    tempo_scale: float
    type: str = field(default="set_done", init=False)


@dataclass(frozen=True)
class VariationChanged:
    at_ms: int
    previous: str
    variation: str
    reason: str  # easier, harder
    type: str = field(default="variation", init=False)


@dataclass(frozen=True)
class Finished:
    at_ms: int
    reason: EndReason
    sets_done: int
    reps_done: int
    reps_by_variation: dict[str, int]
    type: str = field(default="finished", init=False)


Effect = (
    Say | Click | Sound | Hush | Yield | PhaseChanged | StateChanged | CommandHandled | SetCompleted
    | VariationChanged | Finished
)


def effect_to_json(effect: Any) -> dict[str, Any]:
    """One events-log record: `t` in seconds and `type` first, then the effect's own fields.

    Works for any event dataclass with `at_ms` and `type` (effects and the loop's own)."""
    fields = asdict(effect)
    at_ms = fields.pop("at_ms")
    kind = fields.pop("type")
    return {"t": round(at_ms / 1000, 3), "type": kind, **fields}
