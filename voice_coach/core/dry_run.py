"""Running a session to its end on a fake clock, with no commands: what it will say and when.

Speech preparation uses this to list every phrase a workout or a render needs before it
starts, and the routine tools use it to know how long a routine takes. It is exact for sets,
reps and rests.
"""

from __future__ import annotations

from voice_coach.core import phrases
from voice_coach.core.catalog import Catalog
from voice_coach.core.effects import Effect, Say
from voice_coach.core.engine import Session, SpeechDuration, estimate_speech_ms
from voice_coach.core.routine import Routine

MAX_STEPS = 1_000_000  # a guard against a routine that never ends; real ones need thousands


def run_to_end(session: Session, start_ms: int = 0) -> list[Effect]:
    """Every effect of `session` from `start_ms` until it finishes, jumping between due times."""
    effects = session.start(start_ms)
    for _ in range(MAX_STEPS):
        due_ms = session.next_due_ms()
        if session.finished or due_ms is None:
            break
        effects += session.advance(due_ms)
    return effects


def _says(routine: Routine, catalog: Catalog, speech_ms: SpeechDuration,
          start_variation: str | None) -> list[Say]:
    session = Session(routine, catalog, speech_ms, start_variation)
    return [e for e in run_to_end(session) if isinstance(e, Say)]


def script_phrases(
    routine: Routine,
    catalog: Catalog,
    speech_ms: SpeechDuration = estimate_speech_ms,
    start_variation: str | None = None,
) -> list[str]:
    """Every phrase a session says when no command is given, summary included, in order of
    first use: all that a rendered routine says."""
    says = _says(routine, catalog, speech_ms, start_variation)
    return list(dict.fromkeys(say.text for say in says))


def script_and_reply_phrases(
    routine: Routine,
    catalog: Catalog,
    speech_ms: SpeechDuration = estimate_speech_ms,
    start_variation: str | None = None,
) -> list[str]:
    """What a live workout can say whatever commands come: the script's phrases, then the
    replies to commands. Left out are the texts that depend on what the person does: the
    summary, and the counts of "how many"."""
    says = _says(routine, catalog, speech_ms, start_variation)
    replies = [
        phrases.PAUSED, phrases.RESUMING, phrases.help_text(), phrases.no_easier(),
        phrases.no_harder(), *(phrases.tempo_changed(s, limit) for s in (True, False)
                               for limit in (True, False)),
    ]
    for variation in catalog.variations:
        replies += [phrases.switching(variation), variation.setup]
    spoken = [say.text for say in says if say.kind != "summary"]
    return list(dict.fromkeys(spoken + replies))
