"""Enrollment live, through PulseAudio: `voice-coach voice enroll` says its prompts into one
null sink (looped into its own microphone, as a room does) and the test answers each into the
other, in a voice the command net never heard; then `voice status` finds every command's takes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.pulse_audio import PulseRig
from voice_coach.core.engine import estimate_speech_ms
from voice_coach.recognition.phrases import load_command_phrases
from voice_coach.speech.pcm import wav_bytes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import make_command_corpus as corpus_maker

PERSON = next(v for v in corpus_maker.VOICES if v.name == "en-us-nyc+m8")
STYLES = ((0.9, -6), (1.12, 5), (1.0, 10))  # each take a little different, as a person's are
ASKS = ("Say: ", "Again: ", "Once more: ")
# After a prompt is printed it plays (about the engine's estimate), then 0.4 s are not listened
# to; paplay starts some 0.1-0.5 s after it is run.
AFTER_PROMPT_S = 0.5


@pytest.fixture(scope="module")
def takes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Path]:
    folder = tmp_path_factory.mktemp("takes")
    paths = {}
    for listed in load_command_phrases().values():
        for number, (speed, pitch) in enumerate(STYLES):
            voice = replace(PERSON, speed=PERSON.speed * speed, pitch=PERSON.pitch + pitch)
            speech = corpus_maker.synthesize(voice, listed[0])
            path = folder / f"{listed[0].replace(' ', '_')}-{number}.wav"
            path.write_bytes(wav_bytes(np.concatenate([speech, np.zeros(4000, np.float32)]),
                                       16000))
            paths[listed[0], number] = path
    return paths


def answer_prompts(process: subprocess.Popen, mic: str, takes: dict[tuple[str, int], Path],
                   printed: list[str]) -> None:
    """Read the coach's lines; after each prompt, say the take it asks for into `mic`."""
    assert process.stdout is not None
    for line in process.stdout:
        printed.append(line)
        text = line.strip()
        ask = next((a for a in ASKS if text.startswith(a)), None)
        if ask is None:
            continue
        phrase = text[len(ask) :].rstrip(".")
        time.sleep(estimate_speech_ms(text) / 1000 + AFTER_PROMPT_S)
        subprocess.run(["paplay", f"--device={mic}", str(takes[phrase, ASKS.index(ask)])],
                       check=True, timeout=30)


@pytest.mark.devices
def test_enrolling_by_voice_keeps_three_takes_of_every_command(
    tmp_path: Path, rig: PulseRig, takes: dict[tuple[str, int], Path]
) -> None:
    rig.loopback(rig.coach, rig.mic)
    env = {**os.environ, "PULSE_SINK": rig.coach, "PULSE_SOURCE": f"{rig.mic}.monitor",
           "VOICE_COACH_DATA_DIR": str(tmp_path / "data"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    process = subprocess.Popen([sys.executable, "-m", "voice_coach", "voice", "enroll"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    printed: list[str] = []
    answering = threading.Thread(target=answer_prompts,
                                 args=(process, rig.mic, takes, printed), daemon=True)
    answering.start()
    try:
        process.wait(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
    answering.join(timeout=30)
    stderr = process.stderr.read() if process.stderr else ""
    print("".join(printed), stderr)
    commands = len(load_command_phrases())
    assert process.returncode == 0, stderr
    assert f"kept {3 * commands} takes of {commands} of {commands} commands" in "".join(printed)
    status = subprocess.run([sys.executable, "-m", "voice_coach", "voice", "status"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert f"enrolled, {3 * commands} takes of {commands} commands" in status.stdout
