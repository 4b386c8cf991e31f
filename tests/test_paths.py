"""One set of folders: history and models share the data folder, `~` expanded, as routines and
the speech cache follow theirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_coach.history.store import HistoryStore, default_db_path
from voice_coach.paths import CONFIG_DIR_ENV, DATA_DIR_ENV
from voice_coach.recognition.model_store import models_dir
from voice_coach.routines.library import routines_dir
from voice_coach.speech.cache import default_cache_dir


def test_a_data_dir_with_a_tilde_is_one_folder_for_history_and_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)
    monkeypatch.setenv(DATA_DIR_ENV, "~/x")
    assert default_db_path() == home / "x" / "history.sqlite3"
    assert models_dir() == home / "x" / "models"
    with HistoryStore() as store:
        assert store.path == home / "x" / "history.sqlite3"
    assert (home / "x" / "history.sqlite3").is_file()
    assert list(cwd.iterdir()) == []  # no folder named '~' where the command ran


def test_config_and_cache_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(CONFIG_DIR_ENV, "~/conf")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert routines_dir() == tmp_path / "conf" / "routines"
    assert default_cache_dir() == tmp_path / "cache" / "voice-coach" / "speech"
