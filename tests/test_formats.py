"""HTML, DOCX, PDF and XLSX read into the same text the pipeline reads from .txt.

Fixtures: tests/fixtures/formats/, written from corpus/*.txt by scripts/make_format_fixtures.py.
"""
import json
import re
import shutil
import tomllib
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import CORPUS, GOLD, ROOT
from policykg.cli import main
from policykg.errors import UserError
from policykg.ingest.evaluate import ROLES, score_document
from policykg.ingest.formats import locate, read_document, sniff
from policykg.ingest.pipeline import extract_file

FIXTURES = ROOT / "tests" / "fixtures" / "formats"
TABLE_DOC = "bazhong-biomedicine-investment-eight-measures-draft"
NUMBERED_DOC = "bazhong-biomedicine-action-plan-2022-2025-draft"
FORMATTED = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".docx", ".html", ".pdf", ".xlsx")
                   or p.name.endswith(".gb18030.txt"))

needs_gold = pytest.mark.skipif(not GOLD.exists(), reason=f"gold annotations not found at {GOLD}")


def _stem(path: Path) -> str:
    return path.name.split(".")[0]


@lru_cache(maxsize=None)
def _gold(stem: str, table_only: bool = False) -> dict:
    with (CORPUS / "manifest.toml").open("rb") as fh:
        original = {d["file"][:-4]: d["original"] for d in tomllib.load(fh)["document"]}[stem]
    gold = json.loads((GOLD / original.replace(".txt", ".json")).read_text(encoding="utf-8"))
    if table_only:        # the XLSX holds the task table only
        gold = {**gold, "provisions": [p for p in gold["provisions"] if p["id"].startswith("附件1/")]}
    return gold


@lru_cache(maxsize=None)
def _extract(path: Path):
    return extract_file(path)


def _f1(doc, gold) -> dict:
    result = score_document(doc, gold)
    return {role: result.scores[role].f1 for role in ROLES} | {"located": result.located,
                                                               "of": result.gold_provisions}


# -- extraction quality: each format as good as the .txt ------------------------------------

@needs_gold
@pytest.mark.parametrize("path", FORMATTED, ids=lambda p: p.name)
def test_each_format_extracts_as_well_as_the_txt(path):
    table_only = path.suffix == ".xlsx"
    gold = _gold(_stem(path), table_only)
    baseline = _f1(_extract(CORPUS / f"{_stem(path)}.txt"), gold)
    doc = _extract(path)
    got = _f1(doc, gold)
    assert got["located"] == got["of"] == baseline["located"], got
    for role in ROLES:
        assert got[role] >= baseline[role] - 0.02, f"{path.name} {role}: {got[role]:.3f} vs txt {baseline[role]:.3f}"
    expected = "txt" if path.suffix == ".txt" else path.suffix[1:]
    assert doc.meta.format == expected and doc.meta.title is not None


def test_docx_numbering_is_rendered_as_displayed():
    """The action plan's 一、 （一） 1． are Word list numbering, not text; read back they are
    the .txt lines exactly, restarts (1． under a new 一、) and continuations (4． after （二）) included."""
    path = FIXTURES / f"{NUMBERED_DOC}.docx"
    with zipfile.ZipFile(path) as zf:
        body = zf.read("word/document.xml").decode()
    assert body.count("<w:numPr>") > 30 and "1．抓实中药材种植" not in body
    txt = [l.strip() for l in (CORPUS / f"{NUMBERED_DOC}.txt").read_text(encoding="utf-8").splitlines() if l.strip()]
    got = [l.strip() for l in read_document(path).text.splitlines() if l.strip()]
    assert got == txt


def test_docx_table_is_a_real_table_with_merged_cells_carried_down():
    path = FIXTURES / f"{TABLE_DOC}.docx"
    with zipfile.ZipFile(path) as zf:
        body = zf.read("word/document.xml").decode()
    assert "<w:tbl>" in body and 'w:vMerge w:val="restart"' in body and "<w:gridSpan" in body
    doc = _extract(path)
    rows = {p.id: p for p in doc.provisions if p.kind == "table_row"}
    assert rows["附件1/5"].cells.get("category") == "做实优势基础"           # merged from row 2
    assert rows["附件1/21-2"].cells.get("category") == "创新金融服务"
    assert rows["附件1/2"].refers_to and not rows["附件1/2"].lead_units     # 参照… spans two columns
    assert [m.name for m in rows["附件1/11"].lead_units] == ["市经济和信息化局"]


