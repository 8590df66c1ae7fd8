"""Cloud Native area 1 — Containerization: images, users, bases, security contexts."""

from __future__ import annotations

import bisect
import posixpath
import re

from ..model.containers import Dockerfile, Stage, command_words, substitute
from ..model.kubernetes import as_dict, as_list, image_tag, is_mutable_tag
from ..results import Evidence, failed, not_applicable, partial, passed, tally
from . import check
from .common import judge_workloads, plural
from .factor02_dependencies import DEP_KINDS, NOT_DEPLOYED, within

# Directories whose manifests and Dockerfiles are not the deployed application.


def _norm(path: str) -> str:
    path = posixpath.normpath(path.strip().strip("\"'")) if path.strip() else "."
    return "" if path in (".", "/") else path.lstrip("/")


def _deployed_dockerfiles(repo) -> tuple[list[Dockerfile], list[Evidence]]:
    """Dockerfiles that build deployable images; dev-container and test images are context only."""
    judged, skipped = [], []
    for df in repo.containers.dockerfiles:
        if NOT_DEPLOYED.search(df.directory):
            skipped.append(Evidence(df.path, 1, f"{df.path}: development/test image, not judged", None))
        else:
            judged.append(df)
    return judged, skipped


def _final_chain(df: Dockerfile) -> list[Stage]:
    """The final stage and the earlier stages it builds FROM, final first."""
    chain: list[Stage] = []
    stage = df.final
    while stage is not None and stage not in chain:
        chain.append(stage)
        stage = next((s for s in df.stages if s.alias and s.alias == stage.base and s is not stage), None)
    return chain


# --------------------------------------------------------------------------- containerized


def _app_roots(repo) -> dict[str, str | None]:
    """Application roots: directories of runtime dependency manifests (dev/test files and
    test/docs/example trees excluded); a root that contains other roots is an umbrella
    (workspace) judged through its inner roots. Source without any manifest → the repo root."""
    roots: dict[str, str | None] = {}
    for dep in repo.dependencies.files:
        if dep.kind in DEP_KINDS and not dep.dev and not NOT_DEPLOYED.search(dep.directory):
            roots.setdefault(dep.directory, dep.path)
    ordered = sorted(roots)  # a root with another root below it is an umbrella (prefix search, not all pairs)
    inner = {r: p for r, p in roots.items() if not _has_below(ordered, r)}
    if not inner and repo.python.app_modules():
        inner[""] = None
    return inner


def _has_below(ordered: list[str], root: str) -> bool:
    """Another of these sorted paths lies below ``root`` ("" is the repository root)."""
    if root == "":
        return any(o != "" for o in ordered)
    at = bisect.bisect_left(ordered, root + "/")
    return at < len(ordered) and ordered[at].startswith(root + "/")


def _ancestors(path: str) -> list[str]:
    """``path``, its parent directories and "" (the repository root)."""
    out = [path] if path else []
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        out.append(path)
    return out + [""]


class _BuildIndex:
    """Which Dockerfiles may build a root, without testing every (root, Dockerfile) pair:
    candidates by the Dockerfile's directory and its COPY/ADD targets, confirmed by
    :func:`_built_by` in Dockerfile order, so the answer is the one the pairwise scan gives."""

    def __init__(self, dockerfiles: list[Dockerfile]):
        self.dockerfiles = dockerfiles
        self.sources = [_copy_sources(df) for df in dockerfiles]
        self.by_anchor: dict[str, set[int]] = {}
        targets: set[str] = set()
        for n, df in enumerate(dockerfiles):
            self.by_anchor.setdefault(df.directory, set()).add(n)
            for source, _line in self.sources[n]:
                for base in ("", df.directory):
                    target = _norm(posixpath.join(base, source))
                    if target:
                        self.by_anchor.setdefault(target, set()).add(n)
                        targets.add(target)
        self.targets = sorted(targets)

    def built_by(self, root: str) -> tuple[Dockerfile, int] | None:
        found: set[int] = set()
        for anchor in _ancestors(root):          # the Dockerfile or a COPY target contains the root
            found |= self.by_anchor.get(anchor, set())
        if root == "":
            lo, hi = 0, len(self.targets)
        else:                                     # a COPY target lies inside the root
            lo = bisect.bisect_left(self.targets, root + "/")
            hi = bisect.bisect_left(self.targets, root + "0")  # "0" sorts right after "/"
        for target in self.targets[lo:hi]:
            found |= self.by_anchor[target]
        for n in sorted(found):
            line = _built_by(root, self.dockerfiles[n], self.sources[n])
            if line is not None:
                return self.dockerfiles[n], line
        return None


