"""The 34 W3C SPARQL 1.1 Protocol tests against a live uvicorn on 127.0.0.1 (update token set)."""
import httpx
import pytest

from policykg.api.app import create_app
from policykg.api.testing import live_server
from w3c.protocol_suite import load_manifest, run_test
from w3c.fixtures import open_test_store

TOKEN = "w3c-test-token"
TESTS = load_manifest()


def test_manifest_has_all_34():
    assert len(TESTS) == 34


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = open_test_store(tmp_path_factory.mktemp("w3c-store"))
    with live_server(create_app(store, update_token=TOKEN)) as url:
        with httpx.Client(timeout=30) as client:
            yield url, client
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("test", TESTS, ids=[t.id for t in TESTS])
def test_protocol(server, test):
    url, client = server
    why = run_test(test, client, endpoint=f"{url}/sparql", store=f"{url}/store", token=TOKEN)
    assert why is None, why
