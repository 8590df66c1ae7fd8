"""Lay out and write a remediation kit. Nothing is ever written into the audited tree.

Layout of ``DIR``::

    kustomize/component/          a Kustomize Component (kind: Component): new objects + patches
    kustomize/component/env-<e>/  patches for one environment only (also a Component)
    manifests/                    plain manifests, when the repository has no Kustomize
    patches/<path>.diff           unified diffs of the repository's files (difflib, against the originals)
    README.md                     every change, the items it addresses, the expected gain, the decisions
    kit.json                      where each generated file goes in the repository, for tools (and the preview)

The component is meant to be copied to ``install`` (e.g. ``kubernetes/components/twelvefactor``);
the diffs of the overlays' kustomization.yaml add it to their ``components:``.
"""

from __future__ import annotations

import difflib
import json
import posixpath
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import Kit, yamledit
from .base import Change, TextEdit, WorkloadPatch

COMPONENT = "kustomize/component"


class KitError(Exception):
    """A usage error (the output directory is not acceptable)."""


@dataclass
class Layout:
    files: dict[str, str] = field(default_factory=dict)        # kit-relative path -> content
    install: dict[str, str] = field(default_factory=dict)      # kit-relative path -> repository-relative path
    finals: dict[str, tuple[str, str]] = field(default_factory=dict)  # repo path -> (original, final)
    diffs: dict[str, str] = field(default_factory=dict)        # repo path -> kit-relative diff path
    file_changes: dict[str, list[str]] = field(default_factory=dict)  # change key -> kit/repo paths it touches
    refused: list[str] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)
    install_dir: str | None = None


def dump(doc: dict) -> str:
    return yaml.safe_dump(doc, default_flow_style=False, sort_keys=False, width=120, allow_unicode=True)


def dump_all(docs: list[dict]) -> str:
    return yaml.safe_dump_all(docs, default_flow_style=False, sort_keys=False, width=120, allow_unicode=True)


def check_out_dir(out: Path, root: Path) -> None:
    """Refuse an output directory inside the audited tree (unless it does not exist yet or is empty,
    and even then: it would become part of the next audit) — the tree stays untouched."""
    out, root = Path(out).resolve(), Path(root).resolve()
    if out == root or root in out.parents:
        raise KitError(f"--twelvefactor-fix: {out} is inside the audited tree {root}; choose a directory outside it")
    if out in root.parents:
        raise KitError(f"--twelvefactor-fix: {out} contains the audited tree {root}; choose a directory outside it")
    if out.exists() and not out.is_dir():
        raise KitError(f"--twelvefactor-fix: {out} exists and is not a directory")


def _roots(k8s) -> list[str]:
    out: list[str] = []
    for env in k8s.environments:
        for part in env.source.split(", "):
            part = "" if part in (".", "") else part
            if part not in out and part in k8s.kustomizations:
                out.append(part)
    return out


def _install_dir(roots: list[str], index) -> str:
    common = posixpath.commonpath(roots) if roots and all(roots) else ""
    base = posixpath.dirname(common) if len(roots) > 1 else posixpath.dirname(roots[0]) if roots else ""
    candidate = posixpath.join(base, "components", "twelvefactor") if base else "components/twelvefactor"
    n = 2
    while any(p.startswith(candidate + "/") for p in index.all_paths()):
        candidate = f"{candidate.rstrip('0123456789-')}-{n}"
        n += 1
    return candidate


def _add_components(entries: list[str]):
    def transform(text: str) -> str:
        lines = text.rstrip("\n").split("\n")
        block = next((i for i, l in enumerate(lines) if re.match(r"^components:\s*(#.*)?$", l)), None)
        if block is None:
            return "\n".join(lines + ["", "# Added by the pytest-twelvefactor remediation kit", "components:"]
                             + [f"  - {e}" for e in entries]) + "\n"
        end = block
        indent = "  "
        for i in range(block + 1, len(lines)):
            if lines[i].strip() and not lines[i].startswith((" ", "-", "\t")):
                break
            if lines[i].lstrip().startswith("- "):
                end = i
                indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
        return "\n".join(lines[: end + 1] + [f"{indent}- {e}" for e in entries] + lines[end + 1:]) + "\n"
    return transform


