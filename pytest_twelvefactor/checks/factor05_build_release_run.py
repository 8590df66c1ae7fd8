"""Factor 5 — Build, release, run: image builds, CI publishing, tags and rollback."""

from __future__ import annotations

import re

from ..model.kubernetes import BACKING_IMAGE, BACKING_NAME, INFRA_IMAGE, image_tag, is_mutable_tag
from ..results import Evidence, failed, not_applicable, partial, passed, tally
from . import check
from .common import grade_workloads, level_counts, plural
from .factor09_disposability import process_types

# --------------------------------------------------------------------------- Dockerfiles

_DEV_DOCKERFILE = re.compile(r"(^|/)\.devcontainer/|(^|/)(dockerfile|containerfile)\.(dev|local|devcontainer|debug)$|(^|/)(dev|local|debug)\.(dockerfile|containerfile)$", re.I)
_FROM_FLAG = re.compile(r"--from=(\S+)")


def _is_dev_dockerfile(path: str) -> bool:
    return bool(_DEV_DOCKERFILE.search(path))


def _copies_from_stage(dockerfile, stage) -> int | None:
    """Line of the final stage's first ``COPY --from=<earlier stage>``, else None."""
    earlier = {s.alias for s in dockerfile.stages[: stage.index] if s.alias} | {str(i) for i in range(stage.index)}
    for instr in stage.of("COPY") + stage.of("ADD"):
        match = _FROM_FLAG.search(instr.value)
        if match and match.group(1).strip("'\"") in earlier:
            return instr.line
    return None


@check("factor05.build-stages")
def build_stages(repo):
    """A Dockerfile keeps build tools out of the runtime image when its final stage copies
    artefacts from an earlier stage (`COPY --from=<stage>`); a single-stage Dockerfile passes
    only if it has no RUN step (nothing is built in it). Development-only Dockerfiles
    (.devcontainer/, Dockerfile.dev) are context, not judged."""
    evidence = []
    for df in repo.containers.dockerfiles:
        final = df.final
        if _is_dev_dockerfile(df.path):
            evidence.append(Evidence(df.path, final.line, f"{df.path}: development-only Dockerfile, not judged", None))
            continue
        if len(df.stages) > 1:
            line = _copies_from_stage(df, final)
            names = " → ".join(s.alias or str(s.index) for s in df.stages)
            if line:
                evidence.append(Evidence(df.path, line, f"{df.path}: {len(df.stages)} stages ({names}); final stage copies build output from an earlier stage", True))
            else:
                evidence.append(Evidence(df.path, final.line, f"{df.path}: {len(df.stages)} stages, but the final stage copies nothing from a build stage", False))
        elif final.of("RUN"):
            evidence.append(Evidence(df.path, final.line, f"{df.path}: single stage; build steps (RUN at line {final.of('RUN')[0].line}) stay in the runtime image", False))
        else:
            evidence.append(Evidence(df.path, final.line, f"{df.path}: single stage without RUN steps; nothing is built in the image", True))
    return tally(evidence, subject="Dockerfiles", na_reason="no Dockerfile (development-only ones excluded)")


# --------------------------------------------------------------------------- CI builds and pushes

_NAME_LINE = re.compile(r"^\s*(?:-\s*)?(name|displayName|description)\s*:", re.I)
_BUILD = re.compile(
    r"\b(docker|podman|nerdctl)\s+(buildx\s+)?(build|bake)\b|\bbuildah\s+(bud|build)\b|/kaniko/executor|"
    r"\baz\s+acr\s+build\b|\bgcloud\s+builds\s+submit\b|\bpack\s+build\b|\bko\s+(build|publish|apply|resolve)\b|"
    r"\bjib(Build|DockerBuild)?\b|\bdocker[- ]compose\b.*\bbuild\b|\bdocker\s+compose\b.*--build\b|\bskaffold\s+(build|run)\b|"
    r"\bdepot\s+build\b|['\"]build['\"]\s*,\s*['\"](-t|--tag)\b|\bdocker/build-push-action\b|\bbuildah-build\b|"
    r"\bdocker-build-push\b|"
    # a reusable workflow (GitHub) named for building images, e.g. org/.github/.github/workflows/reusable-docker-build.yaml
    r"\buses:\s*\S*\.github/workflows/\S*(docker|image|container|oci)\S*(build|publish|push|release)",
    re.I,
)
_PUSH = re.compile(
    r"\b(docker|podman|nerdctl|buildah)\s+push\b|\s--push\b|type=registry|\baz\s+acr\s+build\b|\bgcloud\s+builds\s+submit\b|"
    r"/kaniko/executor(?!.*--no-push)|\bcrane\s+(push|copy)\b|\bskopeo\s+copy\b|\bdocker[- ]compose\b.*\bpush\b|"
    r"\bko\s+(build|publish|apply|resolve)\b(?!.*--local)|\bjib\b|\bskaffold\s+(build|run)\b(?!.*--push=false)|"
    r"\bpack\s+build\b.*--publish|['\"]push['\"]\s*[,\]]|\bpush-to-registry\b|\bdocker-build-push\b|^images\s*:|"
    r"^\s*packages\s*:\s*write\b",
    re.I,
)
_PUSH_KEY = re.compile(r"^\s*push\s*:\s*(.+?)\s*$")
_COPY_IMAGE = re.compile(r"\bdocker\s+save\b|\bdocker\s+load\b|\bscp\b.*\.(tar|tgz|tar\.gz)\b|type=(docker|oci|tar),\s*dest=", re.I)


