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


def stored_corpus(folder, documents):
    """A disk store at `folder` holding the mapped documents, each in its own graph (the API
    tests' store: faster than a full ingest, which the store tests cover), with the corpus
    tallies that ingest recounts at its end."""
    from policykg.graph.mapping import document_graph_iri, document_to_triples
    from policykg.graph.store import open_store
    from policykg.graph.tallies import recount
    store = open_store(str(folder))
    for doc in documents.values():
        store.replace_graph(document_graph_iri(doc), document_to_triples(doc))
    recount(store)
    return store


@pytest.fixture(scope="session")
def virtuoso():
    """A Virtuoso on 127.0.0.1 started once per session (graph.testing.Virtuoso). Skips without
    the Debian package virtuoso-opensource (`make test` installs it)."""
    from policykg.graph.testing import virtuoso_binaries, virtuoso_server
    if virtuoso_binaries() is None:
        pytest.skip("Virtuoso not installed (apt-get install virtuoso-opensource)")
    with virtuoso_server() as instance:
        yield instance


@pytest.fixture(scope="session")
def virtuoso_endpoint(virtuoso):
    """That Virtuoso's /sparql URL."""
    return virtuoso.endpoint
