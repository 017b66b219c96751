"""The spaCy view of a document: a blank `zh` pipeline with the jieba segmenter.

The gazetteer feeds both layers: its names join jieba's dictionary (so 市经济和信息化局 is
one token, not 市/经济/和/信息化/局) and an EntityRuler labels them GOV_UNIT with the
canonical name as entity id. Extraction itself works on characters (a unit boundary is
not always a jieba boundary); `annotate` carries its facts onto the spaCy Doc as span
groups (provision, lead, responsible, deadline, target), so spaCy tools (displaCy, DocBin,
Matcher) can be used on the results. `tokens` is the shared word segmenter for search and
the draft checker.
"""
from __future__ import annotations

from functools import lru_cache

from policykg.ingest.gazetteer import load_gazetteer
from policykg.ingest.models import Document


@lru_cache(maxsize=1)
def segmenter():
    """A private jieba.Tokenizer that knows every gazetteer name (the global one is untouched)."""
    import jieba
    jieba.setLogLevel(60)
    tok = jieba.Tokenizer()
    for entry in load_gazetteer().units:
        for form in (entry.name, *entry.aliases):
            tok.add_word(form, freq=2000)
    return tok


def tokens(text: str) -> list[str]:
    """Words of `text` (jieba, gazetteer-aware), blanks dropped."""
    return [w for w in segmenter().cut(text, HMM=False) if w.strip()]


@lru_cache(maxsize=1)
def build_nlp():
    import spacy
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.tokenizer.jieba_seg = segmenter()
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    patterns, seen = [], set()
    for entry in load_gazetteer().units:
        for form in (entry.name, *entry.aliases):
            if (entry.city, form) not in seen:
                seen.add((entry.city, form))
                patterns.append({"label": "GOV_UNIT", "pattern": form, "id": f"{entry.city}/{entry.name}"})
    patterns += [{"label": "DATE", "pattern": [{"TEXT": {"REGEX": r"^\d{4}$"}}, {"TEXT": "年"}]},
                 {"label": "DATE", "pattern": [{"TEXT": {"REGEX": r"^\d{4}年(底|末)?$"}}]}]
    ruler.add_patterns(patterns)
    return nlp


def annotate(document: Document):
    """A spaCy Doc of the document's text with the extracted facts as span groups."""
    nlp = build_nlp()
    doc = nlp(document.text)
    groups: dict[str, list] = {"provision": [], "lead": [], "responsible": [], "deadline": [], "target": []}

    def add(group, start, end, label):
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            groups[group].append(span)

    for prov in document.provisions:
        add("provision", prov.start, prov.end, prov.id)
        for m in prov.lead_units:
            add("lead", m.start, m.end, m.name)
        for m in prov.responsible_units:
            add("responsible", m.start, m.end, m.name)
        for d in prov.deadlines:
            add("deadline", d.start, d.end, d.kind)
        for t in prov.targets:
            add("target", t.start, t.end, t.comparator)
    for name, spans in groups.items():
        doc.spans[name] = spans
    return doc
