"""The quality bar on the hand-annotated corpus (../shared/gold). Fails if it drops."""
import json
import subprocess
import sys

import pytest

from conftest import GOLD, SOURCES
from policykg.ingest.evaluate import evaluate, pooled

pytestmark = pytest.mark.skipif(not GOLD.exists(), reason=f"gold annotations not found at {GOLD}")

BAR = {"units": 0.97, "deadlines": 0.98, "targets": 0.97}


@pytest.fixture(scope="module")
def results():
    return evaluate(GOLD, SOURCES)


@pytest.mark.parametrize("role", list(BAR))
def test_quality_bar(results, role):
    score = pooled(results)[role]
    assert score.f1 >= BAR[role], f"{role}: F1 {score.f1:.3f} < {BAR[role]}"


def test_every_gold_provision_is_located(results):
    missing = [m for r in results for m in r.misses if "not located" in m]
    assert not missing and all(r.located == r.gold_provisions for r in results)


def test_gold_files_still_validate():
    files = sorted(str(p) for p in GOLD.glob("*.json"))
    run = subprocess.run([sys.executable, str(GOLD / "validate.py"), *files, "--sources", str(SOURCES)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout


def test_document_metadata_matches_gold(corpus_documents):
    manifest_names = {d.meta.sha256: d for d in corpus_documents.values()}
    import hashlib
    for path in sorted(GOLD.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        digest = hashlib.sha256((SOURCES / gold["source"]).read_bytes()).hexdigest()
        meta = manifest_names[digest].meta
        g = gold["document"]
        assert (meta.title, meta.city, meta.province, meta.status) == (g["title"], g["city"], g["province"], g["status"])
        assert meta.issued == g["issued"] and list(meta.period or []) == list(g["period"] or [])


def test_metadata_read_from_text_when_not_in_manifest(tmp_path, monkeypatch):
    """Without the manifest, the texts still yield their metadata from the text itself."""
    from policykg.ingest import metadata
    from policykg.ingest.pipeline import extract_file
    monkeypatch.setattr(metadata, "_manifest_docs", lambda: ())
    for path in sorted(GOLD.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        copy = tmp_path / gold["source"]
        copy.write_bytes((SOURCES / gold["source"]).read_bytes() + b"\n")
        meta = extract_file(copy).meta
        g = gold["document"]
        assert not meta.from_manifest
        assert (meta.title, meta.city, meta.status, meta.issued) == (g["title"], g["city"], g["status"], g["issued"])
        assert list(meta.period or []) == list(g["period"] or []) and meta.issuers == g["issuers"]


def test_a_corpus_document_in_another_form_is_the_same_document(tmp_path):
    """Same title and city as a manifest entry (e.g. the DOCX of a corpus text): same id."""
    from policykg.ingest.pipeline import extract_file
    source = SOURCES / "004_6327faf7a73cc827.txt"
    copy = tmp_path / "copy.txt"
    copy.write_bytes(source.read_bytes() + "\n（此件公开发布）\n".encode("utf-8"))
    meta = extract_file(copy).meta
    assert meta.from_manifest and meta.id == "bazhong-2023-tcm-integration-opinions"
    assert meta.sha256 != extract_file(source).meta.sha256
