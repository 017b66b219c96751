"""`policykg name-en`: the English name of a unit (gazetteer or derived), one or a list."""
from __future__ import annotations

import argparse
from pathlib import Path

from policykg.errors import UserError
from policykg.ingest.english import render_unit_name


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "name-en", help="English name of a government unit",
        description="Print the English name of a unit (line 1) and whether it came from the "
                    "gazetteer or was derived (line 2); with --tsv, render one name per line.")
    parser.add_argument("name", nargs="?", help="unit name as printed, e.g. 市发展改革委")
    parser.add_argument("--city", help="city whose gazetteer applies, e.g. 巴中市")
    parser.add_argument("--tsv", metavar="FILE", help="file of names, one per line")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.tsv:
        if args.name:
            raise UserError("give either NAME or --tsv FILE, not both")
        for name in _names(Path(args.tsv)):
            english = render_unit_name(name, args.city)
            print(f"{name}\t{english.text}\t{english.source}")
        return 0
    name = (args.name or "").strip()
    if not name:
        raise UserError("empty unit name (give NAME or --tsv FILE)")
    english = render_unit_name(name, args.city)
    print(english.text)
    print(english.source)
    return 0


def _names(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: cannot read as UTF-8 text ({err.__class__.__name__})") from None
    return [line.strip() for line in text.splitlines() if line.strip()]
