"""English names: the gazetteer's, and the compositional renderer for names it lacks."""
import csv
import re
from pathlib import Path

import pytest

from policykg.ingest.english import (EnglishName, derive_unit_name, place_name_en,
                                     render_unit_name)
from policykg.ingest.gazetteer import load_gazetteer

DATA = Path(__file__).parent / "data" / "unit_names_other_cities.tsv"
CJK = re.compile(r"[\u3400-\u9fff]")


def _other_cities():
    with DATA.open(encoding="utf-8") as fh:
        return [row for row in csv.reader(fh, delimiter="\t") if row and not row[0].startswith("#")]


def test_every_gazetteer_row_has_an_english_name():
    gaz = load_gazetteer()
    missing = [(u.city, u.name) for u in gaz.units if not u.name_en or CJK.search(u.name_en)]
    assert not missing
    assert all(u.name_en_source in ("official", "curated") for u in gaz.units)
    assert all(p.name_en and not CJK.search(p.name_en) for p in gaz.places)


def test_every_unit_the_corpus_yields_is_in_the_gazetteer(corpus_documents):
    unknown = {(d.meta.city, u.name) for d in corpus_documents.values() for p in d.provisions
               for u in p.lead_units + p.responsible_units if u.kind != "collective" and not u.known}
    assert not unknown


def test_every_unit_and_collective_of_the_corpus_reads_in_english(corpus_documents):
    for doc in corpus_documents.values():
        for prov in doc.provisions:
            for unit in prov.lead_units + prov.responsible_units:
                english = render_unit_name(unit.name, doc.meta.city)
                assert english.text and not CJK.search(english.text), unit.name
                assert english.source == ("derived" if unit.kind == "collective" else "gazetteer")


@pytest.mark.parametrize("name, city, expected", [
    ("市发展改革委", "巴中市", "Municipal Development and Reform Commission"),
    ("市市场监管局", "聊城市", "Municipal Administration for Market Regulation"),
    ("市卫生健康委", "重庆市", "Municipal Health Commission"),
    ("巴州区", "巴中市", "Bazhou District"),
    ("东阿县", "聊城市", "Dong'e County"),
    ("市委宣传部", "巴中市", "Publicity Department of the CPC Bazhong Municipal Committee"),
    ("巴中市财政局", "巴中市", "Bazhong Municipal Bureau of Finance"),
])
def test_gazetteer_names(name, city, expected):
    assert render_unit_name(name, city) == EnglishName(expected, "gazetteer")


@pytest.mark.parametrize("name, expected", [
    ("各县（区）人民政府", "People's Governments of all counties (districts)"),
    ("各县(区)", "all counties (districts)"),
    ("各相关单位", "all relevant units"),
    ("生物医药联席会议成员单位", "member units of the Bazhong Biomedicine Joint Conference"),
    ("市茶叶产业发展中心", "Municipal Chaye Industry Development Centre"),
])
def test_derived_names_in_bazhong(name, expected):
    assert render_unit_name(name, "巴中市") == EnglishName(expected, "derived")


def test_a_gazetteer_name_is_per_city():
    assert render_unit_name("市工业和信息化局", "聊城市").source == "gazetteer"
    assert render_unit_name("市工业和信息化局", "巴中市").source == "derived"


def test_unknown_parts_are_pinyin_never_chinese():
    for name in ["市枳壳办", "某某某", "县豆腐乳协会", "中共某某县委某某部"]:
        text = render_unit_name(name).text
        assert text and not CJK.search(text), text


@pytest.mark.parametrize("name, expected", [
    ("巴中市", "Bazhong City"), ("聊城市", "Liaocheng City"), ("重庆市", "Chongqing Municipality"),
    ("南江县", "Nanjiang County"), ("东阿县", "Dong'e County"), ("西安市", "Xi'an City"),
    ("江宁区", "Jiangning District"), ("重庆", "Chongqing"), ("陕西省", "Shaanxi Province"),
    ("石柱土家族自治县", "Shizhu Tujia Autonomous County"), ("长安区", "Chang'an District"),
])
def test_place_names(name, expected):
    assert place_name_en(name) == expected


def test_other_cities_unit_names(capsys):
    rows = _other_cities()
    assert len(rows) >= 50
    misses = []
    for name, city, expected in rows:
        got = derive_unit_name(name, city or None)
        if got != expected:
            misses.append(f"{name}: {got!r} != {expected!r}")
    rate = 1 - len(misses) / len(rows)
    with capsys.disabled():
        print(f"\nrenderer on {len(rows)} names of other cities: {rate:.1%} exact")
        print("\n".join("  miss " + m for m in misses))
    assert rate >= 0.9


def test_derivation_agrees_with_most_of_the_gazetteer():
    # The gazetteer holds curated names the rules need not reach; most should still agree.
    units = [u for u in load_gazetteer().units if u.type != "central_body"]
    agree = sum(derive_unit_name(u.name, u.city) == u.name_en for u in units)
    assert agree / len(units) >= 0.85


def test_heading_gloss_is_term_by_term_from_the_glossary():
    from policykg.ingest.gloss import gloss_heading
    assert gloss_heading("壮大龙头企业") == [("壮大", "grow; strengthen"), ("龙头企业", "leading enterprises")]
    assert gloss_heading("抓实中药材种植") == [
        ("抓实", "consolidate"), ("中药材", "Chinese medicinal materials"), ("种植", "cultivation")]


def test_heading_gloss_leaves_unknown_words_chinese_and_unmarked_by_english():
    from policykg.ingest.gloss import gloss_heading
    gloss = gloss_heading("大渡口体外诊断产业集聚区")
    assert gloss[0] == ("大渡口", None)
    assert ("体外诊断", "in-vitro diagnostics") in gloss
    assert gloss_heading("") == []


def test_most_heading_words_of_the_corpus_are_glossed(corpus_documents):
    from policykg.ingest.gloss import gloss_heading
    terms = [t for d in corpus_documents.values() for p in d.provisions if p.heading
             for t in gloss_heading(p.heading)]
    glossed = sum(en is not None for _, en in terms)
    assert glossed / len(terms) >= 0.85
