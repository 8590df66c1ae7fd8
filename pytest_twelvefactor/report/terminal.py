"""Terminal output: failure messages per item and the end-of-run summary."""

from __future__ import annotations

import re

from ..results import Verdict

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
    ordered = sorted(result.evidence, key=lambda e: (e.ok is not False, e.ok is None))
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


def summary(tr, results, scores, catalog, diagnostics, expired=(), json_path=None) -> None:
    tr.write_sep("=", "twelvefactor audit")
    titles = {a.id: a for a in catalog.areas}
    for family, label in (("twelve_factor", "12-Factor App"), ("cloud_native", "Cloud Native")):
        areas = [a for a in catalog.family_areas(family) if a.id in scores.areas]
        if not areas:
            continue
        tr.write_line(label)
        for area in areas:
            score = scores.areas[area.id]
            c = score.counts
            tr.write_line(
                f"  {area.id:<17} {titles[area.id].title_in('en')[:28]:<28} {bar(score.percent)} {_pct(score.percent)}"
                f"  pass {c.get('pass', 0)}  partial {c.get('partial', 0)}  fail {c.get('fail', 0)}"
                f"  n/a {c.get('n/a', 0)}  waived {c.get('waived', 0)}"
            )
        value = scores.families.get(family)
        tr.write_line(f"  {label} score: {'n/a' if value is None else f'{value:.2f}%'}", bold=True)
    problems = [r for r in results if r.verdict in (Verdict.FAIL, Verdict.PARTIAL)]
    if problems:
        tr.write_line("")
        tr.write_line("Failing and partial items (strongest evidence):")
        for result in sorted(problems, key=lambda r: r.verdict is Verdict.PARTIAL):
            strongest = _strongest(result)
            where = f" ({clean(strongest.location())})" if strongest is not None and strongest.location() else ""
            tr.write_line(f"  {result.verdict.value.upper():<7} {result.item_id:<36} {clean(result.summary)}{where}")
    waived = [r for r in results if r.verdict is Verdict.WAIVED]
    if waived:
        tr.write_line("")
        tr.write_line("Waived items:")
        for result in waived:
            tr.write_line(f"  {result.item_id:<36} {clean(result.summary)} (would be {result.underlying})")
    for waiver in expired:
        tr.write_line(f"Expired waiver: {waiver['item']} expired on {waiver.get('expires')} and no longer applies", yellow=True)
    if diagnostics:
        tr.write_line("")
        tr.write_line(f"Diagnostics ({len(diagnostics)} files not analysed as intended):")
        for diag in diagnostics[:25]:
            tr.write_line(f"  {clean(diag['path'])}: {clean(diag['message'])}")
        if len(diagnostics) > 25:
            tr.write_line(f"  … {len(diagnostics) - 25} more in the JSON result")
    if json_path:
        tr.write_line(f"JSON result written to {json_path}")


def _strongest(result):
    ordered = sorted(result.evidence, key=lambda e: (e.ok is not False, e.path is None, e.ok is None))
    return ordered[0] if ordered else None
