"""schemathesis against the API's own OpenAPI schema, on the corpus: no 5xx, and every
response body and content type as the schema says. Bounded: 20 generated examples per
operation, no shrinking, ~15 s. (Driven by hand, not by schemathesis' pytest plugin, which
does not run under pytest 9.)

Not asserted, because the schema under-documents rather than the server misbehaves (the
fix is in api/, reported in issue 9's hand-back): error statuses the routes answer but do not
declare (400/401/403/404/415 on /sparql, /store, /queries/{name}, /api/*/{id}), 422 for
filter values the schema allows but the API refuses (`/api/documents?city=*`), and the
service description at GET /sparql served as Turtle while the schema says application/json,
GET /queries/{name}.rq as application/sparql-query while it says text/plain.
One server error it found (an offset past Oxigraph's u64) is now a 422, tested below.
"""
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, assume, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance, positive_data_acceptance, status_code_conformance,
)

from conftest import CORPUS
from policykg.api.app import create_app
from policykg.graph.load import ingest
from policykg.graph.store import open_store

pytestmark = pytest.mark.slow
EXAMPLES = 20
UNDER_DOCUMENTED = [status_code_conformance, positive_data_acceptance]
# Served in another media type than the schema declares (application/json, text/plain):
UNDECLARED_MEDIA_TYPE = {"GET /sparql": "text/turtle (service description)",
                         "GET /queries/{name}.rq": "application/sparql-query"}
OXIGRAPH_MAX_OFFSET = 2**64 - 1       # OFFSET is a u64 in Oxigraph's parser


@pytest.fixture(scope="module")
def app():
    store = open_store()
    ingest(store, sorted(CORPUS.glob("*.txt")), shacl=False)
    yield create_app(store, query_timeout=5, max_rows=2000, text_folders=[CORPUS])
    store.close()


@pytest.fixture(scope="module")
def schema(app):
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def check_operation(operation) -> None:
    excluded = UNDER_DOCUMENTED + ([content_type_conformance] if operation.label in UNDECLARED_MEDIA_TYPE else [])

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), database=None, derandomize=True)
    def run(case):
        assume(int((case.query or {}).get("offset", 0) or 0) <= OXIGRAPH_MAX_OFFSET)   # see the xfail below
        # Remaining default checks: not_a_server_error, response_schema_conformance,
        # content_type_conformance, response_headers_conformance, ...
        case.call_and_validate(excluded_checks=excluded)
    run()


def test_every_operation_conforms_to_the_schema(schema):
    failures, checked = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        checked += 1
        try:
            check_operation(operation)
        except (Exception, BaseExceptionGroup) as err:  # noqa: BLE001 - every operation, then report
            failures.append(f"{operation.label}: {type(err).__name__}: {str(err)[:1500]}")
    assert checked >= 10
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("path", ["/api/units", "/api/provisions", "/api/documents"])
def test_an_offset_past_u64_is_a_client_error(app, path):
    r = TestClient(app).get(path, params={"offset": str(OXIGRAPH_MAX_OFFSET + 1)})
    assert r.status_code == 422 and "offset" in r.text, r.text
