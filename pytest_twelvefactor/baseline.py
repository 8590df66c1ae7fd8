"""Comparison with an earlier result: the seed report's Before / After / Δ.

Works on JSON result documents, so a baseline from an older catalog version
compares too: items only in the current run are [NEW], items only in the
baseline are [REMOVED], and verdict changes are [IMPROVED] or [REGRESSED]
by their score credit (a change to or from n/a / waived is [CHANGED]).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .results import Verdict

FAMILY_KEYS = ("twelve_factor", "cloud_native")


@dataclass(frozen=True)
class ScoreDelta:
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 2)

    def to_dict(self) -> dict:
        return {"before": self.before, "after": self.after, "delta": self.delta}


@dataclass(frozen=True)
class ItemChange:
    item_id: str
    tag: str            # NEW, REMOVED, IMPROVED, REGRESSED, CHANGED
    before: str | None
    after: str | None

    def to_dict(self) -> dict:
        return {"id": self.item_id, "tag": self.tag, "before": self.before, "after": self.after}


@dataclass
class Comparison:
    baseline_timestamp: str | None
    baseline_catalog: str | None
    areas: dict[str, ScoreDelta] = field(default_factory=dict)
    families: dict[str, ScoreDelta] = field(default_factory=dict)
    changes: list[ItemChange] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "baseline_timestamp": self.baseline_timestamp,
            "baseline_catalog_version": self.baseline_catalog,
            "areas": {a: d.to_dict() for a, d in self.areas.items()},
            "families": {f: d.to_dict() for f, d in self.families.items()},
            "changes": [c.to_dict() for c in self.changes],
        }

    def change_of(self, item_id: str) -> ItemChange | None:
        return next((c for c in self.changes if c.item_id == item_id), None)


def _credit(verdict: str | None) -> float | None:
    try:
        return Verdict(verdict).credit if verdict else None
    except ValueError:
        return None


def compare(current: dict, baseline: dict, catalog_ids: set[str] | None = None) -> Comparison:
    """Before/after per area and family, and the items whose verdict changed.

    Items of the baseline that this run did not evaluate but the catalog still
    has (a ``-m`` selection) are not reported; items the catalog no longer
    has are [REMOVED].
    """
    result = Comparison(baseline.get("timestamp"), baseline.get("catalog_version"))
    before_scores, after_scores = baseline.get("scores", {}), current.get("scores", {})
    before_areas, after_areas = before_scores.get("areas", {}), after_scores.get("areas", {})
    for area in after_areas:
        result.areas[area] = ScoreDelta(before_areas.get(area), after_areas.get(area))
    for family in FAMILY_KEYS:
        result.families[family] = ScoreDelta(before_scores.get(family), after_scores.get(family))
    before_items = {i["id"]: i["verdict"] for i in baseline.get("items", [])}
    after_items = {i["id"]: i["verdict"] for i in current.get("items", [])}
    for item_id, verdict in after_items.items():
        if item_id not in before_items:
            result.changes.append(ItemChange(item_id, "NEW", None, verdict))
            continue
        old = before_items[item_id]
        if old == verdict:
            continue
        a, b = _credit(old), _credit(verdict)
        tag = "CHANGED" if a is None or b is None else ("IMPROVED" if b > a else "REGRESSED")
        result.changes.append(ItemChange(item_id, tag, old, verdict))
    for item_id, verdict in before_items.items():
        if item_id not in after_items and (catalog_ids is None or item_id not in catalog_ids):
            result.changes.append(ItemChange(item_id, "REMOVED", verdict, None))
    return result


def from_dict(data: dict) -> Comparison:
    """A comparison saved in a JSON result (``comparison``), for re-rendering reports."""
    result = Comparison(data.get("baseline_timestamp"), data.get("baseline_catalog_version"))
    result.areas = {a: ScoreDelta(d.get("before"), d.get("after")) for a, d in data.get("areas", {}).items()}
    result.families = {f: ScoreDelta(d.get("before"), d.get("after")) for f, d in data.get("families", {}).items()}
    result.changes = [ItemChange(c["id"], c["tag"], c.get("before"), c.get("after")) for c in data.get("changes", [])]
    return result
