"""Command line.

``python -m pytest_twelvefactor report RESULT.json [--md OUT.md] [--sarif OUT.sarif]
[--html OUT.html] [--json OUT.json] [--lang ko] [--baseline OLD.json]`` renders the
reports again from a saved result, without re-running the audit.

``python -m pytest_twelvefactor docs DIR`` writes the per-item reference pages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _report(args) -> int:
    from .catalog import load_catalog
    from .report import json_result
    from .report.atomic import write_text
    from .report.html import standalone_page
    from .report.i18n import LANGUAGES
    from .report.view import ReportView
    from .report.writers import write_reports

    if args.lang not in LANGUAGES:
        print(f"error: unknown language {args.lang!r} (known: {', '.join(LANGUAGES)})", file=sys.stderr)
        return 2
    try:
        document = json_result.load(args.result)
        baseline = json_result.load(args.baseline) if args.baseline else None
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    view = ReportView(document, load_catalog(), args.lang, baseline=baseline)
    if baseline is not None:
        document["comparison"] = view.comparison.to_dict()
    document["roadmap"] = [entry.to_dict() for entry in view.roadmap]
    written = write_reports(view, json_path=args.json, md_path=args.md, sarif_path=args.sarif)
    if args.html:
        write_text(args.html, standalone_page(view))
        written.append(f"HTML report: {args.html}")
    if not written:
        print("nothing to write: give --md, --sarif, --html or --json", file=sys.stderr)
        return 2
    for line in written:
        print(f"wrote {line}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_twelvefactor")
    sub = parser.add_subparsers(dest="command", required=True)
    docs = sub.add_parser("docs", help="write the per-item reference pages generated from the catalog")
    docs.add_argument("directory", type=Path)
    report = sub.add_parser("report", help="render reports from a saved JSON result")
    report.add_argument("result", type=Path, help="a --twelvefactor-json result")
    report.add_argument("--md", type=Path, help="write Markdown in the seed report's structure")
    report.add_argument("--sarif", type=Path, help="write SARIF 2.1.0")
    report.add_argument("--html", type=Path, help="write a standalone HTML summary")
    report.add_argument("--json", type=Path, help="write the result again (with comparison and roadmap)")
    report.add_argument("--lang", default="en", help="en (default) or ko")
    report.add_argument("--baseline", type=Path, help="an earlier JSON result to compare with")
    fix = sub.add_parser("fix", help="write a remediation kit from a saved JSON result (docs/remediation.md)")
    fix.add_argument("result", type=Path, help="a --twelvefactor-json result of ROOT")
    fix.add_argument("root", type=Path, help="the audited tree (read only)")
    fix.add_argument("--out", type=Path, required=True, help="the kit directory (outside ROOT)")
    fix.add_argument("--preview", action="store_true", help="audit a copy with the kit applied: Before / After / change")
    fix.add_argument("--no-render", dest="render", action="store_false", help="do not run kubectl kustomize")
    args = parser.parse_args(argv)
    if args.command == "fix":
        from .fix.remediate import cli

        return cli(args)
    if args.command == "docs":
        from .docs import write

        count = write(args.directory)
        print(f"wrote {count} pages to {args.directory}")
        return 0
    return _report(args)


if __name__ == "__main__":
    sys.exit(main())
