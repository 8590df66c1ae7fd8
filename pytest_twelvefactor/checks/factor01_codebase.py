"""Factor 1 — Codebase: version control, one codebase, many deploys."""

from __future__ import annotations

import hashlib
import posixpath
import re
import sys

from ..model.kubernetes import STAGE_NAMES
from ..results import Evidence, failed, not_applicable, partial, passed
from . import check
from .common import plural
from .factor02_dependencies import app_roots, local_module_names
from .factor09_disposability import process_types

# Files that declare a multi-package workspace (monorepo).
WORKSPACE_FILES = re.compile(
    r"^(pnpm-workspace\.yaml|lerna\.json|nx\.json|turbo\.json|go\.work|rush\.json|pants\.toml|workspace(\.bazel)?|module\.bazel)$", re.I
)
MAX_COPY_FILES = 5000
MIN_COPY_LINES = 10


@check("factor01.version-control")
def version_control(repo):
    """The audited tree is under git (a ``.git`` entry at its root or in a parent directory, as for a
    service inside a monorepo) and a CI system builds it (a recognised pipeline definition). Git with
    CI → pass; git without CI → partial; no git → fail (a CI definition alone does not prove it)."""
    pipelines = repo.ci.pipelines
    evidence = [Evidence(p.path, 1, f"CI pipeline ({p.system}) {p.path}", True) for p in pipelines]
    if not repo.files.has_git:
        evidence.insert(0, Evidence(None, None, "no .git in the audited directory or its parents: not a git checkout", False))
        return failed("not under git version control", evidence)
    evidence.insert(0, Evidence(None, None, "git repository (.git in the audited directory or a parent)", True))
    if not pipelines:
        evidence.append(Evidence(None, None, "no CI pipeline definition (GitHub Actions, GitLab CI, Azure Pipelines, Jenkins …)", False))
        return partial("under git, but no CI pipeline", evidence)
    return passed(f"under git with {plural(len(pipelines), 'CI pipeline')}", evidence)


def _workspace_declarations(repo) -> list[Evidence]:
    out = []
    for path in repo.files.all_paths():
        name = posixpath.basename(path)
        if WORKSPACE_FILES.match(name):
            out.append(Evidence(path, 1, f"workspace declared by {path}", True))
        elif name in ("package.json", "pyproject.toml", "Cargo.toml", "pom.xml") and "/" not in path:
            text = repo.text(path) or ""
            pattern = {
                "package.json": r'"workspaces"\s*:', "pyproject.toml": r"^\[tool\.(uv\.workspace|pdm\.workspace|poetry\.packages)",
                "Cargo.toml": r"^\[workspace\]", "pom.xml": r"<modules>",
            }[name]
            match = re.search(pattern, text, re.M)
            if match:
                out.append(Evidence(path, text[: match.start()].count("\n") + 1, f"workspace declared in {path}", True))
    return out


def _copied_files(repo, roots) -> list[Evidence]:
    """Identical source files (≥ 10 non-blank lines) that appear in two different app roots."""
    seen: dict[str, tuple[str, str]] = {}
    out = []
    count = 0
    for root in roots:
        paths = [m.path for m in root.python] + root.other_sources
        for path in paths:
            count += 1
            if count > MAX_COPY_FILES or posixpath.basename(path) == "__init__.py":
                continue
            text = repo.text(path) or ""
            lines = [l.strip() for l in text.split("\n") if l.strip()]
            if len(lines) < MIN_COPY_LINES:
                continue
            digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
            other = seen.get(digest)
            if other and other[1] != root.directory:
                out.append(Evidence(path, 1, f"{path} is a copy of {other[0]} (another app root)", False))
            else:
                seen.setdefault(digest, (path, root.directory))
    return out


def _stdlib_only(root, stdlib: set[str], local: set[str]) -> bool:
    """A Python-only root importing nothing but the standard library and local modules (as factor02.declared)."""
    return bool(root.python) and not root.other_sources and all(
        name.startswith(".") or name.split(".")[0] in stdlib or name.split(".")[0] in local
        for m in root.python for name, _line in m.imports
    )


