"""Helpers for the remediation-kit tests: audit a small tree and build its kit."""

from __future__ import annotations

import hashlib
from pathlib import Path

import textwrap

from pytest_twelvefactor.audit import Audit
from pytest_twelvefactor.catalog import load_catalog
from pytest_twelvefactor.fix import build


CATALOG = load_catalog()
EXAMPLES = Path(__file__).resolve().parents[2] / "conftest_examples"


def write_tree(root: Path, files: dict) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(root).rglob("*") if ".git" not in p.parts):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def audit_tree(root: Path, render: bool = True) -> Audit:
    audit = Audit(root, render=render, catalog=CATALOG)
    audit.results_by_id = {r.item_id: r for r in audit.evaluate_all()}
    return audit


def kit_for(tmp_path: Path, files: dict, render: bool = False):
    """(Kit, Audit) for a small repository written under ``tmp_path``."""
    root = tmp_path / "repo"
    root.mkdir(parents=True, exist_ok=True)
    write_tree(root, files)
    audit = audit_tree(root, render=render)
    return build(audit.repo, audit.results_by_id), audit


def change(kit, key):
    return next((c for c in kit.changes if c.key == key), None)