def _copy_sources(df: Dockerfile) -> list[tuple[str, int]]:
    out = []
    for stage in df.stages:
        for ins in stage.of("COPY") + stage.of("ADD"):
            words = [w for w in command_words(ins.value) if not w.startswith("--")]
            if "--from=" in ins.value:
                continue
            out.extend((w, ins.line) for w in words[:-1] if "://" not in w)
    return out


def _built_by(root: str, df: Dockerfile, sources: list[tuple[str, int]] | None = None) -> int | None:
    """Line evidence that ``df`` builds ``root``: the Dockerfile lies in the root or an
    ancestor, or one of its COPY/ADD sources (from the repo root or the Dockerfile's
    directory) is the root, inside it, or contains it."""
    if within(root, df.directory):
        return df.final.line if df.final else 1
    for source, line in _copy_sources(df) if sources is None else sources:
        for base in ("", df.directory):
            target = _norm(posixpath.join(base, source))
            if target and (within(root, target) or within(target, root)):
                return line
    return None


def _image_tokens(image: str) -> set[str]:
    last = image_tag(image)[0].rsplit("/", 1)[-1].lower()
    return set(re.split(r"[-_.]", last)) | {last}


def _label(obj) -> str:
    """A Kubernetes workload's ref or a compose service's name."""
    return getattr(obj, "ref", None) or f"compose service {getattr(obj, 'name', '?')}"


def _judge_root(repo, root: str, manifest: str | None, dockerfiles, contexts, images) -> Evidence:
    label = root or "repository root"
    built = dockerfiles.built_by(root) if isinstance(dockerfiles, _BuildIndex) else next(
        ((df, line) for df in dockerfiles if (line := _built_by(root, df)) is not None), None)
    if built is not None:
        df, line = built
        return Evidence(df.path, line, f"app root {label} is built by {df.path}", True)
    for context, svc in contexts:
        if within(root, context) or within(context, root):
            return Evidence(svc.path, svc.line_of("build"), f"app root {label} is built by compose service {svc.name}", True)
    name = (posixpath.basename(root) or repo.root.name).lower()
    for img, obj in images:
        if name in _image_tokens(img):
            return Evidence(obj.path, obj.line, f"app root {label} is deployed as image {img} by {_label(obj)} (built elsewhere)", True)
    return Evidence(manifest or ".", 1 if manifest else None, f"app root {label}: no Dockerfile builds it and no deployed image is named for it", False)


@check("containerization.containerized")
def containerized(repo):
    """Every application root is built into an image here (a Dockerfile in the root or an
    ancestor, or one whose COPY/ADD or compose build context covers it) or is deployed as an
    image built elsewhere (a Kubernetes/compose image whose name has the root's name as a
    token). No container definition at all fails: the service does not run as a container."""
    dockerfiles = repo.containers.dockerfiles
    contexts = [
        (_norm(posixpath.join(posixpath.dirname(svc.path), str(svc.build.get("context") or "."))), svc)
        for svc in repo.containers.services() if svc.build is not None
    ]
    images = [(img, w) for w in repo.kubernetes.workloads for img in w.first.images(init=False)]
    images += [(svc.image, svc) for svc in repo.containers.services() if svc.image]
    has_definitions = bool(dockerfiles or contexts or images)
    roots = _app_roots(repo)
    if not roots:
        if not has_definitions:
            return not_applicable("no application source and no container definitions")
        evidence = [Evidence(df.path, df.final.line, f"{df.path} builds an image", True) for df in dockerfiles]
        evidence += [Evidence(o.path, o.line, f"{_label(o)} runs image {img}", True) for img, o in images]
        return passed("no application source here; every defined service runs as an image", evidence)
    index = _BuildIndex(dockerfiles)
    evidence = [_judge_root(repo, root, manifest, index, contexts, images) for root, manifest in sorted(roots.items())]
    if not has_definitions:
        return failed("no container definitions (Dockerfile, compose, Kubernetes)", evidence)
    for work in repo.kubernetes.app_workloads():
        for container in work.first.containers():
            if container.get("image"):
                line = work.first.container_line(container, "image")
                evidence.append(Evidence(work.path, line, f"{work.ref} runs image {container['image']}", None))
    return tally(evidence, subject="app roots", na_reason="no application roots",
                 all_ok=f"every app root ({len(roots)}) runs as a container image")


