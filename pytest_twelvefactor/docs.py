"""Reference pages generated from the catalog and the evaluators' docstrings.

``python -m pytest_twelvefactor docs docs/items`` writes one page per item
and an index; a test keeps the committed pages in step with the catalog.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from .catalog import Catalog, Item, load_catalog
from .checks import load_builtin

PEER_NAMES = {"kube-score": "kube-score", "polaris": "Polaris", "kubescape": "Kubescape", "checkov": "Checkov", "hadolint": "hadolint"}


def item_page(item: Item, catalog: Catalog, evaluators: dict) -> str:
    area = catalog.area(item.area)
    lines = [
        f"# `{item.id}` — {item.title_in('en')}",
        "",
        f"**{item.title_in('ko')}** · area: {area.title_in('en')} ({area.title_in('ko')}) · "
        f"marker: `-m {item.area}` · node ID: `{item.nodeid}` · severity: {item.severity} · weight: {item.weight:g}"
        + (" · runtime evidence available" if item.runtime else ""),
        "",
    ]
    if item.same_as:
        lines += [f"Evaluated as [`{item.same_as}`]({item.same_as}.md): the same evaluation counts in both areas.", ""]
    lines += ["## Why", "", item.rationale.strip(), ""]
    evaluator = evaluators.get(item.evaluator_id)
    if evaluator is not None and evaluator.__doc__:
        lines += ["## How it is decided", "", inspect.cleandoc(evaluator.__doc__), ""]
    lines += ["## Verdicts", "", "| verdict | when |", "|---|---|"]
    for key, label in (("pass", "pass"), ("partial", "partial"), ("fail", "fail"), ("na", "n/a")):
        text = item.criteria.get(key)
        if text:
            lines.append(f"| {label} | {text.strip()} |")
    lines += ["", "Waivable in `[tool.twelvefactor.waive.\"" + item.id + "\"]` with a reason.", ""]
    lines += ["## Remediation", "", item.remediation.strip(), ""]
    if item.remediation_ko:
        lines += [item.remediation_ko.strip(), ""]
    if item.peers:
        lines += ["## Equivalent checks in other tools", ""]
        for peer, ids in sorted(item.peers.items()):
            lines.append(f"- {PEER_NAMES.get(peer, peer)}: {', '.join(f'`{i}`' for i in ids)}")
        lines.append("")
    return "\n".join(lines)


def index_page(catalog: Catalog) -> str:
    lines = ["# Checklist items", "", f"Catalog version {catalog.version}: {len(catalog.items)} items.", ""]
    for area in catalog.areas:
        lines += [f"## {area.title_in('en')} ({area.title_in('ko')}) — `{area.id}`", "", "| item | title | 제목 | severity |", "|---|---|---|---|"]
        for item in catalog.items_of(area.id):
            lines.append(f"| [`{item.id}`]({item.id}.md) | {item.title_in('en')} | {item.title_in('ko')} | {item.severity} |")
        lines.append("")
    return "\n".join(lines)


def render_all() -> dict[str, str]:
    catalog = load_catalog()
    evaluators = load_builtin()
    pages = {f"{item.id}.md": item_page(item, catalog, evaluators) for item in catalog.items}
    pages["README.md"] = index_page(catalog)
    return pages


def write(directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    pages = render_all()
    for name, text in pages.items():
        (directory / name).write_text(text, encoding="utf-8")
    return len(pages)
