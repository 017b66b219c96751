"""English names of units and places (term-by-term glosses of headings: ingest/gloss.py).

Names come from the gazetteer when it knows them; otherwise a compositional renderer reads
the name as   [中共] place* [organ] body*   over a vocabulary kept as data
(ontology/terms_en.tsv) and flags the result "derived". Nothing Chinese is ever returned in a
name: what the vocabulary lacks is written in pinyin. Glosses (ingest/gloss.py) are the
opposite: they never guess, and leave untranslated words Chinese with no English.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache

from policykg import data_path
from policykg.ingest.gazetteer import REGION_TYPES, load_gazetteer

CJK = re.compile(r"[\u3400-\u9fff]")
# A proper place name is short; longer runs before a suffix are words, not a name.
MAX_PROPER = 6
UNKNOWN_COST = 2     # per character the vocabulary does not cover
PROPER_COST = 1      # per character read as a proper name (cheaper: names are expected unknown)


@dataclass(frozen=True)
class EnglishName:
    text: str
    source: str      # gazetteer | derived


# ---------------------------------------------------------------- vocabulary (data)

@dataclass
class Vocab:
    by_kind: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    collectives: list[tuple[re.Pattern, str]] = field(default_factory=list)

    def get(self, kind: str) -> dict[str, tuple[str, str]]:
        return self.by_kind.get(kind, {})


def _tsv(*path: str):
    with data_path("ontology", *path).open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row and row[0] and not row[0].startswith("#"):
                yield [cell.strip() for cell in row] + [""] * 3


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    out = Vocab()
    for zh, en, kind, extra, *_ in _tsv("terms_en.tsv"):
        if kind == "collective":
            out.collectives.append((re.compile(zh), en))   # written with full-width brackets
        else:
            out.by_kind.setdefault(kind, {})[_full_width(zh)] = (en, extra)
    return out


def _full_width(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


# ---------------------------------------------------------------- pinyin

def pinyin_word(chars: str, context: str | None = None) -> str:
    """One capitalised pinyin word; an apostrophe where a, o, e begin a later syllable.

    `context` (the name with its suffix, 莘县 for 莘) lets pypinyin choose the reading."""
    from pypinyin import lazy_pinyin
    syllables = lazy_pinyin(context or chars, v_to_u=True)[: len(chars)]
    word = "".join(("'" + s if i and s[:1] in "aoe" else s) for i, s in enumerate(syllables))
    return word[:1].upper() + word[1:]


def pinyin_words(chars: str, context: str | None = None) -> str:
    """Pinyin with word division: a name of up to three characters is one word; longer runs
    split where jieba splits them (南京江宁 -> Nanjing Jiangning)."""
    if len(chars) <= 3:
        return pinyin_word(chars, context)
    out, offset = [], 0
    for word in pinyin_split(chars):
        out.append(pinyin_word(word, (context or chars)[offset:]))
        offset += len(word)
    return " ".join(out)


def pinyin_split(chars: str) -> list[str]:
    """Words for pinyin: jieba's, a single character joined to the word before it."""
    words: list[str] = []
    for piece in _jieba_words(chars):
        if len(piece) == 1 and words:
            words[-1] += piece
        else:
            words.append(piece)
    return words


def _jieba_words(text: str) -> list[str]:
    from policykg.ingest.nlp import segmenter
    return [w for w in segmenter().cut(text, HMM=True) if w]


# ---------------------------------------------------------------- places

@dataclass(frozen=True)
class Place:
    base: str        # Nanjing
    adjective: str   # Nanjing Municipal (inside a body's name)
    noun: str        # Nanjing City (standing alone)


def _level_suffixes() -> list[tuple[str, str, str]]:
    """(zh, adjective, noun), longest first: 自治县 before 县, 经济技术开发区 before 区."""
    v = vocab()
    items = [(zh, en, extra or en) for zh, (en, extra) in v.get("level").items()]
    items += [(zh, en, en) for zh, (en, _) in v.get("zone").items()]
    return sorted(items, key=lambda t: -len(t[0]))


@lru_cache(maxsize=64)
def _known_places(city: str | None) -> dict[str, Place]:
    """Printed place forms -> Place: places.tsv everywhere, a city's regions for that city."""
    gaz = load_gazetteer()
    out: dict[str, Place] = {}
    for zh, (en, _) in vocab().get("place").items():
        out[zh] = Place(en, en, en)
    for place in gaz.places:
        _add_place(out, place.name, place.aliases, place.name_en)
    for entry in gaz.units:
        if entry.type in REGION_TYPES and entry.city == city and entry.name_en:
            _add_place(out, entry.name, entry.aliases, entry.name_en)
    return out


