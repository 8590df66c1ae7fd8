"""Cloud Native 6 — Security: non-root pods, network policies, image scanning,
TLS, RBAC least privilege.

(``security.secrets-management`` is "as factor03.secret-store" and has no
evaluator here.)
"""

from __future__ import annotations

import re

from ..model.kubernetes import WORKLOAD_KINDS, K8sObject, as_dict, as_list, selector_matches
from ..results import Evidence, Result, failed, not_applicable, partial, passed, tally
from . import check
from .common import judge_workloads, plural

# --------------------------------------------------------------------------- non-root


def _runs_as_root(context: dict) -> str | None:
    """Why this effective securityContext may run as root, or None when it cannot."""
    user = context.get("runAsUser")
    if isinstance(user, int) and not isinstance(user, bool):
        return "runAsUser: 0" if user == 0 else None
    if context.get("runAsNonRoot") is True:
        return None
    return "neither runAsNonRoot: true nor a non-zero runAsUser"


def _pod_spec_path(obj: K8sObject) -> tuple:
    """Keys from the object to its pod spec, for line lookups."""
    if obj.kind == "Pod":
        return ("spec",)
    if obj.kind == "CronJob":
        return ("spec", "jobTemplate", "spec", "template", "spec")
    return ("spec", "template", "spec")


@check("security.non-root")
def non_root(repo) -> Result:
    """Every pod (app, worker, backing service, infrastructure, Job) must be kept off
    UID 0 by Kubernetes itself: each container, init containers included, has
    runAsNonRoot: true or a non-zero runAsUser in its own or the pod's securityContext
    (runAsUser: 0 fails even with runAsNonRoot). The image's USER is judged by
    containerization.non-root. All workloads → pass, some → partial, none → fail."""
    k8s = repo.kubernetes
    if not k8s.workloads:
        return not_applicable("no Kubernetes workloads" if k8s.present else "no Kubernetes manifests")

    def judge(obj: K8sObject):
        containers = obj.containers(init=True)
        if not containers:
            return None
        for container in containers:
            reason = _runs_as_root(obj.effective_security_context(container))
            if reason:
                own = as_dict(container.get("securityContext"))
                if "runAsUser" in own:
                    line = obj.container_line(container, "securityContext", "runAsUser")
                elif "runAsUser" in as_dict(obj.pod_spec().get("securityContext")):
                    line = obj.line_of(*_pod_spec_path(obj), "securityContext", "runAsUser")
                else:
                    line = obj.container_line(container)
                return False, f"container {container.get('name')}: {reason}", line
        pod_ctx = as_dict(obj.pod_spec().get("securityContext"))
        if _runs_as_root(pod_ctx) is None:
            key = "runAsNonRoot" if pod_ctx.get("runAsNonRoot") is True else "runAsUser"
            return True, "pod securityContext runs as non-root", obj.line_of(*_pod_spec_path(obj), "securityContext", key)
        first = containers[0]
        key = "runAsNonRoot" if as_dict(first.get("securityContext")).get("runAsNonRoot") is True else "runAsUser"
        return True, f"all {plural(len(containers), 'container')} run as non-root", obj.container_line(first, "securityContext", key)

    return tally(judge_workloads(k8s.workloads, judge), subject="workloads", na_reason="no containers in the workloads")


# --------------------------------------------------------------------------- network policy


def label_selector_matches(selector, labels: dict) -> bool:
    """Kubernetes LabelSelector semantics; an empty selector selects every pod."""
    selector = as_dict(selector)
    for key, value in as_dict(selector.get("matchLabels")).items():
        if str(labels.get(key)) != str(value):
            return False
    for expr in as_list(selector.get("matchExpressions")):
        expr = as_dict(expr)
        key, op = expr.get("key"), str(expr.get("operator", ""))
        values = [str(v) for v in as_list(expr.get("values"))]
        present = key in labels
        if op == "In" and not (present and str(labels[key]) in values):
            return False
        if op == "NotIn" and present and str(labels[key]) in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False  # an invalid selector selects nothing
    return True


