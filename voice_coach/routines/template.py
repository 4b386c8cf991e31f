"""The commented routine file `voice-coach routine new` writes for a person to edit."""

from __future__ import annotations

from voice_coach.core.catalog import Catalog, load_catalog
from voice_coach.routines.estimate import MAX_ROUTINE_HOURS
from voice_coach.routines.files import (
    REPS_RANGE,
    REST_RANGE,
    SECONDS_RANGE,
    SETS_RANGE,
    TEXT_MAX_CHARS,
)
from voice_coach.routines.tempo_fields import TEMPO_MAX_S
from voice_coach.user_text import PRINTABLE_RULE

_TEMPLATE = """\
# A voice-coach routine. Edit it, then check it with:  voice-coach routine check {name}
# and run it with:  voice-coach run --routine {name}
# Lines starting with # are comments. Text goes in "quotes"; numbers do not.
# Limits: name up to {name_max} characters, description {description_max}, warmup and
# cooldown {cue_max} each, in {printable};
# the whole routine (speech, sets and rests) lasts at most {max_hours} h.

name = "{name}"                      # what the coach calls this routine
description = "My leg-lift routine."  # one line, shown by: voice-coach routine list

# Optional: something the coach says after the welcome, and at the very end.
# warmup = "Keep your lower back touching the floor the whole time, no gaps."
# cooldown = "Well done. Rest now."

# Each [[block]] is some sets of one variation, done in the order written here.
#
#   variation   which leg lift (required); one of these ids, easiest first:
{variations}
#   sets        how many sets (required), {sets_low}..{sets_high}
#   reps        reps per set, {reps_low}..{reps_high}; without it, the variation's usual count
#   seconds     instead of reps: each set lasts this long, {seconds_low}..{seconds_high}
#               (give reps or seconds, never both)
#   tempo       seconds for each phase of a rep, any of: lift, top (hold at the top),
#               lower, bottom (hold at the bottom); 0..{tempo_max:g} s, lift and lower above 0.
#               Phases you leave out keep the variation's own tempo. Lower must be at least
#               as long as lift: "the downward phase is slower and more controlled".
#   rest        seconds of rest between the sets of this block, {rest_low}..{rest_high} (default 30)
#   rest_after  seconds of rest after the block's last set, {rest_low}..{rest_high} (default 45)

[[block]]
variation = "{first}"
sets = 2
reps = 8
rest = 30
rest_after = 45

[[block]]
variation = "{second}"
sets = 2
reps = 6
tempo = {{ lift = 2.0, top = 1.0, lower = 3.0, bottom = 1.0 }}
rest = 40

# A timed block: reps continue until the seconds are up.
# [[block]]
# variation = "{first}"
# sets = 1
# seconds = 45
"""


def routine_template(name: str, catalog: Catalog | None = None) -> str:
    """A valid, fully commented routine file named `name`."""
    catalog = catalog or load_catalog()
    width = max(len(v.id) for v in catalog.variations)
    variations = "\n".join(
        f"#                 {v.id:<{width}}  {v.name} (level {v.level})" for v in catalog.variations
    )
    return _TEMPLATE.format(
        name=name,
        variations=variations,
        first=catalog.variations[0].id,
        second=catalog.variations[min(1, len(catalog.variations) - 1)].id,
        sets_low=SETS_RANGE[0],
        sets_high=SETS_RANGE[1],
        reps_low=REPS_RANGE[0],
        reps_high=REPS_RANGE[1],
        seconds_low=SECONDS_RANGE[0],
        seconds_high=SECONDS_RANGE[1],
        tempo_max=TEMPO_MAX_S,
        rest_low=REST_RANGE[0],
        rest_high=REST_RANGE[1],
        name_max=TEXT_MAX_CHARS["name"],
        description_max=TEXT_MAX_CHARS["description"],
        cue_max=max(TEXT_MAX_CHARS["warmup"], TEXT_MAX_CHARS["cooldown"]),
        printable=PRINTABLE_RULE,
        max_hours=MAX_ROUTINE_HOURS,
    )
