"""Choose a recognizer engine for `auto`: Vosk when an English model is installed, else the
command net checked by PocketSphinx, else PocketSphinx alone.

The net is the better of the two bundled engines on every figure that matters most to a person
(scripts/bench_commands.py, held-out voices: 93 / 93 / 79 % of commands clean / mild / harsh
against PocketSphinx's 61 / 77 / 38 %, 3 wrong commands of 816 against 34; on the barge-in
corpus no false command against 2-4), and it is the engine the person's enrolled takes join.
It knows only the built-in phrases, so a --commands file of one's own, or an install without
onnxruntime, falls back to PocketSphinx.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from voice_coach.recognition.base import Recognizer, RecognizerUnavailable
from voice_coach.recognition.engine_process import EngineProcess
from voice_coach.recognition.engines import NO_VOSK_HINT, open_engine, recognizer_kind
from voice_coach.settings import RecognizerKind, RecognizerSettings


def open_recognizer(settings: RecognizerSettings, *, own_process: bool = False) -> Recognizer:
    """The engine `settings` ask for (auto, vosk, pocketsphinx or net); raises
    RecognizerUnavailable.
    With `own_process` it decodes in a child process, clear of this process's audio thread."""
    engine, model = choose_engine(settings.kind, settings.model, settings.custom_phrases)
    if own_process:
        return EngineProcess(engine, model, settings.pocketsphinx)
    return open_engine(engine, model, settings.pocketsphinx)


def choose_engine(
    kind: RecognizerKind | str, model_path: str | None = None, custom_phrases: bool = False
) -> tuple[RecognizerKind, Path | None]:
    """(POCKETSPHINX or NET, None) or (VOSK, model folder) for `kind`, without loading
    anything; `custom_phrases`: the phrases are a --commands file's."""
    kind = recognizer_kind(kind)
    if kind in (RecognizerKind.POCKETSPHINX, RecognizerKind.NET):
        return kind, None
    if kind is RecognizerKind.VOSK:
        return kind, _find_vosk_model(model_path, required=True)
    if kind is RecognizerKind.AUTO:
        try:
            model = _find_vosk_model(model_path, required=False)
        except RecognizerUnavailable:
            if _explicit_model(model_path):
                raise
            model = None
        if model is not None:
            return RecognizerKind.VOSK, model
        if not custom_phrases and net_installed():
            return RecognizerKind.NET, None
        return RecognizerKind.POCKETSPHINX, None
    raise RecognizerUnavailable("voice commands are off (--recognizer off)")


def net_installed() -> bool:
    """Whether the command net can run here: onnxruntime, the embedding and the trained head
    (a damaged file is found, and said, when the net is opened)."""
    from voice_coach.recognition.command_head import shipped_head
    from voice_coach.recognition.speech_embedding import shipped_model

    return (importlib.util.find_spec("onnxruntime") is not None
            and shipped_model().is_file() and shipped_head().is_file())


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
        raise RecognizerUnavailable(NO_VOSK_HINT) from None
    if required or _explicit_model(model_path):
        return require_model(model_path)
    return find_model(model_path)
