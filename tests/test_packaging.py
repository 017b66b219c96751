"""Every data file the code reads at run time is covered by pyproject's package-data globs, so a
non-editable install (pip install ., a wheel) ships it. (Checked by building a wheel too, by hand:
pip wheel --no-deps -w /tmp/whl . and listing it.)"""
import tomllib
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
DATA = {"policykg.ontology": ("ontology", ["*.ttl", "*.tsv", "gazetteer/*", "patterns/*"]),
        "policykg.queries": ("queries", ["*.rq"]),
        "policykg.api": ("api", ["static/**/*", "templates/*.rq"])}


def test_package_data_globs_cover_every_data_file():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    globs = config["package-data"]
    for package, (folder, patterns) in DATA.items():
        files = [p.relative_to(ROOT / folder) for pat in patterns for p in (ROOT / folder).glob(pat) if p.is_file()]
        assert files, (folder, patterns)
        for rel in files:
            path = PurePosixPath(rel.as_posix())
            assert any(path.match(g) or (g.endswith("/**/*") and path.parts[0] == g.split("/")[0])
                       for g in globs[package]), (package, str(rel))
