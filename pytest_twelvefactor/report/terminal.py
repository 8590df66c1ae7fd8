"""Terminal output: failure messages per item and the end-of-run summary."""

from __future__ import annotations

import re

from ..results import Verdict, rank
from .i18n import status, text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_EVIDENCE_LINES = 15
BAR_WIDTH = 20
MARKS = {True: "+", False: "x", None: "-"}


def clean(text: str) -> str:
    """Strip control characters (ANSI escapes, bells) that come from audited files."""
    return _CONTROL.sub("?", str(text))


def bar(percent: float | None, width: int = BAR_WIDTH) -> str:
    if percent is None:
        return "." * width
    filled = int(round(width * percent / 100.0))
    return "█" * filled + "░" * (width - filled)


def evidence_lines(result, limit: int = MAX_EVIDENCE_LINES) -> list[str]:
    ordered = rank(result.evidence)
    lines = []
    for ev in ordered[:limit]:
        where = ev.location()
        lines.append(f"  {MARKS[ev.ok]} {clean(where) + '  ' if where else ''}{clean(ev.message)}")
    if len(ordered) > limit:
        lines.append(f"  … {len(ordered) - limit} more (see --twelvefactor-json)")
    return lines


def failure_text(result, item) -> str:
    head = f"{result.verdict.value.upper()}: {item.id} — {item.title_in('en')}: {clean(result.summary)}"
    lines = [head, *evidence_lines(result)]
    if item.remediation:
        lines.append(f"remediation: {item.remediation.strip()}")
    lines.append(f"docs: {item.docs_url}")
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.1f}%"


def _delta(value: float | None) -> str:
    if value is None:
        return ""
    return "  (=)" if abs(value) < 0.005 else f"  ({value:+.1f})"


