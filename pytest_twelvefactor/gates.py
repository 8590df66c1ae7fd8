"""CI gates: score thresholds and essential items.

``fail_under`` takes ``overall`` (the mean of the 12-Factor and Cloud Native
scores, or the one that exists), ``twelve_factor``, ``cloud_native`` and any
area id; ``essential`` items must not fail or be partial, whatever the score.
Each failure is one sentence saying which gate failed and by how much.
"""

from __future__ import annotations

from .results import Verdict


def overall(scores) -> float | None:
    values = [v for v in (scores.families.get("twelve_factor"), scores.families.get("cloud_native")) if v is not None]
    return round(sum(values) / len(values), 2) if values else None


def check(scores, results, settings) -> list[str]:
    failures = []
    for target, threshold in sorted(settings.fail_under.items()):
        if target == "overall":
            value, label = overall(scores), "overall score"
        elif target in ("twelve_factor", "cloud_native"):
            value, label = scores.families.get(target), f"{target} score"
        else:
            area = scores.areas.get(target)
            if area is None:
                continue  # the area did not run (e.g. -m selection): nothing to gate
            value, label = area.percent, f"{target} score"
        if value is None:
            continue
        if value < threshold:
            failures.append(f"{label} {value:.2f}% is below the required {threshold:g}% (short by {threshold - value:.2f} points)")
    by_id = {r.item_id: r for r in results}
    for item_id in settings.essential:
        result = by_id.get(item_id)
        if result is not None and result.verdict in (Verdict.FAIL, Verdict.PARTIAL):
            failures.append(f"essential item {item_id} is {result.verdict.value}: {result.summary}")
    return failures
