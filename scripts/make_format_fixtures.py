"""Write the corpus texts as the files researchers actually download: DOCX, HTML inside a
government page, PDF, XLSX (the task table), and GB18030 copies of a .txt and an .html.

    /work/venv/bin/python scripts/make_format_fixtures.py [OUT_DIR]

Output goes to tests/fixtures/formats/ (committed; small). The generator is deterministic
(fixed dates and ids) so that re-running it gives the same files, except for the PDF/XLSX/DOCX
timestamps their libraries stamp inside.

How each format carries the structure of the .txt:
- a line of the .txt is a paragraph; the 附件1 task table (cell per line, a blank line before
  each row) is a real table: a Word table whose 类别 cells are vertically merged where the text
  leaves them blank and whose row-2 参照… cell spans 牵头单位+责任单位; an HTML <table> with
  rowspan; a PDF table with ruling lines; an XLSX sheet with merged cells;
- the 专栏 boxes (a line opened by a tab) are one-cell tables in DOCX and HTML;
- in the action plan the labels 一、 （一） 1． are Word automatic numbering (numbering.xml:
  chineseCounting "%1、", "（%2）", decimal "%3．"), not text.
"""
from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
OUT = ROOT / "tests" / "fixtures" / "formats"

TABLE_DOC = "bazhong-biomedicine-investment-eight-measures-draft"
NUMBERED_DOC = "bazhong-biomedicine-action-plan-2022-2025-draft"
GB_DOC = "bazhong-tcm-integration-opinions-draft"

# A unit name ends with one of these; a cell fragment that does not was broken by the
# converter inside a word (市经济和信 / 息化局) and is joined to the next fragment.
_UNIT_END = tuple("局委办区县心会团位府室院所协处部厅站队）)。；单—")


# -- reading the .txt -----------------------------------------------------------------------

@dataclass
class Table:
    header: list[str]
    rows: list[list[list[str]]]          # row -> cell -> paragraphs


@dataclass
class Box:
    paragraphs: list[str]


@dataclass
class Doc:
    stem: str
    blocks: list = field(default_factory=list)     # str (paragraph) | Table | Box


def read_corpus(path: Path) -> Doc:
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = Doc(path.stem)
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("\t") and i + 1 < len(lines) and lines[i + 1].startswith("\t"):
            table, i = _read_table(lines, i)
            doc.blocks.append(table)
            continue
        if line.startswith("\t") and line.strip().startswith("专栏"):
            box, i = _read_box(lines, i)
            doc.blocks.append(box)
            continue
        if line.strip():
            doc.blocks.append(line.rstrip())
        i += 1
    return doc


def _read_table(lines: list[str], i: int) -> tuple[Table, int]:
    header = []
    while i < len(lines) and lines[i].startswith("\t"):
        header.append(lines[i].strip())
        i += 1
    rows: list[list[list[str]]] = []
    current = None
    blank = True
    while i < len(lines):
        line = lines[i]
        if not line.strip() and not line.startswith("\t"):
            blank = True
            i += 1
            continue
        if line.startswith("\t"):
            if blank or current is None:
                current = []
                rows.append(current)
            current.append([line.strip()] if line.strip() else [])
        elif current is not None and not (blank and ("。" in line or len(line) > 30)):
            current[-1].append(line.strip())
        else:
            break
        blank = False
        i += 1
    return Table(header, [[_join_fragments(c, col) for col, c in enumerate(r)] for r in rows]), i


def _join_fragments(fragments: list[str], column: int) -> list[str]:
    """Cell text as paragraphs: fragments broken inside a word are joined back."""
    out: list[str] = []
    for frag in fragments:
        if out and (column == 1 or not out[-1].endswith(_UNIT_END)):
            out[-1] += frag
        else:
            out.append(frag)
    return out


def _read_box(lines: list[str], i: int) -> tuple[Box, int]:
    paragraphs = [lines[i].strip()]
    i += 1
    label = re.compile(r"^\s*(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\t)")
    while i < len(lines) and not label.match(lines[i]):
        if lines[i].strip():
            paragraphs.append(lines[i].strip())
        i += 1
    return Box(paragraphs), i


