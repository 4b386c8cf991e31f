"""Where Vosk models live: which one to use (flag > env > installed), status, and installing one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from voice_coach import paths
from voice_coach.recognition.base import RecognizerUnavailable
from voice_coach.recognition.model_archive import (
    ACTIVE_MARKER,
    ModelInstallError,
    install_archive,
)
from voice_coach.recognition.model_download import Progress, download
from voice_coach.recognition.model_layout import model_problem

MODEL_ENV = "VOICE_COACH_VOSK_MODEL"

__all__ = [
    "DEFAULT_MODEL",
    "ModelCandidate",
    "ModelInstallError",
    "ModelSpec",
    "ModelStatus",
    "find_model",
    "install_from_archive",
    "install_from_url",
    "install_model",
    "model_status",
    "models_dir",
    "require_model",
]


@dataclass(frozen=True)
class ModelSpec:
    """A downloadable model archive and what it must measure up to."""

    name: str
    url: str
    size: int
    sha256: str


# Size and SHA-256 are not published by the Vosk project itself. The same SHA-256 is pinned by
# independent package recipes, e.g. Automotive Grade Linux's Yocto recipe
# (agl-ic-eg/meta-agl-devel, meta-offline-voice-agent/recipes-vosk/vosk-model/
# vosk-model-small-en-us_0.15.bb), kercre123/wirepod-pi-yocto's recipe of the same name and the
# AUR PKGBUILD vosk-api-bin; several app manifests pinning that hash give the size 41205931.
DEFAULT_MODEL = ModelSpec(
    name="vosk-model-small-en-us-0.15",
    url="https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
    size=41_205_931,
    sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
)


def models_dir() -> Path:
    return paths.data_dir() / "models"


def installed_models() -> list[Path]:
    """Model folders under models_dir(), the active one (installed last) first."""
    root = models_dir()
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    try:
        active = (root / ACTIVE_MARKER).read_text(encoding="utf-8").strip()
    except OSError:
        active = DEFAULT_MODEL.name
    return sorted(folders, key=lambda p: (p.name != active, p.name != DEFAULT_MODEL.name))


@dataclass(frozen=True)
class ModelCandidate:
    """One place a model may come from, and why it cannot be used (None when it can)."""

    source: str  # "--model", "$VOICE_COACH_VOSK_MODEL" or "installed"
    path: Path
    problem: str | None

    @property
    def usable(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class ModelStatus:
    """Every candidate in precedence order; `chosen` is the one the coach would use."""

    models_dir: Path
    candidates: tuple[ModelCandidate, ...]

    @property
    def chosen(self) -> ModelCandidate | None:
        """The highest-precedence candidate; an explicit (flag/env) choice is never skipped."""
        for candidate in self.candidates:
            if candidate.source != "installed" or candidate.usable:
                return candidate
        return None


def model_status(explicit: str | Path | None = None) -> ModelStatus:
    """What is installed where, and whether each candidate is a usable Vosk model."""
    candidates: list[ModelCandidate] = []
    if explicit:
        path = Path(explicit).expanduser()
        candidates.append(ModelCandidate("--model", path, model_problem(path)))
    from_env = os.environ.get(MODEL_ENV)
    if from_env:
        path = Path(from_env).expanduser()
        candidates.append(ModelCandidate(f"${MODEL_ENV}", path, model_problem(path)))
    for path in installed_models():
        candidates.append(ModelCandidate("installed", path, model_problem(path)))
    return ModelStatus(models_dir(), tuple(candidates))


def find_model(explicit: str | Path | None = None) -> Path | None:
    """The model folder to use: --model PATH > $VOICE_COACH_VOSK_MODEL > installed; None if none.

    A path given by flag or environment is never silently skipped: if it is broken, the answer
    is None (use `require_model` to get the reason).
    """
    chosen = model_status(explicit).chosen
    return chosen.path if chosen is not None and chosen.usable else None


def require_model(explicit: str | Path | None = None) -> Path:
    """Like find_model, but a missing or broken model raises RecognizerUnavailable (one line)."""
    status = model_status(explicit)
    chosen = status.chosen
    if chosen is None and status.candidates:
        broken = status.candidates[0]
        raise RecognizerUnavailable(
            f"the installed Vosk model {broken.path} is unusable: {broken.problem}; "
            "reinstall it with `voice-coach model install --force`"
        )
    if chosen is None:
        raise RecognizerUnavailable(
            f"no Vosk speech model installed in {status.models_dir}; "
            "run `voice-coach model install`"
        )
    if not chosen.usable:
        raise RecognizerUnavailable(
            f"Vosk model from {chosen.source} ({chosen.path}) is unusable: {chosen.problem}"
        )
    return chosen.path


def install_from_archive(
    zip_path: str | Path, expected_sha256: str | None = None, replace: bool = True
) -> Path:
    """Install the model in a zip (one top folder holding the model); returns where it went."""
    return install_archive(zip_path, models_dir(), expected_sha256, replace=replace)


def install_from_url(
    url: str, sha256: str, size: int, progress: Progress | None = None, replace: bool = True
) -> Path:
    """Download, verify size and SHA-256, then install; the download is deleted afterwards."""
    root = models_dir()
    archive = download(url, root, sha256, size, progress)
    try:
        return install_archive(archive, root, replace=replace)
    finally:
        archive.unlink(missing_ok=True)


def install_model(spec: ModelSpec = DEFAULT_MODEL, progress: Progress | None = None) -> Path:
    """Download and install `spec` (the small English model by default)."""
    return install_from_url(spec.url, spec.sha256, spec.size, progress)
