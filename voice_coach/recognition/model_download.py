"""Downloads a model archive over HTTP(S) with a progress report, checking its size and SHA-256."""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

from voice_coach.recognition.model_archive import ModelInstallError

Progress = Callable[[int, int], None]  # (bytes received so far, bytes expected)
_CHUNK = 1 << 16
_NETWORK_ERRORS = (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException)
OFFLINE_HINT = (
    "if this machine is offline, download the zip elsewhere and run "
    "`voice-coach model install --from FILE.zip`"
)


class StderrProgress:
    """A one-line progress bar ("label: 12.0 / 39.3 MiB (30%)") redrawn when the percent changes."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self._shown = -1

    def __call__(self, received: int, total: int) -> None:
        percent = 100 * received // total if total else 0
        if percent == self._shown:
            return
        self._shown = percent
        mib = 1024 * 1024
        end = "\n" if received >= total else ""
        self.stream.write(
            f"\r{self.label}: {received / mib:.1f} / {total / mib:.1f} MiB ({percent}%){end}"
        )
        self.stream.flush()


def download(
    url: str,
    directory: Path,
    sha256: str,
    size: int,
    progress: Progress | None = None,
    timeout_s: float = 30.0,
) -> Path:
    """Stream `url` into a hidden temp file in `directory`, verified; the caller deletes it."""
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".download-", suffix=".zip.part", dir=directory)
    part = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as sink:
            received, digest = _stream(url, sink, size, progress, timeout_s)
        if received != size:
            raise ModelInstallError(
                f"download of {url} stopped at {received} of {size} bytes; try again"
            )
        if digest != sha256.lower():
            raise ModelInstallError(
                f"checksum mismatch for {url} (expected {sha256}, got {digest}); try again later"
            )
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return part


def _stream(
    url: str, sink: BinaryIO, size: int, progress: Progress | None, timeout_s: float
) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"User-Agent": "voice-coach"})
    digest = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) != size:
                raise ModelInstallError(
                    f"{url} offers {int(declared)} bytes, expected {size}; not downloading it"
                )
            if progress is not None:
                progress(0, size)
            while chunk := response.read(_CHUNK):
                received += len(chunk)
                if received > size:
                    raise ModelInstallError(f"{url} sent more than the expected {size} bytes")
                digest.update(chunk)
                sink.write(chunk)
                if progress is not None:
                    progress(received, size)
    except urllib.error.HTTPError as error:
        raise ModelInstallError(
            f"cannot download {url}: HTTP {error.code} {error.reason}"
        ) from None
    except _NETWORK_ERRORS as error:
        reason = getattr(error, "reason", error)
        raise ModelInstallError(f"cannot download {url} ({reason}); {OFFLINE_HINT}") from None
    except OSError as error:
        raise ModelInstallError(f"cannot save the download: {error}") from None
    return received, digest.hexdigest()
