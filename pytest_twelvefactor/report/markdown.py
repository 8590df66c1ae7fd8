"""Markdown in the seed report's structure, in English or Korean.

Sections: title and dates; changes since the baseline; one section per
factor and per cloud-native area with `item | status | current state |
improvement needed` and the score line; Before/After/Δ tables; text bars;
the P0–P3 roadmap with computed gains; diagnostics; references. Every string
that comes from the audited repository is escaped for a table cell.
"""

from __future__ import annotations

import re

from ..results import rank
from .i18n import status, text
from .view import ReportView

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BAR = 50

REFERENCES = [
    ("12-Factor App", "https://12factor.net/"),
    ("CNCF Cloud Native Definition", "https://github.com/cncf/toc/blob/main/DEFINITION.md"),
    ("Kubernetes HPA", "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/"),
    ("Kubernetes PDB", "https://kubernetes.io/docs/tasks/run-application/configure-pdb/"),
]


def cell(value) -> str:
    """One table cell: no pipes, no newlines, no raw HTML, no control characters."""
    value = _CONTROL.sub("", str(value))
    value = value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
    return value.replace("<", "&lt;").replace(">", "&gt;")


def pct(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}%".replace(".00%", "%")


def signed(delta) -> str:
    if delta is None:
        return "n/a"
    if abs(delta) < 0.005:
        return "-"
    arrow = "⬆" if delta > 0 else "⬇"
    return f"{arrow} {delta:+.2f}%".replace(".00%", "%")


def text_bar(value, width: int = BAR) -> str:
    if value is None:
        return "·" * width
    filled = int(round(width * value / 100.0))
    return "█" * filled + "░" * (width - filled)


def _score_icon(value) -> str:
    if value is None:
        return "➖"
    return "✅" if value >= 85 else ("⚠" if value >= 50 else "❌")


def _current_state(result) -> str:
    ordered = rank(result.evidence)
    parts = [result.summary]
    for ev in ordered[:2]:
        where = f"`{ev.location()}`" if ev.location() else ""
        parts.append(f"{where} {ev.message}".strip())
    return cell("; ".join(parts))


def _area_title(area, lang: str) -> str:
    if area.family == "twelve_factor":
        return f"Factor {area.number}: {area.title['en']} ({area.title.get('ko', '')})" if lang == "ko" else f"Factor {area.number}: {area.title['en']}"
    if lang == "ko":
        return f"{area.number}. {area.title.get('ko', area.title['en'])} ({area.title['en']})"
    return f"{area.number}. {area.title['en']}"


def render(view: ReportView) -> str:
    lang = view.lang
    t = lambda key: text(lang, key)  # noqa: E731
    doc = view.document
    out: list[str] = [f"# {t('title')}", ""]
    out.append(f"> {t('audited')}: {cell(str(doc.get('timestamp', ''))[:10])}")
    if view.comparison and view.comparison.baseline_timestamp:
        out.append(f"> {t('baseline')}: {cell(str(view.comparison.baseline_timestamp)[:10])}")
    out.append(f"> {t('project')}: {cell(view.project_name())}")
    if doc.get("judged_deployment"):
        envs = ", ".join(e["name"] for e in doc.get("environments", []))
        out.append(f"> {t('judged')}: {cell(doc['judged_deployment'])}" + (f" ({cell(envs)})" if envs else ""))
    out += ["", "---", ""]
    if view.comparison is not None:
        out += _changes(view, t)
    for family, heading in (("twelve_factor", t("twelve_factor")), ("cloud_native", t("cloud_native")), ("custom", t("custom"))):
        areas = [a for a in view.areas if a.family == family]
        if not areas:
            continue
        out += [f"## 📋 {heading}", ""]
        for area in areas:
            out += _area_section(view, area, t)
    out += _comparison_tables(view, t)
    out += _bars(view, t)
    out += _roadmap(view, t)
    diagnostics = doc.get("diagnostics", [])
    if diagnostics:
        out += [f"## ⚠️ {t('diagnostics')}", ""]
        out += [f"- `{cell(d['path'])}`: {cell(d['message'])}" for d in diagnostics]
        out.append("")
    out += [f"## 📌 {t('references')}", ""]
    out += [f"- [{name}]({url})" for name, url in REFERENCES]
    return "\n".join(out) + "\n"


def _changes(view, t) -> list[str]:
    out = [f"## 📈 {t('changes')}", ""]
    changes = view.comparison.changes
    if not changes:
        return out + [t("no_changes"), "", "---", ""]
    out += [f"| {t('item')} | {t('change')} | {t('verdict_before')} | {t('verdict_after')} |", "|---|---|---|---|"]
    for change in changes:
        item = view.catalog.by_id().get(change.item_id)
        title = item.title_in(view.lang) if item else change.item_id
        before = status(view.lang, change.before) if change.before else "-"
        after = status(view.lang, change.after) if change.after else "-"
        out.append(f"| {cell(title)} (`{change.item_id}`) | **[{change.tag}]** | {before} | {after} |")
    return out + ["", "---", ""]


