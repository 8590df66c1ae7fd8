"""Each Kubernetes generator on small repositories: what it generates, and where it must generate nothing."""

from __future__ import annotations

from fixhelpers import change, kit_for
from manifests import CONTAINER_FULL, SERVICE, deployment

NO_CPU = """          ports:
            - containerPort: 8080
          resources:
            requests:
              memory: 128Mi
"""


def _kit(tmp_path, files):
    return kit_for(tmp_path, files)[0]


def test_hpa_from_the_workload_with_cpu_target(tmp_path):
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(2)})
    hpa = change(kit, "hpa").resources[0].doc
    assert hpa["kind"] == "HorizontalPodAutoscaler"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 4)
    assert hpa["spec"]["metrics"][0]["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}
    assert hpa["metadata"]["annotations"]["twelvefactor.io/generated-for"] == "factor08.hpa"


def test_no_hpa_without_cpu_requests(tmp_path):
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1, NO_CPU)})
    assert change(kit, "hpa") is None
    assert any("requests CPU" in s.reason for s in kit.skipped)


def test_no_hpa_when_one_exists(tmp_path):
    hpa = """
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: web}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
      minReplicas: 2
      maxReplicas: 5
    """
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1), "k8s/hpa.yaml": hpa})
    assert change(kit, "hpa") is None


def test_pdb_allows_one_disruption_for_multi_replica_workloads(tmp_path):
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(3)})
    pdb = change(kit, "pdb").resources[0].doc
    assert pdb["spec"] == {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}


def test_pdb_follows_the_generated_hpa(tmp_path):
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1)})
    assert change(kit, "hpa") and change(kit, "pdb")


def test_no_pdb_for_a_single_replica_that_stays_single(tmp_path):
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1, NO_CPU)})
    assert change(kit, "pdb") is None


def test_blocking_pdb_is_patched(tmp_path):
    pdb = """
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web}
    spec:
      minAvailable: 3
      selector: {matchLabels: {app: web}}
    """
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(3), "k8s/pdb.yaml": pdb})
    patch = change(kit, "pdb").patches[0].doc
    assert patch["spec"] == {"minAvailable": None, "maxUnavailable": 1}


def test_networkpolicy_default_deny_and_allow_from_services(tmp_path):
    ingress = """
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: web}
    spec:
      ingressClassName: nginx
      rules:
        - http:
            paths:
              - path: /
                pathType: Prefix
                backend: {service: {name: web, port: {number: 80}}}
    """
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1), "k8s/svc.yaml": SERVICE, "k8s/ingress.yaml": ingress})
    docs = {r.doc["metadata"]["name"]: r.doc for r in change(kit, "networkpolicy").resources}
    assert docs["default-deny-ingress"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    allow = docs["allow-web"]["spec"]
    assert allow["podSelector"] == {"matchLabels": {"app": "web"}}
    assert allow["ingress"][0]["ports"] == [{"protocol": "TCP", "port": "http"}]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}} in allow["ingress"][0]["from"]
    assert any("guessed" in d for d in change(kit, "networkpolicy").decisions)


def test_no_networkpolicy_when_policies_exist(tmp_path):
    policy = """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: other}
    spec:
      podSelector: {matchLabels: {app: other}}
    """
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1), "k8s/np.yaml": policy})
    assert change(kit, "networkpolicy") is None


def test_lifecycle_prestop_and_grace_period(tmp_path):
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1), "k8s/svc.yaml": SERVICE})
    pod = change(kit, "lifecycle").patches[0].doc["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 30
    assert pod["containers"] == [{"name": "web", "lifecycle": {"preStop": {"sleep": {"seconds": 5}}}}]


def test_no_lifecycle_patch_when_both_are_set(tmp_path):
    container = CONTAINER_FULL + """          lifecycle:
            preStop:
              exec:
                command: ["sleep", "5"]
"""
    text = deployment(1, container).replace("      containers:", "      terminationGracePeriodSeconds: 20\n      containers:")
    kit = _kit(tmp_path, {"k8s/deploy.yaml": text, "k8s/svc.yaml": SERVICE})
    assert change(kit, "lifecycle") is None


def test_probes_on_the_declared_port(tmp_path):
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1), "k8s/svc.yaml": SERVICE})
    container = change(kit, "probes").patches[0].doc["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["tcpSocket"] == {"port": "http"}
    assert container["readinessProbe"]["tcpSocket"] == {"port": "http"}


def test_probe_uses_the_health_route_of_the_process(tmp_path):
    container = CONTAINER_FULL + """          command: ["uvicorn", "app.main:app", "--port", "8080"]
"""
    main = """
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/healthz")
    def healthz():
        return {"ok": True}
    """
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1, container), "app/__init__.py": "", "app/main.py": main})
    probe = change(kit, "probes").patches[0].doc["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]
    assert probe["httpGet"] == {"path": "/healthz", "port": "http"}


def test_no_probe_without_a_declared_port(tmp_path):
    container = """          resources:
            requests: {cpu: 100m, memory: 64Mi}
"""
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1, container)})
    assert change(kit, "probes") is None
    assert any("declares no port" in s.reason for s in kit.skipped)


