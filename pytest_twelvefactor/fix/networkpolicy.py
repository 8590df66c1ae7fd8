"""NetworkPolicies: a default-deny for ingress traffic in each namespace of the app, and
allow rules derived from the Services and Ingresses that exist.

Per Service selecting pods of the deployment: traffic to its target ports from pods of the
same namespace; when an Ingress routes to the Service, from the ingress controller's
namespace too (guessed from the ingress class — a decision for the user). Egress is not
restricted (DNS, databases and APIs outside the cluster would break).
"""

from __future__ import annotations

from ..model.kubernetes import as_dict, as_list
from .base import Change, FixContext, Resource, metadata, source_name, source_namespace

ITEMS = ("security.network-policy",)
ITEM = "security.network-policy"
CONTROLLER_NAMESPACES = {"nginx": "ingress-nginx", "traefik": "traefik", "haproxy": "haproxy-controller", "kong": "kong",
                         "contour": "projectcontour", "istio": "istio-system", "azure-application-gateway": "kube-system"}


def _ingress_backends(ctx: FixContext) -> dict[str, str]:
    """Service name -> ingress class of an Ingress routing to it."""
    out: dict[str, str] = {}
    for ing in ctx.k8s.unique_objects("Ingress"):
        cls = str(ing.spec.get("ingressClassName") or ing.annotations.get("kubernetes.io/ingress.class") or "")
        backends = [as_dict(ing.spec.get("defaultBackend"))]
        for rule in as_list(ing.spec.get("rules")):
            for path in as_list(as_dict(as_dict(rule).get("http")).get("paths")):
                backends.append(as_dict(as_dict(path).get("backend")))
        for backend in backends:
            name = as_dict(backend.get("service")).get("name") or backend.get("serviceName")
            if name:
                out[str(name)] = cls
    return out


def generate(ctx: FixContext) -> list[Change]:
    if not ctx.supported or not ctx.wants(*ITEMS):
        return []
    if any(ctx.k8s.anywhere("NetworkPolicy")):
        ctx.skip(ITEMS, "NetworkPolicies exist already: extend them by hand rather than adding a second default-deny")
        return []
    change = Change("networkpolicy", "Default-deny ingress NetworkPolicy with allow rules from the Services and Ingress", ITEMS)
    routed = _ingress_backends(ctx)
    namespaces = sorted({source_namespace(w.first) or "" for w in ctx.app_workloads(long_running=None)})
    for ns in namespaces:
        doc = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": metadata("default-deny-ingress", ITEM, ns or None),
               "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
        change.resources.append(Resource(doc, ITEM))
    guessed = set()
    for svc in ctx.k8s.unique_objects("Service"):
        if not svc.source or svc.origin == "generated":
            continue
        selector = as_dict(as_dict(as_dict(svc.source).get("spec")).get("selector"))
        if not selector or (source_namespace(svc) or "") not in namespaces:
            continue
        ports = []
        for port in as_list(svc.spec.get("ports")):
            port = as_dict(port)
            target = port.get("targetPort", port.get("port"))
            if target is not None:
                ports.append({"protocol": str(port.get("protocol") or "TCP"), "port": target})
        if not ports:
            continue
        peers: list[dict] = [{"podSelector": {}}]
        name = source_name(svc)
        if name in routed:
            cls = routed[name]
            controller = CONTROLLER_NAMESPACES.get(cls.split("-")[0] if cls else "nginx", "ingress-nginx")
            peers.append({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": controller}}})
            guessed.add(f"`{controller}` (ingress class `{cls or 'default'}`)")
        doc = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": metadata(f"allow-{name}", ITEM, source_namespace(svc)),
               "spec": {"podSelector": {"matchLabels": dict(selector)}, "policyTypes": ["Ingress"],
                        "ingress": [{"from": peers, "ports": ports}]}}
        change.resources.append(Resource(doc, ITEM))
        change.notes.append(f"Service {name}: allow {', '.join(str(p['port']) for p in ports)} from the namespace"
                            + (" and the ingress controller" if name in routed else ""))
    monitors = [r for c in ctx.generated for r in c.resources if r.doc.get("kind") == "ServiceMonitor"] + list(ctx.k8s.anywhere("ServiceMonitor"))
    change.decisions.append("Ingress to every pod of the namespace is denied except the rules listed; traffic from other "
                            "namespaces of yours (and from Prometheus" + (", which scrapes a ServiceMonitor here" if monitors else "")
                            + ") needs its own rule. Egress is left open.")
    if guessed:
        change.decisions.append("The ingress controller's namespace is guessed: " + ", ".join(sorted(guessed)) + "; check it.")
    return [change]
