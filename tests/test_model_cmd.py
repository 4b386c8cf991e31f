"""`voice-coach model install|status|path`: one-line outcomes and exit codes, no tracebacks."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from tests.test_model_download import QuietHandler
from tests.test_model_zips import model_zip, version_of, write_zip
from voice_coach import cli
from voice_coach.app import model_cmd
from voice_coach.paths import DATA_DIR_ENV
from voice_coach.recognition.model_store import MODEL_ENV, ModelSpec

TOP = "vosk-model-cli"


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Only this module's subcommand: others' subcommands may be mid-construction.
    monkeypatch.setattr(cli, "SUBCOMMAND_MODULES", ("voice_coach.app.model_cmd",))
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(MODEL_ENV, raising=False)
    return tmp_path / "data" / "models"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["model", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(text: str) -> str:
    assert text.count("\n") == 1 and "Traceback" not in text, text
    return text.strip()


def test_install_from_zip_then_path_and_status(
    models: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = model_zip(tmp_path / "m.zip", TOP)
    code, out, err = run(capsys, "install", "--from", str(archive))
    assert code == 0 and err == ""
    assert one_line(out) == f"Installed Vosk model {TOP} at {models / TOP}"
    code, out, _ = run(capsys, "path")
    assert (code, one_line(out)) == (0, str(models / TOP))
    code, out, _ = run(capsys, "status")
    assert code == 0
    assert f"installed: {models / TOP} (usable)  <- in use" in out


def test_reinstall_needs_force(
    models: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "install", "--from", str(model_zip(tmp_path / "v1.zip", TOP, "v1")))
    v2 = str(model_zip(tmp_path / "v2.zip", TOP, "v2"))
    code, out, err = run(capsys, "install", "--from", v2)
    assert code == 2 and out == ""
    assert "already installed" in one_line(err) and "--force" in err
    assert version_of(models / TOP) == "v1"
    code, _, _ = run(capsys, "install", "--from", v2, "--force")
    assert code == 0
    assert version_of(models / TOP) == "v2"


def test_bad_archives_fail_in_one_line(
    models: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "install", "--from", str(tmp_path / "absent.zip"))
    assert code == 2 and one_line(err).startswith("voice-coach: no such file")
    evil = write_zip(tmp_path / "evil.zip", {"../evil": b"x"})
    code, _, err = run(capsys, "install", "--from", str(evil))
    assert code == 2 and "outside" in one_line(err)
    assert not (tmp_path / "evil").exists()


def test_path_and_status_without_a_model(
    models: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "path")
    assert code == 2 and out == ""
    assert "voice-coach model install" in one_line(err)
    code, out, _ = run(capsys, "status")
    assert code == 1
    assert "No usable Vosk model; run `voice-coach model install`" in out
    code, _, err = run(capsys, "path", "--model", str(tmp_path))
    assert code == 2 and "not a Vosk model folder" in one_line(err)


def test_install_downloads_the_default_model_with_progress(
    models: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    www = tmp_path / "www"
    www.mkdir()
    data = model_zip(www / "model.zip", TOP).read_bytes()
    handler = functools.partial(QuietHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/model.zip"
    spec = ModelSpec(TOP, url, len(data), hashlib.sha256(data).hexdigest())
    monkeypatch.setattr(model_cmd, "DEFAULT_MODEL", spec)
    try:
        code, out, err = run(capsys, "install")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert code == 0
    assert one_line(out) == f"Installed Vosk model {TOP} at {models / TOP}"
    assert err.startswith(f"\rDownloading {TOP}: 0.0 / ") and err.endswith("(100%)\n")
    code, out, _ = run(capsys, "install")
    assert code == 0 and "already installed" in one_line(out)


def test_install_offline_says_to_use_from(
    models: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    spec = ModelSpec(TOP, "http://127.0.0.1:9/model.zip", 10, "0" * 64)
    monkeypatch.setattr(model_cmd, "DEFAULT_MODEL", spec)
    code, out, err = run(capsys, "install")
    assert code == 2 and out == ""
    assert "download the zip elsewhere" in one_line(err) and "--from FILE.zip" in err
