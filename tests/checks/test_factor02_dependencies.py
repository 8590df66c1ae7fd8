"""Factor 2 — Dependencies evaluators: every verdict each can give."""

from __future__ import annotations


def _find(result, fragment):
    return next(e for e in result.evidence if fragment in e.message)


# --------------------------------------------------------------------------- declared


def test_declared_pass(evaluate):
    result = evaluate("factor02.declared", {
        "Dockerfile": "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        "requirements.txt": "requests==2.32.3\n",
        "app/main.py": "import requests\n",
    })
    assert result.verdict.value == "pass"
    assert (result.evidence[0].path, result.evidence[0].ok) == ("requirements.txt", True)
    copy = _find(result, "COPY requirements.txt")
    assert (copy.path, copy.line, copy.ok) == ("Dockerfile", 2, None)


def test_declared_partial_one_root_without_manifest(evaluate):
    result = evaluate("factor02.declared", {
        "svc-a/requirements.txt": "requests==2.32.3\n",
        "svc-a/app.py": "import requests\n",
        "svc-b/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n",
        "svc-b/main.py": "import os\nimport yaml\n",
    })
    assert result.verdict.value == "partial"
    ev = _find(result, "svc-b")
    assert (ev.path, ev.line, ev.ok) == ("svc-b/main.py", 2, False)
    assert "imports yaml" in ev.message


def test_declared_dotnet_project_file_is_a_manifest(evaluate):
    result = evaluate("factor02.declared", {
        "worker/Dockerfile": "FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY *.csproj .\nRUN dotnet restore\n",
        "worker/Worker.csproj": '<Project Sdk="Microsoft.NET.Sdk">\n  <ItemGroup>\n    <PackageReference Include="Npgsql" Version="8.0.3" />\n  </ItemGroup>\n</Project>\n',
        "worker/Program.cs": "class Program { static void Main() {} }\n",
    })
    assert result.verdict.value == "pass"
    assert (result.evidence[0].path, result.evidence[0].ok) == ("worker/Worker.csproj", True)


def test_declared_fail_no_manifest(evaluate):
    result = evaluate("factor02.declared", {"main.py": "import flask\n"})
    assert result.verdict.value == "fail"
    assert (result.evidence[0].path, result.evidence[0].line) == ("main.py", 1)


def test_declared_stdlib_only_needs_no_manifest(evaluate):
    result = evaluate("factor02.declared", {"main.py": "import json\nimport os\n"})
    assert result.verdict.value == "pass"
    assert "standard library only" in result.evidence[0].message


