"""Safe text operations on SPARQL: terms rendered as RDF syntax, bindings joined as VALUES.

User input never reaches query text as raw characters: a binding is first a pyoxigraph term
(whose constructor validates IRIs and whose str() is escaped N-Triples syntax), and only that
rendering is inserted.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

import pyoxigraph

from policykg.graph.store import QueryError

_VARNAME = re.compile(r"[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\u00B7\u00C0-\uFFFF]*\Z")

# Tokens that may contain braces or the word WHERE without being syntax: strings, IRIs, comments.
_SKIP = re.compile(r'''
    """(?:[^"\\]|\\.|"(?!""))*"""       # long strings
  | '\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'
  | "(?:[^"\\\n]|\\.)*"                 # short strings
  | '(?:[^'\\\n]|\\.)*'
  | <[^<>"{}|^`\\\x00-\x20]*>           # IRIs (a less-than sign is followed by a space)
  | \#[^\n]*                            # comments
''', re.VERBOSE)
_SYNTAX = re.compile(r"[{}]|\bWHERE\b", re.IGNORECASE)


def variable_name(key: str) -> str:
    """`city`, `?city` or `$city` -> `city`; anything else is refused."""
    name = key[1:] if key[:1] in "?$" else key
    if not _VARNAME.match(name):
        raise QueryError(f"invalid variable name for a binding: {key!r}")
    return name


def render_term(term) -> str:
    """SPARQL syntax for a bound value, built by pyoxigraph's escaping serializer."""
    if isinstance(term, (pyoxigraph.NamedNode, pyoxigraph.Literal)):
        return str(term)
    raise QueryError(f"cannot bind {type(term).__name__} on a remote store (IRIs and literals only)")


def with_values(sparql: str, bindings: Mapping[str, object]) -> str:
    """The query with `VALUES (?a ?b) { (x y) }` joined at the top of its WHERE group.

    Joining at the top of the group binds the variables for the whole group (filters,
    optionals, projection), which is what a parameter means in our named questions.
    """
    if not bindings:
        return sparql
    names = [variable_name(k) for k in bindings]
    terms = [render_term(v) for v in bindings.values()]
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(terms)}) }} "
    at = _where_brace(sparql) + 1
    return sparql[:at] + block + sparql[at:]


def _where_brace(sparql: str) -> int:
    """Offset of the `{` opening the WHERE group: after a top-level WHERE, else the first `{`."""
    first = None
    depth = 0
    after_where = False
    for kind, at in _syntax_tokens(sparql):
        if kind == "{":
            if depth == 0 and (after_where or first is None):
                if after_where:
                    return at
                first = at
            depth += 1
        elif kind == "}":
            depth -= 1
        elif depth == 0:
            after_where = True
    if first is None or _is_construct_template(sparql, first):
        raise QueryError("cannot find the WHERE clause to bind parameters in")
    return first


def _is_construct_template(sparql: str, brace: int) -> bool:
    return re.search(r"\bCONSTRUCT\s*$", _strip(sparql[:brace]), re.IGNORECASE) is not None


def _strip(text: str) -> str:
    return _SKIP.sub(" ", text)


def _syntax_tokens(sparql: str) -> Iterable[tuple[str, int]]:
    pos = 0
    while pos < len(sparql):
        skip = _SKIP.match(sparql, pos)
        if skip:
            pos = skip.end()
            continue
        tok = _SYNTAX.match(sparql, pos)
        if tok:
            yield tok.group(0).upper(), pos
            pos = tok.end()
        else:
            pos += 1
