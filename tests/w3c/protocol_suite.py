"""Runner for the W3C SPARQL 1.1 Protocol tests (rdf-tests sparql/sparql11/protocol/manifest.ttl).

Each test is a list of HTTP requests; every `/sparql/` path is rewritten to the endpoint
under test, each ut:graphData file is first loaded into its graph (named by its rdfs:label)
through the Graph Store Protocol, and every request carries the update token, so a 4xx on
a bad request is the protocol refusing it, not the authorisation.

Usable against any server:
    python tests/w3c/protocol_suite.py --endpoint http://127.0.0.1:7878/query \
        --update-endpoint http://127.0.0.1:7878/update --store http://127.0.0.1:7878/store
"""
from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection

HERE = Path(__file__).resolve().parent / "protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {"application/rdf+xml": ox.RdfFormat.RDF_XML, "text/turtle": ox.RdfFormat.TURTLE,
             "application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]                  # {"2xx", "3xx"}
    expected_format: str | None = None
    expected_boolean: bool | None = None


@dataclass
class ProtocolTest:
    id: str
    name: str
    graph_data: list[tuple[Path, str]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)


def load_manifest(path: Path = HERE / "manifest.ttl") -> list[ProtocolTest]:
    g = Graph()
    g.parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        test = ProtocolTest(str(entry).rsplit("#", 1)[-1], str(g.value(entry, MF.name)))
        for data in g.objects(entry, UT.graphData):
            file = Path(str(g.value(data, UT.graph)).removeprefix("file://"))
            test.graph_data.append((HERE / file.name, str(g.value(data, RDFS.label))))
        action = g.value(entry, MF.action)
        for req in Collection(g, g.value(action, HT.requests)):
            headers = {}
            if (hlist := g.value(req, HT.headers)) is not None:
                for h in Collection(g, hlist):
                    headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            body = None
            if (b := g.value(req, HT.body)) is not None:
                encoding = str(g.value(b, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(b, CNT.chars)).encode(encoding)
            resp = g.value(req, HT.resp)
            fmt, boolean = g.value(resp, MF.expectedFormat), g.value(resp, MF.expectedBoolean)
            test.requests.append(Request(
                method=str(g.value(req, HT.methodName)), path=str(g.value(req, HT.absolutePath)),
                headers=headers, body=body,
                statuses={str(s).removeprefix(HTS) for s in g.objects(resp, MF.expectedStatus)},
                expected_format=str(fmt) if fmt is not None else None,
                expected_boolean=boolean.toPython() if boolean is not None else None))
        tests.append(test)
    return tests


def _boolean(content_type: str, body: bytes) -> bool:
    if content_type == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    node = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
    return node.text.strip() == "true"


def check_response(req: Request, resp: httpx.Response) -> str | None:
    """None if the response meets the manifest's expectations, else why not."""
    status_class = f"{resp.status_code // 100}xx"
    if status_class not in req.statuses:
        return f"status {resp.status_code}, expected {'/'.join(sorted(req.statuses))}: {resp.text[:300]}"
    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    if req.expected_format == "boolean" and ctype not in BOOLEAN_TYPES:
        return f"content type {ctype!r} is not a boolean result format"
    if req.expected_format == "tabular":
        if ctype not in TABULAR_TYPES:
            return f"content type {ctype!r} is not a tabular result format"
        if ctype.endswith("json"):
            json.loads(resp.content)
        elif ctype.endswith("xml"):
            ET.fromstring(resp.content)
    if req.expected_format == "RDF":
        if ctype not in RDF_TYPES:
            return f"content type {ctype!r} is not an RDF format"
        list(ox.parse(resp.content, format=RDF_TYPES[ctype]))   # raises if not well-formed
    if req.expected_boolean is not None and _boolean(ctype, resp.content) != req.expected_boolean:
        return f"boolean {not req.expected_boolean}, expected {req.expected_boolean}"
    return None


def run_test(test: ProtocolTest, client: httpx.Client, *, endpoint: str, update_endpoint: str | None = None,
             store: str, token: str | None) -> str | None:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    for file, graph in test.graph_data:
        r = client.put(store, params={"graph": graph}, content=file.read_bytes(),
                       headers={"Content-Type": "application/n-triples", **auth})
        if r.status_code >= 300:
            return f"loading {file.name} into <{graph}> failed: {r.status_code} {r.text[:200]}"
    for i, req in enumerate(test.requests):
        rest = req.path.removeprefix("/sparql/")
        is_update = b"update=" in (req.body or b"") or "update" in req.headers.get("content-type", "") \
            or "update=" in rest or "using-" in rest
        base = update_endpoint if (is_update and update_endpoint) else endpoint
        url = base + rest if rest.startswith("?") or not rest else base + "/" + rest
        resp = client.request(req.method, url, headers={**req.headers, **auth}, content=req.body)
        if (why := check_response(req, resp)) is not None:
            return f"request {i + 1} ({req.method}): {why}"
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--update-endpoint")
    ap.add_argument("--store", required=True, help="Graph Store Protocol URL (indirect ?graph=)")
    ap.add_argument("--token")
    args = ap.parse_args(argv)
    failed = 0
    with httpx.Client(timeout=30) as client:
        tests = load_manifest()
        for test in tests:
            why = run_test(test, client, endpoint=args.endpoint, update_endpoint=args.update_endpoint,
                           store=args.store, token=args.token)
            failed += why is not None
            print(f"{'FAIL' if why else 'pass'}  {test.id}" + (f"  -- {why}" if why else ""))
    print(f"{len(tests) - failed}/{len(tests)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
