"""HTML (a saved 政府网站 page) -> text: the main content only.

1. Decode: BOM, then <meta charset> / http-equiv (gb2312 and gbk read as GB18030, their
   superset), then UTF-8, then charset-normalizer (ingest.decode).
2. Leave out page furniture: script/style/nav/header/footer/aside/form controls, elements
   whose id or class names a furniture role (nav, menu, breadcrumb, share, footer, sidebar,
   related …) unless they hold most of the page's text, and short blocks that are furniture
   by their words (当前位置, 分享到, 打印本页, 网站标识码, ICP备 …).
3. Choose the content block by CJK text density, like readability: starting at <body>,
   step into the child holding most (>= 70 %) of the Chinese text that is not link text,
   while there is one; data tables and paragraphs are not stepped into.
4. Linearise it: block elements and <br> end lines, whitespace collapses as a browser
   collapses it (a line break between two Chinese characters disappears), data tables become
   task-table rows (rowspan carried down, colspan padded with empty cells).

Locations are CSS paths from <html> with :nth-child, as selectolax/lexbor parse the page
(`tree.css_first(location)` finds the element again).
"""
from __future__ import annotations

import re
from pathlib import Path

from policykg.errors import DecodeError
from policykg.ingest.formats.base import Cell, Line, TextBuilder, check_size, cjk_count, is_cjk

SKIP_TAGS = {"script", "style", "noscript", "iframe", "nav", "header", "footer", "aside", "button",
             "select", "input", "textarea", "option", "svg", "canvas", "object", "embed", "template",
             "head", "title", "meta", "link", "map", "area", "audio", "video", "-comment", "_comment",
             "!doctype", "img", "label"}
BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "tr", "td", "th",
              "section", "article", "main", "blockquote", "pre", "center", "dl", "dt", "dd", "form",
              "figure", "figcaption", "hr", "address", "tbody", "thead", "tfoot", "caption", "body", "html",
              "fieldset", "details", "summary", "menu", "dir", "frameset", "noframes"}
NO_DESCENT = {"p", "table", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote"}

_FURNITURE_NAME = re.compile(
    r"(?:^|[-_\s])(nav|navbar|navi|menu|menus|topbar|top-bar|header|footer|foot|bottom|breadcrumbs?|crumbs?|"
    r"position|location|weizhi|dqwz|share|bdshare|bdsharebuttonbox|fenxiang|jiathis|related|relate|xgwz|xglj|"
    r"links?|yqlj|sidebar|side|side-box|aside|copyright|banquan|print|print-close|toolbar|search|login|"
    r"ads?|banner|qrcode|erweima|comment|pager|pagination|friendlink|skip|article-info|info|"
    r"font-size|fontsize|zihao)(?:$|[-_\s\d])", re.I)
_FURNITURE_TEXT = re.compile(
    r"当前位置|您现在的位置|您的位置|分享到|打印本页|【打印】|关闭窗口|【关闭】|字号[:：]|字体[:：]|浏览次数|"
    r"访问量|阅读次数|上一篇|下一篇|返回顶部|扫一扫|网站标识码|ICP备|公网安备|版权所有|主办[:：]|承办[:：]|"
    r"发布时间[:：]|发布日期[:：]|信息来源[:：]|来源[:：]|相关链接|相关文章|相关阅读|责任编辑|无障碍")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_ENCODING_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
                     "cp936": "gb18030", "big5": "big5", "utf8": "utf-8"}
MAX_DEPTH = 400


def decode_html(raw: bytes, name: str) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", "replace"), "utf-16"
    match = _META_CHARSET.search(raw[:8192])
    if match:
        declared = match.group(1).decode("ascii", "replace").lower()
        encoding = _ENCODING_ALIASES.get(declared, declared)
        try:
            return raw.decode(encoding), encoding
        except (LookupError, UnicodeDecodeError):
            pass                     # a wrong declaration is common: detect instead
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes
    best = from_bytes(raw, cp_isolation=["gb18030", "big5", "utf-8"]).best() or from_bytes(raw).best()
    if best is None:
        raise DecodeError(f"{name}: an HTML page in no encoding that could be detected")
    return str(best), best.encoding


def read_html(path: Path, name: str | None = None) -> "Extracted":
    name = name or str(path)
    check_size(path, "html", name)
    raw = path.read_bytes()
    text, encoding = decode_html(raw, name)
    return html_to_text(text, name, encoding)


def html_to_text(markup: str, name: str = "<html>", encoding: str = "utf-8"):
    from selectolax.lexbor import LexborHTMLParser
    tree = LexborHTMLParser(markup)
    body = tree.body or tree.root
    if body is None:
        raise DecodeError(f"{name}: an HTML page with no body")
    page = _Page(tree)
    page.measure(body)
    block = page.content_block(body)
    builder = TextBuilder(name)
    page.emit(block, builder)
    extracted = builder.result("html", encoding)
    if not extracted.text.strip():
        raise DecodeError(f"{name}: no text content found in the HTML page")
    return extracted


