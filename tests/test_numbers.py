"""Numbers are read exactly (Decimal) or not at all; cn2an's known mistakes stay fixed."""
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from policykg.ingest.numbers import parse_chinese, parse_number
from policykg.ingest.pipeline import extract_text


@pytest.mark.parametrize("text,value", [
    ("16.4", Decimal("16.4")), ("二十", 20), ("两千三百", 2300), ("一万零三千", 13000),
    ("三万五千", 35000), ("十五", 15), ("一百零五", 105), ("伍仟", 5000), ("一亿二千万", 120_000_000),
    ("一万亿", 10**12), ("1.5万", 15000), ("2,000", 2000),
])
def test_exact_values(text, value):
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["一两", "三五", "十几", "数十", "二十余", "百余"])
def test_approximate_numerals_are_not_numbers(text):
    # cn2an reads 一两 as 12; an approximation must never become a value.
    assert parse_number(text) is None


def test_decimal_value_in_a_target_is_not_floated():
    doc = extract_text("一、目标\n（一）规模。到2025年，产业产值达到16.4亿元。\n")
    (target,) = [t for p in doc.provisions for t in p.targets]
    assert target.value == Decimal("16.4") and str(target.value) == "16.4" and target.unit == "亿元"


def test_wan_multiplies_measures_but_money_keeps_its_unit():
    doc = extract_text("1.扩面。种植面积稳定在80万亩，产量5万吨以上，产值超200亿元。\n")
    facts = {(t.value, t.unit, t.comparator) for p in doc.provisions for t in p.targets}
    assert facts == {(800000, "亩", "="), (50000, "吨", ">="), (200, "亿元", ">")}


def test_capital_numeral_inside_a_sentence():
    doc = extract_text("1.培育。新增企业伍家，培育龙头企业三家。\n")
    values = sorted(t.value for p in doc.provisions for t in p.targets)
    assert values == [3, 5]


def test_uncertain_count_is_no_target():
    doc = extract_text("1.培育。新增龙头企业一两家，引进项目十几个。\n")
    assert [t for p in doc.provisions for t in p.targets] == []


@given(st.integers(min_value=0, max_value=10**12))
def test_arabic_roundtrip(n):
    assert parse_number(str(n)) == n


def _chinese(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    hundreds = digits[n // 100] + "百"
    rest = n % 100
    if rest == 0:
        return hundreds
    return hundreds + ("零" + digits[rest] if rest < 10 else digits[rest // 10] + "十" + (digits[rest % 10] if rest % 10 else ""))


@given(st.integers(min_value=1, max_value=999))
def test_chinese_numerals_up_to_999(n):
    assert parse_chinese(_chinese(n)) == n
