"""The checklist catalog: areas and items as data (``catalog.yaml``).

Titles in English and Korean, weights, severities, rationale, remediation
and peer-linter IDs live in the YAML file so that docs, reports and the
test collection all read one source. Loading it is cheap and cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources

import yaml

FAMILIES = ("twelve_factor", "cloud_native")
CUSTOM_FAMILY = "custom"  # a team's own areas: scored and reported, outside both family means
DOCS_BASE = "https://github.com/pytest-twelvefactor/pytest-twelvefactor/blob/main/docs/items"


@dataclass(frozen=True)
class Area:
    id: str
    family: str
    number: int
    title: dict
    principle: dict

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["en"]


@dataclass(frozen=True)
class Item:
    id: str
    area: str
    slug: str
    title: dict
    same_as: str | None
    weight: float
    severity: str
    runtime: bool
    criteria: dict
    rationale: str
    remediation: str
    remediation_ko: str
    peers: dict = field(default_factory=dict)
    seed_tag: str | None = None

    @property
    def evaluator_id(self) -> str:
        """The item whose evaluation this item shares ("as X" in the checklist)."""
        return self.same_as or self.id

    @property
    def nodeid(self) -> str:
        return f"twelvefactor::{self.area}::{self.slug}"

    @property
    def docs_url(self) -> str:
        return f"{DOCS_BASE}/{self.id}.md"

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["en"]

    def remediation_in(self, lang: str) -> str:
        return (self.remediation_ko if lang == "ko" and self.remediation_ko else self.remediation) or ""


@dataclass(frozen=True)
class Catalog:
    version: str
    areas: tuple[Area, ...]
    items: tuple[Item, ...]

    def area(self, area_id: str) -> Area:
        return next(a for a in self.areas if a.id == area_id)

    def item(self, item_id: str) -> Item:
        return self._index[item_id]

    def by_id(self) -> dict[str, Item]:
        return dict(self._index)

    @cached_property
    def _index(self) -> dict[str, Item]:
        """Built once per catalog: items are looked up for every test and report row."""
        return {i.id: i for i in self.items}

    def items_of(self, area_id: str) -> list[Item]:
        return [i for i in self.items if i.area == area_id]

    def family_areas(self, family: str) -> list[Area]:
        return [a for a in self.areas if a.family == family]


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    text = resources.files(__package__).joinpath("catalog.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    areas = tuple(
        Area(a["id"], a["family"], int(a["number"]), dict(a["title"]), dict(a.get("principle") or {}))
        for a in data["areas"]
    )
    items = []
    for raw in data["items"]:
        area, _, slug = raw["id"].partition(".")
        items.append(
            Item(
                id=raw["id"], area=area, slug=slug, title=dict(raw["title"]), same_as=raw.get("same_as"),
                weight=float(raw.get("weight", 1)), severity=raw.get("severity", "medium"),
                runtime=bool(raw.get("runtime")), criteria=dict(raw.get("criteria") or {}),
                rationale=raw.get("rationale", ""), remediation=raw.get("remediation", ""),
                remediation_ko=raw.get("remediation_ko", ""), peers=dict(raw.get("peers") or {}),
                seed_tag=raw.get("seed_tag"),
            )
        )
    return Catalog(str(data.get("catalog_version", "1")), areas, tuple(items))


def with_overrides(catalog: Catalog, severity: dict[str, str] | None = None) -> Catalog:
    """The catalog with a team's per-item severities (they order the roadmap)."""
    if not severity:
        return catalog
    from dataclasses import replace

    items = tuple(replace(i, severity=severity.get(i.id, i.severity)) for i in catalog.items)
    return Catalog(catalog.version, catalog.areas, items)


def extended(catalog: Catalog, custom_items) -> Catalog:
    """The catalog with a team's own items (and areas) from ``pytest_twelvefactor_items``."""
    if not custom_items:
        return catalog
    areas = list(catalog.areas)
    known_areas = {a.id for a in areas}
    items = list(catalog.items)
    known_items = {i.id for i in items}
    for custom in custom_items:
        area, _, slug = custom.id.partition(".")
        if not area or not slug:
            raise ValueError(f"custom item id {custom.id!r} must be '<area>.<slug>'")
        if custom.id in known_items:
            raise ValueError(f"custom item {custom.id!r} is already in the catalog")
        if area not in known_areas:
            title = custom.area_title or area
            areas.append(Area(area, CUSTOM_FAMILY, len(areas) + 1, {"en": title, "ko": title}, {}))
            known_areas.add(area)
        known_items.add(custom.id)
        items.append(Item(
            id=custom.id, area=area, slug=slug, title={"en": custom.title, "ko": custom.title_ko or custom.title},
            same_as=None, weight=float(custom.weight), severity=custom.severity, runtime=False, criteria={},
            rationale=custom.rationale, remediation=custom.remediation, remediation_ko="", peers=dict(custom.peers),
        ))
    return Catalog(catalog.version, tuple(areas), tuple(items))