def _add_place(out: dict[str, Place], name: str, aliases, name_en: str) -> None:
    if not name_en:
        return
    place = _place_from_english(name, name_en)
    out[_full_width(name)] = place
    for alias in aliases:
        # An alias without the suffix (重庆 for 重庆市) is the bare name.
        bare = not any(alias.endswith(zh) for zh, _, _ in _level_suffixes())
        out[_full_width(alias)] = Place(place.base, place.base, place.base) if bare else place


def _place_from_english(name: str, name_en: str) -> Place:
    for zh, adjective, noun in _level_suffixes():
        if name.endswith(zh):
            if zh in vocab().get("zone"):
                return Place(name_en, name_en, name_en)
            base = _strip_noun(name_en, noun)
            return Place(base, f"{base} {adjective}", name_en)
    return Place(name_en, name_en, name_en)


def _strip_noun(name_en: str, noun: str) -> str:
    for tail in (noun, "Municipality"):
        if name_en.endswith(" " + tail):
            return name_en[: -len(tail) - 1]
    return name_en


def _place_candidates(s: str, i: int, city: str | None, first: bool):
    """(Place, end, cost) for every way a place can begin at s[i]."""
    for form, place in _known_places(city).items():
        if s.startswith(form, i):
            yield (place, i + len(form), 0)
            yield from _with_suffix(s, i + len(form), place.base, form, 0)
    if first:
        # A bare level (市财政局): the level without a name.
        for zh, (adjective, noun) in vocab().get("level").items():
            if s.startswith(zh, i):
                yield Place("", adjective, noun or adjective), i + len(zh), 0
    for n in range(1, MAX_PROPER + 1):
        proper = s[i: i + n]
        if len(proper) < n or not CJK.match(proper[-1]):
            break
        known = n > 1 and proper in vocab().get("term")     # 中国医药城: a word, not a pinyin name
        yield from _with_suffix(s, i + n, None, proper, 0 if known else n * PROPER_COST)


def _with_suffix(s: str, j: int, base: str | None, proper: str, cost: int):
    """Places `proper` [ethnic words] + a level or zone suffix starting at s[j]."""
    ethnic, k = _ethnic_run(s, j)
    for zh, adjective, noun in _level_suffixes():
        if s.startswith(zh, k):
            name = base or _proper_en(proper, s[j - len(proper): k + len(zh)])
            name = f"{name} {ethnic}".strip()
            yield Place(name, f"{name} {adjective}", f"{name} {noun}"), k + len(zh), cost


def _ethnic_run(s: str, j: int) -> tuple[str, int]:
    names, k = [], j
    ethnic = vocab().get("ethnic")
    while True:
        hit = max((zh for zh in ethnic if s.startswith(zh, k)), key=len, default=None)
        if not hit:
            break
        names.append(ethnic[hit][0])
        k += len(hit)
    joined = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)
    return joined, k


def _proper_en(proper: str, context: str) -> str:
    """A proper name: a known place or term as it is known, else pinyin word by word."""
    known = _known_word(proper)
    if known or len(proper) <= 3:
        return known or pinyin_word(proper, context)
    words, offset = [], 0
    for word in pinyin_split(proper):
        words.append(_known_word(word) or pinyin_word(word, context[offset:]))
        offset += len(word)
    return " ".join(words)


def _known_word(word: str) -> str | None:
    found = vocab().get("place").get(word) or vocab().get("term").get(word)
    return found[0] if found else None


def _place_chains(s: str, city: str | None, i: int = 0, depth: int = 0):
    """(places, end, cost) for every chain of places at the start of s, the empty one first."""
    yield [], i, 0
    if depth >= 3:
        return
    for place, end, cost in _place_candidates(s, i, city, first=(i == 0)):
        for rest, end2, cost2 in _place_chains(s, city, end, depth + 1):
            yield [place, *rest], end2, cost + cost2


def place_name_en(name: str) -> str:
    """English of a place name: Nanjiang County, Liaocheng City, Dong'e County, Chongqing."""
    s = _full_width(name)
    known = _known_places_any().get(s)
    if known:
        return known.noun
    chains = [(cost, places) for places, end, cost in _place_chains(s, None) if end == len(s) and places]
    if chains:
        places = min(chains, key=lambda c: (c[0], len(c[1])))[1]
        return " ".join([p.base for p in places[:-1]] + [places[-1].noun]).strip()
    return _pinyin_text(s)


