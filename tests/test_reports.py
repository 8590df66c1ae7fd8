"""Reports people read: Markdown (en/ko), baseline comparison, roadmap, SARIF, HTML, the report CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_twelvefactor.__main__ import main as cli
from pytest_twelvefactor.baseline import compare
from pytest_twelvefactor.catalog import load_catalog
from pytest_twelvefactor.report import markdown, sarif
from pytest_twelvefactor.report.view import ReportView

pytest_plugins = ["pytester"]

EXAMPLES = Path(__file__).parent.parent / "conftest_examples"


def audit(source: Path, target: Path, *args: str) -> tuple[dict, str]:
    """Run `pytest --twelvefactor` in a subprocess on a copy of ``source``; return (JSON result, stdout)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("EXPECTED.md", "AUDIT-NOTES.md"))
    (target / ".git").mkdir(exist_ok=True)
    out = target.parent / f"{target.name}.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider",
         "-q", f"--twelvefactor-json={out}", *args],
        cwd=target, capture_output=True, text=True, timeout=300,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text()), proc.stdout


@pytest.fixture(scope="module")
def cms(tmp_path_factory) -> dict:
    document, _ = audit(EXAMPLES / "autobuilder-cms", tmp_path_factory.mktemp("cms") / "autobuilder-cms")
    return document


def table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|") and not line.startswith("|--")]


def tables(text: str) -> list[list[str]]:
    """Each Markdown table as its rows (header first, separator dropped)."""
    out: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            if not line.startswith("|--") and not line.startswith("|---"):
                current.append(line)
        elif current:
            out.append(current)
            current = []
    return out


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_follows_the_seed_structure_in_english(cms):
    catalog = load_catalog()
    text = markdown.render(ReportView(cms, catalog, "en"))
    assert text.startswith("# 12-Factor App & Cloud Native audit\n")
    assert "## 📋 12-Factor App checklist" in text and "## 📋 Cloud Native checklist" in text
    for area in catalog.areas:
        assert re.search(rf"^### .*{re.escape(area.title['en'])}", text, re.M), area.id
    assert text.count("| Item | Status | Current state | Improvement needed |") == 19
    assert "**Score: 40%** ❌" in text  # Factor 11: 1 pass, 2 partial, 2 fail
    assert "**Score: 64.29%** ⚠" in text  # Observability, computed (the seed printed 55%)
    assert "| **Average** | **86.53%** |" in text and "| **Average** | **70.46%** |" in text
    assert "## 🎯 Roadmap" in text and "### P1 - High priority" in text
    for table in tables(text):
        assert all(unescaped_pipes(row) == unescaped_pipes(table[0]) for row in table), table[0]


def test_markdown_in_korean_uses_the_seeds_vocabulary(cms):
    text = markdown.render(ReportView(cms, load_catalog(), "ko"))
    assert text.startswith("# 12-Factor App & Cloud Native 설계 원칙 점검 결과\n")
    assert "| 항목 | 상태 | 현황 | 개선 필요 |" in text
    assert "| Git 버전 관리 사용 | ✅ 충족 |" in text
    assert "| 중앙집중식 로깅 | ❌ 미충족 |" in text
    assert "| 구조화된 로깅 | ⚠️ 부분충족 |" in text
    assert "| Staging 환경 | 🔕 면제 |" in text
    assert "### Factor 11: Logs (로그)" in text and "> 이벤트 스트림으로 취급" in text
    assert "## 🎯 개선 로드맵" in text and "**점수: 40%** ❌" in text


def test_roadmap_gains_are_computed_from_weights(cms):
    view = ReportView(cms, load_catalog(), "en")
    entries = {e.items: e for e in view.roadmap}
    logging = entries[("factor11.centralized", "observability.centralized-logging")]
    assert logging.area_gains == {"factor11": 20.0, "observability": 14.29}
    assert logging.priority == "P1" and logging.verdict == "fail"
    hpa = entries[("factor08.hpa", "orchestration.hpa")]
    assert hpa.area_gains == {"factor08": 10.0, "orchestration": 6.25} and hpa.priority == "P0"
    assert all(e.items[0] != "factor10.staging" for e in view.roadmap), "waived items are not on the roadmap"
    priorities = [e.priority for e in view.roadmap]
    assert priorities == sorted(priorities)


