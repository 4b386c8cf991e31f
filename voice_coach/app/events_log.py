"""The events log: every effect and command of a run as one JSON object per line.

Schema: each line has `t` (seconds on the session clock, 3 decimals) and `type`, then the
fields of that type — say (text, priority, kind), click (accent), sound (name), hush,
phase (phase, rep, set_number, block, variation), state (state, previous), heard (command,
source, text, confidence), command (command, accepted, note), set_done, variation, finished,
speech (text, duration_ms, dropped: where a cue's speech really played), speech_late (text),
voice (the person's voice began: `t` is where the microphone heard it), yield (ducked,
cut_speech: the coach turned itself down for the person's voice, or back up),
device (device: output/microphone/recognizer/speech, state: lost/back, detail).
The first line is {"type": "run", ...} with the routine and the devices in use; the last,
{"t": ..., "type": "end", "underruns": N}, how often the audio output ran dry (a gap in the sound).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from voice_coach.core.effects import effect_to_json


class EventsLog:
    """Appends records to a JSONL file, flushed per line so nothing is lost on a crash."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: TextIO = path.open("w", encoding="utf-8")

    def header(self, **fields: Any) -> None:
        self._write({"type": "run", **fields})

    def footer(self, t: float, **fields: Any) -> None:
        self._write({"t": t, "type": "end", **fields})

    def write(self, event: Any) -> None:
        self._write(effect_to_json(event))

    def close(self) -> None:
        self._file.close()

    def _write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()
