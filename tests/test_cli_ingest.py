"""`policykg extract --json` and `policykg eval` through the real entry point."""
import json

import pytest

from conftest import CORPUS, GOLD, SOURCES
from policykg.cli import main


def test_extract_json_fields(capsys):
    path = CORPUS / "bazhong-tcm-integration-opinions-draft.txt"
    assert main(["extract", str(path), "--json"]) == 0
    (doc,) = json.loads(capsys.readouterr().out)
    assert doc["source"] == str(path) and doc["document"]["city"] == "巴中市"
    text = path.read_text(encoding="utf-8")
    prov = next(p for p in doc["provisions"] if p["id"] == "二/（一）/3")
    assert prov["lead_units"] == ["市商务局"]
    assert text[prov["start"]:prov["end"]].startswith("3.做“活”中医药市场")
    for p in doc["provisions"]:
        for d in p["deadlines"]:
            assert text[d["start"]:d["end"]] == d["text"]
        for t in p["targets"]:
            assert text[t["start"]:t["end"]] == t["text"]
        for m in p["unit_mentions"]["lead"] + p["unit_mentions"]["responsible"]:
            assert "".join(text[m["start"]:m["end"]].split()) == m["printed"]


def test_extract_several_files_and_a_folder(capsys):
    assert main(["extract", str(CORPUS)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 5 and all("provisions" in line for line in out)


@pytest.mark.skipif(not GOLD.exists(), reason=f"gold annotations not found at {GOLD}")
def test_eval_prints_a_table(capsys):
    assert main(["eval", "--gold", str(GOLD), "--sources", str(SOURCES)]) == 0
    out = capsys.readouterr().out
    assert "ALL (pooled)" in out and "141/141" in out


def test_city_override_for_unknown_documents(tmp_path, capsys):
    path = tmp_path / "x.txt"
    path.write_text("关于支持产业发展的措施\n1.培育企业。新增企业5家。（责任单位：市经信局）\n", encoding="utf-8")
    assert main(["extract", str(path), "--json", "--city", "巴中市"]) == 0
    (doc,) = json.loads(capsys.readouterr().out)
    assert doc["document"]["city"] == "巴中市"
    assert doc["provisions"][-1]["responsible_units"] == ["市经济和信息化局"]
