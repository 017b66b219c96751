"""Named questions: queries/*.rq with a bilingual header, parameters bound by name as RDF terms.

Header lines (before the query):
    # title@en: …
    # title@zh: …
    # param: NAME TYPE [optional] -- description
TYPE is string | date | decimal | integer | year | iri. PREFIX lines come from
graph/namespaces.py, so no .rq file repeats the base namespace.

Where a parameter goes: a query names it in a VALUES block of UNDEFs at the place it should
act (`VALUES (?city ?name) { (UNDEF UNDEF) }`, usually inside the subquery that starts the
evaluation); a given value replaces its UNDEF there, rendered by pyoxigraph's escaping
serializer, so the engine meets it as a constant before any other pattern. Unbound, the text
runs as written (the page's editor and any SPARQL client show and run the same query). A
parameter with no such block is joined at the top of the WHERE group (Store.query bindings).
The page parameters `limit` and `offset` (integer) replace the numbers of the query's
`LIMIT n OFFSET m` clause (the numbers written are the defaults; a LIMIT without OFFSET is left
alone: a hint to the planner), or, in a query that computes its page from the corpus tallies
(leads_by_city, all_duties), fill its `VALUES (… ?limit ?offset)` block like any parameter,
the defaults then being written as `COALESCE(?limit, 100)`. A query that returns every row unless asked for a page
(all_duties, the export table) writes `LIMIT 10000 OFFSET 0` or `COALESCE(?limit, 10000)` (UNPAGED): Oxigraph 0.5's planner
reads a subquery's LIMIT as its size and starts from a subquery it believes small (without a
LIMIT the same export ran 6-8x slower at 1,000 documents), and Virtuoso sorts at most 10,000
rows for a LIMIT. An unpaged answer that reaches that limit is refused (UserError: page it),
never cut short in silence.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph

from policykg import data_path
from policykg.errors import UserError
from policykg.graph.namespaces import TALLIES_GRAPH, XSD, prefix_block
from policykg.graph.sparql_text import render_term
from policykg.graph.store import QueryOutcome, Store
from policykg.graph.tallies import TEMPLATES, StaleTallies, require_current

_PARAM = re.compile(r"#\s*param:\s*(\w+)\s+(\w+)(\s+optional)?\s*(?:--\s*(.*))?$")
_TITLE = re.compile(r"#\s*title@(en|zh):\s*(.*)$")
# `VALUES (?a ?b) { (UNDEF UNDEF) }`: where a query wants its parameters bound.
_PARAM_VALUES = re.compile(r"\bVALUES\s*\(((?:\s*[?$]\w+)+)\s*\)\s*\{\s*\(((?:\s*UNDEF)+)\s*\)\s*\}", re.I)
_PAGE = re.compile(r"\b(LIMIT)(\s+)(\d+)(\s+)(OFFSET)(\s+)(\d+)\b", re.I)
_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>')
PAGE_PARAMS = {"limit": "LIMIT", "offset": "OFFSET"}
MAX_LIMIT = 10_000
UNPAGED = MAX_LIMIT       # the `LIMIT` of a default page that means every row
# in the query as written: a LIMIT clause, or a page size the query computes (COALESCE(?limit, …))
_UNPAGED_PAGE = re.compile(rf"\bLIMIT\s+{UNPAGED}\s+OFFSET\b|\bCOALESCE\s*\(\s*\?limit\s*,\s*{UNPAGED}\s*\)", re.I)


@dataclass
class Param:
    name: str
    type: str
    optional: bool
    description: str = ""


@dataclass
class NamedQuery:
    name: str
    title_en: str
    title_zh: str
    params: list[Param] = field(default_factory=list)
    sparql: str = ""


def query_names() -> list[str]:
    return sorted(p.name[:-3] for p in data_path("queries").iterdir() if p.name.endswith(".rq"))


def load_query(name: str) -> NamedQuery:
    """A named question (`leads_by_city`) or a path to a .rq file."""
    path = Path(name)
    if name.endswith(".rq") and path.exists():
        return parse_query(path.stem, path.read_text("utf-8"))
    resource = data_path("queries", f"{name}.rq")
    if not resource.is_file():
        raise UserError(f"{name}: no such named query (known: {', '.join(query_names())})")
    return parse_query(name, resource.read_text("utf-8"))


def parse_query(name: str, text: str) -> NamedQuery:
    titles, params = {}, []
    for line in text.splitlines():
        if m := _TITLE.match(line.strip()):
            titles[m.group(1)] = m.group(2).strip()
        elif m := _PARAM.match(line.strip()):
            params.append(Param(m.group(1), m.group(2), bool(m.group(3)), (m.group(4) or "").strip()))
    sparql = text if re.search(r"^\s*PREFIX\s+pkg:", text, re.M | re.I) else prefix_block() + text
    return NamedQuery(name, titles.get("en", name), titles.get("zh", name), params, sparql)


def bind_params(query: NamedQuery, params: dict[str, str]) -> dict[str, pyoxigraph.Term]:
    known = {p.name: p for p in query.params}
    for key in params:
        if key not in known:
            raise UserError(f"{query.name}: unknown parameter {key!r} (takes: {', '.join(known) or 'none'})")
    missing = [p.name for p in query.params if not p.optional and not params.get(p.name)]
    if missing:
        raise UserError(f"{query.name}: missing parameter {', '.join(missing)}")
    return {k: to_term(known[k], v) for k, v in params.items() if v != ""}


def to_term(param: Param, value: str) -> pyoxigraph.Term:
    """The parameter's string as an RDF term of its declared type; refuses what does not parse."""
    try:
        if param.type == "iri":
            return pyoxigraph.NamedNode(value)
        if param.type == "date":
            return _typed(dt.date.fromisoformat(value).isoformat(), "date")
        if param.type == "decimal":
            return _typed(str(Decimal(value)), "decimal")
        if param.type == "integer":
            return _typed(str(int(value)), "integer")
        if param.type == "year":
            return _typed(f"{int(value):04d}", "gYear")
        return pyoxigraph.Literal(value)
    except (ValueError, InvalidOperation) as err:
        raise UserError(f"parameter {param.name}: {value!r} is not a valid {param.type}") from err


