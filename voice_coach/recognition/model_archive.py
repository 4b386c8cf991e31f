"""Installs a Vosk model from a zip archive: safe extraction, validation, atomic swap into place."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from voice_coach.recognition.model_layout import model_problem

ACTIVE_MARKER = "active"  # file in the models folder naming the model installed last
_CHUNK = 1 << 20


class ModelInstallError(Exception):
    """Installing a model failed; the message is one line saying what and what to do."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _member_parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    """The member's path components, or ModelInstallError when it could land outside the target."""
    name = info.filename
    unix_mode = info.external_attr >> 16
    if stat.S_ISLNK(unix_mode):
        raise ModelInstallError(f"archive member {name!r} is a symbolic link; refusing the archive")
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        raise ModelInstallError(f"archive member {name!r} has an absolute path; refusing it")
    parts = tuple(part for part in PurePosixPath(normalized).parts if part not in ("", "."))
    if ".." in parts:
        raise ModelInstallError(f"archive member {name!r} points outside its folder; refusing it")
    return parts


def _top_folder(members: list[tuple[zipfile.ZipInfo, tuple[str, ...]]]) -> str:
    tops = {parts[0] for _, parts in members if parts}
    nested = any(len(parts) > 1 for _, parts in members)
    if len(tops) != 1 or not nested:
        raise ModelInstallError(
            "the archive must hold exactly one top folder containing the model "
            f"(found: {', '.join(sorted(tops)) or 'nothing'})"
        )
    return tops.pop()


def _extract(archive: zipfile.ZipFile, members: list, staging: Path) -> None:
    root = staging.resolve()
    for info, parts in members:
        if not parts:
            continue
        destination = root.joinpath(*parts)
        if not destination.resolve().is_relative_to(root):
            raise ModelInstallError(f"archive member {info.filename!r} escapes the target folder")
        if info.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, open(destination, "xb") as target:
            shutil.copyfileobj(source, target, _CHUNK)


def _swap_into_place(staged: Path, target: Path, scratch: Path) -> None:
    """Move `staged` to `target`; an existing `target` is set aside and only dropped afterwards."""
    if not target.exists():
        os.replace(staged, target)
        return
    previous = scratch / "previous"
    os.replace(target, previous)
    try:
        os.replace(staged, target)
    except BaseException:
        os.replace(previous, target)
        raise


def _write_marker(models_root: Path, name: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".active-", dir=models_root)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(name + "\n")
    os.replace(temporary, models_root / ACTIVE_MARKER)


def install_archive(
    zip_path: Path | str,
    models_root: Path,
    expected_sha256: str | None = None,
    replace: bool = True,
) -> Path:
    """Install the model folder inside `zip_path` under `models_root`; returns its final path.

    Nothing is left half-installed: extraction happens in a hidden scratch folder beside the
    target, which is removed on any failure (including KeyboardInterrupt).
    """
    archive_path = Path(zip_path)
    if not archive_path.is_file():
        raise ModelInstallError(f"no such file: {archive_path}")
    if expected_sha256 is not None:
        actual = sha256_of(archive_path)
        if actual.lower() != expected_sha256.lower():
            raise ModelInstallError(
                f"checksum mismatch for {archive_path.name} (expected {expected_sha256}, "
                f"got {actual}); download it again"
            )
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ModelInstallError(f"{archive_path} is not a readable zip archive ({error})") from None
    with archive:
        members = [(info, _member_parts(info)) for info in archive.infolist()]
        name = _top_folder(members)
        target = models_root / name
        if not replace and target.exists() and model_problem(target) is None:
            raise ModelInstallError(
                f"a model is already installed at {target}; add --force to replace it"
            )
        models_root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".install-", dir=models_root))
        try:
            staging = scratch / "staging"
            staging.mkdir()
            try:
                _extract(archive, members, staging)
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise ModelInstallError(f"cannot extract {archive_path.name}: {error}") from None
            staged = staging / name
            problem = model_problem(staged)
            if problem is not None:
                raise ModelInstallError(
                    f"{archive_path.name} does not hold a usable Vosk model: {problem}"
                )
            _swap_into_place(staged, target, scratch)
            _write_marker(models_root, name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return target
