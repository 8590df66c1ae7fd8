"""SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning and others).

One rule per catalog item; one result per failing or partial piece of
located evidence (fail → ``error``, partial → ``warning``), with its physical
location relative to the audited root (``%SRCROOT%``). Evidence without a
file (e.g. "no alert rules anywhere") has no location to show and is left
to the other reports.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import PurePosixPath
from urllib.parse import quote

from .. import __version__
from ..results import Verdict
from .view import ReportView

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/pytest-twelvefactor/pytest-twelvefactor"
DEFAULT_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
RESULT_LEVEL = {Verdict.FAIL: "error", Verdict.PARTIAL: "warning"}
SECURITY_SEVERITY = {"critical": "9.0", "high": "7.0", "medium": "5.0", "low": "3.0"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _pascal(item_id: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[.\-_]", item_id))


def _clean(text: str) -> str:
    return _CONTROL.sub("", str(text))


def _rule(item, catalog) -> dict:
    areas = [item.area] + ([catalog.item(item.same_as).area] if item.same_as else [])
    help_text = f"{item.remediation.strip()}\n\nDocs: {item.docs_url}"
    rule = {
        "id": item.id,
        "name": _pascal(item.id),
        "shortDescription": {"text": item.title_in("en")},
        "fullDescription": {"text": item.rationale.strip() or item.title_in("en")},
        "help": {"text": help_text, "markdown": f"{item.remediation.strip()}\n\n[Reference]({item.docs_url})"},
        "helpUri": item.docs_url,
        "defaultConfiguration": {"level": DEFAULT_LEVEL.get(item.severity, "warning")},
        "properties": {
            "tags": ["twelvefactor"] + areas + (["security"] if "security" in areas and item.area != "security" else []),
            "areas": areas,
            "severity": item.severity,
            "title_ko": item.title_in("ko"),
            "peers": item.peers,
        },
    }
    if "security" in areas or item.area == "containerization":
        rule["properties"]["security-severity"] = SECURITY_SEVERITY.get(item.severity, "5.0")
    return rule


def build(view: ReportView) -> dict:
    catalog = view.catalog
    rules = [_rule(item, catalog) for item in catalog.items]
    index = {item.id: n for n, item in enumerate(catalog.items)}
    results = []
    for result in view.results:
        level = RESULT_LEVEL.get(result.verdict)
        if level is None:
            continue
        located = [e for e in result.evidence if e.ok is False and e.path]
        for evidence in located:
            region = {"startLine": max(1, int(evidence.line))} if evidence.line else None
            physical = {"artifactLocation": {"uri": quote(evidence.path), "uriBaseId": "%SRCROOT%"}}
            if region:
                physical["region"] = region
            fingerprint = hashlib.sha256(f"{result.item_id}\0{evidence.path}\0{evidence.message}".encode()).hexdigest()[:32]
            results.append({
                "ruleId": result.item_id,
                "ruleIndex": index[result.item_id],
                "level": level,
                "message": {"text": _clean(f"{result.summary}: {evidence.message}")},
                "locations": [{"physicalLocation": physical}],
                "partialFingerprints": {"twelvefactorFinding/v1": fingerprint},
                "properties": {"verdict": result.verdict.value, "area": result.area},
            })
    run = {
        "tool": {"driver": {
            "name": "pytest-twelvefactor", "version": __version__, "semanticVersion": __version__,
            "informationUri": INFORMATION_URI, "rules": rules,
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": _root_uri(view.document.get("root", ""))}},
        "columnKind": "utf16CodeUnits",
        "results": results,
        "properties": {"scores": view.scores},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _root_uri(root: str) -> str:
    uri = PurePosixPath(str(root) or "/").as_uri() if str(root).startswith("/") else "file:///"
    return uri if uri.endswith("/") else uri + "/"


def build_empty() -> dict:
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": []}


def render(view: ReportView) -> str:
    return json.dumps(build(view), ensure_ascii=False, indent=2) + "\n"
