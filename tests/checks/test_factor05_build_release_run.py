"""Factor 5 evaluators: every verdict each can give, with its key evidence."""

from __future__ import annotations

MULTI = """
FROM python:3.12 AS build
RUN pip install --prefix=/install -r requirements.txt
FROM python:3.12-slim
COPY --from=build /install /usr/local
CMD ["uvicorn", "app:app"]
"""
SINGLE = """
FROM python:3.12-slim
RUN pip install -r requirements.txt
CMD ["uvicorn", "app:app"]
"""


def deployment(image: str, policy: str | None = None, name: str = "api", extra: str = "") -> str:
    pull = f"\n          imagePullPolicy: {policy}" if policy else ""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:{extra}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: {image}{pull}
"""


def _find(result, fragment):
    return next(e for e in result.evidence if fragment in e.message)


# --------------------------------------------------------------------------- build-stages


def test_build_stages_pass_multi_stage(evaluate):
    result = evaluate("factor05.build-stages", {"Dockerfile": MULTI})
    assert result.verdict.value == "pass"
    ev = _find(result, "copies build output")
    assert (ev.path, ev.line, ev.ok) == ("Dockerfile", 4, True)


def test_build_stages_pass_single_stage_without_build(evaluate):
    result = evaluate("factor05.build-stages", {"Dockerfile": "FROM nginx:1.27-alpine\nCOPY dist/ /usr/share/nginx/html\n"})
    assert result.verdict.value == "pass"
    assert "nothing is built" in result.evidence[0].message


def test_build_stages_partial(evaluate):
    result = evaluate("factor05.build-stages", {"api/Dockerfile": MULTI, "worker/Dockerfile": SINGLE})
    assert result.verdict.value == "partial"
    ev = _find(result, "single stage")
    assert (ev.path, ev.line, ev.ok) == ("worker/Dockerfile", 1, False)


def test_build_stages_fail_when_final_stage_copies_nothing(evaluate):
    text = "FROM python:3.12 AS base\nRUN pip install x\nFROM base\nCMD [\"python\"]\n"
    result = evaluate("factor05.build-stages", {"Dockerfile": text})
    assert result.verdict.value == "fail"
    assert result.evidence[0].line == 3 and "copies nothing" in result.evidence[0].message


def test_build_stages_na_only_devcontainer(evaluate):
    result = evaluate("factor05.build-stages", {".devcontainer/Dockerfile": SINGLE})
    assert result.verdict.value == "n/a"
    assert result.evidence[0].ok is None


# --------------------------------------------------------------------------- ci-pipeline

GH_BUILD_PUSH = """
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: docker build -t ghcr.io/acme/api:${{ github.sha }} .
      - run: docker push ghcr.io/acme/api:${{ github.sha }}
"""
GH_BUILD_ONLY = """
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - name: docker build
        run: docker build -t api .
"""
GH_SAVE = """
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - run: docker build -t api:1 .
      - run: docker save api:1 -o api.tar
      - run: scp api.tar deploy@host:/tmp/api.tar