def table_grid(table: Table) -> list[list[tuple[str, int, bool]]]:
    """Rows of (text, column span, continues the merged 类别 cell above)."""
    width = len(table.header)
    grid = []
    for row in table.rows:
        cells = ["\n".join(c) for c in row]
        spans = [1] * len(cells)
        if len(cells) < width and cells[3].startswith("参照"):     # 参照… spans both unit columns
            spans[3] += width - len(cells)
        elif len(cells) < width:                 # the last row lost its empty 备注 cell
            cells += [""] * (width - len(cells))
            spans += [1] * (width - len(spans))
        out = []
        for col, (text, span) in enumerate(zip(cells, spans)):
            merged = col == 1 and not text and bool(grid)
            out.append((text, span, merged))
        grid.append(out)
    return grid


# -- DOCX -------------------------------------------------------------------------------------

LABELS = [
    (0, re.compile(r"^([一二三四五六七八九十]{1,3})、"), "chineseCounting", "%1、"),
    (1, re.compile(r"^（([一二三四五六七八九十]{1,3})）"), "chineseCounting", "（%2）"),
    (2, re.compile(r"^(\d{1,2})．"), "decimal", "%3．"),
]
_CN = {c: i + 1 for i, c in enumerate("一二三四五六七八九")}


def _cn_value(text: str) -> int:
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN[text[1]]
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _CN[tens] * 10 + (_CN[ones] if ones else 0)
    return _CN[text]


def write_docx(doc: Doc, path: Path, numbered: bool) -> None:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    d = docx.Document()
    d.core_properties.author = "policykg fixtures"
    normal = d.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(12)
    numbering = _Numbering(d) if numbered else None
    first = True
    for block in doc.blocks:
        if isinstance(block, str):
            text = block
            if numbering is not None:
                text = numbering.paragraph(d, text)
            else:
                d.add_paragraph(text)
            if first:
                d.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                first = False
        elif isinstance(block, Box):
            table = d.add_table(rows=1, cols=1)
            table.style = "Table Grid"
            cell = table.cell(0, 0)
            cell.paragraphs[0].text = block.paragraphs[0]
            for para in block.paragraphs[1:]:
                cell.add_paragraph(para)
        else:
            _docx_table(d, block, qn, OxmlElement)
    d.save(path)


def _docx_table(d, block: Table, qn, OxmlElement) -> None:
    grid = table_grid(block)
    table = d.add_table(rows=1 + len(grid), cols=len(block.header))
    table.style = "Table Grid"
    for col, head in enumerate(block.header):
        table.cell(0, col).text = head
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))
    for r, row in enumerate(grid, start=1):
        col = 0
        for text, span, merged in row:
            cell = table.cell(r, col)
            if span > 1:
                cell = cell.merge(table.cell(r, col + span - 1))
            paragraphs = text.split("\n") if text else [""]
            cell.paragraphs[0].text = paragraphs[0]
            for para in paragraphs[1:]:
                cell.add_paragraph(para)
            col += span
    # 类别: a run of blank cells continues the merged cell above (w:vMerge).
    for r, row in enumerate(grid, start=1):
        text, span, merged = row[1]
        tc_pr = table.cell(r, 1)._tc.get_or_add_tcPr()
        below = grid[r][1][2] if r < len(grid) else False
        if merged:
            tc_pr.append(OxmlElement("w:vMerge"))
        elif below:
            vm = OxmlElement("w:vMerge")
            vm.set(qn("w:val"), "restart")
            tc_pr.append(vm)


