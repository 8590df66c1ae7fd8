"""Strategic-merge patches applied to plain manifests as text insertions.

Without Kustomize a patch cannot live beside the manifest, so it is merged into the
file itself, keeping every existing line, comment and order: missing keys are
inserted (dumped with yaml.safe_dump at the right indentation), existing mappings are
merged recursively, containers are matched by name, a scalar is replaced on its own
line. Anything else (flow-style mappings, deletions, list items without names) makes
the edit refuse: :func:`merge` returns ``None`` and the kit generates nothing there.
"""

from __future__ import annotations

import re

import yaml

from ..model import yamlio
from ..model.kubernetes import as_dict

_NAMED_LISTS = ("containers", "initContainers")


class Refused(Exception):
    pass


def _key_column(line: str, key: str) -> int:
    match = re.match(r"^(\s*(?:-\s+)*)" + re.escape(str(key)) + r"\s*:", line)
    if not match:
        raise Refused(f"key {key} not at the start of its line")
    return len(match.group(1))


def _dump(key, value, column: int) -> list[str]:
    text = yaml.safe_dump({key: value}, default_flow_style=False, sort_keys=False, width=120).rstrip("\n")
    return [" " * column + line for line in text.split("\n")]


def _plan(node: yamlio.YMap, patch: dict, lines: list[str], inserts: list, replaces: list) -> None:
    if not isinstance(node, yamlio.YMap) or not node:
        raise Refused("not a block mapping")
    first = next(iter(node))
    first_line = node.line_of(first)
    if "{" in lines[first_line - 1].split("#")[0] and lines[first_line - 1].strip().startswith("{"):
        raise Refused("flow-style mapping")
    column = _key_column(lines[first_line - 1], first)
    list_item = lines[first_line - 1][:column].strip().startswith("-")
    for key, value in patch.items():
        if value is None:
            raise Refused("deletion")
        if key not in node:
            if not list_item:
                inserts.append((first_line - 1, _dump(key, value, column)))
            elif not isinstance(node[first], (dict, list)):
                inserts.append((first_line, _dump(key, value, column)))
            else:
                raise Refused("list item whose first key holds a block")
            continue
        current = node[key]
        if isinstance(value, dict):
            if not isinstance(current, yamlio.YMap) or not current:
                raise Refused(f"{key} is not a block mapping")
            _plan(current, value, lines, inserts, replaces)
        elif isinstance(value, list) and key in _NAMED_LISTS and isinstance(current, list):
            for item in value:
                match = next((c for c in current if isinstance(c, yamlio.YMap) and c.get("name") == as_dict(item).get("name")), None)
                if match is None:
                    raise Refused(f"no container {as_dict(item).get('name')}")
                _plan(match, {k: v for k, v in item.items() if k != "name"}, lines, inserts, replaces)
        elif isinstance(value, (str, int, float, bool)) and not isinstance(current, (dict, list)):
            line = node.line_of(key)
            replaces.append((line - 1, key, value))
        else:
            raise Refused(f"cannot merge {key}")


def _find(docs: list, kind: str, name: str, namespace: str | None):
    for doc in docs:
        meta = as_dict(as_dict(doc).get("metadata"))
        if as_dict(doc).get("kind") == kind and meta.get("name") == name and (namespace is None or meta.get("namespace") in (None, namespace)):
            return doc
    return None


def merge(text: str, patch: dict) -> str | None:
    """``text`` with the strategic-merge ``patch`` (apiVersion/kind/metadata.name/spec) merged in, or None."""
    try:
        docs = yamlio.load_all(text)
    except Exception:
        return None
    meta = as_dict(patch.get("metadata"))
    target = _find(docs, str(patch.get("kind")), str(meta.get("name")), meta.get("namespace"))
    if target is None:
        return None
    lines = text.split("\n")
    inserts: list = []
    replaces: list = []
    try:
        _plan(target, {k: v for k, v in patch.items() if k not in ("apiVersion", "kind", "metadata")}, lines, inserts, replaces)
    except Refused:
        return None
    for index, key, value in replaces:
        dumped = yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
        lines[index] = re.sub(r"^(\s*(?:-\s+)*" + re.escape(str(key)) + r"\s*:\s*)([^#]*?)(\s*#.*)?$",
                              lambda m: m.group(1) + dumped + (m.group(3) or ""), lines[index])
    for index, block in sorted(inserts, key=lambda x: x[0], reverse=True):
        lines[index:index] = block
    return "\n".join(lines)