def _typed(text: str, datatype: str) -> pyoxigraph.Literal:
    return pyoxigraph.Literal(text, datatype=pyoxigraph.NamedNode(XSD + datatype))


def prepare(query: NamedQuery, params: dict[str, str]) -> tuple[str, dict[str, pyoxigraph.Term]]:
    """The query's text with the given parameters in place, and the bindings left for the store
    (parameters the text has no VALUES block for)."""
    terms = bind_params(query, params)
    sparql, placed = _fill_values(query.sparql, terms)
    page = {name: _page_number(name, terms[name]) for name in PAGE_PARAMS if name in terms}
    for name, number in page.items():
        sparql = _set_page(sparql, PAGE_PARAMS[name], number)
        placed.add(name)
    return sparql, {k: v for k, v in terms.items() if k not in placed}


def _fill_values(sparql: str, terms: dict[str, pyoxigraph.Term]) -> tuple[str, set[str]]:
    placed: set[str] = set()

    def fill(m: re.Match) -> str:
        if _in_comment(sparql, m.start()):
            return m.group(0)
        names = [v[1:] for v in m.group(1).split()]
        placed.update(n for n in names if n in terms)
        values = " ".join(render_term(terms[n]) if n in terms else "UNDEF" for n in names)
        return f"VALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }}"

    return _PARAM_VALUES.sub(fill, sparql), placed


def _set_page(sparql: str, keyword: str, number: int) -> str:
    """The page clause is a `LIMIT n OFFSET m` pair (a lone LIMIT is not a page: a planner hint)."""
    def put(m: re.Match) -> str:
        if _in_comment(sparql, m.start()):
            return m.group(0)
        parts = list(m.groups())
        parts[2 if keyword == "LIMIT" else 6] = str(number)
        return "".join(parts)
    return _PAGE.sub(put, sparql)


def _current_plan(store: Store, query: NamedQuery) -> NamedQuery:
    """The query itself while the corpus tallies are current. Stale, a query that only pages on
    them has a plan that sorts instead (graph/templates/untallied_NAME.rq: same rows, slower at
    scale), so it is answered while an ingest runs; one that reads totals is refused
    (StaleTallies names the command that mends it), never answered from stale totals."""
    try:
        require_current(store)
        return query
    except StaleTallies:
        plan = TEMPLATES / f"untallied_{query.name}.rq"
        if not plan.is_file():
            raise
        return parse_query(query.name, plan.read_text("utf-8"))


def _in_comment(text: str, at: int) -> bool:
    line = text[text.rfind("\n", 0, at) + 1:at]
    return "#" in _QUOTED.sub("", line)


def _page_number(name: str, term: pyoxigraph.Term) -> int:
    number = int(term.value)
    if number < (1 if name == "limit" else 0) or (name == "limit" and number > MAX_LIMIT):
        bounds = f"1 to {MAX_LIMIT:,}" if name == "limit" else "0 or more"
        raise UserError(f"parameter {name}: {number} is out of range ({bounds})")
    return number


def run_named(store: Store, name: str, params: dict[str, str] | None = None, **options) -> QueryOutcome:
    query = load_query(name)
    if TALLIES_GRAPH in query.sparql:
        query = _current_plan(store, query)
    sparql, bindings = prepare(query, params or {})
    outcome = store.query(sparql, bindings=bindings, **options)
    unpaged = "limit" not in (params or {}) and _UNPAGED_PAGE.search(query.sparql)
    if unpaged and len(outcome.rows) >= UNPAGED:
        raise UserError(f"{name}: the answer has {UNPAGED:,} rows or more, more than one answer holds; "
                        f"ask for it in pages with limit (up to {MAX_LIMIT:,}) and offset")
    return outcome
