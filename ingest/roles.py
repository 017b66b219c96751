"""Lead and responsible units of a provision.

Explicit first: brackets （牵头单位：…；责任单位：…）, （X牵头，Y配合）, table columns.
Where a provision has none, the text itself may charge a body (由X牵头, 发挥X协调作用),
make units the subject of a duty (各县（区）要…), or name districts as bearers of targets.
Document-level conventions (列第一位的为牵头单位, …不再列出) are read once and applied.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from policykg.ingest.models import UnitMention
from policykg.ingest.patterns import alternation, load_patterns
from policykg.ingest.text import SENTENCE_END
from policykg.ingest.units import canonical, find_mentions, is_region_shape, mention, split_list

BRACKET = re.compile(r"\(((?:[^()]|\([^()]*\))*)\)")


@dataclass
class Roles:
    lead: list[UnitMention] = field(default_factory=list)
    responsible: list[UnitMention] = field(default_factory=list)

    def extend(self, other: "Roles") -> None:
        self.lead += other.lead
        self.responsible += other.responsible

    def __bool__(self) -> bool:
        return bool(self.lead or self.responsible)


@dataclass
class Conventions:
    first_listed_lead: bool = False
    first_comma_lead: bool = False
    blanket: list[tuple[int, str, list[tuple[str, int, int]]]] = field(default_factory=list)  # (offset, role, items)


@dataclass
class Bracket:
    start: int
    end: int
    roles: Roles
    inline: bool = False      # a label line, not a bracket: it does not close a task


@lru_cache(maxsize=1)
def _data() -> dict:
    return load_patterns("roles")


def read_conventions(text: str) -> Conventions:
    data = _data()["conventions"]
    conv = Conventions(
        first_listed_lead=any(re.search(p, text) for p in data["first_listed_lead"]),
        first_comma_lead=any(re.search(p, text) for p in data["first_comma_lead"]))
    # The blanket pattern backtracks a lot; it can only match where 不再…列出 is written.
    patterns = data["blanket"] if "不再" in text else ()
    for m in (m for p in patterns for m in re.finditer(p, text)):
        role = "lead" if m.group("role") == "牵头" else "responsible"
        conv.blanket.append((m.end(), role, split_list(m.group("units"), m.start("units"))))
    return conv


def find_brackets(text: str, original: str, start: int, end: int, city: str | None,
                  conv: Conventions) -> list[Bracket]:
    out = []
    for m in BRACKET.finditer(text, start, end):
        roles = parse_bracket(text, original, m.start(1), m.end(1), city, conv)
        if roles:
            out.append(Bracket(m.start(), m.end(), roles))
    return out


def parse_bracket(text, original, start, end, city, conv: Conventions) -> Roles:
    runs = list(labelled_lists(text, start, end))
    if not runs:
        return _unlabelled(text, original, start, end, city, conv)
    roles = Roles()
    for role, list_start, list_end in runs:
        if role not in ("lead", "responsible"):
            continue
        comma = text.find(",", list_start, list_end)
        if role == "responsible" and conv.first_comma_lead and comma > 0 and not roles.lead:
            _add(roles, "lead", _items(text, list_start, comma), text, original, city, conv, labelled=False)
            _add(roles, role, _items(text, comma + 1, list_end), text, original, city, conv, labelled=False)
            continue
        _add(roles, role, _items(text, list_start, list_end), text, original, city, conv, labelled=True)
    return roles


@lru_cache(maxsize=1)
def _label_rx() -> re.Pattern:
    labels = _data()["labels"]
    words = labels["lead"] + labels["responsible"] + labels["other"]
    return re.compile(rf"({alternation(words)})\s*[:：]")


def _label_role(word: str) -> str:
    labels = _data()["labels"]
    return "lead" if word in labels["lead"] else "responsible" if word in labels["responsible"] else "other"


def labelled_lists(text: str, start: int, end: int):
    """(role, list_start, list_end) for each `label：list` in text[start:end]; a list ends at
    the next label, at ；/。/a line break, or at the end."""
    matches = list(_label_rx().finditer(text, start, end))
    for index, m in enumerate(matches):
        stop = matches[index + 1].start() if index + 1 < len(matches) else end
        cut = _first_stop(text, m.end(), stop)
        yield _label_role(m.group(1)), m.end(), cut


def _first_stop(text: str, start: int, stop: int) -> int:
    depth = 0
    for i in range(start, stop):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
        elif depth <= 0 and text[i] in ";；。\n":
            return i
    return stop


def label_lines(text, original, start, end, city, conv: Conventions,
                skip: list[tuple[int, int]] = ()) -> list[Bracket]:
    """`牵头单位：X` written as a line or sentence of its own, outside any bracket (`skip`)."""
    out = []
    for m in _label_rx().finditer(text, start, end):
        if any(a <= m.start() < b for a, b in skip):
            continue
        before = text[start:m.start()].rstrip(" \t")
        if before and before[-1] not in "。;；\n" and m.start() != start:
            continue
        if _label_role(m.group(1)) == "other":
            continue
        list_end = _first_stop(text, m.end(), end)
        roles = Roles()
        _add(roles, _label_role(m.group(1)), _items(text, m.end(), list_end), text, original, city, conv, labelled=True)
        if roles:
            out.append(Bracket(m.start(), list_end, roles, inline=True))
    return out


def _parts(text: str, start: int, end: int, seps: str) -> list[tuple[int, int]]:
    parts, begin, depth = [], start, 0
    for i in range(start, end):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
        elif depth == 0 and text[i] in seps:
            parts.append((begin, i))
            begin = i + 1
    parts.append((begin, end))
    return parts


def _items(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    return split_list(text[start:end], start)


def _unlabelled(text, original, start, end, city, conv) -> Roles:
    """（X牵头，Y配合） / （X、Y按职责分工负责） / （X负责） — only if every item is a unit."""
    bracket = _data()["bracket"]
    roles = Roles()
    body = text[start:end]
    lead_rx = re.compile(rf"^(.+?)(?:{alternation(bracket['lead_verbs'])})")
    resp_rx = re.compile(rf"^(.+?)(?:{alternation(bracket['responsible_verbs'])})$")
    blanket_words = _data()["conventions"]["blanket_inline"]
    for part_start, part_end in _parts(text, start, end, ",，;；。"):
        piece = text[part_start:part_end].strip()
        if not piece or any(w in piece for w in blanket_words) or piece.startswith("以下"):
            continue                  # a convention (…不再列出), read by read_conventions
        m = lead_rx.match(piece)
        if m:
            offset = part_start + text[part_start:part_end].find(piece)
            items = split_list(m.group(1), offset)
            if not _all_units(items, city):
                return Roles()
            _add(roles, "lead", items, text, original, city, conv, labelled=True)
            continue
        m = resp_rx.match(piece)
        offset = part_start + text[part_start:part_end].find(piece)
        items = split_list(m.group(1) if m else piece, offset)
        if not m and not (roles.lead and _all_units(items, city)):
            return Roles()
        if not _all_units(items, city):
            return Roles()
        _add(roles, "responsible", items, text, original, city, conv, labelled=True)
    return roles if "牵头" in body or "负责" in body or "配合" in body else Roles()


def _all_units(items, city) -> bool:
    ok = 0
    for name, _, _ in items:
        canon = canonical(name, city)
        if canon.known or canon.kind == "collective" or is_region_shape(canon.name) or _unit_shape(canon.name):
            ok += 1
    return bool(items) and ok == len(items)


@lru_cache(maxsize=1)
def _shape_rx() -> re.Pattern:
    shape = load_patterns("units")["shape"]
    return re.compile(rf"{shape['prefix']}?[\u4e00-\u9fff]{{1,{shape['stem_max']}}}(?:{alternation(shape['suffix'])})")


def _unit_shape(name: str) -> bool:
    return bool(_shape_rx().fullmatch(name))


_LEAD_MARK = re.compile(r"[(\[〔【]\s*牵头(?:单位|部门)?\s*[)\]〕】]$")


def _add(roles: Roles, role: str, items, text, original, city, conv: Conventions, labelled: bool) -> None:
    marked = []
    for name, a, b in items:      # 市发展改革委（牵头）: a lead marked inside the list
        mark = _LEAD_MARK.search(name)
        if mark:
            um = _mention((name[:mark.start()], a, a + mark.start()), original, city, "label")
            if um:
                marked.append(um)
    items = [i for i in items if not _LEAD_MARK.search(i[0])]
    for um in marked:
        if um.name not in {x.name for x in roles.lead}:
            roles.lead.append(um)
    mentions = [m for m in (_mention(i, original, city, "label") for i in items) if m]
    if role == "responsible" and labelled and not roles.lead and mentions and conv.first_listed_lead:
        roles.lead.append(mentions[0])
        mentions = mentions[1:]
    target = roles.lead if role == "lead" else roles.responsible
    for m in mentions:
        if m.name not in {x.name for x in target}:
            target.append(m)


def _mention(item, original, city, source) -> UnitMention | None:
    name, start, end = item
    inline = [w for w in _data()["conventions"]["blanket_inline"] if w in name]
    if inline:
        return None
    return mention(name, start, end, city, original, source)


def column_roles(text, original, cells: dict, city, conv: Conventions) -> tuple[Roles, list[str]]:
    """Roles from a table row's lead/responsible columns; 参照《X》… cells give refers_to."""
    roles, refers = Roles(), []
    for role in ("lead", "responsible"):
        for cell in cells.get(role, []):
            cell_text = "".join(text[a:b] for a, b in cell)
            quoted = re.findall(r"《([^》]+)》", cell_text)
            if quoted and ("参照" in cell_text or "按照" in cell_text):
                refers += [original[text.index(q, cell[0][0]):text.index(q, cell[0][0]) + len(q)] for q in quoted]
                continue
            items = _cell_items(text, cell, city)
            mentions = [m for m in (mention(n, a, b, city, original, "column") for n, a, b in items) if m]
            target = roles.lead if role == "lead" else roles.responsible
            target += [m for m in mentions if m.name not in {x.name for x in target}]
    return roles, list(dict.fromkeys(refers))


