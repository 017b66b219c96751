"""Draft checker: planted fixtures give exactly their findings; the corpus checked against
itself finds the real overlaps of 巴中's documents; matching rules hold on small cases."""
import json
from pathlib import Path

import pytest

from policykg.graph.draft_features import features
from policykg.graph.drafts import check_draft, corpus_index, similarity
from policykg.ingest.pipeline import extract_file, extract_text

ROOT = Path(__file__).resolve().parent.parent
DRAFTS = ROOT / "tests" / "data" / "drafts"
CORPUS = ROOT / "corpus"
ACTION = "bazhong-biomedicine-action-plan-2022-2025-draft.txt"
MEASURES = "bazhong-biomedicine-investment-eight-measures-draft.txt"
OPINIONS = "bazhong-tcm-integration-opinions-draft.txt"


@pytest.fixture(scope="module")
def index():
    return corpus_index(CORPUS)


def _key(f):
    return (f.draft_provision, f.kind, Path(f.corpus_source).name, f.corpus_provision)


@pytest.mark.parametrize("draft", sorted(DRAFTS.glob("*.txt")), ids=lambda p: p.stem)
def test_fixture_gives_exactly_its_expected_findings(draft, index):
    expected = json.loads(draft.with_suffix(".expected.json").read_text(encoding="utf-8"))
    findings = check_draft(extract_file(draft), index)
    got = sorted(_key(f) for f in findings)
    want = sorted((e["draft_provision"], e["kind"], e["corpus_file"], e["corpus_provision"])
                  for e in expected["findings"])
    assert got == want


@pytest.mark.parametrize("draft", sorted(DRAFTS.glob("*.txt")), ids=lambda p: p.stem)
def test_spans_point_at_the_matched_text(draft, index):
    doc = extract_file(draft)
    texts = {d.meta.source: d for d in index.documents}
    for f in check_draft(doc, index):
        corpus = texts[f.corpus_source]
        prov = next(p for p in corpus.provisions if p.id == f.corpus_provision)
        assert prov.start <= f.corpus_start < f.corpus_end <= prov.end
        assert corpus.text[f.corpus_start:f.corpus_end].strip()
        assert doc.text[f.draft_start:f.draft_end].strip()
        assert f.explanation_zh and f.explanation_en and 0 < f.score <= 1


def _self_check(index):
    """Each corpus document as a draft against the others (itself is excluded by sha256)."""
    pairs = set()
    for doc in index.documents:
        for f in check_draft(doc, index):
            pairs.add((Path(doc.meta.source).name, f.draft_provision, f.kind,
                       Path(f.corpus_source).name, f.corpus_provision))
    return pairs


@pytest.fixture(scope="module")
def self_pairs(index):
    return _self_check(index)


def _linked(pairs, a, b, kinds=None):
    """a and b (file, provision) reported against each other, in either direction."""
    return any({(p[0], p[1]), (p[3], p[4])} == {a, b} and (kinds is None or p[2] in kinds) for p in pairs)


def test_self_check_finds_the_qinba_market(self_pairs):
    assert _linked(self_pairs, (MEASURES, "附件1/6"), (OPINIONS, "二/（一）/3"))


def test_self_check_finds_the_352_standards(self_pairs):
    assert _linked(self_pairs, (MEASURES, "附件1/4"), (OPINIONS, "二/（一）/1"))
    assert _linked(self_pairs, (ACTION, "四/（一）/2"), (OPINIONS, "二/（一）/1"))


def test_self_check_finds_the_target_conflicts(self_pairs):
    assert _linked(self_pairs, (ACTION, "四/（三）/6"), (OPINIONS, "二/（三）/10"), {"target_conflict"})
    assert _linked(self_pairs, (ACTION, "四/（三）/7"), (OPINIONS, "二/（三）/10"), {"target_conflict"})


def test_self_check_never_conflicts_across_cities_or_within_a_document(self_pairs, index):
    city = {Path(d.meta.source).name: d.meta.city for d in index.documents}
    for draft, _, kind, corpus, _ in self_pairs:
        assert draft != corpus
        assert (kind == "similar_elsewhere") == (city[draft] != city[corpus])


