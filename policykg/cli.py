"""The `policykg` command: a thin argparse shell over the stages.

Each stage module exposes `register(subparsers)`, adding its sub-commands with a
`func(args) -> int` default. Errors a user can fix are `UserError`: one line, exit 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from policykg.errors import UserError

# Order sets the order of --help.
COMMAND_MODULES = [
    "policykg.ingest.cli",
    "policykg.graph.draft_cli",
    "policykg.graph.cli",
    "policykg.api.cli",
    "policykg.ingest.english_cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policykg",
        description="Knowledge graph of Chinese policy documents (duties, deadlines, targets).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except UserError as err:
        print(f"policykg {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:        # output piped into head & co.: not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