def _same_namespace(a: K8sObject, b: K8sObject) -> bool:
    return a.namespace is None or b.namespace is None or a.namespace == b.namespace


_CALICO_TERM = re.compile(r"^\s*([\w./-]+)\s*==\s*['\"]([^'\"]*)['\"]\s*$")


def _calico_selects(selector, labels: dict) -> bool:
    text = str(selector or "").strip()
    if text in ("", "all()"):
        return True
    for term in text.split("&&"):
        match = _CALICO_TERM.match(term)
        if not match or str(labels.get(match.group(1))) != match.group(2):
            return False
    return True


def _policies_selecting(repo, obj: K8sObject) -> list[K8sObject]:
    labels = obj.pod_labels()
    out = []
    for pol in repo.kubernetes.objects("NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy",
                                       "GlobalNetworkPolicy", env=obj.env):
        group = pol.api_version.split("/")[0]
        spec = pol.spec
        if pol.kind == "NetworkPolicy" and group == "networking.k8s.io":
            if "podSelector" in spec and _same_namespace(pol, obj) and label_selector_matches(spec.get("podSelector"), labels):
                out.append(pol)
        elif (pol.kind == "NetworkPolicy" and "projectcalico" in group) or pol.kind == "GlobalNetworkPolicy":
            if (pol.kind == "GlobalNetworkPolicy" or _same_namespace(pol, obj)) and _calico_selects(spec.get("selector"), labels):
                out.append(pol)
        elif pol.kind.startswith("Cilium"):
            if (pol.kind == "CiliumClusterwideNetworkPolicy" or _same_namespace(pol, obj)) and "endpointSelector" in spec \
                    and label_selector_matches(spec.get("endpointSelector"), labels):
                out.append(pol)
    return out


def _is_default_deny(pol: K8sObject) -> bool:
    spec = pol.spec
    if pol.kind != "NetworkPolicy" or as_dict(spec.get("podSelector")) or as_list(spec.get("ingress")):
        return False
    types = [str(t) for t in as_list(spec.get("policyTypes"))]
    return not types or "Ingress" in types


@check("security.network-policy")
def network_policy(repo) -> Result:
    """Every app pod should be selected by a NetworkPolicy in its namespace and
    environment (Kubernetes, Calico or Cilium; label selectors with matchLabels and
    matchExpressions; an empty podSelector selects all), so its traffic is restricted.
    Default-deny policies are reported as bonus evidence. All app workloads → pass,
    some → partial, none → fail."""
    k8s = repo.kubernetes
    workloads = k8s.app_workloads()
    if not workloads:
        return not_applicable("no app workloads" if k8s.present else "no Kubernetes manifests")

    def judge(obj: K8sObject):
        policies = _policies_selecting(repo, obj)
        if not policies:
            return False, "no NetworkPolicy selects its pods", obj.line
        pol = policies[0]
        deny = " (default-deny)" if any(_is_default_deny(p) for p in policies) else ""
        return True, f"selected by {pol.kind}/{pol.name} at {pol.path}:{pol.line}{deny}", obj.line

    return tally(judge_workloads(workloads, judge), subject="app workloads", na_reason="no app workloads")


# --------------------------------------------------------------------------- image scanning