@check("factor01.single-codebase")
def single_codebase(repo):
    """One app root (see factor02.declared), or several that form a declared monorepo: a workspace file
    (pnpm/lerna/nx/turbo/go.work/Bazel/Pants, package.json ``workspaces``, uv/pdm workspace, Maven
    modules) or every root with its own dependency manifest (a Python root importing only the standard
    library needs none); and no source file copied between roots.
    Several roots lacking their own manifests, or copied code → partial."""
    roots = app_roots(repo)
    if not roots:
        return not_applicable("no application code or dependency manifest found")
    if len(roots) == 1:
        root = roots[0]
        anchor = (root.manifests or root.dockerfiles or [m.path for m in root.python] or root.other_sources)[0]
        return passed(f"one codebase ({root.label})", [Evidence(anchor, 1, f"one app root: {root.label}", True)])
    workspace = _workspace_declarations(repo)
    stdlib, local = set(sys.stdlib_module_names), local_module_names(repo)
    evidence = list(workspace)
    for root in roots:
        anchor = (root.manifests or root.dockerfiles or [m.path for m in root.python] or root.other_sources)[0]
        if root.manifests:
            evidence.append(Evidence(anchor, 1, f"app root {root.label} with its own manifest {root.manifests[0]}", True))
        elif _stdlib_only(root, stdlib, local):
            evidence.append(Evidence(anchor, 1, f"app root {root.label}: standard library only, needs no manifest", True))
        else:
            evidence.append(Evidence(anchor, 1, f"app root {root.label} without its own dependency manifest", None if workspace else False))
    copies = _copied_files(repo, roots)
    evidence += copies
    undeclared = not workspace and any(not r.manifests and not _stdlib_only(r, stdlib, local) for r in roots)
    if copies:
        return partial(f"{len(roots)} app roots with {plural(len(copies), 'copied file')}", evidence)
    if undeclared:
        return partial(f"{len(roots)} app roots, not declared as a monorepo", evidence)
    how = "a declared workspace" if workspace else "each with its own manifest"
    return passed(f"monorepo of {len(roots)} app roots, {how}", evidence)


def stage_like(name: str) -> bool:
    """A deploy target named for a stage (dev, qa, staging, prod …), also as a token (``aks-prod``)."""
    tokens = re.split(r"[-_./]", name.lower())
    return name.lower() in STAGE_NAMES or any(t in STAGE_NAMES for t in tokens)


_VALUES_FILE = re.compile(r"^values[-._](?P<env>[\w-]+)\.ya?ml$", re.I)
_NOT_ENV_VALUES = {"schema", "example", "examples", "sample", "default", "defaults", "override", "overrides", "local-dev"}


def helm_env_values(repo) -> dict[str, list[tuple[str, str]]]:
    """Chart directory -> [(environment, values file)] for per-environment ``values-<env>.yaml`` files."""
    out: dict[str, list[tuple[str, str]]] = {}
    for chart, files in repo.kubernetes.helm_values.items():
        for path in files:
            match = _VALUES_FILE.match(posixpath.basename(path))
            if match and match.group("env").lower() not in _NOT_ENV_VALUES:
                out.setdefault(chart, []).append((match.group("env"), path))
    return out


def _ci_environments(repo) -> dict[str, tuple[str, int]]:
    envs: dict[str, tuple[str, int]] = {}
    for pipeline in repo.ci.pipelines:
        for job in pipeline.jobs:
            if job.environment and "${{" not in job.environment and "$" not in job.environment:
                envs.setdefault(job.environment, (pipeline.path, job.line))
    return envs


def _entry_line(repo, path: str, entry: str | None) -> int:
    """Line of a kustomization entry (e.g. ``- ../../base``), else 1."""
    if not entry:
        return 1
    for number, line in enumerate((repo.text(path) or "").split("\n"), start=1):
        if re.match(r"^\s*-\s*['\"]?" + re.escape(entry.rstrip("/")) + r"/?['\"]?\s*(#.*)?$", line):
            return number
    return 1


def _base_entry(repo, kust, base: str | None) -> str | None:
    """The entry of ``kust`` through which it builds on ``base``."""
    if base is None:
        return None
    for key in ("resources", "bases", "components"):
        for entry in kust.doc.get(key) or []:
            if isinstance(entry, str):
                target = posixpath.normpath(posixpath.join(kust.directory, entry))
                if target in (base, "." if base == "" else base) or base.startswith(target + "/") or \
                        any(k.directory == base for k in repo.kubernetes.kustomize_closure(target)):
                    return entry
    return None


