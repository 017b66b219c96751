"""Quantified targets: a number with a measure word, its comparator and its metric.

A number that only qualifies what is counted (规模超5亿元企业达3家, 投资10亿元以上的企业,
500亩以上…基地5个) is a condition, not a target: it is followed by 的, or by another
quantity in the same clause. Award amounts and parameters are not targets either.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from policykg.ingest.deadlines import is_past_sentence
from policykg.ingest.models import Target
from policykg.ingest.numbers import CHINESE_NUMERAL_CHARS, parse_number
from policykg.ingest.patterns import alternation, load_patterns
from policykg.ingest.text import Piece, clauses, containing, inside, sentences

NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"


@lru_cache(maxsize=1)
def _data() -> dict:
    return load_patterns("targets")


@lru_cache(maxsize=1)
def _quantity() -> re.Pattern:
    units = _data()["units"]
    unit_alt = alternation(units["money"] + units["other"])
    cn_units = alternation(units["chinese_numeral_units"])
    dash = _data()["exclusions"]["range_dash"]
    arabic = (rf"(?P<low>{NUMBER})(?P<lowmult>[万亿]?)(?:(?P<lowunit>%|%)?\s*{dash}\s*"
              rf"(?P<high>{NUMBER})(?P<highmult>[万亿]?))?\s*(?P<unit>{unit_alt})")
    chinese = rf"(?P<cn>[{CHINESE_NUMERAL_CHARS}]{{1,6}})(?P<cnunit>{cn_units})"
    return re.compile(rf"(?:{arabic})|(?:{chinese})")


def find_targets(text: str, original: str, spans: list[tuple[int, int]],
                 masked: list[tuple[int, int]]) -> list[Target]:
    targets: list[Target] = []
    all_clauses = clauses(text, spans)
    for sentence in sentences(text, spans):
        body = text[sentence.start:sentence.end]
        if is_past_sentence(body):
            continue
        incentive = any(w in body for w in _data()["exclusions"]["incentive_words"])
        quantities = [m for m in _quantity().finditer(text, sentence.start, sentence.end)
                      if not inside(m.start(), masked) and _is_quantity(text, m)]
        qualifiers = _qualifiers(text, quantities, all_clauses, sentence)
        series_floor, floor_clause = None, None
        for m, is_qualifier in zip(quantities, qualifiers):
            clause = containing(all_clauses, m.start()) or sentence
            if clause != floor_clause:
                series_floor, floor_clause = None, clause
            if incentive and _unit(m) in _data()["units"]["money"]:
                continue
            if is_qualifier or _is_parameter(text, m, clause):
                continue
            target = _target(text, original, m, clause, series_floor)
            if target:
                series_floor = _series_floor(text, m, clause, target, series_floor)
                targets.append(target)
    return targets


def _unit(m: re.Match) -> str:
    return m.group("unit") or m.group("cnunit")


def _is_quantity(text: str, m: re.Match) -> bool:
    unit = _unit(m)
    after = text[m.end():m.end() + 3]
    if unit == "个" and any(after.startswith(w) for w in _data()["units"]["not_after_ge"]):
        return False
    if m.group("cn"):
        # 三家 counts only where a count stands (龙头企业三家。/ 三家以上); before a noun a
        # Chinese numeral is part of a name (二次创业, “六个一”, 三标准).
        value = parse_number(m.group("cn"))
        follows = text[m.end():m.end() + 2]
        ends = not follows or follows[0] in "，,。；;、)）" or follows.startswith(("以上", "左右"))
        return value is not None and value != 1 and ends and not _ordinal(text, m)
    before = text[m.start() - 1:m.start()] if m.start() else ""
    return not (before.isdigit() or before == "." or _ordinal(text, m))


def _ordinal(text: str, m: re.Match) -> bool:
    """第3项, 第二个: an ordinal names a position, not a quantity."""
    return text[max(0, m.start() - 1):m.start()] == "第"



def _is_parameter(text: str, m: re.Match, clause: Piece) -> bool:
    """Parameters (以占股5%), enumerations (等4个) and sizes (5000L以上规模…) are no targets."""
    excl = _data()["exclusions"]
    before = text[max(clause.start, m.start() - 3):m.start()]
    if any(before.endswith(w) for w in excl["parameter_before"] + excl["enumeration_before"]):
        return True
    if _unit(m) in excl["count_units"]:
        return False
    after = text[_suffix_end(text, m):_suffix_end(text, m) + 2]
    return bool(after) and "\u4e00" <= after[0] <= "\u9fff" and not any(
        after.startswith(w) or w.startswith(after) for w in excl["measure_followers_ok"])


def _qualifiers(text: str, quantities: list[re.Match], all_clauses, sentence) -> list[bool]:
    """Flag size conditions, right to left: a quantity followed by 的 is one; so is a
    quantity followed in its clause (no 、 between) by a quantity that is not one."""
    flags = [False] * len(quantities)
    for i in range(len(quantities) - 1, -1, -1):
        m = quantities[i]
        clause = containing(all_clauses, m.start()) or sentence
        rest = text[m.end():clause.end]
        suffix = re.match(r"\s*(?:及以上|或以上|以上|以下|左右)?", rest)
        if rest[suffix.end():suffix.end() + 1] in ("的", "级"):
            flags[i] = True
            continue
        for j in range(i + 1, len(quantities)):
            other = quantities[j]
            if other.start() >= clause.end:
                break
            if re.search(r"[、和及与]", text[m.end():other.start()]):
                break
            if not flags[j]:
                flags[i] = True
                break
    return flags


def _target(text: str, original: str, m: re.Match, clause: Piece, series_floor) -> Target | None:
    value, warning = _value(m)
    comparator = _comparator(text, m, clause) or series_floor or "="
    if m.group("high"):
        comparator = "range"
    metric = _metric(text, original, m, clause)
    end = _suffix_end(text, m)
    start = _metric_start(text, m, clause)
    return Target(text=original[start:end], metric=metric, value=value, unit=_unit_written(m),
                  comparator=comparator, start=start, end=end, warning=warning)


def _unit_written(m: re.Match) -> str:
    unit = _unit(m)
    mult = m.group("lowmult") if not m.group("cn") else ""
    if unit in _data()["units"]["money"] and mult:
        return mult + unit if not unit.startswith(mult) else unit
    return unit


def _value(m: re.Match):
    unit = _unit(m)
    money = unit in _data()["units"]["money"]
    if m.group("cn"):
        value = parse_number(m.group("cn"))
        return (value, None) if value is not None else (None, f"numeral {m.group('cn')!r} is not certain")
    low = _scaled(m.group("low"), m.group("lowmult"), money)
    if m.group("high"):
        high = _scaled(m.group("high"), m.group("highmult") or m.group("lowmult"), money)
        return (low, high), None
    return low, None


def _scaled(number: str, mult: str, money: bool) -> Decimal:
    value = parse_number(number)
    if mult and not money:
        value = value * (10_000 if mult == "万" else 100_000_000)
    return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


def _comparator(text: str, m: re.Match, clause: Piece) -> str | None:
    data = _data()["comparators"]
    after = text[m.end():clause.end]
    for word in sorted(data["after"], key=len, reverse=True):
        if after.startswith(word):
            return data["after"][word]
    window = text[max(clause.start, m.start() - data["window"]):m.start()]
    best, best_pos = None, -1
    for word, comp in data["before"].items():
        pos = window.rfind(word)
        if pos >= 0 and (pos + len(word) > best_pos or (pos + len(word) == best_pos and len(word) > len(best[0]))):
            best, best_pos = (word, comp), pos + len(word)
    return best[1] if best else None


def _series_floor(text, m, clause, target, current):
    """至少 before the first item of a 、 series is the floor of every later item of its clause."""
    window = text[max(clause.start, m.start() - _data()["comparators"]["window"]):m.start()]
    if any(w in window for w in _data()["comparators"]["series_scope"]):
        return ">="
    return current



def _suffix_end(text: str, m: re.Match) -> int:
    suffix = re.match(r"(?:及以上|或以上|以上|以下|左右|以内)", text[m.end():m.end() + 3])
    return m.end() + (suffix.end() if suffix else 0)


def _metric_start(text: str, m: re.Match, clause: Piece) -> int:
    """Where the metric phrase begins: after the last list separator or verb lead-in."""
    start = clause.start
    head = text[start:m.start()]
    cut = max(head.rfind("、"), head.rfind(","), head.rfind("，"))
    start = start + cut + 1 if cut >= 0 else start
    while start < m.start() and text[start] in " \t“\"":
        start += 1
    lead_in = re.match(r"(?:力争|争取)?(?:到|至)?\d{4}年(?:底|末)?(?:前)?[,，]?", text[start:m.start()])
    return start + (lead_in.end() if lead_in else 0)


def _metric(text: str, original: str, m: re.Match, clause: Piece) -> str:
    """The thing measured, in the document's words: the phrase before the number (comparator
    words dropped) and, when the count comes first (引进100名以上中医药产业人才), the noun
    phrase after it."""
    start = _metric_start(text, m, clause)
    phrase = original[start:m.start()]
    for word in sorted(_data()["comparators"]["before"], key=len, reverse=True):
        if phrase.endswith(word):
            phrase = phrase[: -len(word)]
            break
    rules = _data()["metric"]
    phrase = re.sub(rules["strip_trailing"], "", re.sub(rules["strip_leading"], "", phrase)).strip(" ，,")
    tail = original[_suffix_end(text, m):clause.end]
    tail = re.split(r"[，,。；;、：:（(]", tail)[0].strip()
    if tail and not tail.startswith(("目标", "左右")):
        phrase = phrase + tail
    return phrase.strip() or original[m.start():m.end()]
