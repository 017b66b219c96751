"""Word automatic numbering (numbering.xml) rendered as displayed: 一、 （一） 1． ①.

A paragraph is numbered by its w:numPr (numId, ilvl) or by its style's. A w:num points to a
w:abstractNum that defines each level: w:start, w:numFmt, w:lvlText ("%1、", "（%2）", "%1.%2"),
w:lvlRestart, w:isLgl, w:suff. As Word does, the counters belong to the abstract list: two
w:num of the same abstractNum continue each other, and a w:num whose w:lvlOverride has a
w:startOverride restarts that level where it is first used. Using a level resets the deeper
levels (or those whose w:lvlRestart names it or a level above).
"""
from __future__ import annotations

from dataclasses import dataclass, field

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

_DIGITS = "〇一二三四五六七八九"
_TRAD = "甲乙丙丁戊己庚辛壬癸"
_ZODIAC = "子丑寅卯辰巳午未申酉戌亥"
_UPPER = "零壹贰叁肆伍陆柒捌玖"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def chinese_counting(n: int) -> str:
    """Word's chineseCounting: 一 … 十, 十一, 二十一; from 100 digit by digit (一〇一)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    return "".join(_DIGITS[int(d)] for d in str(n))


def chinese_thousand(n: int, digits: str = _DIGITS, units: str = "十百千") -> str:
    """Word's chineseCountingThousand: 十一, 一百〇一, 一千二百三十四."""
    if n <= 0 or n >= 10000:
        return str(n)
    if n < 10:
        return digits[n]
    out, zero = "", False
    parts = [(n // 1000, units[2]), (n // 100 % 10, units[1]), (n // 10 % 10, units[0]), (n % 10, "")]
    started = False
    for digit, unit in parts:
        if digit == 0:
            zero = started
            continue
        if zero:
            out += digits[0]
            zero = False
        if not (unit == units[0] and digit == 1 and not started):
            out += digits[digit]
        out += unit
        started = True
    return out


def _roman(n: int) -> str:
    if n <= 0 or n >= 4000:
        return str(n)
    vals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
            (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def _letter(n: int) -> str:
    if n <= 0:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("decimal", "decimalHalfWidth"):
        return str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt in ("chineseCounting", "japaneseCounting", "taiwaneseCounting"):
        return chinese_counting(n)
    if fmt in ("chineseCountingThousand", "taiwaneseCountingThousand", "japaneseDigitalTenThousand"):
        return chinese_thousand(n)
    if fmt in ("chineseLegalSimplified",):
        return chinese_thousand(n, _UPPER, "拾佰仟")
    if fmt in ("ideographDigital", "taiwaneseDigital"):
        return "".join(_DIGITS[int(d)] for d in str(n))
    if fmt == "ideographTraditional":
        return _TRAD[(n - 1) % 10] if n > 0 else str(n)
    if fmt == "ideographZodiac":
        return _ZODIAC[(n - 1) % 12] if n > 0 else str(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return _CIRCLED[n - 1] if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedParen":
        return chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}."
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letter(n)
    if fmt == "lowerLetter":
        return _letter(n).lower()
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None      # w:lvlRestart (1-based level that restarts this one; 0 = never)
    legal: bool = False
    suffix: str = "tab"
    style: str | None = None        # w:pStyle linking a paragraph style to this level


@dataclass
class NumDef:
    abstract: str
    starts: dict[int, int] = field(default_factory=dict)        # startOverride per level
    levels: dict[int, Level] = field(default_factory=dict)      # full w:lvl overrides


def _val(el, tag: str) -> str | None:
    child = el.find(W + tag) if el is not None else None
    return child.get(W + "val") if child is not None else None


def _level(el) -> Level:
    lvl = Level()
    start = _val(el, "start")
    lvl.start = int(start) if start and start.lstrip("-").isdigit() else 1
    lvl.fmt = _val(el, "numFmt") or "decimal"
    text = _val(el, "lvlText")
    lvl.text = text if text is not None else ""
    restart = _val(el, "lvlRestart")
    lvl.restart = int(restart) if restart and restart.isdigit() else None
    legal = el.find(W + "isLgl")
    lvl.legal = legal is not None and legal.get(W + "val", "true") not in ("0", "false", "off")
    lvl.suffix = _val(el, "suff") or "tab"
    lvl.style = _val(el, "pStyle")
    return lvl


class Numbering:
    def __init__(self, numbering_el, styles_el):
        self.abstracts: dict[str, dict[int, Level]] = {}
        self.links: dict[str, str] = {}                 # abstractNum -> numStyleLink style
        self.nums: dict[str, NumDef] = {}
        self.style_num: dict[str, tuple[str | None, int | None]] = {}
        self.style_based: dict[str, str] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if numbering_el is not None:
            for ab in numbering_el.iter(W + "abstractNum"):
                key = ab.get(W + "abstractNumId")
                self.abstracts[key] = {int(l.get(W + "ilvl", "0")): _level(l) for l in ab.iter(W + "lvl")}
                link = _val(ab, "numStyleLink")
                if link:
                    self.links[key] = link
            for num in numbering_el.iter(W + "num"):
                nd = NumDef(_val(num, "abstractNumId") or "")
                for ov in num.iter(W + "lvlOverride"):
                    ilvl = int(ov.get(W + "ilvl", "0"))
                    start = _val(ov, "startOverride")
                    if start and start.lstrip("-").isdigit():
                        nd.starts[ilvl] = int(start)
                    lvl = ov.find(W + "lvl")
                    if lvl is not None:
                        nd.levels[ilvl] = _level(lvl)
                self.nums[num.get(W + "numId")] = nd
        if styles_el is not None:
            for style in styles_el.iter(W + "style"):
                sid = style.get(W + "styleId")
                ppr = style.find(W + "pPr")
                numpr = ppr.find(W + "numPr") if ppr is not None else None
                if numpr is not None:
                    ilvl = _val(numpr, "ilvl")
                    self.style_num[sid] = (_val(numpr, "numId"), int(ilvl) if ilvl and ilvl.isdigit() else None)
                based = _val(style, "basedOn")
                if based:
                    self.style_based[sid] = based

    def _levels(self, num_id: str) -> tuple[str, dict[int, Level]] | None:
        nd = self.nums.get(num_id)
        if nd is None:
            return None
        levels = self.abstracts.get(nd.abstract)
        if levels is not None and not levels and nd.abstract in self.links:
            linked = self.style_num.get(self.links[nd.abstract], (None, None))[0]
            if linked and linked != num_id and linked in self.nums:
                return self._levels(linked)
        if levels is None:
            return None
        return nd.abstract, {**levels, **nd.levels}

    def _paragraph_num(self, p) -> tuple[str | None, int | None]:
        ppr = p.find(W + "pPr")
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        if numpr is not None:
            ilvl = _val(numpr, "ilvl")
            num_id = _val(numpr, "numId")
            if num_id is not None:
                return num_id, int(ilvl) if ilvl and ilvl.isdigit() else None
        style = _val(ppr, "pStyle") if ppr is not None else None
        seen = set()
        while style and style not in seen:
            seen.add(style)
            if style in self.style_num:
                num_id, ilvl = self.style_num[style]
                if ilvl is None:
                    found = self._levels(num_id or "")
                    if found:
                        ilvl = next((i for i, l in found[1].items() if l.style == style), 0)
                return num_id, ilvl
            style = self.style_based.get(style)
        return None, None

    def label(self, p) -> str:
        """The number as displayed before paragraph `p` (with its separator), or ""."""
        num_id, ilvl = self._paragraph_num(p)
        if not num_id or num_id == "0":
            return ""
        ilvl = min(max(ilvl or 0, 0), 8)
        found = self._levels(num_id)
        if not found:
            return ""
        abstract, levels = found
        lvl = levels.get(ilvl)
        if lvl is None:
            return ""
        counts = self.counters.setdefault(abstract, {})
        nd = self.nums[num_id]
        if num_id not in self.started:
            self.started.add(num_id)
            for level, start in nd.starts.items():
                counts[level] = start - 1
        counts[ilvl] = counts[ilvl] + 1 if ilvl in counts else lvl.start
        for deeper in list(counts):
            if deeper > ilvl:
                restart = levels.get(deeper, Level()).restart
                if restart is None or (restart > 0 and ilvl < restart):
                    del counts[deeper]
        if lvl.fmt == "bullet":
            text = lvl.text if lvl.text and not ("\ue000" <= lvl.text[0] <= "\uf8ff") else "•"
        else:
            text = lvl.text
            for k in range(9, 0, -1):
                token = f"%{k}"
                if token in text:
                    level = levels.get(k - 1, Level())
                    value = counts.get(k - 1, level.start)
                    fmt = "decimal" if lvl.legal and k - 1 != ilvl else level.fmt
                    text = text.replace(token, format_number(value, fmt))
        if not text:
            return ""
        return text + {"tab": " ", "space": " "}.get(lvl.suffix, "")