IMAGE_SCAN = re.compile(
    r"(\btrivy\s+(image|i)\b|aquasecurity/trivy-action|\bgrype\b|anchore/scan-action|\bdocker\s+scout\b|docker/scout-action|"
    r"\bsnyk\s+container\b|snyk/actions/docker|azure/container-scan|crazy-max/ghaction-container-scan|\btwistcli\b|"
    r"clair-scanner|\bclairctl\b|Container-Scanning\.gitlab-ci|\bneuvector\b|lacework/lw-scanner|\bdockle\b)",
    re.I,
)
NOT_IMAGE = re.compile(r"(scan-type\W+(fs|repo|config|rootfs|sbom)|\btrivy\s+(fs|repo|config)\b|\bgrype\s+(dir|file):)", re.I)
DEPS_SCAN = re.compile(
    r"(\bpip-audit\b|pypa/gh-action-pip-audit|\bsafety\s+(check|scan)\b|\bsnyk\s+test\b|snyk/actions/(python|node|golang|maven)|"
    r"\bosv-scanner\b|google/osv-scanner|\bnpm\s+audit\b|\byarn\s+(npm\s+)?audit\b|\bpnpm\s+audit\b|\btrivy\s+(fs|repo)\b|"
    r"scan-type\W+(fs|repo)|\bgrype\s+dir:|dependency-check|actions/dependency-review-action|\bgovulncheck\b|"
    r"\bbundler?-audit\b|\bcargo\s+audit\b|Dependency-Scanning\.gitlab-ci|\bsnyk\b)",
    re.I,
)
REGISTRY_SCAN = re.compile(r"(scan_on_push\s*=\s*true|scanOnPush\W+true|image_scanning_configuration|azurerm_security_center_subscription_pricing[^\n]*Containers)", re.I)


@check("security.image-scanning")
def image_scanning(repo) -> Result:
    """CI (or the registry, via IaC scan-on-push) must scan what is shipped: an image
    scanner step (trivy image, grype, docker scout, snyk container, anchore …) → pass;
    only dependency/filesystem scanners (pip-audit, safety, osv-scanner, npm audit,
    trivy fs, snyk test …) → partial; none → fail; nothing to scan (no image, no
    dependency manifest) → n/a."""
    images: list[Evidence] = []
    deps: list[Evidence] = []
    for pipe in repo.ci.pipelines:
        for step in pipe.steps():
            text = step.text
            if IMAGE_SCAN.search(text) and not NOT_IMAGE.search(text):
                images.append(Evidence(pipe.path, step.line, f"image scan in job {step.job}", True))
            elif DEPS_SCAN.search(text) or (IMAGE_SCAN.search(text) and NOT_IMAGE.search(text)):
                deps.append(Evidence(pipe.path, step.line, f"dependency/filesystem scan in job {step.job}", None))
        for line, text in pipe.grep(re.compile(r"Container-Scanning\.gitlab-ci")):
            images.append(Evidence(pipe.path, line, "GitLab container scanning template", True))
        for line, text in pipe.grep(re.compile(r"Dependency-Scanning\.gitlab-ci")):
            deps.append(Evidence(pipe.path, line, "GitLab dependency scanning template", None))
    for path, line, _text in repo.grep(("terraform",), REGISTRY_SCAN):
        images.append(Evidence(path, line, "registry scans images on push", True))
    if images:
        return passed(f"images scanned ({plural(len(images), 'place')})", images + deps)
    if deps:
        return partial("dependencies scanned, images not", deps)
    shipped = repo.containers.dockerfiles or repo.dependencies.files or repo.kubernetes.workloads
    if not shipped:
        return not_applicable("no images or dependency manifests to scan")
    if not repo.ci.pipelines:
        return failed("no CI pipeline, so nothing scans images or dependencies")
    return failed("no image or dependency scanning in CI",
                  [Evidence(p.path, 1, "pipeline without an image or dependency scan", False) for p in repo.ci.pipelines])


# --------------------------------------------------------------------------- TLS

CLOUD_TLS_ANNOTATION = re.compile(
    r"(alb\.ingress\.kubernetes\.io/certificate-arn|networking\.gke\.io/managed-certificates|appgw-ssl-certificate|"
    r"kubernetes\.io/ingress\.global-static-ip-name.*|service\.beta\.kubernetes\.io/aws-load-balancer-ssl-cert|"
    r"ingress\.kubernetes\.io/ssl-cert)"
)


def _fold(objects: list[K8sObject]) -> list[list[K8sObject]]:
    groups: dict[tuple, list[K8sObject]] = {}
    for obj in objects:
        groups.setdefault((obj.kind, obj.path, obj.line, obj.name), []).append(obj)
    return list(groups.values())


