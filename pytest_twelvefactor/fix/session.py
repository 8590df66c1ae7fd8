"""``--twelvefactor-fix DIR`` / ``--twelvefactor-fix-preview`` inside a pytest session.

Called by the glue on the controller, after scores: one kit per audited tree (in a
fleet, ``DIR/<app>/``). Without ``--twelvefactor-fix`` the preview builds its kit in a
temporary directory that is removed afterwards.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from . import preview as preview_mod
from .kit import KitError, check_out_dir


def check_options(fix_dir, roots) -> None:
    """Refuse an output directory inside (or containing) an audited tree; raises KitError."""
    if fix_dir:
        for root in roots:
            check_out_dir(Path(fix_dir), Path(root))


def generate(plugin, fix_dir, want_preview: bool) -> None:
    """Generate (and preview) a kit for every app that has a report view; results go on ``app.fix``."""
    from .remediate import remediate

    apps = [app for app in plugin.apps.values() if app.view is not None]
    for app in apps:
        audit = app.audit(plugin.catalog)
        if fix_dir:
            out = Path(fix_dir) / app.name if app.name is not None else Path(fix_dir)
            app.fix = remediate(audit, app.view.document, plugin.catalog, out, preview=want_preview, render=plugin.render)
            app.fix_tmp = None
        else:
            scratch = tempfile.TemporaryDirectory(prefix="twelvefactor-kit-")
            app.fix = remediate(audit, app.view.document, plugin.catalog, Path(scratch.name), preview=True, render=plugin.render)
            scratch.cleanup()


def summary(tr, plugin, fix_dir) -> None:
    for app in plugin.apps.values():
        outcome = getattr(app, "fix", None)
        if outcome is None:
            continue
        title = "twelvefactor remediation kit" + (f": {app.name}" if app.name is not None else "")
        tr.write_sep("-", title)
        count = len(outcome.kit.changes)
        if fix_dir:
            tr.write_line(f"{count} change(s) for {len(outcome.kit.items)} item(s) written to {outcome.out_dir} "
                          f"(README.md lists them and the decisions to make)")
        else:
            tr.write_line(f"{count} change(s) for {len(outcome.kit.items)} item(s) (give --twelvefactor-fix DIR to keep them)")
        checked = outcome.checked
        if checked is not None and getattr(checked, "renders", None):
            bad = {r: s for r, s in checked.renders.items() if s != "ok"}
            tr.write_line("kubectl kustomize with the component: " + ("all overlays render" if not bad else
                          "FAILED: " + "; ".join(f"{r}: {s}" for r, s in bad.items())), red=bool(bad))
        if outcome.preview is not None:
            tr.write_line("Preview — the audit with the kit applied (Before / After / Δ):")
            for line in preview_mod.terminal_lines(outcome.preview, plugin.catalog):
                tr.write_line(line)
            if outcome.preview.new_failures:
                tr.write_line("New failures: " + ", ".join(outcome.preview.new_failures), red=True)


__all__ = ["KitError", "check_options", "generate", "summary"]
