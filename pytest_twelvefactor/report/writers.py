"""Write the requested report files from one view; shared by the plugin and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from . import json_result, markdown, sarif
from .atomic import write_text
from .view import ReportView


def write_reports(view: ReportView, *, json_path=None, md_path=None, sarif_path=None) -> list[str]:
    written = []
    if json_path:
        json_result.write(Path(json_path), view.document)
        written.append(f"JSON result: {json_path}")
    if md_path:
        write_text(Path(md_path), markdown.render(view))
        written.append(f"Markdown report: {md_path}")
    if sarif_path:
        write_text(Path(sarif_path), sarif.render(view))
        written.append(f"SARIF: {sarif_path}")
    return written


def write_fleet_reports(views: list[ReportView], fleet_document: dict, *, json_path=None, md_path=None, sarif_path=None) -> list[str]:
    """A fleet run: one JSON with every app, Markdown with the fleet table then each app, SARIF with one run per app."""
    written = []
    if json_path:
        json_result.write(Path(json_path), fleet_document)
        written.append(f"JSON result: {json_path}")
    if md_path:
        write_text(Path(md_path), markdown.render_fleet(views, fleet_document))
        written.append(f"Markdown report: {md_path}")
    if sarif_path:
        logs = [sarif.build(view) for view in views]
        combined = dict(logs[0]) if logs else sarif.build_empty()
        combined["runs"] = [run for log in logs for run in log["runs"]]
        write_text(Path(sarif_path), json.dumps(combined, ensure_ascii=False, indent=2) + "\n")
        written.append(f"SARIF: {sarif_path}")
    return written
