"""Evaluators of the Orchestration area: every verdict each one can give."""

from __future__ import annotations

from pytest_twelvefactor.results import Verdict


def finding(result, ok=False):
    return [e for e in result.evidence if e.ok is ok]


def workload(name: str, kind: str = "Deployment", spec_extra: str = "", pod_extra: str = "", container_extra: str = "",
             image: str | None = None) -> str:
    image = image or f"registry.example.com/{name}:1.0.0"
    return f"""\
apiVersion: apps/v1
kind: {kind}
metadata:
  name: {name}
spec:
{spec_extra}  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
{pod_extra}      containers:
        - name: {name}
          image: {image}
{container_extra}"""


RESOURCES = """\
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
    - name: debug
      image: busybox:1.36
"""


def hpa(name: str, low: int, high: int) -> str:
    return f"""\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {name}}}
  minReplicas: {low}
  maxReplicas: {high}
"""


def pdb(name: str, field: str = "maxUnavailable", value="1") -> str:
    return f"""\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}
spec:
  {field}: {value}
  selector:
    matchLabels: {{app: {name}}}
"""


ANTI = """\
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels: {app: api}
"""


# --------------------------------------------------------------------------- kubernetes


def test_kubernetes_pass_plain_manifests(evaluate):
    result = evaluate("orchestration.kubernetes", {"k8s/api.yaml": workload("api")})
    assert result.verdict is Verdict.PASS
    assert "judged: manifests" in result.summary
    assert "environment default: 1 objects" in finding(result, True)[0].message


def test_kubernetes_partial_unparseable_manifest(evaluate):
    result = evaluate("orchestration.kubernetes", {
        "k8s/api.yaml": workload("api"),
        "k8s/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n   c: d\n",
    })
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert bad.path == "k8s/broken.yaml"
    assert bad.line == 7
    assert "does not parse" in bad.message


def test_kubernetes_partial_kustomization_with_duplicate_resources(evaluate):
    result = evaluate("orchestration.kubernetes", {
        "base/api.yaml": workload("api"),
        "base/api-copy.yaml": workload("api"),
        "base/kustomization.yaml": "resources:\n  - api.yaml\n  - api-copy.yaml\n",
    })
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert bad.path == "base/kustomization.yaml"
    assert "already registered id" in bad.message


def test_kubernetes_pass_when_only_deploy_time_env_file_is_missing(evaluate):
    result = evaluate("orchestration.kubernetes", {
        "base/api.yaml": workload("api"),
        "base/kustomization.yaml": "resources:\n  - api.yaml\nconfigMapGenerator:\n  - name: cfg\n    envs: [.env]\n",
    })
    assert result.verdict is Verdict.PASS
    assert any(e.ok is None and "not counted" in e.message for e in result.evidence)


def test_kubernetes_fail_without_manifests(evaluate):
    result = evaluate("orchestration.kubernetes", {"docker-compose.yml": "services:\n  api:\n    image: api:1\n"})
    assert result.verdict is Verdict.FAIL
    assert "no Kubernetes manifests" in result.summary


def test_kubernetes_fail_when_nothing_parses(evaluate):
    result = evaluate("orchestration.kubernetes", {"k8s/broken.yaml": "apiVersion: v1\nkind: Pod\nspec: [\n"})
    assert result.verdict is Verdict.FAIL
    assert finding(result)[0].path == "k8s/broken.yaml"


# --------------------------------------------------------------------------- controllers


def test_controllers_pass(evaluate):
    result = evaluate("orchestration.controllers", {"k8s/api.yaml": workload("api"), "k8s/db.yaml": workload("db", "StatefulSet", image="postgres:16")})
    assert result.verdict is Verdict.PASS
    assert {e.message for e in finding(result, True)} == {"Deployment/api: runs under a Deployment", "StatefulSet/db: runs under a StatefulSet"}


