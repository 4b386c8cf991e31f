"""Opening a named recognizer engine in this process.

Both the chooser (`select.py`) and the engine's child process (`engine_process.py`) open engines
through here, so neither needs the other.
"""

from __future__ import annotations

from pathlib import Path

from voice_coach.recognition.base import Recognizer, RecognizerUnavailable
from voice_coach.settings import PocketSphinxSettings, RecognizerKind

NO_VOSK_HINT = "Vosk support is not available in this build; use --recognizer pocketsphinx"


def recognizer_kind(name: str) -> RecognizerKind:
    """The kind called `name`; raises RecognizerUnavailable naming the choices if there is none."""
    try:
        return RecognizerKind(name)
    except ValueError:
        choices = tuple(kind.value for kind in RecognizerKind)
        raise RecognizerUnavailable(f"unknown recognizer {name!r}; use one of {choices}") from None


def open_engine(
    engine: RecognizerKind, model: Path | None, pocketsphinx: PocketSphinxSettings
) -> Recognizer:
    """Load `engine` (VOSK with its `model` folder, POCKETSPHINX tuned by `pocketsphinx`, or
    NET, with the person's takes when they enrolled, checked by that PocketSphinx) in this
    process."""
    if engine is RecognizerKind.VOSK and model is not None:
        return _open_vosk(model)
    if engine is RecognizerKind.POCKETSPHINX:
        from voice_coach.recognition.pocketsphinx_engine import PocketSphinxRecognizer

        return PocketSphinxRecognizer(pocketsphinx)
    if engine is RecognizerKind.NET:
        from voice_coach.recognition.phrase_net_engine import PhraseNetRecognizer
        from voice_coach.recognition.pocketsphinx_engine import PocketSphinxRecognizer
        from voice_coach.recognition.speech_embedding import SpeechEmbedding
        from voice_coach.recognition.verified_net_engine import Verification, VerifiedNetRecognizer
        from voice_coach.recognition.voice_takes import enrolled_matcher

        embedding, rules = SpeechEmbedding(), Verification()
        net = PhraseNetRecognizer(embedding=embedding, threshold=rules.fairly_sure,
                                  takes=enrolled_matcher(embedding))
        return VerifiedNetRecognizer(net=net, verifier=PocketSphinxRecognizer(pocketsphinx),
                                     rules=rules)
    raise RecognizerUnavailable(f"recognizer {engine.value!r} names no engine to open")


def _open_vosk(model: Path) -> Recognizer:
    try:
        from voice_coach.recognition.vosk_engine import VoskRecognizer
    except ImportError:
        raise RecognizerUnavailable(NO_VOSK_HINT) from None
    return VoskRecognizer(str(model))
