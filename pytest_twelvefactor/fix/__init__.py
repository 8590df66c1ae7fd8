"""Remediation kits: from the audit's findings to reviewable changes, never touching the audited tree.

``build(repo, results)`` runs every generator (one module per kind of change) and
returns a :class:`Kit`; :mod:`.kit` writes it to a directory (a Kustomize component or
plain manifests, unified diffs, README.md); :mod:`.preview` audits a temporary copy of
the tree with the kit applied and returns Before / After / Δ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import hpa, images, jobs, keda, lifecycle, networkpolicy, pdb, probes, resources, security_context, servicemonitor, spread
from .base import Change, FixContext, Skipped
from .textpatch import ci_scan, dockerfile, image_tags, logging as json_logging, metrics, requirements, timeouts

# Items with no safe default: a how-to in the kit's README and the roadmap, never a fake file.
HOWTO = {
    "resilience.circuit-breaker": "Wrap outbound calls in a breaker (pybreaker, aiobreaker, tenacity + a failure counter) or use "
                                  "mesh outlier detection (Istio DestinationRule outlierDetection, Linkerd failure accrual); "
                                  "thresholds depend on each dependency's behaviour.",
    "cicd.gitops": "Adopt Argo CD or Flux: an Application/Kustomization per environment pointing at the overlays, CI only "
                   "updating the image tag in git; this changes who deploys and needs cluster access decisions.",
    "cicd.progressive-delivery": "Argo Rollouts or Flagger (canary with analysis on your metrics) once metrics and GitOps are in place.",
    "factor11.centralized": "Ship stdout to a log backend (Loki + Promtail/Alloy, Fluent Bit → Elasticsearch/OpenSearch, a cloud "
                            "agent) installed cluster-wide; then drop file handlers and log volumes.",
    "observability.centralized-logging": "As factor11.centralized: a cluster-wide log agent and backend.",
    "factor11.aggregation": "Log to stdout only (remove file handlers / log volumes) once a log agent collects stdout.",
    "observability.alerting": "PrometheusRules for the SLOs you care about (error rate, latency, saturation) routed by "
                              "Alertmanager; thresholds are yours to choose.",
    "observability.tracing": "OpenTelemetry SDK + OTLP exporter (opentelemetry-instrumentation-fastapi/celery/requests) "
                             "and a collector.",
    "security.tls": "mTLS inside the cluster needs a mesh (Linkerd, Istio) or app-level TLS; Ingress TLS via cert-manager.",
    "factor03.secret-store": "Mount the secret store (CSI SecretProviderClass volume, External Secrets Operator) into the "
                             "workloads and drop the plain Secrets.",
    "security.secrets-management": "As factor03.secret-store.",
    "scalability.cache": "A replicated cache (Redis Sentinel/Cluster, a managed cache) — a data-service decision.",
    "scalability.database": "A managed or replicated database — a data-service decision.",
    "factor10.staging": "A staging overlay mirroring production (same images and config shape).",
    "factor03.no-hardcoded": "Move the literal to configuration (an environment variable read by the settings class).",
    "resilience.retry": "Retries with backoff on idempotent outbound calls (tenacity, urllib3 Retry, httpx transports).",
}


@dataclass
class Kit:
    changes: list[Change]
    skipped: list[Skipped]
    mode: str                       # "kustomize", "manifests" or "none" (no Kubernetes objects to generate into)
    howto: dict[str, str] = field(default_factory=dict)

    @property
    def items(self) -> set[str]:
        return {i for c in self.changes for i in c.items}


def build(repo, results: dict) -> Kit:
    """Every change the generators find safe for this repository and these results (item id -> ItemResult)."""
    ctx = FixContext(repo, results)

    def run(generate, *args) -> None:
        for change in generate(ctx, *args):
            if not change.empty:
                ctx.generated.append(change)

    run(metrics.generate)
    run(image_tags.generate)
    run(keda.generate)
    keda_targets = {f"Deployment/{r.doc['spec']['scaleTargetRef']['name']}" for c in ctx.generated for r in c.resources
                    if r.doc.get("kind") == "ScaledObject"}
    run(hpa.generate, {w.ref for w in ctx.app_workloads() if f"Deployment/{_source(w)}" in keda_targets})
    for module in (pdb, spread, lifecycle, probes, security_context, resources, images, jobs, servicemonitor, networkpolicy):
        run(module.generate)
    for module in (timeouts, json_logging, requirements, dockerfile, ci_scan):
        run(module.generate)
    mode = "kustomize" if ctx.kustomize and ctx.supported else ("manifests" if ctx.manifests and ctx.supported else "none")
    if mode == "none" and ctx.k8s.present:
        ctx.skip((), f"Kubernetes objects not generated: the judged deployment is {ctx.k8s.judged} "
                 "(the kit writes Kustomize components or plain manifests only)")
    fixed = {i for c in ctx.generated for i in c.items}
    howto = {item: text for item, text in HOWTO.items() if ctx.wants(item) and item not in fixed}
    return Kit(ctx.generated, ctx.skipped, mode, howto)


def _source(work) -> str:
    from .base import source_name

    return source_name(work.first)
