"""Deadlines and targets as the genre writes them (made-up snippets)."""
from decimal import Decimal

import pytest

from policykg.ingest.pipeline import extract_text


def deadlines(text):
    return [(d.date, d.kind) for p in extract_text(text).provisions for d in p.deadlines]


def targets(text):
    return [(t.value, t.unit, t.comparator) for p in extract_text(text).provisions for t in p.targets]


@pytest.mark.parametrize("phrase,expected", [
    ("到2025年底", ("2025-12-31", "by")),
    ("2023年底前", ("2023-12-31", "by")),
    ("力争2025年", ("2025-12-31", "by")),
    ("2025年6月底前", ("2025-06-30", "by")),
    ("2024年3月15日前", ("2024-03-15", "by")),
    ("到十四五末", ("2025-12-31", "by")),
    ("至“十四五”末", ("2025-12-31", "by")),
    ("到“十五五”末", ("2030-12-31", "by")),
])
def test_by_deadlines(phrase, expected):
    assert deadlines(f"1.建设园区。{phrase}完成园区建设。\n") == [expected]


def test_year_opening_a_goal_paragraph():
    assert deadlines("二、目标\n\n2022年，全市产值超60亿元。\n\n其他。\n") == [("2022-12-31", "by")]


def test_periods_bind_duties_not_descriptions():
    assert deadlines("1.培育。“十四五”期间新培育企业20个。\n") == [("2021-01-01/2025-12-31", "period")]
    assert deadlines("1.形势。“十四五”时期，全球产业加速变革。\n") == []
    assert deadlines("1.目标。2023-2025年，力争营业收入达到70亿元。\n") == [("2023-01-01/2025-12-31", "period")]


def test_recurring_only_when_it_sets_how_often():
    assert deadlines("1.调度。每季度召开一次推进会，按月调度进展。\n") == [("P3M", "recurring"), ("P1M", "recurring")]
    assert deadlines("1.补贴。每年补贴企业50万元。\n") == []


def test_relative_durations():
    assert deadlines("1.培育。五年内新增企业10家。\n") == [("P5Y", "relative")]
    assert deadlines("1.人才。用5—10年时间引进人才100名。\n") == [("P5Y/P10Y", "relative")]
    assert deadlines("本措施自印发之日起30日后施行，有效期五年。\n") == []


def test_years_inside_titles_of_other_documents_are_not_deadlines():
    assert deadlines("1.依据。根据《某市规划（2021—2025年）》和《“十四五”医药工业发展规划》，制定措施。\n") == []


def test_past_sentences_set_nothing():
    text = "（一）产业基础。“十三五”期间，规模以上企业超过200家，上市企业增加到11家。\n"
    assert deadlines(text) == [] and targets(text) == []


@pytest.mark.parametrize("sentence,expected", [
    ("产值突破150亿元", [(150, "亿元", ">=")]),
    ("营业收入超过100亿元", [(100, "亿元", ">")]),
    ("规模以上企业达到25家", [(25, "家", ">=")]),
    ("覆盖率达60%", [(60, "%", "=")]),
    ("入园率70%以上", [(70, "%", ">=")]),
    ("灵芝产业规模稳定在1万亩左右", [(10000, "亩", "=")]),
    ("新增省级基地1-2个", [((1, 2), "个", "range")]),
    ("新培育企业品牌2—3个", [((2, 3), "个", "range")]),
    ("能耗控制在5万吨以内", [(50000, "吨", "<=")]),
    ("建成智能工厂5个", [(5, "个", "=")]),
])
def test_comparators(sentence, expected):
    got = targets(f"1.目标。到2025年，{sentence}。\n")
    assert [(v if not isinstance(v, tuple) else tuple(int(x) for x in v), u, c) for v, u, c in got] == expected


@pytest.mark.parametrize("sentence,expected", [
    ("规模超5亿元企业达3家以上", [(3, "家", ">=")]),
    ("年产值5亿元及以上的工业企业达5家", [(5, "家", "=")]),
    ("至少招引落地1家投资10亿元以上的企业", [(1, "家", ">=")]),
    ("建成500亩以上良种繁育基地5个", [(5, "个", "=")]),
    ("支持单体5000L以上规模生物反应器建设", []),
    ("打造阿胶、灵芝、医疗器械等3个产业集群", []),
    ("新建24小时无人药店100个", [(100, "个", "=")]),
    ("65岁以上老人健康管理率达到70%", [(70, "%", ">=")]),
    ("以占股5%-20%作产业引导投入", []),
    ("对新认定企业给予最高50万元一次性奖励", []),
    ("推进“三标准、五规范、二体系”建设和二次开发", []),
])
def test_conditions_enumerations_and_incentives_are_not_targets(sentence, expected):
    assert targets(f"1.任务。{sentence}。\n") == expected


def test_floor_word_governs_the_series():
    assert targets("1.人才。至少培育1名岐黄学者、100名优秀人才、200名骨干人才。\n") == [
        (1, "名", ">="), (100, "名", ">="), (200, "名", ">=")]


def test_target_year_and_text_offsets():
    text = "1.目标。到2025年，全市道地中药材种植面积稳定在80万亩。\n"
    doc = extract_text(text)
    (t,) = doc.provisions[0].targets
    assert t.year == 2025 and t.value == Decimal(800000)
    assert text[t.start:t.end] == t.text and t.text.endswith("80万亩")


def test_deadline_cells_and_labels():
    table = ("序号\t工作任务\t牵头单位\t完成时限\n1\t建设园区。\t市发展改革委\t2024年12月\n"
             "2\t引进人才。\t市委组织部\t长期坚持\n")
    rows = [(p.id, [(d.date, d.kind) for d in p.deadlines]) for p in extract_text(table).provisions if p.kind == "table_row"]
    assert rows == [("1", [("2024-12-31", "by")]), ("2", [])]
    assert deadlines("1.建设园区。完成园区规划编制。完成时限：2025年6月。\n") == [("2025-06-30", "by")]
