"""Cloud Native area 2 — Orchestration: Kubernetes manifests, controllers, discovery,
RBAC, resources, spreading and disruption budgets."""

from __future__ import annotations

import ipaddress
import math
import posixpath
import re

from ..model.kubernetes import K8sObject, as_dict, as_list, iter_env_vars, selector_matches
from ..results import Evidence, failed, not_applicable, partial, passed, tally
from . import check
from .common import judge_workloads, plural
from .factor03_config import host_of
from .factor04_backing_services import connections

CONTROLLER_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Rollout", "DeploymentConfig")


def _pod_keys(obj: K8sObject) -> tuple:
    if obj.kind == "Pod":
        return ("spec",)
    if obj.kind == "CronJob":
        return ("spec", "jobTemplate", "spec", "template", "spec")
    return ("spec", "template", "spec")


def _pod_line(obj: K8sObject, *keys) -> int:
    return obj.line_of(*_pod_keys(obj), *keys)


def _same_namespace(a: K8sObject, b: K8sObject) -> bool:
    return a.namespace is None or b.namespace is None or a.namespace == b.namespace


def _in_env(repo, obj: K8sObject, *kinds: str) -> list[K8sObject]:
    """Objects of these kinds deployed with ``obj`` (same environment and namespace)."""
    return repo.kubernetes.in_env(obj, *kinds)  # indexed by environment and namespace in the model


# --------------------------------------------------------------------------- kubernetes

_OFFLINE = re.compile(r"timed out|dial tcp|no such host|could not resolve|git |fetch|https?://|exit status 128|network", re.I)
_DEPLOY_TIME = re.compile(r"env source files|(^|[/'\s])[\w.-]*\.env\b|\.env'", re.I)


def _render_failure_counts(repo, directory: str, error: str) -> bool:
    """Intrinsic failures count (duplicate ids, files outside the root, invalid fields);
    failures explained by being offline (remote bases) or by deploy-time files (.env) do not."""
    kust = repo.kubernetes.kustomizations.get(directory)
    closure = repo.kubernetes.kustomize_closure(directory) if kust else []
    if "timed out" in error:
        return False
    if any(k.remote for k in closure) and _OFFLINE.search(error) and "already registered" not in error:
        return False
    return not _DEPLOY_TIME.search(error)


def _entry_line(kust, entry: str) -> int:
    for key in ("resources", "bases", "components"):
        items = kust.doc.get(key)
        if isinstance(items, list) and entry in items:
            return getattr(kust.doc, "line_of", lambda k: 1)(key) + 1 + items.index(entry)
    return 1


