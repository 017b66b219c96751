"""`policykg extract` and `policykg eval`: thin shells over pipeline and evaluate."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from policykg.errors import UserError
from policykg.ingest.models import Document, to_jsonable


def register(sub) -> None:
    p = sub.add_parser("extract", help="segment documents and extract duties, deadlines and targets")
    p.add_argument("files", nargs="+", type=Path,
                   help="policy documents or folders (.txt, .html, .docx, .pdf, .xlsx; read by content)")
    p.add_argument("--json", action="store_true", help="JSON to stdout (default: a readable summary)")
    p.add_argument("--city", help="city of documents not in the manifest (e.g. 巴中市)")
    p.add_argument("--title", help="title of a document not in the manifest")
    p.add_argument("--status", choices=["draft", "final"], help="override the status read from the text")
    p.add_argument("--nquads", type=Path, metavar="OUT",
                   help="write each document's named graph (the quads `ingest` stores) to OUT/*.nq, "
                        "plus OUT/ontology.nq, for a store's bulk loader")
    p.add_argument("--skip-shacl", action="store_true", help="with --nquads: do not validate graphs")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="with --nquads: N worker processes (0: one per core)")
    p.set_defaults(func=run_extract)

    e = sub.add_parser("eval", help="score extraction against gold annotations (P/R/F1)")
    e.add_argument("--gold", type=Path, required=True, help="folder of gold *.json files")
    e.add_argument("--sources", type=Path, required=True, help="folder of the annotated source texts")
    e.add_argument("--json", action="store_true", help="scores as JSON")
    e.add_argument("--verbose", "-v", action="store_true", help="list every difference")
    e.set_defaults(func=run_eval)


def run_extract(args) -> int:
    from policykg.ingest.pipeline import extract_file
    overrides = {"city": args.city, "title": args.title, "status": args.status}
    if args.nquads:
        return run_nquads(args, overrides)
    docs = [extract_file(path, overrides) for path in _files(args.files)]
    if args.json:
        json.dump([document_json(d) for d in docs], sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        for doc in docs:
            print(summary_line(doc))
    for doc in docs:
        print(read_as_line(doc), file=sys.stderr)
        for warning in doc.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return 0


def run_nquads(args, overrides: dict) -> int:
    """One N-Quads file per document, as `policykg ingest` would store it; a bad file is one
    line on stderr and the others go on (exit 1 if any failed)."""
    import os

    from policykg.graph.load import prepared, write_nquads, write_ontology_nquads
    if args.json:
        raise UserError("--nquads and --json: choose one")
    if args.jobs < 0:
        raise UserError("--jobs must be 0 (one per core) or more")
    files = _files(args.files)
    if args.nquads.exists() and not args.nquads.is_dir():
        raise UserError(f"{args.nquads}: not a folder")
    write_ontology_nquads(args.nquads)
    overrides = {k: v for k, v in overrides.items() if v} or None
    failed = quads = 0
    for path, item in zip(files, prepared(files, shacl=not args.skip_shacl, jobs=args.jobs or os.cpu_count() or 1,
                                          overrides=overrides)):
        if item.error:
            failed += 1
            print(f"policykg extract: {path}: {item.error} (no N-Quads written)", file=sys.stderr)
            continue
        out = write_nquads(args.nquads, item)
        quads += item.size
        print(f"{path}\t{out}\t{item.size} quads\t{item.graph}")
    print(f"documents: {len(files) - failed}  quads: {quads}  failed: {failed}  -> {args.nquads}", file=sys.stderr)
    return 1 if failed else 0


def read_as_line(doc: Document) -> str:
    """What was read: `a.docx: read as DOCX, 12,345 characters of text`."""
    from policykg.ingest.formats import FORMAT_NAMES
    fmt = getattr(doc.meta, "format", "txt")
    encoding = f" ({doc.meta.encoding})" if fmt in ("txt", "html") else ""
    return f"{doc.meta.source}: read as {FORMAT_NAMES.get(fmt, fmt)}{encoding}, {len(doc.text):,} characters of text"


def _files(paths: list[Path]) -> list[Path]:
    from policykg.ingest.formats import EXTENSIONS
    out = []
    for path in paths:
        if path.is_dir():
            # The extension picks the files of a folder; each is then read by its content.
            out += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS)
        elif not path.exists():
            raise UserError(f"{path}: no such file")
        else:
            out.append(path)
    return out


def summary_line(doc: Document) -> str:
    units = {m.name for p in doc.provisions for m in p.lead_units + p.responsible_units}
    return (f"{doc.meta.source}: {doc.meta.title or '(untitled)'} [{doc.meta.city or 'city?'}] "
            f"{len(doc.provisions)} provisions, {len(units)} units, "
            f"{sum(len(p.deadlines) for p in doc.provisions)} deadlines, "
            f"{sum(len(p.targets) for p in doc.provisions)} targets")


def document_json(doc: Document) -> dict:
    meta = doc.meta
    return to_jsonable({
        "source": meta.source,
        "document": {"id": meta.id, "title": meta.title, "title_en": meta.title_en, "city": meta.city,
                     "province": meta.province, "status": meta.status, "issuers": meta.issuers,
                     "issued": meta.issued, "period": list(meta.period) if meta.period else None,
                     "type": meta.doc_type, "valid_years": meta.valid_years, "encoding": meta.encoding,
                     "sha256": meta.sha256, "from_manifest": meta.from_manifest},
        "aliases": doc.aliases,
        "warnings": doc.warnings,
        "provisions": [provision_json(p) for p in doc.provisions],
        **_formatted_json(doc),
    })


def _formatted_json(doc: Document) -> dict:
    """For a source that is not plain text: the format, the extracted text that every
    start/end indexes, and the map from that text back to the source."""
    fmt = getattr(doc.meta, "format", "txt")
    if fmt == "txt":
        return {}
    return {"format": fmt, "text": doc.text,
            "source_map": [{"start": r.start, "end": r.end, "location": r.location} for r in doc.source_map]}


def provision_json(p) -> dict:
    unit = lambda m: {"name": m.name, "printed": m.surface, "start": m.start, "end": m.end,
                      "kind": m.kind, "in_gazetteer": m.known, "evidence": m.source}
    return {
        "id": p.id, "heading": p.heading, "start": p.start, "end": p.end, "kind": p.kind,
        "parent": p.parent,
        "lead_units": [m.name for m in p.lead_units],
        "responsible_units": [m.name for m in p.responsible_units],
        "unit_mentions": {"lead": [unit(m) for m in p.lead_units],
                          "responsible": [unit(m) for m in p.responsible_units]},
        "deadlines": [vars(d) for d in p.deadlines],
        "targets": [{**vars(t), "value": list(t.value) if isinstance(t.value, tuple) else t.value}
                    for t in p.targets],
        "refers_to": p.refers_to,
        **({"cells": p.cells} if p.cells else {}),
    }


def run_eval(args) -> int:
    from policykg.ingest.evaluate import evaluate, format_table, pooled
    results = evaluate(args.gold, args.sources)
    if args.json:
        total = pooled(results)
        print(json.dumps({role: {"precision": s.precision, "recall": s.recall, "f1": s.f1,
                                 "tp": s.tp, "fp": s.fp, "fn": s.fn} for role, s in total.items()}, indent=1))
    else:
        print(format_table(results))
    if args.verbose:
        for res in results:
            for miss in res.misses:
                print(f"{res.source} {miss}")
    return 0