"""


def test_ci_pipeline_pass(evaluate):
    result = evaluate("factor05.ci-pipeline", {"Dockerfile": MULTI, ".github/workflows/ci.yml": GH_BUILD_PUSH})
    assert result.verdict.value == "pass"
    push = _find(result, "pushes images")
    assert (push.path, push.line) == (".github/workflows/ci.yml", 8)


def test_ci_pipeline_pass_build_push_action(evaluate):
    workflow = """
    on: push
    jobs:
      image:
        runs-on: ubuntu-latest
        steps:
          - uses: docker/build-push-action@v6
            with:
              push: true
              tags: ghcr.io/acme/api:${{ github.sha }}
    """
    result = evaluate("factor05.ci-pipeline", {"Dockerfile": MULTI, ".github/workflows/ci.yml": workflow})
    assert result.verdict.value == "pass"
    assert _find(result, "pushes images").line == 8


def test_ci_pipeline_partial_build_only(evaluate):
    result = evaluate("factor05.ci-pipeline", {"Dockerfile": MULTI, ".github/workflows/ci.yml": GH_BUILD_ONLY})
    assert result.verdict.value == "partial"
    ev = result.evidence[0]
    assert (ev.line, ev.ok) == (7, False) and "never pushes" in ev.message


def test_ci_pipeline_partial_copied_over_ssh(evaluate):
    result = evaluate("factor05.ci-pipeline", {"Dockerfile": MULTI, ".github/workflows/ci.yml": GH_SAVE})
    assert result.verdict.value == "partial"
    assert result.evidence[0].line == 7 and "docker save/scp" in result.evidence[0].message


def test_ci_pipeline_fail_no_ci(evaluate):
    result = evaluate("factor05.ci-pipeline", {"Dockerfile": MULTI})
    assert result.verdict.value == "fail"
    assert result.evidence[0].path == "Dockerfile" and "not built" in result.evidence[0].message


def test_ci_pipeline_fail_ci_without_build(evaluate):
    tests_only = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"
    result = evaluate("factor05.ci-pipeline", {"Dockerfile": MULTI, ".github/workflows/test.yml": tests_only})
    assert result.verdict.value == "fail"
    assert "build no images" in result.summary


def test_ci_pipeline_fail_app_without_any_ci(evaluate):
    script = "from flask import Flask\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run(port=5000)\n"
    result = evaluate("factor05.ci-pipeline", {"app.py": script, "requirements.txt": "flask==3.0.3\n"})
    assert result.verdict.value == "fail" and "no CI configuration" in result.summary
    assert (result.evidence[0].path, result.evidence[0].line, result.evidence[0].ok) == ("app.py", 5, False)


def test_ci_pipeline_na(evaluate):
    result = evaluate("factor05.ci-pipeline", {"app.py": "print('hi')\n"})
    assert result.verdict.value == "n/a"


# --------------------------------------------------------------------------- immutable-images


def test_immutable_images_pass(evaluate):
    result = evaluate("factor05.immutable-images", {"k8s/api.yaml": deployment("ghcr.io/acme/api:1.4.2")})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("k8s/api.yaml", 14, True)


def test_immutable_images_partial(evaluate):
    files = {"k8s/api.yaml": deployment("ghcr.io/acme/api:1.4.2"), "k8s/ui.yaml": deployment("ghcr.io/acme/ui:latest", name="ui")}
    result = evaluate("factor05.immutable-images", files)
    assert result.verdict.value == "partial"
    bad = _find(result, "mutable")
    assert (bad.path, bad.line, bad.ok) == ("k8s/ui.yaml", 14, False)
    assert "Deployment/ui: container ui image ghcr.io/acme/ui:latest" in bad.message


def test_immutable_images_fail_untagged(evaluate):
    result = evaluate("factor05.immutable-images", {"k8s/api.yaml": deployment("ghcr.io/acme/api")})
    assert result.verdict.value == "fail"
    assert result.evidence[0].line == 14


def test_immutable_images_compose_without_kubernetes(evaluate):
    compose = "services:\n  db:\n    image: postgres:latest\n  api:\n    build: .\n"
    result = evaluate("factor05.immutable-images", {"docker-compose.yml": compose})
    assert result.verdict.value == "fail"
    bad = _find(result, "mutable")
    assert (bad.path, bad.line) == ("docker-compose.yml", 3)


def test_immutable_images_na(evaluate):
    result = evaluate("factor05.immutable-images", {"app.py": "x = 1\n"})
    assert result.verdict.value == "n/a"


# --------------------------------------------------------------------------- release-versioning

TAG_VIA_ENV = """
on: push
env:
  IMAGE_TAG: ${{ github.sha }}
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - run: |
          docker build -t ghcr.io/acme/api:${IMAGE_TAG} .
          docker push ghcr.io/acme/api:${IMAGE_TAG}
"""
TAG_AND_LATEST = """
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - run: |
          docker build -t ghcr.io/acme/api:${{ github.run_number }} -t ghcr.io/acme/api:latest .
          docker push --all-tags ghcr.io/acme/api
"""
LATEST_ONLY = """
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - run: docker build -t ghcr.io/acme/api .
      - run: docker push ghcr.io/acme/api:latest