def test_security_context_hardening(tmp_path):
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1)})
    pod = change(kit, "security-context").patches[0].doc["spec"]["template"]["spec"]
    assert pod["containers"] == [{"name": "web", "securityContext": {"allowPrivilegeEscalation": False}}]
    assert "securityContext" not in pod   # no numeric USER built here: runAsNonRoot would be a guess


def test_no_hardening_of_privileged_containers(tmp_path):
    container = CONTAINER_FULL + """          securityContext:
            privileged: true
"""
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1, container)})
    assert change(kit, "security-context") is None


def test_run_as_non_root_with_a_numeric_user_built_here(tmp_path):
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1), "Dockerfile": "FROM python:3.12-slim\nUSER 1001\nCMD [\"python\", \"-m\", \"app\"]\n"})
    pod = change(kit, "security-context").patches[0].doc["spec"]["template"]["spec"]
    assert pod["securityContext"] == {"runAsNonRoot": True}


OVERLAY = """
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
{extra}
"""
BASE = """
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deploy.yaml
"""
PROD_RESOURCES = """patches:
  - path: resources.yaml
"""
PROD_PATCH = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          resources:
            requests:
              cpu: 500m
              memory: 256Mi
            limits:
              memory: 512Mi
"""


def _overlays(prod_extra: str = "", prod_files: dict | None = None):
    files = {
        "k8s/base/kustomization.yaml": BASE,
        "k8s/base/deploy.yaml": deployment(1, "          ports:\n            - containerPort: 8080\n"),
        "k8s/overlays/dev/kustomization.yaml": OVERLAY.format(extra=""),
        "k8s/overlays/prod/kustomization.yaml": OVERLAY.format(extra=prod_extra),
    }
    files.update(prod_files or {})
    return files


def test_resources_copied_from_the_other_environment(tmp_path):
    kit, _audit = kit_for(tmp_path, _overlays(PROD_RESOURCES, {"k8s/overlays/prod/resources.yaml": PROD_PATCH}), render=True)
    patch = change(kit, "resources").patches[0]
    assert patch.envs == ("dev",)
    assert patch.doc["spec"]["template"]["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "500m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}


def test_no_resources_when_no_environment_has_them(tmp_path):
    kit = _kit(tmp_path, _overlays())
    assert change(kit, "resources") is None


JOB = """
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
{spec}
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example.com/web:1.2.3
"""


def test_jobs_get_backoff_and_ttl(tmp_path):
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1), "k8s/job.yaml": JOB.format(spec="  activeDeadlineSeconds: 60")})
    assert change(kit, "jobs").patches[0].doc["spec"] == {"backoffLimit": 6, "ttlSecondsAfterFinished": 86400}


def test_no_job_patch_when_set(tmp_path):
    spec = "  backoffLimit: 2\n  ttlSecondsAfterFinished: 100"
    kit = _kit(tmp_path, {"k8s/deploy.yaml": deployment(1), "k8s/job.yaml": JOB.format(spec=spec)})
    assert change(kit, "jobs") is None


WORKER = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  replicas: 1
  selector:
    matchLabels: {{app: worker}}
  template:
    metadata:
      labels: {{app: worker}}
    spec:
      containers:
        - name: worker
          image: registry.example.com/web:1.2.3
          command: ["celery", "-A", "app", "worker", "-Q", "builds"]
          envFrom:
            - {ref}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
"""
CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata: {name: config}
data:
  CELERY_BROKER_URL: redis://redis:6379/1
"""


def test_keda_scaled_object_from_the_worker_broker(tmp_path):
    kit = _kit(tmp_path, {"k8s/worker.yaml": WORKER.format(ref="configMapRef: {name: config}"), "k8s/config.yaml": CONFIG})
    scaled = change(kit, "keda").resources[0].doc
    assert scaled["spec"]["triggers"] == [{"type": "redis", "metadata": {"address": "redis:6379", "listName": "builds",
                                                                          "listLength": "5", "databaseIndex": "1"}}]
    assert change(kit, "hpa") is None   # KEDA owns the worker's HPA


def test_no_keda_when_the_broker_comes_from_a_secret(tmp_path):
    kit = _kit(tmp_path, {"k8s/worker.yaml": WORKER.format(ref="secretRef: {name: broker}")})
    assert change(kit, "keda") is None
    assert change(kit, "hpa") is not None   # the CPU HPA remains the safe default