def _exposed_services(repo) -> list[K8sObject]:
    """LoadBalancer/NodePort Services that select app pods: entry points that bypass any Ingress."""
    k8s = repo.kubernetes
    pods = {id(o) for w in k8s.app_workloads(long_running=True) for o in w.variants.values()}
    return [s for s in k8s.objects("Service") if s.spec.get("type") in ("LoadBalancer", "NodePort")
            and any(id(o) in pods and selector_matches(s.selector(), o.pod_labels())
                    for o in k8s.selected_candidates(s.selector(), s.env, *WORKLOAD_KINDS))]


def _entry_tls(obj: K8sObject) -> tuple[bool, int]:
    spec = obj.spec
    if obj.kind == "Service":  # TLS at the cloud load balancer, or HTTPS ports only
        key = next((k for k in obj.annotations if CLOUD_TLS_ANNOTATION.search(str(k))), None)
        if key:
            return True, obj.line_of("metadata", "annotations", key)
        ports = [as_dict(p) for p in as_list(spec.get("ports"))]
        https = bool(ports) and all(p.get("port") == 443 or str(p.get("name", "")).lower() == "https"
                                    or str(p.get("appProtocol", "")).lower() == "https" for p in ports)
        return https, obj.line_of("spec", "type")
    if obj.kind == "Ingress":
        if as_list(spec.get("tls")):
            return True, obj.line_of("spec", "tls")
        key = next((k for k in obj.annotations if CLOUD_TLS_ANNOTATION.search(str(k)) and "static-ip" not in str(k)), None)
        if key:
            return True, obj.line_of("metadata", "annotations", key)
        return False, obj.line_of("spec")
    if obj.kind == "Route":
        return bool(as_dict(spec.get("tls"))), obj.line_of("spec", "tls")
    if obj.kind == "Gateway" and "istio" in obj.api_version:
        servers = [as_dict(s) for s in as_list(spec.get("servers"))]
        ok = any(as_dict(s.get("tls")) or str(as_dict(s.get("port")).get("protocol", "")).upper() in ("HTTPS", "TLS") for s in servers)
        return ok, obj.line_of("spec", "servers")
    listeners = [as_dict(x) for x in as_list(spec.get("listeners"))]
    ok = any(str(x.get("protocol", "")).upper() in ("HTTPS", "TLS") for x in listeners)
    return ok, obj.line_of("spec", "listeners")


def _mesh_mtls(repo) -> list[Evidence]:
    k8s = repo.kubernetes
    out = []
    for obj in k8s.anywhere("PeerAuthentication"):
        mode = str(as_dict(obj.spec.get("mtls")).get("mode", "")).upper()
        if mode == "STRICT":
            out.append(Evidence(obj.path, obj.line_of("spec", "mtls"), f"{obj.ref}: Istio mTLS STRICT", True))
    for obj in k8s.anywhere("DestinationRule"):
        tls = as_dict(as_dict(obj.spec.get("trafficPolicy")).get("tls"))
        if str(tls.get("mode", "")).upper() == "ISTIO_MUTUAL":
            out.append(Evidence(obj.path, obj.line_of("spec", "trafficPolicy"), f"{obj.ref}: ISTIO_MUTUAL traffic", True))
    for obj in k8s.anywhere("Namespace"):
        labels, notes = obj.labels, obj.annotations
        if labels.get("istio-injection") == "enabled" or labels.get("istio.io/rev") or labels.get("istio.io/dataplane-mode") == "ambient":
            out.append(Evidence(obj.path, obj.line_of("metadata", "labels"), f"{obj.ref}: Istio mesh (automatic mTLS)", True))
        if notes.get("linkerd.io/inject") == "enabled":
            out.append(Evidence(obj.path, obj.line_of("metadata", "annotations"), f"{obj.ref}: Linkerd mesh (mTLS by default)", True))
    for work in k8s.workloads:
        notes = work.first.pod_annotations()
        labels = work.first.pod_labels()
        if notes.get("linkerd.io/inject") == "enabled" or str(notes.get("sidecar.istio.io/inject")).lower() == "true" \
                or str(labels.get("sidecar.istio.io/inject")).lower() == "true" \
                or str(notes.get("consul.hashicorp.com/connect-inject")).lower() == "true":
            out.append(Evidence(work.path, work.line, f"{work.ref}: mesh sidecar injected (mTLS)", True))
    return out