def test_controllers_partial_naked_pod(evaluate):
    result = evaluate("orchestration.controllers", {"k8s/api.yaml": workload("api"), "k8s/debug.yaml": "# debug pod\n" + POD})
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert (bad.path, bad.line) == ("k8s/debug.yaml", 2)
    assert bad.message == "Pod/debug: naked Pod without a controller"


def test_controllers_fail_only_pods(evaluate):
    assert evaluate("orchestration.controllers", {"pod.yaml": POD}).verdict is Verdict.FAIL


def test_controllers_na_without_workloads(evaluate):
    result = evaluate("orchestration.controllers", {"k8s/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"})
    assert result.verdict is Verdict.NA


# --------------------------------------------------------------------------- service discovery

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: redis
spec:
  selector: {app: redis}
  ports: [{port: 6379}]
"""


def test_service_discovery_pass_service_dns_names(evaluate):
    config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  REDIS_URL: redis://redis:6379/0\n  CORS_ORIGINS: http://20.249.205.59:15001\n"
    result = evaluate("orchestration.service-discovery", {
        "k8s/svc.yaml": SERVICE,
        "k8s/cm.yaml": config,
        "k8s/api.yaml": workload("api"),
        "app/main.py": 'LEGACY_UI_ORIGIN = "http://20.249.205.59:15001"\nBIND_HOST = "0.0.0.0"\n',
    })
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)[0]
    assert (ev.path, ev.line) == ("k8s/cm.yaml", 6)
    assert "REDIS_URL reaches Service redis by DNS name" in ev.message


def test_service_discovery_fail_ip_in_env_and_source(evaluate):
    env = "          env:\n            - name: DATABASE_HOST\n              value: 10.0.3.7\n"
    result = evaluate("orchestration.service-discovery", {
        "k8s/svc.yaml": SERVICE,
        "k8s/api.yaml": workload("api", container_extra=env),
        "app/clients.py": 'import requests\nrequests.get("http://172.20.1.5:8080/status", timeout=3)\n',
    })
    assert result.verdict is Verdict.FAIL
    bad = {(e.path, e.line): e.message for e in finding(result)}
    assert "Deployment/api: DATABASE_HOST addresses a service by IP address" == bad[("k8s/api.yaml", 15)]
    assert "requests.get() called with a URL whose host is an IP" in bad[("app/clients.py", 2)]
    assert all("10.0.3.7" not in m for m in bad.values())


def test_service_discovery_pass_service_names_in_app_source(evaluate):
    result = evaluate("orchestration.service-discovery", {
        "k8s/svc.yaml": SERVICE,
        "k8s/api.yaml": workload("api"),
        "app/main.py": 'import redis\nclient = redis.Redis(host="redis", socket_timeout=5)\n',
    })
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)[0]
    assert (ev.path, ev.line) == ("app/main.py", 2)
    assert "reaches Service redis by DNS name" in ev.message


def test_service_discovery_na_without_addresses(evaluate):
    result = evaluate("orchestration.service-discovery", {"k8s/api.yaml": workload("api")})
    assert result.verdict is Verdict.NA


def test_service_discovery_na_without_kubernetes(evaluate):
    assert evaluate("orchestration.service-discovery", {"app.py": "x = 1\n"}).verdict is Verdict.NA


# --------------------------------------------------------------------------- RBAC

SA = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n"
BINDING = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: api-jobs
subjects:
  - kind: ServiceAccount
    name: api
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: jobs}
"""


