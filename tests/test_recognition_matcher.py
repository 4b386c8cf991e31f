"""Command matching: phrases file, active-state filter, garbage and confidence rejection."""

from __future__ import annotations

from voice_coach.core.commands import Command
from voice_coach.recognition.matcher import CommandMatcher
from voice_coach.recognition.phrases import all_phrases, load_command_phrases

ALL = frozenset(Command)


def test_every_command_has_phrases_and_no_phrase_names_two_commands() -> None:
    phrases = load_command_phrases()
    assert set(phrases) == set(Command)
    assert all(phrases[c] for c in Command)
    flat = [p for listed in phrases.values() for p in listed]
    assert len(flat) == len(set(flat)) == len(all_phrases(phrases))
    assert "hold on" in phrases[Command.PAUSE] and "how many" in phrases[Command.HOW_MANY]


def test_synonyms_map_to_their_command() -> None:
    matcher = CommandMatcher(load_command_phrases())
    assert matcher.match("hold on", 0.9, ALL) is Command.PAUSE
    assert matcher.match("  Next   One ", 0.9, ALL) is Command.NEXT
    assert matcher.match("skip rest", 0.9, ALL) is Command.SKIP_REST
    assert matcher.match("too hard", None, ALL) is Command.EASIER


def test_only_active_commands_are_accepted() -> None:
    matcher = CommandMatcher(load_command_phrases())
    resting = frozenset({Command.RESUME, Command.STOP, Command.SKIP_REST})
    assert matcher.match("pause", 0.9, resting) is None
    assert matcher.match("continue", 0.9, resting) is Command.RESUME


def test_unknown_words_and_garbage_are_rejected() -> None:
    matcher = CommandMatcher(load_command_phrases())
    assert matcher.match("[unk]", 0.99, ALL) is None
    assert matcher.match("pause [unk]", 0.99, ALL) is None
    assert matcher.match("hold", 0.99, ALL) is None  # half a phrase
    assert matcher.match("", 0.99, ALL) is None


def test_confidence_floor() -> None:
    matcher = CommandMatcher(load_command_phrases(), confidence_floor=0.6)
    assert matcher.match("pause", 0.59, ALL) is None
    assert matcher.match("pause", 0.6, ALL) is Command.PAUSE


def test_partial_that_another_command_could_extend_is_not_acted_on() -> None:
    matcher = CommandMatcher(load_command_phrases())
    assert matcher.match_partial("skip", ALL) is None  # may become "skip rest"
    assert matcher.match("skip", 0.9, ALL) is Command.NEXT  # a final "skip" is fine
    assert matcher.match_partial("how many", ALL) is Command.HOW_MANY  # "how many left" agrees
    assert matcher.match_partial("pause", ALL) is Command.PAUSE