def test_baseline_comparison_tags_changes_and_handles_catalog_changes(cms):
    baseline = json.loads(json.dumps(cms))
    items = {i["id"]: i for i in baseline["items"]}
    items["factor11.structured"]["verdict"] = "fail"        # now partial: IMPROVED
    items["factor05.rollback"]["verdict"] = "fail"          # now pass: IMPROVED
    items["factor08.hpa"]["verdict"] = "pass"               # now partial: REGRESSED
    baseline["items"].remove(items["observability.tracing"])  # NEW since then
    baseline["items"].append({"id": "factor99.retired", "area": "factor99", "verdict": "fail"})  # REMOVED from the catalog
    baseline["scores"]["areas"]["factor11"] = 30.0
    baseline["scores"]["twelve_factor"] = 80.0
    result = compare(cms, baseline, {i.id for i in load_catalog().items})
    tags = {c.item_id: c.tag for c in result.changes}
    assert tags == {
        "factor11.structured": "IMPROVED", "factor05.rollback": "IMPROVED", "factor08.hpa": "REGRESSED",
        "observability.tracing": "NEW", "factor99.retired": "REMOVED",
    }
    assert result.areas["factor11"].delta == 10.0
    assert result.families["twelve_factor"].delta == round(cms["scores"]["twelve_factor"] - 80.0, 2)
    text = markdown.render(ReportView(cms, load_catalog(), "en", baseline=baseline))
    assert "## 📈 Changes since the baseline" in text
    assert "**[IMPROVED] Structured logging**" in text or "**[IMPROVED] " in text
    assert "| 11. Logs | 30% | 40% | ⬆ +10% |" in text


def test_sarif_is_valid_and_fits_github_code_scanning(cms):
    from sarif_kit.validate import validation_errors

    log = sarif.build(ReportView(cms, load_catalog(), "en"))
    assert validation_errors(log) == []
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == 98 and len({r["id"] for r in rules}) == 98
    assert all(r["defaultConfiguration"]["level"] in ("error", "warning", "note") for r in rules)
    results = run["results"]
    assert results, "the example has failing and partial items with located evidence"
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning")
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert "://" not in uri and not uri.startswith("/"), uri
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    located = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results}
    assert ("factor03.no-hardcoded", "src/app/main.py") in located
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")


def test_report_cli_renders_from_a_saved_result(cms, tmp_path, capsys):
    saved = tmp_path / "result.json"
    saved.write_text(json.dumps(cms))
    md, sarif_out, page = tmp_path / "out.md", tmp_path / "out.sarif", tmp_path / "out.html"
    assert cli(["report", str(saved), "--md", str(md), "--lang", "ko", "--sarif", str(sarif_out), "--html", str(page)]) == 0
    assert md.read_text().startswith("# 12-Factor App & Cloud Native 설계 원칙 점검 결과")
    assert json.loads(sarif_out.read_text())["version"] == "2.1.0"
    assert "<svg" in page.read_text() and "86.5%" in page.read_text()
    assert cli(["report", str(tmp_path / "missing.json"), "--md", str(md)]) == 2
    assert cli(["report", str(saved), "--lang", "fr", "--md", str(md)]) == 2


