"""Hands-free control through real audio devices: `voice-coach run`, with the recognizer it
ships with (`auto`: the command net checked by PocketSphinx), plays into a PulseAudio null sink
and listens to another one's monitor; the test speaks commands into it (flite's rms and awb
voices) and reads the events log.

Each test builds its own sinks on the running server (unique names, unloaded afterwards), so
the loopbacks it adds never reach another test's coach. Latency is measured in one recording
that holds both the spoken word and the coach's output: from the end of the word to the earcon
the coach plays when it acts on a command (at the heard event's session time). An underrun
slips the session clock against any recording, so no global offset is used.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.pulse_audio import RATE, MonitorRecording, PulseRig
from voice_coach.sound.assets import load_sound
from voice_coach.speech.pcm import read_wav, resample

ROUTINE = """\
name = "voice-check"
description = "A short set for the voice-control test."

[[block]]
variation = "standard"
sets = 1
reps = 6
rest = 5
tempo = { lower = 5.0 }
"""
WORDS = ("pause", "resume", "stop")
LADDER_WORDS = ("harder", "easier", "next")
BACK_PAIN = "my back hurts"
# The allowed flite voice each word is spoken in: rms, except where awb's clip decodes with more
# confidence (offline, `listen --input`: "stop" rms 0.84, awb 0.95; "resume" 0.97, 0.99). This
# test proves the loop, not the recognizer's accuracy (scripts/bench_commands.py does that): a
# live "stop" in rms once came out at 0.40, under the 0.5 floor, and the run waited in vain.
WORD_VOICES = {"stop": "awb", "resume": "awb"}
# End of the spoken word to the earcon that acknowledges it (the earcon plays at the heard
# event's session time, which is when its samples sound): the endpointer's 0.2 s window, up to
# one 50 ms block, ~0.085 s decoding the segment twice, the next 11 ms output block and the
# output latency. "pause" measured 0.23-0.36 s over 20 runs, held to the 0.5 s; "resume"
# and "stop" 0.36-0.50 s: their quiet endings (the m, the released p) keep the endpointer in
# speech ~0.1 s longer after the clip's last loud sample (offline, in audio time: pause 0.17 s,
# resume 0.22 s, stop 0.27 s). Those figures are what the README reports; a busy core adds up to
# ~0.2 s (0.53-0.68 s measured with a busy-loop on one core), so the test holds every word to
# the product's promise for live use, 1 s, and prints what it measured.
MAX_LATENCY_S = {"pause": 1.0, "resume": 1.0, "stop": 1.0}
ACK_SEARCH_S = 2.0
EVENT_TIMEOUT_S = 30.0
QUIET_MARGIN_S = (
    0.6  # PocketSphinx word starts run ~0.3 s early; the gate voids words in a cue's 0.3 s tail
)
WORD_LEVEL = 0.02  # a word starts/ends where the flite clip first/last exceeds this
SELF_INTRO_S = 12.0  # how much of the spoken introduction the self-audio test listens to
SELF_REPS = 3  # ... and of the set: the user speaks while rep 3 (or a later one) is lowered
LOWER_S = 5.0  # the lowering phase of ROUTINE, 2-1-5-1
# Room a word needs between the lowering cue's end (plus QUIET_MARGIN_S) and the next count: a
# flite word ends by 0.73 s into its clip ("my back hurts" by 1.2 s), and paplay starts the
# clip up to ~0.5 s late when a core is busy (a new process connecting to the server); a word
# that runs into the count is void, as the coach cannot hear over its own voice yet.
PLAY_SLACK_S = 0.5
WORD_ROOM_S = 0.75 + PLAY_SLACK_S
PHRASE_ROOM_S = 1.2 + PLAY_SLACK_S
LOG_SETTLE_S = 0.6  # the cue or reply an event causes is logged within this
REPLY_WITHIN_S = 0.5  # a reply (after its earcon) starts within this of the command


@pytest.fixture(scope="module")
def words(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("flite") is None:
        pytest.skip("flite is not installed (apt-get install flite)")
    folder = tmp_path_factory.mktemp("words")
    paths = {}
    for word in (*WORDS, *LADDER_WORDS, BACK_PAIN):
        paths[word] = folder / f"{word.replace(' ', '-')}.wav"
        voice = WORD_VOICES.get(word, "rms")
        subprocess.run(
            ["flite", "-voice", voice, "-t", word, "-o", str(paths[word])], check=True, timeout=30
        )
    return paths


@pytest.fixture(scope="module")
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One speech cache for the module's runs: the same phrases need rendering only once."""
    return tmp_path_factory.mktemp("cache")