def _area_section(view, area, t) -> list[str]:
    out = [f"### {_area_title(area, view.lang)}"]
    principle = area.principle.get(view.lang) or area.principle.get("en")
    if principle:
        out.append(f"> {principle}")
    out += ["", f"| {t('item')} | {t('status')} | {t('current')} | {t('improvement')} |", "|------|------|------|-----------|"]
    for item in view.catalog.items_of(area.id):
        result = view.by_id.get(item.id)
        if result is None:
            continue
        title = cell(item.title_in(view.lang))
        change = view.comparison.change_of(item.id) if view.comparison else None
        if change and change.tag in ("NEW", "IMPROVED", "REGRESSED"):
            title = f"**[{change.tag}] {title}**"
        improvement = t("none") if result.verdict.value in ("pass", "n/a") else cell(item.remediation_in(view.lang).strip())
        if result.verdict.value == "waived":
            improvement = cell(result.summary)
        out.append(f"| {title} | {status(view.lang, result.verdict.value)} | {_current_state(result)} | {improvement} |")
    score = view.area_score(area.id)
    line = f"**{t('score')}: {pct(score)}** {_score_icon(score)}"
    if view.comparison and area.id in view.comparison.areas:
        d = view.comparison.areas[area.id]
        line += f" ({t('unchanged')})" if d.delta == 0 else f" ({pct(d.before)} → {pct(d.after)} {signed(d.delta)})"
    return out + ["", line, "", "---", ""]


def _comparison_tables(view, t) -> list[str]:
    out = [f"## 📊 {t('comparison')}", ""]
    for family, heading in (("twelve_factor", t("tf_comparison")), ("cloud_native", t("cn_comparison"))):
        areas = [a for a in view.areas if a.family == family]
        if not areas:
            continue
        out += [f"### {heading}", ""]
        if view.comparison:
            out += [f"| {t('area')} | {t('before')} | {t('after')} | {t('delta')} |", "|---|---|---|---|"]
            for area in areas:
                d = view.comparison.areas.get(area.id)
                before = pct(d.before) if d else "n/a"
                out.append(f"| {_short_title(area, view.lang)} | {before} | {pct(view.area_score(area.id))} | {signed(d.delta) if d else 'n/a'} |")
            fd = view.comparison.families.get(family)
            out.append(f"| **{t('average')}** | **{pct(fd.before)}** | **{pct(fd.after)}** | **{signed(fd.delta)}** |")
        else:
            out += [f"| {t('area')} | {t('score')} |", "|---|---|"]
            for area in areas:
                out.append(f"| {_short_title(area, view.lang)} | {pct(view.area_score(area.id))} |")
            out.append(f"| **{t('average')}** | **{pct(view.family_score(family))}** |")
        out.append("")
    return out + ["---", ""]


def _short_title(area, lang: str) -> str:
    if area.family == "twelve_factor":
        return f"{area.number}. {area.title['en']}"
    return area.title["en"] if lang == "en" else f"{area.title.get('ko', '')} ({area.title['en']})"


def _bars(view, t) -> list[str]:
    out = [f"## 📈 {t('bars')}", "", "```"]
    for family, key in (("twelve_factor", "twelve_factor_score"), ("cloud_native", "cloud_native_score")):
        value = view.family_score(family)
        if value is None:
            continue
        out.append(t(key))
        if view.comparison and view.comparison.families.get(family):
            d = view.comparison.families[family]
            out.append(f"{t('before') + ':':<8} {text_bar(d.before)} {pct(d.before)}")
            out.append(f"{t('after') + ':':<8} {text_bar(d.after)} {pct(d.after)}  {signed(d.delta)}")
        else:
            out.append(f"{text_bar(value)} {pct(value)}")
        out.append("")
    return out + ["```", "", "---", ""]


def _roadmap(view, t) -> list[str]:
    out = [f"## 🎯 {t('roadmap')}", ""]
    if not view.roadmap:
        return out + [t("no_roadmap"), ""]
    names = t("priority_names")
    for priority in ("P0", "P1", "P2", "P3"):
        entries = [e for e in view.roadmap if e.priority == priority]
        if not entries:
            continue
        out += [f"### {names[priority]}", "", f"| # | {t('item')} | {t('status')} | {t('related')} | {t('gain')} |", "|---|---|---|---|---|"]
        for number, entry in enumerate(entries, start=1):
            item = view.catalog.item(entry.key_item)
            areas = ", ".join(_short_title(view.catalog.area(a), view.lang) for a in entry.area_gains)
            gains = ", ".join(f"+{g:g}% ({view.catalog.area(a).title['en']})" for a, g in entry.area_gains.items())
            out.append(
                f"| {number} | {cell(item.title_in(view.lang))} (`{'`, `'.join(entry.items)}`) | "
                f"{status(view.lang, entry.verdict)} | {cell(areas)} | {gains} |"
            )
        out.append("")
    return out + ["---", ""]


def render_fleet(views: list[ReportView], fleet_document: dict) -> str:
    """The fleet table, then each app's report with its headings one level down."""
    lang = views[0].lang if views else "en"
    t = lambda key: text(lang, key)  # noqa: E731
    out = [f"# {t('title')} — {len(views)} apps", "", f"| app | {t('twelve_factor_score')} | {t('cloud_native_score')} | pass | partial | fail | n/a | waived |",
           "|---|---|---|---|---|---|---|---|"]
    for row in fleet_document.get("fleet", []):
        c = row.get("counts", {})
        out.append(f"| {cell(row.get('app'))} | {pct(row.get('twelve_factor'))} | {pct(row.get('cloud_native'))} | "
                   + " | ".join(str(c.get(k, 0)) for k in ("pass", "partial", "fail", "n/a", "waived")) + " |")
    out.append("")
    for view in views:
        body = render(view).splitlines()
        body[0] = f"# {cell(view.document.get('app') or view.project_name())}"
        out += ["---", ""] + [("#" + line) if line.startswith("#") else line for line in body] + [""]
    return "\n".join(out) + "\n"