def _cell_items(text: str, cell: list[tuple[int, int]], city) -> list[tuple[str, int, int]]:
    """Items of a unit cell whose lines may break inside a name (市经济和信 / 息化局)."""
    items: list[tuple[str, int, int]] = []
    for a, b in cell:
        for name, start, end in split_list(text[a:b], a):
            if items and not _starts_unit(name, city):
                prev_name, prev_start, _ = items[-1]      # the name broke over two lines
                items[-1] = (prev_name + name, prev_start, end)
                continue
            items.append((name, start, end))
    return items


def _starts_unit(name: str, city) -> bool:
    canon = canonical(name, city)
    if canon.known or canon.kind == "collective" or is_region_shape(canon.name):
        return True
    return bool(re.match(r"^(?:市|县|区|省|各|相关|有关|中共|[\u4e00-\u9fff]{2,3}市)", name))


# -- inference from free text ---------------------------------------------------------

def inferred_roles(text, original, spans, city, targets) -> Roles:
    roles = Roles()
    for start, end in spans:
        for sentence_start, sentence_end in _sentences(text, start, end):
            body = text[sentence_start:sentence_end]
            if any(w in body for w in _data()["charges"]["reward_words"]):
                continue
            roles.extend(_charges(text, original, sentence_start, sentence_end, city))
            roles.extend(_subjects(text, original, sentence_start, sentence_end, city, targets))
    return _dedupe(roles)


