"""Audit the repository as if the kit were applied, before anyone commits anything.

The audited tree is copied to a temporary directory (without .git and heavy
directories), the kit is applied there exactly as a user would apply it — generated
files copied to their install paths, the unified diffs applied — and the same audit
runs on the copy in-process. The result is the seed report's Before / After / Δ.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import baseline as baseline_mod
from ..audit import Audit
from ..model.kubernetes import _kustomize_command, _run_kustomize
from ..report import json_result
from ..report.markdown import pct, signed
from ..results import Verdict
from ..scoring import compute
from .kit import COMPONENT, Layout

IGNORED = (".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox", ".mypy_cache",
           ".pytest_cache", ".ruff_cache", ".terraform", ".gradle", "target", ".idea", ".vscode")


class DiffError(Exception):
    pass


def apply_diff(original: str, diff: str) -> str:
    """Apply a unified diff (as written by the kit) to ``original``; strict about context."""
    source = original.splitlines(keepends=True)
    out: list[str] = []
    position = 0
    lines = diff.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        header = re.match(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", lines[i])
        if not header:
            i += 1
            continue
        start = int(header.group(1)) - (0 if header.group(2) == "0" else 1)
        out.extend(source[position:start])
        position = start
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            line = lines[i]
            tag, body = line[:1], line[1:]
            no_newline = i + 1 < len(lines) and lines[i + 1].startswith("\\ No newline")
            if no_newline:
                body = body.rstrip("\n")
            if tag in (" ", "-"):
                if position >= len(source) or source[position] != body:
                    raise DiffError(f"context mismatch at line {position + 1}")
                position += 1
                if tag == " ":
                    out.append(body)
            elif tag == "+":
                out.append(body)
            i += 2 if no_newline else 1
    out.extend(source[position:])
    return "".join(out)


def copy_tree(root: Path, dest: Path) -> None:
    """Copy the tree without VCS data and heavy directories; a tree under git stays "under git"
    (an empty ``.git`` marker), so factor01.version-control judges the copy like the original."""
    root = Path(root).resolve()
    shutil.copytree(root, dest, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED), dirs_exist_ok=True)
    if any((p / ".git").exists() for p in (root, *root.parents)):
        (dest / ".git").mkdir(exist_ok=True)


def apply_kit(lay: Layout, kit_dir: Path, dest: Path) -> None:
    """Apply a written kit to ``dest`` (a copy of the audited tree): install files, then diffs."""
    kit_dir = Path(kit_dir)
    for kit_rel, repo_rel in lay.install.items():
        source = kit_dir / kit_rel
        target = dest / repo_rel
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    for repo_rel, diff_rel in sorted(lay.diffs.items()):
        target = dest / repo_rel
        original = target.read_text(encoding="utf-8")
        target.write_text(apply_diff(original, (kit_dir / diff_rel).read_text(encoding="utf-8")), encoding="utf-8")


@dataclass
class Preview:
    before: dict
    after: dict
    comparison: baseline_mod.Comparison
    renders: dict[str, str] = field(default_factory=dict)      # kustomization dir -> "ok" or the error
    invalid: list[str] = field(default_factory=list)           # generated YAML that does not parse

    @property
    def new_failures(self) -> list[str]:
        return [c.item_id for c in self.comparison.changes
                if c.after in ("fail", "partial") and (c.before in (None, "pass", "n/a", "waived")
                                                       or (c.before == "partial" and c.after == "fail"))]


def validate_yaml(lay: Layout) -> list[str]:
    bad = []
    for rel, content in lay.files.items():
        if rel.endswith((".yaml", ".yml")):
            try:
                docs = [d for d in yaml.safe_load_all(content) if d is not None]
                if not docs or not all(isinstance(d, dict) for d in docs):
                    bad.append(f"{rel}: not a YAML mapping")
            except yaml.YAMLError as exc:
                bad.append(f"{rel}: {exc}")
    return bad


def render_roots(lay: Layout, dest: Path, timeout: float = 60.0) -> dict[str, str]:
    tool = _kustomize_command()
    if tool is None or not lay.roots or COMPONENT not in lay.install:
        return {}
    out = {}
    for root in lay.roots:
        rendered, error = _run_kustomize(tool, dest / (root or "."), timeout)
        out[root or "."] = "ok" if rendered is not None else error
    return out


@dataclass
class Check:
    renders: dict[str, str] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)
    new_failures: list[str] = field(default_factory=list)


def check(root: Path, lay: Layout, kit_dir: Path, render: bool = True) -> Check:
    """Apply the written kit to a copy and render the overlays, without auditing."""
    with tempfile.TemporaryDirectory(prefix="twelvefactor-kitcheck-") as scratch:
        dest = Path(scratch) / Path(root).name
        copy_tree(Path(root), dest)
        apply_kit(lay, kit_dir, dest)
        return Check(render_roots(lay, dest) if render else {}, validate_yaml(lay))


def document(audit: Audit, results: list, catalog, started) -> dict:
    repo = audit.repo
    return json_result.build(
        root=audit.root, results=results, scores=compute(results, catalog), catalog=catalog,
        environments=audit.environments(), diagnostics=[d.to_dict() for d in repo.diagnostics_sorted()],
        judged=repo.judged_deployment, started=started,
    )


def run(root: Path, settings, catalog, lay: Layout, kit_dir: Path, before: dict, *, render: bool = True,
        item_ids: list[str] | None = None, extra_evaluators: dict | None = None) -> Preview:
    """Audit a copy of ``root`` with the written kit applied; ``before`` is the run's result document."""
    started = dt.datetime.now(dt.timezone.utc)
    ids = item_ids or [i["id"] for i in before.get("items", [])]
    with tempfile.TemporaryDirectory(prefix="twelvefactor-preview-") as scratch:
        dest = Path(scratch) / Path(root).name
        copy_tree(Path(root), dest)
        apply_kit(lay, kit_dir, dest)
        renders = render_roots(lay, dest) if render else {}
        audit = Audit(dest, settings, render=render, catalog=catalog, extra_evaluators=dict(extra_evaluators or {}))
        known = catalog.by_id()
        results = [audit.evaluate(i) for i in ids if i in known]
        after = document(audit, results, catalog, started)
        after["root"] = str(root)
    comparison = baseline_mod.compare(after, before, set(known))
    return Preview(before, after, comparison, renders, validate_yaml(lay))