def _ci_lines(pipeline, pattern) -> list[tuple[int, str]]:
    return [(n, t) for n, t in pipeline.grep(pattern) if not _NAME_LINE.match(t)]


def _action_pushes(pipeline) -> list[int]:
    """Lines of ``push:`` inputs (not literally false) of build-push actions."""
    out = []
    for step in pipeline.steps():
        if not step.uses or "build-push-action" not in step.uses:
            continue
        for number in range(step.line, min(step.line + 25, len(pipeline.lines)) + 1):
            text = pipeline.lines[number - 1]
            match = _PUSH_KEY.match(text)
            if match and match.group(1).strip("'\"").lower() not in ("false", "no", "0"):
                out.append(number)
                break
            if number > step.line and text.lstrip().startswith("- "):
                break
    return out


def ci_publishing(repo) -> list[dict]:
    """Per pipeline that builds images: first build line, push lines, copy (save/scp) lines."""
    out = []
    for pipeline in repo.ci.pipelines:
        builds = _ci_lines(pipeline, _BUILD)
        if not builds:
            continue
        pushes = sorted({n for n, _ in _ci_lines(pipeline, _PUSH)} | set(_action_pushes(pipeline)))
        copies = [n for n, _ in _ci_lines(pipeline, _COPY_IMAGE)]
        out.append({"pipeline": pipeline, "build": builds[0][0], "pushes": pushes, "copies": copies})
    return out


@check("factor05.ci-pipeline")
def ci_pipeline(repo):
    """Images are built by CI (docker/buildx/buildah/kaniko/az acr/gcloud/ko/jib/pack steps) and
    pushed to a registry: build and push → pass; built but never pushed (manual push, or copied
    with `docker save`/scp) → partial; Dockerfiles but no CI build → fail; an app run straight from
    this repository's source (a server script started by hand) with no CI configuration at all →
    fail; otherwise no Dockerfile and no CI image build (images built elsewhere) → n/a."""
    published = ci_publishing(repo)
    evidence = []
    for entry in published:
        path = entry["pipeline"].path
        if entry["pushes"]:
            evidence.append(Evidence(path, entry["build"], f"{path}: builds images", True))
            evidence.append(Evidence(path, entry["pushes"][0], f"{path}: pushes images to a registry", True))
        elif entry["copies"]:
            evidence.append(Evidence(path, entry["copies"][0], f"{path}: builds images and copies them (docker save/scp) instead of pushing to a registry", False))
        else:
            evidence.append(Evidence(path, entry["build"], f"{path}: builds images but never pushes them", False))
    if any(e["pushes"] for e in published):
        return passed("CI builds and pushes the images", evidence)
    if published:
        return partial("CI builds images but does not push them to a registry", evidence)
    dockerfiles = [d for d in repo.containers.dockerfiles if not _is_dev_dockerfile(d.path)]
    if not dockerfiles:
        procs = [] if repo.ci.pipelines else [p for p in process_types(repo)[0] if p.by_hand]
        if procs:
            return failed("no CI configuration: nothing builds or releases the application",
                          [p.evidence("built and run by hand; no CI pipeline", False) for p in procs[:5]])
        return not_applicable("no Dockerfile and no CI image build")
    evidence = [Evidence(d.path, 1, f"{d.path}: not built by any CI pipeline", False) for d in dockerfiles]
    evidence += [Evidence(p.path, 1, f"{p.path}: no image build step", None) for p in repo.ci.pipelines]
    reason = "no CI configuration" if not repo.ci.pipelines else "CI pipelines build no images"
    return failed(f"{reason}; {plural(len(dockerfiles), 'Dockerfile')} built by hand", evidence)


