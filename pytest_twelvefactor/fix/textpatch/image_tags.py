"""The image tag strategy: deploy the unique tag CI pushes, never a moving one.

Generated only when the evidence is complete: a CI workflow builds and pushes an image
with a unique per-build tag and deploys a Kustomize directory with ``kubectl apply -k``,
and that directory (or its bases) pins the image through ``images: newTag:`` to a
mutable tag. Then:

- the kustomization's ``newTag: latest`` becomes ``newTag: placeholder`` (never deployed
  as such);
- before each ``kubectl apply -k DIR`` the workflow runs ``kustomize edit set image`` with
  the unique tag of the build (images built elsewhere get a repository variable, which
  the user must define);
- the mutable tag the build pushes beside the unique one is dropped.
"""

from __future__ import annotations

import posixpath
import re

from ...model.kubernetes import as_dict, as_list, is_mutable_tag
from ..base import Change, FixContext, TextEdit

ITEMS = ("factor05.immutable-images", "factor05.rollback", "cicd.rollback", "factor05.release-versioning", "cicd.image-versioning")
_APPLY = re.compile(r"^(?P<indent>\s*)(?P<cmd>.*\bkubectl\s+apply\s+(?:-k|--kustomize)[=\s]+(?P<q>[\"']?)(?P<dir>[^\s\"']+)(?P=q))")
_UNIQUE = re.compile(r"^tag (?P<ref>.+?): (unique per build|version tag)")
_MUTABLE = re.compile(r"^tag (?P<ref>.+?): (mutable tag|no tag)")
_PORTABLE = re.compile(r"^\$\{\{\s*(github\.(sha|run_number|run_id|run_attempt)|env\.\w+)\s*\}\}$")


def _split_ref(ref: str) -> tuple[str, str] | None:
    """(name, tag) of an image reference whose tag follows the last ':' outside ${{ }}."""
    depth = 0
    cut = -1
    for i, ch in enumerate(ref):
        if ref.startswith("${{", i):
            depth += 1
        elif ref.startswith("}}", i) and depth:
            depth -= 1
        elif ch == ":" and not depth:
            cut = i
    if cut <= 0:
        return None
    return ref[:cut], ref[cut + 1:]


def _workflow_env(pipeline) -> dict[str, str]:
    out, inside = {}, False
    for line in pipeline.lines:
        if re.match(r"^env:\s*$", line):
            inside = True
            continue
        if inside:
            match = re.match(r"^\s+(\w+):\s*(.+?)\s*$", line)
            if match and line.startswith((" ", "\t")):
                out[match.group(1)] = match.group(2).strip("'\"")
                continue
            if line.strip() and not line.startswith((" ", "\t", "#")):
                inside = False
    return out


def _resolve(expr: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*env\.(\w+)\s*\}\}", lambda m: env.get(m.group(1), m.group(0)), expr)


def _portable(tag: str, env: dict[str, str]) -> bool:
    """A tag expression that means the same in the deploy job (no step outputs, no shell variables)."""
    if "$" in re.sub(r"\$\{\{[^}]*\}\}", "", tag):
        return False
    for part in re.findall(r"\$\{\{\s*([^}]*?)\s*\}\}", tag):
        if re.fullmatch(r"github\.(sha|run_number|run_id|run_attempt)", part):
            continue
        match = re.fullmatch(r"env\.(\w+)", part)
        if not (match and match.group(1) in env):
            return False
    return True


def _mutable_entries(ctx: FixContext, directory: str) -> list[tuple[str, int, str]]:
    """(kustomization path, line of newTag, image name) for mutable newTag entries in the closure of ``directory``."""
    out = []
    for kust in ctx.k8s.kustomize_closure(directory):
        for entry in as_list(kust.doc.get("images")):
            entry = as_dict(entry)
            tag = entry.get("newTag")
            if entry.get("name") and tag is not None and not entry.get("digest") and is_mutable_tag(f"x:{tag}"):
                line = entry.line_of("newTag") if hasattr(entry, "line_of") else 0
                if line:
                    out.append((kust.path, line, str(entry.get("newName") or entry["name"])))
    return out


def _set_newtag(lines_wanted: set[int]):
    def transform(text: str) -> str:
        lines = text.split("\n")
        for number in lines_wanted:
            if 0 < number <= len(lines):
                lines[number - 1] = re.sub(r"(newTag:\s*)(\S+)(.*)$", r"\1placeholder  # set by CI (kustomize edit set image)", lines[number - 1])
        return "\n".join(lines)
    return transform


