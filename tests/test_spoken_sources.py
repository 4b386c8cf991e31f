"""Every sentence the coach can speak traces to the seed article or is plain mechanics.

Two checks, both failing on an invented claim:
- every sentence of the catalog (setup, form, breathing, cautions, back-pain advice) is covered
  by its own `sources`: each content word of it stands in one of its quotes (or is listed below
  as the same word in other form), and the quotes are in the seed (tests/test_catalog.py);
- every sentence the engine says in sessions of every built-in routine, with every command
  given, is either such a catalog sentence or matches one of the mechanics patterns below
  (counts, set numbers, names, help, summaries). A new sentence in `core/phrases.py` fails here
  until it is listed as mechanics, in review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.scenario import run_scenario
from voice_coach.core import phrases
from voice_coach.core.catalog import load_catalog
from voice_coach.core.commands import Command
from voice_coach.core.effects import Say
from voice_coach.core.engine import Session
from voice_coach.core.routine import BUILTIN_ROUTINES

CATALOG = load_catalog()

# Words that carry no claim.
FUNCTION_WORDS = frozenset((
    "a", "an", "the", "and", "or", "to", "of", "in", "on", "at", "by", "for", "with", "from",
    "your", "you", "it", "its", "is", "are", "be", "we", "then", "them", "they", "this", "that",
    "these", "if", "as", "can", "into", "one", "until", "just", "so", "any", "no", "not", "more",
    # instruction verbs: they say what to do, and the rest of the sentence says it
    "keep", "make", "go",
))
# The same word in another form, as the article writes it.
SAME_WORD = {
    "ninety": "90", "abs": "abdominal", "arms": "hands", "floor": "ground", "sides": "side",
    "knees": "knee", "legs": "leg", "hover": "hovering", "raised": "raising", "lift": "lifting",
    "contracted": "contraction", "forearms": "forearm", "triceps": "tricep", "stay": "remain",
    "slowly": "slow", "slower": "slow", "lowering": "lower", "lie": "lying", "sit": "seated",
}

MECHANICS = tuple(
    re.compile(pattern)
    for pattern in (
        r"Welcome\.", r"Today's routine: [\w -]+, \w+ sets?\.", r"Say help at any time\.",
        r"Next: [\w -]+\.", r"\w+ sets? of (\w+ reps?|\d+ seconds)\.",
        r"Set \w+ of \w+\.", r"Get ready\.", r"[A-Z][a-z]+\.",  # a count: "Three."
        r"Rest\.", r"\w+ seconds\.", r"Set complete\.", r"Paused\.",
        r"Say resume when you are ready\.", r"Resuming\.", r"Switching to [\w -]+\.",
        r"Going on with slower [\w -]+\.", r"This is already the (easiest|hardest) variation\.",
        r"That is as (slow|fast) as it goes\.",
        r"(\w+ reps? left in this set, )?(then \w+ more sets?|this is the last set)\.",
        r"(\w+ reps? left in this set, )?(Then \w+ more sets?|This is the last set)\.",
        r"You can say: [\w ,]+\.", r"Workout (complete|stopped)\.", r"No reps this time\.",
        r"\w+ sets?, \w+ reps?: [\w ,-]+\.", r"Great work\.",
        r"If your back hurts, say: my back hurts\.",
        r"Say resume to go on with slower [\w -]+, or stop to end here\.",
    )
)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", text.strip()) if s]


def words(text: str) -> list[str]:
    text = text.replace("’", "'").replace("‘", "'")
    found = re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))
    return [w.strip("'") for w in found if w.strip("'")]


def stem(word: str) -> str:
    """A crude stem, the same for "squeeze" and "squeezing", "degrees" and "degree"."""
    word = SAME_WORD.get(word, word)
    for suffix in ("ing", "ed", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word.removesuffix("e")


def uncovered(sentence: str, sources: tuple[str, ...]) -> list[str]:
    """Content words of `sentence` that no quote of `sources` has."""
    quoted = {stem(w) for quote in sources for w in words(quote)}
    return [w for w in words(sentence) if w not in FUNCTION_WORDS and stem(w) not in quoted]


def catalog_sentences() -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(where, sentence, its sources) for every sentence the catalog holds for speech."""
    common = CATALOG.common
    for text in (common.breathing_up, common.breathing_down, common.short_up,
                 common.short_down, common.tempo_rule):
        for sentence in sentences(text):
            yield "common", sentence, common.sources
    for variation in CATALOG.variations:
        for text in (variation.setup, *variation.form):
            for sentence in sentences(text):
                yield variation.id, sentence, variation.sources + common.sources
    for caution in CATALOG.cautions:
        for sentence in sentences(caution.text):
            yield f"caution {caution.id}", sentence, caution.sources
    for text in CATALOG.back_pain.advice:
        for sentence in sentences(text):
            yield "back pain", sentence, CATALOG.back_pain.sources


def test_every_catalog_sentence_is_covered_by_its_sources() -> None:
    gaps = [
        (where, sentence, missing)
        for where, sentence, sources in catalog_sentences()
        if (missing := uncovered(sentence, sources))
    ]
    assert not gaps


def test_an_invented_claim_is_caught() -> None:
    standard = CATALOG.get("standard")
    assert uncovered("Feel it in your abs.", CATALOG.get("t-arms").sources) == ["feel"]
    assert uncovered("Squeeze your glutes at the top.", standard.sources) == [
        "squeeze", "glutes", "top",
    ]


def every_spoken_sentence() -> set[str]:
    """What the engine says in every built-in routine, with each command given in turn at
    moments that reach the intro, a set, a rest and a pause."""
    spoken: set[str] = set()
    commands = [c for c in Command if c is not Command.STOP]
    for routine in BUILTIN_ROUTINES.values():
        for offset, command in enumerate(commands):
            schedule = {
                3_000: command,                         # intro
                40_000 + offset * 1_000: command,       # first set
                60_000 + offset * 1_000: Command.PAUSE,
                62_000 + offset * 1_000: command,       # paused
                64_000 + offset * 1_000: Command.RESUME,
            }
            effects = run_scenario(schedule, session=Session(routine, CATALOG)).events
            spoken.update(e.text for e in effects if isinstance(e, Say))
        stopped = run_scenario({50_000: Command.STOP}, session=Session(routine, CATALOG)).events
        spoken.update(e.text for e in stopped if isinstance(e, Say))
    return spoken


def test_every_spoken_sentence_has_a_source_or_is_mechanics() -> None:
    from_catalog = {sentence for _, sentence, _ in catalog_sentences()}
    table = {}
    for text in every_spoken_sentence():
        for sentence in sentences(text):
            if sentence in from_catalog:
                table[sentence] = "source"
            elif any(pattern.fullmatch(sentence) for pattern in MECHANICS):
                table[sentence] = "mechanics"
            else:
                table[sentence] = "UNTRACED"
    assert [s for s, origin in table.items() if origin == "UNTRACED"] == []
    # The listing reaches every kind of sentence: cautions, advice and replies included.
    for caution in CATALOG.cautions:
        assert all(table.get(s) == "source" for s in sentences(caution.text)), caution.id
    assert all(table.get(s) == "source" for t in CATALOG.back_pain.advice for s in sentences(t))
    assert table[phrases.BACK_PAIN_HINT] == "mechanics"
    assert table["Resuming."] == "mechanics"


@pytest.mark.parametrize("variation", CATALOG.variations, ids=lambda v: v.id)
def test_each_rung_says_why_it_stands_where_it_does(variation) -> None:
    assert variation.why.startswith(("judgement:", "\"", "For beginners", "With back pain"))