@check("orchestration.kubernetes")
def kubernetes(repo):
    """Kubernetes manifests (plain, Kustomize or Helm) exist and parse. A manifest-looking YAML
    file that does not parse, or a kustomization that fails to build for an intrinsic reason
    (duplicate resources, files outside its root), makes it partial; render failures caused by
    being offline or by deploy-time files do not count; a kustomization that lists a resource file that
    does not exist counts. Nothing usable at all fails."""
    k8s = repo.kubernetes
    candidates = set(repo.files.of("yaml", "json", "kustomization"))
    broken = [d for d in repo.diagnostics_sorted() if d.path in candidates and d.severity == "warning"
              and re.match(r"(invalid YAML|nested too deeply|cannot parse|kustomization is empty)", d.message)]
    if not k8s.present and not broken:
        return failed("no Kubernetes manifests, kustomizations or Helm charts")
    evidence: list[Evidence] = []
    for diag in broken:
        line = re.search(r"line (\d+)", diag.message)
        evidence.append(Evidence(diag.path, int(line.group(1)) if line else 1, f"{diag.path} does not parse: {diag.message}", False))
    for directory, kust in sorted(k8s.kustomizations.items()):
        for entry in kust.missing:
            evidence.append(Evidence(kust.path, _entry_line(kust, entry), f"kustomization {directory or '.'} references missing resource {entry}", False))
    for directory, error in sorted(k8s.render_failures.items()):
        error = re.sub(r"(map\[|\{\"|data:).*", "…", error)[:200]  # never echo object contents
        kust = k8s.kustomizations.get(directory)
        path = kust.path if kust else directory
        if _render_failure_counts(repo, directory, error):
            evidence.append(Evidence(path, 1, f"kustomization {directory or '.'} fails to build: {error}", False))
        else:
            evidence.append(Evidence(path, 1, f"kustomization {directory or '.'} not built offline ({error}); not counted", None))
    for env in k8s.environments:
        source = env.source
        kust = k8s.kustomizations.get(source)
        evidence.append(Evidence(kust.path if kust else None, 1 if kust else None,
                                 f"environment {env.name}: {len(env.objects)} objects from {source or '.'} ({env.mode})", True))
    for chart in k8s.helm_charts:
        evidence.append(Evidence(posixpath.join(chart, "Chart.yaml"), 1, f"Helm chart {chart or '.'}", True))
    bad = [e for e in evidence if e.ok is False]
    parsed = sum(len(f.objects) for f in k8s.files)
    summary = f"judged: {k8s.judged}; {plural(parsed, 'object')} parsed"
    if not bad:
        return passed(summary, evidence)
    if parsed == 0 and not k8s.helm_charts:
        return failed(f"no Kubernetes manifest parses ({plural(len(bad), 'failure')})", evidence)
    return partial(f"{summary}; {plural(len(bad), 'file')} unparseable or failing to build", evidence)


# --------------------------------------------------------------------------- controllers


@check("orchestration.controllers")
def controllers(repo):
    """Every workload runs under a controller (Deployment, StatefulSet, DaemonSet, ReplicaSet,
    Job, CronJob, Argo Rollout, DeploymentConfig); a naked Pod is not restarted or rescheduled
    when its node fails."""
    workloads = repo.kubernetes.workloads
    if not workloads:
        return not_applicable("no Kubernetes workloads")

    def judge(obj):
        if obj.kind == "Pod":
            return False, "naked Pod without a controller", obj.line
        return True, f"runs under a {obj.kind}", obj.line

    return tally(judge_workloads(workloads, judge), subject="workloads", na_reason="no Kubernetes workloads")


# --------------------------------------------------------------------------- service discovery

_IPV4 = re.compile(r"(?<![\w.])((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})(?![\w.]|/\d)")
_URL_IP = re.compile(r"[a-z][a-z0-9+.-]*://(?:[^/@\s]*@)?((?:\d{1,3}\.){3}\d{1,3})(?![\w.])", re.I)
_CONNECTION_KEY = re.compile(r"host|url|uri|addr|endpoint|dsn|broker|backend|server|connection|conn\b|peer|node|upstream|target", re.I)
_NOT_CONNECTION_KEY = re.compile(r"origin|cors|allowed|allow_|trusted|prox(y|ies)_?ip|forwarded|cidr|subnet|whitelist|allowlist|bind|listen", re.I)


def _service_ips(text: str) -> list[str]:
    out = []
    for match in _IPV4.finditer(text):
        try:
            ip = ipaddress.ip_address(match.group(1))
        except ValueError:
            continue
        if ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast or ip.is_reserved or str(ip).startswith("255."):
            continue
        out.append(str(ip))
    return out


def _ip_finding(key: str, value: str) -> bool:
    """A config value addresses a service by IP: a connection-like key with an IP, a URL whose
    host is an IP, or a private (RFC 1918) address; bind/listen and CORS/origin keys excluded."""
    if not isinstance(value, str) or _NOT_CONNECTION_KEY.search(key or ""):
        return False
    ips = _service_ips(value)
    if not ips:
        return False
    if _CONNECTION_KEY.search(key or "") or any(_service_ips(m.group(1)) for m in _URL_IP.finditer(value)):
        return True
    return any(ipaddress.ip_address(ip).is_private for ip in ips)