def table(preview: Preview, catalog) -> list[str]:
    """Markdown Before / After / Δ per area and family, then the changed items."""
    out = ["| area | before | after | Δ |", "|---|---|---|---|"]
    for family, title in (("twelve_factor", "**12-Factor**"), ("cloud_native", "**Cloud Native**")):
        for area in catalog.areas:
            if area.family != family or area.id not in preview.comparison.areas:
                continue
            d = preview.comparison.areas[area.id]
            out.append(f"| {_title(area)} | {pct(d.before)} | {pct(d.after)} | {signed(d.delta)} |")
        d = preview.comparison.families.get(family)
        if d is not None:
            out.append(f"| {title} | **{pct(d.before)}** | **{pct(d.after)}** | **{signed(d.delta)}** |")
    out.append("")
    if preview.comparison.changes:
        out.append("Items that change:")
        out.append("")
        for change in preview.comparison.changes:
            out.append(f"- [{change.tag}] `{change.item_id}`: {change.before or '-'} → {change.after or '-'}")
        out.append("")
    return out


def _title(area) -> str:
    if area.family == "twelve_factor":
        return f"{area.number}. {area.title['en']}"
    return area.title["en"]


def terminal_lines(preview: Preview, catalog) -> list[str]:
    lines = [f"  {'area':<28} {'before':>9} {'after':>9} {'Δ':>9}"]
    for family, title in (("twelve_factor", "12-Factor"), ("cloud_native", "Cloud Native")):
        for area in catalog.areas:
            if area.family != family or area.id not in preview.comparison.areas:
                continue
            d = preview.comparison.areas[area.id]
            lines.append(f"  {_title(area)[:28]:<28} {pct(d.before):>9} {pct(d.after):>9} {_delta(d.delta):>9}")
        d = preview.comparison.families.get(family)
        if d is not None:
            lines.append(f"  {title:<28} {pct(d.before):>9} {pct(d.after):>9} {_delta(d.delta):>9}")
    return lines


def _delta(value) -> str:
    if value is None:
        return "n/a"
    return "=" if abs(value) < 0.005 else f"{value:+.2f}"


__all__ = ["Preview", "run", "apply_kit", "apply_diff", "table", "terminal_lines", "Verdict"]
