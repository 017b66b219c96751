"""Units, issuers and regions of one document's city: canonical IRIs and their labels.

Units are per city (巴中's 市科技局 and 聊城's 市科技局 are two IRIs). Labels: @zh from the
canonical name, @en from the gazetteer's name_en, else from the rule-based renderer in
policykg.ingest.english when that module is present, marked pkg:MachineDerived.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode

from policykg.graph import iris
from policykg.graph.namespaces import org, pkg, rdf, rdfs, skos
from policykg.ingest.gazetteer import REGION_TYPES, load_gazetteer
from policykg.ingest.models import UnitMention

REGION_CLASSES = {"city": "City", "municipality": "City", "district": "District",
                  "county": "County", "county_city": "County", "development_zone": "DevelopmentZone",
                  "new_area": "DevelopmentZone", "township": "Township", "province": "Province"}


@dataclass
class _Unit:
    name: str
    kind: str                                  # unit | region | collective
    forms: set[str] = field(default_factory=set)


class UnitResolver:
    def __init__(self, city: str | None, province: str | None, aliases: dict[str, str]):
        self.city = city or "unknown-city"
        self.province = province
        self.aliases = aliases
        self.gazetteer = load_gazetteer()
        self.units: dict[str, _Unit] = {}
        self.regions: set[str] = set()

    # --- IRIs ----------------------------------------------------------------------------
    def mention(self, m: UnitMention) -> str:
        return self._unit(m.name, m.kind, m.surface)

    def issuer(self, name: str) -> str:
        """An issuing body as printed on the document -> the city's unit it is."""
        entry = self._entry(name)
        if entry is None and self.city != "unknown-city" and name.startswith(self.city):
            entry = self._entry("市" + name[len(self.city):])   # 重庆市经济和信息化委员会
        canonical = entry.name if entry else name
        kind = "region" if entry and entry.type in REGION_TYPES else "unit"
        return self._unit(canonical, kind, name)

    def region(self, name: str) -> str:
        entry = self._entry(name)
        canonical = entry.name if entry else name
        self.regions.add(canonical)
        return iris.region_iri(self.city, canonical) if canonical != self.city else self.city_region()

    def city_region(self) -> str:
        return iris.region_iri(self.city)

    # --- English (the same names the labels carry) --------------------------------------
    def english(self, name: str) -> str | None:
        """English of a unit or region by its canonical name, as its @en label says."""
        if name == self.city:
            place = next((p for p in self.gazetteer.places if p.name == self.city), None)
            if place and place.name_en:
                return place.name_en
        return _english(self._entry(name), name, self.city)[0]

    def issuer_english(self, name: str) -> str | None:
        entry = self._entry(name)
        if entry is None and self.city != "unknown-city" and name.startswith(self.city):
            entry = self._entry("市" + name[len(self.city):])
        return _english(entry, entry.name if entry else name, self.city)[0]

    def _unit(self, name: str, kind: str, form: str) -> str:
        unit = self.units.setdefault(name, _Unit(name, kind))
        unit.forms.add(form)
        return iris.unit_iri(self.city, name)

    def _entry(self, name: str):
        return self.gazetteer.lookup(name, self.city)

    # --- triples -------------------------------------------------------------------------
    def write(self, g) -> None:
        self._write_city(g)
        for unit in self.units.values():
            self._write_unit(g, unit)
        for name in sorted(self.regions):
            if name != self.city:
                self._write_region(g, name, self._entry(name))

    def _write_city(self, g) -> None:
        city = self.city_region()
        place = next((p for p in self.gazetteer.places if p.name == self.city), None)
        g.add(city, rdf.type, pkg.City)
        _labels(g, city, self.city, place.name_en if place else None, curated=True)
        if self.province and self.province != self.city:
            province = iris.region_iri(self.province)
            g.add(city, pkg.partOf, NamedNode(province))
            g.add(province, rdf.type, pkg.Province)
            entry = next((p for p in self.gazetteer.places if p.name == self.province), None)
            _labels(g, province, self.province, entry.name_en if entry else None, curated=True)
        gov = self.government()
        g.add(gov, rdf.type, pkg.GovernmentUnit)
        g.add(gov, rdf.type, org.Organization)
        g.add(gov, pkg.governs, NamedNode(city))
        g.add(gov, pkg.inCity, NamedNode(city))
        gov_en = f"People's Government of {place.name_en}" if place and place.name_en else None
        _labels(g, gov, f"{self.city}人民政府", gov_en, curated=False)

    def government(self) -> str:
        """The city's people's government: the organisation every city unit belongs to."""
        return iris.unit_iri(self.city, f"{self.city}人民政府")

    def _write_unit(self, g, unit: _Unit) -> None:
        node = iris.unit_iri(self.city, unit.name)
        entry = self._entry(unit.name)
        g.add(node, rdf.type, _unit_class(unit.kind))
        g.add(node, pkg.inCity, NamedNode(self.city_region()))
        if unit.kind != "collective":
            g.add(node, rdf.type, org.Organization)
            if node != self.government():
                g.add(node, org.subOrganizationOf, NamedNode(self.government()))
        if unit.kind == "region":
            g.add(node, pkg.governs, NamedNode(self.region(unit.name)))
        if entry:
            g.add(node, pkg.unitType, Literal(entry.type))
        name_en, curated = _english(entry, unit.name, self.city)
        _labels(g, node, unit.name, name_en, curated)
        for form in sorted(self._forms(unit, entry)):
            g.add(node, skos.altLabel, Literal(form, language="zh"))

    def _forms(self, unit: _Unit, entry) -> set[str]:
        forms = set(unit.forms) | {k for k, v in self.aliases.items() if v == unit.name}
        if entry:
            forms |= set(entry.aliases)
        return forms - {unit.name}

    def _write_region(self, g, name: str, entry) -> None:
        node = iris.region_iri(self.city, name)
        g.add(node, rdf.type, pkg[REGION_CLASSES.get(entry.type if entry else "", "Region")])
        g.add(node, pkg.partOf, NamedNode(self.city_region()))
        name_en, curated = _english(entry, name, self.city)
        _labels(g, node, name, name_en, curated)


def _unit_class(kind: str):
    return {"region": pkg.RegionalGovernment, "collective": pkg.CollectiveBearer}.get(kind, pkg.GovernmentUnit)


def _labels(g, node, name_zh: str, name_en: str | None, curated: bool) -> None:
    for prop in (rdfs.label, skos.prefLabel):
        g.add(node, prop, Literal(name_zh, language="zh"))
        if name_en:
            g.add(node, prop, Literal(name_en, language="en"))
    if name_en:
        g.add(node, pkg.englishLabelOrigin, pkg.Curated if curated else pkg.MachineDerived)


def _english(entry, name: str, city: str) -> tuple[str | None, bool]:
    if entry and entry.name_en:
        return entry.name_en, entry.name_en_source not in ("machine", "rule", "derived")
    rendered = _render(name, city)
    return (rendered, False) if rendered else (None, False)


def _render(name: str, city: str) -> str | None:
    # The bilingual helper's module may not exist yet (or may fail on a name); labels then stay @zh.
    try:
        english = importlib.import_module("policykg.ingest.english")
        result = english.render_unit_name(name, city)
    except Exception:  # noqa: BLE001 - an English label is optional
        return None
    text = getattr(result, "text", result)
    return text if isinstance(text, str) and text.strip() else None
