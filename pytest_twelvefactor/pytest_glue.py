"""The audit as a pytest session: collection, outcomes, aggregation, output.

Registered only when ``--twelvefactor`` is given. Items hang under one root
collector (``twelvefactor::<area>::<slug>``) appended to the session, so
``-k``, ``-m``, ``--deselect``, ``--lf`` and xdist work as for ordinary
tests. Verdicts travel on the test report (``report.twelvefactor``), which
xdist serialises to the controller, where scores are computed and written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from .audit import Audit, ItemResult
from .catalog import Item, extended, load_catalog, with_overrides
from .config import ConfigError, load_settings
from .plugin import audit_root
from . import gates
from .report import json_result, terminal
from .report.i18n import LANGUAGES
from .report.view import ReportView
from .report.writers import write_reports
from . import waivers as waivers_mod
from .results import Verdict
from .scoring import compute


class AuditFailure(Exception):
    """Raised by an item whose verdict fails the run."""


def _plugin(node) -> "AuditPlugin":
    return node.config.pluginmanager.get_plugin(AuditPlugin.name)


class AuditRoot(pytest.Collector):
    def collect(self):
        catalog = _plugin(self).catalog
        wanted = {item.area for item in catalog.items}
        for area in catalog.areas:
            if area.id in wanted:
                yield AreaCollector.from_parent(self, name=area.id)

    def reportinfo(self):
        return self.path, None, "twelvefactor"


class AreaCollector(pytest.Collector):
    def collect(self):
        for item in _plugin(self).catalog.items_of(self.name):
            yield AuditItem.from_parent(self, name=item.slug, item_id=item.id)

    def reportinfo(self):
        return self.path, None, f"twelvefactor::{self.name}"


class AuditItem(pytest.Item):
    def __init__(self, *, item_id: str, **kwargs):
        super().__init__(**kwargs)
        self.item_id = item_id
        catalog_item = _plugin(self).catalog.item(item_id)
        self.add_marker("twelvefactor")
        self.add_marker(catalog_item.area)
        self.result: ItemResult | None = None

    @property
    def plugin(self) -> "AuditPlugin":
        return self.config.pluginmanager.get_plugin(AuditPlugin.name)

    def runtest(self) -> None:
        result = self.plugin.audit.evaluate(self.item_id)
        modified = self.config.hook.pytest_twelvefactor_modify_result(config=self.config, result=result)
        result = modified if modified is not None else result
        self.result = result
        if result.error:
            raise AuditFailure(f"evaluator error for {self.item_id}:\n{result.error}")
        if result.verdict is Verdict.FAIL or (result.verdict is Verdict.PARTIAL and self.plugin.strict):
            raise AuditFailure(terminal.failure_text(result, self.plugin.catalog.item(self.item_id)))
        if result.verdict in (Verdict.NA, Verdict.WAIVED):
            prefix = "n/a" if result.verdict is Verdict.NA else ""
            pytest.skip(f"{prefix}: {result.summary}" if prefix else result.summary)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, AuditFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"twelvefactor::{self.parent.name}::{self.name}"


class AuditPlugin:
    name = "twelvefactor-audit"

    def __init__(self, config: pytest.Config):
        self.config = config
        builtin = load_catalog()
        self.root = audit_root(config)
        if not self.root.is_dir():
            raise pytest.UsageError(f"--twelvefactor-root: {self.root} is not a directory")
        try:
            self.settings = load_settings(self.root, {i.id for i in builtin.items}, {a.id for a in builtin.areas})
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        custom = [item for items in config.hook.pytest_twelvefactor_items(config=config) for item in (items or [])]
        try:
            self.catalog = with_overrides(extended(builtin, custom), severity=self.settings.severity)
        except ValueError as exc:
            raise pytest.UsageError(f"pytest_twelvefactor_items: {exc}") from None
        self.custom_evaluators = {item.id: item.evaluator for item in custom}
        self.extra_kinds: dict[str, str] = {}
        for kinds in config.hook.pytest_twelvefactor_file_kinds(config=config):
            self.extra_kinds.update(kinds or {})
        builtin_areas = {a.id for a in builtin.areas}
        for area in self.catalog.areas:
            if area.id not in builtin_areas:
                config.addinivalue_line("markers", f"{area.id}: {area.title_in('en')} (team area) audit items")
        if self.config.getoption("twelvefactor_inline_waivers", None) is False:
            self.settings.options["inline_waivers"] = False
        fail_under = self.config.getoption("twelvefactor_fail_under", None)
        if fail_under is not None:
            if not 0 <= fail_under <= 100:
                raise pytest.UsageError(f"--twelvefactor-fail-under: must be between 0 and 100, got {fail_under:g}")
            self.settings.fail_under["overall"] = fail_under
        self.gate_failures: list[str] = []
        self.strict = self._option("twelvefactor_strict", "strict", False)
        self.only = self._option("twelvefactor_only", "only", False)
        self.json_path = self._option("twelvefactor_json", "json", None)
        self.render = self._option("twelvefactor_render", "render", True)
        self.md_path = self._option("twelvefactor_md", "md", None)
        self.sarif_path = self._option("twelvefactor_sarif", "sarif", None)
        self.lang = self._option("twelvefactor_lang", "lang", "en")
        if self.lang not in LANGUAGES:
            raise pytest.UsageError(f"--twelvefactor-lang: unknown language {self.lang!r} (known: {', '.join(LANGUAGES)})")
        self.baseline = _load_baseline(self._option("twelvefactor_baseline", "baseline", None))
        self.view: ReportView | None = None
        self.written: list[str] = []
        if config.pluginmanager.hasplugin("html"):
            from .report.html import HtmlReportHooks

            config.pluginmanager.register(HtmlReportHooks(self), "twelvefactor-html")
        self.results: dict[str, ItemResult] = {}
        self.started = dt.datetime.now(dt.timezone.utc)
        self._audit: Audit | None = None
        self._scores = None
        self._from_workers: list[dict] = []

    def _option(self, dest: str, key: str, default):
        value = self.config.getoption(dest, None)
        if value is not None:
            return value
        return self.settings.options.get(key, default)

    @property
    def audit(self) -> Audit:
        if self._audit is None:
            self._audit = Audit(self.root, self.settings, render=self.render, catalog=self.catalog,
                                extra_evaluators=self.custom_evaluators, extra_kinds=self.extra_kinds)
        return self._audit

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    # -- collection ------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector):
        report = yield
        if isinstance(collector, pytest.Session) and report.outcome == "passed":
            root = AuditRoot.from_parent(collector, name="twelvefactor", nodeid="twelvefactor", path=self.root)
            if self.only:
                report.result[:] = [root]
            else:
                report.result.append(root)
        return report

    # -- outcomes --------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if not isinstance(item, AuditItem):
            counted = _counted_test(item, report, self.catalog)
            if counted is not None:
                report.twelvefactor = counted
            return report
        if call.when == "call" and item.result is not None:
            result = item.result
            report.twelvefactor = result.to_dict()
            if result.verdict in (Verdict.NA, Verdict.WAIVED) and report.skipped:
                label = "n/a" if result.verdict is Verdict.NA else "waived"
                report.longrepr = (item.nodeid, None, f"{label}: {result.summary.removeprefix('waived: ')}")
        return report

    def pytest_report_teststatus(self, report, config):
        data = getattr(report, "twelvefactor", None)
        if not data or report.when != "call":
            return None
        verdict = data["verdict"]
        if verdict == "partial" and report.passed:
            return "partial", "P", ("PARTIAL", {"yellow": True})
        if verdict == "waived" and report.skipped:
            return "skipped", "w", ("WAIVED", {"yellow": True})
        if verdict == "n/a" and report.skipped:
            return "skipped", "s", ("N/A", {"yellow": True})
        return None

    def pytest_runtest_logreport(self, report):
        data = getattr(report, "twelvefactor", None)
        if data and report.when == "call":
            if data["id"] not in self.catalog.by_id():
                self.catalog = _with_user_item(self.catalog, data)
            self.results[data["id"]] = ItemResult.from_dict(data)

    # -- results ---------------------------------------------------------------------------
    def ordered_results(self) -> list[ItemResult]:
        order = {item.id: n for n, item in enumerate(self.catalog.items)}
        return sorted(self.results.values(), key=lambda r: order.get(r.item_id, 10**6))

    def area_weights(self) -> dict[str, float]:
        return {k: v for k, v in self.settings.weights.items() if k in {a.id for a in self.catalog.areas}}

    def scores(self):
        return compute(self.ordered_results(), self.catalog, self.area_weights())

    def _local_facts(self) -> dict:
        """What this process learnt about the tree (only the parts its items needed)."""
        facts = {"diagnostics": [], "environments": [], "judged": None, "expired": [], "waivers_used": [], "evaluated": [], "waivers": []}
        if self._audit is None or "repo" not in self._audit.__dict__:
            return facts
        repo = self._audit.repo
        facts["diagnostics"] = [d.to_dict() for d in repo.diagnostics_sorted()]
        facts["expired"] = [w.to_dict() for w in self._audit.expired_waivers]
        facts["waivers_used"] = sorted(self._audit.used_waivers)
        facts["evaluated"] = sorted(self._audit.evaluated)
        facts["waivers"] = [(waivers_mod.key(w), w.to_dict()) for w in self._audit.all_waivers()]
        if "kubernetes" in repo.__dict__:
            facts["environments"] = self._audit.environments()
            facts["judged"] = repo.judged_deployment
        return facts

    def facts(self) -> dict:
        """Local facts merged with those xdist workers sent, in a stable order."""
        merged = self._local_facts()
        for other in self._from_workers:
            for key in ("diagnostics", "environments", "expired", "waivers_used", "evaluated", "waivers"):
                merged[key] += [x for x in other.get(key, []) if x not in merged[key]]
            merged["judged"] = merged["judged"] or other.get("judged")
        merged["diagnostics"].sort(key=lambda d: (d["path"], d["message"]))
        merged["environments"].sort(key=lambda e: (e["name"], e["source"]))
        merged["expired"].sort(key=lambda w: w["item"])
        used = set(merged["waivers_used"])
        evaluated = set(merged["evaluated"])
        expired = {(w["item"], w.get("target"), w.get("source"), w.get("line")) for w in merged["expired"]}
        merged["unused"] = sorted(
            (w for key, w in {k: w for k, w in map(tuple, merged["waivers"])}.items()
             if key not in used and w["item"] in evaluated
             and (w["item"], w.get("target"), w.get("source"), w.get("line")) not in expired),
            key=lambda w: (w["item"], w.get("target") or "", w.get("source") or ""),
        )
        return merged

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session):
        outcome = yield
        if not self.is_worker and self.results:
            self.gate_failures = gates.check(self.scores(), self.ordered_results(), self.settings)
            if self.gate_failures:
                session.testsfailed += 1  # a failed gate fails the run, as coverage thresholds do
        return outcome

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        facts = getattr(node, "workeroutput", {}).get("twelvefactor")
        if facts:
            self._from_workers.append(facts)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session, exitstatus):
        if self.is_worker:
            self.config.workeroutput["twelvefactor"] = self._local_facts()
            return
        if not self.results:
            return
        scores = self.scores()
        self._scores = scores
        _junit_properties(self.config, self.ordered_results(), scores)
        facts = self.facts()
        document = json_result.build(
            root=self.root, results=self.ordered_results(), scores=scores, catalog=self.catalog,
            environments=facts["environments"], diagnostics=facts["diagnostics"], judged=facts["judged"],
            started=self.started, settings={"area_weights": self.area_weights()},
        )
        self.view = ReportView(document, self.catalog, self.lang, baseline=self.baseline)
        document["roadmap"] = [entry.to_dict() for entry in self.view.roadmap]
        if self.view.comparison is not None:
            document["comparison"] = self.view.comparison.to_dict()
        self.written = write_reports(self.view, json_path=self.json_path, md_path=self.md_path, sarif_path=self.sarif_path)
        self.config.hook.pytest_twelvefactor_results(config=self.config, document=document)

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config):
        if self.is_worker or not self.results or self.view is None:
            return
        facts = self.facts()
        terminal.summary(terminalreporter, self.view, expired=facts["expired"], written=self.written,
                         unused=facts["unused"], gate_failures=self.gate_failures)


def _counted_test(item, report, catalog) -> dict | None:
    """A user's ordinary test that opted in with ``@pytest.mark.twelvefactor(item=...)``
    and an area marker: its outcome counts like an audit item (passed → pass,
    failed → fail, skipped → n/a; a test whose setup errors is not counted)."""
    marker = item.get_closest_marker("twelvefactor")
    if marker is None or not marker.kwargs.get("item") or report.when != "call":
        return None
    areas = {a.id for a in catalog.areas}
    area = next((m.name for m in item.iter_markers() if m.name in areas), None)
    item_id = str(marker.kwargs["item"])
    if area is None or not item_id.startswith(area + "."):
        return None
    verdict = "pass" if report.passed else ("n/a" if report.skipped else "fail")
    path, line, _ = item.location
    message = "test passed" if report.passed else (str(report.longrepr).splitlines()[-1][:300] if report.longrepr else verdict)
    return {
        "id": item_id, "area": area, "title": str(marker.kwargs.get("title") or item.name),
        "verdict": verdict, "summary": f"{item.nodeid}: {message}", "weight": float(marker.kwargs.get("weight", 1)),
        "evidence": [{"path": path, "line": (line or 0) + 1, "message": f"test {item.nodeid}", "ok": report.passed}],
        "remediation": "", "source_test": item.nodeid,
    }


def _with_user_item(catalog, data: dict):
    from dataclasses import replace as _replace

    area, _, slug = data["id"].partition(".")
    item = Item(id=data["id"], area=area, slug=slug, title={"en": data.get("title", data["id"])}, same_as=None,
                weight=float(data.get("weight", 1)), severity="medium", runtime=False, criteria={}, rationale="",
                remediation="", remediation_ko="")
    return _replace(catalog, items=catalog.items + (item,))


def _load_baseline(path: str | None) -> dict | None:
    if not path:
        return None
    try:
        return json_result.load(Path(path))
    except (OSError, ValueError) as exc:
        raise pytest.UsageError(f"--twelvefactor-baseline: cannot use {path}: {exc}") from None


def _junit_properties(config: pytest.Config, results: list[ItemResult], scores) -> None:
    """Scores and per-item verdicts as <testsuite> properties (valid under xunit2)."""
    try:
        from _pytest.junitxml import xml_key
    except ImportError:  # pragma: no cover
        return
    xml = config.stash.get(xml_key, None)
    if xml is None:
        return
    for family in ("twelve_factor", "cloud_native"):
        value = scores.families.get(family)
        xml.add_global_property(f"twelvefactor.score.{family}", "n/a" if value is None else f"{value:.2f}")
    for area, score in scores.areas.items():
        xml.add_global_property(f"twelvefactor.score.{area}", "n/a" if score.percent is None else f"{score.percent:.2f}")
    for result in results:
        xml.add_global_property(f"twelvefactor.verdict.{result.item_id}", result.verdict.value)
