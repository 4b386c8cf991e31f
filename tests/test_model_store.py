"""Installing models from zips is safe and atomic; find_model honours flag > env > installed."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_model_zips import model_entries, model_folder, model_zip, version_of, write_zip
from voice_coach.paths import DATA_DIR_ENV
from voice_coach.recognition import model_archive
from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.model_store import (
    MODEL_ENV,
    ModelInstallError,
    find_model,
    install_from_archive,
    model_status,
    models_dir,
    require_model,
)

TOP = "vosk-model-test"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(root))
    monkeypatch.delenv(MODEL_ENV, raising=False)
    return root


def leftovers(root: Path) -> list[str]:
    """Hidden scratch entries (temp folders, partial downloads) left in the models folder."""
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".")) if root.exists() else []


def installed_v1(tmp_path: Path) -> Path:
    return install_from_archive(model_zip(tmp_path / "v1.zip", TOP, "v1"))


def test_models_live_in_the_overridable_data_dir(data_dir: Path) -> None:
    assert models_dir() == data_dir / "models"


def test_install_from_archive_puts_a_valid_model_in_place(data_dir: Path, tmp_path: Path) -> None:
    archive = model_zip(tmp_path / "m.zip", TOP, "v1")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    target = install_from_archive(archive, expected_sha256=digest)
    assert target == data_dir / "models" / TOP
    assert version_of(target) == "v1"
    assert find_model() == target
    assert leftovers(data_dir / "models") == []
    assert sorted(p.name for p in (data_dir / "models").iterdir()) == ["active", TOP]


def test_reinstall_replaces_the_previous_model_completely(data_dir: Path, tmp_path: Path) -> None:
    target = installed_v1(tmp_path)
    (target / "stale-file").write_text("from v1")
    again = install_from_archive(model_zip(tmp_path / "v2.zip", TOP, "v2"))
    assert again == target
    assert version_of(target) == "v2"
    assert not (target / "stale-file").exists()
    assert leftovers(data_dir / "models") == []


def test_without_replace_an_installed_model_is_kept(data_dir: Path, tmp_path: Path) -> None:
    target = installed_v1(tmp_path)
    with pytest.raises(ModelInstallError, match=r"already installed.*--force"):
        install_from_archive(model_zip(tmp_path / "v2.zip", TOP, "v2"), replace=False)
    assert version_of(target) == "v1"


def assert_refused_and_intact(
    data_dir: Path, target: Path, archive: Path, match: str, sha256: str | None = None
) -> None:
    with pytest.raises(ModelInstallError, match=match) as caught:
        install_from_archive(archive, expected_sha256=sha256)
    assert "\n" not in str(caught.value)
    assert version_of(target) == "v1"
    assert leftovers(data_dir / "models") == []


def test_checksum_mismatch_installs_nothing(data_dir: Path, tmp_path: Path) -> None:
    target = installed_v1(tmp_path)
    archive = model_zip(tmp_path / "v2.zip", TOP, "v2")
    assert_refused_and_intact(data_dir, target, archive, "checksum mismatch", sha256="0" * 64)


@pytest.mark.parametrize(
    ("bad_member", "match"),
    [
        (f"{TOP}/../../evil", "outside"),
        ("../evil", "outside"),
        ("/tmp/voice-coach-evil-absolute", "absolute"),
        ("C:/evil", "absolute"),
    ],
)
def test_escaping_members_are_refused_before_anything_is_written(
    data_dir: Path, tmp_path: Path, bad_member: str, match: str
) -> None:
    target = installed_v1(tmp_path)
    entries = {**model_entries(TOP, "v2"), bad_member: b"evil"}
    archive = write_zip(tmp_path / "evil.zip", entries)
    assert_refused_and_intact(data_dir, target, archive, match)
    assert not (tmp_path / "evil").exists()
    assert not (data_dir / "evil").exists()
    assert not Path("/tmp/voice-coach-evil-absolute").exists()


def test_symlink_members_are_refused(data_dir: Path, tmp_path: Path) -> None:
    target = installed_v1(tmp_path)
    archive = write_zip(
        tmp_path / "link.zip", model_entries(TOP, "v2"), symlinks={f"{TOP}/am/link": "/etc"}
    )
    assert_refused_and_intact(data_dir, target, archive, "symbolic link")


def test_archives_without_one_model_folder_are_refused(data_dir: Path, tmp_path: Path) -> None:
    target = installed_v1(tmp_path)
    two_tops = {**model_entries(TOP, "v2"), "other/README": b"x"}
    assert_refused_and_intact(
        data_dir, target, write_zip(tmp_path / "two.zip", two_tops), "one top folder"
    )
    no_model = {f"{TOP}/README": b"not a model", f"{TOP}/am/notes.txt": b"x"}
    assert_refused_and_intact(
        data_dir, target, write_zip(tmp_path / "empty.zip", no_model), "usable Vosk model"
    )
    not_zip = tmp_path / "not.zip"
    not_zip.write_text("plain text")
    assert_refused_and_intact(data_dir, target, not_zip, "not a readable zip")


def fail_on_call(number: int, real: Callable, error: BaseException) -> Callable:
    calls = {"n": 0}

    def wrapper(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == number:
            raise error
        return real(*args, **kwargs)

    return wrapper


def test_interrupt_mid_extraction_leaves_the_old_model_and_no_scratch(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = installed_v1(tmp_path)
    archive = model_zip(tmp_path / "v2.zip", TOP, "v2")
    interrupted = fail_on_call(4, shutil.copyfileobj, KeyboardInterrupt())
    monkeypatch.setattr(model_archive.shutil, "copyfileobj", interrupted)
    with pytest.raises(KeyboardInterrupt):
        install_from_archive(archive)
    assert version_of(target) == "v1"
    assert leftovers(data_dir / "models") == []


def test_failed_swap_puts_the_old_model_back(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = installed_v1(tmp_path)
    archive = model_zip(tmp_path / "v2.zip", TOP, "v2")
    # The swap renames old -> scratch, then new -> target; make the second rename fail.
    monkeypatch.setattr(
        model_archive.os, "replace", fail_on_call(2, os.replace, OSError("disk gone"))
    )
    with pytest.raises(OSError, match="disk gone"):
        install_from_archive(archive)
    assert version_of(target) == "v1"
    assert leftovers(data_dir / "models") == []


def test_find_model_precedence_is_flag_then_env_then_installed(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert find_model() is None
    installed = installed_v1(tmp_path)
    from_env = model_folder(tmp_path / "env-model")
    from_flag = model_folder(tmp_path / "flag-model")
    assert find_model() == installed
    monkeypatch.setenv(MODEL_ENV, str(from_env))
    assert find_model() == from_env
    assert find_model(from_flag) == from_flag
    assert find_model(str(from_flag)) == from_flag


def test_a_broken_explicit_choice_is_not_silently_replaced(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed_v1(tmp_path)
    assert find_model(tmp_path / "no-such-model") is None
    with pytest.raises(RecognizerUnavailable, match=r"--model .*no such folder"):
        require_model(tmp_path / "no-such-model")
    monkeypatch.setenv(MODEL_ENV, str(tmp_path))
    assert find_model() is None
    with pytest.raises(RecognizerUnavailable, match=f"{MODEL_ENV}.*not a Vosk model"):
        require_model()


def test_broken_installed_models_are_skipped_and_reported(data_dir: Path, tmp_path: Path) -> None:
    broken = model_folder(data_dir / "models" / "vosk-model-broken")
    (broken / "am/final.mdl").unlink()
    with pytest.raises(RecognizerUnavailable, match=r"installed Vosk model .*final\.mdl"):
        require_model()
    good = installed_v1(tmp_path)
    assert require_model() == good
    status = model_status()
    assert [c.path.name for c in status.candidates] == [TOP, "vosk-model-broken"]
    assert status.chosen is not None and status.chosen.path == good


def test_require_model_without_anything_says_how_to_install(data_dir: Path) -> None:
    with pytest.raises(RecognizerUnavailable, match="voice-coach model install"):
        require_model()
