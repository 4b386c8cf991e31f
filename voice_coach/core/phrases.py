"""Every sentence the coach builds from numbers and names, in one place.

Fixed texts come from the catalog; this module only joins them with counts and names, so the
set of phrases a block needs can be listed (and rendered to speech) before the block starts.
"""

from __future__ import annotations

from voice_coach.core.catalog import Catalog, Variation
from voice_coach.core.commands import Command

_NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)

COUNT_IN = ("Three.", "Two.", "One.")
PAUSED = "Paused. Say resume when you are ready."
RESUMING = "Resuming."
REST_END_WARNING = "Ten seconds."
SET_DONE = "Set complete."
BACK_PAIN_HINT = "If your back hurts, say: my back hurts."


def number_word(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def plural(n: int, word: str) -> str:
    return f"{number_word(n)} {word}{'' if n == 1 else 's'}"


def noun_for(n: int, plural: str) -> str:
    """`plural` ("hover leg lifts", "sets"), in the singular when n is 1: every catalog name is
    a plural whose last word ends in s."""
    return plural[:-1] if n == 1 and plural.endswith("s") else plural


def exercise_count(n: int, name: str) -> str:
    """"two hover leg lifts", "one hover leg lift"."""
    return f"{number_word(n)} {noun_for(n, name)}"


def count(rep: int) -> str:
    return f"{number_word(rep).capitalize()}."


def welcome(routine_name: str, sets: int, warmup: str | None) -> str:
    text = f"Welcome. Today's routine: {routine_name}, {plural(sets, 'set')}. Say help at any time."
    return f"{text} {warmup}" if warmup else text


def block_intro(variation: Variation, sets: int, reps: int | None, seconds: int | None) -> str:
    amount = plural(reps or 0, "rep") if seconds is None else f"{seconds} seconds"
    return f"Next: {variation.name}. {plural(sets, 'set').capitalize()} of {amount}."


def breathing(catalog: Catalog) -> str:
    return f"{catalog.common.breathing_up} {catalog.common.breathing_down}"


def set_ready(set_number: int, sets: int) -> str:
    return f"Set {number_word(set_number)} of {number_word(sets)}. Get ready."


def rest(seconds: int) -> str:
    return f"Rest. {seconds} seconds."


def switching(variation: Variation) -> str:
    return f"Switching to {variation.name}."


def back_pain_offer(gentle: Variation) -> str:
    return f"Paused. Say resume to go on with slower {gentle.name}, or stop to end here."


def going_gentler(gentle: Variation) -> str:
    return f"Going on with slower {gentle.name}."


def no_easier() -> str:
    return "This is already the easiest variation."


def no_harder() -> str:
    return "This is already the hardest variation."


def tempo_changed(slower: bool, at_limit: bool) -> str:
    if at_limit:
        return "That is as slow as it goes." if slower else "That is as fast as it goes."
    return "Slower." if slower else "Faster."


def how_many(reps_left: int | None, sets_left: int) -> str:
    parts = []
    if reps_left is not None:
        parts.append(f"{plural(reps_left, 'rep')} left in this set")
    parts.append(
        "this is the last set" if sets_left == 0 else f"then {plural(sets_left, 'more set')}"
    )
    return (", ".join(parts) + ".").capitalize()


def help_text() -> str:
    spoken = ", ".join(command.spoken for command in Command if command is not Command.HELP)
    return f"You can say: {spoken}."


def summary(finished: bool, sets_done: int, reps_by_name: dict[str, int]) -> str:
    opening = "Workout complete." if finished else "Workout stopped."
    reps = sum(reps_by_name.values())
    if not reps:
        return f"{opening} No reps this time."
    detail = ", ".join(exercise_count(n, name) for name, n in reps_by_name.items() if n)
    closing = " Great work." if finished else ""
    done = f"{plural(sets_done, 'set')}, {plural(reps, 'rep')}".capitalize()
    return f"{opening} {done}: {detail}.{closing}"
