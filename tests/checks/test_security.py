"""Security evaluators: every verdict each can give, with its key evidence."""

from __future__ import annotations

from pytest_twelvefactor.results import Verdict


def find(result, fragment):
    hits = [e for e in result.evidence if fragment in e.message]
    assert hits, f"no evidence with {fragment!r} in {[e.message for e in result.evidence]}"
    return hits[0]


def deployment(name, pod_security="", container_security="", labels="app: {name}"):
    labels = labels.format(name=name)
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{{labels}}}
  template:
    metadata:
      labels: {{{labels}}}
    spec:
{pod_security}      containers:
        - name: {name}
          image: ghcr.io/acme/{name}:1.0
{container_security}"""


POD_NON_ROOT = """      securityContext:
        runAsNonRoot: true
"""
CONTAINER_ROOT = """          securityContext:
            runAsUser: 0
"""


# --------------------------------------------------------------------------- non-root


def test_non_root_pass_pod_level(evaluate):
    result = evaluate("security.non-root", {"k8s/api.yaml": deployment("api", POD_NON_ROOT)})
    assert result.verdict is Verdict.PASS
    ev = find(result, "Deployment/api: pod securityContext runs as non-root")
    assert (ev.path, ev.line, ev.ok) == ("k8s/api.yaml", 13, True)


def test_non_root_partial_and_container_overrides_pod(evaluate):
    files = {"k8s/api.yaml": deployment("api", POD_NON_ROOT), "k8s/web.yaml": deployment("web", POD_NON_ROOT, CONTAINER_ROOT)}
    result = evaluate("security.non-root", files)
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "Deployment/web: container web: runAsUser: 0")
    assert (ev.path, ev.line, ev.ok) == ("k8s/web.yaml", 18, False)


def test_non_root_fail_counts_init_containers(evaluate):
    manifest = """
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: migrate
    spec:
      template:
        spec:
          initContainers:
            - name: wait
              image: busybox:1.36
          containers:
            - name: migrate
              image: ghcr.io/acme/api:1.0
              securityContext: {runAsUser: 1001}
    """
    result = evaluate("security.non-root", {"k8s/job.yaml": manifest})
    assert result.verdict is Verdict.FAIL
    ev = find(result, "Job/migrate: container wait: neither runAsNonRoot")
    assert (ev.path, ev.line) == ("k8s/job.yaml", 9)


def test_non_root_na(evaluate):
    assert evaluate("security.non-root", {"Dockerfile": "FROM python:3.12-slim\nUSER 1001\n"}).verdict is Verdict.NA


# --------------------------------------------------------------------------- network policy

ALLOW_API = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-ingress
spec:
  podSelector:
    matchExpressions:
      - {key: app, operator: In, values: [api]}
  ingress:
    - from: [{podSelector: {}}]
"""
DEFAULT_DENY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""


def test_network_policy_pass_default_deny(evaluate):
    files = {"k8s/api.yaml": deployment("api"), "k8s/web.yaml": deployment("web"), "k8s/deny.yaml": DEFAULT_DENY}
    result = evaluate("security.network-policy", files)
    assert result.verdict is Verdict.PASS
    ev = find(result, "Deployment/web: selected by NetworkPolicy/default-deny")
    assert (ev.path, ev.line, ev.ok) == ("k8s/web.yaml", 1, True)
    assert "(default-deny)" in ev.message


def test_network_policy_partial_match_expressions(evaluate):
    files = {"k8s/api.yaml": deployment("api"), "k8s/web.yaml": deployment("web"), "k8s/np.yaml": ALLOW_API}
    result = evaluate("security.network-policy", files)
    assert result.verdict is Verdict.PARTIAL
    assert find(result, "Deployment/api: selected by NetworkPolicy/api-ingress").ok is True
    ev = find(result, "Deployment/web: no NetworkPolicy selects its pods")
    assert (ev.path, ev.line, ev.ok) == ("k8s/web.yaml", 1, False)


def test_network_policy_fail(evaluate):
    result = evaluate("security.network-policy", {"k8s/web.yaml": deployment("web")})
    assert result.verdict is Verdict.FAIL


def test_network_policy_na_only_backing_services(evaluate):
    redis = deployment("redis").replace("ghcr.io/acme/redis:1.0", "redis:7.2")
    assert evaluate("security.network-policy", {"k8s/redis.yaml": redis}).verdict is Verdict.NA


# --------------------------------------------------------------------------- image scanning

WORKFLOW = """
name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
{steps}"""


def test_image_scanning_pass(evaluate):
    steps = """      - uses: aquasecurity/trivy-action@0.24.0
        with:
          image-ref: ghcr.io/acme/api:${{ github.sha }}
"""
    files = {".github/workflows/ci.yml": WORKFLOW.format(steps=steps), "Dockerfile": "FROM python:3.12-slim\n"}
    result = evaluate("security.image-scanning", files)
    assert result.verdict is Verdict.PASS
    ev = find(result, "image scan in job build")
    assert (ev.path, ev.line, ev.ok) == (".github/workflows/ci.yml", 8, True)


def test_image_scanning_partial_deps_only(evaluate):
    steps = """      - run: pip install pip-audit && pip-audit -r requirements.txt
      - uses: aquasecurity/trivy-action@0.24.0
        with:
          scan-type: fs
"""
    files = {".github/workflows/ci.yml": WORKFLOW.format(steps=steps), "Dockerfile": "FROM python:3.12-slim\n"}
    result = evaluate("security.image-scanning", files)
    assert result.verdict is Verdict.PARTIAL
    lines = sorted(e.line for e in result.evidence)
    assert lines == [8, 9]
    assert find(result, "dependency/filesystem scan in job build").path == ".github/workflows/ci.yml"