# --------------------------------------------------------------------------- release tags

_REF = r"((?:\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$\([^)]*\)|[^\s'\",\]\)\\;|&<>])+)"
_SHORT_TAG_FLAG = re.compile(r"(?:^|\s|[\[,])['\"]?-t['\"]?(?:\s*,\s*|\s+)['\"]?" + _REF)
_TAG_POSITIONS = [
    re.compile(r"(?:^|\s|[\[,])['\"]?(?:--tag|--image|--destination)['\"]?(?:\s*,\s*|\s+|=)['\"]?" + _REF),
    re.compile(r"\b(?:docker|podman|nerdctl)\s+tag\s+\S+\s+['\"]?" + _REF),
    re.compile(r"\b(?:docker|podman|nerdctl|buildah)\s+push\s+(?:--?[\w-]+(?:=\S+)?\s+)*['\"]?" + _REF),
    re.compile(r"\bkustomize\s+edit\s+set\s+image\s+(?:[^\s=]+=)?['\"]?" + _REF),
]
_LIST_KEY = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>tags|images)\s*:\s*(?P<value>.*?)\s*$")
_TAG_ACTIONS = re.compile(r"build-push-action|metadata-action|buildah-build|docker-build-push|push-to-registry", re.I)
_DEFINE = re.compile(r"(?:^|[\s;&(])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:=|:\s)\s*((?:\$\{\{[^}]*\}\}|\$\([^)]*\)|\"[^\"]*\"|'[^']*'|[^\s;&])+)")
_OUTPUT_DEFINE = re.compile(r"\b([A-Za-z_][\w-]*)=([^\s\"'>]+)")
_REFERENCE = re.compile(
    r"\$\{\{\s*(?:env|vars|inputs|steps\.[\w-]+\.outputs|needs\.[\w-]+\.outputs|jobs\.[\w-]+\.outputs)\.([\w-]+)\s*\}\}"
    r"|\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)|\$\(([A-Za-z_][\w.]*)\)"
)
_UNIQUE = re.compile(
    r"github\.sha|github_sha|github\.run_(number|id)|github_run_(number|id)|ci_commit_(sha|short_sha|tag)|"
    r"ci_pipeline_i?id|ci_job_id|build[._](buildid|buildnumber|sourceversion)|\bbuild_(number|id)\b|short_sha|commit_sha|"
    r"revision_id|\btag_name\b|git\s+rev-parse|git\s+describe|\bdate\b[^)]*\+|\.run\.id|circle_(sha1|build_num|tag)|"
    r"bitbucket_(commit|build_number|tag)|drone_(commit|build_number|tag)|travis_(commit|build_number|tag)|git_commit|"
    r"type=(sha|semver|pep440|match)|type=ref,\s*event=tag|\{\{\s*(sha|version|major|minor|patch)\s*\}\}|"
    r"version|release|semver|\bsha\b|\bcommit\b|timestamp",
    re.I,
)
_MUTABLE_META = re.compile(r"type=(ref,\s*event=(branch|pr)|edge|schedule)\b|latest=true", re.I)
_RAW_VALUE = re.compile(r"type=raw,.*?value=([^,\s]+)", re.I)
_VERSION_TAG = re.compile(r"^v?\d+(\.\d+)*([-+.][\w.]+)?$")
_VARIABLE = re.compile(r"\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_]\w*")


def _definitions(pipeline) -> dict[str, list[tuple[str, int]]]:
    """Variable name -> [(value, line)] from env blocks, shell assignments and step outputs."""
    defs: dict[str, list[tuple[str, int]]] = {}
    for number, text in enumerate(pipeline.lines, start=1):
        if text.lstrip().startswith("#"):
            continue
        for name, value in _DEFINE.findall(text):
            if value not in ("|", ">", "|-", ">-", "|+", ">+"):
                defs.setdefault(name, []).append((value.strip("'\""), number))
        if "GITHUB_OUTPUT" in text or "GITHUB_ENV" in text or "set-output" in text or "setvariable" in text:
            for name, value in _OUTPUT_DEFINE.findall(text):
                defs.setdefault(name, []).append((value, number))
            match = re.search(r"setvariable\s+variable=([\w.-]+)[^\]]*\](\S+)", text)
            if match:
                defs.setdefault(match.group(1), []).append((match.group(2), number))
    return defs


