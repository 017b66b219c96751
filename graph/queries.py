"""Named questions: queries/*.rq with a bilingual header, parameters bound by name as RDF terms.

Header lines (before the query):
    # title@en: …
    # title@zh: …
    # param: NAME TYPE [optional] -- description
TYPE is string | date | decimal | integer | year | iri. PREFIX lines come from
graph/namespaces.py, so no .rq file repeats the base namespace.
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
from policykg.graph.namespaces import XSD, prefix_block
from policykg.graph.store import QueryOutcome, Store

_PARAM = re.compile(r"#\s*param:\s*(\w+)\s+(\w+)(\s+optional)?\s*(?:--\s*(.*))?$")
_TITLE = re.compile(r"#\s*title@(en|zh):\s*(.*)$")


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


def run_named(store: Store, name: str, params: dict[str, str] | None = None, **options) -> QueryOutcome:
    query = load_query(name)
    return store.query(query.sparql, bindings=bind_params(query, params or {}), **options)