def _service_ref(value: str, services: set[str]) -> str | None:
    if not isinstance(value, str):
        return None
    for match in re.finditer(r"(?:^|://|@|,)([a-z0-9]([-a-z0-9]*[a-z0-9])?)((?:\.[a-z0-9-]+)*)(?=:\d|/|\?|,|$)", value.strip()):
        name, rest = match.group(1), match.group(3)
        if name in services and (not rest or re.fullmatch(r"\.[a-z0-9-]+(\.svc(\.cluster\.local)?)?", rest)):
            return name
    return None


def _config_values(repo):
    """(object, key path, key name, value) for container env, command/args and ConfigMap data."""
    for obj in repo.kubernetes.unique_objects():
        if obj.kind == "ConfigMap":
            for key, value in as_dict(obj.doc.get("data")).items():
                for part in str(value).split("\n") if isinstance(value, str) else []:
                    yield obj, ("data", key), str(key), part
            continue
        for container in obj.containers(init=True):
            for var in iter_env_vars(container):
                if isinstance(var.get("value"), str):
                    yield obj, ("container", container, "env"), str(var["name"]), var["value"]
            for field in ("command", "args"):
                for word in as_list(container.get(field)):
                    yield obj, ("container", container, field), field, str(word)


def _line(obj: K8sObject, where: tuple) -> int:
    if where[0] == "container":
        return obj.container_line(where[1], where[2])
    return obj.line_of(*where)


def _source_ip_findings(repo) -> list[Evidence]:
    out = []
    for module in repo.python.app_modules():
        for assign in module.assignments:
            name = assign.target.rsplit(".", 1)[-1]
            if isinstance(assign.value, str) and _ip_finding(name, assign.value) and _CONNECTION_KEY.search(name):
                out.append(Evidence(module.path, assign.line, f"{module.path}: {name} addresses a service by IP address", False))
        for cls in module.classes:
            for name, value, line in cls.fields:
                if isinstance(value, str) and _CONNECTION_KEY.search(name) and _ip_finding(name, value):
                    out.append(Evidence(module.path, line, f"{module.path}: {cls.name}.{name} addresses a service by IP address", False))
        for call in module.calls:
            if re.search(r"cors|origin", call.name, re.I):
                continue
            if call.endswith("getenv", "environ.get", "environ.setdefault") and len(call.args) > 1:
                key, value = call.args[0], call.args[1]
                if isinstance(key, str) and isinstance(value, str) and _ip_finding(key, value):
                    out.append(Evidence(module.path, call.line, f"{module.path}: default for {key} is an IP address", False))
                continue
            for value in list(call.args) + list(call.kwargs.values()):
                if isinstance(value, str) and _URL_IP.search(value) and _ip_finding("url", value):
                    out.append(Evidence(module.path, call.line, f"{module.path}: {call.name}() called with a URL whose host is an IP address", False))
                    break
    return out