class _Numbering:
    """One abstract list with three levels (一、 / （一） / 1．); a w:num per restart."""

    def __init__(self, d):
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls
        self.part = d.part.numbering_part
        self.root = self.part.element
        levels = "".join(
            f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            + ('<w:lvlRestart w:val="1"/>' if ilvl == 2 else "")
            + f'<w:suff w:val="nothing"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
            for ilvl, _, fmt, text in LABELS)
        self.abstract = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
                                  f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>')
        first_num = self.root.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num")
        if first_num is not None:
            first_num.addprevious(self.abstract)
        else:
            self.root.append(self.abstract)
        self.parse_xml, self.nsdecls = parse_xml, nsdecls
        self.next_id = 90
        self.num_id = self._new_num({})
        self.counters = [0, 0, 0]

    def _new_num(self, overrides: dict[int, int]) -> int:
        self.next_id += 1
        body = "".join(f'<w:lvlOverride w:ilvl="{lvl}"><w:startOverride w:val="{start}"/></w:lvlOverride>'
                       for lvl, start in overrides.items())
        self.root.append(self.parse_xml(f'<w:num {self.nsdecls("w")} w:numId="{self.next_id}">'
                                        f'<w:abstractNumId w:val="90"/>{body}</w:num>'))
        return self.next_id

    def paragraph(self, d, text: str) -> str:
        for ilvl, pattern, fmt, _ in LABELS:
            match = pattern.match(text)
            if not match:
                continue
            value = int(match.group(1)) if fmt == "decimal" else _cn_value(match.group(1))
            expected = self.counters[ilvl] + 1
            if value != expected:              # the text restarts or skips: a new list instance
                self.num_id = self._new_num({ilvl: value})
            self.counters[ilvl] = value
            for deeper in range(ilvl + 1, 3):
                if deeper != 2 or ilvl == 0:   # 1． restarts under 一、 only (w:lvlRestart 1)
                    self.counters[deeper] = 0
            para = d.add_paragraph(text[match.end():])
            p_pr = para._p.get_or_add_pPr()
            p_pr.append(self.parse_xml(
                f'<w:numPr {self.nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{self.num_id}"/></w:numPr>'))
            return text
        d.add_paragraph(text)
        return text