def _sentences(text, start, end):
    begin = start
    for i in range(start, end):
        if text[i] in SENTENCE_END:
            yield begin, i + 1
            begin = i + 1
    if end > begin:
        yield begin, end


@lru_cache(maxsize=1)
def _charge_patterns() -> list[tuple[str, re.Pattern]]:
    charges = _data()["charges"]
    return [(role, re.compile(p)) for role in ("lead", "responsible") for p in charges[role]]


def _charges(text, original, start, end, city) -> Roles:
    roles = Roles()
    body = text[start:end]
    if not any(w in body for w in ("牵头", "协调", "机构", "负责", "成员单位", "设在", "统筹")):
        return roles
    for role, pattern in _charge_patterns():
        for m in pattern.finditer(body):
            a, b = start + m.start("units"), start + m.end("units")
            items = _mentions_in(text, original, a, b, city, whole=True)
            (roles.lead if role == "lead" else roles.responsible).extend(items)
    return roles


def _mentions_in(text, original, a, b, city, whole: bool) -> list[UnitMention]:
    """Units in text[a:b]; with `whole`, only if the span is nothing but a unit list."""
    found = []
    pos = a
    for m in _offset_matches(text, a, b, city):
        gap = text[pos:m.start()]
        if whole and gap.strip("、和及与,， ") and pos != a:
            return []
        if whole and pos == a and gap.strip():
            return []
        um = mention(m.group(), m.start(), m.end(), city, original, "charge")
        if um and not _person_after(text, m.end()):
            found.append(um)
        pos = m.end()
    if whole and text[pos:b].strip("等部门单位 "):
        return []
    return found


