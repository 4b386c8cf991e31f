"""Open a recognizer engine: Vosk when an English model is installed, else PocketSphinx."""

from __future__ import annotations

from pathlib import Path

from voice_coach.recognition.base import Recognizer, RecognizerUnavailable

RECOGNIZER_KINDS = ("auto", "vosk", "pocketsphinx")


def open_recognizer(kind: str, model_path: str | None = None) -> Recognizer:
    """An engine of `kind` ("auto", "vosk" or "pocketsphinx"); raises RecognizerUnavailable."""
    if kind == "pocketsphinx":
        return _open_pocketsphinx()
    if kind == "vosk":
        model = _find_vosk_model(model_path)
        if model is None:
            raise RecognizerUnavailable(
                "no Vosk model found; download vosk-model-small-en-us-0.15 from "
                "https://alphacephei.com/vosk/models and pass --model PATH"
            )
        return _open_vosk(model)
    if kind == "auto":
        try:
            model = _find_vosk_model(model_path)
        except RecognizerUnavailable:
            if model_path is not None:
                raise
            model = None
        return _open_vosk(model) if model is not None else _open_pocketsphinx()
    raise RecognizerUnavailable(f"unknown recognizer {kind!r}; use one of {RECOGNIZER_KINDS}")


def _open_pocketsphinx() -> Recognizer:
    from voice_coach.recognition.pocketsphinx_engine import PocketSphinxRecognizer

    return PocketSphinxRecognizer()


def _find_vosk_model(model_path: str | None) -> Path | None:
    try:
        from voice_coach.recognition.model_store import find_model
    except ImportError:
        raise RecognizerUnavailable(
            "Vosk support is not available in this build; use --recognizer pocketsphinx"
        ) from None
    return find_model(model_path)


def _open_vosk(model: Path) -> Recognizer:
    try:
        from voice_coach.recognition.vosk_engine import VoskRecognizer
    except ImportError:
        raise RecognizerUnavailable(
            "Vosk support is not available in this build; use --recognizer pocketsphinx"
        ) from None
    return VoskRecognizer(str(model))