@check("orchestration.service-discovery")
def service_discovery(repo):
    """Services reach each other by DNS names: no IP address in container env/args, ConfigMap
    data or app-source connection settings (connection-like keys, URLs with an IP host, private
    addresses; loopback, 0.0.0.0, CIDRs and CORS/bind settings excluded), and at least one
    address that names a Service of the deployment (in Kubernetes config, or a backing-service
    address in the app source whose host is a Service name). Secrets are not read, so URLs held
    only there leave the item n/a."""
    k8s = repo.kubernetes
    if not k8s.environments:
        return not_applicable("no Kubernetes manifests")
    services = {o.name for o in k8s.objects("Service") if o.name}
    evidence: list[Evidence] = []
    seen = set()
    for obj, where, key, value in _config_values(repo):
        line = _line(obj, where)
        if (obj.path, line, key) in seen:
            continue
        if _ip_finding(key, value):
            seen.add((obj.path, line, key))
            evidence.append(Evidence(obj.path, line, f"{obj.ref}: {key} addresses a service by IP address", False))
            continue
        name = _service_ref(value, services)
        if name:
            seen.add((obj.path, line, key))
            evidence.append(Evidence(obj.path, line, f"{obj.ref}: {key} reaches Service {name} by DNS name", True))
    evidence += _source_ip_findings(repo)
    for conn in connections(repo):  # app-source addresses (client arguments, literals, defaults) naming a Service
        value = conn.default if isinstance(conn.default, str) else ""
        host = host_of(value) if "://" in value else value.split(":")[0]
        if host and host in services and (conn.path, conn.line) not in seen:
            seen.add((conn.path, conn.line))
            evidence.append(Evidence(conn.path, conn.line, f"{conn.path}: {conn.how} {conn.name} reaches Service {host} by DNS name", True))
    bad = [e for e in evidence if e.ok is False]
    if bad:
        return failed(f"{len(bad)} service address(es) by IP instead of a Service name", evidence)
    if evidence:
        return passed(f"{len(evidence)} address(es) use Service DNS names; no IP addresses in config", evidence)
    return not_applicable("no service-to-service address found in Kubernetes config or app source")


# --------------------------------------------------------------------------- RBAC

_API_CLIENTS = ("kubernetes", "kubernetes_asyncio", "kr8s", "pykube", "lightkube", "openshift")


def _service_account(obj: K8sObject) -> tuple[str | None, bool | None]:
    spec = obj.pod_spec()
    name = spec.get("serviceAccountName") or spec.get("serviceAccount")
    automount = spec.get("automountServiceAccountToken")
    return (name if isinstance(name, str) and name else None), (automount if isinstance(automount, bool) else None)


@check("orchestration.rbac")
def rbac(repo):
    """Each workload runs under a dedicated ServiceAccount (not ``default``) or disables token
    automount (on the pod or on its ServiceAccount); and when the app talks to the Kubernetes
    API (a Python Kubernetes client imported, or kubectl in a container command) a RoleBinding
    or ClusterRoleBinding grants one of the workloads' ServiceAccounts."""
    k8s = repo.kubernetes
    workloads = k8s.workloads
    if not workloads:
        return not_applicable("no Kubernetes workloads")
    used: set[str] = set()

    def judge(obj):
        name, automount = _service_account(obj)
        accounts = {o.name: o for o in _in_env(repo, obj, "ServiceAccount")}
        if name and name != "default":
            used.add(name)
            note = "" if name in accounts else " (not defined in the repository)"
            return True, f"runs as ServiceAccount {name}{note}", _pod_line(obj, "serviceAccountName" if "serviceAccountName" in obj.pod_spec() else "serviceAccount")
        if automount is False:
            return True, "default ServiceAccount with token automount disabled", _pod_line(obj, "automountServiceAccountToken")
        default = accounts.get("default")
        if default is not None and default.doc.get("automountServiceAccountToken") is False:
            return True, "default ServiceAccount, whose token automount is disabled", obj.line
        return False, "runs as the default ServiceAccount with its token mounted", obj.line

    evidence = judge_workloads(workloads, judge)
    api_uses = [(m.path, line, name) for m, name, line in repo.python.imports(*_API_CLIENTS)]
    for work in workloads:
        for container in work.first.containers(init=True):
            words = " ".join(str(x) for x in as_list(container.get("command")) + as_list(container.get("args")))
            if re.search(r"\bkubectl\b", words):
                api_uses.append((work.path, work.first.container_line(container, "command"), f"kubectl in {work.ref}"))
    if api_uses:
        path, line, what = api_uses[0]
        bindings = [
            b for b in k8s.objects("RoleBinding", "ClusterRoleBinding")
            if any(as_dict(s).get("kind") == "ServiceAccount" and as_dict(s).get("name") in used for s in as_list(b.doc.get("subjects")))
        ]
        if bindings:
            b = bindings[0]
            evidence.append(Evidence(b.path, b.line_of("subjects"), f"{b.ref} grants the API access used at {path}:{line} ({what})", True))
        else:
            evidence.append(Evidence(path, line, f"the app uses the Kubernetes API ({what}) but no RoleBinding grants a ServiceAccount its workloads use", False))
    return tally(evidence, subject="workloads and API grants", na_reason="no Kubernetes workloads")