# --------------------------------------------------------------------------- non-root


def _stage_args(df: Dockerfile, chain: list[Stage]) -> dict[str, str]:
    args = dict(df.args)
    for stage in reversed(chain):
        for ins in stage.of("ARG"):
            key, _, default = ins.value.partition("=")
            if default.strip():
                args[key.strip()] = default.strip().strip('"')
        for ins in stage.of("ENV"):
            for word in command_words(ins.value):
                key, sep, value = word.partition("=")
                if sep and key:
                    args[key] = value
    return args


_NONROOT_BASE = re.compile(r"(:|-)nonroot\b|^cgr\.dev/chainguard/|^chainguard/", re.I)


@check("containerization.non-root")
def non_root(repo):
    """The final stage of every deployable Dockerfile runs as a non-root user: its last USER
    (inherited through FROM <stage>) names a user or uid other than root/0, or the base image
    runs as non-root by default (distroless ``nonroot``, Chainguard). Without USER the
    container runs as root."""
    dockerfiles, evidence = _deployed_dockerfiles(repo)
    if not dockerfiles:
        return not_applicable("no Dockerfiles", evidence)
    for df in dockerfiles:
        chain = _final_chain(df)
        user = next((s.user for s in chain if s.user is not None), None)
        if user is None:
            base = df.runtime_base() or ""
            if _NONROOT_BASE.search(base):
                evidence.append(Evidence(df.path, chain[-1].line, f"{df.path}: no USER, base {base} runs as non-root by default", True))
            else:
                evidence.append(Evidence(df.path, df.final.line, f"{df.path}: final stage has no USER, runs as root", False))
            continue
        value = substitute(user.value.strip(), _stage_args(df, chain))
        name = value.split(":", 1)[0].strip()
        if "$" in name:
            evidence.append(Evidence(df.path, user.line, f"{df.path}: USER {user.value.strip()} cannot be resolved", None))
        elif name.lower() in ("root", "0", ""):
            evidence.append(Evidence(df.path, user.line, f"{df.path}: final stage sets USER {name or 'root'}", False))
        else:
            evidence.append(Evidence(df.path, user.line, f"{df.path}: final stage runs as USER {name}", True))
    return tally(evidence, subject="Dockerfiles", na_reason="no Dockerfile with a resolvable USER")


# --------------------------------------------------------------------------- minimal base

_MINIMAL_TAG = re.compile(r"(^|[-_.])(slim|alpine|distroless|chiseled|minimal|micro|jre|runtime|runtime-deps|aspnet|nonroot)([-_.\d]|$)", re.I)
_MINIMAL_REPO = re.compile(
    r"(^|/)(scratch|alpine|busybox|distroless(/.*)?|static(-debian\d+)?|base(-debian\d+)?|wolfi-base|"
    r"ubi\d*-(minimal|micro)|ubi\d*/ubi-(minimal|micro))$|^gcr\.io/distroless/|^cgr\.dev/|^chainguard/|"
    r"dotnet/(runtime|aspnet|runtime-deps)$",
    re.I,
)


def _runtime_stage(df: Dockerfile) -> Stage | None:
    chain = _final_chain(df)
    return chain[-1] if chain else None