def layout(kit: Kit, repo) -> Layout:
    out = Layout()
    k8s = repo.kubernetes
    edits: list[tuple[str, TextEdit]] = [(c.key, e) for c in kit.changes for e in c.edits]
    env_names = k8s.env_names()
    if kit.mode == "kustomize":
        out.roots = _roots(k8s)
        install = out.install_dir = _install_dir(out.roots, repo.files)
        resources: list[str] = []
        patches: dict[tuple[str, ...] | None, list[str]] = {}
        for change in kit.changes:
            for res in change.resources:
                path = f"{COMPONENT}/{res.filename}"
                out.files[path] = dump(res.doc)
                resources.append(res.filename)
                out.file_changes.setdefault(change.key, []).append(path)
            for patch in change.patches:
                envs = patch.envs
                present = tuple(e for e in env_names if e in _variant_envs(k8s, patch))
                if envs is None and len(present) < len(env_names):
                    envs = present
                if envs is None:
                    path = f"{COMPONENT}/patches/{patch.filename}"
                    patches.setdefault(None, []).append(f"patches/{patch.filename}")
                else:
                    for env in envs:
                        path = f"{COMPONENT}/env-{env}/patches/{patch.filename}"
                        patches.setdefault((env,), []).append(f"patches/{patch.filename}")
                        out.files[path] = dump(patch.doc)
                        out.file_changes.setdefault(change.key, []).append(path)
                    continue
                out.files[path] = dump(patch.doc)
                out.file_changes.setdefault(change.key, []).append(path)
        if resources or patches:
            out.files[f"{COMPONENT}/kustomization.yaml"] = dump({
                "apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
                **({"resources": sorted(set(resources))} if resources else {}),
                **({"patches": [{"path": p} for p in sorted(set(patches.get(None, [])))]} if patches.get(None) else {}),
            })
            out.install[COMPONENT] = install
            for key, paths in patches.items():
                if key is None:
                    continue
                out.files[f"{COMPONENT}/env-{key[0]}/kustomization.yaml"] = dump({
                    "apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
                    "patches": [{"path": p} for p in sorted(set(paths))]})
            for root in out.roots:
                env = next((e.name for e in k8s.environments if root in e.source.split(", ")), None)
                entries = [posixpath.relpath(install, root or ".")]
                if env is not None and (env,) in patches:
                    entries.append(posixpath.relpath(f"{install}/env-{env}", root or "."))
                path = k8s.kustomizations[root].path
                edits.append(("component", TextEdit(path, _add_components(entries), "include the generated component")))
    elif kit.mode == "manifests":
        install = out.install_dir = _manifest_dir(k8s)
        for change in kit.changes:
            for res in change.resources:
                path = f"manifests/twelvefactor-{res.filename}"
                out.files[path] = dump(res.doc)
                out.install[path] = posixpath.join(install, f"twelvefactor-{res.filename}") if install else f"twelvefactor-{res.filename}"
                out.file_changes.setdefault(change.key, []).append(path)
            for patch in change.patches:
                original = repo.text(patch.target.path)
                if original is None or yamledit.merge(original, patch.doc) is None:
                    out.refused.append(f"{change.key}: {patch.target.path} ({patch.kind}/{patch.name}) could not be merged as text; "
                                       "apply this patch by hand:\n\n```yaml\n" + dump(patch.doc) + "```")
                    continue
                edits.append((change.key, TextEdit(patch.target.path, _merger(patch), f"{patch.label} of {patch.kind}/{patch.name}")))
    by_path: dict[str, list[tuple[str, TextEdit]]] = {}
    for key, edit in edits:
        by_path.setdefault(edit.path, []).append((key, edit))
    for path, group in sorted(by_path.items()):
        original = repo.text(path)
        if original is None:
            continue
        text = original
        for key, edit in group:
            try:
                new = edit.transform(text)
            except Exception as exc:  # a transform that cannot handle this file: skip it, keep the others
                out.refused.append(f"{key}: {path}: {edit.description} not applied ({exc.__class__.__name__})")
                continue
            text = new if isinstance(new, str) else text
        if text == original:
            continue
        diff_path = "patches/" + path.replace("/", "__") + ".diff"
        out.finals[path] = (original, text)
        out.diffs[path] = diff_path
        out.files[diff_path] = unified_diff(path, original, text)
        for key, _edit in group:
            out.file_changes.setdefault(key, []).append(diff_path)
    return out


def _merger(patch: WorkloadPatch):
    def transform(text: str) -> str:
        merged = yamledit.merge(text, patch.doc)
        return text if merged is None else merged
    return transform


def _variant_envs(k8s, patch: WorkloadPatch) -> set[str]:
    for work in k8s.workloads:
        if any(o is patch.target or (o.path, o.line) == (patch.target.path, patch.target.line) for o in work.variants.values()):
            return set(work.variants)
    return set(k8s.env_names())


def _manifest_dir(k8s) -> str:
    dirs = sorted({posixpath.dirname(w.path) for w in k8s.app_workloads()}) or sorted({posixpath.dirname(o.path) for o in k8s.objects()})
    if not dirs:
        return ""
    return posixpath.commonpath(dirs) if all(dirs) else dirs[0]


def unified_diff(path: str, original: str, new: str) -> str:
    lines = difflib.unified_diff(original.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}")
    text = ""
    for line in lines:
        text += line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
    return text


def write(kit: Kit, lay: Layout, out_dir: Path, readme: str) -> list[str]:
    """Write the kit (replacing an earlier kit in ``out_dir``); returns the written paths."""
    out_dir = Path(out_dir)
    for sub in ("kustomize", "manifests", "patches"):
        if (out_dir / sub).is_dir():
            shutil.rmtree(out_dir / sub)
    written = []
    files = dict(lay.files)
    files["README.md"] = readme
    files["kit.json"] = json.dumps(manifest(kit, lay), indent=2, ensure_ascii=False) + "\n"
    for rel, content in sorted(files.items()):
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        written.append(rel)
    return written


def manifest(kit: Kit, lay: Layout) -> dict:
    return {
        "mode": kit.mode,
        "install": lay.install,
        "diffs": [lay.diffs[p] for p in sorted(lay.diffs)],
        "changes": [{"key": c.key, "title": c.title, "items": list(c.items), "files": sorted(set(lay.file_changes.get(c.key, [])))}
                    for c in kit.changes],
        "skipped": [{"items": list(s.items), "reason": s.reason} for s in kit.skipped],
    }


def changes_by_key(kit: Kit) -> dict[str, Change]:
    return {c.key: c for c in kit.changes}