# --------------------------------------------------------------------------- resources


def _limit_range_defaults(repo, obj: K8sObject) -> dict[tuple[str, str], str]:
    """(requests|limits, cpu|memory) -> LimitRange ref that supplies a default."""
    out: dict[tuple[str, str], str] = {}
    for lr in _in_env(repo, obj, "LimitRange"):
        for limit in as_list(lr.spec.get("limits")):
            limit = as_dict(limit)
            if limit.get("type", "Container") != "Container":
                continue
            default, request = as_dict(limit.get("default")), as_dict(limit.get("defaultRequest"))
            for resource in ("cpu", "memory"):
                if resource in default:
                    out.setdefault(("limits", resource), lr.ref)
                    out.setdefault(("requests", resource), lr.ref)  # requests default to the limit
                if resource in request:
                    out[("requests", resource)] = lr.ref
    return out


def _required(repo) -> list[tuple[str, str]]:
    fields = [("requests", "cpu"), ("requests", "memory"), ("limits", "memory")]
    if repo.policy.get("cpu_limits_required", False):
        fields.append(("limits", "cpu"))
    return fields


@check("orchestration.resources")
def resources(repo):
    """Every container (init containers included) of every workload sets CPU and memory
    requests and a memory limit — a CPU limit too when policy ``cpu_limits_required`` is set —
    or gets the missing value from a LimitRange default in its namespace (said in the evidence)."""
    workloads = repo.kubernetes.workloads
    if not workloads:
        return not_applicable("no Kubernetes workloads")
    required = _required(repo)

    def judge(obj):
        containers = obj.containers(init=True)
        if not containers:
            return None
        defaults = _limit_range_defaults(repo, obj)
        notes = []
        for container in containers:
            res = as_dict(container.get("resources"))
            missing = []
            for group, resource in required:
                if as_dict(res.get(group)).get(resource) not in (None, ""):
                    continue
                if (group, resource) in defaults:
                    notes.append(f"{resource} {group[:-1]} of {container.get('name', '?')} from {defaults[(group, resource)]}")
                else:
                    missing.append(f"{resource} {group[:-1]}")
            if missing:
                return False, f"container {container.get('name', '?')} has no {', '.join(missing)}", obj.container_line(container, "resources")
        extra = f" ({'; '.join(notes)})" if notes else ""
        return True, f"requests and limits on {plural(len(containers), 'container')}{extra}", obj.container_line(containers[0], "resources")

    return tally(judge_workloads(workloads, judge), subject="workloads", na_reason="no workload with containers")


# --------------------------------------------------------------------------- replicas, spreading, PDBs


def _scalers(repo, obj: K8sObject) -> list[tuple[int, int, K8sObject]]:
    """(min, max, autoscaler) for HPAs and KEDA ScaledObjects targeting ``obj`` in its environment."""
    out = []
    for scaler in repo.kubernetes.scaler_candidates(obj, "HorizontalPodAutoscaler", "ScaledObject"):
        ref = as_dict(scaler.spec.get("scaleTargetRef"))
        if str(ref.get("name")) != obj.name or str(ref.get("kind") or "Deployment") != obj.kind:
            continue
        if scaler.kind == "ScaledObject":
            low, high = scaler.spec.get("minReplicaCount", 0), scaler.spec.get("maxReplicaCount", 100)
        else:
            low, high = scaler.spec.get("minReplicas", 1), scaler.spec.get("maxReplicas", 1)
        if isinstance(low, int) and isinstance(high, int):
            out.append((max(low, 1), high, scaler))
    return out