# -- HTML -------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta {charset}>
<title>{title}_政策文件_巴中市人民政府</title>
<meta name="keywords" content="生物医药,政策文件,巴中">
<link rel="stylesheet" href="/images/style.css">
<style>.nav li{{float:left}} .main{{width:1200px}} #zoom p{{text-indent:2em}}</style>
<script>var _hmt = _hmt || []; var siteName = "巴中市人民政府门户网站"; document.write("欢迎访问巴中市人民政府网站，今天是星期一");</script>
</head>
<body>
<div class="top-bar"><div class="w1200"><span>欢迎访问巴中市人民政府门户网站！</span>
<a href="/wza/">无障碍</a> <a href="/yhzx/">用户中心</a> <a href="/en/">English</a> <a href="/ft/">繁體</a></div></div>
<div class="header"><div class="logo"><a href="/"><img src="/images/logo.png" alt="巴中市人民政府"></a></div>
<div class="search"><form action="/search"><input type="text" name="q" value="请输入关键词"><button>搜索</button></form></div></div>
<div class="nav"><ul>
<li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/zjbz/">走进巴中</a></li><li><a href="/ztzl/">专题专栏</a></li></ul></div>
<div class="main w1200">
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/zcwj/">政策文件</a> &gt; 征求意见</div>
<div class="main-left">
<div class="side-box"><h3>政务公开</h3><ul>
<li><a href="/zwgk/zcwj/">政策文件</a></li><li><a href="/zwgk/zcjd/">政策解读</a></li>
<li><a href="/zwgk/ghjh/">规划计划</a></li><li><a href="/zwgk/czzj/">财政资金</a></li>
<li><a href="/zwgk/rsxx/">人事信息</a></li><li><a href="/zwgk/jytabl/">建议提案办理</a></li></ul></div>
<div class="side-box hot"><h3>热点信息</h3><ul>
<li><a href="/a/1.html">巴中市召开全市生物医药产业发展推进会议部署下一阶段重点工作任务</a></li>
<li><a href="/a/2.html">市政府常务会议研究中医药产业融合发展和招大引强工作有关事项</a></li>
<li><a href="/a/3.html">我市举办秦巴中药材产业发展论坛暨招商引资项目集中签约活动</a></li>
<li><a href="/a/4.html">关于公开征求《巴中市中药材产业发展规划》意见建议的公告</a></li></ul></div>
</div>
<div class="main-right">
<div class="article">
<h1 class="article-title">{title}</h1>
<div class="article-info"><span>发布时间：2023-03-15 10:30</span><span>来源：巴中市经济和信息化局</span>
<span>浏览次数：1024</span><span class="font-size">字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></span></div>
<div id="zoom" class="TRS_Editor">
{content}
</div>
<div class="bdsharebuttonbox share"><span>分享到：</span><a href="#" class="bds_weixin">微信</a>
<a href="#" class="bds_tsina">新浪微博</a><a href="#" class="bds_qzone">QQ空间</a></div>
<div class="print-close"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="related"><h3>相关链接</h3><ul>
<li><a href="/a/5.html">巴中市人民政府办公室关于进一步优化营商环境的实施意见</a></li>
<li><a href="/a/6.html">巴中市促进中医药传承创新发展的若干措施政策解读</a></li></ul></div>
</div>
</div>
</div>
<div class="footer"><div class="w1200">
<p><a href="/gywm/">关于我们</a> | <a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a></p>
<p>主办：巴中市人民政府办公室　承办：巴中市大数据中心</p>
<p>网站标识码：5119000001　<a href="https://beian.miit.gov.cn/">蜀ICP备12012345号</a>　川公网安备 51190202000123号</p>
</div></div>
<script src="/js/jquery.min.js"></script>
<script>$(function(){{ $(".nav li").hover(function(){{ $(this).addClass("on"); }}); }});</script>
</body>
</html>
"""


def write_html(doc: Doc, path: Path, encoding: str = "utf-8") -> None:
    title = next(b for b in doc.blocks if isinstance(b, str))
    content = []
    for block in doc.blocks:
        if isinstance(block, str):
            content.append(f"<p>{html.escape(block.strip())}</p>")
        elif isinstance(block, Box):
            inner = "".join(f"<p>{html.escape(p)}</p>" for p in block.paragraphs)
            content.append(f'<table class="zl" border="1"><tr><td>{inner}</td></tr></table>')
        else:
            content.append(_html_table(block))
    charset = ('charset="utf-8"' if encoding == "utf-8"
               else 'http-equiv="Content-Type" content="text/html; charset=gb2312"')
    page = PAGE.format(charset=charset, title=html.escape(title.strip()), content="\n".join(content))
    path.write_bytes(page.encode(encoding))


def _html_table(block: Table) -> str:
    grid = table_grid(block)
    out = ['<table border="1" cellspacing="0" cellpadding="0" class="MsoTableGrid">',
           "<tr>" + "".join(f"<th><p>{html.escape(h)}</p></th>" for h in block.header) + "</tr>"]
    for r, row in enumerate(grid):
        cells = []
        for col, (text, span, merged) in enumerate(row):
            if merged:
                continue
            attrs = f' colspan="{span}"' if span > 1 else ""
            if col == 1:
                down = 1
                while r + down < len(grid) and grid[r + down][1][2]:
                    down += 1
                attrs += f' rowspan="{down}"' if down > 1 else ""
            paras = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n")) if text else ""
            cells.append(f"<td{attrs}>{paras}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


# -- PDF --------------------------------------------------------------------------------------

def write_pdf(doc: Doc, path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table as RLTable, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=11, leading=17,
                          firstLineIndent=22, wordWrap="CJK", spaceAfter=2)
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=22, alignment=1, firstLineIndent=0)
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=9, leading=12, wordWrap="CJK")
    running = "巴中市人民政府规范性文件（征求意见稿）" if "draft" in doc.stem else "重庆市经济和信息化委员会文件"

    def furniture(canvas, template):
        canvas.saveState()
        canvas.setFont("STSong-Light", 9)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 15 * mm, running)
        canvas.line(25 * mm, A4[1] - 17 * mm, A4[0] - 25 * mm, A4[1] - 17 * mm)
        canvas.drawCentredString(A4[0] / 2, 12 * mm, f"— {canvas.getPageNumber()} —")
        canvas.restoreState()

    story = []
    heads = 0
    for block in doc.blocks:
        if isinstance(block, str):
            text = html.escape(block.strip())
            is_head = heads < 2 and len(block.strip()) < 40 and "。" not in block
            heads += 1
            story.append(Paragraph(text, title if is_head else body))
        elif isinstance(block, Box):
            for para in block.paragraphs:
                story.append(Paragraph(html.escape(para), body))
        else:
            story.append(_pdf_table(block, cell, RLTable, TableStyle, colors, Paragraph))
    pdf = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm,
                            topMargin=25 * mm, bottomMargin=22 * mm, title=doc.stem,
                            author="policykg fixtures", invariant=1)
    pdf.build(story, onFirstPage=furniture, onLaterPages=furniture)


def _pdf_table(block: Table, style, RLTable, TableStyle, colors, Paragraph):
    grid = table_grid(block)
    widths = [30, 50, 170, 80, 80, 30]
    data = [[Paragraph(html.escape(h), style) for h in block.header]]
    spans = []
    for r, row in enumerate(grid, start=1):
        cells, col = [], 0
        for text, span, merged in row:
            cells.append(Paragraph("<br/>".join(html.escape(p) for p in text.split("\n")), style))
            if span > 1:
                cells += [""] * (span - 1)
                spans.append(("SPAN", (col, r), (col + span - 1, r)))
            col += span
        data.append(cells)
    table = RLTable(data, colWidths=widths, repeatRows=1, splitByRow=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")] + spans))
    return table


# -- XLSX -------------------------------------------------------------------------------------

def write_xlsx(doc: Doc, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    table = next(b for b in doc.blocks if isinstance(b, Table))
    title = next(b for b in doc.blocks[doc.blocks.index(table) - 1::-1] if isinstance(b, str))
    wb = Workbook()
    ws = wb.active
    ws.title = "附件1"
    width = len(table.header)
    ws.cell(1, 1, title.strip())
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for col, head in enumerate(table.header, start=1):
        ws.cell(2, col, head)
    grid = table_grid(table)
    for r, row in enumerate(grid, start=3):
        col = 1
        for text, span, merged in row:
            if text:
                value = int(text) if text.isdigit() else text
                ws.cell(r, col, value).alignment = Alignment(wrap_text=True, vertical="center")
            if span > 1:
                ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + span - 1)
            col += span
    r = 0
    while r < len(grid):                                    # 类别 merged over its blank cells
        down = 1
        while r + down < len(grid) and grid[r + down][1][2]:
            down += 1
        if down > 1:
            ws.merge_cells(start_row=r + 3, start_column=2, end_row=r + 2 + down, end_column=2)
        r += down
    for letter, w in zip("ABCDEF", (6, 12, 60, 22, 22, 8)):
        ws.column_dimensions[letter].width = w
    wb.properties.creator = "policykg fixtures"
    wb.save(path)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(CORPUS.glob("*.txt")):
        doc = read_corpus(path)
        write_docx(doc, out / f"{doc.stem}.docx", numbered=doc.stem == NUMBERED_DOC)
        write_html(doc, out / f"{doc.stem}.html")
        write_pdf(doc, out / f"{doc.stem}.pdf")
        if doc.stem == TABLE_DOC:
            write_xlsx(doc, out / f"{doc.stem}.xlsx")
        if doc.stem == GB_DOC:
            (out / f"{doc.stem}.gb18030.txt").write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
            write_html(doc, out / f"{doc.stem}.gb18030.html", encoding="gb18030")
    total = 0
    for f in sorted(out.iterdir()):
        total += f.stat().st_size
        print(f"{f.stat().st_size:>8}  {f.name}")
    print(f"{total:>8}  total")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