def _resolve(ref: str, defs: dict[str, list[tuple[str, int]]], depth: int = 4) -> tuple[str, list[tuple[int, str, int]]]:
    """The expression with CI variables substituted, and (level, value, line) of each definition used."""
    used: list[tuple[int, str, int]] = []
    for level in range(depth):
        def repl(match):
            name = next(g for g in match.groups() if g)
            values = [(v, n) for v, n in defs.get(name, []) if match.group(0) not in v]
            used.extend((level, v, n) for v, n in values)
            return " ".join(v for v, _ in values) if values else match.group(0)

        new = _REFERENCE.sub(repl, ref)
        if new == ref:
            break
        ref = new
    return ref, used


def _unique_source_lines(used, defs) -> list[int]:
    """Lines of the shallowest definitions that make a tag unique (e.g. `image_tag=…${GITHUB_SHA}`)."""
    hits = [(level, n) for level, value, n in used if _UNIQUE.search(_resolve(value, defs, 3)[0])]
    if not hits:
        return []
    top = min(level for level, _ in hits)
    return sorted({n for level, n in hits if level == top})


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _action_regions(pipeline) -> list[tuple[int, int]]:
    """(first, last) lines of steps using image build/tagging actions."""
    regions = []
    lines = pipeline.lines
    for step in pipeline.steps():
        if not step.uses or not _TAG_ACTIONS.search(step.uses):
            continue
        start = step.line
        base = _indent(lines[start - 1]) if 0 < start <= len(lines) else 0
        end = start
        for number in range(start + 1, min(start + 60, len(lines)) + 1):
            text = lines[number - 1]
            if text.strip() and (_indent(text) < base or (_indent(text) == base and text.lstrip().startswith("-"))):
                break
            end = number
        regions.append((start, end))
    return regions


def _tag_refs(pipeline) -> list[tuple[int, str]]:
    """(line, image reference or metadata-action tag rule) in tag positions."""
    out: list[tuple[int, str]] = []
    lines = pipeline.lines
    regions = _action_regions(pipeline)
    in_build = False
    for number, text in enumerate(lines, start=1):
        if text.lstrip().startswith("#") or _NAME_LINE.match(text):
            continue
        in_build = in_build or bool(_BUILD.search(text))
        patterns = _TAG_POSITIONS + ([_SHORT_TAG_FLAG] if in_build else [])
        in_build = in_build and text.rstrip().endswith(("\\", "`"))
        for pattern in patterns:
            for match in pattern.finditer(text):
                if match.group(1) not in (".", "-") and not match.group(1).startswith("-"):
                    out.append((number, match.group(1)))
        key = _LIST_KEY.match(text)
        if key is None:
            continue
        if key["key"] == "images" and (key["indent"] or pipeline.system != "cloudbuild"):
            continue
        if key["key"] == "tags" and not any(a <= number <= b for a, b in regions):
            continue
        indent = _indent(text)
        inline = key["value"]
        if inline and inline not in ("|", ">", "|-", ">-"):
            for part in re.split(r"[,\s]+(?![^{]*\}\})", inline.strip("[]")):
                if part.strip("'\""):
                    out.append((number, part.strip("'\"")))
            continue
        for follow in range(number, min(number + 20, len(lines))):
            item = lines[follow]
            if not item.strip() or item.lstrip().startswith("#"):
                continue
            if _indent(item) < indent or (_indent(item) == indent and not item.lstrip().startswith("- ")):
                break
            value = item.strip().removeprefix("- ").strip().strip("'\"")
            if value and not value.endswith(":"):
                out.append((follow + 1, value))
    return out


def _classify_literal(tag: str) -> tuple[str, str]:
    if _UNIQUE.search(tag):
        return "unique", "unique per build"
    if "$" in tag or "{{" in tag:
        return "unknown", "tag from an unresolved variable"
    if is_mutable_tag(f"image:{tag}"):
        return "mutable", f"mutable tag '{tag}'"
    if _VERSION_TAG.match(tag):
        return "unique", f"version tag '{tag}'"
    return "mutable", f"fixed tag '{tag}' reused by every run"


