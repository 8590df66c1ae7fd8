"""Text patches: edits of files the kit must not rewrite wholesale (Dockerfiles,
requirements, Python source, CI workflows, kustomization files). Each generator
returns :class:`~pytest_twelvefactor.fix.base.TextEdit` transforms; the kit applies
them in order and writes one unified diff per file."""

from __future__ import annotations

import ast


def insert_after_imports(text: str, block: str) -> str:
    """``block`` after the module's last top-level import (after the docstring when none)."""
    tree = ast.parse(text)
    last = 0
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            last = node.end_lineno or node.lineno
        elif last:
            break
    if not last and tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(getattr(tree.body[0], "value", None), ast.Constant):
        last = tree.body[0].end_lineno or 1
    lines = text.split("\n")
    return "\n".join(lines[:last] + block.rstrip("\n").split("\n") + lines[last:])


def add_import(text: str, statement: str) -> str:
    if any(line.strip() == statement for line in text.split("\n")):
        return text
    return insert_after_imports(text, statement)


def ensure_newline(text: str) -> str:
    return text if text.endswith("\n") or not text else text + "\n"
