"""`policykg serve` arguments: token from the flag or the environment, refusals in one line."""
import pytest

from policykg.cli import build_parser, main


def test_token_from_environment(monkeypatch):
    monkeypatch.setenv("POLICYKG_UPDATE_TOKEN", "from-env")
    args = build_parser().parse_args(["serve"])
    assert args.update_token == "from-env" and args.host == "127.0.0.1" and args.port == 8000
    assert build_parser().parse_args(["serve", "--update-token", "flag"]).update_token == "flag"


def test_no_token_means_none(monkeypatch):
    monkeypatch.delenv("POLICYKG_UPDATE_TOKEN", raising=False)
    assert build_parser().parse_args(["serve"]).update_token is None


def test_store_and_endpoint_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--store", "d", "--endpoint", "http://x/sparql"])


@pytest.mark.parametrize("argv, message", [
    (["serve", "--max-rows", "0"], "must be positive"),
    (["serve", "--keep-alive", "0"], "--keep-alive must be positive"),
    (["serve", "--query-workers", "-1"], "--query-workers must be 0 or more"),
    (["serve", "--endpoint", "http://127.0.0.1:9/sparql", "--ingest", "corpus"], "--ingest"),
])
def test_refusals_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