def _shared_base(repo, overlays) -> str | None:
    """A kustomization every overlay builds on (directly or through other layers)."""
    closures = []
    for env in overlays:
        dirs = {k.directory for k in repo.kubernetes.kustomize_closure(env.source)} - {env.source}
        closures.append(dirs)
    common = set.intersection(*closures) if closures else set()
    return min(common, key=len) if common else None


@check("factor01.env-deploys")
def env_deploys(repo):
    """One codebase deployed to several named environments. Pass: ≥2 stage environments from one
    source — Kustomize overlays over a shared base, one Helm chart with ``values-<env>`` files, or CI
    deploy jobs with ≥2 ``environment:`` names. Partial: ≥2 environments as full per-environment
    copies (raw manifest folders, overlays without a shared base). Fail: one environment — also an
    app that runs (a process type: Dockerfile command, Procfile, server script) with no deployment
    description, since no named target means one environment. Feature variants are not
    environments; n/a when nothing describes a deployment and nothing runs."""
    k8s = repo.kubernetes
    evidence = []
    stages = [e for e in k8s.environments if e.is_stage or stage_like(e.name)]
    if len(stages) >= 2 and k8s.judged == "kustomize overlays":
        base = _shared_base(repo, stages)
        for env in stages:
            kust = k8s.kustomizations.get(env.source)
            entry = _base_entry(repo, kust, base) if kust else None
            line = _entry_line(repo, kust.path, entry) if kust else 1
            via = f" builds on {entry}" if entry else ""
            evidence.append(Evidence(kust.path if kust else env.source, line, f"environment {env.name}: overlay {env.source or '.'}{via}", True if base is not None else False))
        if base is not None:
            return passed(f"{len(stages)} environments ({', '.join(e.name for e in stages)}) from base {base or '.'}", evidence)
        return partial(f"{len(stages)} overlays without a shared base", evidence)
    copies = stages if len(stages) >= 2 else []
    for chart, values in helm_env_values(repo).items():
        if len(values) >= 2:
            ev = [Evidence(path, 1, f"chart {chart or '.'}: values for environment {env}", True) for env, path in values]
            return passed(f"Helm chart {chart or '.'} with {len(values)} per-environment values files", evidence + ev)
    ci_envs = _ci_environments(repo)
    if len(ci_envs) >= 2:
        ev = [Evidence(path, line, f"CI deploy job to environment {name}", True) for name, (path, line) in sorted(ci_envs.items())]
        return passed(f"CI deploys to {len(ci_envs)} environments ({', '.join(sorted(ci_envs))})", evidence + ev)
    if copies:
        ev = [Evidence(e.objects[0].path if e.objects else e.source, 1, f"environment {e.name}: full copy of the manifests in {e.source}", False) for e in copies]
        return partial(f"{len(copies)} environments as per-environment copies", evidence + ev)
    # One environment at most.
    if k8s.environments:
        env = k8s.environments[0]
        kust = k8s.kustomizations.get(env.source)
        path = kust.path if kust else (env.objects[0].path if env.objects else env.source)
        extra = [e.name for e in k8s.environments if e is not env]
        note = f" (variants {', '.join(extra)} are not stages)" if extra else ""
        evidence.append(Evidence(path, 1, f"single environment {env.name} ({k8s.judged}){note}", False))
        return failed("one environment only", evidence)
    for chart, values in helm_env_values(repo).items():
        evidence.append(Evidence(values[0][1], 1, f"chart {chart or '.'}: one environment values file", False))
    if repo.kubernetes.helm_charts and not evidence:
        evidence.append(Evidence(posixpath.join(repo.kubernetes.helm_charts[0], "Chart.yaml"), 1, "Helm chart without per-environment values files", False))
    for name, (path, line) in ci_envs.items():
        evidence.append(Evidence(path, line, f"CI deploys to one environment: {name}", False))
    compose = repo.containers.compose_files
    if not evidence and compose:
        evidence.append(Evidence(compose[0].path, 1, f"only a compose stack ({compose[0].path}): one environment", False))
    procs = process_types(repo)[0] if not evidence else []
    for proc in procs[:1]:
        evidence.append(proc.evidence("runs without a deployment description that names an environment: one environment", False))
    if not evidence:
        return not_applicable("no deployment description (Kubernetes, Helm, CI environments, compose) and no process type")
    return failed("one environment only", evidence)
