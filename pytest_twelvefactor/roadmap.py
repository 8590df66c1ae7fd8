"""The roadmap: what to fix next, with the score each fix would bring.

For every item that fails or is partial, the gain is computed, not guessed:
the area and family scores recomputed as if that item passed, minus today's.
Items that share one evaluation ("as X") are one piece of work and gain in
every area they appear in. Priorities come from the catalog's severity,
moved up one level for a large gain and down one for a small one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .catalog import Catalog
from .results import Verdict
from .scoring import compute

PRIORITIES = ("P0", "P1", "P2", "P3")
SEVERITY_LEVEL = {"critical": 0, "high": 1, "medium": 2, "low": 3}
LARGE_GAIN = 25.0   # percentage points in one area: one priority level up
SMALL_GAIN = 5.0    # below this in every area: one level down


@dataclass(frozen=True)
class RoadmapEntry:
    items: tuple[str, ...]
    verdict: str
    severity: str
    priority: str
    area_gains: dict
    family_gains: dict
    remediation: str

    @property
    def key_item(self) -> str:
        return self.items[0]

    def to_dict(self) -> dict:
        return {
            "items": list(self.items), "verdict": self.verdict, "severity": self.severity, "priority": self.priority,
            "area_gains": self.area_gains, "family_gains": self.family_gains, "remediation": self.remediation,
        }


def _priority(severity: str, best_gain: float) -> str:
    level = SEVERITY_LEVEL.get(severity, 2)
    if best_gain >= LARGE_GAIN:
        level -= 1
    elif best_gain < SMALL_GAIN:
        level += 1
    return PRIORITIES[max(0, min(3, level))]


def build(results: list, catalog: Catalog, area_weights: dict | None = None) -> list[RoadmapEntry]:
    """``results`` are ItemResults; returns entries ordered by priority, then gain."""
    base = compute(results, catalog, area_weights, ndigits=None)
    groups: dict[str, list] = {}
    for result in results:
        if result.verdict in (Verdict.FAIL, Verdict.PARTIAL) and result.weight > 0:
            groups.setdefault(catalog.item(result.item_id).evaluator_id, []).append(result)
    entries = []
    for evaluator_id, members in groups.items():
        fixed_ids = {r.item_id for r in members}
        fixed = [replace(r, verdict=Verdict.PASS) if r.item_id in fixed_ids else r for r in results]
        after = compute(fixed, catalog, area_weights, ndigits=None)
        area_gains = {
            area: round(after.areas[area].percent - base.areas[area].percent, 2)
            for area in sorted({r.area for r in members}, key=lambda a: [x.id for x in catalog.areas].index(a))
        }
        family_gains = {
            family: round((after.families[family] or 0) - (base.families[family] or 0), 2)
            for family in ("twelve_factor", "cloud_native")
            if round((after.families[family] or 0) - (base.families[family] or 0), 2)
        }
        lead = catalog.item(evaluator_id) if evaluator_id in catalog.by_id() else catalog.item(members[0].item_id)
        ordered = sorted(fixed_ids, key=lambda i: [x.id for x in catalog.items].index(i))
        worst = "fail" if any(r.verdict is Verdict.FAIL for r in members) else "partial"
        entries.append(RoadmapEntry(
            items=tuple(ordered), verdict=worst, severity=lead.severity,
            priority=_priority(lead.severity, max(area_gains.values(), default=0.0)),
            area_gains=area_gains, family_gains=family_gains, remediation=lead.remediation,
        ))
    entries.sort(key=lambda e: (e.priority, -max(e.area_gains.values(), default=0), e.items[0]))
    return entries
