"""Kubernetes objects: parsed manifests, Kustomize environments, workloads.

The model answers "what is deployed, where, and from which source line".
It decides which description of the deployment is judged (Kustomize
overlays over a lone base over raw manifests; Helm charts only when helm can
render them), renders each overlay once, maps rendered objects back to their
source file and line, and folds the same object across environments into one
logical :class:`Workload` so a finding is reported once, with the
environments it occurs in.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from . import yamlio
from .discovery import Diagnostic, FileIndex

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Job", "CronJob", "Rollout", "DeploymentConfig")
LONG_RUNNING_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Rollout", "DeploymentConfig")
SCALABLE_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "Rollout", "DeploymentConfig")

STAGE_NAMES = {
    "dev": "dev", "develop": "dev", "development": "dev", "local": "dev",
    "test": "test", "testing": "test", "qa": "qa", "uat": "qa", "sit": "qa",
    "staging": "staging", "stage": "staging", "stg": "staging", "preprod": "staging", "pre-prod": "staging",
    "prod": "prod", "prd": "prod", "production": "prod", "live": "prod",
}

BACKING_IMAGE = re.compile(
    r"(^|/)(postgres|postgresql|postgis|timescaledb|mysql|mariadb|mongo|mongodb|redis|redis-stack|valkey|keydb|"
    r"memcached|rabbitmq|kafka|cp-kafka|zookeeper|cp-zookeeper|elasticsearch|opensearch|minio|nats|etcd|cassandra|"
    r"couchdb|couchbase|neo4j|influxdb|clickhouse|clickhouse-server|cockroach|cockroachdb|scylla|activemq|artemis|"
    r"pulsar|chroma|chromadb|qdrant|weaviate|milvus|dragonfly|localstack|azurite|dynamodb-local|bitnami/[a-z-]+)"
    r"(:|@|$)"
)
BACKING_NAME = re.compile(r"(^|[-_])(db|database|postgres|postgresql|mysql|mariadb|mongo|mongodb|redis|cache|memcached|queue|broker|rabbitmq|kafka|valkey|minio|elasticsearch)([-_]|$)")
INFRA_IMAGE = re.compile(
    r"(prom/|prometheus|node-exporter|kube-state-metrics|fluent-?bit|fluentd|promtail|grafana/agent|grafana/alloy|"
    r"otel/opentelemetry-collector|opentelemetry-collector|datadog/agent|newrelic|jaegertracing|vector|filebeat|"
    r"metricbeat|logstash|telegraf|cadvisor|-exporter|ingress-nginx|cert-manager|external-dns|istio/proxy|linkerd)"
)
WORKER_COMMAND = re.compile(
    r"\b(celery\b.*\bworker|rq\s+worker|rqworker|dramatiq|arq\s|huey_consumer|sidekiq|faust\s.*worker|"
    r"manage\.py\s+(qcluster|rqworker|process_tasks)|taskiq\s+worker|kombu|consumer)\b"
)
SCHEDULER_COMMAND = re.compile(r"\b(celery\b.*\bbeat|celerybeat|apscheduler|rqscheduler|rq-scheduler|supercronic|crond?)\b")
# At most this many kustomizations are rendered with kubectl/kustomize per audit (in parallel);
# the rest are read directly. Repositories have a handful of overlays; monorepos with one
# kustomization per app have thousands, at ~0.05-0.1 s of renderer start-up each.
MAX_RENDERS = 100
# Kustomization keys that direct reading applies (see KubernetesModel._read_directly).
_DIRECT_KEYS = frozenset({"apiVersion", "kind", "resources", "bases", "namespace", "images", "replicas",
                          "namePrefix", "nameSuffix", "configMapGenerator", "secretGenerator"})
MUTABLE_TAGS = frozenset({"latest", "stable", "main", "master", "edge", "dev", "develop", "nightly"})


class K8sObject:
    """One Kubernetes object as deployed, with where it is written.

    ``doc`` is the effective object (after rendering); ``source`` the
    mapping as written in ``path`` (``None`` when the object exists only in
    a rendering, e.g. a generated ConfigMap). Secret payloads are replaced
    by ``"<redacted>"`` when parsed, so no later layer can leak them.
    """

    __slots__ = ("doc", "source", "path", "line", "env", "origin")

    def __init__(self, doc: dict, path: str, line: int, source: dict | None = None, env: str | None = None, origin: str = "manifest"):
        self.doc = doc
        self.source = source if source is not None else doc
        self.path = path
        self.line = line
        self.env = env
        self.origin = origin

    def __repr__(self) -> str:
        return f"<{self.kind}/{self.name} {self.path}:{self.line} env={self.env}>"

    @property
    def kind(self) -> str:
        return str(self.doc.get("kind") or "")

    @property
    def api_version(self) -> str:
        return str(self.doc.get("apiVersion") or "")

    @property
    def metadata(self) -> dict:
        meta = self.doc.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or self.metadata.get("generateName") or "")

    @property
    def namespace(self) -> str | None:
        ns = self.metadata.get("namespace")
        return str(ns) if ns else None

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def labels(self) -> dict:
        return as_dict(self.metadata.get("labels"))

    @property
    def annotations(self) -> dict:
        return as_dict(self.metadata.get("annotations"))

    @property
    def spec(self) -> dict:
        return as_dict(self.doc.get("spec"))

    def template(self) -> dict:
        """The pod template (``metadata`` + ``spec``) of a workload, else ``{}``."""
        kind = self.kind
        if kind == "Pod":
            return {"metadata": self.metadata, "spec": self.spec}
        if kind == "CronJob":
            job = as_dict(as_dict(self.spec.get("jobTemplate")).get("spec"))
            return as_dict(job.get("template"))
        return as_dict(self.spec.get("template"))

    def pod_spec(self) -> dict:
        return as_dict(self.template().get("spec"))

    def pod_labels(self) -> dict:
        return as_dict(as_dict(self.template().get("metadata")).get("labels"))

    def pod_annotations(self) -> dict:
        return as_dict(as_dict(self.template().get("metadata")).get("annotations"))

    def containers(self, init: bool = False) -> list[dict]:
        spec = self.pod_spec()
        out = [c for c in as_list(spec.get("containers")) if isinstance(c, dict)]
        if init:
            out += [c for c in as_list(spec.get("initContainers")) if isinstance(c, dict)]
        return out

    def init_containers(self) -> list[dict]:
        return [c for c in as_list(self.pod_spec().get("initContainers")) if isinstance(c, dict)]

    def images(self, init: bool = True) -> list[str]:
        return [str(c.get("image")) for c in self.containers(init=init) if c.get("image")]

    def selector(self) -> dict:
        """matchLabels of a workload/PDB/NetworkPolicy selector, or a Service's selector."""
        sel = self.spec.get("selector") if self.kind != "NetworkPolicy" else self.spec.get("podSelector")
        sel = as_dict(sel)
        if self.kind in ("Service",):
            return sel
        labels = as_dict(sel.get("matchLabels"))
        return labels if labels or "matchExpressions" in sel else sel

    def replicas(self) -> int | None:
        value = self.spec.get("replicas")
        return value if isinstance(value, int) else None

    def effective_security_context(self, container: dict) -> dict:
        """Pod-level securityContext with the container's own fields on top."""
        merged = dict(as_dict(self.pod_spec().get("securityContext")))
        merged.update(as_dict(container.get("securityContext")))
        return merged

    def line_of(self, *keys) -> int:
        """Line of a nested field in the source, or the nearest written ancestor's."""
        node = self.source
        line = self.line
        for key in keys:
            if isinstance(node, yamlio.YMap) and key in node:
                line = node.line_of(key) or line
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                node = node[key]
                if isinstance(node, yamlio.YMap) and node.line:
                    line = node.line
            else:
                break
        return line

    def container_line(self, container: dict, *keys) -> int:
        src = self._source_container(container)
        if src is None:
            return self.line
        line = src.line or self.line
        node = src
        for key in keys:
            if isinstance(node, yamlio.YMap) and key in node:
                line = node.line_of(key) or line
                node = node[key]
            else:
                break
        return line

    def _source_container(self, container: dict):
        name = container.get("name")
        source_spec = K8sObject(self.source, self.path, self.line).pod_spec() if self.source is not self.doc else self.pod_spec()
        for group in ("containers", "initContainers"):
            for candidate in as_list(source_spec.get(group)):
                if isinstance(candidate, yamlio.YMap) and candidate.get("name") == name:
                    return candidate
        return None


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def image_tag(image: str) -> tuple[str, str | None, str | None]:
    """Split an image reference into (repository, tag, digest)."""
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    slash = image.rfind("/")
    colon = image.rfind(":")
    tag = None
    if colon > slash:
        image, tag = image[:colon], image[colon + 1:]
    return image, tag, digest


