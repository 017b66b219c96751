"""The draft checker's English explanations name units, places, metrics and amounts in English
and keep the Chinese names for the Chinese explanation."""
import re
from pathlib import Path

import pytest

from policykg.graph.draft_explain import path_en
from policykg.graph.drafts import check_draft, corpus_index
from policykg.ingest.pipeline import extract_file

ROOT = Path(__file__).resolve().parent.parent
DRAFTS = ROOT / "tests" / "data" / "drafts"
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def findings():
    index = corpus_index(ROOT / "corpus")
    return [f for draft in sorted(DRAFTS.glob("*.txt")) for f in check_draft(extract_file(draft), index)]


def test_english_explanations_hold_no_chinese(findings):
    assert {f.kind for f in findings} >= {"lead_conflict", "target_conflict"}
    for f in findings:
        assert not CJK.search(f.explanation_en), f.explanation_en
        assert CJK.search(f.explanation_zh)


def test_units_and_documents_are_named_in_english(findings):
    lead = next(f for f in findings if f.kind == "lead_conflict")
    assert "Municipal" in lead.explanation_en or "Bureau" in lead.explanation_en or "Commission" in lead.explanation_en
    assert "《" not in lead.explanation_en and "《" in lead.explanation_zh


def test_provision_paths_in_arabic_numerals():
    assert path_en("二/（三）/12") == "2/(3)/12"
    assert path_en("附件1/6") == "Annex 1/6"
    assert path_en("第十二条") == "Article 12"
