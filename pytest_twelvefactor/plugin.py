"""pytest entry point (``pytest11``): options, markers and user fixtures only.

Everything else is registered from ``pytest_configure`` when
``--twelvefactor`` is given, so a test run without it pays for one module
import and a handful of option definitions, nothing more.
"""

from __future__ import annotations

from pathlib import Path

import pytest

AREAS = (
    ("factor01", "Factor 1 - Codebase"),
    ("factor02", "Factor 2 - Dependencies"),
    ("factor03", "Factor 3 - Config"),
    ("factor04", "Factor 4 - Backing services"),
    ("factor05", "Factor 5 - Build, release, run"),
    ("factor06", "Factor 6 - Processes"),
    ("factor07", "Factor 7 - Port binding"),
    ("factor08", "Factor 8 - Concurrency"),
    ("factor09", "Factor 9 - Disposability"),
    ("factor10", "Factor 10 - Dev/prod parity"),
    ("factor11", "Factor 11 - Logs"),
    ("factor12", "Factor 12 - Admin processes"),
    ("containerization", "Cloud Native - Containerization"),
    ("orchestration", "Cloud Native - Orchestration"),
    ("observability", "Cloud Native - Observability"),
    ("resilience", "Cloud Native - Resilience"),
    ("scalability", "Cloud Native - Scalability"),
    ("security", "Cloud Native - Security"),
    ("cicd", "Cloud Native - CI/CD & GitOps"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("twelvefactor", "12-Factor / Cloud Native audit")
    group.addoption("--twelvefactor", action="store_true", default=False,
                    help="audit the repository against the 12-Factor / Cloud Native checklist (one test per item)")
    group.addoption("--twelvefactor-only", action="store_true", default=None,
                    help="run only the audit; do not collect the repository's own tests")
    group.addoption("--twelvefactor-root", metavar="DIR", action="append", default=None,
                    help="the tree to audit (default: pytest's rootdir); repeat it to audit several trees as a fleet")
    group.addoption("--twelvefactor-json", metavar="PATH", default=None,
                    help="write the audit result as JSON (schema in docs/json-schema.md)")
    group.addoption("--twelvefactor-md", metavar="PATH", default=None,
                    help="write the audit report as Markdown in the seed report's structure")
    group.addoption("--twelvefactor-sarif", metavar="PATH", default=None,
                    help="write findings as SARIF 2.1.0 (GitHub code scanning)")
    group.addoption("--twelvefactor-lang", metavar="LANG", default=None,
                    help="language of the summary and reports: en (default) or ko")
    group.addoption("--twelvefactor-baseline", metavar="PATH", default=None,
                    help="a JSON result of an earlier run: show Before / After / change")
    group.addoption("--twelvefactor-strict", action="store_true", default=None,
                    help="partial verdicts fail the run")
    group.addoption("--twelvefactor-fail-under", metavar="PERCENT", type=float, default=None,
                    help="fail the run when the overall score (mean of 12-Factor and Cloud Native) is below PERCENT")
    group.addoption("--twelvefactor-no-inline-waivers", dest="twelvefactor_inline_waivers", action="store_false", default=None,
                    help="ignore waivers written in the audited files (annotations, comments); only configured ones apply")
    group.addoption("--twelvefactor-no-render", dest="twelvefactor_render", action="store_false", default=None,
                    help="do not run kubectl/kustomize to render overlays; read kustomizations directly")
    # Remediation kit (docs/remediation.md): generated at the end of the run, never into the audited tree.
    group.addoption("--twelvefactor-fix", metavar="DIR", default=None,
                    help="write a remediation kit for the failing and partial items into DIR (outside the audited tree): "
                         "a Kustomize component or manifests, unified diffs and a README with decisions and gains")
    group.addoption("--twelvefactor-fix-preview", action="store_true", default=False,
                    help="audit a temporary copy of the tree with the kit applied and print Before / After / change")
    # Runtime evidence (docs/runtime.md): off, and testinfra not imported by this plugin, without --twelvefactor-host.
    group.addoption("--twelvefactor-host", metavar="SPEC", default=None,
                    help="verify the runtime items on a running system through this testinfra host "
                         "(local://, ssh://user@host, docker://container, podman://…, kubectl://pod?namespace=…&container=…)")
    group.addoption("--twelvefactor-process", metavar="REGEX", default=None,
                    help="regex matched against process command lines to find the app's processes "
                         "(default: the programs the static model runs, e.g. uvicorn, celery)")
    group.addoption("--twelvefactor-health-url", metavar="URL", default=None,
                    help="health URL called on the host (default: http://127.0.0.1:<declared port><health route>)")
    group.addoption("--twelvefactor-disruptive", action="store_true", default=None,
                    help="consent to disruptive runtime probes: SIGTERM to the app's main processes (SIGKILL after "
                         "the grace period) and, with --twelvefactor-start-cmd, a timed start")
    group.addoption("--twelvefactor-start-cmd", metavar="CMD", default=None,
                    help="shell command that starts the app on the host, for timing start-up to a ready health route")
    group.addoption("--twelvefactor-startup-budget", metavar="SECONDS", type=float, default=None,
                    help="start-up longer than this is slow (default 30)")
    group.addoption("--twelvefactor-grace-period", metavar="SECONDS", type=float, default=None,
                    help="override the grace period a SIGTERM must fit in (default: terminationGracePeriodSeconds, "
                         "compose stop_grace_period, else 30)")


def pytest_addhooks(pluginmanager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "twelvefactor(item=None, title=None, weight=1): an audit item; on an ordinary test with item='<area>.<slug>' "
        "and an area marker, the test's outcome counts in that area's score",
    )
    for area, title in AREAS:
        config.addinivalue_line("markers", f"{area}: {title} audit items")
    if config.getoption("twelvefactor"):
        from .pytest_glue import AuditPlugin

        config.pluginmanager.register(AuditPlugin(config), AuditPlugin.name)


def audit_roots(config: pytest.Config) -> list[Path]:
    roots = config.getoption("twelvefactor_root", None)
    return [Path(root).resolve() for root in roots] if roots else [Path(config.rootpath)]


@pytest.fixture(scope="session")
def twelvefactor_audit(pytestconfig):
    """The audit of the repository (evaluations cached for the session)."""
    plugin = pytestconfig.pluginmanager.get_plugin("twelvefactor-audit")
    if plugin is not None:
        return plugin.audit
    from .audit import Audit

    return Audit(audit_roots(pytestconfig)[0])


@pytest.fixture(scope="session")
def twelvefactor_repo(twelvefactor_audit):
    """The repository model: discovery, parsed manifests, containers, deps, source, CI."""
    return twelvefactor_audit.repo


@pytest.fixture(scope="session")
def twelvefactor_manifests(twelvefactor_repo):
    """The Kubernetes model: environments, workloads and objects with their source lines."""
    return twelvefactor_repo.kubernetes


@pytest.fixture(scope="session")
def twelvefactor_workloads(twelvefactor_repo):
    """Workloads of the judged deployment, one per source object, with per-environment variants."""
    return twelvefactor_repo.kubernetes.workloads


@pytest.fixture(scope="session")
def twelvefactor_dockerfiles(twelvefactor_repo):
    """Parsed Dockerfiles (stages, instructions with line numbers)."""
    return twelvefactor_repo.containers.dockerfiles


@pytest.fixture(scope="session")
def twelvefactor_compose(twelvefactor_repo):
    """Parsed compose files and their services."""
    return twelvefactor_repo.containers.compose_files


@pytest.fixture(scope="session")
def twelvefactor_dependencies(twelvefactor_repo):
    """Dependency declarations, lock files and package-index configuration."""
    return twelvefactor_repo.dependencies


@pytest.fixture(scope="session")
def twelvefactor_python(twelvefactor_repo):
    """Facts extracted from Python source with ``ast`` (never imported)."""
    return twelvefactor_repo.python


@pytest.fixture(scope="session")
def twelvefactor_ci(twelvefactor_repo):
    """CI pipelines: triggers, jobs, environments and steps."""
    return twelvefactor_repo.ci