def is_mutable_tag(image: str) -> bool:
    """No tag, or a tag that moves (latest, stable, main, ``*-latest`` …); digests are immutable."""
    _repo, tag, digest = image_tag(image)
    if digest:
        return False
    if not tag:
        return True
    lowered = tag.lower()
    return lowered in MUTABLE_TAGS or lowered.endswith("-latest")


def selector_matches(selector: dict, labels: dict) -> bool:
    if not selector:
        return False
    return all(str(labels.get(k)) == str(v) for k, v in selector.items() if k != "matchExpressions") and any(
        k != "matchExpressions" for k in selector
    )


# --------------------------------------------------------------------------- parsing


@dataclass
class ManifestFile:
    path: str
    objects: list[K8sObject]


def _redact_secret(doc: dict) -> None:
    for key in ("data", "stringData"):
        payload = doc.get(key)
        if isinstance(payload, dict):
            for item in list(payload):
                if payload[item] not in (None, ""):
                    payload[item] = "<redacted>"


def objects_from_documents(documents: Iterable, path: str, origin: str = "manifest") -> list[K8sObject]:
    out: list[K8sObject] = []
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        kind = doc.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list):
            out.extend(objects_from_documents(doc["items"], path, origin))
            continue
        if not isinstance(kind, str) or not isinstance(doc.get("apiVersion"), str):
            continue
        if kind == "Secret":
            _redact_secret(doc)
        line = doc.line if isinstance(doc, yamlio.YMap) else 1
        out.append(K8sObject(doc, path, line or 1, origin=origin))
    return out


def looks_like_manifest(text: str) -> bool:
    return "apiVersion" in text and "kind" in text


def is_templated(text: str) -> bool:
    return "{{" in text and "}}" in text


# --------------------------------------------------------------------------- kustomize


@dataclass
class Kustomization:
    directory: str
    path: str
    doc: dict
    is_component: bool
    resources: list[str] = field(default_factory=list)       # manifest files (relative paths)
    children: list[str] = field(default_factory=list)        # kustomization directories it builds on
    components: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    patch_files: list[str] = field(default_factory=list)     # patches: not objects of their own
    outside: list[str] = field(default_factory=list)
    helm_charts: bool = False

    @property
    def name(self) -> str:
        return posixpath.basename(self.directory) or "."


_REMOTE = re.compile(r"^(https?://|git@|ssh://|github\.com/|gitlab\.com/|bitbucket\.org/)|\?ref=|//")


def _norm(base: str, entry: str) -> str:
    joined = posixpath.normpath(posixpath.join(base, entry)) if base else posixpath.normpath(entry)
    return "" if joined == "." else joined