def test_rbac_pass_dedicated_account_and_binding_for_api_use(evaluate):
    result = evaluate("orchestration.rbac", {
        "k8s/sa.yaml": SA,
        "k8s/rb.yaml": BINDING,
        "k8s/api.yaml": workload("api", pod_extra="      serviceAccountName: api\n"),
        "k8s/redis.yaml": workload("redis", "StatefulSet", pod_extra="      automountServiceAccountToken: false\n", image="redis:7"),
        "app/jobs.py": "from kubernetes import client\n",
    })
    assert result.verdict is Verdict.PASS
    good = {(e.path, e.line): e.message for e in finding(result, True)}
    assert good[("k8s/api.yaml", 12)] == "Deployment/api: runs as ServiceAccount api"
    assert "token automount disabled" in good[("k8s/redis.yaml", 12)]
    assert "grants the API access used at app/jobs.py:1" in good[("k8s/rb.yaml", 5)]


def test_rbac_partial_api_used_without_binding(evaluate):
    result = evaluate("orchestration.rbac", {
        "k8s/api.yaml": workload("api", pod_extra="      serviceAccountName: api\n"),
        "app/jobs.py": "import os\nfrom kubernetes import client, config\n",
    })
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert (bad.path, bad.line) == ("app/jobs.py", 2)
    assert "no RoleBinding grants" in bad.message
    assert "not defined in the repository" in finding(result, True)[0].message


def test_rbac_partial_some_default(evaluate):
    result = evaluate("orchestration.rbac", {
        "k8s/api.yaml": workload("api", pod_extra="      serviceAccountName: api\n"),
        "k8s/worker.yaml": workload("worker", pod_extra="      serviceAccountName: default\n"),
    })
    assert result.verdict is Verdict.PARTIAL
    assert finding(result)[0].message == "Deployment/worker: runs as the default ServiceAccount with its token mounted"


def test_rbac_fail_default_everywhere(evaluate):
    result = evaluate("orchestration.rbac", {"k8s/api.yaml": workload("api")})
    assert result.verdict is Verdict.FAIL
    assert (finding(result)[0].path, finding(result)[0].line) == ("k8s/api.yaml", 1)


def test_rbac_na_without_workloads(evaluate):
    assert evaluate("orchestration.rbac", {"k8s/sa.yaml": SA}).verdict is Verdict.NA


# --------------------------------------------------------------------------- resources


def test_resources_pass_cpu_limit_not_required_by_default(evaluate):
    result = evaluate("orchestration.resources", {"k8s/api.yaml": workload("api", container_extra=RESOURCES)})
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)[0]
    assert (ev.path, ev.line) == ("k8s/api.yaml", 15)
    assert "requests and limits on 1 container" in ev.message


def test_resources_fail_cpu_limit_required_by_policy(evaluate):
    result = evaluate("orchestration.resources", {"k8s/api.yaml": workload("api", container_extra=RESOURCES)},
                      policy={"cpu_limits_required": True})
    assert result.verdict is Verdict.FAIL
    assert "container api has no cpu limit" in finding(result)[0].message


def test_resources_partial_and_init_containers_count(evaluate):
    init = "      initContainers:\n        - name: migrate\n          image: registry.example.com/api:1.0.0\n"
    result = evaluate("orchestration.resources", {
        "k8s/api.yaml": workload("api", pod_extra=init, container_extra=RESOURCES),
        "k8s/worker.yaml": workload("worker", container_extra=RESOURCES),
    })
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert (bad.path, bad.line) == ("k8s/api.yaml", 13)
    assert "container migrate has no cpu request, memory request, memory limit" in bad.message


def test_resources_pass_limitrange_defaults(evaluate):
    limitrange = """\
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
spec:
  limits:
    - type: Container
      default: {cpu: 500m, memory: 256Mi}
"""
    result = evaluate("orchestration.resources", {"k8s/api.yaml": workload("api"), "k8s/lr.yaml": limitrange})
    assert result.verdict is Verdict.PASS
    assert "from LimitRange/defaults" in finding(result, True)[0].message


def test_resources_fail_none(evaluate):
    result = evaluate("orchestration.resources", {"k8s/api.yaml": workload("api")})
    assert result.verdict is Verdict.FAIL


def test_resources_na_without_workloads(evaluate):
    assert evaluate("orchestration.resources", {"README.md": "x\n"}).verdict is Verdict.NA