def summary(tr, view, expired=(), written=(), unused=(), gate_failures=()) -> None:
    """The end-of-run section: per-area bars and counts, family scores, the
    changes since a baseline, failing/partial items, the top of the roadmap."""
    lang = view.lang
    comparison = view.comparison
    tr.write_sep("=", "twelvefactor audit")
    for family, key in (("twelve_factor", "twelve_factor_score"), ("cloud_native", "cloud_native_score"), ("custom", None)):
        areas = [a for a in view.areas if a.family == family]
        if not areas:
            continue
        tr.write_line(text(lang, family))
        for area in areas:
            score = view.area_score(area.id)
            counts = view.scores.get("counts", {}).get(area.id, {})
            change = _delta(comparison.areas[area.id].delta) if comparison and area.id in comparison.areas else ""
            tr.write_line(
                f"  {area.id:<17} {clean(area.title_in(lang))[:28]:<28} {bar(score)} {_pct(score)}{change}"
                f"  pass {counts.get('pass', 0)}  partial {counts.get('partial', 0)}  fail {counts.get('fail', 0)}"
                f"  n/a {counts.get('n/a', 0)}  waived {counts.get('waived', 0)}"
            )
        if key is None:
            continue
        value = view.family_score(family)
        line = f"  {text(lang, key)}: {'n/a' if value is None else f'{value:.2f}%'}"
        if comparison and comparison.families.get(family) and comparison.families[family].before is not None:
            d = comparison.families[family]
            line += f"  ({text(lang, 'before')} {d.before:.2f}% → {text(lang, 'after')} {value:.2f}%, {d.delta:+.2f})" if value is not None else ""
        tr.write_line(line, bold=True)
    if comparison is not None:
        tr.write_line("")
        tr.write_line(f"{text(lang, 'changes')}:" if comparison.changes else text(lang, "no_changes"))
        for change in comparison.changes:
            tr.write_line(f"  [{change.tag}] {change.item_id}: {change.before or '-'} → {change.after or '-'}")
    problems = [r for r in view.results if r.verdict in (Verdict.FAIL, Verdict.PARTIAL)]
    if problems:
        tr.write_line("")
        tr.write_line("Failing and partial items (strongest evidence):")
        for result in sorted(problems, key=lambda r: r.verdict is Verdict.PARTIAL):
            strongest = result.strongest()
            where = f" ({clean(strongest.location())})" if strongest is not None and strongest.location() else ""
            tr.write_line(f"  {status(lang, result.verdict.value):<9} {result.item_id:<36} {clean(result.summary)}{where}")
    if view.roadmap:
        tr.write_line("")
        tr.write_line(f"{text(lang, 'roadmap')} (top 5 of {len(view.roadmap)}):")
        for entry in view.roadmap[:5]:
            gains = ", ".join(f"{area} +{gain:g}" for area, gain in entry.area_gains.items())
            tr.write_line(f"  {entry.priority}  {', '.join(entry.items):<52} {gains}")
    waived = [r for r in view.results if r.verdict is Verdict.WAIVED]
    if waived:
        tr.write_line("")
        tr.write_line("Waived items:")
        for result in waived:
            tr.write_line(f"  {result.item_id:<36} {clean(result.summary)} (would be {result.underlying})")
    for waiver in expired:
        target = f" ({waiver['target']})" if waiver.get("target") else ""
        tr.write_line(f"Expired waiver: {waiver['item']}{clean(target)} expired on {waiver.get('expires')} and no longer applies", yellow=True)
    for waiver in unused:
        target = f" for {waiver['target']}" if waiver.get("target") else ""
        where = f"{waiver.get('source')}:{waiver['line']}" if waiver.get("line") else waiver.get("source")
        tr.write_line(f"Unused waiver: {waiver['item']}{clean(target)} ({clean(where)}) changed nothing; remove it or check its target", yellow=True)
    diagnostics = view.document.get("diagnostics", [])
    if diagnostics:
        tr.write_line("")
        tr.write_line(f"Diagnostics ({len(diagnostics)} files not analysed as intended):")
        for diag in diagnostics[:25]:
            tr.write_line(f"  {clean(diag['path'])}: {clean(diag['message'])}")
        if len(diagnostics) > 25:
            tr.write_line(f"  … {len(diagnostics) - 25} more in the JSON result")
    for line in written:
        tr.write_line(f"Written: {line}")
    if gate_failures:
        tr.write_line("")
        for failure in gate_failures:
            tr.write_line(f"GATE FAILED: {failure}", red=True, bold=True)


def fleet_summary(tr, apps, written=()) -> None:
    """Several audited trees: one line per app, its worst items, and the gates."""
    tr.write_sep("=", f"twelvefactor audit: {len(apps)} apps")
    lang = apps[0].view.lang if apps else "en"
    tr.write_line(f"  {'app':<32} {text(lang, 'twelve_factor_score'):>20} {text(lang, 'cloud_native_score'):>20}"
                  "   pass partial  fail   n/a waived")
    for app in apps:
        view = app.view
        totals: dict[str, int] = {}
        for counts in view.scores.get("counts", {}).values():
            for verdict, n in counts.items():
                totals[verdict] = totals.get(verdict, 0) + n
        tf, cn = view.family_score("twelve_factor"), view.family_score("cloud_native")
        tr.write_line(
            f"  {clean(app.name)[:32]:<32} {_pct(tf):>20} {_pct(cn):>20}   "
            + " ".join(f"{totals.get(k, 0):>5}" for k in ("pass", "partial", "fail", "n/a", "waived"))
        )
    for app in apps:
        failing = [r for r in app.view.results if r.verdict is Verdict.FAIL]
        if failing:
            tr.write_line(f"{clean(app.name)}: {len(failing)} failing: " + ", ".join(r.item_id for r in failing[:8])
                          + (" …" if len(failing) > 8 else ""))
    for line in written:
        tr.write_line(f"Written: {line}")
    for app in apps:
        for failure in app.gate_failures:
            tr.write_line(f"GATE FAILED: {clean(app.name)}: {failure}", red=True, bold=True)
