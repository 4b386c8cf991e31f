"""Progression: where the next session starts and when to offer harder, from past sessions.

Pure rules on plain data. `history` is one routine's past sessions, NEWEST FIRST. The variation
that moves is the one of the routine's first block: that is the block the engine's
`Session(start_variation=...)` sets, so "the variation you worked" below means the variation the
first block ended on (for a one-block routine, simply the last variation worked).

Rules, in order:

1. Your back hurt last time: when "back pain" was accepted in the person's previous session (of
   any routine, whether or not a rep was done: `previous`, by default the newest of `history`),
   start at the gentlest rung (the catalog's first variation), whatever the routine's first
   block, with no offer: "Last time your back hurt, so we start gently with bent-knee heel taps."
   A session in which your back hurt is never a clean one (rule 5), so harder is offered only
   after two clean sessions that come after it.
2. Sessions in which no rep of the first block was done (started, then stopped at once) are
   skipped: they say nothing about what you can do. So are sessions naming a variation the
   catalog no longer has.
3. No usable session: start at `first_variation` (the routine's own first block; the easiest
   rung when not given). No offer.
4. Continue from last time: start at the variation the most recent session ended on. Saying
   easier switches you one rung down during the session, so a session in which you said easier
   ended on the easier rung, and the next one starts there: one rung lower than that session
   began, not two (a person who said "easier" wants to continue at the level that felt right,
   not be dropped further). If you later said harder in the same session, you ended on the harder
   rung and start there. Stopped and interrupted sessions count the same way: you continue
   where you were.
5. Offer harder: when the two most recent usable sessions both finished (not stopped, not
   interrupted), neither had "easier" said (in any block) nor back pain reported, and in both
   the start variation was the one worked last with every planned rep of it done (no set cut
   short or skipped), offer the next rung up. Harder is only offered ("Say harder to try ..."),
   never imposed. At the top of the ladder there is nothing to offer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voice_coach.core.catalog import Catalog

CLEAN_SESSIONS_FOR_OFFER = 2


@dataclass(frozen=True)
class VariationWork:
    """One variation worked in one block of a session; `clean`: every planned rep of it done."""

    variation: str
    block: int
    clean: bool


@dataclass(frozen=True)
class PastSession:
    """What progression needs to know about one past session."""

    work: tuple[VariationWork, ...]  # in the order worked
    said_easier: bool
    end_reason: str  # finished, stopped or interrupted
    reported_back_pain: bool = False  # "my back hurts" was accepted


@dataclass(frozen=True)
class Plan:
    start_variation: str
    offer_harder: str | None  # the variation id to offer, or None
    message: str | None  # what the coach says about it, or None


def ended_on(session: PastSession, catalog: Catalog, lead_block: int = 0) -> VariationWork | None:
    """The lead block's last variation worked in `session`, or None when it says nothing."""
    lead = [w for w in session.work if w.block == lead_block]
    if not lead or lead[-1].variation not in catalog.ids:
        return None
    return lead[-1]


def is_clean_on(session: PastSession, variation: str, catalog: Catalog, lead_block: int) -> bool:
    last = ended_on(session, catalog, lead_block)
    return (
        session.end_reason == "finished"
        and not session.said_easier
        and not session.reported_back_pain
        and last is not None
        and last.variation == variation
        and last.clean
    )


def plan_next(
    history: Sequence[PastSession],
    catalog: Catalog,
    first_variation: str | None = None,
    lead_block: int = 0,
    previous: PastSession | None = None,
) -> Plan:
    """The next session's start variation and harder offer; see the module docstring.

    `previous`: the person's most recent session of any routine (default: `history[0]`).
    """
    last = previous if previous is not None else (history[0] if history else None)
    if last is not None and last.reported_back_pain:
        gentlest = catalog.get(catalog.ids[0])
        message = f"Last time your back hurt, so we start gently with {gentlest.name}."
        return Plan(gentlest.id, None, message)
    usable = [s for s in history if ended_on(s, catalog, lead_block) is not None]
    if not usable:
        default = first_variation if first_variation in catalog.ids else catalog.ids[0]
        return Plan(default, None, None)
    latest = usable[0]
    start = ended_on(latest, catalog, lead_block).variation
    recent = usable[:CLEAN_SESSIONS_FOR_OFFER]
    clean = len(recent) == CLEAN_SESSIONS_FOR_OFFER and all(
        is_clean_on(session, start, catalog, lead_block) for session in recent
    )
    harder = catalog.step(start, +1) if clean else None
    if harder is not None:
        message = f"Last two sessions were clean. Say harder to try {harder.name}."
        return Plan(start, harder.id, message)
    if latest.said_easier:
        message = f"Last time you said easier, so we start with {catalog.get(start).name}."
        return Plan(start, None, message)
    return Plan(start, None, None)
