"""Open a recognizer engine: Vosk when an English model is installed, else PocketSphinx."""

from __future__ import annotations

import os
from pathlib import Path

from voice_coach.recognition.base import Recognizer, RecognizerUnavailable

RECOGNIZER_KINDS = ("auto", "vosk", "pocketsphinx")


def open_recognizer(
    kind: str, model_path: str | None = None, *, own_process: bool = False
) -> Recognizer:
    """An engine of `kind` ("auto", "vosk" or "pocketsphinx"); raises RecognizerUnavailable.
    With `own_process` it decodes in a child process, clear of this process's audio thread."""
    engine, model = choose_engine(kind, model_path)
    if own_process:
        from voice_coach.recognition.engine_process import EngineProcess

        return EngineProcess(engine, model)
    return open_engine(engine, model)


def choose_engine(kind: str, model_path: str | None = None) -> tuple[str, Path | None]:
    """("pocketsphinx", None) or ("vosk", model folder) for `kind`, without loading anything."""
    if kind == "pocketsphinx":
        return "pocketsphinx", None
    if kind == "vosk":
        return "vosk", _find_vosk_model(model_path, required=True)
    if kind == "auto":
        try:
            model = _find_vosk_model(model_path, required=False)
        except RecognizerUnavailable:
            if _explicit_model(model_path):
                raise
            model = None
        return ("vosk", model) if model is not None else ("pocketsphinx", None)
    raise RecognizerUnavailable(f"unknown recognizer {kind!r}; use one of {RECOGNIZER_KINDS}")


def open_engine(engine: str, model: Path | None) -> Recognizer:
    """Load the engine `choose_engine` named, in this process."""
    if engine == "vosk" and model is not None:
        return _open_vosk(model)
    if engine == "pocketsphinx":
        return _open_pocketsphinx()
    raise RecognizerUnavailable(f"unknown recognizer {engine!r}; use one of {RECOGNIZER_KINDS}")


def _open_pocketsphinx() -> Recognizer:
    from voice_coach.recognition.pocketsphinx_engine import PocketSphinxRecognizer

    return PocketSphinxRecognizer()


def _explicit_model(model_path: str | None) -> bool:
    """A model named by --model or $VOICE_COACH_VOSK_MODEL: never silently swapped for another."""
    try:
        from voice_coach.recognition.model_store import MODEL_ENV
    except ImportError:  # no Vosk support in this build: only the flag can name a model
        return model_path is not None
    return model_path is not None or bool(os.environ.get(MODEL_ENV))


def _find_vosk_model(model_path: str | None, required: bool) -> Path | None:
    """The model folder to use; when `required` or named explicitly, a missing or broken one
    raises with its reason (e.g. "--model (PATH) is unusable: conf/model.conf is not a text
    file")."""
    try:
        from voice_coach.recognition.model_store import find_model, require_model
    except ImportError:
        raise RecognizerUnavailable(
            "Vosk support is not available in this build; use --recognizer pocketsphinx"
        ) from None
    if required or _explicit_model(model_path):
        return require_model(model_path)
    return find_model(model_path)


def _open_vosk(model: Path) -> Recognizer:
    try:
        from voice_coach.recognition.vosk_engine import VoskRecognizer
    except ImportError:
        raise RecognizerUnavailable(
            "Vosk support is not available in this build; use --recognizer pocketsphinx"
        ) from None
    return VoskRecognizer(str(model))
