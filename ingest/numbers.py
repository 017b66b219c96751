"""Exact reading of numbers as printed: Arabic, Chinese and mixed (1.5万, 二十, 两千三百).

Values are Decimal, never float (16.4亿 is Decimal("16.4") 亿). A numeral that cannot be
read with certainty (一两个, 三五家, 十几, 数十) gives None; callers keep the text and warn.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9,
          "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CHINESE_NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)

_ARABIC = re.compile(r"^\d+(?:,\d{3})*(?:\.\d+)?$")
# Two adjacent digit words (一两, 三五, 七八) are an approximation, not a number.
_APPROXIMATE = re.compile(r"[一二两三四五六七八九][一二两三四五六七八九](?![十百千万亿])|几|数|余|多")


def parse_arabic(text: str) -> Decimal | None:
    text = text.strip()
    if not _ARABIC.match(text):
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def parse_chinese(text: str) -> Decimal | None:
    """Read a Chinese numeral; None when it is approximate or malformed."""
    text = text.strip()
    if not text or any(c not in CHINESE_NUMERAL_CHARS for c in text):
        return None
    if _APPROXIMATE.search(text):
        return None
    if all(c in DIGITS for c in text) and len(text) > 1:
        # Digit-by-digit writing (二〇二五) is a code or year, never a quantity like 一两.
        return Decimal("".join(str(DIGITS[c]) for c in text))
    return _parse_positional(text)


def _parse_positional(text: str) -> Decimal | None:
    total, section, digit = 0, 0, None
    for char in text:
        if char in DIGITS:
            if digit is not None and DIGITS[char] != 0:
                return None          # two digits in a row without a unit: malformed
            digit = DIGITS[char] if DIGITS[char] != 0 else None
        elif char in SMALL_UNITS:
            section += (1 if digit is None else digit) * SMALL_UNITS[char]
            digit = None
        else:  # a big unit multiplies everything since the last bigger unit
            big = BIG_UNITS[char]
            value = section + (digit or 0)
            if value == 0 and total:
                total *= big             # 一万亿: the 亿 scales the 万 already read
            else:
                total += (value or 1) * big
            section, digit = 0, None
    return Decimal(total + section + (digit or 0))


def parse_number(text: str) -> Decimal | None:
    """Arabic with an optional Chinese multiplier (1.5万, 3千), or a Chinese numeral."""
    text = text.strip()
    match = re.match(r"^(\d+(?:,\d{3})*(?:\.\d+)?)([十百千万亿]*)$", text)
    if match:
        value = parse_arabic(match.group(1))
        for char in match.group(2):
            value *= SMALL_UNITS.get(char) or BIG_UNITS[char]
        return value
    return parse_chinese(text)