@lru_cache(maxsize=1)
def _known_places_any() -> dict[str, Place]:
    out = dict(_known_places(None))
    for city in {u.city for u in load_gazetteer().units}:
        out.update(_known_places(city))
    return out


# ---------------------------------------------------------------- body segmentation

@dataclass(frozen=True)
class Token:
    zh: str
    en: str
    kind: str        # term | suffix | body | unknown


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, Token]:
    lex: dict[str, Token] = {}
    for kind in ("term", "suffix", "body"):      # later kinds win on equal forms
        for zh, (en, _) in vocab().get(kind).items():
            lex[zh] = Token(zh, en, kind)
    return lex


@lru_cache(maxsize=4096)
def segment_body(s: str) -> tuple[tuple[Token, ...], int]:
    """Cheapest cover of s by vocabulary words (unknown characters cost UNKNOWN_COST each);
    among equal costs the fewest tokens, then the longest first token."""
    lex = _lexicon()
    longest = max((len(k) for k in lex), default=1)
    best: list[tuple[int, int, tuple[Token, ...]] | None] = [None] * (len(s) + 1)
    best[len(s)] = (0, 0, ())
    for i in range(len(s) - 1, -1, -1):
        options = []
        for n in range(min(longest, len(s) - i), 0, -1):
            token = lex.get(s[i: i + n])
            if token and best[i + n]:
                cost, count, rest = best[i + n]
                options.append((cost, count + 1, (token, *rest)))
        cost, count, rest = best[i + 1]
        options.append((cost + UNKNOWN_COST, count + 1, (Token(s[i], "", "unknown"), *rest)))
        best[i] = min(options, key=lambda o: (o[0], o[1]))
    cost, _, tokens = best[0]
    return _merge_unknown(tokens), cost


def _merge_unknown(tokens: tuple[Token, ...]) -> tuple[Token, ...]:
    out: list[Token] = []
    for token in tokens:
        if token.kind == "unknown" and out and out[-1].kind == "unknown":
            out[-1] = Token(out[-1].zh + token.zh, "", "unknown")
        else:
            out.append(token)
    return tuple(Token(t.zh, pinyin_words(t.zh), "unknown") if t.kind == "unknown" else t for t in out)


def _segments(tokens: tuple[Token, ...]) -> list[list[Token]]:
    """Split at each suffix or whole body: 委员会|中医药管理局 -> two bodies, parent first."""
    out, current = [], []
    for token in tokens:
        current.append(token)
        if token.kind in ("suffix", "body"):
            out.append(current)
            current = []
    if current:
        out.append(current) if not out else out[-1].extend(current)
    return out


def _render_segment(tokens: list[Token], level: str) -> str:
    """One body: its domain words put into its suffix's template, the level in front."""
    head = tokens[-1] if tokens[-1].kind in ("suffix", "body") else None
    domain = " ".join(t.en for t in (tokens[:-1] if head else tokens))
    if head is None:
        template = "{}"
    elif head.kind == "body":
        template = "{} " + head.en if domain else head.en
    else:
        template = head.en
    if "{L}" not in template:
        template = "{L} " + template
    text = template.replace("{L}", level).replace("{}", domain)
    return re.sub(r"\s+", " ", text).replace(" ,", ",").strip()


def _render_bodies(tokens: tuple[Token, ...], level: str) -> str:
    segments = _segments(tokens)
    text = _render_segment(segments[-1], "")
    if len(segments) == 1:
        return _render_segment(segments[-1], level)
    parent = _render_bodies(tuple(t for seg in segments[:-1] for t in seg), level)
    return f"{text} of the {parent}"


# ---------------------------------------------------------------- whole names

@dataclass
class Reading:
    cost: int
    party: bool
    places: list[Place]
    organ: tuple[str, str, str] | None    # zh, template, flag
    body: tuple[Token, ...]


def _read(name: str, city: str | None) -> Reading:
    prefix = max((zh for zh in vocab().get("prefix") if name.startswith(zh)), key=len, default="")
    s = name[len(prefix):]
    party = bool(prefix)
    best = None
    for places, end, cost in _place_chains(s, city):
        organ, rest = _organ(s[end:], party, bool(places))
        tokens, body_cost = segment_body(rest) if rest else ((), 0)
        reading = Reading(cost + body_cost, party, places, organ, tokens)
        if best is None or (reading.cost, len(places)) < (best.cost, len(best.places)):
            best = reading
    return best


