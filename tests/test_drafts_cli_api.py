"""check-draft CLI and the /drafts HTTP API, the latter through TestClient and a live
uvicorn server on 127.0.0.1."""
import json
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from policykg.api.drafts import MAX_BYTES, router
from policykg.cli import main

ROOT = Path(__file__).resolve().parent.parent
DRAFT = ROOT / "tests" / "data" / "drafts" / "bazhong-tcm-quality-draft.txt"
FIELDS = {"kind", "draft_start", "draft_end", "corpus_source", "corpus_start", "corpus_end", "score",
          "differences", "explanation_zh", "explanation_en"}


def _expected_kinds():
    expected = json.loads(DRAFT.with_suffix(".expected.json").read_text(encoding="utf-8"))
    return sorted(e["kind"] for e in expected["findings"])


def test_cli_json(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["check-draft", str(DRAFT), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["draft"] == str(DRAFT)
    assert sorted(f["kind"] for f in out["findings"]) == _expected_kinds()
    for f in out["findings"]:
        assert FIELDS <= set(f)
        assert (ROOT / f["corpus_source"]).is_file()


def test_cli_report(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["check-draft", str(DRAFT), "--city", "巴中"]) == 0
    out = capsys.readouterr().out
    assert "[target_conflict]" in out and "无人自动药店" in out


@pytest.mark.parametrize("argv, message", [
    (["check-draft", "no-such-draft.txt"], "no such file"),
    (["check-draft", str(DRAFT), "--corpus", "no-such-folder"], "no such corpus folder"),
])
def test_cli_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_cli_undecodable_file(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(bytes(range(128, 256)) * 4)
    assert main(["check-draft", str(bad)]) == 2
    assert "\n" not in capsys.readouterr().err.strip()


@pytest.fixture(scope="module")
def app():
    app = FastAPI()
    app.include_router(router)
    return app


@pytest.fixture(scope="module")
def client(app):
    from fastapi.testclient import TestClient
    return TestClient(app)


def test_api_json_body(client):
    r = client.post("/drafts/check", json={"text": DRAFT.read_text(encoding="utf-8"), "city": "巴中市"})
    assert r.status_code == 200
    assert sorted(f["kind"] for f in r.json()["findings"]) == _expected_kinds()


def test_api_upload(client):
    r = client.post("/drafts/check", files={"file": (DRAFT.name, DRAFT.read_bytes(), "text/plain")})
    assert r.status_code == 200 and r.json()["draft"] == DRAFT.name
    assert sorted(f["kind"] for f in r.json()["findings"]) == _expected_kinds()


@pytest.mark.parametrize("body, field", [
    ({"city": "巴中市"}, "text"), ({"text": "", "city": "巴中市"}, "text"), ({"text": "一、任务", "city": 3}, "city"),
])
def test_api_422_names_the_field(client, body, field):
    r = client.post("/drafts/check", json=body)
    assert r.status_code == 422 and r.json()["detail"].startswith(field + ":")


def test_api_upload_without_file(client):
    r = client.post("/drafts/check", data={"city": "巴中市"}, files={"other": ("x.txt", b"x")})
    assert r.status_code == 422 and r.json()["detail"].startswith("file:")


def test_api_413(client):
    r = client.post("/drafts/check", json={"text": "中" * (MAX_BYTES // 3 + 10), "city": "巴中市"})
    assert r.status_code == 413 and "draft" in r.json()["detail"]


def test_api_answers_503_while_the_corpus_index_is_built_once(client, monkeypatch):
    """A check that would wait for the corpus index (minutes at 10,000 documents) is answered
    503 with Retry-After; concurrent first requests share one build; then the checks answer."""
    from policykg.api import drafts as api_drafts
    from policykg.graph import drafts
    release, builds, real = threading.Event(), [], drafts.index_of

    def held_build(key):
        builds.append(key)
        release.wait(60)
        return real(key)

    monkeypatch.setattr(drafts, "index_of", held_build)
    monkeypatch.setattr(api_drafts, "_index_build", api_drafts.IndexBuild())
    monkeypatch.setattr(api_drafts, "BUILD_PATIENCE", 0.2)
    body = {"text": DRAFT.read_text(encoding="utf-8"), "city": "巴中市"}
    waiting = [client.post("/drafts/check", json=body), client.get("/drafts/cities")]
    assert [r.status_code for r in waiting] == [503, 503]
    assert all(int(r.headers["Retry-After"]) > 0 and "being built" in r.json()["detail"] for r in waiting)
    assert len(builds) == 1
    release.set()
    api_drafts._index_build._build.result(timeout=300)       # the one build, now finished
    r = client.post("/drafts/check", json=body)
    assert r.status_code == 200 and sorted(f["kind"] for f in r.json()["findings"]) == _expected_kinds()
    assert len(builds) == 1


def test_api_names_an_unreadable_corpus_file(client, monkeypatch, tmp_path):
    """A corpus file the index cannot be built from is the server's problem: 503 naming it."""
    from policykg.api import drafts as api_drafts
    (tmp_path / "broken.txt").write_bytes(bytes(range(128, 256)) * 4)
    monkeypatch.setenv("POLICYKG_DRAFT_CORPUS", str(tmp_path))
    monkeypatch.setattr(api_drafts, "_index_build", api_drafts.IndexBuild())
    r = client.post("/drafts/check", json={"text": DRAFT.read_text(encoding="utf-8")})
    assert r.status_code == 503 and "broken.txt" in r.json()["detail"]


def test_api_page_and_source(client):
    page = client.get("/drafts")
    assert page.status_code == 200 and "drafts/check" in client.get("/drafts/static/drafts.js").text
    assert 'id="draft"' in page.text and 'id="source"' in page.text
    finding = client.post("/drafts/check", json={"text": DRAFT.read_text(encoding="utf-8")}).json()["findings"][0]
    src = client.get("/drafts/source", params={"path": finding["corpus_source"]})
    assert src.status_code == 200
    assert src.json()["text"][finding["corpus_start"]:finding["corpus_end"]].strip()
    assert client.get("/drafts/source", params={"path": "/etc/passwd"}).status_code == 404
    assert client.get("/drafts/static/..%2Fdrafts.html").status_code == 404


@pytest.fixture(scope="module")
def live_server(app):
    import uvicorn
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_live_server(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as http:
        r = http.post("/drafts/check", json={"text": DRAFT.read_text(encoding="utf-8")})
        assert r.status_code == 200
        assert sorted(f["kind"] for f in r.json()["findings"]) == _expected_kinds()
        big = http.post("/drafts/check", content=b"x" * (MAX_BYTES + 10_000),
                        headers={"content-type": "application/json"})
        assert big.status_code == 413
        assert http.get("/drafts").headers["content-type"].startswith("text/html")
