"""Find, split and canonicalise the government units a provision names.

Canonical names are per city: the gazetteer's name when a printed form is known there
(directly, or after a certain repair: a city-name prefix, a doubled 市, a missing 市),
else the printed form itself, cleaned. Collectives (各县（区）) are kept as written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from policykg.ingest.gazetteer import REGION_TYPES, load_gazetteer
from policykg.ingest.models import UnitMention
from policykg.ingest.patterns import alternation, load_patterns


@dataclass(frozen=True)
class Canonical:
    name: str
    kind: str          # unit | region | collective
    known: bool


@lru_cache(maxsize=1)
def _data() -> dict:
    return load_patterns("units")


@lru_cache(maxsize=1)
def _collective() -> re.Pattern:
    return re.compile("(?:" + "|".join(_data()["collectives"]["patterns"]) + ")")


@lru_cache(maxsize=1)
def _region() -> re.Pattern:
    return re.compile(_data()["shape"]["region"])


@lru_cache(maxsize=65536)
def clean_item(item: str) -> str:
    """Strip list furniture from one printed list item (等相关部门, 由 …)."""
    item = re.sub(r"\s+", "", item)
    for tail in _data()["lists"]["tails"]:
        if item.endswith(tail) and len(item) > len(tail) + 1:
            item = item[: -len(tail)]
            break
    for head in _data()["lists"]["heads"]:
        if item.startswith(head) and len(item) > len(head) + 2 and not _collective().fullmatch(item):
            item = item[len(head):]
    item = item.strip("。.:：")
    if item.count("(") + item.count("（") < item.count(")") + item.count("）"):
        item = item.rstrip(")）")          # a list closed by the bracket it sat in
    return item.lstrip("(（") if item.startswith(("(", "（")) and not re.search(r"[)）]", item) else item


def is_empty_cell(text: str) -> bool:
    return re.sub(r"\s+", "", text) in _data()["lists"]["empty_cells"]


@lru_cache(maxsize=1)
def _person_rx() -> re.Pattern:
    return re.compile(f"(?:{alternation(_data()['persons']['suffixes'])})$")


def is_person(name: str) -> bool:
    return bool(_person_rx().search(name))


def is_region_shape(name: str) -> bool:
    if not _region().fullmatch(name):
        return False
    return not any(name.endswith(w) or name == w for w in _data()["shape"]["not_regions"])


@lru_cache(maxsize=65536)
def canonical(printed: str, city: str | None) -> Canonical:
    """Canonical name of a printed unit name (normalised: ASCII brackets) in `city`."""
    gaz = load_gazetteer()
    name = clean_item(printed)
    for candidate in _repairs(name, city):
        entry = gaz.lookup(candidate, city) or gaz.lookup(candidate.replace("(", "（").replace(")", "）"), city)
        if entry:
            kind = "region" if entry.type in REGION_TYPES else "unit"
            return Canonical(entry.name, kind, True)
    if _collective().fullmatch(name):
        return Canonical(name, "collective", False)
    kind = "region" if is_region_shape(name) else "unit"
    return Canonical(name, kind, False)


def _repairs(name: str, city: str | None) -> list[str]:
    """Printed form first, then certain repairs, each tried against the gazetteer."""
    out = [name]
    if city:
        for form in _city_forms(city):
            if name.startswith(form) and len(name) > len(form) + 1:
                rest = name[len(form):]
                out += [rest if rest.startswith("市") else "市" + rest, rest]
    if name.startswith("市市"):
        out.append(name[1:])                    # 市市生态环境局: a doubled 市
    if not name.startswith(("市", "县", "区", "省", "各", "中共")):
        out.append("市" + name)                 # 经信局: the 市 left out
    return out


@lru_cache(maxsize=64)
def _city_forms(city: str) -> tuple[str, ...]:
    gaz = load_gazetteer()
    forms = {city, city.removesuffix("市")}
    for place in gaz.places:
        if place.name == city:
            forms.update(place.aliases)
    return tuple(sorted((f for f in forms if len(f) >= 2), key=len, reverse=True))


def mention(printed: str, start: int, end: int, city: str | None, original: str,
            source: str) -> UnitMention | None:
    """A UnitMention for one list item, or None when it names no unit."""
    canon = canonical(printed, city)
    if not canon.name or len(canon.name) < 2 or is_person(canon.name) or is_empty_cell(printed):
        return None
    surface = re.sub(r"\s+", "", original[start:end])
    # Names the gazetteer does not know are kept as printed (各县（区）keeps its brackets).
    name = canon.name if canon.known else (clean_item(surface) or canon.name)
    return UnitMention(name, surface, start, end, canon.kind, canon.known, source)


def split_list(text: str, start: int) -> list[tuple[str, int, int]]:
    """Split a printed list (A、B，C等相关部门) into items with their offsets.

    Separators inside brackets (各县（市、区）) do not split."""
    items, depth, item_start = [], 0, 0
    sep = re.compile(_data()["lists"]["separators"])
    for i, char in enumerate(text + "、"):
        if char in "(（":
            depth += 1
        elif char in ")）":
            depth = max(0, depth - 1)
        elif depth == 0 and (i == len(text) or sep.match(char)):
            piece = text[item_start:i]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                items.append((stripped, start + item_start + lead, start + item_start + lead + len(stripped)))
            item_start = i + 1
    return items


@lru_cache(maxsize=64)
def mention_pattern(city: str | None) -> re.Pattern:
    """Leftmost-longest finder of unit names in free text for one city."""
    gaz = load_gazetteer()
    forms = set()
    for form in gaz.forms(city):
        forms.add(form.replace("（", "(").replace("）", ")"))
        if city and form.startswith("市"):
            forms.update(f + form[1:] for f in _city_forms(city) if f.endswith("市"))
    shape = _data()["shape"]
    generic = (shape["prefix"] + "[\u4e00-\u9fff]{1,%d}?(?:%s)" % (shape["stem_max"], alternation(shape["suffix"])))
    # Order matters (first alternative wins at a position): collectives before gazetteer
    # names (产业链推进组成员单位 over 产业链推进组); shapes only after a non-CJK character,
    # so that a verb is never read as the start of a name (支持长寿区).
    parts = ["|".join(_data()["collectives"]["patterns"])]
    parts += [alternation(forms)] if forms else []
    parts += [rf"(?<![\u4e00-\u9fff])(?:{shape['region']})", rf"(?<![\u4e00-\u9fff])(?:{generic})"]
    return re.compile("|".join(f"(?:{p})" for p in parts))


def find_mentions(text: str, start: int, end: int, city: str | None) -> list[re.Match]:
    return list(mention_pattern(city).finditer(text, start, end))