def parse_kustomization(path: str, doc: dict, index: FileIndex, kustomize_dirs: set[str]) -> Kustomization:
    directory = posixpath.dirname(path)
    kust = Kustomization(directory=directory, path=path, doc=doc, is_component=doc.get("kind") == "Component")
    kust.helm_charts = bool(doc.get("helmCharts"))
    entries: list[tuple[str, str]] = []
    for key in ("resources", "bases", "components"):
        for entry in as_list(doc.get(key)):
            if isinstance(entry, str):
                entries.append((key, entry))
    for key in ("patches", "patchesStrategicMerge", "patchesJson6902"):
        for entry in as_list(doc.get(key)):
            target = entry.get("path") if isinstance(entry, dict) else entry if isinstance(entry, str) and "\n" not in entry else None
            if isinstance(target, str):
                kust.patch_files.append(_norm(directory, target))
    for key, entry in entries:
        if _REMOTE.search(entry):
            kust.remote.append(entry)
            continue
        target = _norm(directory, entry)
        if target.startswith(".."):
            kust.outside.append(entry)
            continue
        if target in kustomize_dirs:
            (kust.components if key == "components" else kust.children).append(target)
        elif index.exists(target):
            kust.resources.append(target)
        else:
            kust.missing.append(entry)
    return kust


@dataclass
class Environment:
    """A named deploy target and the objects deployed there."""

    name: str
    source: str            # overlay directory, chart values file, or "manifests"
    mode: str              # "kustomize", "kustomize (read directly)", "manifests", "helm"
    objects: list[K8sObject] = field(default_factory=list)
    is_stage: bool = True  # False for variants such as a feature overlay

    @property
    def stage(self) -> str | None:
        return STAGE_NAMES.get(self.name.lower())


@dataclass
class Workload:
    """One workload across environments, reported once at its source line."""

    kind: str
    name: str
    path: str
    line: int
    variants: dict[str, K8sObject]
    role: str = "app"
    role_reason: str = ""

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def first(self) -> K8sObject:
        return next(iter(self.variants.values()))

    @property
    def long_running(self) -> bool:
        return self.kind in LONG_RUNNING_KINDS

    @property
    def is_app(self) -> bool:
        return self.role in ("app", "worker", "scheduler")

    def __repr__(self) -> str:
        return f"<Workload {self.ref} {self.role} envs={list(self.variants)}>"


def classify_role(obj: K8sObject, backing_images: tuple[str, ...] = ()) -> tuple[str, str]:
    """(role, reason) per the checklist's workload-role rules; ``backing_images`` are the
    team's extra image patterns (globs on the repository part) for backing services."""
    images = obj.images(init=False)
    for image in images:
        repo = image_tag(image)[0].lower()
        if BACKING_IMAGE.search(repo):
            return "backing", f"image {image} is a data service"
        if any(fnmatch.fnmatch(repo, pattern.lower()) for pattern in backing_images):
            return "backing", f"image {image} matches the policy's backing_images"
    labels = {**obj.labels, **obj.pod_labels()}
    component = str(labels.get("app.kubernetes.io/component", "")).lower()
    if component and BACKING_NAME.search(component):
        return "backing", f"component label '{component}'"
    for image in images:
        if INFRA_IMAGE.search(image.lower()):
            return "infrastructure", f"image {image} is a third-party agent"
    command = " ".join(
        " ".join(str(x) for x in as_list(c.get("command")) + as_list(c.get("args"))) for c in obj.containers()
    ).lower()
    name = obj.name.lower()
    if SCHEDULER_COMMAND.search(command) or re.search(r"(^|[-_])(beat|scheduler|cron)([-_]|$)", name):
        return "scheduler", "command or name says scheduler"
    if WORKER_COMMAND.search(command) or re.search(r"(^|[-_])(worker|consumer)s?([-_]|$)", name):
        return "worker", "command or name says queue worker"
    if BACKING_NAME.search(name) and obj.kind in ("StatefulSet", "Deployment"):  # not Jobs/CronJobs (warm-cache, db-backup)
        return "backing", f"name '{obj.name}' says data service"
    return "app", "application image"


# --------------------------------------------------------------------------- the model


