"""Bad input gets one clear line naming the file, never a traceback."""
import zipfile

import pytest

from policykg.cli import main
from policykg.errors import DecodeError
from policykg.ingest.decode import decode_bytes
from policykg.ingest.pipeline import extract_file

SAMPLE = "巴中市生物医药产业行动方案\n（征求意见稿）\n一、目标\n（一）规模。到2025年，产值超200亿元。（牵头单位：市经信局）\n"


def test_gb18030_is_detected_and_decoded(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(SAMPLE.encode("gb18030"))
    doc = extract_file(path)
    assert doc.meta.encoding == "gb18030" and doc.provisions[-1].targets[0].unit == "亿元"


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"))
    assert extract_file(path).meta.title == "巴中市生物医药产业行动方案"


def test_big5_is_detected():
    text, encoding = decode_bytes("臺北市政府產業發展局推動生物醫藥產業發展計畫，到2025年完成。".encode("big5"))
    assert "產業" in text and "big5" in encoding.lower().replace("_", "")


@pytest.mark.parametrize("content,needle", [
    (b"PK\x03\x04" + b"\x00" * 20, "ZIP"),
    (b"%PDF-1.7\n", "PDF"),
    (b"\x00\x01\x02\x03binary", "binary"),
])
def test_binary_files_are_refused_with_a_reason(tmp_path, content, needle):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(DecodeError, match=needle):
        extract_file(path)


def test_zip_renamed_txt_through_the_cli(tmp_path, capsys):
    path = tmp_path / "renamed.txt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.xml", "<x/>")
    assert main(["extract", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_file(capsys):
    assert main(["extract", "/nonexistent/x.txt"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_empty_file_warns(tmp_path, capsys):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert main(["extract", str(path)]) == 0
    assert "empty document" in capsys.readouterr().err


def test_latin1_garbage_is_refused(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Ünïcödé ÿ garbage ".encode("latin-1") * 20)
    with pytest.raises(DecodeError, match="not UTF-8"):
        extract_file(path)


def test_control_characters_do_not_break_segmentation():
    from policykg.ingest.pipeline import extract_text
    doc = extract_text("一、目标\x0b\x0c\n（一）规模。\x1b到2025年，产值超200亿元。\n")
    assert any(p.targets for p in doc.provisions)


def test_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:           # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(DecodeError, match="50 MB"):
        extract_file(path)


def test_one_long_line_is_read():
    from policykg.ingest.pipeline import extract_text
    line = "（一）加强保障。到2025年，新增企业5家。（责任单位：市财政局）" * 2000
    doc = extract_text(line)
    assert doc.provisions and doc.provisions[0].deadlines
