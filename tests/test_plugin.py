"""The plugin as users run it: collection, selection, outcomes, JSON, JUnit, config."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from pytest_twelvefactor.catalog import load_catalog

pytest_plugins = ["pytester"]

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:latest
"""


@pytest.fixture
def app_repo(pytester):
    pytester.makefile(".yaml", **{"k8s/deployment": DEPLOYMENT})
    pytester.makepyfile(test_own="def test_own():\n    assert True\n")
    return pytester


def run_audit(pytester, *args):
    return pytester.runpytest("--twelvefactor", "-p", "no:cacheprovider", *args)


def test_without_flag_nothing_is_collected(app_repo):
    result = app_repo.runpytest("--co", "-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["test_own.py::test_own", "1 test collected*"])
    assert "twelvefactor::" not in result.stdout.str()


def test_one_test_per_item_with_node_ids(app_repo):
    result = run_audit(app_repo, "--co", "-q")
    lines = [l for l in result.stdout.lines if l.startswith("twelvefactor::")]
    catalog = load_catalog()
    assert len(catalog.items) == 98
    assert lines == [item.nodeid for item in catalog.items]
    assert "test_own.py::test_own" in result.stdout.str()


def test_only_skips_the_repositorys_own_tests(app_repo):
    result = run_audit(app_repo, "--co", "-q", "--twelvefactor-only")
    assert "test_own" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*98 tests collected*"])


def test_marker_selection_and_strict_markers(app_repo):
    result = run_audit(app_repo, "--co", "-q", "--twelvefactor-only", "-m", "factor11", "--strict-markers")
    lines = [l for l in result.stdout.lines if l.startswith("twelvefactor::")]
    assert lines == [i.nodeid for i in load_catalog().items_of("factor11")]
    result = run_audit(app_repo, "--co", "-q", "--twelvefactor-only", "-m", "security and not cicd")
    assert {l.split("::")[1] for l in result.stdout.lines if l.startswith("twelvefactor::")} == {"security"}


def test_keyword_selection(app_repo):
    result = run_audit(app_repo, "--co", "-q", "--twelvefactor-only", "-k", "immutable")
    assert [l for l in result.stdout.lines if l.startswith("twelvefactor::")] == ["twelvefactor::factor05::immutable-images"]


def test_verdicts_become_outcomes_and_json(app_repo):
    out = app_repo.path / "result.json"
    result = run_audit(app_repo, "--twelvefactor-only", "-m", "factor05", f"--twelvefactor-json={out}", "-rs")
    document = json.loads(out.read_text())
    items = {i["id"]: i for i in document["items"]}
    assert set(items) == {i.id for i in load_catalog().items_of("factor05")}
    immutable = items["factor05.immutable-images"]
    assert immutable["verdict"] == "fail"
    assert any(e["path"] == "k8s/deployment.yaml" for e in immutable["evidence"])
    assert document["schema_version"] == 1
    assert set(document["scores"]) >= {"areas", "twelve_factor", "cloud_native"}
    outcomes = result.parseoutcomes()
    counted = sum(outcomes.get(k, 0) for k in ("passed", "failed", "skipped", "partial"))
    assert counted == 5
    assert "FAIL: factor05.immutable-images" in result.stdout.str()
    assert "k8s/deployment.yaml:" in result.stdout.str()
    result.stdout.fnmatch_lines(["*twelvefactor audit*", "12-Factor App checklist", "  factor05 *0.0%*fail 2*n/a 3*"])


def test_junit_carries_scores_and_verdicts_valid_xunit2(app_repo):
    out = app_repo.path / "junit.xml"
    run_audit(app_repo, "--twelvefactor-only", "-m", "factor05", f"--junitxml={out}", "-o", "junit_family=xunit2")
    tree = ET.parse(out)
    suite = tree.getroot().find("testsuite")
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["twelvefactor.verdict.factor05.immutable-images"] == "fail"
    assert "twelvefactor.score.factor05" in props
    assert "twelvefactor.score.twelve_factor" in props
    assert not tree.getroot().findall(".//testcase/properties"), "per-testcase properties are invalid in xunit2"
    names = {tc.get("classname") + "." + tc.get("name") for tc in tree.getroot().iter("testcase")}
    assert "twelvefactor.factor05.immutable-images" in names


def test_waiver_and_expired_waiver(app_repo):
    app_repo.makepyprojecttoml(
        """
        [tool.twelvefactor.waive."factor05.immutable-images"]
        reason = "tags are rewritten by the release job"
        expires = "2999-01-01"
        [tool.twelvefactor.waive."factor05.rollback"]
        reason = "old decision"
        expires = "2001-01-01"
        """
    )
    out = app_repo.path / "r.json"
    result = run_audit(app_repo, "--twelvefactor-only", "-m", "factor05", f"--twelvefactor-json={out}", "-rs")
    items = {i["id"]: i for i in json.loads(out.read_text())["items"]}
    assert items["factor05.immutable-images"]["verdict"] == "waived"
    assert items["factor05.immutable-images"]["underlying_verdict"] == "fail"
    assert items["factor05.rollback"]["verdict"] == "fail"
    assert any("waiver expired on 2001-01-01" in e["message"] for e in items["factor05.rollback"]["evidence"])
    assert "tags are rewritten by the release job" in result.stdout.str()
    assert "Expired waiver: factor05.rollback" in result.stdout.str()


@pytest.mark.parametrize(
    "table, message",
    [
        ('[tool.twelvefactor]\nstrictt = true\n', "unknown key 'strictt'"),
        ('[tool.twelvefactor.waive."factor05.nope"]\nreason = "x"\n', "unknown item id 'factor05.nope'"),
        ('[tool.twelvefactor.waive."factor05.rollback"]\nexpires = "2030-01-01"\n', "needs a non-empty reason"),
        ('[tool.twelvefactor.waive."factor05.rollback"]\nreason = "x"\nexpires = "soon"\n', "not an ISO date"),
        ('[tool.twelvefactor.weights]\nfactor05 = -1\n', "weight must be a number >= 0"),
    ],
)
def test_invalid_configuration_is_a_usage_error(app_repo, table, message):
    (app_repo.path / "pyproject.toml").write_text(table)
    result = run_audit(app_repo, "--twelvefactor-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()
    assert "pyproject.toml" in result.stderr.str()
    assert "Traceback" not in result.stderr.str()


def test_root_option_reads_config_of_the_audited_tree(pytester):
    app = pytester.mkdir("app")
    (app / "k8s").mkdir()
    (app / "k8s" / "deployment.yaml").write_text(DEPLOYMENT)
    (app / "pyproject.toml").write_text('[tool.twelvefactor.waive."factor05.immutable-images"]\nreason = "r"\n')
    out = pytester.path / "r.json"
    run_audit(pytester, "--twelvefactor-only", "--twelvefactor-root", str(app), "-k", "immutable", f"--twelvefactor-json={out}")
    document = json.loads(out.read_text())
    assert document["root"] == str(app)
    assert document["items"][0]["verdict"] == "waived"


def test_bad_root_is_a_usage_error(pytester):
    result = run_audit(pytester, "--twelvefactor-root", str(pytester.path / "missing"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "is not a directory" in result.stderr.str()


def test_partial_status_and_strict(pytester):
    # one of two Deployments pinned: immutable-images is partial
    pytester.makefile(".yaml", **{"k8s/a": DEPLOYMENT, "k8s/b": DEPLOYMENT.replace("web", "api").replace(":latest", ":1.2.3")})
    result = run_audit(pytester, "--twelvefactor-only", "-k", "immutable-images", "-v")
    assert result.ret == 0
    assert re.search(r"immutable-images PARTIAL", result.stdout.str())
    assert result.parseoutcomes().get("partial") == 1
    result = run_audit(pytester, "--twelvefactor-only", "-k", "immutable-images", "--twelvefactor-strict")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "PARTIAL: factor05.immutable-images" in result.stdout.str()


def test_user_fixtures_work_in_ordinary_tests(app_repo):
    app_repo.makepyfile(
        test_mine="""
        def test_my_rule(twelvefactor_workloads, twelvefactor_manifests):
            assert [w.ref for w in twelvefactor_workloads] == ["Deployment/web"]
            assert twelvefactor_manifests.judged == "manifests"
        """
    )
    result = app_repo.runpytest("-p", "no:cacheprovider", "test_mine.py")
    result.assert_outcomes(passed=1)


def test_xdist_gives_the_same_result_as_a_serial_run(app_repo):
    serial, parallel = app_repo.path / "serial.json", app_repo.path / "parallel.json"
    run_audit(app_repo, "--twelvefactor-only", f"--twelvefactor-json={serial}")
    result = run_audit(app_repo, "--twelvefactor-only", "-n", "2", f"--twelvefactor-json={parallel}")
    assert "twelvefactor audit" in result.stdout.str()
    a, b = json.loads(serial.read_text()), json.loads(parallel.read_text())
    for document in (a, b):
        document.pop("timestamp")
    assert a == b
    assert len(a["items"]) == 98


def test_without_flag_nothing_heavy_is_imported(pytester):
    pytester.makeconftest(
        """
        import sys
        def pytest_sessionfinish(session):
            loaded = sorted(m for m in sys.modules if m.startswith("pytest_twelvefactor"))
            print("LOADED", loaded)
        """
    )
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "LOADED ['pytest_twelvefactor', 'pytest_twelvefactor.hookspecs', 'pytest_twelvefactor.plugin']" in result.stdout.str()


def test_last_failed_reruns_only_failing_items(app_repo):
    app_repo.runpytest("--twelvefactor", "--twelvefactor-only", "-m", "factor05")
    result = app_repo.runpytest("--twelvefactor", "--twelvefactor-only", "-m", "factor05", "--lf", "-q")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 2 and "passed" not in outcomes and "skipped" not in outcomes
