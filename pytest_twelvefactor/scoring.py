"""Scores from results: the checklist's arithmetic, nothing else.

Area score = Σ(weight × credit) / Σ(weight) over applicable items (pass 1,
partial 0.5, fail 0; n/a and waived leave the denominator). Family score =
mean of its area scores (weighted by area weights, default 1). Areas with no
applicable item have no score and leave the family mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .catalog import FAMILIES, Catalog
from .results import Verdict


@dataclass
class AreaScore:
    area: str
    percent: float | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def applicable(self) -> int:
        return sum(self.counts.get(v.value, 0) for v in (Verdict.PASS, Verdict.PARTIAL, Verdict.FAIL))


@dataclass
class Scores:
    areas: dict[str, AreaScore]
    families: dict[str, float | None]

    def to_dict(self) -> dict:
        return {
            "areas": {a: s.percent for a, s in self.areas.items()},
            "twelve_factor": self.families.get("twelve_factor"),
            "cloud_native": self.families.get("cloud_native"),
            "counts": {a: dict(s.counts) for a, s in self.areas.items()},
        }


def compute(results: Iterable, catalog: Catalog, area_weights: dict[str, float] | None = None, ndigits: int | None = 2) -> Scores:
    """``results`` are ItemResults (or anything with area, verdict, weight).

    Percentages are rounded to ``ndigits`` (None keeps them exact, for
    differences such as roadmap gains)."""

    def _round(value: float | None) -> float | None:
        return value if value is None or ndigits is None else round(value, ndigits)

    area_weights = area_weights or {}
    by_area: dict[str, list] = {}
    for result in results:
        by_area.setdefault(result.area, []).append(result)
    areas: dict[str, AreaScore] = {}
    for area in catalog.areas:
        members = by_area.get(area.id)
        if not members:
            continue
        counts = {v.value: 0 for v in Verdict}
        total = earned = 0.0
        for result in members:
            counts[result.verdict.value] += 1
            credit = result.verdict.credit
            if credit is None or result.weight <= 0:
                continue
            total += result.weight
            earned += result.weight * credit
        percent = _round(100.0 * earned / total) if total else None
        areas[area.id] = AreaScore(area.id, percent, counts)
    families: dict[str, float | None] = {}
    for family in FAMILIES:
        scored = [
            (areas[a.id].percent, area_weights.get(a.id, 1.0))
            for a in catalog.family_areas(family)
            if a.id in areas and areas[a.id].percent is not None and area_weights.get(a.id, 1.0) > 0
        ]
        weight = sum(w for _, w in scored)
        families[family] = _round(sum(p * w for p, w in scored) / weight) if weight else None
    return Scores(areas, families)