def _replica_range(repo, obj: K8sObject) -> tuple[int, int, str]:
    """(minimum, maximum, source) of the workload's replica count in its environment."""
    scalers = _scalers(repo, obj)
    if scalers:
        low, high, scaler = min(s[0] for s in scalers), max(s[1] for s in scalers), scalers[0][2]
        return low, high, f"{scaler.ref} {low}-{high}"
    replicas = obj.replicas()
    count = replicas if replicas is not None else 1
    return count, count, f"replicas {count}"


def _multi_replica(repo, obj: K8sObject) -> bool:
    return obj.kind not in ("DaemonSet", "Job", "CronJob", "Pod") and _replica_range(repo, obj)[1] > 1


def _selects_own_pods(selector, labels: dict) -> bool:
    selector = as_dict(selector)
    match = as_dict(selector.get("matchLabels"))
    if match:
        return selector_matches(match, labels)
    return bool(selector.get("matchExpressions"))


def _spread(obj: K8sObject) -> tuple[str, int] | None:
    spec = obj.pod_spec()
    labels = obj.pod_labels()
    anti = as_dict(as_dict(spec.get("affinity")).get("podAntiAffinity"))
    for mode in ("requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"):
        for term in as_list(anti.get(mode)):
            term = as_dict(term)
            term = as_dict(term.get("podAffinityTerm")) or term
            if term.get("topologyKey") and _selects_own_pods(term.get("labelSelector"), labels):
                kind = "required" if mode.startswith("required") else "preferred"
                return f"{kind} podAntiAffinity on {term['topologyKey']}", _pod_line(obj, "affinity", "podAntiAffinity")
    for constraint in as_list(spec.get("topologySpreadConstraints")):
        constraint = as_dict(constraint)
        if constraint.get("topologyKey") and (_selects_own_pods(constraint.get("labelSelector"), labels) or constraint.get("matchLabelKeys")):
            return f"topologySpreadConstraints on {constraint['topologyKey']}", _pod_line(obj, "topologySpreadConstraints")
    return None


@check("orchestration.anti-affinity")
def anti_affinity(repo):
    """Every app workload that can run more than one replica (replicas > 1, or an HPA/KEDA
    maximum > 1, in any environment) spreads its own pods: a podAntiAffinity term (required or
    preferred) or a topologySpreadConstraint whose selector matches its pod labels."""
    workloads = [w for w in repo.kubernetes.app_workloads(long_running=True) if w.kind != "DaemonSet"]

    def judge(obj):
        if not _multi_replica(repo, obj):
            return None
        spread = _spread(obj)
        low, high, source = _replica_range(repo, obj)
        if spread is None:
            return False, f"up to {high} replicas ({source}) without podAntiAffinity or topologySpreadConstraints", _pod_line(obj)
        return True, f"{spread[0]} for up to {high} replicas", spread[1]

    evidence = judge_workloads(workloads, judge)
    return tally(evidence, subject="multi-replica workloads", na_reason="no workload can run more than one replica")


def _allowed_disruptions(pdb: K8sObject, replicas: int) -> int | None:
    spec = pdb.spec
    for key in ("maxUnavailable", "minAvailable"):
        value = spec.get(key)
        if value is None:
            continue
        if isinstance(value, str) and value.strip().endswith("%"):
            try:
                count = math.ceil(replicas * float(value.strip()[:-1]) / 100)
            except ValueError:
                return None
        elif isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            count = int(value)
        else:
            return None
        return count if key == "maxUnavailable" else replicas - count
    return None


def _pdbs_for(repo, obj: K8sObject) -> list[K8sObject]:
    labels = obj.pod_labels()
    return [p for p in repo.kubernetes.selector_candidates(labels, obj.env, "PodDisruptionBudget")
            if _same_namespace(p, obj) and _selects_own_pods(p.spec.get("selector"), labels)]


