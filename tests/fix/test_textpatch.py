"""Text patches on small repositories: applied to the file's text, never generated where ambiguous."""

from __future__ import annotations

from fixhelpers import change, kit_for
from manifests import SERVICE, deployment

from pytest_twelvefactor.fix.textpatch import logging as json_logging
from pytest_twelvefactor.fix.textpatch import timeouts


def _apply(kit, path: str, original: str) -> str:
    text = original
    for c in kit.changes:
        for edit in c.edits:
            if edit.path == path:
                text = edit.transform(text)
    return text


def test_timeout_added_to_calls_without_one(tmp_path):
    source = '''
    import requests


    def fetch(url):
        return requests.get(url, allow_redirects=True)


    def post(url):
        return requests.post(
            url,
            json={},
        )


    def ok(url):
        return requests.get(url, timeout=3)
    '''
    kit, audit = kit_for(tmp_path, {"app/client.py": source})
    text = _apply(kit, "app/client.py", audit.repo.text("app/client.py"))
    assert "requests.get(url, allow_redirects=True, timeout=10)" in text
    assert "        json={},\n        timeout=10,\n    )" in text
    assert "requests.get(url, timeout=3)" in text and text.count("timeout=10") == 2
    compile(text, "client.py", "exec")


def test_no_timeout_patch_when_all_calls_have_one(tmp_path):
    kit, _ = kit_for(tmp_path, {"app/client.py": "import requests\n\n\ndef f(u):\n    return requests.get(u, timeout=5)\n"})
    assert change(kit, "timeouts") is None


def test_timeout_transform_keeps_other_lines():
    text = "import httpx\nr = httpx.get('x')\n"
    assert timeouts._add_timeouts({2})(text) == "import httpx\nr = httpx.get('x', timeout=10)\n"


LOGGING = '''
import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.getLogger().addHandler(handler)
'''


def test_json_formatter_replaces_the_text_formatter():
    text = json_logging._to_json(LOGGING.lstrip("\n"))
    assert "class JsonFormatter(logging.Formatter):" in text and "import json" in text
    assert "handler.setFormatter(JsonFormatter(FORMAT))" in text
    namespace: dict = {}
    exec(compile(text, "log.py", "exec"), namespace)
    import logging
    record = logging.LogRecord("x", logging.INFO, "f", 1, "hello %s", ("you",), None)
    import json
    assert json.loads(namespace["JsonFormatter"](namespace["FORMAT"]).format(record))["message"] == "hello you"


def test_no_json_patch_without_a_formatter(tmp_path):
    kit, _ = kit_for(tmp_path, {"app/main.py": "print('hi')\n"})
    assert change(kit, "json-logs") is None


def test_requirements_pinned_from_installed_versions(tmp_path):
    import pytest as installed
    kit, audit = kit_for(tmp_path, {"requirements.txt": "pytest>=7  # tests\nno-such-package-xyz>=1\nrequests==2.32.3\n"})
    text = _apply(kit, "requirements.txt", audit.repo.text("requirements.txt"))
    assert f"pytest=={installed.__version__}  # tests" in text
    assert "no-such-package-xyz>=1" in text     # no version known: left alone, with a how-to
    assert any("no-such-package-xyz" in s.reason for s in kit.skipped)


def test_no_pin_when_the_installed_version_does_not_satisfy(tmp_path):
    kit, _ = kit_for(tmp_path, {"requirements.txt": "pytest>=999\nrequests==2.32.3\n"})
    assert change(kit, "pins") is None


def test_dockerfile_user_added_before_cmd(tmp_path):
    dockerfile = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "-m", "app", "--port", "8080"]\n'
    kit, audit = kit_for(tmp_path, {"Dockerfile": dockerfile})
    text = _apply(kit, "Dockerfile", dockerfile)
    lines = text.splitlines()
    assert lines.index("USER 10001:10001") == lines.index('CMD ["python", "-m", "app", "--port", "8080"]') - 1
    assert any(line.startswith("RUN groupadd --system --gid 10001 app") for line in lines)


def test_no_user_for_a_low_port_or_unknown_base(tmp_path):
    kit, _ = kit_for(tmp_path, {"Dockerfile": 'FROM python:3.12-slim\nEXPOSE 80\nCMD ["gunicorn", "-b", "0.0.0.0:80", "app:app"]\n'})
    assert change(kit, "dockerfile-user") is None
    kit, _ = kit_for(tmp_path / "b", {"Dockerfile": 'FROM gcr.io/distroless/python3\nCMD ["app.py"]\n'})
    assert change(kit, "dockerfile-user") is None


def test_exec_form_cmd(tmp_path):
    dockerfile = "FROM python:3.12-slim\nUSER 1001\nCMD python -m app\n"
    kit, audit = kit_for(tmp_path, {"Dockerfile": dockerfile, "k8s/deploy.yaml": deployment(1)})
    assert 'CMD ["python", "-m", "app"]' in _apply(kit, "Dockerfile", dockerfile)


def test_no_exec_form_for_shell_syntax(tmp_path):
    dockerfile = "FROM python:3.12-slim\nUSER 1001\nCMD python -m app --port $PORT\n"
    kit, _ = kit_for(tmp_path, {"Dockerfile": dockerfile, "k8s/deploy.yaml": deployment(1)})
    assert change(kit, "dockerfile-exec") is None


WORKFLOW = """
name: build
on: {push: {branches: [main]}}
env:
  IMAGE: registry.example.com/web
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Build and push
        uses: docker/build-push-action@v6
        with:
          push: true
          tags: |
            ${{ env.IMAGE }}:${{ github.sha }}
"""


def test_image_scan_step_after_the_build(tmp_path):
    kit, audit = kit_for(tmp_path, {".github/workflows/build.yml": WORKFLOW, "Dockerfile": "FROM python:3.12-slim\nUSER 1001\n"})
    text = _apply(kit, ".github/workflows/build.yml", audit.repo.text(".github/workflows/build.yml"))
    assert "      - name: Scan the image (Trivy)\n        uses: aquasecurity/trivy-action@" in text
    assert "image-ref: ${{ env.IMAGE }}:${{ github.sha }}" in text


def test_no_image_scan_without_a_pushed_image(tmp_path):
    workflow = "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"
    kit, _ = kit_for(tmp_path, {".github/workflows/ci.yml": workflow, "Dockerfile": "FROM python:3.12-slim\nUSER 1001\n"})
    assert change(kit, "image-scan") is None


def test_no_servicemonitor_without_a_metrics_endpoint(tmp_path):
    kit, _ = kit_for(tmp_path, {"k8s/deploy.yaml": deployment(1), "k8s/svc.yaml": SERVICE, "app/main.py": "print('x')\n"})
    assert change(kit, "servicemonitor") is None and change(kit, "metrics") is None


def test_no_image_tag_change_without_a_ci_deploy(tmp_path):
    kit, _ = kit_for(tmp_path, {"k8s/deploy.yaml": deployment(1).replace("web:1.2.3", "web:latest")})
    assert change(kit, "image-tags") is None
