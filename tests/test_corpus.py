"""The bundled corpus: byte-identical to the shared texts, each listed in the manifest."""
import hashlib
import tomllib

from conftest import CORPUS, SOURCES


def test_manifest_lists_every_text_with_its_hash():
    manifest = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["document"]
    assert sorted(d["file"] for d in manifest) == sorted(p.name for p in CORPUS.glob("*.txt"))
    for entry in manifest:
        raw = (CORPUS / entry["file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"]
        if SOURCES.exists():
            assert (SOURCES / entry["original"]).read_bytes() == raw
        assert entry["status"] in ("draft", "final") and entry["city"] and entry["title"]
    assert len({d["id"] for d in manifest}) == len(manifest)