class KubernetesModel:
    """All Kubernetes facts of the repository, built lazily and once."""

    def __init__(self, index: FileIndex, diagnostics: list[Diagnostic], render: bool = True, render_timeout: float = 60.0,
                 policy: dict | None = None, render_limit: int | None = None):
        self.policy = policy or {}
        self.index = index
        self.diagnostics = diagnostics
        self.render_enabled = render
        self.render_timeout = render_timeout
        self.render_limit = MAX_RENDERS if render_limit is None else render_limit
        self._prerendered: dict[str, tuple[str | None, str]] = {}
        self._over_limit: set[str] = set()
        self.files: list[ManifestFile] = []
        self.kustomizations: dict[str, Kustomization] = {}
        self.helm_charts: list[str] = []
        self.helm_values: dict[str, list[str]] = {}
        self.templated_files: list[str] = []
        self.environments: list[Environment] = []
        self.judged: str = "none"
        self.render_failures: dict[str, str] = {}
        self.supporting: list[K8sObject] = []
        self._parse()
        self._build_environments()
        self._apply_environment_policy()
        self.workloads: list[Workload] = self._fold_workloads()

    # -- parsing -----------------------------------------------------------------------
    def _parse(self) -> None:
        index = self.index
        self.helm_charts = sorted(posixpath.dirname(p) for p in index.of("helm_chart"))
        chart_prefixes = tuple(c + "/" if c else "" for c in self.helm_charts)
        for chart in self.helm_charts:
            prefix = chart + "/" if chart else ""
            self.helm_values[chart] = [
                p for p in index.of("yaml") if p.startswith(prefix) and "/" not in p[len(prefix):]
                and posixpath.basename(p).lower().startswith("values")
            ]
        for path in index.of("yaml", "json"):
            in_chart = next((c for c in chart_prefixes if path.startswith(c)), None)
            if in_chart is not None:
                rest = path[len(in_chart):]
                if rest.startswith("templates/") or "/templates/" in rest:
                    self.templated_files.append(path)
                    continue
                if posixpath.basename(path).lower().startswith("values"):
                    continue
            text = self._read(path)
            if text is None or not looks_like_manifest(text):
                continue
            try:
                documents = yamlio.load_all(text)
            except Exception as exc:  # yaml errors, bounds, recursion
                if is_templated(text):
                    self.templated_files.append(path)
                    self.diagnostics.append(Diagnostic(path, "templated file ({{ }} placeholders); not analysed", "info"))
                else:
                    self.diagnostics.append(Diagnostic(path, _describe(exc)))
                continue
            objects = objects_from_documents(documents, path)
            if objects:
                self.files.append(ManifestFile(path, objects))
        if not (self.render_enabled and shutil.which("helm")):
            reason = "rendering disabled" if not self.render_enabled else "helm is not on PATH"
            for path in self.templated_files:
                if any(path.startswith(c) for c in chart_prefixes):
                    self.diagnostics.append(Diagnostic(path, f"Helm template; not analysed ({reason})", "info"))
        kustomize_dirs = {posixpath.dirname(p) for p in index.of("kustomization")}
        for path in index.of("kustomization"):
            text = self._read(path)
            if text is None:
                continue
            try:
                docs = yamlio.load_all(text)
            except Exception as exc:
                self.diagnostics.append(Diagnostic(path, _describe(exc)))
                continue
            doc = docs[0] if docs and isinstance(docs[0], dict) else None
            if doc is None:
                self.diagnostics.append(Diagnostic(path, "kustomization is empty or not a mapping"))
                continue
            kust = parse_kustomization(path, doc, index, kustomize_dirs)
            for entry in kust.missing:
                self.diagnostics.append(Diagnostic(path, f"kustomization resource {entry} not found"))
            self.kustomizations[kust.directory] = kust

    def _read(self, path: str) -> str | None:
        return self.index.read(path, self.diagnostics)

    # -- the judged deployment -------------------------------------------------------------
    def objects_in_files(self, paths: Iterable[str]) -> list[K8sObject]:
        """Objects of these manifest files, in the order the files were parsed."""
        cached = self.__dict__.get("_file_positions")
        if cached is None or cached[0] != len(self.files):  # one dict, not a scan of every file per kustomization
            cached = (len(self.files), {f.path: n for n, f in enumerate(self.files)})
            self.__dict__["_file_positions"] = cached
        positions = cached[1]
        return [obj for n in sorted({positions[p] for p in paths if p in positions}) for obj in self.files[n].objects]

    def kustomize_closure(self, directory: str, seen: set[str] | None = None) -> list[Kustomization]:
        seen = set() if seen is None else seen
        if directory in seen or directory not in self.kustomizations:
            return []
        seen.add(directory)
        kust = self.kustomizations[directory]
        out = [kust]
        for child in kust.children + kust.components:
            out.extend(self.kustomize_closure(child, seen))
        return out

    def _kustomize_roots(self) -> list[Kustomization]:
        referenced = {c for k in self.kustomizations.values() for c in k.children + k.components}
        return [k for d, k in sorted(self.kustomizations.items()) if d not in referenced and not k.is_component]

    def _build_environments(self) -> None:
        roots = self._kustomize_roots()
        used_files: set[str] = set()
        patch_files = {p for k in self.kustomizations.values() for p in k.patch_files}
        for kust in self.kustomizations.values():
            used_files.update(kust.resources)
        used_files |= patch_files
        if roots:
            overlays = [k for k in roots if k.children or k.components]
            leaves = [k for k in roots if not (k.children or k.components)]
            judged = overlays or leaves
            if overlays:
                # Other top-level kustomizations are parallel descriptions of the same
                # deployment (a standalone install, a demo): supporting evidence only.
                self.judged = "kustomize overlays"
                for kust in leaves:
                    self.diagnostics.append(Diagnostic(
                        kust.path, "top-level kustomization outside the overlays; not judged as the deployment", "info"))
                names = _unique_names([k.directory for k in overlays])
                self._prerender(overlays)
                for kust, name in zip(overlays, names):
                    env = Environment(name=name, source=kust.directory, mode="kustomize")
                    env.objects = self._render(kust, env)
                    env.is_stage = _is_stage_name(name)
                    self.environments.append(env)
            else:
                self.judged = "kustomize base" if len(leaves) == 1 else "kustomizations"
                env = Environment(name="default", source=", ".join(k.directory or "." for k in leaves), mode="kustomize")
                self._prerender(leaves)
                for kust in leaves:
                    env.objects += self._render(kust, env)
                self.environments.append(env)
            raw = [f for f in self.files if f.path not in used_files and not _is_crd_dir(f.path)]
            if any(env.objects for env in self.environments) or not raw:
                judged_files = {r for k in judged for c in self.kustomize_closure(k.directory) for r in c.resources}
                self._attach_supporting(judged_files | patch_files)
                return
            # Nothing usable from Kustomize offline (remote bases only, missing files):
            # the raw manifests are the only description left to judge.
            for kust in judged:
                self.diagnostics.append(Diagnostic(kust.path, "kustomization yields no objects offline; raw manifests judged instead", "info"))
            self.environments = []
        raw = [f for f in self.files if f.path not in used_files and not _is_crd_dir(f.path)]
        if self.helm_charts and self.render_enabled and shutil.which("helm"):
            environments = self._render_helm()
            if environments:
                self.judged = "helm charts"
                self.environments = environments
                self._attach_supporting(set())
                return
        if raw:
            self.judged = "manifests"
            staged: dict[str, list[K8sObject]] = {}
            shared: list[K8sObject] = []
            for f in raw:
                stage = _stage_of_path(f.path)
                (staged.setdefault(stage, []) if stage else shared).extend(f.objects)
            if staged:
                for name in sorted(staged):
                    env = Environment(name=name, source=name, mode="manifests")
                    env.objects = [_in_env(o, name) for o in _dedupe(staged[name] + shared)]
                    self.environments.append(env)
            else:
                env = Environment(name="default", source="manifests", mode="manifests")
                env.objects = [_in_env(o, "default") for o in _dedupe(shared)]
                self.environments.append(env)
        elif self.helm_charts:
            self.judged = "helm charts (not rendered)"

    def _render_helm(self) -> list[Environment]:
        """``helm template`` per top-level chart and per ``values-<env>`` file.

        Rendered documents carry ``# Source: <chart>/templates/x.yaml``; each
        object is mapped back to that template file (line 1: templates have
        no stable line for rendered fields).
        """
        charts = [c for c in self.helm_charts if not any(c != o and c.startswith((o + "/charts/") if o else "charts/") for o in self.helm_charts)]
        by_env: dict[str, Environment] = {}
        for chart in charts:
            values = self.helm_values.get(chart, [])
            per_env = {}
            for path in values:
                match = _VALUES_ENV.match(posixpath.basename(path).lower())
                if match:
                    per_env[match.group(1)] = path
            targets = sorted(per_env.items()) or [("default", None)]
            for env_name, values_file in targets:
                rendered, error = _run_helm(self.index.abspath(chart or "."), values_file and self.index.abspath(values_file), self.render_timeout)
                if rendered is None:
                    self.render_failures[chart] = error
                    self.diagnostics.append(Diagnostic(chart + "/Chart.yaml" if chart else "Chart.yaml", f"helm template failed ({error}); chart not analysed"))
                    continue
                env = by_env.setdefault(env_name, Environment(name=env_name, source=values_file or chart or ".", mode="helm", is_stage=_is_stage_name(env_name) or env_name == "default"))
                for source, text in _helm_documents(rendered):
                    try:
                        docs = yamlio.load_all(text)
                    except Exception as exc:
                        self.diagnostics.append(Diagnostic(chart or ".", f"unparseable helm output for {source}: {_describe(exc)}"))
                        continue
                    rel = source.split("/", 1)[1] if "/" in source else source
                    path = posixpath.join(chart, rel) if chart else rel
                    for obj in objects_from_documents(docs, path, "rendered"):
                        env.objects.append(K8sObject(obj.doc, path, 1, source={}, env=env_name, origin="rendered"))
        return [by_env[name] for name in sorted(by_env)]

    def _apply_environment_policy(self) -> None:
        """``environments = [...]`` in the team's policy: judge only those environments."""
        wanted = [str(name) for name in self.policy.get("environments", ())]
        if not wanted or not self.environments:
            return
        kept = [env for env in self.environments if env.name in wanted]
        if kept:
            self.environments = kept
            return
        self.diagnostics.append(Diagnostic(
            "pyproject.toml", f"policy environments {wanted} match none of {', '.join(self.env_names())}; all environments judged", "warning"))

    def _attach_supporting(self, used_files: set[str]) -> None:
        """Raw manifests outside every kustomization (e.g. an Argo CD Application)
        stay visible to existence checks, without being judged as workloads."""
        self.supporting = [o for f in self.files if f.path not in used_files for o in f.objects]

    def _render(self, kust: Kustomization, env: Environment | None) -> list[K8sObject]:
        if kust.directory in self._over_limit:
            return self._read_over_limit(kust, env)
        name = env.name if env else "default"
        closure = self.kustomize_closure(kust.directory)
        source_files = sorted({r for k in closure for r in k.resources})
        sources = self.objects_in_files(source_files)
        tool = _kustomize_command() if self.render_enabled else None
        remote = [r for k in closure for r in k.remote]
        if tool is not None and remote:
            # Renderers would fetch remote bases over the network; the audit stays offline.
            error = f"remote base not fetched (offline audit): {remote[0]}"
            self.render_failures[kust.directory] = error
            self.diagnostics.append(Diagnostic(kust.path, f"{error}; read directly instead, patches not applied", "info"))
        elif tool is not None:
            if kust.directory in self._prerendered:
                rendered, error = self._prerendered.pop(kust.directory)
            else:
                rendered, error = _run_kustomize(tool, self.index.abspath(kust.directory or "."), self.render_timeout)
            if rendered is not None:
                try:
                    docs = yamlio.load_all(rendered)
                except Exception as exc:
                    error = _describe(exc)
                else:
                    return [self._map_back(o, sources, closure, name) for o in objects_from_documents(docs, kust.path, "rendered")]
            self.render_failures[kust.directory] = error
            self.diagnostics.append(Diagnostic(kust.path, f"kustomize build failed ({error}); read directly instead, patches not applied"))
        else:
            reason = "rendering disabled" if not self.render_enabled else "neither kubectl nor kustomize is on PATH"
            self.diagnostics.append(Diagnostic(kust.path, f"{reason}; kustomization read directly, patches not applied", "info"))
        if env:
            env.mode = "kustomize (read directly)"
        return self._read_directly(closure, name)

    def _prerender(self, kusts: list[Kustomization]) -> None:
        """Run the renderer for these kustomizations before they are read, in parallel and at
        most ``render_limit`` of them.

        Each ``kubectl kustomize`` costs ~0.05-0.1 s of start-up, so a monorepo of thousands of
        per-app kustomizations would spend minutes in it: beyond the limit, kustomizations are
        read directly (those that use only what direct reading applies go first to that
        fallback) and each says so. Outputs are kept until :meth:`_render` uses them.
        """
        tool = _kustomize_command() if self.render_enabled else None
        if tool is None:
            return
        wanted = [k for k in kusts if not any(c.remote for c in self.kustomize_closure(k.directory))]
        if len(wanted) > self.render_limit:
            ranked = sorted(wanted, key=lambda k: not self._needs_renderer(k))  # stable: listed order within each group
            keep = {k.directory for k in ranked[: self.render_limit]}
            for kust in wanted:
                if kust.directory not in keep:
                    self._over_limit.add(kust.directory)
            wanted = [k for k in wanted if k.directory in keep]
        if len(wanted) < 2:
            return
        from concurrent.futures import ThreadPoolExecutor

        workers = max(1, min(len(wanted), os.cpu_count() or 1, 8))
        with ThreadPoolExecutor(max_workers=workers) as pool:  # the work is in child processes
            outputs = pool.map(lambda k: _run_kustomize(tool, self.index.abspath(k.directory or "."), self.render_timeout), wanted)
            for kust, output in zip(wanted, outputs):
                self._prerendered[kust.directory] = output

    def _needs_renderer(self, kust: Kustomization) -> bool:
        """The kustomization (or a base/component) uses something direct reading does not apply."""
        return any(set(k.doc) - _DIRECT_KEYS or k.components for k in self.kustomize_closure(kust.directory))

    def _read_over_limit(self, kust: Kustomization, env: Environment | None) -> list[K8sObject]:
        name = env.name if env else "default"
        self.diagnostics.append(Diagnostic(
            kust.path, f"more than {self.render_limit} kustomizations to render; read directly, patches not applied", "info"))
        if env:
            env.mode = "kustomize (read directly)"
        return self._read_directly(self.kustomize_closure(kust.directory), name)

    def _map_back(self, obj: K8sObject, sources: list[K8sObject], closure: list[Kustomization], env: str) -> K8sObject:
        best = None
        for src in sources:
            if src.kind != obj.kind:
                continue
            if src.name == obj.name:
                best = src
                break
            if src.name and (obj.name.endswith(src.name) or obj.name.startswith(src.name)) and (
                best is None or len(src.name) > len(best.name)
            ):
                best = src
        if best is not None:
            return K8sObject(obj.doc, best.path, best.line, source=best.source, env=env, origin="rendered")
        for kust in closure:
            for key in ("configMapGenerator", "secretGenerator"):
                for gen in as_list(kust.doc.get(key)):
                    if isinstance(gen, dict) and gen.get("name") and obj.name.startswith(str(gen["name"])):
                        return K8sObject(obj.doc, kust.path, getattr(gen, "line", 1) or 1, source=gen, env=env, origin="generated")
        return K8sObject(obj.doc, closure[0].path if closure else obj.path, 1, source={}, env=env, origin="rendered")

    def _read_directly(self, closure: list[Kustomization], env: str) -> list[K8sObject]:
        """Base + overlays without a renderer: resources, namespace, images, replicas, generators."""
        out: list[K8sObject] = []
        for kust in reversed(closure):  # bases first
            for obj in self.objects_in_files(kust.resources):
                out.append(K8sObject(_deep_copy(obj.doc), obj.path, obj.line, source=obj.source, env=env, origin="read"))
            for key, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
                for gen in as_list(kust.doc.get(key)):
                    if not isinstance(gen, dict) or not gen.get("name"):
                        continue
                    data = {}
                    for literal in as_list(gen.get("literals")):
                        k, _, v = str(literal).partition("=")
                        data[k] = "<redacted>" if kind == "Secret" else v
                    doc = {"apiVersion": "v1", "kind": kind, "metadata": {"name": gen["name"]}, "data": data}
                    out.append(K8sObject(doc, kust.path, getattr(gen, "line", 1) or 1, source=gen, env=env, origin="generated"))
        for kust in reversed(closure):  # bases first, so the overlay's transforms win
            _apply_transforms(kust, out)
        return out

    def _fold_workloads(self) -> list[Workload]:
        folded: dict[tuple, Workload] = {}
        for env in self.environments:
            for obj in env.objects:
                if obj.kind not in WORKLOAD_KINDS:
                    continue
                key = (obj.kind, obj.path, obj.line) if obj.source else (obj.kind, obj.name)
                work = folded.get(key)
                if work is None:
                    role, reason = classify_role(obj, tuple(self.policy.get("backing_images", ())))
                    work = Workload(obj.kind, obj.name, obj.path, obj.line, {}, role, reason)
                    folded[key] = work
                work.variants.setdefault(env.name, obj)
        return sorted(folded.values(), key=lambda w: (w.path, w.line, w.kind, w.name))

    # -- queries ------------------------------------------------------------------------
    @property
    def present(self) -> bool:
        return bool(self.files or self.kustomizations or self.helm_charts)

    def all_objects(self) -> list[K8sObject]:
        """Every object written in the repository, judged or not (for existence checks)."""
        return [o for f in self.files for o in f.objects]

    def objects(self, *kinds: str, env: str | None = None) -> list[K8sObject]:
        """Objects of the judged deployment, optionally of some kinds / one environment."""
        cache = self._queries()
        found = cache.get((kinds, env))
        if found is None:
            found = []
            for environment in self.environments:
                if env is not None and environment.name != env:
                    continue
                found.extend(o for o in environment.objects if not kinds or o.kind in kinds)
            cache[(kinds, env)] = found
        return list(found)

    # -- indexes for per-workload questions ------------------------------------------------
    # Evaluators ask, for each workload, which HPAs target it or which Services / PDBs select
    # its pods. Scanning every object of the environment each time is quadratic (5,000 apps:
    # 25 million comparisons per evaluator), so these return the few *candidates* from an index
    # built once per (kinds, environment). They are supersets, in the order of objects():
    # callers keep their own matching rules and only skip the objects that cannot match.

    def _queries(self) -> dict:
        """Per-query cache, dropped whenever the environments change."""
        key = tuple((id(e), len(e.objects)) for e in self.environments)
        cached = self.__dict__.get("_query_cache")
        if cached is None or cached[0] != key:
            cached = (key, {})
            self.__dict__["_query_cache"] = cached
        return cached[1]

    def _indexed(self, name: str, kinds: tuple, env: str | None, keys_of) -> dict:
        """{key: [(position, object)]} over objects(*kinds, env=env); keys_of(obj) yields its keys."""
        cache = self._queries()
        index = cache.get((name, kinds, env))
        if index is None:
            index = {}
            for position, obj in enumerate(self.objects(*kinds, env=env)):
                for key in keys_of(obj):
                    index.setdefault(key, []).append((position, obj))
            cache[(name, kinds, env)] = index
        return index

    @staticmethod
    def _merged(*groups: list) -> list[K8sObject]:
        groups = [g for g in groups if g]
        if len(groups) == 1:
            return [obj for _pos, obj in groups[0]]
        return [obj for _pos, obj in sorted({id(o): (p, o) for g in groups for p, o in g}.values(), key=lambda x: x[0])]

    def objects_named(self, name: str, *kinds: str, env: str | None = None) -> list[K8sObject]:
        """``objects(*kinds, env=env)`` named ``name``."""
        return [o for _pos, o in self._indexed("name", kinds, env, lambda o: (o.name,)).get(name, ())]

    def in_env(self, obj: K8sObject, *kinds: str) -> list[K8sObject]:
        """Objects of these kinds in ``obj``'s environment and namespace (objects without a
        namespace are in every namespace), in the order of :meth:`objects`."""
        index = self._indexed("namespace", kinds, obj.env, lambda o: (o.namespace,))
        if obj.namespace is None:
            return self._merged(*index.values())
        return self._merged(index.get(obj.namespace, []), index.get(None, []))

    def scaler_candidates(self, obj: K8sObject, *kinds: str) -> list[K8sObject]:
        """Objects of these kinds in ``obj``'s environment and namespace whose
        ``spec.scaleTargetRef.name`` is ``obj``'s name (kind not checked)."""
        def keys(o):
            return ((str(as_dict(o.spec.get("scaleTargetRef")).get("name")), o.namespace),)

        index = self._indexed("scale-target", kinds, obj.env, keys)
        if obj.namespace is None:
            return self._merged(*(v for (name, _ns), v in index.items() if name == obj.name))
        return self._merged(index.get((obj.name, obj.namespace), []), index.get((obj.name, None), []))

    def selector_candidates(self, labels: dict, env: str | None, *kinds: str) -> list[K8sObject]:
        """Objects of these kinds (Services, PDBs, NetworkPolicies …) in ``env`` whose selector
        may match pods with these labels: one of its label pairs is among them, or it has
        no plain label pair to index (empty, matchExpressions only). Namespace not checked."""
        index = self._indexed("selector", kinds, env, lambda o: (_selector_key(o),))
        groups = [index.get(None, [])]
        for key, value in as_dict(labels).items():
            groups.append(index.get((key, str(value)), []))
        return self._merged(*groups)

    def selected_candidates(self, selector: dict, env: str | None, *kinds: str) -> list[K8sObject]:
        """Objects of these kinds (workloads) in ``env`` whose pod labels may be matched by
        this plain label selector (``selector_matches`` semantics). Namespace not checked."""
        index = self._indexed("pod-labels", kinds, env, lambda o: [(k, str(v)) for k, v in o.pod_labels().items()] or [None])
        pair = _label_pair(selector)
        if pair is None:
            return self.objects(*kinds, env=env) if _indexable_selector(selector) is False else []
        return self._merged(index.get(pair, []))

    def unique_objects(self, *kinds: str) -> list[K8sObject]:
        """Judged objects folded across environments (one per source location)."""
        seen: dict[tuple, K8sObject] = {}
        for obj in self.objects(*kinds):
            seen.setdefault((obj.kind, obj.path, obj.line, obj.name if obj.origin == "generated" else ""), obj)
        return list(seen.values())

    def anywhere(self, *kinds: str) -> list[K8sObject]:
        """Objects of these kinds in the judged deployment or anywhere else in the repo."""
        judged = self.unique_objects(*kinds)
        keys = {(o.path, o.line) for o in judged}
        return judged + [o for o in self.all_objects() if o.kind in kinds and (o.path, o.line) not in keys]

    def app_workloads(self, long_running: bool | None = None) -> list[Workload]:
        return [
            w for w in self.workloads
            if w.is_app and (long_running is None or w.long_running == long_running)
        ]

    def env_names(self) -> list[str]:
        return [e.name for e in self.environments]


