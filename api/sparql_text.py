"""Just enough SPARQL lexing for the protocol layer.

The Store takes plain strings, so two protocol features have to be expressed in the text:
the service's base IRI (relative IRIs must resolve, W3C `update_base_uri`) and the update
dataset parameters `using-graph-uri` / `using-named-graph-uri`, which become USING clauses.
A lexer that knows strings, IRIs and comments is enough to find the places to edit;
the store's own parser still has the last word on validity.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[^\W\d][\w\-.]*)?:[^\s{}()\[\];,<>"']*)
  | (?P<word>[^\W\d]\w*)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_SCHEME = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass
class Token:
    kind: str
    text: str
    start: int
    depth: int          # brace depth before the token

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokenize(text: str) -> list[Token]:
    tokens, depth = [], 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        tok = Token(kind, m.group(), m.start(), depth)
        if tok.text == "{" and kind == "punct":
            depth += 1
        elif tok.text == "}" and kind == "punct":
            depth = max(depth - 1, 0)
            tok.depth = depth
        tokens.append(tok)
    return tokens


def has_relative_iri(text: str) -> bool:
    """True when some <...> lacks a scheme, so the text needs a base IRI to mean anything."""
    return any(t.kind == "iri" and not _SCHEME.match(t.text) for t in tokenize(text))


def with_base(text: str, base: str) -> str:
    """Give the text the service's base IRI, only if it needs one.

    Added on the same line so parser messages keep their line numbers; a BASE already in
    the text still wins, because a later BASE overrides an earlier one.
    """
    return f"BASE <{base}> {text}" if has_relative_iri(text) else text


class DatasetConflict(ValueError):
    """An update names its dataset in the text (USING/WITH) and in the protocol at once."""


def _operations(tokens: list[Token]) -> list[list[Token]]:
    ops, current = [], []
    for tok in tokens:
        if tok.kind == "punct" and tok.text == ";" and tok.depth == 0:
            ops.append(current)
            current = []
        else:
            current.append(tok)
    ops.append(current)
    return [op for op in ops if op]


def add_using(update: str, using: list[str], using_named: list[str]) -> str:
    """Rewrite an update so each DELETE/INSERT ... WHERE operation reads the protocol's dataset.

    SPARQL 1.1 Protocol §2.2.3: the using-graph-uri / using-named-graph-uri parameters act as
    USING / USING NAMED clauses; an operation that already has USING or WITH is an error.
    DELETE WHERE has no place for USING, so it is expanded to its long form (same meaning).
    """
    if not using and not using_named:
        return update
    clause = " ".join([f"USING <{g}>" for g in using] + [f"USING NAMED <{g}>" for g in using_named])
    edits: list[tuple[int, int, str]] = []     # (start, end, replacement), applied right to left
    for op in _operations(tokenize(update)):
        top = [t for t in op if t.depth == 0]
        words = [t.keyword for t in top if t.kind == "word"]
        body = [w for w in words if w not in ("BASE", "PREFIX")]
        if not body or body[0] not in ("WITH", "DELETE", "INSERT") or (len(body) > 1 and body[1] == "DATA"):
            continue                            # LOAD, CLEAR, INSERT DATA ...: no WHERE to scope
        if "USING" in words or "WITH" in words:
            raise DatasetConflict(
                "the update has USING/WITH and the request has using-graph-uri/using-named-graph-uri; "
                "give the dataset in one place only")
        where = next(t for t in top if t.keyword == "WHERE")
        delete = next(t for t in top if t.keyword == "DELETE")  if body[:2] == ["DELETE", "WHERE"] else None
        if delete is not None:                  # DELETE WHERE {P}  ->  DELETE {P} USING ... WHERE {P}
            open_i = op.index(where) + 1
            close_i = next(i for i in range(open_i + 1, len(op))
                           if op[i].depth == 0 and op[i].text == "}" and op[i].kind == "punct")
            pattern = update[op[open_i].start:op[close_i].start + 1]
            edits.append((delete.start, op[close_i].start + 1, f"DELETE {pattern} {clause} WHERE {pattern}"))
        else:
            edits.append((where.start, where.start, clause + " "))
    for start, end, text in sorted(edits, reverse=True):
        update = update[:start] + text + update[end:]
    return update


def query_dataset(query: str, base: str | None = None) -> tuple[list[str], list[str]] | None:
    """The query's own FROM / FROM NAMED graphs as (default, named), or None if it has none.

    The store reads a query with no protocol dataset against the union of all graphs, an
    option that in pyoxigraph also overrides the query's FROM; passing the FROM graphs as the
    explicit dataset keeps SPARQL's meaning (FROM NAMED alone leaves the default graph empty).
    """
    from urllib.parse import urljoin

    tokens = [t for t in tokenize(query) if t.depth == 0]
    prefixes: dict[str, str] = {}
    default: list[str] = []
    named: list[str] = []

    def iri(tok: Token) -> str | None:
        if tok.kind == "iri":
            value = tok.text[1:-1]
            return urljoin(base, value) if base and not _SCHEME.match(tok.text) else value
        if tok.kind == "pname":
            prefix, _, local = tok.text.partition(":")
            return prefixes[prefix] + local if prefix in prefixes else None
        return None

    for i, tok in enumerate(tokens):
        if tok.keyword == "BASE" and i + 1 < len(tokens) and (b := iri(tokens[i + 1])):
            base = b
        elif tok.keyword == "PREFIX" and i + 2 < len(tokens):
            if (target := iri(tokens[i + 2])) is not None:
                prefixes[tokens[i + 1].text.rstrip(":")] = target
        elif tok.keyword == "FROM" and i + 1 < len(tokens):
            is_named = tokens[i + 1].keyword == "NAMED"
            j = i + 2 if is_named else i + 1
            if j < len(tokens) and (graph := iri(tokens[j])) is not None:
                (named if is_named else default).append(graph)
    return (default, named) if default or named else None