def _organ(s: str, party: bool, after_place: bool):
    if not after_place:
        return None, s
    organs = vocab().get("organ")
    for zh in sorted(organs, key=len, reverse=True):
        template, flag = organs[zh]
        if s.startswith(zh) and (flag != "party_only" or party):
            return (zh, template, flag), s[len(zh):]
    return None, s


def _level_phrase(places: list[Place], city: str | None, organ) -> str:
    """Nanjing Jiangning District; a bare 市 names the city for organs (CPC Bazhong Municipal
    Committee), since official usage never leaves a Party or government organ unnamed."""
    if not places:
        return ""
    head = places[-1]
    adjective = head.adjective
    if organ and not head.base and city and head.noun == _city_noun():
        adjective = f"{_city_base(city)} {head.adjective}"
    return " ".join([p.base for p in places[:-1]] + [adjective]).strip()


def _city_noun() -> str:
    return vocab().get("level").get("市", ("", ""))[1]


def _city_base(city: str) -> str:
    place = _known_places(city).get(_full_width(city))
    return place.base if place else place_name_en(city).rsplit(" ", 1)[0]


def _render_reading(r: Reading, city: str | None) -> str:
    level = _level_phrase(r.places, city, r.organ)
    if r.organ:
        zh, template, flag = r.organ
        organ = template.replace("{L}", level).strip()
        organ = re.sub(r"\s+", " ", organ)
        if flag == "party" and not organ.startswith("CPC"):
            organ = "CPC " + organ
        if not r.body:
            return organ
        part = vocab().get("organ_part").get("".join(t.zh for t in r.body))
        head = part[0] if part else _render_bodies(r.body, "")
        return f"{head} of the {organ}"
    if not r.body:
        return " ".join([p.base for p in r.places[:-1]] + [r.places[-1].noun]).strip()
    return _render_bodies(r.body, level)


def _collective(name: str, city: str | None) -> str | None:
    for pattern, template in vocab().collectives:
        match = pattern.fullmatch(name)
        if match:
            for group, part in match.groupdict().items():
                template = template.replace("{%s}" % group, _collective_part(part, city))
            return template
    return None


def _collective_part(part: str, city: str | None) -> str:
    plurals = vocab().get("plural")
    if part in plurals:
        return plurals[part][0]
    for zh in sorted(plurals, key=len, reverse=True):
        if part.endswith(zh) and part != zh:
            tokens, _ = segment_body(part[: -len(zh)])
            return " ".join(t.en for t in tokens) + " " + plurals[zh][0]
    return render_unit_name(part, city).text


@lru_cache(maxsize=16384)         # pure, and called for every unit of every document
def derive_unit_name(name: str, city: str | None = None) -> str:
    """The compositional rendering alone (no gazetteer), never with Chinese characters."""
    s = _full_width(name)
    text = _collective(s, city) or _render_reading(_read(s, city), city)
    return _pinyin_text(text)


def _pinyin_text(text: str) -> str:
    """Any Chinese left (a vocabulary gap) in capitalised pinyin words."""
    return re.sub(r"[\u3400-\u9fff]+", lambda m: pinyin_words(m.group(0)), text).strip()


# ---------------------------------------------------------------- gazetteer first

@lru_cache(maxsize=16384)
def render_unit_name(name: str, city: str | None = None) -> EnglishName:
    """English name of a unit: the gazetteer's (exact name or alias, per city), else derived."""
    found = _gazetteer_english(_full_width(name), city)
    if found:
        return EnglishName(found, "gazetteer")
    return EnglishName(derive_unit_name(name, city), "derived")


def _gazetteer_english(form: str, city: str | None) -> str | None:
    gaz = load_gazetteer()
    cities = [city] if city else sorted({u.city for u in gaz.units})
    found = {e.name_en for c in cities for f in _forms(form) if (e := gaz.lookup(f, c)) and e.name_en}
    if len(found) == 1:
        return found.pop()
    if city:
        return _city_prefixed(form, city)
    return None


def _forms(form: str) -> tuple[str, ...]:
    return form, form.replace("（", "(").replace("）", ")")


def _city_prefixed(form: str, city: str) -> str | None:
    """巴中市财政局 in Bazhong: the gazetteer's 市财政局, named (Bazhong Municipal Bureau of …)."""
    gaz = load_gazetteer()
    for prefix in (city, city.removesuffix("市")):
        rest = form[len(prefix):]
        if not form.startswith(prefix) or len(rest) < 2:
            continue
        entry = gaz.lookup("市" + rest.removeprefix("市"), city)
        if entry and entry.name_en.startswith("Municipal "):
            return f"{_city_base(city)} {entry.name_en}"
    return None
