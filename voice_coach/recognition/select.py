"""Choose a recognizer engine: Vosk when an English model is installed, else PocketSphinx."""

from __future__ import annotations

from pathlib import Path

from voice_coach.recognition.base import Recognizer, RecognizerUnavailable
from voice_coach.recognition.engine_process import EngineProcess
from voice_coach.recognition.engines import NO_VOSK_HINT, open_engine, recognizer_kind
from voice_coach.settings import RecognizerKind, RecognizerSettings


def open_recognizer(settings: RecognizerSettings, *, own_process: bool = False) -> Recognizer:
    """The engine `settings` ask for (auto, vosk or pocketsphinx); raises RecognizerUnavailable.
    With `own_process` it decodes in a child process, clear of this process's audio thread."""
    engine, model = choose_engine(settings.kind, settings.model)
    if own_process:
        return EngineProcess(engine, model, settings.pocketsphinx)
    return open_engine(engine, model, settings.pocketsphinx)


def choose_engine(
    kind: RecognizerKind | str, model_path: str | None = None
) -> tuple[RecognizerKind, Path | None]:
    """(POCKETSPHINX, None) or (VOSK, model folder) for `kind`, without loading anything."""
    kind = recognizer_kind(kind)
    if kind is RecognizerKind.POCKETSPHINX:
        return kind, None
    if kind is RecognizerKind.VOSK:
        model = _find_vosk_model(model_path)
        if model is None:
            raise RecognizerUnavailable(
                "no Vosk model found; download vosk-model-small-en-us-0.15 from "
                "https://alphacephei.com/vosk/models and pass --model PATH"
            )
        return kind, model
    if kind is RecognizerKind.AUTO:
        try:
            model = _find_vosk_model(model_path)
        except RecognizerUnavailable:
            if model_path is not None:
                raise
            model = None
        if model is not None:
            return RecognizerKind.VOSK, model
        return RecognizerKind.POCKETSPHINX, None
    raise RecognizerUnavailable("voice commands are off (--recognizer off)")


def _find_vosk_model(model_path: str | None) -> Path | None:
    try:
        from voice_coach.recognition.model_store import find_model
    except ImportError:
        raise RecognizerUnavailable(NO_VOSK_HINT) from None
    return find_model(model_path)