def test_html_page_furniture_is_left_out():
    for path in FIXTURES.glob("*.html"):
        text = read_document(path).text
        for furniture in ("当前位置", "网站标识码", "ICP备", "分享到", "热点信息", "互动交流", "走进巴中", "欢迎访问",
                          "打印本页", "相关链接", "浏览次数", "siteName", "政策解读"):
            assert furniture not in text, (path.name, furniture)
    doc = _extract(FIXTURES / f"{TABLE_DOC}.html")
    assert sum(1 for p in doc.provisions if p.kind == "table_row") == 25


def test_gb18030_sources_are_detected_and_named():
    html = _extract(FIXTURES / "bazhong-tcm-integration-opinions-draft.gb18030.html")
    txt = _extract(FIXTURES / "bazhong-tcm-integration-opinions-draft.gb18030.txt")
    assert html.meta.encoding == "gb18030" and txt.meta.encoding == "gb18030"
    assert html.meta.title == txt.meta.title == "关于加快推进中医药产业融合发展的意见"


def test_pdf_paragraphs_are_rejoined_and_running_heads_dropped():
    for stem in (TABLE_DOC, "chongqing-biomedicine-14th-five-year-plan"):
        text = read_document(FIXTURES / f"{stem}.pdf").text
        assert "规范性文件" not in text and "经济和信息化委员会文件" not in text
        assert not re.search(r"^— \d+ —$", text, re.M)
        lines = {re.sub(r"\s+", "", l) for l in text.splitlines()}
        source = (CORPUS / f"{stem}.txt").read_text(encoding="utf-8").splitlines()
        long_paragraphs = [re.sub(r"\s+", "", l) for l in source if len(l) > 60 and not l.startswith("\t")]
        assert long_paragraphs and all(p in lines for p in long_paragraphs)


# -- spans map back to the source -----------------------------------------------------------

def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


class _Resolver:
    """The text of the element/page region/cell a source-map location names."""

    def __init__(self, path: Path):
        self.path = path
        suffix = path.suffix
        if suffix == ".html":
            from selectolax.lexbor import LexborHTMLParser
            from policykg.ingest.formats.html_reader import decode_html
            self.tree = LexborHTMLParser(decode_html(path.read_bytes(), path.name)[0])
        elif suffix == ".docx":
            import docx
            self.docx = docx.Document(str(path))
        elif suffix == ".pdf":
            import pdfplumber
            self.pdf = pdfplumber.open(str(path))
        elif suffix == ".xlsx":
            import openpyxl
            self.wb = openpyxl.load_workbook(str(path))

    def text(self, location: str) -> str:
        if self.path.suffix == ".html":
            node = self.tree.css_first(location)
            return node.text() if node is not None else ""
        if self.path.suffix == ".docx":
            match = re.fullmatch(r"p\[(\d+)\]", location)
            if match:
                return self.docx.paragraphs[int(match.group(1)) - 1].text
            t, r, c = map(int, re.fullmatch(r"tbl\[(\d+)\]/tr\[(\d+)\]/tc\[(\d+)\]", location).groups())
            return self.docx.tables[t - 1].cell(r - 1, c - 1).text
        if self.path.suffix == ".pdf":
            match = re.match(r"page (\d+) .*\(([\d.]+),([\d.]+),([\d.]+),([\d.]+)\)$", location)
            page = self.pdf.pages[int(match.group(1)) - 1]
            x0, top, x1, bottom = (float(v) for v in match.groups()[1:])
            return page.within_bbox((x0 - 1, top - 1, x1 + 1, bottom + 1)).extract_text()
        sheet, _, coord = location.partition("!")
        return str(self.wb[sheet][coord].value or "")


