"""Segmentation: the hierarchy a reader sees, with offsets into the text as decoded."""
from hypothesis import given, settings, strategies as st

from policykg.ingest.pipeline import extract_text


def ids(text):
    return [p.id for p in extract_text(text).provisions]


def test_nested_numbering_styles():
    text = ("一、总体要求\n（一）目标。到2025年完成。\n二、重点任务\n（一）培育主体\n1．培育龙头。内容。\n"
            "（1）细项。内容。\n2. 强化服务。内容。\n（二）强化保障\n3、加强用地。内容。\n")
    assert ids(text) == ["一", "一/（一）", "二", "二/（一）", "二/（一）/1", "二/（一）/1/（1）",
                         "二/（一）/2", "二/（二）", "二/（二）/3"]


def test_articles_and_chapters():
    assert ids("第一章 总则\n第一条 为了规范。\n第二条 本办法适用。\n第二章 附则\n第三条 施行。\n") == [
        "第一章", "第一章/第一条", "第一章/第二条", "第二章", "第二章/第三条"]


def test_misprinted_sibling_numbering_stays_a_sibling():
    # （一） … （2） … （3）: a nested list starts at 1, so （2） continues （一）.
    got = ids("二、总体要求\n（一）指导思想。\n\n正文。\n（2） 基本原则。\n\n坚持创新。正文。\n\n坚持开放。正文。\n"
              "（3） 发展目标。\n\n规模壮大。正文。\n\n能力增强。正文。\n")
    assert got == ["二", "二/（一）", "二/（2）", "二/（2）/¶1", "二/（2）/¶2", "二/（3）", "二/（3）/¶1", "二/（3）/¶2"]


def test_paragraphs_under_a_bare_heading_are_numbered():
    text = "二、发展目标\n\n2022年，产值超60亿元。\n\n2024年，产值突破150亿元。\n"
    assert ids(text) == ["二", "二/¶1", "二/¶2"]


def test_lone_paragraph_belongs_to_its_heading():
    assert ids("三、重点领域\n（二）医疗器械\n\n大力发展一类医疗器械。\n") == ["三", "三/（二）"]


def test_lead_phrase_paragraph_heading():
    doc = extract_text("（二）推动创新。\n\n培育高水平创新主体。鼓励企业承担任务。\n\n完善平台。依托重点单位。\n")
    assert [p.heading for p in doc.provisions] == ["推动创新", "培育高水平创新主体", "完善平台"]


def test_continuation_paragraph_extends_the_item():
    doc = extract_text("1.加快生物药发展。围绕抗体加大投入。\n\n抗体药物领域，开发单抗药物。\n2.下一项。内容。\n")
    first = doc.provisions[0]
    assert first.id == "1" and doc.text[first.start:first.end].endswith("开发单抗药物。")


def test_box_does_not_break_the_hierarchy():
    text = ("三、任务\n（一）升级。\n1.生物药。内容。\n\t专栏1.重点工程\n\n化学药产业链。内容。\n\n"
            "（二）创新。\n\n培育主体。内容。\n")
    assert ids(text) == ["三", "三/（一）", "三/（一）/1", "专栏1", "专栏1/¶1", "三/（二）"]


def test_furniture_never_reaches_headings():
    doc = extract_text("[bookmark: _GoBack]12.加快创新药物研发。支持企业研发。\n")
    assert doc.provisions[0].heading == "加快创新药物研发"
    assert "bookmark" not in (doc.provisions[0].heading or "")


def test_offsets_point_into_the_decoded_source():
    text = "（一）构建体系。聚焦“阿胶”。\n(二)完善机制。按月调度。\n"
    doc = extract_text(text)
    assert [text[p.start:p.start + 3] for p in doc.provisions] == ["（一）", "(二)"]
    assert [p.id for p in doc.provisions] == ["（一）", "(二)"]


def test_cover_notice_is_front_matter():
    text = ("XX市经济和信息化委员会\n\n关于印发XX市产业规划的通知\n各区县：\n\n现将《XX市产业规划》印发给你们，请贯彻落实。\n\n"
            "XX市经济和信息化委员会\n\n2022年12月26日\n\nXX市产业规划\n\n规划正文。\n一、发展基础\n内容。\n")
    doc = extract_text(text)
    assert doc.meta.title == "XX市产业规划" and doc.meta.issued == "2022-12-26"
    assert doc.meta.issuers == ["XX市经济和信息化委员会"]
    assert doc.provisions[0].id == "¶0" and doc.text[doc.provisions[0].start:].startswith("规划正文")


def test_front_matter_of_a_draft():
    doc = extract_text("中共某市委办公室  某市人民政府办公室\n关于加快产业发展的意见\n（征求意见稿）\n\n各县（区）：\n为加快发展，提出意见。\n一、目标\n")
    assert doc.meta.status == "draft" and doc.meta.title == "关于加快产业发展的意见"
    assert doc.meta.issuers == ["中共某市委办公室", "某市人民政府办公室"]


def test_no_structure_gives_a_warning_not_an_error():
    doc = extract_text("")
    assert doc.provisions == [] and doc.warnings


# -- properties -------------------------------------------------------------------------

ALPHABET = st.sampled_from(list("一二三四五六七八九十（）()、．.。，；：\n\t 123456789第条专栏附件牵头单位责任市局到年底亿元个家以上超")
                           + ["\n\n", "（一）", "1.", "一、", "第一条", "专栏1", "附件1\n", "\t序号\n\t牵头单位\n\t责任单位\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=80).map("".join))
def test_spans_are_ordered_nested_and_inside_the_text(text):
    doc = extract_text(text)
    spans = [(p.start, p.end) for p in doc.provisions]
    assert spans == sorted(spans, key=lambda s: (s[0], -s[1]))
    for start, end in spans:
        assert 0 <= start <= end <= len(text)
    for (a, b), (c, d) in zip(spans, spans[1:]):
        assert c >= b or (a <= c and d <= b), "spans either follow or nest"
    for p in doc.provisions:
        for fact in p.deadlines + p.targets + p.lead_units + p.responsible_units:
            assert 0 <= fact.start <= fact.end <= len(text)
    ids = [p.id for p in doc.provisions]
    assert len(ids) == len(set(ids))