@check("security.tls")
def tls(repo) -> Result:
    """Traffic should be encrypted at the edge and inside the cluster: every Ingress/
    Gateway/Route terminates TLS (spec.tls, HTTPS listeners or a cloud certificate
    annotation; cert-manager is bonus evidence) in every environment, as does every
    LoadBalancer/NodePort Service exposing app pods directly (a cloud load-balancer
    certificate annotation, or HTTPS ports only), and a mesh
    provides mTLS (Istio STRICT/ISTIO_MUTUAL/injection, Linkerd, Consul). Both → pass
    (mTLS without any Ingress also passes); one of them, or TLS on some entries → partial;
    neither → fail; no entry point and no mesh → n/a."""
    k8s = repo.kubernetes
    if not k8s.present:
        return not_applicable("no Kubernetes manifests")
    entries = [o for o in k8s.objects("Ingress", "Gateway", "Route")
               if o.kind != "Gateway" or o.api_version.startswith(("gateway.networking.k8s.io", "networking.istio.io"))]
    entries += _exposed_services(repo)
    edge: list[Evidence] = []
    for group in _fold(entries):
        bad = [o for o in group if not _entry_tls(o)[0]]
        obj = (bad or group)[0]
        ok, line = _entry_tls(obj)
        scope = f" (in {', '.join(o.env or 'default' for o in bad)})" if bad and len(bad) < len(group) else ""
        ref = f"{obj.ref} ({obj.spec.get('type')})" if obj.kind == "Service" else obj.ref
        edge.append(Evidence(obj.path, line, f"{ref}: " + ("TLS configured" if not bad else "no TLS") + scope, not bad))
    certs = [Evidence(o.path, o.line, f"{o.ref}: cert-manager certificate", None) for o in k8s.anywhere("Certificate", "ClusterIssuer", "Issuer")
             if "cert-manager" in o.api_version]
    for obj in k8s.unique_objects("Ingress"):
        key = next((k for k in obj.annotations if str(k).startswith("cert-manager.io/")), None)
        if key:
            certs.append(Evidence(obj.path, obj.line_of("metadata", "annotations", key), f"{obj.ref}: certificate from cert-manager ({key})", None))
    mesh = _mesh_mtls(repo)
    evidence = edge + mesh + certs
    tls_edges = sum(1 for e in edge if e.ok)
    if not edge and not mesh:
        return not_applicable("no Ingress/Gateway and no service mesh", certs)
    if not mesh:
        evidence.append(Evidence(None, None, "no service mesh mTLS found (PeerAuthentication, Linkerd, Istio injection)", False))
    if mesh and tls_edges == len(edge):
        return passed("TLS at the edge and mTLS in the cluster" if edge else "mTLS in the cluster (no Ingress)", evidence)
    if tls_edges == len(edge) and edge:
        return partial("TLS on the ingress only; no in-cluster mTLS", evidence)
    if tls_edges or mesh:
        return partial(f"TLS on {tls_edges} of {plural(len(edge), 'entry point')}" + ("; mTLS in the cluster" if mesh else ""), evidence)
    return failed(f"no TLS on {plural(len(edge), 'entry point')} and no mTLS", evidence)


# --------------------------------------------------------------------------- RBAC

RBAC_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
SENSITIVE_RESOURCES = {"secrets", "roles", "rolebindings", "clusterroles", "clusterrolebindings", "pods/exec", "pods/attach",
                       "nodes", "nodes/proxy", "serviceaccounts/token", "certificatesigningrequests/approval"}
ESCALATION_VERBS = {"escalate", "bind", "impersonate"}
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}