@pytest.mark.parametrize("path", [p for p in FORMATTED if p.suffix != ".txt"], ids=lambda p: p.name)
def test_facts_map_back_to_where_they_were_read(path):
    doc = _extract(path)
    refs = doc.source_map
    assert refs and all(a.end <= b.start for a, b in zip(refs, refs[1:]))
    resolver = _Resolver(path)
    facts = [(f.start, f.end) for p in doc.provisions for f in p.targets + p.deadlines + p.lead_units]
    assert len(facts) > 3
    for start, end in facts:
        ref = locate(refs, start)
        assert ref is not None and ref.start <= start < ref.end, (path.name, start)
        piece = _squash(doc.text[start:min(end, ref.end)])
        assert piece and piece in _squash(resolver.text(ref.location)), (path.name, ref.location, piece)


# -- sniffing by content --------------------------------------------------------------------

def test_format_is_sniffed_from_content_not_extension(tmp_path):
    for source, fmt in ((f"{TABLE_DOC}.docx", "docx"), (f"{TABLE_DOC}.html", "html"),
                        (f"{TABLE_DOC}.pdf", "pdf"), (f"{TABLE_DOC}.xlsx", "xlsx")):
        raw = (FIXTURES / source).read_bytes()
        assert sniff(raw, source) == fmt
        renamed = tmp_path / f"renamed-{fmt}.txt"
        renamed.write_bytes(raw)
        doc = extract_file(renamed)
        original = _extract(FIXTURES / source)
        assert doc.meta.format == fmt and doc.text == original.text
        assert [p.id for p in doc.provisions] == [p.id for p in original.provisions]
    assert sniff("一、总则\n（一）目标。".encode("utf-8")) == "txt"
    assert sniff(b"\xef\xbb\xbf  <!DOCTYPE html><html><body><p>x</p></body></html>") == "html"


# -- hostile input ----------------------------------------------------------------------------

def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


_WORD_TYPES = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
               b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
               b'wordprocessingml.document.main+xml"/></Types>')


def _encrypted_pdf(path: Path) -> Path:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    c.setFont("STSong-Light", 12)
    c.drawString(72, 700, "一、总体要求。到2025年，产值超200亿元。")
    c.save()
    return path


