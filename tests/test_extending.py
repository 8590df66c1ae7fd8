"""The conftest_examples/ a team copies, run as a user runs them (docs/extending.md)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

EXAMPLES = Path(__file__).parent.parent / "conftest_examples"
FUTURE = "2030-06-30"  # the examples' not-yet-expired waivers


def future() -> str:
    """FUTURE, or a year from today once that date has passed (see example())."""
    today = dt.date.today()
    return FUTURE if today < dt.date.fromisoformat(FUTURE) else (today + dt.timedelta(days=365)).isoformat()


def example(pytester, name: str):
    """A copy of ``conftest_examples/<name>`` as the pytester directory (outside any git tree)."""
    shutil.copytree(EXAMPLES / name, pytester.path, dirs_exist_ok=True)
    if future() != FUTURE:  # keep "the future" in the future
        for path in pytester.path.rglob("*"):
            if path.is_file() and path.suffix in ("", ".toml", ".yaml") and FUTURE in path.read_text():
                path.write_text(path.read_text().replace(FUTURE, future()))
    return pytester


def audit(pytester, *args, subprocess=True):
    out = pytester.path / "audit.json"
    run = pytester.runpytest_subprocess if subprocess else pytester.runpytest
    result = run("--twelvefactor", "-p", "no:cacheprovider", f"--twelvefactor-json={out}", *args)
    return result, (json.loads(out.read_text()) if out.exists() else None)


def by_id(document) -> dict:
    return {item["id"]: item for item in document["items"]}


def outcomes(result) -> dict:
    return result.parseoutcomes()


def family_mean(document, family_areas, weights=None) -> float:
    weights = weights or {}
    scored = [(document["scores"]["areas"][a], weights.get(a, 1.0)) for a in family_areas
              if document["scores"]["areas"].get(a) is not None and weights.get(a, 1.0) > 0]
    return round(sum(p * w for p, w in scored) / sum(w for _, w in scored), 2)


FACTORS = [f"factor{n:02d}" for n in range(1, 13)]
CLOUD = ["containerization", "orchestration", "observability", "resilience", "scalability", "security", "cicd"]


# -- org-registry-rule: an organisation's own rule, an opted-in ordinary test ------------


def test_org_rule_is_a_test_with_node_id_and_area_marker(pytester):
    example(pytester, "org-registry-rule")
    result = pytester.runpytest_subprocess("--twelvefactor", "-p", "no:cacheprovider", "--co", "-q", "-m", "security",
                                           "--strict-markers")
    ids = [line for line in result.stdout.lines if line.startswith("twelvefactor::")]
    assert "twelvefactor::security::registry-images" in ids
    assert {i.split("::")[1] for i in ids} == {"security"}
    assert result.ret == 0


def test_org_rule_verdict_evidence_and_score(pytester):
    example(pytester, "org-registry-rule")
    result, doc = audit(pytester, "-k", "registry-images")
    assert outcomes(result) == {"partial": 1, "deselected": 99}
    result.stdout.fnmatch_lines(["*security*Security*50.0%*pass 0  partial 1  fail 0*"])
    item = by_id(doc)["security.registry-images"]
    assert item["verdict"] == "partial"
    assert item["summary"] == "3 of 4 images comply"
    assert item["title"] == "Images come from registry.example.com"
    assert [(e["path"], e["line"], e["message"], e["ok"]) for e in item["evidence"]] == [
        ("Dockerfile", 1, "FROM registry.example.com/base/python:3.12-slim comes from registry.example.com", True),
        ("Dockerfile", 6, "FROM registry.example.com/base/python:3.12-slim comes from registry.example.com", True),
        ("k8s/cache.yaml", 19, "Deployment/shop-cache: container redis image docker.io/library/redis:7.2 "
                               "is not from registry.example.com", False),
        ("k8s/web.yaml", 19, "Deployment/shop-web: container web image registry.example.com/shop/web:1.4.2 "
                             "comes from registry.example.com", True),
    ]
    assert doc["scores"]["areas"] == {"security": 50.0}


def test_opted_in_ordinary_test_counts_in_its_area(pytester):
    example(pytester, "org-registry-rule")
    result, doc = audit(pytester)
    assert result.ret == 1
    items = by_id(doc)
    assert len(items) == 100  # 98 built-in, the team's item, the opted-in test
    counted = items["factor05.semver-tags"]
    assert counted["verdict"] == "pass"
    assert counted["area"] == "factor05"
    assert counted["title"] == "App images carry a semantic-version tag"
    assert counted["evidence"] == [{
        "path": "tests/test_release_policy.py", "line": 8, "ok": True,
        "message": "test tests/test_release_policy.py::test_app_images_have_semver_tags",
    }]
    factor05 = [i for i in doc["items"] if i["area"] == "factor05"]
    assert doc["scores"]["counts"]["factor05"]["pass"] == sum(i["verdict"] == "pass" for i in factor05)
    credit = {"pass": 1.0, "partial": 0.5, "fail": 0.0}
    applicable = [i for i in factor05 if i["verdict"] in credit]
    assert doc["scores"]["areas"]["factor05"] == round(
        100 * sum(credit[i["verdict"]] for i in applicable) / len(applicable), 2)
    assert "factor05.semver-tags" in {i["id"] for i in applicable}


def test_opted_in_test_that_fails_fails_its_item(pytester):
    example(pytester, "org-registry-rule")
    web = pytester.path / "k8s" / "web.yaml"
    web.write_text(web.read_text().replace("shop/web:1.4.2", "shop/web:latest"))
    result, doc = audit(pytester, "-m", "factor05")
    item = by_id(doc)["factor05.semver-tags"]
    assert item["verdict"] == "fail"
    assert item["summary"] == ("tests/test_release_policy.py::test_app_images_have_semver_tags: AssertionError: images without "
                               "a semantic-version tag: [('Deployment/shop-web', 'registry.example.com/shop/web:latest')]")
    assert item["evidence"][0]["ok"] is False
    result.stdout.fnmatch_lines(["FAILED tests/test_release_policy.py::test_app_images_have_semver_tags*"])


def test_parametrized_opted_in_test_counts_its_worst_case(pytester):
    example(pytester, "org-registry-rule")
    pytester.makepyfile(test_probes="""
        import pytest

        @pytest.mark.factor09
        @pytest.mark.twelvefactor(item="factor09.probe-paths", title="Probes use /healthz")
        @pytest.mark.parametrize("name", ["shop-web", "shop-cache", "shop-admin"])
        def test_probe_path(twelvefactor_workloads, name):
            if name == "shop-admin":
                pytest.skip("not deployed yet")
            workload = next(w for w in twelvefactor_workloads if w.name == name)
            probe = workload.first.containers()[0].get("readinessProbe") or {}
            assert probe.get("httpGet", {}).get("path") == "/healthz"
    """)
    serial = audit(pytester, "test_probes.py", "-m", "factor09")[1]
    parallel = audit(pytester, "test_probes.py", "-m", "factor09", "-n", "2")[1]
    for doc in (serial, parallel):
        item = by_id(doc)["factor09.probe-paths"]
        assert item["verdict"] == "fail"
        assert item["summary"] == "test_probes.py::test_probe_path[shop-cache]: AssertionError: assert None == '/healthz'"
        assert [(e["message"], e.get("ok")) for e in item["evidence"]] == [
            ("test test_probes.py::test_probe_path[shop-admin]", None),  # skipped: neither for nor against
            ("test test_probes.py::test_probe_path[shop-cache]", False),
            ("test test_probes.py::test_probe_path[shop-web]", True),
        ]
    assert by_id(serial)["factor09.probe-paths"] == by_id(parallel)["factor09.probe-paths"]


def test_team_item_can_be_waived_and_weighted_in_pyproject(pytester):
    example(pytester, "org-registry-rule")
    with open(pytester.path / "pyproject.toml", "a") as handle:
        handle.write('\n[tool.twelvefactor.waive."security.registry-images"]\n'
                     'target = "Deployment/shop-cache"\nreason = "mirroring redis is OPS-77"\n'
                     '\n[tool.twelvefactor.weights]\n"security.registry-images" = 2\n')
    _, doc = audit(pytester, "-k", "registry-images")
    item = by_id(doc)["security.registry-images"]
    assert (item["verdict"], item["summary"], item["weight"]) == ("pass", "passes with 1 waived finding", 2.0)
    assert item["underlying_verdict"] == "partial"


def test_optionalhook_keeps_the_conftest_working_without_the_plugin(pytester):
    example(pytester, "org-registry-rule")
    pytester.makepyfile(test_unit="def test_unit():\n    assert True\n")
    result = pytester.runpytest_subprocess("-p", "no:twelvefactor", "-p", "no:cacheprovider", "test_unit.py")
    result.assert_outcomes(passed=1)


def test_without_optionalhook_a_disabled_plugin_breaks_the_conftest(pytester):
    example(pytester, "org-registry-rule")
    conftest = pytester.path / "conftest.py"
    conftest.write_text(conftest.read_text().replace("@pytest.hookimpl(optionalhook=True)\n", ""))
    pytester.makepyfile(test_unit="def test_unit():\n    assert True\n")
    assert pytester.runpytest_subprocess("--twelvefactor", "-p", "no:cacheprovider", "--co", "-q").ret == 0
    result = pytester.runpytest_subprocess("-p", "no:twelvefactor", "-p", "no:cacheprovider", "test_unit.py")
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    assert "PluginValidationError: unknown hook 'pytest_twelvefactor_items'" in result.stdout.str() + result.stderr.str()


# -- team-policy: weights, severities, thresholds, essential items ----------------------------


def test_team_policy_weights_severity_and_gate_failure(pytester):
    example(pytester, "team-policy")
    result, doc = audit(pytester, "--twelvefactor-only")
    assert result.ret == 1
    items = by_id(doc)
    assert items["security.network-policy"]["weight"] == 3.0
    assert items["observability.alerting"]["weight"] == 0.0
    assert doc["settings"]["area_weights"] == {"security": 2.0, "cicd": 0.5}
    assert doc["scores"]["cloud_native"] == family_mean(doc, CLOUD, {"security": 2.0, "cicd": 0.5})
    assert doc["scores"]["twelve_factor"] == family_mean(doc, FACTORS)
    staging = next(e for e in doc["roadmap"] if "factor10.staging" in e["items"])
    assert staging["severity"] == "low"
    security = doc["scores"]["areas"]["security"]
    assert security < 60
    result.stdout.fnmatch_lines([
        f"GATE FAILED: security score {security:.2f}% is below the required 60% (short by {60 - security:.2f} points)",
        "GATE FAILED: essential item security.non-root is fail: none of 1 workloads comply",
        "GATE FAILED: essential item containerization.non-root is fail: none of 1 Dockerfiles comply",
    ])
    assert "essential item factor03.secrets" not in result.stdout.str()  # it passes


def test_team_policy_gate_alone_fails_a_run_without_failed_tests(pytester):
    example(pytester, "team-policy")
    result, doc = audit(pytester, "--twelvefactor-only", "-k", "secrets-management")
    assert outcomes(result) == {"partial": 1, "deselected": 97}
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "GATE FAILED: security score 50.00% is below the required 60% (short by 10.00 points)",
        "GATE FAILED: essential item security.secrets-management is partial: "
        "Kubernetes Secrets only, no external secret store",
    ])


# -- waivers -------------------------------------------------------------------------------


def test_waivers_config_inline_expired_future_unused(pytester):
    example(pytester, "waivers")
    result, doc = audit(pytester, "--twelvefactor-only")
    items = by_id(doc)

    staging = items["factor10.staging"]  # whole item, expires in the future, with an owner
    assert (staging["verdict"], staging["underlying_verdict"]) == ("waived", "fail")
    assert staging["summary"] == ("waived: dev and prd only until the reporting volume justifies a staging cluster, "
                                  f"owner platform-team, expires {future()}")

    pdb = items["orchestration.pdb"]  # expired: the real verdict is back, with a note
    assert pdb["verdict"] == "fail" and "waiver" not in pdb
    assert pdb["evidence"][-1]["message"] == ("waiver expired on 2024-12-31 and no longer applies: "
                                              "PodDisruptionBudgets come with the move to the new cluster")
    result.stdout.fnmatch_lines(["Expired waiver: orchestration.pdb expired on 2024-12-31 and no longer applies"])

    resources = items["orchestration.resources"]  # target Kind/name
    assert (resources["verdict"], resources["summary"]) == ("pass", "passes with 1 waived finding")
    assert resources["waiver"]["targets"][0]["target"] == "Deployment/legacy-exporter"

    non_root = items["security.non-root"]  # target Kind/name/container
    assert (non_root["verdict"], non_root["underlying_verdict"]) == ("pass", "partial")
    assert non_root["evidence"][0]["message"].startswith("Deployment/reports-api: container pdf-renderer:")
    assert non_root["evidence"][0]["message"].endswith("(waived: the renderer image runs LibreOffice as root; tracked in OPS-1234)")

    aggregation = items["factor11.aggregation"]  # path glob
    assert aggregation["verdict"] == "waived"
    assert aggregation["waiver"]["targets"][0]["target"] == "src/reports/legacy/**"

    liveness = items["observability.liveness"]  # Kubernetes annotation
    assert (liveness["verdict"], liveness["underlying_verdict"]) == ("pass", "partial")
    assert liveness["waiver"]["targets"] == [{
        "item": "observability.liveness", "reason": "no HTTP server, the exporter exits on failure and is restarted",
        "source": "k8s/exporter.yaml", "target": "Deployment/legacy-exporter", "line": 8,
    }]

    base = items["containerization.minimal-base"]  # Dockerfile comment with an expiry
    assert (base["verdict"], base["underlying_verdict"]) == ("waived", "partial")
    assert base["waiver"]["targets"] == [{
        "item": "containerization.minimal-base", "reason": "the PDF export needs LibreOffice from full Debian",
        "source": "Dockerfile", "target": "Dockerfile", "line": 1, "expires": future(),
    }]

    result.stdout.fnmatch_lines([
        "Unused waiver: containerization.security-context for Deployment/batch-importer (pyproject.toml) changed nothing*",
    ])
    assert result.stdout.str().count("Unused waiver:") == 1


def test_waivers_inline_ones_can_be_switched_off(pytester):
    example(pytester, "waivers")
    _, doc = audit(pytester, "--twelvefactor-only", "--twelvefactor-no-inline-waivers",
                   "-k", "liveness or minimal-base or non-root")
    items = by_id(doc)
    assert items["observability.liveness"]["verdict"] == "partial"
    assert items["containerization.minimal-base"]["verdict"] == "partial"
    assert items["security.non-root"]["verdict"] == "pass"  # configured waivers still apply


# -- team-area: an area of the team's own and every hook ----------------------------------------


def test_team_area_marker_selects_the_team_items(pytester):
    example(pytester, "team-area")
    result = pytester.runpytest_subprocess("--twelvefactor", "-p", "no:cacheprovider", "--co", "-q", "-m", "finops",
                                           "--strict-markers")
    assert [line for line in result.stdout.lines if line.startswith("twelvefactor::")] == [
        "twelvefactor::finops::cost-labels", "twelvefactor::finops::requests-set", "twelvefactor::finops::cost-estimate",
    ]
    result = pytester.runpytest_subprocess("--twelvefactor", "-p", "no:cacheprovider", "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.finops: FinOps - cost ownership (team area) audit items"])


def test_team_area_scored_outside_the_family_means_with_every_hook(pytester):
    example(pytester, "team-area")
    md, sarif = pytester.path / "audit.md", pytester.path / "audit.sarif"
    result, doc = audit(pytester, "--twelvefactor-only", f"--twelvefactor-md={md}", f"--twelvefactor-sarif={sarif}")
    items = by_id(doc)
    labels = items["finops.cost-labels"]
    assert (labels["verdict"], labels["summary"], labels["weight"]) == ("partial", "1 of 2 workloads comply", 2.0)
    assert labels["evidence"][1] == {"path": "k8s/worker.yaml", "line": 5,
                                     "message": "Deployment/payments-worker: missing cost-center label", "ok": False}
    requests = items["finops.requests-set"]
    assert (requests["verdict"], requests["summary"]) == ("partial", "1 of 2 containers comply")
    estimate = items["finops.cost-estimate"]  # reads the `infracost` file kind
    assert (estimate["verdict"], estimate["weight"]) == ("pass", 0.5)
    assert estimate["evidence"] == [{"path": "infracost.yml", "line": 3, "message": "Infracost project k8s", "ok": True}]

    assert items["orchestration.resources"]["weight"] == 0.5  # pytest_twelvefactor_modify_result
    assert doc["scores"]["areas"]["finops"] == 57.14  # (2×0.5 + 1×0.5 + 0.5×1) / 3.5
    assert doc["scores"]["counts"]["finops"] == {"pass": 1, "partial": 2, "fail": 0, "n/a": 0, "waived": 0}
    assert doc["scores"]["twelve_factor"] == family_mean(doc, FACTORS)
    assert doc["scores"]["cloud_native"] == family_mean(doc, CLOUD)  # finops is not in it

    result.stdout.fnmatch_lines([
        "Team checks",
        "  finops*FinOps - cost ownership*57.1%  pass 1  partial 2  fail 0  n/a 0  waived 0",
    ])
    result.stdout.fnmatch_lines(["GATE FAILED: finops score 57.14% is below the required 75% (short by 17.86 points)"])
    assert result.ret == 1

    dashboard = json.loads((pytester.path / "build" / "finops-dashboard.json").read_text())  # pytest_twelvefactor_results
    assert dashboard == {
        "service": "payments", "finops": 57.14, "twelve_factor": doc["scores"]["twelve_factor"],
        "cloud_native": doc["scores"]["cloud_native"],
        "failing": [i["id"] for i in doc["items"] if i["verdict"] == "fail"],
    }
    assert "FinOps - cost ownership" in md.read_text()
    rules = json.loads(sarif.read_text())["runs"][0]["tool"]["driver"]["rules"]
    assert {"finops.cost-labels", "finops.requests-set", "finops.cost-estimate"} <= {r["id"] for r in rules}


def test_team_area_same_result_under_xdist(pytester):
    example(pytester, "team-area")
    _, serial = audit(pytester, "--twelvefactor-only")
    board = (pytester.path / "build" / "finops-dashboard.json").read_text()
    _, parallel = audit(pytester, "--twelvefactor-only", "-n", "2")
    serial.pop("timestamp")
    parallel.pop("timestamp")
    assert parallel == serial
    assert (pytester.path / "build" / "finops-dashboard.json").read_text() == board
