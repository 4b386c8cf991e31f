"""The naive coach that bench_timing.py compares against, run as its own process.

    python scripts/bench_timing_naive.py SCHEDULE.json OUT.json [--silent] [--no-speech]
        [--max-seconds S]

The design most Python workout coaches use: a `time.sleep` loop that plays each click on its own
(`sounddevice.play(click)`) and speaks with `pyttsx3.say(...); runAndWait()`, then sleeps for the
beat. SCHEDULE.json is a list of beats {"at_ms", "accent", "text"} (text may be null); the loop
plays them in order, sleeping the scheduled interval after each beat's work. OUT.json gets the
`time.monotonic()` of every play call, say call and runAndWait return (the monotonic clock is
shared by all processes, so the parent can place them on its recording). With --silent no click
is played (no audio device); with --no-speech nothing is said (the bare sleep loop). The loop
stops after --max-seconds of wall time, however far through the schedule it got.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from voice_coach.sound.assets import load_sound

SAMPLE_RATE = 48000
CLICK_GAIN = 0.7  # the coach's mixer plays clicks at this gain too
TTS_RATE_WPM = 165  # the coach's default speaking rate
SETTLE_S = 2.5  # after the last beat, so the last speech reaches the sink before we exit


def run(beats: list[dict], silent: bool, speak: bool, max_seconds: float) -> dict:
    import pyttsx3

    sd = None
    if not silent:
        import sounddevice as sd

        sd.play(np.zeros(480, np.float32), SAMPLE_RATE)  # open the device once before timing
        sd.wait()
    engine = pyttsx3.init() if speak else None
    if engine is not None:
        engine.setProperty("rate", TTS_RATE_WPM)
    click = (CLICK_GAIN * load_sound("click", SAMPLE_RATE)).astype(np.float32)
    accent = (CLICK_GAIN * load_sound("accent", SAMPLE_RATE)).astype(np.float32)
    plays: list[float] = []
    says: list[float | None] = []
    returns: list[float | None] = []
    time.sleep(0.5)
    deadline = time.monotonic() + max_seconds
    for index, beat in enumerate(beats):
        if time.monotonic() > deadline:
            break
        plays.append(time.monotonic())
        if sd is not None:
            sd.play(accent if beat["accent"] else click, SAMPLE_RATE)
        if engine is not None and beat["text"]:
            says.append(time.monotonic())
            engine.say(beat["text"])
            engine.runAndWait()
            returns.append(time.monotonic())
        else:
            says.append(None)
            returns.append(None)
        if index + 1 < len(beats):
            time.sleep((beats[index + 1]["at_ms"] - beat["at_ms"]) / 1000)
    time.sleep(SETTLE_S)
    return {"plays": plays, "says": says, "returns": returns}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schedule", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--silent", action="store_true")
    parser.add_argument("--no-speech", action="store_true")
    parser.add_argument("--max-seconds", type=float, default=3600.0)
    args = parser.parse_args()
    beats = json.loads(args.schedule.read_text())
    result = run(beats, args.silent, not args.no_speech, args.max_seconds)
    args.out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
