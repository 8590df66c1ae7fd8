"""Write the requested report files from one view; shared by the plugin and the CLI."""

from __future__ import annotations

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