def _label_pair(selector) -> tuple[str, str] | None:
    """A (key, value) pair every label set matched by this plain selector contains, if any:
    ``selector_matches`` compares ``str(labels.get(k))``, so a value spelled "None" matches a
    missing label and cannot be indexed."""
    for key, value in as_dict(selector).items():
        if key != "matchExpressions" and str(value) != "None":
            return key, str(value)
    return None


def _indexable_selector(selector) -> bool | None:
    """None: matches nothing (empty); False: has pairs but none indexable; True: indexable."""
    pairs = [k for k in as_dict(selector) if k != "matchExpressions"]
    if not pairs:
        return None
    return _label_pair(selector) is not None


def _selector_key(obj: K8sObject):
    """Index key of an object's pod selector: a Service's ``spec.selector``, otherwise
    ``matchLabels`` (PDBs, NetworkPolicy ``podSelector``, workloads); None when not indexable."""
    spec = obj.spec
    if obj.kind == "Service":
        labels = as_dict(spec.get("selector"))
    else:
        selector = spec.get("podSelector") if obj.kind == "NetworkPolicy" else spec.get("selector")
        labels = as_dict(as_dict(selector).get("matchLabels"))
    return _label_pair(labels)


def _describe(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return f"nested too deeply to parse (more than {yamlio.MAX_DEPTH} levels)"
    if hasattr(exc, "problem_mark") or exc.__class__.__module__.startswith("yaml"):
        return yamlio.describe_error(exc)
    return f"cannot parse: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _deep_copy(value):
    if isinstance(value, dict):
        copy = yamlio.YMap((k, _deep_copy(v)) for k, v in value.items())
        if isinstance(value, yamlio.YMap):
            copy.line, copy.key_lines = value.line, value.key_lines
        return copy
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _apply_transforms(kust: Kustomization, objects: list[K8sObject]) -> None:
    doc = kust.doc
    namespace = doc.get("namespace")
    images = [i for i in as_list(doc.get("images")) if isinstance(i, dict) and i.get("name")]
    replicas = {str(r.get("name")): r.get("count") for r in as_list(doc.get("replicas")) if isinstance(r, dict)}
    prefix, suffix = str(doc.get("namePrefix") or ""), str(doc.get("nameSuffix") or "")
    for obj in objects:
        meta = obj.doc.setdefault("metadata", yamlio.YMap()) if isinstance(obj.doc, dict) else None
        if meta is None or not isinstance(meta, dict):
            continue
        if obj.name in replicas and isinstance(replicas[obj.name], int) and isinstance(obj.doc.get("spec"), dict):
            obj.doc["spec"]["replicas"] = replicas[obj.name]
        if namespace and obj.kind not in ("Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"):
            meta["namespace"] = namespace
        if prefix or suffix:
            meta["name"] = f"{prefix}{meta.get('name', '')}{suffix}"
        for container in obj.containers(init=True):
            image = str(container.get("image") or "")
            repo, tag, digest = image_tag(image)
            for rule in images:
                if rule.get("name") != repo:
                    continue
                repo = str(rule.get("newName") or repo)
                if rule.get("digest"):
                    container["image"] = f"{repo}@{rule['digest']}"
                else:
                    new_tag = rule.get("newTag", tag)
                    container["image"] = f"{repo}:{new_tag}" if new_tag else repo


def _in_env(obj: K8sObject, env: str) -> K8sObject:
    return K8sObject(obj.doc, obj.path, obj.line, source=obj.source, env=env, origin=obj.origin)


def _dedupe(objects: list[K8sObject]) -> list[K8sObject]:
    """One object per (kind, namespace, name); a file with fewer documents wins
    (a generated multi-document bundle is a rendering of the smaller files)."""
    counts: dict[str, int] = {}
    for obj in objects:
        counts[obj.path] = counts.get(obj.path, 0) + 1
    chosen: dict[tuple, K8sObject] = {}
    for obj in sorted(objects, key=lambda o: (counts[o.path], o.path, o.line)):
        chosen.setdefault((obj.kind, obj.namespace, obj.name), obj)
    return sorted(chosen.values(), key=lambda o: (o.path, o.line))


def _stage_of_path(path: str) -> str | None:
    for part in path.split("/")[:-1]:
        if part.lower() in STAGE_NAMES:
            return part.lower()
    return None


def _is_stage_name(name: str) -> bool:
    return name.lower().split("/")[-1] in STAGE_NAMES


def _is_crd_dir(path: str) -> bool:
    return "/crds/" in f"/{path}"


def _unique_names(directories: list[str]) -> list[str]:
    names = [posixpath.basename(d) or "." for d in directories]
    if len(set(names)) == len(names):
        return names
    return [d or "." for d in directories]


def _kustomize_command() -> list[str] | None:
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    return None


def _run_kustomize(tool: list[str], directory, timeout: float) -> tuple[str | None, str]:
    """Render offline: no kubeconfig, no cluster, in a scratch directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
    with tempfile.TemporaryDirectory(prefix="twelvefactor-kustomize-") as scratch:
        env["KUBECONFIG"] = os.path.join(scratch, "no-kubeconfig")
        env["HOME"] = scratch
        try:
            proc = subprocess.run(
                tool + [str(directory)], capture_output=True, text=True, timeout=timeout, env=env, cwd=scratch,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return None, f"timed out after {timeout:.0f} s"
        except OSError as exc:
            return None, f"cannot run {tool[0]}: {exc.strerror}"
    if proc.returncode != 0:
        return None, _short_error(proc.stderr or proc.stdout, proc.returncode).replace(str(directory), ".")
    return proc.stdout, ""


_KLOG_PREFIX = re.compile(r'^[EWIF]\d{4} [\d:.]+\s+\d+ [\w.:-]+\] ("command failed" )?(err=<)?')


def _short_error(output: str, returncode: int) -> str:
    """One line from a renderer's error output (klog prefixes and continuation marks removed)."""
    lines = [_KLOG_PREFIX.sub("", l).strip() for l in (output or "").splitlines()]
    text = " ".join(l for l in lines if l and l not in (">", "<"))
    text = re.sub(r"^Error:\s*", "", text)
    return (text or f"exit status {returncode}")[:300]


_VALUES_ENV = re.compile(r"^values[-_.]([\w-]+)\.ya?ml$")


def _run_helm(chart, values, timeout: float) -> tuple[str | None, str]:
    """``helm template`` offline: no kubeconfig, no repositories, scratch caches."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "HELM_"))}
    with tempfile.TemporaryDirectory(prefix="twelvefactor-helm-") as scratch:
        env.update(KUBECONFIG=os.path.join(scratch, "no-kubeconfig"), HOME=scratch, HELM_CACHE_HOME=scratch,
                   HELM_CONFIG_HOME=scratch, HELM_DATA_HOME=scratch)
        command = ["helm", "template", "release", str(chart)] + (["-f", str(values)] if values else [])
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=scratch, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return None, f"timed out after {timeout:.0f} s"
        except OSError as exc:
            return None, f"cannot run helm: {exc.strerror}"
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout or "").strip().splitlines()
        return None, (lines[-1] if lines else f"exit status {proc.returncode}").replace(str(chart), ".")[:300]
    return proc.stdout, ""


def _helm_documents(rendered: str) -> list[tuple[str, str]]:
    """Split helm output into (template path, document text) pairs."""
    out: list[tuple[str, str]] = []
    source, lines = "", []
    for line in rendered.split("\n") + ["---"]:
        if line.startswith("---"):
            if any(l.strip() and not l.startswith("#") for l in lines):
                out.append((source, "\n".join(lines)))
            source, lines = "", []
            continue
        if line.startswith("# Source: "):
            source = line[len("# Source: "):].strip()
        lines.append(line)
    return out


def iter_env_vars(container: dict) -> Iterator[dict]:
    for var in as_list(container.get("env")):
        if isinstance(var, dict) and var.get("name"):
            yield var