def _scanned_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path))
    for i in range(40):                       # an "image" of text: strokes, no text layer
        c.rect(72, 750 - i * 15, 400 - (i % 7) * 30, 8, fill=1)
    c.showPage()
    c.save()
    return path


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _WORD_TYPES)
        zf.writestr("word/document.xml", b"<w:document/>")
        with zf.open("word/media/image1.png", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(120):
                member.write(chunk)
    return path


def _huge_html(path: Path) -> Path:
    with path.open("wb") as fh:               # sparse: 100 MB on paper, nothing on disk
        fh.write(b"<!DOCTYPE html><html><body><p>")
        fh.seek(100 * 1024 * 1024)
        fh.write(b"</p></body></html>")
    return path


HOSTILE = {
    "zip-of-something-else.docx": (lambda p: _zip(p, {"notes.txt": b"hello", "a/b.xml": b"<x/>"}), "not a Word"),
    "word-without-body.docx": (lambda p: _zip(p, {"[Content_Types].xml": _WORD_TYPES}), "Word"),
    "truncated.docx": (lambda p: p.write_bytes((FIXTURES / f"{TABLE_DOC}.docx").read_bytes()[:9000]) and p, "ZIP"),
    "zip-bomb.docx": (_zip_bomb, "zip bomb"),
    "encrypted.pdf": (_encrypted_pdf, "encrypted PDF"),
    "scanned.pdf": (_scanned_pdf, "no text layer (scanned PDF?)"),
    "garbage.pdf": (lambda p: p.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8) and p, "PDF"),
    "huge.html": (_huge_html, "more than the 20 MB"),
    "bad.xlsx": (lambda p: _zip(p, {"[Content_Types].xml": _WORD_TYPES.replace(
        b"wordprocessingml.document", b"spreadsheetml.sheet")}), "xlsx"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_get_one_line_errors(tmp_path, capsys, name):
    make, needle = HOSTILE[name]
    path = make(tmp_path / name)
    with pytest.raises(UserError) as info:
        extract_file(path)
    message = str(info.value)
    assert str(path) in message and needle.lower() in message.lower() and "\n" not in message
    capsys.readouterr()
    assert main(["extract", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert len(captured.err.strip().splitlines()) == 1 and str(path) in captured.err


# -- the command line over a mixed folder -------------------------------------------------------

def test_extract_a_mixed_folder_reports_each_file(tmp_path, capsys):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(CORPUS / "bazhong-tcm-integration-opinions-draft.txt", folder)
    for suffix in (".docx", ".html", ".pdf", ".xlsx"):
        shutil.copy(FIXTURES / f"{TABLE_DOC}{suffix}", folder)
    shutil.copy(FIXTURES / f"{NUMBERED_DOC}.docx", folder / "saved-as-text.txt")   # a .docx misnamed
    (folder / "notes.md").write_text("not a policy document", encoding="utf-8")
    assert main(["extract", str(folder), "--json"]) == 0
    captured = capsys.readouterr()
    docs = {Path(d["source"]).name: d for d in json.loads(captured.out)}
    assert set(docs) == {"bazhong-tcm-integration-opinions-draft.txt", "saved-as-text.txt",
                         *(f"{TABLE_DOC}{s}" for s in (".docx", ".html", ".pdf", ".xlsx"))}
    assert "text" not in docs["bazhong-tcm-integration-opinions-draft.txt"]
    assert docs["saved-as-text.txt"]["format"] == "docx"
    read_as = [l for l in captured.err.splitlines() if ": read as " in l]
    assert len(read_as) == 6 and any("saved-as-text.txt: read as DOCX" in l for l in read_as)
    assert any("read as plain text (utf-8)" in l for l in read_as)
    for name, doc in docs.items():
        if name.endswith(".txt") and "format" not in doc:
            continue
        text = doc["text"]
        assert doc["source_map"] and all(text[r["start"]:r["end"]].strip() for r in doc["source_map"])
        for p in doc["provisions"]:
            for t in p["targets"]:
                assert text[t["start"]:t["end"]] == t["text"]
            for d in p["deadlines"]:
                assert text[d["start"]:d["end"]] == d["text"]


def test_fixture_script_reproduces_the_committed_fixtures(tmp_path):
    """The committed fixtures are what the script writes (text-wise: libraries stamp times)."""
    import runpy
    script = runpy.run_path(str(ROOT / "scripts" / "make_format_fixtures.py"))
    doc = script["read_corpus"](CORPUS / f"{TABLE_DOC}.txt")
    script["write_docx"](doc, tmp_path / "a.docx", numbered=False)
    script["write_html"](doc, tmp_path / "a.html")
    assert read_document(tmp_path / "a.docx").text == read_document(FIXTURES / f"{TABLE_DOC}.docx").text
    assert (tmp_path / "a.html").read_bytes() == (FIXTURES / f"{TABLE_DOC}.html").read_bytes()
    assert sum(p.stat().st_size for p in FIXTURES.iterdir()) < 1_000_000


def test_word_number_formats_and_restarts():
    from lxml import etree
    from policykg.ingest.formats.numbering import Numbering, format_number
    assert [format_number(n, "chineseCounting") for n in (1, 10, 11, 20, 35)] == ["一", "十", "十一", "二十", "三十五"]
    assert [format_number(n, "chineseCountingThousand") for n in (10, 101, 110, 1234)] == ["十", "一百〇一", "一百一十", "一千二百三十四"]
    assert format_number(3, "ideographTraditional") == "丙" and format_number(2, "decimalEnclosedCircle") == "②"
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering = etree.fromstring(
        f'<w:numbering {ns}><w:abstractNum w:abstractNumId="1">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="ideographTraditional"/><w:lvlText w:val="（%2）"/><w:suff w:val="nothing"/></w:lvl>'
        '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        '</w:numbering>')
    numbers = Numbering(numbering, None)

    def p(num_id, ilvl):
        return etree.fromstring(f'<w:p {ns}><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/>'
                                '</w:numPr></w:pPr></w:p>')
    labels = [numbers.label(p(n, l)) for n, l in ((1, 0), (1, 1), (1, 1), (1, 0), (1, 1), (2, 0), (1, 0))]
    assert labels == ["一、", "（甲）", "（乙）", "二、", "（甲）", "一、", "二、"]
    assert numbers.label(etree.fromstring(f'<w:p {ns}/>')) == ""
