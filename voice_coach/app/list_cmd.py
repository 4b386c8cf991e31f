"""`voice-coach list`: the variations in ladder order with why each stands there, and the
routines."""

from __future__ import annotations

import argparse

from voice_coach.core.catalog import load_catalog
from voice_coach.routines.library import list_routines


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("list", help="list the variations (easiest first) and routines")
    parser.set_defaults(handler=show_lists)


def show_lists(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    print("Variations, easiest first:")
    for variation in catalog.variations:
        equipment = ", ".join(variation.equipment) or "no equipment"
        tempo = variation.tempo.describe()
        cautions = ", ".join(variation.cautions)
        print(f"  {variation.level}. {variation.id:<16} {variation.name} "
              f"({equipment}; {variation.reps} reps; tempo {tempo} s"
              f"{'; cautions: ' + cautions if cautions else ''})")
        print(f"     why here: {variation.why}")
    print("Routines:")
    for info in list_routines(catalog):
        detail = info.error or info.description
        print(f"  {info.name:<16} [{info.source}] {detail}")
    return 0
