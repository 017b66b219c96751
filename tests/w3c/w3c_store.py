"""The store the protocol tests run on: the graph stage's own when it is installed."""
from pathlib import Path


def open_test_store(path: Path):
    try:
        from policykg.graph.store import open_store
    except ImportError:          # graph stage not there yet: the in-memory stand-in
        from memstore import MemStore
        return MemStore()
    return open_store(str(path))