def test_image_scanning_fail(evaluate):
    steps = "      - run: docker build -t api .\n"
    files = {".github/workflows/ci.yml": WORKFLOW.format(steps=steps), "Dockerfile": "FROM python:3.12-slim\n"}
    result = evaluate("security.image-scanning", files)
    assert result.verdict is Verdict.FAIL
    assert find(result, "pipeline without an image or dependency scan").path == ".github/workflows/ci.yml"


def test_image_scanning_na(evaluate):
    assert evaluate("security.image-scanning", {"README.md": "# notes\n"}).verdict is Verdict.NA


# --------------------------------------------------------------------------- TLS

INGRESS_TLS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
spec:
  tls:
    - hosts: [shop.example.com]
      secretName: web-tls
  rules: []
"""
INGRESS_PLAIN = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules: []
"""
STRICT = """
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata:
  name: default
spec:
  mtls:
    mode: STRICT
"""


def test_tls_pass_ingress_and_mesh(evaluate):
    result = evaluate("security.tls", {"k8s/ingress.yaml": INGRESS_TLS, "k8s/mtls.yaml": STRICT})
    assert result.verdict is Verdict.PASS
    ev = find(result, "Ingress/web: TLS configured")
    assert (ev.path, ev.line) == ("k8s/ingress.yaml", 8)
    assert find(result, "PeerAuthentication/default: Istio mTLS STRICT").line == 6
    assert find(result, "cert-manager").line == 6


def test_tls_partial_ingress_only(evaluate):
    result = evaluate("security.tls", {"k8s/ingress.yaml": INGRESS_TLS})
    assert result.verdict is Verdict.PARTIAL
    assert "ingress only" in result.summary


def test_tls_fail(evaluate):
    result = evaluate("security.tls", {"k8s/ingress.yaml": INGRESS_PLAIN})
    assert result.verdict is Verdict.FAIL
    ev = find(result, "Ingress/web: no TLS")
    assert (ev.path, ev.line, ev.ok) == ("k8s/ingress.yaml", 5, False)


def test_tls_worst_environment_decides(evaluate):
    files = {
        "k8s/base/kustomization.yaml": "resources: [ingress.yaml]\n",
        "k8s/base/ingress.yaml": INGRESS_PLAIN,
        "k8s/overlays/dev/kustomization.yaml": "resources: [../../base]\n",
        "k8s/overlays/prod/kustomization.yaml": "resources: [../../base]\npatches:\n  - path: tls.yaml\n",
        "k8s/overlays/prod/tls.yaml": """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: web
            spec:
              tls:
                - secretName: web-tls
            """,
    }
    result = evaluate("security.tls", files)
    assert result.verdict is Verdict.FAIL
    ev = find(result, "Ingress/web: no TLS (in dev)")
    assert ev.path == "k8s/base/ingress.yaml"


def test_tls_load_balancer_service_exposing_app_pods_is_an_entry_point(evaluate):
    service = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n{notes}spec:\n  type: LoadBalancer\n"
               "  selector: {{app: web}}\n  ports:\n    - port: 80\n      targetPort: 8000\n")
    files = {"k8s/web.yaml": deployment("web"), "k8s/svc.yaml": service.format(notes="")}
    result = evaluate("security.tls", files)
    assert result.verdict is Verdict.FAIL
    ev = find(result, "Service/web (LoadBalancer): no TLS")
    assert (ev.path, ev.line, ev.ok) == ("k8s/svc.yaml", 6, False)
    notes = "  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn:aws:acm:eu-west-1:1:certificate/x\n"
    files["k8s/svc.yaml"] = service.format(notes=notes)
    assert evaluate("security.tls", files).verdict is Verdict.PARTIAL


def test_tls_na(evaluate):
    assert evaluate("security.tls", {"k8s/api.yaml": deployment("api")}).verdict is Verdict.NA


# --------------------------------------------------------------------------- RBAC

ROLE = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: jobs
rules:
  - apiGroups: [batch]
    resources: [jobs]
    verbs: [get, list, create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: jobs
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: jobs}
subjects: [{kind: ServiceAccount, name: api}]
"""


def test_rbac_pass(evaluate):
    result = evaluate("security.rbac-least-privilege", {"k8s/rbac.yaml": ROLE})
    assert result.verdict is Verdict.PASS
    ev = find(result, "Role/jobs: specific verbs and resources")
    assert (ev.path, ev.line, ev.ok) == ("k8s/rbac.yaml", 5, True)
    assert find(result, "RoleBinding/jobs: namespaced grant of Role/jobs").line == 14


def test_rbac_partial_broad(evaluate):
    broad = ROLE.replace("resources: [jobs]", "resources: [secrets]")
    result = evaluate("security.rbac-least-privilege", {"k8s/rbac.yaml": broad})
    assert result.verdict is Verdict.PARTIAL
    ev = find(result, "Role/jobs: broad grant (create, get, list on secrets)")
    assert (ev.path, ev.line, ev.ok) == ("k8s/rbac.yaml", 6, False)


def test_rbac_fail_wildcard_and_cluster_admin(evaluate):
    manifest = """
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata:
      name: ci-admin
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
    subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
    """
    wildcard = ROLE.replace("verbs: [get, list, create]", "verbs: ['*']")
    result = evaluate("security.rbac-least-privilege", {"k8s/admin.yaml": manifest, "k8s/rbac.yaml": wildcard})
    assert result.verdict is Verdict.FAIL
    assert find(result, "ClusterRoleBinding/ci-admin: binds cluster-admin").line == 5
    assert find(result, "Role/jobs: wildcard verbs").line == 6


def test_rbac_na(evaluate):
    assert evaluate("security.rbac-least-privilege", {"k8s/api.yaml": deployment("api")}).verdict is Verdict.NA