def _classify_tag(resolved: str) -> tuple[str, str]:
    """('unique' | 'mutable' | 'unknown', reason) for a resolved tag expression."""
    raw = _RAW_VALUE.search(resolved)
    if raw:
        return _classify_literal(raw.group(1))
    if _MUTABLE_META.search(resolved):
        return "mutable", "moving tag rule"
    if _UNIQUE.search(resolved):
        return "unique", "unique per build"
    if resolved.startswith("type="):
        return "unknown", "tag rule not recognised"
    masked = _VARIABLE.sub("VAR", resolved).split()
    masked = masked[0] if masked else "VAR"
    if masked == "VAR" or masked.endswith("/VAR"):
        return "unknown", "image reference from an unresolved variable"
    _repo, tag, digest = image_tag(masked)
    if digest:
        return "unique", "digest"
    if tag is None:
        return "mutable", "no tag (latest)"
    if "VAR" in tag:
        return "unknown", "tag from an unresolved variable"
    return _classify_literal(tag)


@check("factor05.release-versioning")
def release_versioning(repo):
    """Each release gets its own image tag: image references in tag positions (-t/--tag,
    docker tag/push, kaniko --destination, build-push-action/metadata-action `tags:`,
    `kustomize edit set image`) of pipelines that push are classified after resolving CI
    variables: commit SHA, run number, version or timestamp → unique; latest, a branch or a
    fixed literal → not unique. Unique only → pass; unique and latest → partial; none unique →
    fail; no image push in CI → n/a."""
    pushing = [e for e in ci_publishing(repo) if e["pushes"]]
    if not pushing:
        return not_applicable("no image publishing in CI")
    evidence = []
    seen = set()
    for entry in pushing:
        pipeline = entry["pipeline"]
        defs = _definitions(pipeline)
        for line, ref in _tag_refs(pipeline):
            if (pipeline.path, ref) in seen or len(ref) < 2:
                continue
            seen.add((pipeline.path, ref))
            resolved, used = _resolve(ref, defs)
            kind, reason = _classify_tag(resolved)
            shown = ref if len(ref) <= 100 else ref[:97] + "..."
            lines = [n for n in _unique_source_lines(used, defs) if n != line] if kind == "unique" else []
            if lines:
                reason += f" (set at line {', '.join(str(n) for n in lines[:3])})"
            if kind == "unknown":
                evidence.append(Evidence(pipeline.path, line, f"tag {shown}: {reason or 'cannot tell'}", None))
            else:
                evidence.append(Evidence(pipeline.path, line, f"tag {shown}: {reason}", kind == "unique"))
    good = sum(1 for e in evidence if e.ok is True)
    bad = sum(1 for e in evidence if e.ok is False)
    if not good and not bad:
        return not_applicable("CI pushes images but no tag expression could be classified", evidence)
    if not bad:
        return passed(f"CI tags images uniquely per release ({plural(good, 'tag')})", evidence)
    if not good:
        return failed("CI pushes only mutable or fixed tags", evidence)
    return partial(f"CI pushes unique tags and {plural(bad, 'mutable tag')}", evidence)


# --------------------------------------------------------------------------- deployed images


def _compose_judged(repo) -> bool:
    return not repo.kubernetes.present and bool(repo.containers.services())


def _compose_is_app(service) -> bool:
    image = (service.image or "").lower()
    return not (BACKING_IMAGE.search(image_tag(image)[0]) or INFRA_IMAGE.search(image) or BACKING_NAME.search(service.name.lower()))