class CoachRun:
    """`voice-coach run` on the rig's devices, with keyboard commands on a pipe."""

    def __init__(self, tmp_path: Path, rig: PulseRig, routine: str, cache: Path,
                 recognizer: tuple[str, ...] = ()) -> None:
        routine_path = tmp_path / "routine.toml"
        routine_path.write_text(routine)
        self.events_path = tmp_path / "events.jsonl"
        self.stderr_path = tmp_path / "coach.err"
        self.mic = rig.mic
        env = {
            **os.environ,
            "PULSE_SINK": rig.coach,
            "PULSE_SOURCE": f"{rig.mic}.monitor",
            "VOICE_COACH_DATA_DIR": str(tmp_path / "data"),
            "VOICE_COACH_CONFIG_DIR": str(tmp_path / "config"),
            "XDG_CACHE_HOME": str(cache),
        }
        self._stderr = self.stderr_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voice_coach",
                "run",
                str(routine_path),
                "--keyboard",
                *recognizer,
                "--events",
                str(self.events_path),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=env,
        )

    def events(self) -> list[dict]:
        if not self.events_path.exists():
            return []
        lines = self.events_path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.endswith("}")]

    def wait_for(
        self, wanted: Callable[[dict], bool], what: str, timeout: float = EVENT_TIMEOUT_S
    ) -> dict:
        """The first event (in log order) that `wanted` accepts, waiting for it to be logged."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events():
                if wanted(event):
                    return event
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no {what} within {timeout} s; stderr: {self.stderr()}")

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def finish(self, timeout: float = 30.0) -> str:
        """Wait for the coach to exit on its own; its stdout (the summary line)."""
        out, _ = self.process.communicate(timeout=timeout)
        self._stderr.close()
        assert self.process.returncode == 0, (self.process.returncode, self.stderr())
        print("coach exit", self.process.returncode, repr(out))
        return out

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._stderr.close()

    def stderr(self) -> str:
        return self.stderr_path.read_text() if self.stderr_path.exists() else ""


@pytest.fixture
def coach_runs() -> Iterator[list[CoachRun]]:
    runs: list[CoachRun] = []
    yield runs
    for run in runs:
        run.kill()


def speech_end(run: CoachRun, event: dict) -> float:
    """Session time when the coach is done saying what it said by `event` or in reply to it."""
    time.sleep(LOG_SETTLE_S)  # a cue is logged right after the event that caused it
    spoken = [
        e["t"] + e["duration_ms"] / 1000
        for e in run.events()
        if e["type"] == "speech" and not e["dropped"] and e["t"] <= event["t"] + REPLY_WITHIN_S
    ]
    return max([event["t"], *spoken])


def speak_after(run: CoachRun, event: dict, seen_at: float, quiet_from: float, word: Path) -> None:
    """Play `word` into the coach's microphone at session time `quiet_from`.

    `seen_at` is when the test read `event` (monotonic); the log is written as blocks are
    rendered, so what it logs is heard within a few tens of milliseconds of that.
    """
    time.sleep(max(0.0, seen_at + quiet_from - event["t"] - time.monotonic()))
    subprocess.run(["paplay", f"--device={run.mic}", str(word)], check=True, timeout=30)


def speak_when_quiet(run: CoachRun, event: dict, seen_at: float, word: Path) -> None:
    """Play `word` once the coach has finished what it says at `event` (nothing follows)."""
    speak_after(run, event, seen_at, speech_end(run, event) + QUIET_MARGIN_S, word)


def speak_while_lowering(run: CoachRun, word: Path, after_t: float = -1.0, rep: int = 1,
                         room_s: float = WORD_ROOM_S) -> dict:
    """Play `word` in the first lowering (from rep `rep`, after `after_t`) that leaves it room
    between the coach's cue and the next count; returns that lowering's phase event."""
    while True:
        lower = run.wait_for(lowering(after_t, rep), "a lowering phase")
        seen_at = time.monotonic()
        quiet_from = speech_end(run, lower) + QUIET_MARGIN_S
        if lower["t"] + LOWER_S - quiet_from >= room_s:
            speak_after(run, lower, seen_at, quiet_from, word)
            return lower
        after_t = lower["t"]


def wait_seen(run: CoachRun, wanted: Callable[[dict], bool], what: str) -> tuple[dict, float]:
    event = run.wait_for(wanted, what)
    return event, time.monotonic()


def phase(name: str, after_t: float = -1.0) -> Callable[[dict], bool]:
    return lambda e: e["type"] == "phase" and e["phase"] == name and e["t"] > after_t


def lowering(after_t: float, rep: int) -> Callable[[dict], bool]:
    return lambda e: phase("lower", after_t)(e) and e["rep"] >= rep


def state(name: str) -> Callable[[dict], bool]:
    return lambda e: e["type"] == "state" and e["state"] == name


def voice_heard(command: str) -> Callable[[dict], bool]:
    return lambda e: e["type"] == "heard" and e["source"] == "voice" and e["command"] == command


# ----- locating things in a recording ------------------------------------------------------


def word_clip(path: Path) -> tuple[np.ndarray, float]:
    """The flite clip at the recording rate and where the spoken word ends in it (s)."""
    samples, rate = read_wav(path)
    clip = resample(samples.astype(np.float32), rate, RATE)
    loud = np.flatnonzero(np.abs(clip) > WORD_LEVEL)
    return clip, (loud[-1] + 1) / RATE


def locate(recording: np.ndarray, clip: np.ndarray) -> tuple[float, float]:
    """Where `clip` starts in `recording` (s) by cross-correlation, and the normalized peak."""
    size = 1 << int(np.ceil(np.log2(len(recording) + len(clip))))
    spectrum = np.fft.rfft(recording, size) * np.conj(np.fft.rfft(clip, size))
    correlation = np.fft.irfft(spectrum, size)[: len(recording) - len(clip) + 1]
    squares = np.concatenate([[0.0], np.cumsum(recording.astype(np.float64) ** 2)])
    energy = squares[len(clip) :] - squares[: len(squares) - len(clip)]
    clip_energy = float(np.sum(clip.astype(np.float64) ** 2))
    audible = energy > 0.01 * clip_energy  # near-silence would divide noise by noise
    score = np.zeros(len(correlation))
    score[audible] = correlation[audible] / np.sqrt(energy[audible] * clip_energy)
    best = int(np.argmax(score))
    return best / RATE, float(score[best])


def acknowledged_after(recording: np.ndarray, word: Path) -> tuple[float, float]:
    """Where `word` ends in `recording` and where the earcon that acknowledges a command starts
    after it (s). Both are heard in the same recording, so their distance is what a user
    hears, underruns and all, without relating the recording to the session clock."""
    clip, end_in_clip = word_clip(word)
    start, score = locate(recording, clip)
    assert score > 0.6, f"{word.stem!r} not found in the recording (score {score:.2f})"
    word_end = start + end_in_clip
    first = round(word_end * RATE)
    window = recording[first : first + round(ACK_SEARCH_S * RATE)]
    earcon = load_sound("earcon", RATE)
    earcon_start, score = locate(window, earcon)
    assert score > 0.6, f"no earcon within {ACK_SEARCH_S} s of {word.stem!r} (score {score:.2f})"
    return word_end, word_end + earcon_start


# ----- the tests -----------------------------------------------------------------------------


def start_coach(tmp_path: Path, rig: PulseRig, runs: list[CoachRun], cache: Path) -> CoachRun:
    run = CoachRun(tmp_path, rig, ROUTINE, cache)
    runs.append(run)
    run.wait_for(state("intro"), "intro")
    run.type("next")  # skip the spoken introduction
    return run


@pytest.mark.devices
def test_spoken_pause_resume_stop_take_effect_promptly(
    tmp_path: Path,
    rig: PulseRig,
    words: dict[str, Path],
    coach_runs: list[CoachRun],
    speech_cache: Path,
) -> None:
    tap = rig.sink("tap")  # hears the coach and the words alike, for the timing
    rig.loopback(rig.coach, tap)
    rig.loopback(rig.mic, tap)
    with MonitorRecording(tap, tmp_path / "tap.wav") as recording:
        run = start_coach(tmp_path, rig, coach_runs, speech_cache)
        speak_while_lowering(run, words["pause"])
        paused, seen = wait_seen(run, state("paused"), "pause")
        speak_when_quiet(run, paused, seen, words["resume"])
        resumed = run.wait_for(voice_heard("resume"), "resume")
        speak_while_lowering(run, words["stop"], after_t=resumed["t"])
        out = run.finish()
    events = run.events()[1:]
    audio = recording.samples()
    latencies = {}
    for word in WORDS:
        heard = [e for e in events if voice_heard(word)(e)]
        assert len(heard) == 1, (word, heard)
        word_end, acknowledged = acknowledged_after(audio, words[word])
        latencies[word] = acknowledged - word_end
    print("end of word to command, s:", {w: round(float(v), 3) for w, v in latencies.items()})
    assert "stopped:" in out
    finished = [e for e in events if e["type"] == "finished"]
    assert finished and finished[0]["reason"] == "stopped"
    states = [e["state"] for e in events if e["type"] == "state"]
    assert states[states.index("paused") - 1] == "set"

    for word, latency in latencies.items():
        assert 0.0 < latency <= MAX_LATENCY_S[word], (word, latency)
    assert not [
        e
        for e in events
        if e["type"] == "heard" and e["source"] == "voice" and e["command"] not in WORDS
    ]


@pytest.mark.devices
def test_deaf_to_its_own_voice_and_clicks_but_not_to_the_user(
    tmp_path: Path,
    rig: PulseRig,
    words: dict[str, Path],
    coach_runs: list[CoachRun],
    speech_cache: Path,
) -> None:
    rig.loopback(rig.coach, rig.mic)  # the coach's speaker is as loud in its microphone as a user
    with MonitorRecording(rig.mic, tmp_path / "mic.wav") as recording:
        run = CoachRun(tmp_path, rig, ROUTINE, speech_cache)
        coach_runs.append(run)
        run.wait_for(state("intro"), "intro")
        time.sleep(SELF_INTRO_S)  # part of the long spoken introduction
        run.type("next")
        spoken_from = speak_while_lowering(run, words["pause"], rep=SELF_REPS)["t"]
        run.wait_for(state("paused"), "pause")
        run.type("stop")
        run.finish()
    events = run.events()[1:]
    voice = [e for e in events if e["type"] == "heard" and e["source"] == "voice"]
    coach_audio = [
        e for e in events if e["type"] in ("click", "speech", "sound") and e["t"] < spoken_from
    ]
    assert sum(e["type"] == "click" for e in coach_audio) >= 15
    assert sum(e["type"] == "speech" for e in coach_audio) >= 10
    assert [e["command"] for e in voice] == ["pause"], voice
    assert voice[0]["t"] > spoken_from

    word_end, acknowledged = acknowledged_after(recording.samples(), words["pause"])
    latency = acknowledged - word_end
    print(
        f"self-audio run: {spoken_from:.1f} s of coach audio, no self-trigger; "
        f"end of 'pause' to command {latency:.3f} s"
    )
    assert 0.0 < latency <= MAX_LATENCY_S["pause"]


@pytest.mark.devices
def test_spoken_harder_easier_next_change_the_set(
    tmp_path: Path,
    rig: PulseRig,
    words: dict[str, Path],
    coach_runs: list[CoachRun],
    speech_cache: Path,
) -> None:
    run = start_coach(tmp_path, rig, coach_runs, speech_cache)
    heard_at = {}
    after_t = -1.0
    for word in LADDER_WORDS:
        speak_while_lowering(run, words[word], after_t=after_t)
        after_t = heard_at[word] = run.wait_for(voice_heard(word), word)["t"]
    run.type("stop")
    run.finish()
    events = run.events()[1:]
    voice = [e["command"] for e in events if e["type"] == "heard" and e["source"] == "voice"]
    assert voice == list(LADDER_WORDS)
    changes = [(e["t"], e["previous"], e["variation"]) for e in events if e["type"] == "variation"]
    assert changes == [
        (heard_at["harder"], "standard", "t-arms"),  # one rung up the ladder
        (heard_at["easier"], "t-arms", "standard"),
    ]
    assert [e["t"] for e in events if e["type"] == "set_done"] == [heard_at["next"]]


@pytest.mark.devices
def test_spoken_my_back_hurts_pauses_and_goes_on_gentler(
    tmp_path: Path,
    rig: PulseRig,
    words: dict[str, Path],
    coach_runs: list[CoachRun],
    speech_cache: Path,
) -> None:
    """Said mid-set into the microphone: the coach pauses at once and gives the article's
    advice; on resume it goes on with heel taps, the gentlest rung, at a slower tempo."""
    run = start_coach(tmp_path, rig, coach_runs, speech_cache)
    spoken_in = speak_while_lowering(run, words[BACK_PAIN], room_s=PHRASE_ROOM_S)
    heard = run.wait_for(voice_heard("back_pain"), "my back hurts")
    run.wait_for(lambda e: e["type"] == "say" and e["text"].startswith("Paused. Say resume"),
                 "the offer to go on gentler", timeout=60.0)
    run.type("resume")
    gentle = run.wait_for(lambda e: phase("lower", heard["t"])(e) and e["variation"] == "heel-taps",
                          "a heel-tap rep", timeout=60.0)
    run.type("stop")
    run.finish()
    events = run.events()[1:]
    assert heard["t"] > spoken_in["t"]
    states = [e for e in events if e["type"] == "state" and e["t"] == heard["t"]]
    assert [(e["previous"], e["state"]) for e in states] == [("set", "paused")]
    changes = [(e["previous"], e["variation"], e["reason"]) for e in events
               if e["type"] == "variation"]
    assert changes == [("standard", "heel-taps", "back_pain")]
    said = [e["text"] for e in events if e["type"] == "say" and e["t"] >= heard["t"]]
    assert said[0].startswith("The last thing you want")
    assert "Going on with slower bent-knee heel taps." in said
    assert not [e for e in events if e["type"] == "phase" and heard["t"] < e["t"] < gentle["t"]
                and e["variation"] != "heel-taps"]
    voice = [e["command"] for e in events if e["type"] == "heard" and e["source"] == "voice"]
    assert voice == ["back_pain"]