class _Found:
    """A match found in a slice, with offsets into the whole text."""
    def __init__(self, m: re.Match, offset: int):
        self._m, self._offset = m, offset

    def start(self) -> int:
        return self._m.start() + self._offset

    def end(self) -> int:
        return self._m.end() + self._offset

    def group(self) -> str:
        return self._m.group()


def _offset_matches(text, a, b, city):
    """Mentions in text[a:b] as if it stood alone (由市经济信息委…: the 由 is not in view)."""
    return [_Found(m, a) for m in find_mentions(text[a:b], 0, b - a, city)]


def _person_after(text: str, pos: int) -> bool:
    """市经济信息委主要负责人: the unit names whose person is meant, not the unit."""
    return any(text.startswith(w, pos) for w in load_patterns("units")["persons"]["suffixes"])


def _subjects(text, original, start, end, city, targets) -> Roles:
    """Unit lists opening a clause, followed by a duty predicate (各县（区）要…)."""
    roles = Roles()
    predicates = _data()["charges"]["subject_predicates"]
    mentions = find_mentions(text, start, end, city)
    i = 0
    while i < len(mentions):
        group = [mentions[i]]
        while i + 1 < len(mentions) and re.fullmatch(r"[、和及与]?", text[group[-1].end():mentions[i + 1].start()]):
            i += 1
            group.append(mentions[i])
        i += 1
        after = text[group[-1].end():end]
        if _person_after(text, group[-1].end()) or not _opens_clause(text, start, group[0].start(), after):
            continue
        clause_end = _clause_end(text, group[-1].end(), end)
        bears_target = any(group[-1].end() < t.end <= clause_end + 1 for t in targets)
        if any(after.startswith(p) for p in predicates) or bears_target:
            roles.responsible += [u for u in (mention(g.group(), g.start(), g.end(), city, original, "subject")
                                              for g in group) if u]
    return roles


def _opens_clause(text: str, sentence_start: int, pos: int, after: str) -> bool:
    before = text[sentence_start:pos].rstrip()
    if not before or before[-1] in ",，;；:：。":
        return True
    # …任务的X成员单位要…: a noun phrase head before 要 is still the subject.
    object_verbs = _data()["charges"]["object_verbs"]
    return before.endswith("的") and after.startswith(("要", "应", "须")) and not any(
        before.endswith(v) for v in object_verbs)


def _clause_end(text: str, pos: int, end: int) -> int:
    for i in range(pos, end):
        if text[i] in ",，;；。":
            return i
    return end


def _dedupe(roles: Roles) -> Roles:
    out = Roles()
    for role in ("lead", "responsible"):
        seen = set()
        for m in getattr(roles, role):
            if m.name not in seen:
                seen.add(m.name)
                getattr(out, role).append(m)
    return out
