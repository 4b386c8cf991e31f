"""install_from_url against a real local HTTP server: progress, size and SHA-256 checks, cleanup."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_model_zips import model_zip, version_of
from voice_coach.paths import DATA_DIR_ENV
from voice_coach.recognition.model_download import StderrProgress
from voice_coach.recognition.model_store import (
    MODEL_ENV,
    ModelInstallError,
    find_model,
    install_from_url,
)

TOP = "vosk-model-served"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, folder it serves) of an HTTP server on 127.0.0.1 running in a thread."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(MODEL_ENV, raising=False)
    return tmp_path / "data" / "models"


def served_zip(folder: Path, version: str = "v1") -> tuple[str, int, str]:
    archive = model_zip(folder / "model.zip", TOP, version)
    data = archive.read_bytes()
    return "model.zip", len(data), hashlib.sha256(data).hexdigest()


def hidden(models: Path) -> list[str]:
    return (
        sorted(p.name for p in models.iterdir() if p.name.startswith("."))
        if models.exists()
        else []
    )


def test_download_is_verified_installed_and_cleaned_up(served: tuple, models: Path) -> None:
    base, folder = served
    name, size, digest = served_zip(folder)
    calls: list[tuple[int, int]] = []
    target = install_from_url(f"{base}/{name}", digest, size, lambda r, t: calls.append((r, t)))
    assert target == models / TOP
    assert version_of(target) == "v1"
    assert find_model() == target
    assert hidden(models) == []
    assert calls[0] == (0, size) and calls[-1] == (size, size)
    received = [r for r, _ in calls]
    assert received == sorted(received)


def test_checksum_mismatch_keeps_the_previous_model(served: tuple, models: Path) -> None:
    base, folder = served
    name, size, digest = served_zip(folder, "v1")
    target = install_from_url(f"{base}/{name}", digest, size)
    name, size, _ = served_zip(folder, "v2")
    with pytest.raises(ModelInstallError, match="checksum mismatch"):
        install_from_url(f"{base}/{name}", "ab" * 32, size)
    assert version_of(target) == "v1"
    assert hidden(models) == []


def test_wrong_size_is_refused_before_downloading(served: tuple, models: Path) -> None:
    base, folder = served
    name, size, digest = served_zip(folder)
    with pytest.raises(ModelInstallError, match=f"offers {size} bytes, expected {size + 1}"):
        install_from_url(f"{base}/{name}", digest, size + 1)
    assert find_model() is None
    assert hidden(models) == []


def test_http_errors_and_refused_connections_are_one_line(served: tuple, models: Path) -> None:
    base, _ = served
    with pytest.raises(ModelInstallError, match="HTTP 404"):
        install_from_url(f"{base}/missing.zip", "0" * 64, 10)
    with pytest.raises(ModelInstallError, match=r"offline.*--from FILE\.zip") as caught:
        install_from_url("http://127.0.0.1:9/model.zip", "0" * 64, 10)
    assert "\n" not in str(caught.value)
    assert hidden(models) == []


def test_interrupted_download_leaves_no_partial_file(served: tuple, models: Path) -> None:
    base, folder = served
    name, size, digest = served_zip(folder)

    def interrupt(received: int, total: int) -> None:
        if received > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        install_from_url(f"{base}/{name}", digest, size, interrupt)
    assert hidden(models) == []
    assert find_model() is None


def test_stderr_progress_shows_bytes_and_percent_once_per_step() -> None:
    stream = io.StringIO()
    progress = StderrProgress("Downloading m", stream)
    total = 4 * 1024 * 1024
    for received in (0, 1, 2, total // 2, total // 2 + 1, total):
        progress(received, total)
    text = stream.getvalue()
    assert text.count("\r") == 3
    assert "Downloading m: 2.0 / 4.0 MiB (50%)" in text
    assert text.endswith("4.0 / 4.0 MiB (100%)\n")
