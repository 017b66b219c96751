"""Content negotiation as tables: media type -> serializer, one table per kind of result.

Order inside a table is the server's preference, used when the client's q-values tie
and when it sends no Accept at all. Aliases (application/json ...) answer with the
canonical media type of their serializer.
"""
from __future__ import annotations

import csv
import functools
import io
import json
from dataclasses import dataclass
from typing import Callable
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from policykg.graph.store import ResultTooLarge

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
SRX = "http://www.w3.org/2005/sparql-results#"


@dataclass(frozen=True)
class Format:
    media_type: str                 # what the response says it is
    serialize: Callable[..., bytes]
    charset: bool = True            # add "; charset=utf-8"

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


# ---- SPARQL results: SELECT --------------------------------------------------------------

def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {
            "subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
            "object": _json_term(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def select_json(variables: list[str], rows: list[dict]) -> bytes:
    doc = {"head": {"vars": variables},
           "results": {"bindings": [{k: _json_term(v) for k, v in row.items()} for row in rows]}}
    return json.dumps(doc, ensure_ascii=False).encode()


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return ("<triple>" + "".join(f"<{p}>{_xml_term(getattr(term, p))}</{p}>"
                                     for p in ("subject", "predicate", "object")) + "</triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _xml_doc(head: str, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="{SRX}">\n'
            f"<head>{head}</head>\n{body}\n</sparql>\n").encode()


def select_xml(variables: list[str], rows: list[dict]) -> bytes:
    head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    results = "".join(
        "<result>" + "".join(f"<binding name={quoteattr(k)}>{_xml_term(v)}</binding>"
                             for k, v in row.items()) + "</result>\n"
        for row in rows)
    return _xml_doc(head, f"<results>\n{results}</results>")


def _csv_value(term) -> str:
    # SPARQL 1.1 CSV: lexical forms only; blank nodes keep their _: label.
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def select_csv(variables: list[str], rows: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([_csv_value(row.get(v)) for v in variables])
    return buf.getvalue().encode()


def _tsv_value(term) -> str:
    # SPARQL 1.1 TSV: terms in Turtle/N-Triples syntax; a raw tab or newline would break the row.
    if term is None:
        return ""
    return str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def select_tsv(variables: list[str], rows: list[dict]) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join(_tsv_value(row.get(v)) for v in variables) for row in rows]
    return ("\n".join(lines) + "\n").encode()


# ---- SPARQL results: ASK -----------------------------------------------------------------

def ask_json(value: bool) -> bytes:
    return json.dumps({"head": {}, "boolean": value}).encode()


def ask_xml(value: bool) -> bytes:
    return _xml_doc("", f"<boolean>{'true' if value else 'false'}</boolean>")


# ---- RDF graphs: CONSTRUCT, DESCRIBE, service description, Graph Store ------------------

def _serialize_rdf(fmt_name: str, triples, prefixes: dict[str, str] | None = None) -> bytes:
    fmt = getattr(ox.RdfFormat, fmt_name)
    usable = prefixes if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(triples, format=fmt, prefixes=usable) or b""


def _rdf(fmt_name: str) -> Callable[..., bytes]:
    # a partial of a module-level function, not a closure: answers are rendered in query
    # worker processes, and what they are rendered with travels there by pickle
    return functools.partial(_serialize_rdf, fmt_name)


JSON_SELECT = Format("application/sparql-results+json", select_json)
XML_SELECT = Format("application/sparql-results+xml", select_xml)
SELECT_FORMATS: dict[str, Format] = {
    "application/sparql-results+json": JSON_SELECT,
    "application/sparql-results+xml": XML_SELECT,
    "text/csv": Format("text/csv", select_csv),
    "text/tab-separated-values": Format("text/tab-separated-values", select_tsv),
    "application/json": JSON_SELECT,
    "application/xml": XML_SELECT,
    "text/xml": XML_SELECT,
}

JSON_ASK = Format("application/sparql-results+json", ask_json)
XML_ASK = Format("application/sparql-results+xml", ask_xml)
# CSV/TSV define no boolean form, so ASK offers JSON and XML only (406 otherwise).
ASK_FORMATS: dict[str, Format] = {
    "application/sparql-results+json": JSON_ASK,
    "application/sparql-results+xml": XML_ASK,
    "application/json": JSON_ASK,
    "application/xml": XML_ASK,
    "text/xml": XML_ASK,
}

TURTLE = Format("text/turtle", _rdf("TURTLE"))
NTRIPLES = Format("application/n-triples", _rdf("N_TRIPLES"))
JSONLD = Format("application/ld+json", _rdf("JSON_LD"))
RDFXML = Format("application/rdf+xml", _rdf("RDF_XML"))
GRAPH_FORMATS: dict[str, Format] = {
    "text/turtle": TURTLE,
    "application/n-triples": NTRIPLES,
    "application/ld+json": JSONLD,
    "application/rdf+xml": RDFXML,
    "application/x-turtle": TURTLE,
    "application/turtle": TURTLE,
    "text/plain": NTRIPLES,          # N-Triples' old media type
    "application/json": JSONLD,
    "application/xml": RDFXML,
}

# What the Graph Store Protocol accepts in a PUT/POST body.
PARSE_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/n3": ox.RdfFormat.N3,
}


# ---- a query's answer as a response body --------------------------------------------------

RESULT_TABLES: dict[str, dict[str, Format]] = {"select": SELECT_FORMATS, "ask": ASK_FORMATS, "graph": GRAPH_FORMATS}


@dataclass(frozen=True)
class Rendered:
    """A query's answer serialised for the client, or the media types it could have had."""
    content_type: str | None          # None: the client accepts none of this kind (406)
    body: bytes = b""
    offered: tuple[str, ...] = ()


def render_result(outcome, *, accept: str | None, prefixes: dict[str, str], max_rows: int) -> Rendered:
    """Runs where the query ran (a worker process of the embedded store), so that a large
    answer is serialised beside the query, on any core, not in the server's own process."""
    table = RESULT_TABLES[outcome.kind]
    fmt = negotiate(accept, table)
    if fmt is None:
        return Rendered(None, offered=tuple(table))
    if outcome.kind == "ask":
        return Rendered(fmt.content_type, fmt.serialize(bool(outcome.boolean)))
    if len(outcome.rows if outcome.kind == "select" else outcome.triples) > max_rows:
        raise ResultTooLarge(f"more than {max_rows} results")   # in case a store ignores max_rows
    if outcome.kind == "select":
        return Rendered(fmt.content_type, fmt.serialize(outcome.variables, outcome.rows))
    return Rendered(fmt.content_type, fmt.serialize(outcome.triples, prefixes))


# ---- Accept header -----------------------------------------------------------------------

def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """[(media range, q)]; malformed q-values count as 1 rather than failing the request."""
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    pass
        ranges.append((fields[0].lower(), q))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching media_type (RFC 9110 §12.5.1)."""
    main = media_type.split("/")[0]
    best, specificity = 0.0, -1
    for rng, q in ranges:
        if rng == media_type:
            spec = 2
        elif rng == f"{main}/*":
            spec = 1
        elif rng in ("*/*", "*"):
            spec = 0
        else:
            continue
        if spec > specificity:
            best, specificity = q, spec
    return best, specificity


def negotiate(accept: str | None, table: dict[str, Format]) -> Format | None:
    """Best format for an Accept header, or None (-> 406). No Accept means the first entry."""
    ranges = parse_accept(accept)
    if not ranges:
        return next(iter(table.values()))
    # Ties on q go to the type the client named outright, then to the table's order.
    scored = [(*_quality(mt, ranges), -i, fmt) for i, (mt, fmt) in enumerate(table.items())]
    q, _, _, fmt = max(scored, key=lambda s: s[:3])
    return fmt if q > 0 else None


def offered(*tables: dict[str, Format]) -> list[str]:
    return list(dict.fromkeys(mt for t in tables for mt in t))