# --------------------------------------------------------------------------- anti-affinity


def test_anti_affinity_pass_hpa_makes_multi_replica(evaluate):
    result = evaluate("orchestration.anti-affinity", {
        "k8s/api.yaml": workload("api", pod_extra=ANTI),
        "k8s/hpa.yaml": hpa("api", 1, 4),
        "k8s/mcp.yaml": workload("mcp"),  # one replica: not judged
    })
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)
    assert len(ev) == 1
    assert (ev[0].path, ev[0].line) == ("k8s/api.yaml", 13)
    assert "preferred podAntiAffinity on kubernetes.io/hostname for up to 4 replicas" in ev[0].message


def test_anti_affinity_partial_and_spread_constraints(evaluate):
    spread = "      topologySpreadConstraints:\n        - maxSkew: 1\n          topologyKey: topology.kubernetes.io/zone\n          whenUnsatisfiable: ScheduleAnyway\n          labelSelector: {matchLabels: {app: web}}\n"
    result = evaluate("orchestration.anti-affinity", {
        "k8s/web.yaml": workload("web", spec_extra="  replicas: 3\n", pod_extra=spread),
        "k8s/worker.yaml": workload("worker", spec_extra="  replicas: 2\n"),
    })
    assert result.verdict is Verdict.PARTIAL
    assert "topologySpreadConstraints on topology.kubernetes.io/zone" in finding(result, True)[0].message
    bad = finding(result)[0]
    assert bad.path == "k8s/worker.yaml"
    assert "up to 2 replicas (replicas 2) without podAntiAffinity" in bad.message


def test_anti_affinity_fail_term_selecting_other_pods(evaluate):
    other = ANTI.replace("{app: api}", "{app: cache}")
    result = evaluate("orchestration.anti-affinity", {"k8s/api.yaml": workload("api", spec_extra="  replicas: 2\n", pod_extra=other)})
    assert result.verdict is Verdict.FAIL


def test_anti_affinity_na_single_replica(evaluate):
    result = evaluate("orchestration.anti-affinity", {"k8s/api.yaml": workload("api", spec_extra="  replicas: 1\n")})
    assert result.verdict is Verdict.NA
    assert "more than one replica" in result.summary


# --------------------------------------------------------------------------- PDB


def test_pdb_pass(evaluate):
    result = evaluate("orchestration.pdb", {
        "k8s/api.yaml": workload("api"),
        "k8s/hpa.yaml": hpa("api", 2, 5),
        "k8s/pdb.yaml": pdb("api", "minAvailable", 1),
    })
    assert result.verdict is Verdict.PASS
    ev = finding(result, True)[0]
    assert (ev.path, ev.line) == ("k8s/pdb.yaml", 1)
    assert "allows 1 disruption(s) at 2 replica(s)" in ev.message


def test_pdb_partial_blocks_drains_at_minimum(evaluate):
    result = evaluate("orchestration.pdb", {
        "k8s/api.yaml": workload("api"),
        "k8s/hpa.yaml": hpa("api", 1, 5),
        "k8s/pdb.yaml": pdb("api", "minAvailable", 1),
        "k8s/web.yaml": workload("web", spec_extra="  replicas: 4\n"),
        "k8s/pdb-web.yaml": pdb("web", "maxUnavailable", '"25%"'),
    })
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert (bad.path, bad.line) == ("k8s/pdb.yaml", 6)
    assert "blocks drains: minAvailable 1 allows no disruption at 1 replica(s)" in bad.message


