"""One entry point for the plugin and the command line: audit results in, kit (and preview) out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import roadmap as roadmap_mod
from ..audit import Audit, ItemResult
from . import Kit, build
from . import kit as kit_mod
from . import preview as preview_mod


@dataclass
class Outcome:
    out_dir: Path
    kit: Kit
    layout: kit_mod.Layout
    written: list[str] = field(default_factory=list)
    preview: preview_mod.Preview | None = None
    checked: object = None


def remediate(audit: Audit, document: dict, catalog, out_dir: Path, *, preview: bool = False, render: bool = True) -> Outcome:
    """Generate the kit for ``audit`` (whose results are in ``document``) into ``out_dir``."""
    kit_mod.check_out_dir(out_dir, audit.root)
    results = {i["id"]: ItemResult.from_dict(i) for i in document.get("items", [])}
    kit = build(audit.repo, results)
    lay = kit_mod.layout(kit, audit.repo)
    roadmap = roadmap_mod.build(list(results.values()), catalog, document.get("settings", {}).get("area_weights", {}))
    out_dir = Path(out_dir)
    written = kit_mod.write(kit, lay, out_dir, render_readme(kit, lay, roadmap, catalog, None, audit.root))
    outcome = Outcome(out_dir, kit, lay, written)
    # Applying the written kit to a copy proves the diffs apply and the overlays render; the preview audits that copy.
    if preview:
        outcome.preview = preview_mod.run(audit.root, audit.settings, catalog, lay, out_dir, document, render=render,
                                          extra_evaluators=audit.extra_evaluators)
        checked = outcome.preview
    else:
        checked = preview_mod.check(audit.root, lay, out_dir, render=render)
    outcome.checked = checked
    (out_dir / "README.md").write_text(render_readme(kit, lay, roadmap, catalog, checked, audit.root), encoding="utf-8")
    return outcome


def _gains(change, roadmap, catalog) -> str:
    parts = []
    for entry in roadmap:
        if set(entry.items) & set(change.items):
            parts += [f"{catalog.area(a).title['en']} +{g:g}%" for a, g in entry.area_gains.items() if g]
    if not parts:
        return "keeps the items passing once they apply (n/a today)" if change.key in ("pdb", "spread") else "-"
    return ", ".join(dict.fromkeys(parts))


def render_readme(kit: Kit, lay, roadmap, catalog, preview, root: Path) -> str:
    out = ["# Remediation kit (pytest-twelvefactor)", "",
           f"Generated from the audit of `{Path(root).name}`. Nothing in the audited tree was changed: review these files, "
           "then apply them yourself.", ""]
    out += ["## How to apply", ""]
    if lay.install.get(kit_mod.COMPONENT):
        out += [f"1. Copy the Kustomize component: `cp -r kustomize/component <repo>/{lay.install[kit_mod.COMPONENT]}`",
                "2. Apply the diffs (they also add the component to "
                + ", ".join(f"`{r or '.'}`" for r in lay.roots) + "): `cd <repo> && git apply <kit>/patches/*.diff`", ""]
    elif lay.install:
        out += [f"1. Copy the manifests: `cp manifests/*.yaml <repo>/{lay.install_dir or '.'}/`",
                "2. Apply the diffs: `cd <repo> && git apply <kit>/patches/*.diff`", ""]
    elif lay.diffs:
        out += ["Apply the diffs: `cd <repo> && git apply <kit>/patches/*.diff`", ""]
    else:
        out += ["Nothing to apply: no failing or partial item has a safe, conventional change.", ""]
    if preview is not None:
        checks = [f"generated YAML parses ({'all files' if not preview.invalid else '; '.join(preview.invalid)})"]
        if preview.renders:
            checks.append("`kubectl kustomize` with the component: " + ", ".join(
                f"`{r}` {'✓' if status == 'ok' else '✗ ' + status}" for r, status in preview.renders.items()))
        checks.append("the diffs apply to an unmodified copy of the tree")
        out += ["Checked: " + "; ".join(checks) + ".", ""]
    out += ["## Changes", "", "| change | items | files | expected gain (if the items pass) |", "|---|---|---|---|"]
    for change in kit.changes:
        files = sorted(set(lay.file_changes.get(change.key, [])))
        shown = ", ".join(f"`{f}`" for f in files[:4]) + (f" (+{len(files) - 4})" if len(files) > 4 else "")
        out.append(f"| {change.title} | {', '.join(f'`{i}`' for i in change.items)} | {shown} | {_gains(change, roadmap, catalog)} |")
    out.append("")
    for change in kit.changes:
        out += [f"### {change.title}", ""]
        out += [f"- {note}" for note in change.notes]
        if change.decisions:
            out += ["", "**You decide:**", ""] + [f"- {d}" for d in dict.fromkeys(change.decisions)]
        out.append("")
    if lay.refused:
        out += ["## Patches to apply by hand", ""] + [f"- {r}" for r in lay.refused] + [""]
    if kit.skipped or kit.howto:
        out += ["## Not generated", "", "No safe default exists for these; what to do instead:", ""]
        out += [f"- {s.reason}" + (f" ({', '.join(f'`{i}`' for i in s.items)})" if s.items else "") for s in kit.skipped]
        out += [f"- `{item}`: {text}" for item, text in kit.howto.items()]
        out.append("")
    if isinstance(preview, preview_mod.Preview):
        out += ["## Preview: the audit with this kit applied", ""] + preview_mod.table(preview, catalog)
        if preview.new_failures:
            out += ["New failures introduced: " + ", ".join(f"`{i}`" for i in preview.new_failures), ""]
        else:
            out += ["No item gets worse.", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def cli(args) -> int:
    """``python -m pytest_twelvefactor fix RESULT.json ROOT --out DIR [--preview] [--no-render]``."""
    import sys

    from ..catalog import load_catalog
    from ..config import ConfigError, load_settings
    from ..report import json_result
    from .kit import KitError
    from .preview import terminal_lines

    catalog = load_catalog()
    try:
        document = json_result.load(args.result)
        settings = load_settings(args.root, {i.id for i in catalog.items}, {a.id for a in catalog.areas})
        audit = Audit(args.root, settings, render=args.render, catalog=catalog)
        outcome = remediate(audit, document, catalog, args.out, preview=args.preview, render=args.render)
    except (OSError, ValueError, ConfigError, KitError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(outcome.kit.changes)} change(s) for {len(outcome.kit.items)} item(s) to {outcome.out_dir}")
    if outcome.preview is not None:
        print("\n".join(terminal_lines(outcome.preview, catalog)))
    return 0
