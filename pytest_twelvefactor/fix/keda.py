"""KEDA ScaledObjects for queue workers, on the length of the queue they consume.

The broker comes from the worker's own configuration: a ``*BROKER*`` variable
(else ``REDIS_URL`` / ``RABBITMQ_URL`` / ``AMQP_URL``) set literally in the
container's ``env`` or in a ConfigMap it reads through ``envFrom`` /
``configMapKeyRef``, with the same value in every environment. Redis URLs
without a password give a ``redis`` list-length trigger; AMQP URLs a
``rabbitmq`` trigger that reads the URL from the container's environment
(``hostFromEnv``), so no credential is copied. Anything else — a broker URL
from a Secret, with a password, different per environment — is ambiguous:
nothing is generated and the worker keeps its HPA.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..checks.factor08_concurrency import autoscalers
from ..model.kubernetes import as_dict, as_list
from .base import Change, FixContext, Resource, metadata, same_everywhere, source_name, source_namespace
from .hpa import bounds

ITEMS = ("factor08.event-driven", "scalability.event-driven", "factor08.worker-scaling")
_PREFERRED = (re.compile(r"BROKER"), re.compile(r"^(REDIS_URL|RABBITMQ_URL|AMQP_URL|CELERY_BROKER)$"))


def _env_values(ctx: FixContext, obj, container: dict) -> dict[str, str]:
    """Literal environment of a container: ConfigMaps through envFrom and configMapKeyRef, then env values."""
    maps = {m.name: as_dict(m.doc.get("data")) for m in ctx.k8s.objects("ConfigMap", env=obj.env)}
    out: dict[str, str] = {}
    for source in as_list(container.get("envFrom")):
        ref = as_dict(as_dict(source).get("configMapRef")).get("name")
        if ref in maps:
            out.update({str(k): str(v) for k, v in maps[ref].items()})
        elif as_dict(source).get("secretRef"):
            continue
    for var in as_list(container.get("env")):
        var = as_dict(var)
        name = var.get("name")
        if not name:
            continue
        if "value" in var:
            out[str(name)] = str(var["value"])
        else:
            key = as_dict(as_dict(var.get("valueFrom")).get("configMapKeyRef"))
            if key.get("name") in maps and key.get("key") in maps[key["name"]]:
                out[str(name)] = str(maps[key["name"]][key["key"]])
            else:
                out.pop(str(name), None)
    return out


def broker(ctx: FixContext, obj) -> tuple[str, str] | None:
    """(variable, URL) of the broker the worker reads, or None."""
    containers = obj.containers()
    if len(containers) != 1:
        return None
    env = _env_values(ctx, obj, containers[0])
    for pattern in _PREFERRED:
        names = sorted(n for n in env if pattern.search(n) and "://" in env[n] and "BACKEND" not in n)
        if names:
            return names[0], env[names[0]]
    return None


def _queue(obj) -> str:
    words = [str(w) for c in obj.containers() for w in as_list(c.get("command")) + as_list(c.get("args"))]
    for flag in ("-Q", "--queues"):
        if flag in words and words.index(flag) + 1 < len(words):
            return words[words.index(flag) + 1].split(",")[0]
        for word in words:
            if word.startswith(flag + "="):
                return word.split("=", 1)[1].split(",")[0]
    return "celery"


def trigger(variable: str, url: str, queue: str) -> dict | None:
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        if parts.password or parts.username:
            return None
        db = parts.path.strip("/") or "0"
        meta = {"address": f"{parts.hostname}:{parts.port or 6379}", "listName": queue, "listLength": "5"}
        if db != "0":
            meta["databaseIndex"] = db
        if parts.scheme == "rediss":
            meta["enableTLS"] = "true"
        return {"type": "redis", "metadata": meta}
    if parts.scheme in ("amqp", "amqps"):
        return {"type": "rabbitmq", "metadata": {"protocol": "amqp", "queueName": queue, "mode": "QueueLength", "value": "5",
                                                 "hostFromEnv": variable}}
    return None


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.supported or not ctx.wants(*ITEMS):
        return []
    change = Change("keda", "KEDA ScaledObjects for queue workers (scale on queue length)", ctx.failing(*ITEMS))
    for work in ctx.app_workloads():
        if work.role != "worker" or work.kind != "Deployment":
            continue
        if any(autoscalers(ctx.repo, o) for o in work.variants.values()):
            continue
        found = same_everywhere(work, lambda o: broker(ctx, o))
        if not found:
            ctx.skip(("factor08.event-driven",), f"{work.ref}: no KEDA ScaledObject — its broker URL is not one literal value "
                     "in its configuration (or differs per environment)")
            continue
        obj = work.first
        queue = _queue(obj)
        spec_trigger = trigger(found[0], found[1], queue)
        if spec_trigger is None:
            ctx.skip(("factor08.event-driven",), f"{work.ref}: no KEDA ScaledObject — broker {urlsplit(found[1]).scheme}:// "
                     "with credentials or of an unsupported kind; use a TriggerAuthentication")
            continue
        low, high = bounds(work)
        doc = {
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "ScaledObject",
            "metadata": metadata(source_name(obj), "factor08.event-driven", source_namespace(obj)),
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": source_name(obj)},
                "minReplicaCount": low,
                "maxReplicaCount": high,
                "cooldownPeriod": 300,
                "triggers": [spec_trigger],
            },
        }
        change.resources.append(Resource(doc, "factor08.event-driven"))
        change.notes.append(f"{work.ref}: KEDA {spec_trigger['type']} trigger on queue '{queue}' ({found[0]}), {low}-{high} replicas")
        change.decisions.append(f"{work.ref}: needs KEDA (keda.sh/v1alpha1) in the cluster; the queue '{queue}', 5 messages per "
                                f"replica and {low}-{high} replicas are defaults. Without KEDA, delete this ScaledObject: "
                                "the worker then has no autoscaler (add an HPA instead).")
    return [] if change.empty else [change]