def _element_children(node):
    child = node.child
    while child is not None:
        if not child.tag.startswith(("-", "_", "!")):
            yield child
        child = child.next


def _all_children(node):
    child = node.child
    while child is not None:
        yield child
        child = child.next


class _Page:
    def __init__(self, tree):
        self.tree = tree
        self.cjk: dict[int, int] = {}       # mem_id -> CJK characters outside links and furniture
        self.skip: set[int] = set()
        self.paths: dict[int, str] = {}
        self.total = 0

    # -- measuring --------------------------------------------------------------------------
    def measure(self, root) -> None:
        """CJK counts bottom-up (iteratively: pages can nest deeply) and furniture marks."""
        order, stack = [], [(root, False)]
        while stack:
            node, in_link = stack.pop()
            order.append((node, in_link))
            if node.tag in SKIP_TAGS:
                continue
            link = in_link or node.tag == "a"
            for child in _all_children(node):
                stack.append((child, link))
        raw: dict[int, int] = {}
        size: dict[int, int] = {}          # all characters, links included
        for node, in_link in reversed(order):
            if node.tag == "-text":
                text = node.text_content or ""
                raw[node.mem_id] = 0 if in_link else cjk_count(text)
                size[node.mem_id] = len(text.strip())
                continue
            if node.tag in SKIP_TAGS:
                raw[node.mem_id] = size[node.mem_id] = 0
                continue
            kids = list(_all_children(node))
            raw[node.mem_id] = sum(raw.get(c.mem_id, 0) for c in kids)
            size[node.mem_id] = sum(size.get(c.mem_id, 0) for c in kids)
        self.total = raw.get(root.mem_id, 0)
        # furniture by name, unless it holds most of the page (a wrapper named "main-header" …)
        for node, _ in order:
            if node.tag.startswith(("-", "_")) or node.tag in SKIP_TAGS:
                continue
            names = " ".join(filter(None, [node.attributes.get("id"), node.attributes.get("class")]))
            if names and _FURNITURE_NAME.search(names) and raw.get(node.mem_id, 0) < 0.4 * max(self.total, 1):
                self.skip.add(node.mem_id)
            elif node.tag not in ("body", "html") and 0 < size[node.mem_id] <= 200 and self._furniture_text(node):
                self.skip.add(node.mem_id)
        # counts again without the furniture
        for node, _ in reversed(order):
            if node.mem_id in self.skip or node.tag in SKIP_TAGS:
                self.cjk[node.mem_id] = 0
            elif node.tag == "-text":
                self.cjk[node.mem_id] = raw[node.mem_id]
            else:
                self.cjk[node.mem_id] = sum(self.cjk.get(c.mem_id, 0) for c in _all_children(node))
        self.total = self.cjk.get(root.mem_id, 0)

    def _furniture_text(self, node) -> bool:
        if node.tag not in BLOCK_TAGS and node.tag not in ("span", "a", "font"):
            return False
        text = node.text(deep=True, separator="", strip=True) if node.child is not None else ""
        return bool(text) and len(text) <= 80 and bool(_FURNITURE_TEXT.search(text))

    def content_block(self, body):
        node = body
        for _ in range(MAX_DEPTH):
            here = self.cjk.get(node.mem_id, 0)
            if node.tag in NO_DESCENT or here == 0:
                break
            best = max(_element_children(node), key=lambda c: self.cjk.get(c.mem_id, 0), default=None)
            if best is None or self.cjk.get(best.mem_id, 0) < 0.7 * here or best.tag in NO_DESCENT \
                    and not self._layout_table(best):
                break
            node = best
        return node

    # -- paths ------------------------------------------------------------------------------
    def path(self, node) -> str:
        key = node.mem_id
        if key in self.paths:
            return self.paths[key]
        parent = node.parent
        if parent is None or node.tag == "html":
            result = node.tag
        else:
            index = 1
            for sibling in _element_children(parent):
                if sibling.mem_id == key:
                    break
                index += 1
            result = f"{self.path(parent)} > {node.tag}:nth-child({index})"
        self.paths[key] = result
        return result

    # -- linearising ------------------------------------------------------------------------
    def emit(self, block, builder: TextBuilder) -> None:
        for kind, payload in self.blocks(block):
            if kind == "line":
                builder.line(payload)
            else:
                builder.table(payload)

    def blocks(self, root):
        """("line", Line) and ("table", rows) in reading order."""
        out: list = []
        current: Line = []

        def flush():
            nonlocal current
            if current:
                out.append(("line", current))
            current = []

        def walk(node, depth: int):
            nonlocal current
            for child in _all_children(node):
                tag = child.tag
                if tag == "-text":
                    text = child.text_content or ""
                    if text:
                        current.append((_collapse(text), self.path(node)))
                    continue
                if tag in SKIP_TAGS or child.mem_id in self.skip or tag.startswith(("-", "_", "!")):
                    continue
                if tag == "br":
                    flush()
                    continue
                if tag == "table" and not self._layout_table(child):
                    flush()
                    self._table(child, out)
                    continue
                if depth > MAX_DEPTH:
                    current.append((_collapse(child.text(deep=True, separator=" ")), self.path(child)))
                    continue
                if tag in BLOCK_TAGS:
                    flush()
                    walk(child, depth + 1)
                    flush()
                else:
                    walk(child, depth + 1)

        if root.tag == "table" and not self._layout_table(root):
            self._table(root, out)
        else:
            walk(root, 0)
            flush()
        return [(k, _join_spaces(p) if k == "line" else p) for k, p in out]

    def _layout_table(self, table) -> bool:
        """A table used for page layout holds blocks (div, nested tables), not data."""
        if table.tag != "table":
            return False
        nested = any(n.mem_id != table.mem_id for n in table.css("table, div"))
        return nested and self.cjk.get(table.mem_id, 0) > 0.5 * max(self.total, 1)

    def _rows(self, table):
        rows = []
        stack = [table]
        while stack:                     # tr elements of this table, not of nested tables
            node = stack.pop()
            for child in reversed(list(_element_children(node))):
                if child.tag == "tr":
                    rows.append(child)
                elif child.tag in ("thead", "tbody", "tfoot"):
                    stack.append(child)
        order = {}
        return sorted(rows, key=lambda r: order.setdefault(r.mem_id, self._position(r)))

    def _position(self, node) -> tuple:
        chain = []
        while node is not None and node.parent is not None:
            index = 0
            for sibling in _element_children(node.parent):
                if sibling.mem_id == node.mem_id:
                    break
                index += 1
            chain.append(index)
            node = node.parent
        return tuple(reversed(chain))

    def _table(self, table, out: list) -> None:
        caption = table.css_first("caption")
        if caption is not None and caption.text(strip=True):
            out.append(("line", [(_collapse(caption.text()), self.path(caption))]))
        grid: list[list[Cell | None]] = []
        carry: dict[int, tuple[int, Cell]] = {}          # column -> (rows left, cell)
        for r, tr in enumerate(self._rows(table)):
            row: list[Cell | None] = []
            col = 0

            def fill_carried():
                nonlocal col
                while col in carry:
                    left, cell = carry[col]
                    row.append(cell)
                    if left <= 1:
                        del carry[col]
                    else:
                        carry[col] = (left - 1, cell)
                    col += 1

            for td in _element_children(tr):
                if td.tag not in ("td", "th") or td.mem_id in self.skip:
                    continue
                fill_carried()
                cell = Cell(self._cell_lines(td))
                span = _int_attr(td, "colspan", 1, 50)
                down = _int_attr(td, "rowspan", 1, 500)
                row.append(cell)
                if down > 1:
                    carry[col] = (down - 1, cell)
                col += 1
                for _ in range(span - 1):
                    row.append(Cell([]))
                    col += 1
            fill_carried()
            if any(c is not None for c in row):
                grid.append(row)
        grid = [[c or Cell([]) for c in row] for row in grid]
        if not grid:
            return
        width = max(len(r) for r in grid)
        if len(grid) > 1 and _nonempty(grid[0]) == 1 and width > 1:
            out.append(("line", [seg for line in next(c for c in grid[0] if c.lines).lines for seg in line]))
            grid = grid[1:]                  # a title row spanning the table
        out.append(("table", grid))

    def _cell_lines(self, td) -> list[Line]:
        lines = []
        for kind, payload in self.blocks_inside(td):
            if kind == "line":
                lines.append(payload)
            else:                            # a nested table: its cells as lines
                for row in payload:
                    for cell in row:
                        lines += cell.lines
        return lines

    def blocks_inside(self, td):
        saved = td.tag
        return self.blocks(td) if saved != "table" else []


def _nonempty(row: list[Cell]) -> int:
    return sum(1 for c in row if any(t.strip() for line in c.lines for t, _ in line))


def _int_attr(node, name: str, default: int, limit: int) -> int:
    value = (node.attributes.get(name) or "").strip()
    return max(1, min(int(value), limit)) if value.isdigit() else default


_SPACE_RUN = re.compile(r"[ \t\r\n\f]+")


def _collapse(text: str) -> str:
    """Collapse whitespace as a browser does; a run holding a line break between two Chinese
    characters disappears (CSS Text: segment breaks between wide characters are removed)."""
    def repl(match: re.Match) -> str:
        run = match.group()
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if "\n" in run and before and after and _wide(before) and _wide(after):
            return ""
        return " "
    return _SPACE_RUN.sub(repl, text)


def _wide(ch: str) -> bool:
    return is_cjk(ch) or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" or ch in "“”‘’—…"


def _join_spaces(line: Line) -> Line:
    """A space at a piece boundary after another space is dropped (runs collapse across tags)."""
    out: Line = []
    prev_space = True
    for text, loc in line:
        if prev_space:
            text = text.lstrip(" ")
        if text:
            out.append((text, loc))
            prev_space = text.endswith(" ")
    return out
