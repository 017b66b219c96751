import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("POLICYKG_SHARED", ROOT.parent / "shared"))
GOLD = SHARED / "gold"
SOURCES = SHARED / "corpus"
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def corpus_documents():
    """The five bundled documents, extracted once per test session."""
    from policykg.ingest.pipeline import extract_file
    return {p.name: extract_file(p) for p in sorted(CORPUS.glob("*.txt"))}