def test_a_document_checked_as_another_city_only_resembles_its_own_city(index):
    doc = next(d for d in index.documents if d.meta.source.endswith(OPINIONS))
    draft = extract_text(doc.text + "\n", source="x.txt", overrides={"city": "聊城市"})
    found = check_draft(draft, index, city="聊城市")
    against_bazhong = {f.kind for f in found if f.corpus_city == "巴中市"}
    assert against_bazhong == {"similar_elsewhere"}


def test_boilerplate_alone_matches_nothing(index):
    text = ("一、工作要求\n1．加大工作力度，积极推动各项任务落实落地。（责任单位：各县（区）人民政府）\n"
            "2．加强组织领导，加大宣传力度，营造良好氛围，确保取得实效。\n")
    assert check_draft(extract_text(text, overrides={"city": "巴中市"}), index) == []


def test_paraphrase_matches_and_one_shared_word_does_not(index):
    para = similarity(features("加快秦巴中药材交易市场建设"), features("加快秦巴山区中药材交易中心建设"), index)
    one_word = similarity(features("加强知识产权保护"), features("引进和培育一批有自主知识产权和品牌效应的骨干企业"), index)
    assert para >= 0.45 > one_word


def test_boilerplate_words_make_no_shingles():
    assert features("加大宣传力度，积极推动各县（区）加快建设") <= features("宣传")
    assert not features("积极推动，加快建设，确保落实")


def test_spelled_out_enumeration_is_the_quoted_code():
    assert "#352" in features("推进建立单品种药材的三标准、五规范、两体系")
    assert "#352" in features("加快枳壳等中药材“352”标准化体系建设")


def test_single_line_items_are_checked(index):
    text = "一、任务\n1．加快秦巴中药材交易市场建设。\n"
    found = check_draft(extract_text(text, overrides={"city": "巴中市"}), index)
    assert ("附件1/6", "duplicate") in {(f.corpus_provision, f.kind) for f in found}


def test_milestones_are_not_target_conflicts(index):
    # 60亿元 in 2022 and 超200亿元 by 2025 are steps, not a contradiction.
    text = "一、目标\n1．到2022年，全市生物医药全产业链产值实现超60亿元。（牵头单位：市经济和信息化局）\n"
    found = check_draft(extract_text(text, overrides={"city": "巴中市"}), index)
    assert not [f for f in found if f.kind == "target_conflict"]
    text = text.replace("2022", "2025")
    found = check_draft(extract_text(text, overrides={"city": "巴中市"}), index)
    assert [f for f in found if f.kind == "target_conflict"]


def test_one_line_item_whose_heading_is_the_task(index):
    """1.加快…建设。（牵头单位：X）: the heading is the whole task, the bracket only names units."""
    draft = extract_text("一、主要任务\n1.加快秦巴山区中药材交易中心建设。（牵头单位：巴中经开区）\n",
                         overrides={"city": "巴中市"})
    kinds = {(f.kind, f.corpus_source.split("/")[-1]) for f in check_draft(draft, index, city="巴中市")}
    assert ("lead_conflict", "bazhong-tcm-integration-opinions-draft.txt") in kinds


def test_a_large_corpus_folder_is_extracted_by_a_pool_into_the_same_index(tmp_path, monkeypatch, index):
    """From PARALLEL_FROM files the corpus is extracted by spawned processes: same documents,
    same findings as the index built in this process."""
    from policykg.graph import drafts
    for path in CORPUS.glob("*.txt"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(drafts, "PARALLEL_FROM", 2)
    pooled = corpus_index(tmp_path)
    assert [d.text for d in pooled.documents] == [d.text for d in index.documents]
    draft = extract_file(next(DRAFTS.glob("*.txt")))
    assert sorted(map(_key, check_draft(draft, pooled))) == sorted(map(_key, check_draft(draft, index)))


def test_an_edited_corpus_file_is_indexed_again(tmp_path):
    for path in CORPUS.glob("*.txt"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    first = corpus_index(tmp_path)
    assert corpus_index(tmp_path) is first                  # unchanged files: the kept index
    edited = tmp_path / OPINIONS
    edited.write_text(edited.read_text(encoding="utf-8") + "\n附件：无\n", encoding="utf-8")
    again = corpus_index(tmp_path)
    assert again is not first
    assert [d.text for d in again.documents if d.meta.source.endswith(OPINIONS)][0].endswith("附件：无\n")