def test_declared_na_without_code(evaluate):
    assert evaluate("factor02.declared", {"README.md": "hello\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- pinned


def test_pinned_pass(evaluate):
    result = evaluate("factor02.pinned", {"requirements.txt": "fastapi==0.115.6\nuvicorn[standard]==0.32.1\n"})
    assert result.verdict.value == "pass"
    assert _find(result, "2 of 2 requirements pinned").ok is True


def test_pinned_package_json_lock_evidence_spells_dependencies(evaluate):
    result = evaluate("factor02.pinned", {
        "web/package.json": '{"dependencies": {"express": "^4.19.2", "pg": "^8.12.0"}}\n',
        "web/package-lock.json": "{}\n",
    })
    assert result.verdict.value == "pass"
    assert "2 dependencies locked by web/package-lock.json" in result.evidence[0].message


def test_pinned_workspace_member_locked_by_root_bun_lock(evaluate):
    result = evaluate("factor02.pinned", {
        "package.json": '{"private": true, "workspaces": ["web"]}\n',
        "web/package.json": '{"dependencies": {"react": "^19.1.0", "zod": "^4.0.0"}}\n',
        "bun.lock": '{"lockfileVersion": 1}\n',
    })
    assert result.verdict.value == "pass"
    assert "2 dependencies locked by bun.lock" in [e.message for e in result.evidence if e.path == "web/package.json"][0]


def test_pinned_pass_with_lock_file(evaluate):
    result = evaluate("factor02.pinned", {
        "pyproject.toml": '[project]\nname = "x"\nversion = "1"\ndependencies = ["fastapi>=0.100"]\n',
        "uv.lock": 'version = 1\n[[package]]\nname = "fastapi"\nversion = "0.115.6"\n',
    })
    assert result.verdict.value == "pass"
    assert "locked by uv.lock" in result.evidence[0].message


def test_pinned_partial_lists_unpinned_lines(evaluate):
    result = evaluate("factor02.pinned", {
        "requirements.txt": "# runtime\nfastapi==0.115.6\nJinja2>=3.1.4\nhttpx==0.28.1\n",
        "requirements-dev.txt": "pytest\n",
    })
    assert result.verdict.value == "partial"
    ev = _find(result, "jinja2 not pinned")
    assert (ev.path, ev.line, ev.ok) == ("requirements.txt", 3, False)
    assert ">=3.1.4" in ev.message
    dev = _find(result, "requirements-dev.txt")
    assert dev.ok is None and "not judged" in dev.message


def test_pinned_fail_most_unpinned(evaluate):
    result = evaluate("factor02.pinned", {"requirements.txt": "fastapi\nrequests>=2\nhttpx==0.28.1\n"})
    assert result.verdict.value == "fail"
    ev = _find(result, "fastapi not pinned")
    assert (ev.line, ev.ok) == (1, False) and "(no version)" in ev.message


def test_pinned_na_without_manifests(evaluate):
    assert evaluate("factor02.pinned", {"main.py": "print(1)\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- system-deps

APT = "FROM python:3.12-slim\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends {pkgs} \\\n    && rm -rf /var/lib/apt/lists/*\n"


def test_system_deps_pass_pinned(evaluate):
    result = evaluate("factor02.system-deps", {"Dockerfile": APT.format(pkgs="libpq5=15.8-0+deb12u1")})
    assert result.verdict.value == "pass"
    ev = result.evidence[0]
    assert (ev.path, ev.line, ev.ok) == ("Dockerfile", 2, True)
    assert "pinned to 15.8-0+deb12u1" in ev.message


def test_system_deps_pass_documented(evaluate):
    result = evaluate("factor02.system-deps", {
        "Dockerfile": APT.format(pkgs="libpq5"),
        "README.md": "## System packages\n- libpq5 (PostgreSQL client library)\n",
    })
    assert result.verdict.value == "pass"
    assert "documented in README/docs" in result.evidence[0].message


def test_system_deps_partial_neither(evaluate):
    result = evaluate("factor02.system-deps", {"Dockerfile": APT.format(pkgs="build-essential libpq-dev")})
    assert result.verdict.value == "partial"
    ev = _find(result, "libpq-dev")
    assert (ev.path, ev.line, ev.ok) == ("Dockerfile", 2, False)
    assert "not version-pinned" in ev.message


def test_system_deps_inside_a_heredoc_run(evaluate):
    dockerfile = "FROM python:3.12-slim\nRUN <<EOF\nset -eux\napt-get update\napt-get install -y \\\n    libpq-dev\nEOF\n"
    result = evaluate("factor02.system-deps", {"Dockerfile": dockerfile})
    assert result.verdict.value == "partial"
    ev = _find(result, "libpq-dev")
    assert (ev.path, ev.line, ev.ok) == ("Dockerfile", 5, False)


def test_system_deps_na_nothing_installed(evaluate):
    result = evaluate("factor02.system-deps", {"Dockerfile": "FROM python:3.12-slim\nRUN pip install -r requirements.txt\n"})
    assert result.verdict.value == "n/a"


# --------------------------------------------------------------------------- package-index


def test_package_index_pass_clean(evaluate):
    result = evaluate("factor02.package-index", {"pip.conf": "[global]\nindex-url = https://pkgs.example.com/simple/\n"})
    assert result.verdict.value == "pass"
    assert (result.evidence[0].path, result.evidence[0].line) == ("pip.conf", 2)


def test_package_index_pass_env_reference(evaluate):
    result = evaluate("factor02.package-index", {
        "requirements.txt": "--extra-index-url https://${PIP_USER}:${PIP_TOKEN}@pkgs.example.com/simple\nrequests==2.32.3\n",
    })
    assert result.verdict.value == "pass"


def test_package_index_fail_credentials(evaluate):
    result = evaluate("factor02.package-index", {
        "pip.conf": "[global]\nindex-url = https://build:s3cr3tPAT@pkgs.example.com/simple/\n",
        "Dockerfile": "FROM python:3.12-slim\nRUN pip install --index-url https://ci:hunter2pass@pkgs.example.com/simple flask\n",
    })
    assert result.verdict.value == "fail"
    ev = _find(result, "pip.conf: index")
    assert (ev.path, ev.line, ev.ok) == ("pip.conf", 2, False)
    docker = _find(result, "Dockerfile: RUN index")
    assert (docker.line, docker.ok) == (2, False)
    for e in result.evidence:
        assert "s3cr3tPAT" not in e.message and "hunter2pass" not in e.message


def test_package_index_na(evaluate):
    assert evaluate("factor02.package-index", {"requirements.txt": "requests==2.32.3\n"}).verdict.value == "n/a"


# --------------------------------------------------------------------------- isolation


def test_isolation_pass_mapped_names(evaluate):
    result = evaluate("factor02.isolation", {
        "requirements.txt": "PyYAML==6.0.2\nPyJWT==2.10.1\nprometheus-fastapi-instrumentator==7.0.0\nfastapi==0.115.6\n",
        "app/main.py": "import os\nimport yaml\nimport jwt\nfrom prometheus_fastapi_instrumentator import Instrumentator\nfrom starlette.responses import Response\nfrom app import util\n",
        "app/util.py": "X = 1\n",
        "Dockerfile": "FROM python:3.12-slim\nRUN pip install --no-cache-dir -r requirements.txt\n",
    })
    assert result.verdict.value == "pass"
    ev = _find(result, "prometheus_fastapi_instrumentator imported")
    assert (ev.path, ev.line, ev.ok) == ("app/main.py", 4, True)
    assert "requirements.txt:3" in ev.message
    assert "provided by declared fastapi" in _find(result, "starlette").message


def test_isolation_partial_undeclared_import(evaluate):
    result = evaluate("factor02.isolation", {
        "requirements.txt": "fastapi==0.115.6\n",
        "app/main.py": "import fastapi\nimport redis\n",
    })
    assert result.verdict.value == "partial"
    ev = _find(result, "redis imported")
    assert (ev.path, ev.line, ev.ok) == ("app/main.py", 2, False)


def test_isolation_namespace_sub_packages_and_mapped_names(evaluate):
    result = evaluate("factor02.isolation", {
        "requirements.txt": "celery-redbeat==2.2.0\nopentelemetry-api==1.26.0\n",
        "app/main.py": "from opentelemetry import trace\nfrom opentelemetry._logs import set_logger_provider\nfrom redbeat import RedBeatScheduler\n",
    })
    assert result.verdict.value == "pass"
    assert "declared as opentelemetry-api" in _find(result, "opentelemetry.trace imported").message
    assert _find(result, "opentelemetry._logs imported").ok is True
    assert "declared as celery-redbeat" in _find(result, "redbeat imported").message


def test_isolation_namespace_sub_package_still_needs_its_distribution(evaluate):
    result = evaluate("factor02.isolation", {
        "requirements.txt": "opentelemetry-api==1.26.0\n",
        "app/main.py": "from google import genai\n",
    })
    assert result.verdict.value == "partial"
    assert (_find(result, "google.genai imported").line, _find(result, "google.genai imported").ok) == (1, False)


def test_isolation_partial_adhoc_installs(evaluate):
    result = evaluate("factor02.isolation", {
        "requirements.txt": "fastapi==0.115.6\n",
        "app/main.py": "import fastapi\n",
        "Dockerfile": "FROM python:3.12-slim\nRUN pip install --upgrade pip && pip install gunicorn==22.0.0\nRUN curl -sSL https://install.example.com | sh\n",
    })
    assert result.verdict.value == "partial"
    pip = _find(result, "ad-hoc pip install")
    assert (pip.path, pip.line, pip.ok) == ("Dockerfile", 2, False)
    assert "gunicorn" in pip.message and "pip," not in pip.message
    assert _find(result, "pipes a download").line == 3


def test_isolation_na(evaluate):
    assert evaluate("factor02.isolation", {"main.py": "import json\n"}).verdict.value == "n/a"