"""


def test_release_versioning_pass_through_variable(evaluate):
    result = evaluate("factor05.release-versioning", {".github/workflows/ci.yml": TAG_VIA_ENV})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == (".github/workflows/ci.yml", 9, True)
    assert "set at line 3" in ev.message


def test_release_versioning_pass_metadata_action(evaluate):
    workflow = """
    on: push
    jobs:
      image:
        runs-on: ubuntu-latest
        steps:
          - uses: docker/metadata-action@v5
            id: meta
            with:
              images: ghcr.io/acme/api
              tags: |
                type=sha
                type=semver,pattern={{version}}
          - uses: docker/build-push-action@v6
            with:
              push: true
              tags: ${{ steps.meta.outputs.tags }}
    """
    result = evaluate("factor05.release-versioning", {".github/workflows/ci.yml": workflow})
    assert result.verdict.value == "pass"
    assert [e.line for e in result.evidence if e.ok] == [11, 12]


def test_release_versioning_partial_unique_and_latest(evaluate):
    result = evaluate("factor05.release-versioning", {".github/workflows/ci.yml": TAG_AND_LATEST})
    assert result.verdict.value == "partial"
    bad = _find(result, "latest")
    assert (bad.line, bad.ok) == (7, False)


def test_release_versioning_fail_latest_only(evaluate):
    result = evaluate("factor05.release-versioning", {".github/workflows/ci.yml": LATEST_ONLY})
    assert result.verdict.value == "fail"
    assert {e.line for e in result.evidence} == {6, 7}


def test_release_versioning_na_without_push(evaluate):
    result = evaluate("factor05.release-versioning", {".github/workflows/ci.yml": GH_BUILD_ONLY})
    assert result.verdict.value == "n/a"


# --------------------------------------------------------------------------- rollback


def test_rollback_pass(evaluate):
    result = evaluate("factor05.rollback", {"k8s/api.yaml": deployment("ghcr.io/acme/api:1.4.2", "IfNotPresent")})
    assert result.verdict.value == "pass"
    assert "revisionHistoryLimit default 10" in result.evidence[0].message


def test_rollback_partial_pull_always(evaluate):
    result = evaluate("factor05.rollback", {"k8s/api.yaml": deployment("ghcr.io/acme/api:1.4.2", "Always")})
    assert result.verdict.value == "partial"
    ev = result.evidence[0]
    assert (ev.line, ev.ok) == (15, False) and "imagePullPolicy Always" in ev.message


def test_rollback_partial_no_history(evaluate):
    result = evaluate("factor05.rollback", {"k8s/api.yaml": deployment("ghcr.io/acme/api@sha256:" + "a" * 64, extra="\n  revisionHistoryLimit: 0")})
    assert result.verdict.value == "partial"
    assert result.evidence[0].line == 6


def test_rollback_fail_mutable_tag(evaluate):
    files = {"k8s/api.yaml": deployment("ghcr.io/acme/api:1.4.2"), "k8s/ui.yaml": deployment("ghcr.io/acme/ui:main", name="ui")}
    result = evaluate("factor05.rollback", files)
    assert result.verdict.value == "fail"
    bad = _find(result, "mutable")
    assert (bad.path, bad.line) == ("k8s/ui.yaml", 14)


def test_rollback_na_backing_services_only(evaluate):
    result = evaluate("factor05.rollback", {"k8s/redis.yaml": deployment("redis:latest", name="redis")})
    assert result.verdict.value == "n/a"


def test_rollback_names_the_environment_of_a_finding(evaluate):
    files = {
        "k8s/base/kustomization.yaml": "resources: [api.yaml]\n",
        "k8s/base/api.yaml": deployment("ghcr.io/acme/api:1.4.2", "IfNotPresent"),
        "k8s/overlays/dev/kustomization.yaml": "resources: [../../base]\n",
        "k8s/overlays/prod/kustomization.yaml": (
            "resources: [../../base]\n"
            "patches:\n"
            "  - target: {kind: Deployment, name: api}\n"
            "    patch: |\n"
            "      - op: replace\n"
            "        path: /spec/template/spec/containers/0/imagePullPolicy\n"
            "        value: Always\n"
        ),
    }
    result = evaluate("factor05.rollback", files)
    assert result.verdict.value == "partial"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.env) == ("k8s/base/api.yaml", 15, "prod")
    assert ev.message.endswith("(in prod)")


def test_ci_pipeline_pass_through_a_reusable_docker_build_workflow(evaluate):
    result = evaluate("factor05.ci-pipeline", {
        "vote/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\nCMD [\"python\", \"app.py\"]\n",
        ".github/workflows/call-docker-build-vote.yaml": """
            on:
              push:
                branches: [main]
            jobs:
              call-docker-build:
                uses: example-org/.github/.github/workflows/reusable-docker-build.yaml@main
                permissions:
                  contents: read
                  packages: write
                with:
                  context: vote
            """,
    })
    assert result.verdict.value == "pass"
    lines = {(e.path, e.line) for e in result.evidence if e.ok}
    assert (".github/workflows/call-docker-build-vote.yaml", 6) in lines
    assert (".github/workflows/call-docker-build-vote.yaml", 9) in lines
