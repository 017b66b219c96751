"""The spaCy/jieba layer: gazetteer-aware segmentation and facts as span groups."""
from policykg.ingest.nlp import annotate, build_nlp, tokens
from policykg.ingest.pipeline import extract_text


def test_gazetteer_names_are_single_tokens():
    assert "市经济和信息化局" in tokens("牵头单位：市经济和信息化局；责任单位：市财政局")


def test_entity_ruler_labels_units_with_their_canonical_id():
    doc = build_nlp()("责任单位：市经信局、市财政局")
    ents = [(e.text, e.label_, e.ent_id_) for e in doc.ents if e.label_ == "GOV_UNIT"]
    assert ("市经信局", "GOV_UNIT", "巴中市/市经济和信息化局") in ents


def test_annotate_carries_facts_as_span_groups():
    text = "1.培育企业。到2025年新增企业5家。（牵头单位：市经信局；责任单位：市财政局）\n"
    document = extract_text(text, overrides={"city": "巴中市"})
    doc = annotate(document)
    assert [s.label_ for s in doc.spans["lead"]] == ["市经济和信息化局"]
    assert [s.text for s in doc.spans["deadline"]] == ["到2025年"]
    assert [(s.text, s.label_) for s in doc.spans["target"]] == [("新增企业5家", "=")]
    assert doc.spans["provision"][0].label_ == "1"
