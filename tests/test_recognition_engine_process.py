"""The recognizer in its own process decides exactly as in-process, and fails in one line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.engine_process import EngineProcess
from voice_coach.recognition.listener import CommandListener
from voice_coach.recognition.offline import listen_to_samples
from voice_coach.recognition.phrases import load_command_phrases
from voice_coach.recognition.pocketsphinx_engine import PocketSphinxRecognizer
from voice_coach.settings import PocketSphinxSettings
from voice_coach.speech.pcm import read_wav, resample


@pytest.fixture(scope="module")
def spoken_commands(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """16 kHz int16: flite (awb) saying "pause", "next", "too hard", a second of silence apart."""
    if shutil.which("flite") is None:
        pytest.skip("flite is not installed (apt-get install flite)")
    folder = tmp_path_factory.mktemp("words")
    parts = [np.zeros(16000, dtype=np.float32)]
    for text in ("pause", "next", "too hard"):
        path = folder / f"{text}.wav"
        subprocess.run(["flite", "-voice", "rms", "-t", text, "-o", str(path)], check=True,
                       timeout=30)
        samples, rate = read_wav(path)
        parts += [resample(samples, rate, 16000), np.zeros(16000, dtype=np.float32)]
    return (np.concatenate(parts) * 32767).astype(np.int16)


def test_the_child_process_hears_what_the_engine_hears_in_process(
    spoken_commands: np.ndarray,
) -> None:
    phrases = load_command_phrases()
    in_process = listen_to_samples(
        CommandListener(PocketSphinxRecognizer(), phrases), spoken_commands)
    engine = EngineProcess("pocketsphinx")
    try:
        assert (engine.name, engine.sample_rate) == ("pocketsphinx", 16000)
        in_child = listen_to_samples(CommandListener(engine, phrases), spoken_commands)
    finally:
        engine.close()
    assert [h.command.value for h in in_child] == ["pause", "next", "easier"]
    assert in_child == in_process  # same commands, times, texts and confidences


def test_the_child_process_is_tuned_by_the_settings_it_is_given(
    spoken_commands: np.ndarray,
) -> None:
    strict = PocketSphinxSettings(min_advantage=1e6)  # no phrase can be this far ahead
    engine = EngineProcess("pocketsphinx", pocketsphinx=strict)
    try:
        heard = listen_to_samples(CommandListener(engine, load_command_phrases()), spoken_commands)
    finally:
        engine.close()
    assert heard == []


def test_the_engines_own_errors_reach_the_caller() -> None:
    engine = EngineProcess("pocketsphinx")
    try:
        with pytest.raises(ValueError, match="not in the PocketSphinx dictionary: zzqxv"):
            engine.set_phrases(["pause", "zzqxv"])
        engine.set_phrases(["pause"])  # the child is still serving
        assert engine.feed(np.zeros(800, dtype=np.int16)) == []
    finally:
        engine.close()


def test_closed_or_unknown_engines_say_so_in_one_line() -> None:
    engine = EngineProcess("pocketsphinx")
    engine.close()
    engine.close()  # safe to repeat
    with pytest.raises(RecognizerUnavailable, match="recognizer process stopped"):
        engine.reset()
    with pytest.raises(RecognizerUnavailable, match="unknown recognizer 'kaldi'"):
        EngineProcess("kaldi")
    with pytest.raises(RecognizerUnavailable) as missing:
        EngineProcess("vosk", Path("/nonexistent/model"))
    assert "\n" not in str(missing.value)
