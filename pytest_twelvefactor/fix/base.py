"""What a generator returns, and what every generator may ask about the audit.

A generator is a function ``generate(ctx) -> list[Change]``. A :class:`Change`
is one reviewable piece of work for one or more checklist items: new
Kubernetes objects, strategic-merge patches of existing workloads, and text
edits of the user's files (applied in order, diffed once per file by the kit).
Generators never write anything; the kit does, and never into the audited tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..model.kubernetes import K8sObject, Workload, as_dict
from ..results import Verdict

ANNOTATION = "twelvefactor.io/generated-for"


@dataclass
class Resource:
    """A new Kubernetes object, written to ``<kind>-<name>.yaml``."""

    doc: dict
    item: str                       # the item it is generated for (annotated on the object)

    @property
    def filename(self) -> str:
        meta = as_dict(self.doc.get("metadata"))
        return f"{str(self.doc.get('kind', 'object')).lower()}-{meta.get('name', 'unnamed')}.yaml"


@dataclass
class WorkloadPatch:
    """A strategic-merge patch of an existing object (``doc`` has apiVersion, kind, metadata.name)."""

    target: K8sObject               # the object as the model saw it (source path and lines)
    doc: dict
    label: str                      # short file-name part, e.g. "lifecycle"
    envs: tuple[str, ...] | None = None   # only these environments (None: all)

    @property
    def kind(self) -> str:
        return str(self.doc.get("kind"))

    @property
    def name(self) -> str:
        return str(as_dict(self.doc.get("metadata")).get("name"))

    @property
    def filename(self) -> str:
        scope = f"-{'-'.join(self.envs)}" if self.envs else ""
        return f"{self.kind.lower()}-{self.name}-{self.label}{scope}.yaml"


@dataclass
class TextEdit:
    """An edit of one file of the audited tree: ``transform(old text) -> new text``."""

    path: str
    transform: Callable[[str], str]
    description: str = ""


@dataclass
class Change:
    key: str                        # generator id, e.g. "hpa"
    title: str
    items: tuple[str, ...]
    resources: list[Resource] = field(default_factory=list)
    patches: list[WorkloadPatch] = field(default_factory=list)
    edits: list[TextEdit] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)    # what the user must decide
    notes: list[str] = field(default_factory=list)        # what was done and why

    @property
    def empty(self) -> bool:
        return not (self.resources or self.patches or self.edits)


@dataclass
class Skipped:
    """An item the kit leaves alone, with a how-to for the roadmap."""

    items: tuple[str, ...]
    reason: str


class FixContext:
    """The repository model and the audit's results, as generators need them."""

    def __init__(self, repo, results: dict):
        self.repo = repo
        self.results = results          # item id -> ItemResult (or anything with .verdict, .evidence)
        self.skipped: list[Skipped] = []
        self.generated: list[Change] = []   # changes of the generators that ran before

    @property
    def k8s(self):
        return self.repo.kubernetes

    def verdict(self, item_id: str) -> Verdict | None:
        result = self.results.get(item_id)
        return None if result is None else result.verdict

    def wants(self, *item_ids: str) -> bool:
        """Whether any of these items fails or is partial (waived and n/a items are left alone)."""
        return any(self.verdict(i) in (Verdict.FAIL, Verdict.PARTIAL) for i in item_ids)

    def failing(self, *item_ids: str) -> tuple[str, ...]:
        return tuple(i for i in item_ids if self.verdict(i) in (Verdict.FAIL, Verdict.PARTIAL))

    def skip(self, items, reason: str) -> None:
        self.skipped.append(Skipped(tuple(items), reason))

    # -- Kubernetes helpers ----------------------------------------------------------------
    @property
    def kustomize(self) -> bool:
        return self.k8s.judged.startswith("kustomize")

    @property
    def manifests(self) -> bool:
        return self.k8s.judged == "manifests"

    @property
    def supported(self) -> bool:
        """Generated Kubernetes changes need a deployment written as Kustomize or plain manifests."""
        return (self.kustomize or self.manifests) and bool(self.k8s.environments)

    def app_workloads(self, long_running: bool = True) -> list[Workload]:
        return [w for w in self.k8s.app_workloads(long_running=long_running) if _from_source(w)]

    def sources(self, work: Workload) -> list[K8sObject]:
        return list(work.variants.values())


def _from_source(work: Workload) -> bool:
    """Only workloads written in a file the user owns can be patched (not generated ones)."""
    return all(o.origin != "generated" and o.source for o in work.variants.values())


def source_name(obj: K8sObject) -> str:
    """The object's name as written (before an overlay's prefix/suffix)."""
    meta = as_dict(as_dict(obj.source).get("metadata"))
    return str(meta.get("name") or obj.name)


def source_namespace(obj: K8sObject) -> str | None:
    meta = as_dict(as_dict(obj.source).get("metadata"))
    return str(meta["namespace"]) if meta.get("namespace") else None


def metadata(name: str, item: str, namespace: str | None = None, labels: dict | None = None) -> dict:
    meta: dict = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = dict(labels)
    meta["annotations"] = {ANNOTATION: item}
    return meta


def workload_patch(obj: K8sObject, spec: dict, label: str) -> WorkloadPatch:
    meta: dict = {"name": source_name(obj)}
    if source_namespace(obj):
        meta["namespace"] = source_namespace(obj)
    return WorkloadPatch(obj, {"apiVersion": obj.api_version, "kind": obj.kind, "metadata": meta, "spec": spec}, label)


def pod_patch(obj: K8sObject, pod_spec: dict, label: str) -> WorkloadPatch:
    """A patch of the pod template's spec (``spec.template.spec``; CronJobs one level deeper)."""
    if obj.kind == "CronJob":
        spec = {"jobTemplate": {"spec": {"template": {"spec": pod_spec}}}}
    elif obj.kind == "Pod":
        spec = pod_spec
    else:
        spec = {"template": {"spec": pod_spec}}
    return workload_patch(obj, spec, label)


def same_everywhere(work: Workload, value: Callable[[K8sObject], object]):
    """The value if every environment agrees on it, else ``None`` (ambiguous)."""
    values = [value(o) for o in work.variants.values()]
    first = values[0] if values else None
    return first if all(v == first for v in values) else None
