"""Same-length normalisation of a source text, so offsets never need mapping.

Full-width ASCII variants become ASCII (（ -> (, ． -> ., ： -> :), the ideographic space
becomes a space, and page furniture left by converters ([bookmark: _GoBack]) is blanked
with spaces. Every rule maps one character to one character, so an index into the
normalised copy is the same index into the decoded source.
"""
from __future__ import annotations

import re
from functools import lru_cache

from policykg.ingest.patterns import load_patterns

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20          # ideographic space
_FULLWIDTH[0x00A0] = 0x20          # no-break space
_FULLWIDTH[0x2014] = ord("—")      # keep em dash (ranges 1—2) as is
_FULLWIDTH[0x2013] = ord("—")      # en dash reads as a range dash too
_FULLWIDTH[0x2212] = ord("-")      # minus sign


@lru_cache(maxsize=1)
def _furniture() -> re.Pattern:
    return re.compile("|".join(load_patterns("structure")["furniture"]["patterns"]))


def normalize(text: str) -> str:
    """Return a copy of `text` of exactly the same length, easier to match against."""
    out = text.translate(_FULLWIDTH)
    return _furniture().sub(lambda m: " " * len(m.group()), out)
