"""pytest-html integration: a summary with scores and an inline SVG chart,
and area / verdict / evidence columns in the results table.

Registered only when pytest-html is active. Everything from the audited
repository is escaped; the chart is inline SVG (no scripts, fonts or CDNs),
so it works with ``--self-contained-html`` and offline.
"""

from __future__ import annotations

from html import escape

from .i18n import status, text
from .view import ReportView

VERDICT_COLOURS = {"pass": "#2e7d32", "partial": "#b26a00", "fail": "#c62828", "n/a": "#616161", "waived": "#5e35b1"}
BAR_COLOURS = ((85, "#2e7d32"), (50, "#f9a825"), (0, "#c62828"))


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def _colour(value) -> str:
    if value is None:
        return "#9e9e9e"
    return next(colour for threshold, colour in BAR_COLOURS if value >= threshold)


def chart_svg(view: ReportView) -> str:
    """Horizontal bars, one per area that ran, grouped by family."""
    rows = []
    for family in ("twelve_factor", "cloud_native", "custom"):
        rows += [(a, view.area_score(a.id)) for a in view.areas if a.family == family]
    height = 22 * len(rows) + 30
    label_w, bar_w = 230, 360
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="twelvefactor-chart" role="img" '
        f'aria-label="{escape(text(view.lang, "score"))}" width="{label_w + bar_w + 70}" height="{height}" '
        f'viewBox="0 0 {label_w + bar_w + 70} {height}" font-family="sans-serif" font-size="12">'
    ]
    for index, (area, value) in enumerate(rows):
        y = 10 + index * 22
        width = 0 if value is None else bar_w * value / 100.0
        before = view.comparison.areas.get(area.id).before if view.comparison and area.id in view.comparison.areas else None
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(area.title_in(view.lang))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="16" fill="#eeeeee"/>')
        parts.append(f'<rect class="bar" data-area="{escape(area.id)}" x="{label_w}" y="{y}" width="{width:.1f}" height="16" fill="{_colour(value)}"/>')
        if before is not None:
            x = label_w + bar_w * before / 100.0
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + 18}" stroke="#000" stroke-dasharray="3,2"><title>before {before:.1f}%</title></line>')
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 13}">{_pct(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def summary_html(view: ReportView) -> list[str]:
    lang = view.lang
    out = [
        '<div id="twelvefactor-summary">',
        "<style>#twelvefactor-summary table{border-collapse:collapse;margin:8px 0}"
        "#twelvefactor-summary td,#twelvefactor-summary th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
        "#twelvefactor-summary td:first-child,#twelvefactor-summary th:first-child{text-align:left}"
        ".twelvefactor-score{font-size:1.3em}</style>",
        f"<h2>{escape(text(lang, 'title'))}</h2>",
    ]
    cards = []
    for family, key in (("twelve_factor", "twelve_factor_score"), ("cloud_native", "cloud_native_score")):
        value = view.family_score(family)
        extra = ""
        if view.comparison and view.comparison.families.get(family) and view.comparison.families[family].delta is not None:
            d = view.comparison.families[family]
            extra = f' <small>({escape(text(lang, "before"))} {_pct(d.before)}, {d.delta:+.2f})</small>'
        cards.append(f'<p class="twelvefactor-family" data-family="{family}"><strong>{escape(text(lang, key))}: '
                     f'<span class="twelvefactor-score">{_pct(value)}</span></strong>{extra}</p>')
    out += cards
    out.append(chart_svg(view))
    head = [text(lang, "area"), text(lang, "score")]
    if view.comparison:
        head = [text(lang, "area"), text(lang, "before"), text(lang, "after"), text(lang, "delta")]
    head += ["pass", "partial", "fail", "n/a", "waived"]
    out.append('<table id="twelvefactor-scores"><thead><tr>' + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>")
    for area in view.areas:
        counts = view.scores.get("counts", {}).get(area.id, {})
        cells = [escape(area.title_in(lang))]
        if view.comparison:
            d = view.comparison.areas.get(area.id)
            cells += [_pct(d.before) if d else "n/a", _pct(view.area_score(area.id)), f"{d.delta:+.2f}" if d and d.delta is not None else "n/a"]
        else:
            cells.append(_pct(view.area_score(area.id)))
        cells += [str(counts.get(k, 0)) for k in ("pass", "partial", "fail", "n/a", "waived")]
        out.append(f'<tr data-area="{escape(area.id)}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    if view.comparison and view.comparison.changes:
        out.append(f"<h3>{escape(text(lang, 'changes'))}</h3><ul>")
        for change in view.comparison.changes:
            out.append(f"<li>[{escape(change.tag)}] {escape(change.item_id)}: {escape(change.before or '-')} → {escape(change.after or '-')}</li>")
        out.append("</ul>")
    if view.roadmap:
        out.append(f"<h3>{escape(text(lang, 'roadmap'))}</h3><ol>")
        for entry in view.roadmap:
            item = view.catalog.item(entry.key_item)
            gains = ", ".join(f"+{g:g}% {escape(view.catalog.area(a).title_in(lang))}" for a, g in entry.area_gains.items())
            out.append(f"<li><strong>{entry.priority}</strong> {escape(item.title_in(lang))} "
                       f"(<code>{escape(', '.join(entry.items))}</code>): {gains}</li>")
        out.append("</ol>")
    out.append("</div>")
    return out


def _verdict_badge(verdict: str, lang: str) -> str:
    colour = VERDICT_COLOURS.get(verdict, "#000")
    return (f'<span class="twelvefactor-verdict verdict-{escape(verdict.replace("/", ""))}" '
            f'style="color:#fff;background:{colour};padding:1px 6px;border-radius:3px">{escape(status(lang, verdict).split(" ", 1)[-1])}</span>')


class HtmlReportHooks:
    """pytest-html hook implementations; the plugin registers this when pytest-html runs."""

    def __init__(self, plugin):
        self.plugin = plugin

    def pytest_html_results_summary(self, prefix, summary, postfix, session):
        plugin = self.plugin
        if plugin.fleet:
            views = [app.view for app in plugin.apps.values() if app.view is not None]
            if views:
                prefix.append('<div id="twelvefactor-fleet">')
                prefix.extend(f"<details><summary>{escape(str(v.document.get('app')))}: "
                              f"12-Factor {_pct(v.family_score('twelve_factor'))}, Cloud Native {_pct(v.family_score('cloud_native'))}"
                              f"</summary>{''.join(summary_html(v))}</details>" for v in views)
                prefix.append("</div>")
        elif plugin.view is not None:
            prefix.extend(summary_html(plugin.view))

    def pytest_html_results_table_header(self, cells):
        cells.insert(2, '<th class="sortable" data-column-type="area">Area</th>')
        cells.insert(3, '<th class="sortable" data-column-type="verdict">Verdict</th>')
        cells.insert(4, '<th data-column-type="evidence">Evidence</th>')

    def pytest_html_results_table_row(self, report, cells):
        data = getattr(report, "twelvefactor", None)
        if not data:
            cells.insert(2, '<td class="col-area"></td>')
            cells.insert(3, '<td class="col-verdict"></td>')
            cells.insert(4, '<td class="col-evidence"></td>')
            return
        lang = self.plugin.lang
        evidence = sorted(data.get("evidence", []), key=lambda e: (e.get("ok") is not False, e.get("path") is None))[:5]
        lines = "<br>".join(
            escape((f"{e['path']}:{e['line']} " if e.get("path") and e.get("line") else (f"{e['path']} " if e.get("path") else "")) + e.get("message", ""))
            for e in evidence
        )
        area = f'{data["app"]}: {data["area"]}' if data.get("app") else data["area"]
        cells.insert(2, f'<td class="col-area">{escape(area)}</td>')
        cells.insert(3, f'<td class="col-verdict">{_verdict_badge(data["verdict"], lang)}</td>')
        cells.insert(4, f'<td class="col-evidence">{lines}</td>')


def standalone_page(view: ReportView) -> str:
    """The summary and an item table as one self-contained page (for the report CLI)."""
    rows = []
    for result in view.results:
        item = view.catalog.item(result.item_id)
        strongest = result.strongest()
        where = escape(strongest.location()) if strongest is not None and strongest.location() else ""
        rows.append(
            f"<tr><td>{escape(result.area)}</td><td>{escape(item.title_in(view.lang))}<br><code>{escape(result.item_id)}</code></td>"
            f"<td>{_verdict_badge(result.verdict.value, view.lang)}</td><td>{escape(result.summary)}<br><small>{where}</small></td></tr>"
        )
    body = "\n".join(summary_html(view))
    return (
        "<!DOCTYPE html>\n<html lang=\"" + escape(view.lang) + "\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(text(view.lang, 'title'))}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}</style></head><body>\n"
        f"{body}\n<table id=\"twelvefactor-items\"><thead><tr><th>{escape(text(view.lang, 'area'))}</th>"
        f"<th>{escape(text(view.lang, 'item'))}</th><th>{escape(text(view.lang, 'status'))}</th>"
        f"<th>{escape(text(view.lang, 'current'))}</th></tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table></body></html>\n"
    )