def _rule_findings(rule: dict) -> tuple[str | None, str | None]:
    """(fail reason, broad reason) of one PolicyRule."""
    verbs = {str(v).lower() for v in as_list(rule.get("verbs"))}
    resources = {str(r).lower() for r in as_list(rule.get("resources"))}
    groups = {str(g) for g in as_list(rule.get("apiGroups"))}
    if "*" in verbs:
        return "wildcard verbs", None
    if "*" in resources or any(r.endswith("/*") or r == "*/*" for r in resources):
        return "wildcard resources", None
    if "*" in {str(u) for u in as_list(rule.get("nonResourceURLs"))}:
        return "wildcard nonResourceURLs", None
    if verbs & ESCALATION_VERBS:
        return None, f"verbs {', '.join(sorted(verbs & ESCALATION_VERBS))}"
    sensitive = resources & SENSITIVE_RESOURCES
    if sensitive and (verbs & WRITE_VERBS or verbs & {"list", "watch"} or "pods/exec" in sensitive):
        return None, f"{', '.join(sorted(verbs))} on {', '.join(sorted(sensitive))}"
    if "*" in groups:
        return None, "apiGroups *"
    return None, None


@check("security.rbac-least-privilege")
def rbac_least_privilege(repo) -> Result:
    """RBAC grants should be namespaced and narrow. Wildcard verbs/resources or a
    binding to cluster-admin → fail; broad grants (ClusterRoleBindings, bindings to
    admin/edit, escalate/bind/impersonate, list/watch/write on secrets or RBAC objects,
    pods/exec, apiGroups *) → partial; otherwise → pass; no RBAC objects in the judged
    deployment → n/a."""
    objects = repo.kubernetes.unique_objects(*RBAC_KINDS)
    if not objects:
        return not_applicable("no Role, ClusterRole or binding in the deployment")
    evidence: list[Evidence] = []
    fails = broads = 0
    for obj in objects:
        if obj.kind in ("Role", "ClusterRole"):
            worst_fail = worst_broad = None
            for i, rule in enumerate(as_list(obj.doc.get("rules"))):
                fail, broad = _rule_findings(as_dict(rule))
                if fail and not worst_fail:
                    worst_fail = (fail, obj.line_of("rules", i))
                elif broad and not worst_broad:
                    worst_broad = (broad, obj.line_of("rules", i))
            if worst_fail:
                fails += 1
                evidence.append(Evidence(obj.path, worst_fail[1], f"{obj.ref}: {worst_fail[0]}", False))
            elif worst_broad:
                broads += 1
                evidence.append(Evidence(obj.path, worst_broad[1], f"{obj.ref}: broad grant ({worst_broad[0]})", False))
            else:
                evidence.append(Evidence(obj.path, obj.line_of("rules"), f"{obj.ref}: specific verbs and resources", True))
            continue
        ref = as_dict(obj.doc.get("roleRef"))
        role = f"{ref.get('kind', 'Role')}/{ref.get('name')}"
        line = obj.line_of("roleRef")
        if ref.get("name") == "cluster-admin":
            fails += 1
            evidence.append(Evidence(obj.path, line, f"{obj.ref}: binds cluster-admin", False))
        elif ref.get("name") in ("admin", "edit"):
            broads += 1
            evidence.append(Evidence(obj.path, line, f"{obj.ref}: binds the built-in {ref.get('name')} role", False))
        elif obj.kind == "ClusterRoleBinding":
            broads += 1
            evidence.append(Evidence(obj.path, line, f"{obj.ref}: grants {role} cluster-wide (not namespaced)", False))
        else:
            evidence.append(Evidence(obj.path, line, f"{obj.ref}: namespaced grant of {role}", True))
    if fails:
        return failed(f"{plural(fails, 'RBAC object')} with wildcards or cluster-admin", evidence)
    if broads:
        return partial(f"{plural(broads, 'broad RBAC grant')} (no wildcards)", evidence)
    return passed(f"all {plural(len(objects), 'RBAC object')} are namespaced and specific", evidence)
