"""The machine-readable result (``--twelvefactor-json``); schema in docs/json-schema.md."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .. import __version__
from .atomic import write_text

SCHEMA_VERSION = 1


def build(*, root, results, scores, catalog, environments, diagnostics, judged, started, settings=None) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "pytest-twelvefactor", "version": __version__},
        "catalog_version": catalog.version,
        "root": str(root),
        "timestamp": started.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
        "judged_deployment": judged,
        "environments": environments,
        "diagnostics": diagnostics,
        "items": [r.to_dict() for r in results],
        "scores": scores.to_dict(),
        "settings": settings or {},
    }


def write(path: Path, document: dict) -> None:
    write_text(Path(path), json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def load(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    if not isinstance(document, dict) or "items" not in document:
        raise ValueError(f"{path}: not a pytest-twelvefactor result")
    return document


def build_fleet(documents: list[dict], started) -> dict:
    """Several audited trees: one result document per app, and the fleet table."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "pytest-twelvefactor", "version": __version__},
        "timestamp": started.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
        "fleet": [
            {
                "app": d.get("app"), "root": d["root"],
                "twelve_factor": d["scores"].get("twelve_factor"), "cloud_native": d["scores"].get("cloud_native"),
                "counts": _total_counts(d),
            }
            for d in documents
        ],
        "apps": documents,
    }


def _total_counts(document: dict) -> dict:
    totals: dict[str, int] = {}
    for counts in document["scores"].get("counts", {}).values():
        for verdict, n in counts.items():
            totals[verdict] = totals.get(verdict, 0) + n
    return totals
