"""`policykg check-draft`: a draft checked against the corpus, as JSON or as a report."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from policykg.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("check-draft", help="find duties a draft duplicates or contradicts in the corpus")
    p.add_argument("file", type=Path, help="the draft (.txt)")
    p.add_argument("--city", help="the draft's city (default: read from the draft), e.g. 巴中市")
    p.add_argument("--corpus", type=Path, help="folder of corpus documents (default: the bundled corpus/)")
    p.add_argument("--json", action="store_true", help="JSON to stdout (default: a readable report)")
    p.set_defaults(func=run_check)


def run_check(args) -> int:
    from policykg.graph.drafts import check_draft, corpus_index
    from policykg.ingest.pipeline import extract_file
    if not args.file.is_file():
        raise UserError(f"{args.file}: no such file")
    index = corpus_index(args.corpus)
    draft = extract_file(args.file, {"city": args.city} if args.city else None)
    findings = check_draft(draft, index, city=args.city)
    result = check_json(str(args.file), findings)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        print(report(draft.text, result, index))
    return 0


def check_json(name: str, findings) -> dict:
    return {"draft": name, "findings": [f.to_json() for f in findings]}


def report(text: str, result: dict, index) -> str:
    sources = {d.meta.source: d.text for d in index.documents}
    findings = result["findings"]
    lines = [f"{result['draft']}: {len(findings)} finding(s)"]
    for f in findings:
        corpus_text = sources.get(f["corpus_source"], "")
        lines += ["",
                  f"[{f['kind']}] draft {f['draft_provision']} ↔ {f['corpus_source']} {f['corpus_provision']}"
                  f"  (score {f['score']:.2f})",
                  f"  draft:  {_excerpt(text, f['draft_start'], f['draft_end'])}",
                  f"  corpus: {_excerpt(corpus_text, f['corpus_start'], f['corpus_end'])}",
                  f"  {f['explanation_zh']}",
                  f"  {f['explanation_en']}"]
    return "\n".join(lines)


def _excerpt(text: str, start: int, end: int, limit: int = 60) -> str:
    piece = " ".join(text[start:end].split())
    return piece if len(piece) <= limit else piece[: limit - 1] + "…"