def _judge_pdb(repo, obj: K8sObject):
    """(ok, message, path, line): the finding is located at the PDB field when a PDB exists."""
    low, _high, source = _replica_range(repo, obj)
    pdbs = _pdbs_for(repo, obj)
    if not pdbs:
        return False, f"no PodDisruptionBudget selects its pods ({source})", obj.path, obj.line
    for budget in pdbs:
        allowed = _allowed_disruptions(budget, low)
        if allowed is None:
            return False, f"{budget.ref} sets neither a valid minAvailable nor maxUnavailable", budget.path, budget.line
        if allowed < 1:
            field = "maxUnavailable" if "maxUnavailable" in budget.spec else "minAvailable"
            return (False, f"{budget.ref} blocks drains: {field} {budget.spec.get(field)} allows no disruption at {low} "
                    f"replica(s) ({source})", budget.path, budget.line_of("spec", field))
    budget = pdbs[0]
    return True, f"{budget.ref} allows {_allowed_disruptions(budget, low)} disruption(s) at {low} replica(s) ({source})", budget.path, budget.line


def _fold(work, answers: list[tuple[str, tuple]]) -> Evidence | None:
    """One piece of evidence for a workload judged per environment: the first bad answer,
    naming the environments where it occurs unless it occurs in all."""
    if not answers:
        return None
    bad = [(env, a) for env, a in answers if a[0] is False]
    if bad:
        env, (ok, message, path, line) = bad[0]
        envs = [e for e, _ in bad]
        scope = "" if len(envs) == len(work.variants) or len(work.variants) <= 1 else f" (in {', '.join(envs)})"
        return Evidence(path, line, f"{work.ref}: {message}{scope}", False, envs[0] if scope else None)
    env, (ok, message, path, line) = answers[0]
    return Evidence(path, line, f"{work.ref}: {message}", True)


@check("orchestration.pdb")
def pdb(repo):
    """Each app workload that can run more than one replica (replicas > 1 or an HPA/KEDA
    maximum > 1 in any environment) has a PodDisruptionBudget selecting its pods that allows at
    least one disruption at its minimum replicas (HPA minimum, else replicas). A PDB that blocks
    node drains — on any workload, backing services included — is a finding too: all good →
    pass; no multi-replica workload with a PDB → fail; otherwise partial."""
    k8s = repo.kubernetes
    multi = [w for w in k8s.app_workloads(long_running=True) if w.kind != "DaemonSet"]
    evidence: list[Evidence] = []
    missing = 0
    for work in multi:
        answers = [(env, _judge_pdb(repo, obj)) for env, obj in work.variants.items() if _multi_replica(repo, obj)]
        found = _fold(work, answers)
        if found is not None:
            evidence.append(found)
            missing += any(not _pdbs_for(repo, obj) for obj in work.variants.values() if _multi_replica(repo, obj))
    total = len(evidence)
    if not total:
        return not_applicable("no workload can run more than one replica")
    covered = sum(1 for e in evidence if e.ok)
    blocking = 0
    for work in k8s.workloads:
        if work in multi or work.kind in ("Job", "CronJob", "DaemonSet", "Pod"):
            continue
        answers = [(env, _judge_pdb(repo, obj)) for env, obj in work.variants.items() if _pdbs_for(repo, obj)]
        found = _fold(work, answers)
        if found is not None and found.ok is False:
            blocking += 1
            evidence.append(found)
    if covered == total and not blocking:
        return passed(f"all {plural(total, 'multi-replica workload')} have a PDB that allows a disruption", evidence)
    if missing == total:
        return failed(f"none of {plural(total, 'multi-replica workload')} has a PodDisruptionBudget", evidence)
    extra = f"; {blocking} other PDB(s) block drains" if blocking else ""
    return partial(f"{covered} of {plural(total, 'multi-replica workload')} have a PDB that allows a disruption{extra}", evidence)
