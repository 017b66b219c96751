"""Split a document body into its hierarchy of provisions, as a reader sees it.

Numbering styles (一、 / （一） / 1． / （1） / 第X条 …) get their level dynamically: a style
already open is a sibling, a new style opens a level below — except that a nested list
starts at 1, so a new style numbered n > 1 right after an item numbered n-1 is read as a
misprinted sibling (（一）… （2）… （3）). Unnumbered paragraphs continue the item above
them, or, under a heading that has no text of its own, become paragraphs ¶1, ¶2 ….
Boxes (专栏) sit beside the hierarchy; attachments (附件1) restart it; task tables become
one provision per row (see tables.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from policykg.ingest.lines import Line
from policykg.ingest.models import Provision
from policykg.ingest.numbers import parse_number
from policykg.ingest.patterns import load_patterns
from policykg.ingest.tables import Table, find_table


@dataclass
class Node:
    """A provision while the tree is being built, with the spans of its own text."""
    label: str | None
    style: str | None
    number: int | None
    kind: str
    start: int
    end: int
    heading: str | None = None
    heading_only: bool = False
    own: list[tuple[int, int]] = field(default_factory=list)
    children: list["Node"] = field(default_factory=list)
    parent: "Node | None" = None
    cells: dict[str, list[list[tuple[int, int]]]] = field(default_factory=dict)
    row_id: str | None = None

    def add(self, child: "Node") -> "Node":
        child.parent = self
        self.children.append(child)
        return child


@dataclass
class Label:
    style: str
    number: int | None
    text: str            # as printed, for the id: 一 / （一） / 1 / 第一条 / 专栏1
    end: int             # offset in the line where the label ends


@lru_cache(maxsize=1)
def _label_patterns() -> list[tuple[str, re.Pattern]]:
    pats = load_patterns("structure")
    styles = [(name, re.compile(rx)) for name, rx in pats["labels"].items()]
    return [("box", re.compile(pats["boxes"]["label"])),
            ("attachment", re.compile(pats["attachments"]["label"]))] + styles


def match_label(line: Line, original: str) -> Label | None:
    text = line.text.lstrip()
    offset = len(line.text) - len(text)
    for style, pattern in _label_patterns():
        match = pattern.match(text)
        if not match:
            continue
        number = parse_number(match.group(1)) if match.group(1) else None
        printed = original[line.start + offset: line.start + offset + match.end()]
        return Label(style, int(number) if number is not None else None,
                     _label_id(style, printed, match.group(1)), offset + match.end())
    return None


def _label_id(style: str, printed: str, number: str) -> str:
    if style in ("cn_comma", "arabic_dot"):
        return number
    if style == "attachment":
        return "附件" + (number or "")
    return re.sub(r"\s+", "", printed).rstrip(".．、:：")


def _family(style: str | None) -> str:
    return "paren" if style and "paren" in style else (style or "")


class Builder:
    """Feeds lines into the tree; one instance per document."""

    def __init__(self, text: str, original: str):
        self.text, self.original = text, original
        self.root = Node(None, None, None, "document", 0, len(text))
        self.stack: list[Node] = []
        self.box: Node | None = None
        self.preamble = 0
        structure = load_patterns("structure")["paragraphs"]
        self.lead_max = structure["lead_phrase_max"]
        self.heading_max = structure["labelled_heading_max"]
        self.dash = re.compile(structure["dash_lead"])

    # -- labelled lines -------------------------------------------------------------
    def labelled(self, line: Line, label: Label) -> None:
        if label.style == "box":
            self.box = self.root.add(self._node(line, label, "box"))
            return
        self.box = None
        if label.style == "attachment":
            self.stack = [self.root.add(self._node(line, label, "section"))]
            return
        parent = self._place(label)
        node = parent.add(self._node(line, label, "item"))
        self.stack.append(node)

    def _place(self, label: Label) -> Node:
        for depth, node in enumerate(self.stack):
            if node.style == label.style:
                del self.stack[depth:]
                return self.stack[-1] if self.stack else self.root
        if label.number and label.number > 1:
            # Only a look-alike style can be a misprint: （2） for （二）, not 3、 for （二）.
            for depth in range(len(self.stack) - 1, -1, -1):
                node = self.stack[depth]
                if node.number == label.number - 1 and node.kind == "item" and _family(node.style) == _family(label.style):
                    del self.stack[depth:]
                    return self.stack[-1] if self.stack else self.root
        return self.stack[-1] if self.stack else self.root

    def _node(self, line: Line, label: Label, kind: str) -> Node:
        rest_start = line.start + label.end
        while rest_start < line.end and self.text[rest_start] in " .、:：\t":
            rest_start += 1
        rest = self.text[rest_start:line.end]
        node = Node(label.text, label.style, label.number, kind, line.content_start, line.content_end,
                    own=[(line.content_start, line.content_end)])
        body = rest.strip()
        inner = body.rstrip("。.:： ")
        if "。" not in inner and len(inner) <= self.heading_max:
            node.heading_only = True
            node.heading = self._original(rest_start, line.end).strip().rstrip("。.:：") or None
        else:
            node.heading = self._heading(rest_start, line.end, self.heading_max)
        return node

    # -- paragraphs -----------------------------------------------------------------
    def paragraph(self, line: Line) -> None:
        container = self.box or (self.stack[-1] if self.stack else None)
        if container is not None and container is not self.box and not container.heading_only:
            container.own.append((line.content_start, line.content_end))
            container.end = line.content_end
            return
        if container is None:
            self.preamble += 1
            label = "¶0" if self.preamble == 1 else f"¶0-{self.preamble}"
            parent = self.root
        else:
            count = sum(1 for c in container.children if c.kind == "paragraph") + 1
            label, parent = f"¶{count}", container
        start = line.content_start
        dash = self.dash.match(self.text, start, line.end)
        heading_from = dash.end() if dash else start
        node = Node(label, None, None, "paragraph" if container else "preamble", start,
                    line.content_end, own=[(start, line.content_end)],
                    heading=self._heading(heading_from, line.end, self.lead_max, strict=True))
        parent.add(node)

    def _heading(self, start: int, end: int, limit: int, strict: bool = False) -> str | None:
        """The phrase before the first 。 when it is short enough to be a title."""
        cut = self.text.find("。", start, end)
        if cut < 0 or cut - start > limit or cut == start:
            return None
        phrase = self.text[start:cut]
        if strict and re.search(r"[,;:]", phrase) and len(phrase) > 12:
            return None
        if cut + 1 >= len(self.text.rstrip()) or not self.text[cut + 1:end].strip():
            return None if strict else self._original(start, cut).strip()
        return self._original(start, cut).strip()

    def _original(self, start: int, end: int) -> str:
        return self.original[start:end]

    # -- tables ---------------------------------------------------------------------
    def table(self, table: Table) -> None:
        parent = self.stack[-1] if self.stack else self.root
        if parent.kind == "item" and not parent.heading_only:
            parent = parent.parent or self.root
        last_number, repeat = None, 1
        for row in table.rows:
            number = row.number_text
            if number:
                last_number, repeat = number, 1
                label = number
            else:
                repeat += 1
                label = f"{last_number}-{repeat}" if last_number else f"row{len(parent.children) + 1}"
            node = Node(label, "table_row", None, "table_row", row.start, row.end,
                        own=[span for frags in row.cells.get("task", []) for span in frags],
                        cells=row.cells)
            parent.add(node)
        self.box = None


def build_tree(lines: list[Line], body_line: int, text: str, original: str) -> Node:
    builder = Builder(text, original)
    index = body_line
    while index < len(lines):
        line = lines[index]
        if line.is_blank:
            index += 1
            continue
        table = find_table(lines, index, text)
        if table:
            builder.table(table)
            index = table.next_line
            continue
        label = match_label(line, original)
        if label:
            builder.labelled(line, label)
        else:
            builder.paragraph(line)
        index += 1
    _finish(builder.root)
    return builder.root


def _finish(node: Node) -> None:
    """Absorb a lone paragraph into its heading; extend spans over children."""
    for child in node.children:
        _finish(child)
    paragraphs = [c for c in node.children if c.kind == "paragraph"]
    if node.heading_only and node.kind in ("item", "section") and len(node.children) == 1 and paragraphs:
        only = paragraphs[0]
        node.own += only.own
        node.end = max(node.end, only.end)
        node.children = []
        node.heading_only = False
    if node.children:
        node.end = max(node.end, max(c.end for c in node.children))


def flatten(root: Node) -> list[tuple[Node, Provision]]:
    out: list[tuple[Node, Provision]] = []
    seen: set[str] = set()

    def walk(node: Node, prefix: str | None, parent_id: str | None) -> None:
        for child in node.children:
            pid = f"{prefix}/{child.label}" if prefix else child.label
            while pid in seen:            # numbering restarted: keep ids unique
                pid += "'"
            seen.add(pid)
            kind = "section" if child.heading_only or child.kind == "section" else child.kind
            prov = Provision(id=pid, label=child.label, heading=child.heading, start=child.start,
                             end=child.end, kind=kind, parent=parent_id)
            out.append((child, prov))
            walk(child, pid, pid)

    walk(root, None, None)
    return out
