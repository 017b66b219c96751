"""The gazetteer of government units and places (ontology/gazetteer/*.tsv), per city."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache

from policykg import data_path


@dataclass(frozen=True)
class UnitEntry:
    city: str
    name: str
    type: str
    aliases: tuple[str, ...]
    name_en: str
    name_en_source: str


@dataclass(frozen=True)
class PlaceEntry:
    name: str
    type: str
    parent: str
    aliases: tuple[str, ...]
    name_en: str


@dataclass
class Gazetteer:
    units: list[UnitEntry]
    places: list[PlaceEntry]
    _by_city: dict[str, dict[str, UnitEntry]] = field(default_factory=dict)

    def __post_init__(self):
        for entry in self.units:
            table = self._by_city.setdefault(entry.city, {})
            for form in (entry.name, *entry.aliases):
                table.setdefault(form, entry)

    def lookup(self, form: str, city: str | None) -> UnitEntry | None:
        """The entry a printed form names in `city` (exact name or alias)."""
        return self._by_city.get(city or "", {}).get(form)

    def forms(self, city: str | None) -> dict[str, UnitEntry]:
        return self._by_city.get(city or "", {})

    def city_of_place(self, form: str) -> str | None:
        """City a district/county/zone belongs to (东阿县 -> 聊城市), or the city itself."""
        for place in self.places:
            if form in (place.name, *place.aliases) and place.type in ("city", "municipality"):
                return place.name
        for entry in self.units:
            if form in (entry.name, *entry.aliases) and entry.type in REGION_TYPES:
                return entry.city
        return None

    def province_of(self, city: str | None) -> str | None:
        for place in self.places:
            if place.name == city:
                return place.parent or (city if place.type == "municipality" else None)
        return None

    def cities(self) -> list[PlaceEntry]:
        return [p for p in self.places if p.type in ("city", "municipality")]


REGION_TYPES = {"district", "county", "county_city", "development_zone", "new_area", "city",
                "municipality", "township"}


def _rows(*path: str):
    with data_path("ontology", "gazetteer", *path).open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if row and not row[0].startswith("#"):
                yield [cell.strip() for cell in row]


def _split(cell: str) -> tuple[str, ...]:
    return tuple(a for a in cell.split("|") if a)


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    units = []
    for row in _rows("units.tsv"):
        row += [""] * (6 - len(row))
        units.append(UnitEntry(row[0], row[1], row[2], _split(row[3]), row[4], row[5]))
    places = []
    for row in _rows("places.tsv"):
        row += [""] * (5 - len(row))
        places.append(PlaceEntry(row[0], row[1], row[2], _split(row[3]), row[4]))
    return Gazetteer(units, places)
