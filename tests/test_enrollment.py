"""Enrollment: the coach asks for each command three times, keeps good takes, asks again for a
bad one; and the kept takes make the command net hear that voice better."""

from __future__ import annotations

import io
import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.fakes import FakeDevices
from voice_coach.app.enrollment import ASK, WELCOME, Enrollment
from voice_coach.cli import main
from voice_coach.recognition.engines import open_engine
from voice_coach.recognition.listener import CommandListener
from voice_coach.recognition.phrase_net_engine import PhraseNetRecognizer
from voice_coach.recognition.phrases import load_command_phrases
from voice_coach.recognition.speech_embedding import SpeechEmbedding
from voice_coach.recognition.verified_net_engine import VerifiedNetRecognizer
from voice_coach.recognition.voice_takes import enrolled_matcher, save_takes, takes_folder
from voice_coach.settings import (
    MicrophoneSettings,
    OutputSettings,
    PocketSphinxSettings,
    RecognizerKind,
    SpeechSettings,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import bench_commands
import command_training_data
import make_command_corpus as corpus_maker

RATE = 16000
BLOCK = 800  # the enrollment's 50 ms
# A held-out voice of the command corpus: the command head never heard it.
PERSON = next(v for v in corpus_maker.VOICES if v.name == "en-us-nyc+m8")
# How the person's takes differ from each other and from what they say later (the corpus
# clips are at PERSON's own rate and pitch).
TAKE_STYLES = ((0.9, -6), (1.12, 5), (1.0, 10))


def said(text: str, style: tuple[float, int], rms: float | None = None) -> np.ndarray:
    """`text` as the person says it in `style`, at the corpus level or at `rms` (int16)."""
    speed, pitch = style
    voice = replace(PERSON, speed=PERSON.speed * speed, pitch=PERSON.pitch + pitch)
    speech = corpus_maker.synthesize(voice, text) * 32767
    if rms is not None:
        speech *= rms / np.sqrt(np.mean(speech**2))
    return np.round(speech).astype(np.int16)


def take_recording(word: np.ndarray) -> np.ndarray:
    """What the microphone hears after a prompt: a pause, the word, quiet."""
    return np.concatenate([np.zeros(RATE, np.int16), word, np.zeros(round(1.2 * RATE), np.int16)])


def take_recordings(phrases: list[str]) -> dict[str, list[np.ndarray]]:
    return {p: [take_recording(said(p, style)) for style in TAKE_STYLES] for p in phrases}


def as_blocks(audio: np.ndarray) -> list[np.ndarray]:
    return [audio[i : i + BLOCK] for i in range(0, len(audio) - BLOCK + 1, BLOCK)]


def test_each_command_is_asked_three_times_and_a_bad_take_again() -> None:
    phrases = ["pause", "next"]
    good = take_recordings(phrases)
    quiet = take_recording(said("next", TAKE_STYLES[0], rms=200.0))
    microphone = [np.zeros(RATE, np.int16), *good["pause"], good["next"][0], quiet,
                  np.zeros(RATE // 2, np.int16), *good["next"][1:]]
    devices = FakeDevices(microphone_blocks=as_blocks(np.concatenate(microphone)),
                          output_missing_at_start=1)
    out = io.StringIO()
    takes = Enrollment(devices, SpeechSettings(), OutputSettings(), MicrophoneSettings(),
                       out).run(phrases)
    printed = out.getvalue()
    assert "the prompts are printed instead" in printed
    assert WELCOME in printed
    assert printed.count(ASK[0].format(phrase="pause")) == 1
    assert "'next': that was too quiet" in printed
    assert printed.count(ASK[1].format(phrase="next")) == 2  # asked again after the quiet one
    assert {p: len(t) for p, t in takes.items()} == {"pause": 3, "next": 3}


def test_enroll_forget_and_status_from_the_command_line(
    private_dirs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    phrases = [listed[0] for listed in load_command_phrases().values()]
    takes = take_recordings(phrases)
    blocks = as_blocks(np.concatenate([np.zeros(RATE, np.int16),
                                       *[np.concatenate(t) for t in takes.values()]]))
    monkeypatch.setattr("voice_coach.app.voice_cmd.make_devices",
                        lambda: FakeDevices(microphone_blocks=blocks, output_missing_at_start=1))
    assert main(["voice", "status"]) == 0
    assert "not enrolled" in capsys.readouterr().out
    assert main(["voice", "enroll"]) == 0
    out = capsys.readouterr().out
    assert f"kept {3 * len(phrases)} takes of {len(phrases)} of {len(phrases)} commands" in out
    assert main(["voice", "status"]) == 0
    assert f"enrolled, {3 * len(phrases)} takes of {len(phrases)} commands" in (
        capsys.readouterr().out)
    assert (private_dirs / "data" / "voice" / "takes.json").exists()
    assert main(["voice", "forget"]) == 0
    assert "removed" in capsys.readouterr().out
    assert main(["voice", "status"]) == 0
    assert "not enrolled" in capsys.readouterr().out


@pytest.mark.slow
def test_the_persons_takes_raise_the_nets_accuracy_on_their_voice(tmp_path: Path) -> None:
    """Three takes per command of a voice the head never heard; then that voice's commands at
    its own rate and pitch, clean and over the harsh bed, and its sound-alikes."""
    assert PERSON.name.split("+")[-1] in command_training_data.heldout_variants()
    phrases = [listed[0] for listed in load_command_phrases().values()]
    save_takes(tmp_path / "voice", take_recordings(phrases))
    corpus = tmp_path / "corpus"
    manifest = corpus_maker.make_corpus(
        corpus, voices=(PERSON,), talk_voices=1,
        conditions=tuple(c for c in corpus_maker.CONDITIONS if c.name in ("clean", "harsh")),
        phrases={c.value: listed[:1] for c, listed in load_command_phrases().items()},
        talk=corpus_maker.DECOYS)
    embedding = SpeechEmbedding()
    matcher = enrolled_matcher(embedding, tmp_path / "voice")
    assert matcher is not None and len(matcher.phrases) == len(phrases)
    scores = {}
    for name, takes in (("without", None), ("with", matcher)):
        recognizer = PhraseNetRecognizer(embedding=embedding, takes=takes)
        scores[name] = bench_commands.evaluate(
            CommandListener(recognizer, load_command_phrases()), corpus, manifest)
    for name, score in scores.items():
        print(f"{name} takes: clean {score.accuracy('clean'):.0%} harsh "
              f"{score.accuracy('harsh'):.0%} wrong {score.wrong} false "
              f"{score.false_commands}/{score.talk_clips}")
    before, after = scores["without"], scores["with"]
    assert after.accuracy("clean") >= before.accuracy("clean")
    assert after.accuracy("harsh") >= before.accuracy("harsh") + 0.1
    assert after.wrong <= before.wrong
    assert after.false_commands <= before.false_commands + 3


def test_the_net_recognizer_hears_with_the_kept_takes(
    private_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_takes(takes_folder(), take_recordings(["pause", "next"]))
    recognizer = open_engine(RecognizerKind.NET, None, PocketSphinxSettings())
    assert isinstance(recognizer, VerifiedNetRecognizer)
    assert recognizer.net.takes is not None and recognizer.net.takes.phrases == ("pause", "next")
    # Damaged takes: recognition goes on without them, and `voice status` says what to do.
    (takes_folder() / "00-1.wav").write_bytes(b"RIFF")
    recognizer = open_engine(RecognizerKind.NET, None, PocketSphinxSettings())
    assert isinstance(recognizer, VerifiedNetRecognizer) and recognizer.net.takes is None
    assert main(["voice", "status"]) == 2
    assert "damaged" in capsys.readouterr().err


def test_voice_test_says_per_command_what_it_heard(
    private_dirs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    words = [said(text, TAKE_STYLES[2]) for text in ("pause", "next", "pause")]
    audio = np.concatenate([np.concatenate([np.zeros(RATE, np.int16), w]) for w in words]
                           + [np.zeros(RATE, np.int16)])
    devices = FakeDevices(microphone_blocks=as_blocks(audio), recognizer=PhraseNetRecognizer())
    monkeypatch.setattr("voice_coach.app.voice_cmd.make_devices", lambda: devices)
    assert main(["voice", "test", "--seconds", f"{len(audio) / RATE:.2f}"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"pause +heard 2 times", out), out
    assert re.search(r"next +heard 1 time\n", out), out
    assert re.search(r"stop +not heard", out), out
    assert devices.recognizer_settings[0].kind is RecognizerKind.NET