@check("containerization.minimal-base")
def minimal_base(repo):
    """The runtime base of every deployable Dockerfile (the final stage's FROM, followed through
    earlier stages) is a runtime-only image — slim, alpine, distroless, chiseled, scratch,
    wolfi/Chainguard, dotnet runtime/aspnet/runtime-deps, *-jre — with an explicit tag or
    digest. A mutable or missing tag fails; a full-size base is partial."""
    dockerfiles, evidence = _deployed_dockerfiles(repo)
    if not dockerfiles:
        return not_applicable("no Dockerfiles", evidence)
    mutable = full = 0
    for df in dockerfiles:
        stage = _runtime_stage(df)
        base = (stage.base if stage else "") or ""
        line = stage.line if stage else 1
        if not base or "$" in base:
            evidence.append(Evidence(df.path, line, f"{df.path}: runtime base {base or '?'} cannot be resolved", None))
            continue
        if base.lower() == "scratch":
            evidence.append(Evidence(df.path, line, f"{df.path}: runtime base is scratch", True))
            continue
        repo_name, tag, _digest = image_tag(base)
        if is_mutable_tag(base):
            mutable += 1
            evidence.append(Evidence(df.path, line, f"{df.path}: runtime base {base} has {'tag ' + tag if tag else 'no tag'}", False))
        elif _MINIMAL_REPO.search(repo_name) or (tag and _MINIMAL_TAG.search(tag)):
            evidence.append(Evidence(df.path, line, f"{df.path}: runtime base {base} is minimal and pinned", True))
        else:
            full += 1
            evidence.append(Evidence(df.path, line, f"{df.path}: runtime base {base} is a full-size image", False))
    judged = [e for e in evidence if e.ok is not None]
    if not judged:
        return not_applicable("no resolvable runtime base image", evidence)
    if mutable:
        return failed(f"{plural(mutable, 'runtime base')} untagged or on a mutable tag", evidence)
    if full:
        return partial(f"{plural(full, 'runtime base')} of {len(judged)} full-size", evidence)
    return passed(f"all {plural(len(judged), 'runtime base')} minimal with pinned tags", evidence)


# --------------------------------------------------------------------------- security context


def _container_problem(obj, container: dict) -> str | None:
    name = container.get("name", "?")
    own = as_dict(container.get("securityContext"))
    if own.get("privileged") is True:
        return f"container {name} is privileged"
    caps = [str(c).upper().removeprefix("CAP_") for c in as_list(as_dict(own.get("capabilities")).get("add"))]
    if "SYS_ADMIN" in caps:
        return f"container {name} adds CAP_SYS_ADMIN (privilege escalation always allowed)"
    if own.get("allowPrivilegeEscalation") is False:
        return None
    if as_dict(obj.pod_spec().get("securityContext")).get("allowPrivilegeEscalation") is False:
        return f"container {name}: allowPrivilegeEscalation is set at pod level, where Kubernetes ignores it"
    return f"container {name} does not set allowPrivilegeEscalation: false"


def _judge_security_context(obj):
    containers = obj.containers(init=True)
    if not containers:
        return None
    for container in containers:
        problem = _container_problem(obj, container)
        if problem:
            return False, problem, obj.container_line(container, "securityContext", "allowPrivilegeEscalation")
    read_only = sum(1 for c in containers if obj.effective_security_context(c).get("readOnlyRootFilesystem") is True)
    drop_all = sum(
        1 for c in containers
        if "ALL" in [str(x).upper() for x in as_list(as_dict(as_dict(c.get("securityContext")).get("capabilities")).get("drop"))]
    )
    first = containers[0]
    return (
        True,
        f"allowPrivilegeEscalation: false on {plural(len(containers), 'container')} "
        f"(readOnlyRootFilesystem on {read_only}, drop ALL on {drop_all})",
        obj.container_line(first, "securityContext", "allowPrivilegeEscalation"),
    )


@check("containerization.security-context")
def security_context(repo):
    """Every container of every app workload, init containers included, sets
    ``allowPrivilegeEscalation: false`` in its own securityContext (the field does not exist at
    pod level) and is neither privileged nor given CAP_SYS_ADMIN, which re-enable escalation.
    readOnlyRootFilesystem and drop ALL are reported as bonus evidence."""
    workloads = repo.kubernetes.app_workloads()
    if not workloads:
        return not_applicable("no Kubernetes app workloads")
    evidence = judge_workloads(workloads, _judge_security_context)
    return tally(evidence, subject="app workloads", na_reason="no app workload with containers")
