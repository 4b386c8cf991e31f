"""A bad Vosk model folder gives one RecognizerUnavailable line: no Kaldi output, no traceback."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_model_zips import model_folder
from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.vosk_engine import VoskRecognizer


def bad_folders(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty"
    empty.mkdir()
    no_graph = model_folder(tmp_path / "no-graph")
    (no_graph / "graph/Gr.fst").unlink()
    return {"no such folder": tmp_path / "absent", "not a Vosk model": empty, "graph": no_graph}


def test_structurally_bad_folders_are_explained_before_vosk_runs(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    for reason, folder in bad_folders(tmp_path).items():
        with pytest.raises(RecognizerUnavailable) as caught:
            VoskRecognizer(folder)
        message = str(caught.value)
        assert "\n" not in message
        assert reason in message and str(folder) in message
        assert "voice-coach model install" in message
    gc.collect()
    assert capfd.readouterr() == ("", "")


def test_damaged_model_files_fail_quietly(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Right layout, garbage content: Vosk itself fails, and Kaldi must stay silent."""
    damaged = model_folder(tmp_path / "damaged")
    with pytest.raises(RecognizerUnavailable, match="could not load the model") as caught:
        VoskRecognizer(damaged)
    assert "\n" not in str(caught.value)
    gc.collect()
    assert capfd.readouterr() == ("", "")


def test_a_process_sees_only_the_one_line(tmp_path: Path) -> None:
    """What a caller printing the error would show: nothing from Kaldi, no traceback."""
    script = (
        "import sys\n"
        "from voice_coach.recognition.base import RecognizerUnavailable\n"
        "from voice_coach.recognition.vosk_engine import VoskRecognizer\n"
        "try:\n"
        "    VoskRecognizer(sys.argv[1])\n"
        "except RecognizerUnavailable as error:\n"
        "    print(error, file=sys.stderr)\n"
    )
    damaged = model_folder(tmp_path / "damaged")
    for folder in (tmp_path / "absent", damaged):
        done = subprocess.run(
            [sys.executable, "-c", script, str(folder)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0
        assert done.stdout == ""
        assert done.stderr.count("\n") == 1 and str(folder) in done.stderr