def test_pdb_partial_blocking_pdb_on_single_replica_backing_service(evaluate):
    result = evaluate("orchestration.pdb", {
        "k8s/api.yaml": workload("api", spec_extra="  replicas: 3\n"),
        "k8s/pdb.yaml": pdb("api", "minAvailable", '"50%"'),
        "k8s/redis.yaml": workload("redis", "StatefulSet", image="redis:7.2"),
        "k8s/pdb-redis.yaml": pdb("redis", "minAvailable", 1),
    })
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert (bad.path, bad.line) == ("k8s/pdb-redis.yaml", 6)
    assert bad.message.startswith("StatefulSet/redis: PodDisruptionBudget/redis blocks drains")


def test_pdb_fail_none(evaluate):
    result = evaluate("orchestration.pdb", {"k8s/api.yaml": workload("api", spec_extra="  replicas: 2\n")})
    assert result.verdict is Verdict.FAIL
    assert "no PodDisruptionBudget selects its pods (replicas 2)" in finding(result)[0].message


def test_pdb_na_single_replica(evaluate):
    result = evaluate("orchestration.pdb", {"k8s/api.yaml": workload("api"), "k8s/pdb.yaml": pdb("api", "minAvailable", 1)})
    assert result.verdict is Verdict.NA


def test_pdb_worst_environment_decides(evaluate):
    overlay = "resources:\n  - ../../base\npatches:\n  - target: {kind: HorizontalPodAutoscaler, name: api}\n    patch: |-\n      - op: replace\n        path: /spec/minReplicas\n        value: LOW\n"
    result = evaluate("orchestration.pdb", {
        "base/api.yaml": workload("api"),
        "base/hpa.yaml": hpa("api", 1, 5),
        "base/pdb.yaml": pdb("api", "minAvailable", 1),
        "base/kustomization.yaml": "resources: [api.yaml, hpa.yaml, pdb.yaml]\n",
        "overlays/dev/kustomization.yaml": overlay.replace("LOW", "1"),
        "overlays/prod/kustomization.yaml": overlay.replace("LOW", "2"),
    })
    assert result.verdict is Verdict.PARTIAL
    bad = finding(result)[0]
    assert bad.env == "dev"
    assert bad.message.endswith("(in dev)")


ODD = {
    "k8s/a.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: [1]\nspec: 5\n",
    "k8s/b.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\nspec:\n  replicas: '3'\n  template:\n"
        "    metadata: {labels: 7}\n    spec:\n"
        "      affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [1, {topologyKey: h, labelSelector: 3}]}}\n"
        "      topologySpreadConstraints: [x]\n      serviceAccountName: [a]\n"
        "      containers: [x, {name: c, image: 5, resources: 3, env: [1, {name: X, value: 7}], command: 9, args: [1]}]\n"
    ),
    "k8s/c.yaml": (
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: b}\nspec: {minAvailable: abc, selector: {matchLabels: 5}}\n---\n"
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: b}\nspec: {scaleTargetRef: 5, minReplicas: x}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: [1, 2]\n---\n"
        "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l}\nspec: {limits: [1, {default: 3}]}\n---\n"
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\nsubjects: 5\n"
    ),
    "k8s/d.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: {a: 1}}\n",
    "app/main.py": "import kubernetes\nX = 1\n",
}


def test_odd_inputs_never_raise(evaluate):
    for item in ("orchestration.kubernetes", "orchestration.controllers", "orchestration.service-discovery", "orchestration.rbac",
                 "orchestration.resources", "orchestration.anti-affinity", "orchestration.pdb"):
        assert isinstance(evaluate(item, ODD).verdict, Verdict)


def test_kubernetes_partial_when_a_kustomization_lists_a_missing_file(evaluate):
    result = evaluate("orchestration.kubernetes", {
        "kustomize/kustomization.yaml": "resources:\n  - https://github.com/example/base?ref=v1\n  - pdb.yaml\n",
        "k8s/web.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1.0\n",
    })
    assert result.verdict.value == "partial"
    [bad] = [e for e in result.evidence if e.ok is False]
    assert (bad.path, bad.line) == ("kustomize/kustomization.yaml", 3)
    assert "missing resource pdb.yaml" in bad.message
