"""Pattern data (ontology/patterns/*.toml) loaded once and cached.

Rules are data so that a new phrasing of the genre is a data change, not a code change.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache

from policykg import data_path


@lru_cache(maxsize=None)
def load_patterns(name: str) -> dict:
    with data_path("ontology", "patterns", f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def alternation(words) -> str:
    """A regex alternation of literal words, longest first so the longest wins."""
    import re
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