def _workflow_transform(drop: set[str], inserts: dict[str, list[str]]):
    """Content-based (other edits of the same file may move lines): drop lines that hold only a
    mutable tag in ``drop``; insert commands before each ``kubectl apply -k`` of a directory in ``inserts``."""
    def transform(text: str) -> str:
        out = []
        for line in text.split("\n"):
            if line.strip().removeprefix("- ").strip().strip("'\"") in drop:
                continue
            match = _APPLY.match(line)
            if match and match.group("dir") in inserts:
                indent = line[: len(line) - len(line.lstrip())]
                out.extend(indent + extra for extra in inserts[match.group("dir")])
            out.append(line)
        return "\n".join(out)
    return transform


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.kustomize or not ctx.wants(*ITEMS):
        return []
    release = ctx.results.get("factor05.release-versioning")
    evidence = list(release.evidence) if release is not None else []
    change = Change("image-tags", "Deploy the unique image tag CI pushes (no moving tags)", ctx.failing(*ITEMS))
    env_dirs = {e.source for e in ctx.k8s.environments}
    newtag_lines: dict[str, set[int]] = {}
    for pipeline in ctx.repo.ci.pipelines if hasattr(ctx.repo.ci, "pipelines") else []:
        if pipeline.system != "github":
            continue
        wf_env = _workflow_env(pipeline)
        built: dict[str, str] = {}   # resolved image name -> "name=name:tag" (CI expressions kept)
        for e in evidence:
            match = _UNIQUE.match(e.message) if e.path == pipeline.path and e.ok else None
            split = _split_ref(match.group("ref")) if match else None
            if split and _portable(split[1], wf_env):
                built[_resolve(split[0], wf_env)] = f"{split[0]}={split[0]}:{split[1]}"
        if not built:
            continue
        inserts: dict[str, list[str]] = {}
        for number, line in enumerate(pipeline.lines, start=1):
            match = _APPLY.match(line)
            if not match:
                continue
            target = match.group("dir")
            resolved = posixpath.normpath(_resolve(target, wf_env)) if "$" not in target else None
            candidates = [d for d in env_dirs if resolved == d] if resolved else sorted(env_dirs)
            if not candidates:
                continue
            entries = [x for d in candidates for x in _mutable_entries(ctx, d)]
            if not entries:
                continue
            commands = []
            for _path, _line, name in sorted({(p, l, n) for p, l, n in entries}, key=lambda x: x[2]):
                if name in built:
                    setting = built[name]
                else:
                    var = re.sub(r"\W", "_", name.rsplit("/", 1)[-1]).upper() + "_TAG"
                    setting = f"{name}={name}:${{{{ vars.{var} }}}}"
                    change.decisions.append(f"Image {name} is not built by {pipeline.path}: define the repository variable "
                                            f"`{var}` with the tag to deploy (the workflow sets it before `kubectl apply -k`).")
                commands.append(f'(cd {match.group("q")}{target}{match.group("q")} && kustomize edit set image "{setting}")')
            for path, line, _name in entries:
                newtag_lines.setdefault(path, set()).add(line)
            inserts[target] = sorted(set(commands))
        if not inserts:
            continue
        drop: set[str] = set()
        dropped_lines = []
        for e in evidence:
            match = _MUTABLE.match(e.message) if e.path == pipeline.path and e.ok is False and e.line else None
            if match:
                text = pipeline.lines[e.line - 1] if e.line <= len(pipeline.lines) else ""
                others = [u for u in evidence if u.path == pipeline.path and u.ok and u.line and abs(u.line - e.line) <= 3]
                if others and text.strip().removeprefix("- ").strip().strip("'\"") == match.group("ref"):  # one tag alone on its line
                    drop.add(match.group("ref"))
                    dropped_lines.append(e.line)
        change.edits.append(TextEdit(pipeline.path, _workflow_transform(drop, inserts),
                                     "set the unique image tag before each `kubectl apply -k`" + ("; stop pushing the mutable tag" if drop else "")))
        steps = sum(1 for line in pipeline.lines if (m := _APPLY.match(line)) and m.group("dir") in inserts)
        change.notes.append(f"{pipeline.path}: `kustomize edit set image` before {steps} `kubectl apply -k` command(s)"
                            + (f"; mutable tag line(s) {', '.join(map(str, sorted(dropped_lines)))} removed" if drop else ""))
    for path, lines in sorted(newtag_lines.items()):
        change.edits.append(TextEdit(path, _set_newtag(lines), "newTag: placeholder (CI sets the release tag)"))
        change.notes.append(f"{path}: mutable newTag at line(s) {', '.join(map(str, sorted(lines)))} → placeholder, set by CI")
    if change.edits:
        names = {n for d in env_dirs for _p, _l, n in _mutable_entries(ctx, d)}
        ctx.retagged = getattr(ctx, "retagged", set()) | names
        change.decisions.append("The deploy job needs the `kustomize` CLI (preinstalled on GitHub's ubuntu runners; otherwise add a "
                                "setup step). Rolling back = re-running the deploy of an earlier commit, or "
                                "`kustomize edit set image` with an earlier tag.")
    else:
        ctx.skip(("factor05.rollback", "factor05.immutable-images"),
                 "image tags not generated: no CI workflow both pushes a unique per-build tag and deploys the overlays with "
                 "`kubectl apply -k` — pin each image to a release tag (or digest) where you deploy")
    return [] if change.empty else [change]
