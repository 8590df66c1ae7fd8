"""Exact pins for unpinned runtime requirements, from a lock file next to them or else
from the version installed where the audit runs (only when it satisfies the existing
specifier). Requirements with neither stay as they are."""

from __future__ import annotations

import re
from importlib import metadata

from ...model.dependencies import normalize
from ..base import Change, FixContext, TextEdit

ITEMS = ("factor02.pinned",)


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
    except Exception:  # a broken distribution: no answer
        return None


def _satisfies(version: str, spec: str) -> bool:
    try:
        from packaging.specifiers import SpecifierSet
        return not spec or version in SpecifierSet(spec)
    except Exception:
        return False


def _pin(lines_wanted: dict[int, str]):
    def transform(text: str) -> str:
        lines = text.split("\n")
        for number, version in lines_wanted.items():
            line = lines[number - 1]
            match = re.match(r"^(\s*[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?)\s*([<>=!~][^;#]*)?(\s*;[^#]*)?(\s*#.*)?$", line)
            if match:
                marker = (match.group(4) or "").rstrip()
                comment = f"  {match.group(5).strip()}" if match.group(5) else ""
                lines[number - 1] = f"{match.group(1)}=={version}{marker}{comment}"
        return "\n".join(lines)
    return transform


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.wants(*ITEMS):
        return []
    change = Change("pins", "Exact pins for unpinned requirements", ITEMS)
    missing = []
    for dep in ctx.repo.dependencies.files:
        if dep.kind != "requirements" or dep.dev:
            continue
        wanted: dict[int, str] = {}
        for req in dep.requirements:
            if req.pinned or req.spec.startswith(("-", "@")) or "://" in req.spec:
                continue
            version = _installed(req.name)
            if version and _satisfies(version, req.spec.split(";")[0].strip()):
                wanted[req.line] = version
                change.notes.append(f"{dep.path}:{req.line}: {req.name}{req.spec} → =={version} (installed version)")
            else:
                missing.append(f"{req.name} ({dep.path}:{req.line})")
        if wanted:
            change.edits.append(TextEdit(dep.path, _pin(wanted), "pin requirements"))
    if missing:
        ctx.skip(ITEMS, "no version known for " + ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")
                 + ": pin them with `pip freeze` from the image, or compile a lock file (pip-tools, uv)")
    if change.edits:
        change.decisions.append("Pins come from the versions installed where the audit ran: check they match what your "
                                "image installs (e.g. `pip freeze` inside it), or better, adopt a lock file.")
    return [] if change.empty else [change]


__all__ = ["generate", "normalize"]