@check("factor05.immutable-images")
def immutable_images(repo):
    """Every image the judged deployment runs (all containers, init containers, third-party
    images too) names an explicit non-mutable tag or a digest; mutable = no tag, latest,
    *-latest, stable, main, master, edge, dev. One verdict per workload, worst environment
    decides. Without Kubernetes, compose services with `image:` are judged (build-only ones
    are context)."""
    if _compose_judged(repo):
        evidence = []
        for svc in repo.containers.services():
            if not svc.image:
                evidence.append(Evidence(svc.path, svc.line, f"compose service {svc.name}: built from source, no image tag", None))
            elif "$" in svc.image:
                evidence.append(Evidence(svc.path, svc.line_of("image"), f"compose service {svc.name}: image set from a variable", None))
            else:
                bad = is_mutable_tag(svc.image)
                evidence.append(Evidence(svc.path, svc.line_of("image"), f"compose service {svc.name}: image {svc.image} " + ("has a mutable tag" if bad else "is pinned"), not bad))
        return tally(evidence, subject="compose services", na_reason="no images in compose services")

    def grade(obj):
        findings, pinned = [], []
        for container in obj.containers(init=True):
            image = str(container.get("image") or "")
            if not image:
                continue
            name = container.get("name") or "?"
            if "$" in image or "{{" in image:
                continue
            if is_mutable_tag(image):
                findings.append((f"container {name} image {image} has a mutable tag", obj.container_line(container, "image")))
            else:
                pinned.append(image)
        if findings:
            return "bad", "; ".join(m for m, _ in findings), findings[0][1]
        if pinned:
            return "good", "images pinned: " + ", ".join(sorted(set(pinned))), obj.container_line(obj.containers(init=True)[0], "image")
        return None

    graded = grade_workloads(repo.kubernetes.workloads, grade)
    return tally([e for e, _ in graded], subject="workloads' images", na_reason="no workload images in Kubernetes manifests or compose")


@check("factor05.rollback")
def rollback(repo):
    """Rolling back means re-deploying an earlier image: any app container (init containers
    included) with no tag or a mutable tag → fail; explicit tags but `imagePullPolicy: Always`
    or `revisionHistoryLimit: 0` somewhere → partial; explicit tags pulled IfNotPresent (the
    default for explicit tags), or digests → pass. Long-running app workloads only; without
    Kubernetes, app compose services with `image:`."""
    if _compose_judged(repo):
        graded = []
        for svc in repo.containers.services():
            if not _compose_is_app(svc):
                continue
            if not svc.image or svc.build:
                graded.append((Evidence(svc.path, svc.line, f"compose service {svc.name}: built from source at deploy time", None), None))
            elif is_mutable_tag(svc.image):
                graded.append((Evidence(svc.path, svc.line_of("image"), f"compose service {svc.name}: image {svc.image} has a mutable tag", False), "bad"))
            elif str(svc.spec.get("pull_policy", "")).lower() == "always":
                graded.append((Evidence(svc.path, svc.line_of("pull_policy"), f"compose service {svc.name}: explicit tag but pull_policy always", False), "partial"))
            else:
                graded.append((Evidence(svc.path, svc.line_of("image"), f"compose service {svc.name}: explicit tag {svc.image}", True), "good"))
    else:
        def grade(obj):
            worst, message, line = "good", "", None
            for container in obj.containers(init=True):
                image = str(container.get("image") or "")
                if not image:
                    continue
                name = container.get("name") or "?"
                _repo, tag, digest = image_tag(image)
                if is_mutable_tag(image):
                    return "bad", f"container {name} image {image} has a mutable tag", obj.container_line(container, "image")
                if not digest and str(container.get("imagePullPolicy") or "") == "Always" and worst == "good":
                    worst, message, line = "partial", f"container {name}: explicit tag but imagePullPolicy Always", obj.container_line(container, "imagePullPolicy")
                if not message:
                    message, line = f"container {name} image {image}" + (" by digest" if digest else f" with explicit tag, pulled {container.get('imagePullPolicy') or 'IfNotPresent'}"), obj.container_line(container, "image")
            if not message:
                return None
            history = obj.spec.get("revisionHistoryLimit")
            if worst == "good" and history == 0:
                return "partial", "revisionHistoryLimit: 0 keeps no earlier revision", obj.line_of("spec", "revisionHistoryLimit")
            if worst == "good" and obj.kind in ("Deployment", "StatefulSet", "DaemonSet"):
                message += f"; revisionHistoryLimit {history}" if isinstance(history, int) else "; revisionHistoryLimit default 10"
            return worst, message, line

        graded = grade_workloads(repo.kubernetes.app_workloads(long_running=True), grade)
    evidence = [e for e, _ in graded]
    counts = level_counts(graded)
    total = sum(counts.values())
    if not total:
        return not_applicable("no deployed app images to roll back (no app workloads with images)", evidence)
    if counts["bad"]:
        return failed(f"mutable image tags in {plural(counts['bad'], 'app workload')}", evidence)
    if counts["partial"]:
        return partial(f"explicit tags, but pulled Always or no revision history in {plural(counts['partial'], 'workload')}", evidence)
    return passed(f"all {plural(total, 'app workload')} run explicit tags or digests", evidence)
