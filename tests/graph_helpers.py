"""Shared builders for the graph-stage tests: hand-made Documents and a loaded corpus store."""
from __future__ import annotations

from decimal import Decimal

from policykg.ingest.models import Deadline, Document, DocumentMeta, Provision, Target, UnitMention


def mention(name, start=0, kind="unit", surface=None):
    return UnitMention(name=name, surface=surface or name, start=start, end=start + len(name), kind=kind)


def make_document(doc_id="test-2024-measures", city="巴中市", issuers=(), provisions=None, **meta):
    text = "测" * 400
    meta = DocumentMeta(id=doc_id, title=meta.pop("title", "测试措施"), city=city, province=meta.pop("province", "四川省"),
                        status=meta.pop("status", "draft"), issuers=list(issuers), doc_type=meta.pop("doc_type", "措施"),
                        source=f"/somewhere/{doc_id}.txt", sha256="0" * 64, **meta)
    return Document(meta=meta, text=text, provisions=provisions or [])


def provision(pid, start, end, heading=None, lead=(), responsible=(), deadlines=(), targets=(), parent=None, kind="item"):
    return Provision(id=pid, label=pid.rsplit("/", 1)[-1], heading=heading, start=start, end=end, kind=kind,
                     parent=parent, lead_units=list(lead), responsible_units=list(responsible),
                     deadlines=list(deadlines), targets=list(targets))


def target(metric, value, unit="个", comparator="=", year=None, start=10):
    value = tuple(Decimal(v) for v in value) if isinstance(value, tuple) else Decimal(value)
    return Target(text=metric, metric=metric, value=value, unit=unit, comparator=comparator,
                  start=start, end=start + len(metric), year=year)


def deadline(date, kind="by", text="到2025年", start=5):
    return Deadline(text=text, date=date, kind=kind, start=start, end=start + len(text))
