"""Property-based: arbitrary manifests, Dockerfiles and compose files never make the model or any
evaluator raise, and evaluating the same tree twice gives identical results."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_twelvefactor.checks import load_builtin
from pytest_twelvefactor.model import yamlio
from pytest_twelvefactor.model.containers import parse_dockerfile
from pytest_twelvefactor.model.repository import Repository
from pytest_twelvefactor.results import Result, Verdict

EVALUATORS = load_builtin()
SETTINGS = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=12), st.sampled_from(["latest", "nginx:1.25", "0.0.0.0", "postgres://u:p@db/x", "100m", "SIGTERM"]))
anything = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                        max_leaves=8)


def maybe(valid):
    """A field that is usually the right shape and sometimes anything at all."""
    return st.one_of(valid, valid, anything)


container = st.fixed_dictionaries({}, optional={
    "name": maybe(st.sampled_from(["web", "worker", "db"])),
    "image": maybe(st.sampled_from(["registry.example.com/web:1.0", "redis:7", "python", "x@sha256:" + "a" * 64])),
    "command": maybe(st.lists(st.sampled_from(["gunicorn", "celery", "worker", "-A", "app", "sh", "-c", "--workers=4"]), max_size=4)),
    "args": maybe(st.lists(st.text(max_size=10), max_size=3)),
    "env": maybe(st.lists(st.fixed_dictionaries({"name": maybe(st.sampled_from(["SECRET_KEY", "DATABASE_URL", "PORT"]))},
                                                optional={"value": anything, "valueFrom": anything}), max_size=3)),
    "ports": maybe(st.lists(st.fixed_dictionaries({"containerPort": maybe(st.integers(1, 65535))}), max_size=2)),
    "resources": anything, "livenessProbe": anything, "readinessProbe": anything, "securityContext": anything,
    "lifecycle": anything, "volumeMounts": anything,
})
pod_spec = st.fixed_dictionaries({"containers": maybe(st.lists(maybe(container), max_size=3))}, optional={
    "initContainers": maybe(st.lists(container, max_size=2)), "securityContext": anything, "volumes": anything,
    "terminationGracePeriodSeconds": anything, "serviceAccountName": anything, "affinity": anything,
    "topologySpreadConstraints": anything,
})
labels = maybe(st.dictionaries(st.sampled_from(["app", "tier", "app.kubernetes.io/component"]), st.sampled_from(["web", "db", "worker"]), max_size=2))
metadata = maybe(st.fixed_dictionaries({"name": maybe(st.sampled_from(["web", "api", "redis", "worker", "beat"]))},
                                       optional={"labels": labels, "annotations": anything, "namespace": anything}))
workload = st.fixed_dictionaries({
    "apiVersion": st.sampled_from(["apps/v1", "batch/v1", "v1", "extensions/v1beta1"]),
    "kind": st.sampled_from(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet"]),
    "metadata": metadata,
    "spec": maybe(st.fixed_dictionaries({}, optional={
        "replicas": anything, "selector": maybe(st.fixed_dictionaries({"matchLabels": labels})),
        "template": maybe(st.fixed_dictionaries({"metadata": maybe(st.fixed_dictionaries({"labels": labels})), "spec": maybe(pod_spec)})),
        "jobTemplate": anything, "strategy": anything, "schedule": anything,
    })),
})
other_object = st.fixed_dictionaries({
    "apiVersion": st.sampled_from(["v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1", "monitoring.coreos.com/v1"]),
    "kind": st.sampled_from(["Service", "ConfigMap", "Secret", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                             "NetworkPolicy", "Ingress", "ServiceMonitor", "PrometheusRule", "Role", "RoleBinding", "List"]),
    "metadata": metadata,
}, optional={"spec": anything, "data": anything, "stringData": anything, "items": anything, "rules": anything})
manifests = st.lists(st.one_of(workload, other_object, anything), min_size=1, max_size=5)

INSTRUCTIONS = ["FROM", "RUN", "CMD", "ENTRYPOINT", "USER", "ENV", "ARG", "COPY", "ADD", "EXPOSE", "HEALTHCHECK",
                "WORKDIR", "STOPSIGNAL", "LABEL", "ONBUILD", "SHELL", "VOLUME", "#", "# syntax=x", "# escape=`"]
line = st.one_of(
    st.builds(lambda i, rest: f"{i} {rest}", st.sampled_from(INSTRUCTIONS), st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)),
    st.sampled_from(["FROM python:3.12 AS build", "FROM build", "FROM ${BASE}", "RUN <<EOF", "EOF", "\\", "", "CMD [\"a\",",
                     "USER 0", "USER app", "RUN apt-get install -y curl \\", "COPY --from=build /a /b", "ARG BASE=alpine"]),
)
dockerfiles = st.lists(line, max_size=12).map("\n".join)


def _evaluate(root: Path) -> dict:
    repo = Repository(root, render=False)
    out = {}
    for item_id, evaluator in EVALUATORS.items():
        result = evaluator(repo)  # must not raise
        assert isinstance(result, Result) and isinstance(result.verdict, Verdict), item_id
        out[item_id] = (result.verdict, result.summary, result.evidence)
    out["diagnostics"] = repo.diagnostics_sorted()
    return out


def _audit_twice(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        first = _evaluate(root)
        assert _evaluate(root) == first


@SETTINGS
@given(manifests, manifests)
def test_arbitrary_manifests_never_raise_and_are_deterministic(base, overlay):
    _audit_twice({
        "k8s/app.yaml": yaml.safe_dump_all(base, sort_keys=False),
        "deploy/prod/objects.yaml": yaml.safe_dump_all(overlay, sort_keys=False),
        "Dockerfile": "FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\"]\n",
    })


@SETTINGS
@given(dockerfiles, st.lists(st.one_of(workload, anything), max_size=2))
def test_arbitrary_dockerfiles_never_raise_and_are_deterministic(dockerfile, objects):
    _audit_twice({"Dockerfile": dockerfile, "svc/Dockerfile.worker": dockerfile[::-1],
                  "k8s/app.yaml": yaml.safe_dump_all(objects) if objects else ""})


compose = st.fixed_dictionaries({"services": maybe(st.dictionaries(
    st.sampled_from(["web", "worker", "db", "redis"]),
    maybe(st.fixed_dictionaries({}, optional={"image": anything, "build": anything, "command": anything,
                                              "environment": anything, "ports": anything, "volumes": anything,
                                              "depends_on": anything, "healthcheck": anything})),
    max_size=3))}, optional={"volumes": anything, "x-extra": anything})


@SETTINGS
@given(compose, st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda k: "\n" not in k and "=" not in k), st.text(max_size=10).filter(lambda v: "\n" not in v), max_size=4))
def test_arbitrary_compose_and_env_files_never_raise(services, env):
    _audit_twice({"docker-compose.yml": yaml.safe_dump(services), ".env": "".join(f"{k}={v}\n" for k, v in env.items()),
                  "Dockerfile": "FROM python:3.12-slim\n"})


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=300))
def test_parsers_take_any_text(text):
    dockerfile = parse_dockerfile("Dockerfile", text)
    dockerfile.command(), dockerfile.runtime_base()
    try:
        yamlio.load_all(text)
    except yaml.YAMLError:
        pass