HOSTILE = {
    "k8s/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: "web|<script>alert(1)</script>\\x1b[31mRED"
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: "c|<img src=x onerror=alert(2)>"
          image: "registry.example.com/web:latest"
""",
}


def test_hostile_strings_never_break_or_inject_into_reports(pytester):
    for rel, content in HOSTILE.items():
        path = pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    out = pytester.path / "r.json"
    md = pytester.path / "r.md"
    sarif_path = pytester.path / "r.sarif"
    html_path = pytester.path / "r.html"
    result = pytester.runpytest_subprocess(
        "--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", f"--twelvefactor-json={out}",
        f"--twelvefactor-md={md}", f"--twelvefactor-sarif={sarif_path}", f"--html={html_path}", "--self-contained-html",
    )
    document = json.loads(out.read_text())
    hostile = [e["message"] for i in document["items"] for e in i["evidence"] if "<script>" in e["message"]]
    assert hostile, "the hostile name reaches the evidence (so the escaping below is really exercised)"
    assert "\x1b[31m" not in result.stdout.str()
    text = md.read_text()
    assert "<script>" not in text and "<img" not in text
    for row in table_rows(text):
        assert "<script" not in row
    header = next(r for r in table_rows(text) if r.startswith("| Item |"))
    for row in table_rows(text):
        if "alert(1)" in row:
            assert unescaped_pipes(row) == unescaped_pipes(header)
    page = html_path.read_text()
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    blob = re.search(r'data-jsonblob="([^"]*)"', page).group(1)
    assert "<script>alert" not in blob
    from sarif_kit.validate import validation_errors

    assert validation_errors(json.loads(sarif_path.read_text())) == []


def test_html_report_has_summary_chart_and_verdict_columns(pytester):
    import html as html_mod

    pytester.makefile(".yaml", **{"k8s/deployment": HOSTILE["k8s/deployment.yaml"].replace('"web|<script>alert(1)</script>\\x1b[31mRED"', "web").replace('"c|<img src=x onerror=alert(2)>"', "web")})
    page_path = pytester.path / "report.html"
    pytester.runpytest_subprocess("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", f"--html={page_path}", "--self-contained-html", "-m", "factor05")
    page = page_path.read_text()
    assert 'id="twelvefactor-summary"' in page and "<svg" in page and 'class="bar" data-area="factor05"' in page
    data = json.loads(html_mod.unescape(re.search(r'data-jsonblob="([^"]*)"', page).group(1)))
    rows = {test_id: entries for test_id, entries in data["tests"].items()}
    immutable = rows["twelvefactor::factor05::immutable-images"][0]
    cells = " ".join(immutable["resultsTableRow"])
    assert 'class="col-area">factor05<' in cells and "verdict-fail" in cells and "k8s/deployment.yaml:" in cells


def test_html_report_renders_in_a_real_browser(pytester, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    pytester.makefile(".yaml", **{"k8s/deployment": HOSTILE["k8s/deployment.yaml"]})
    page_path = pytester.path / "report.html"
    pytester.runpytest_subprocess("--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", f"--html={page_path}", "--self-contained-html")
    profile = tmp_path / "profile"
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", page_path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    dom = proc.stdout
    assert 'id="twelvefactor-summary"' in dom, proc.stderr[-2000:]
    assert "twelvefactor-score" in dom and "<svg" in dom
    assert "<script>alert(1)" not in dom and "<img src=x" not in dom


def test_before_and_after_p0_reproduce_the_seeds_comparison(tmp_path):
    """The seed's P0 work, audited: the areas the report says P0 raised go up, the others stay."""
    before, _ = audit(EXAMPLES / "autobuilder-cms-before-p0", tmp_path / "before")
    baseline = tmp_path / "before.json"
    after, stdout = audit(EXAMPLES / "autobuilder-cms", tmp_path / "after", f"--twelvefactor-baseline={baseline}",
                          "--twelvefactor-md=report.md", "--twelvefactor-lang=ko")
    comparison = after["comparison"]
    raised = {"factor05", "factor08", "observability", "scalability", "cicd"}
    for area, delta in comparison["areas"].items():
        if area in raised:
            assert delta["delta"] > 0, (area, delta)
        else:
            assert delta["delta"] >= 0, (area, delta)
    assert comparison["families"]["twelve_factor"]["delta"] > 0 and comparison["families"]["cloud_native"]["delta"] > 0
    tags = {c["id"]: c["tag"] for c in comparison["changes"]}
    assert tags["factor05.immutable-images"] == "IMPROVED" and tags["observability.metrics"] == "IMPROVED"
    assert not [i for i, t in tags.items() if t == "REGRESSED"]
    text = (tmp_path / "after" / "report.md").read_text()
    assert "## 📈 이전 점검 대비 변경 요약" in text and "| 영역 | Before | After | 변화 |" in text
    assert "**[IMPROVED] 불변 이미지**" in text
    assert "[IMPROVED] factor05.immutable-images" in stdout
