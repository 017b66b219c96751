"""`policykg name-en` through the real argument parser."""
from policykg.cli import main


def test_one_name_from_the_gazetteer(capsys):
    assert main(["name-en", "市发展改革委", "--city", "巴中市"]) == 0
    assert capsys.readouterr().out.splitlines() == ["Municipal Development and Reform Commission", "gazetteer"]


def test_one_derived_name(capsys):
    assert main(["name-en", "杭州市卫生健康委员会"]) == 0
    assert capsys.readouterr().out.splitlines() == ["Hangzhou Municipal Health Commission", "derived"]


def test_a_list_of_names(tmp_path, capsys):
    path = tmp_path / "names.txt"
    path.write_text("东阿县\n\n成都市财政局\n", encoding="utf-8")
    assert main(["name-en", "--tsv", str(path), "--city", "聊城市"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "东阿县\tDong'e County\tgazetteer", "成都市财政局\tChengdu Municipal Bureau of Finance\tderived"]


def test_errors_are_one_line(tmp_path, capsys):
    assert main(["name-en", "--tsv", str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and len(err.strip().splitlines()) == 1
    assert main(["name-en", "  "]) == 2
    assert "empty unit name" in capsys.readouterr().err
    assert main(["name-en"]) == 2
