"""The audit as a pytest session: collection, outcomes, aggregation, output.

Registered only when ``--twelvefactor`` is given. Items hang under one root
collector (``twelvefactor::<area>::<slug>``; in a fleet of apps
``twelvefactor::<app>::<area>::<slug>``) appended to the session, so
``-k``, ``-m``, ``--deselect``, ``--lf`` and xdist work as for ordinary
tests. Verdicts travel on the test report (``report.twelvefactor``), which
xdist serialises to the controller, where scores are computed and written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from .app_audit import AppAudit
from .audit import Audit, ItemResult
from .catalog import Item, extended, load_catalog, with_overrides
from .config import ConfigError, load_settings
from .plugin import audit_roots
from . import gates
from .report import json_result, terminal
from .report.i18n import LANGUAGES
from .report.view import ReportView
from .report.writers import write_fleet_reports, write_reports
from .results import SEVERITY_ORDER, Verdict


class AuditFailure(Exception):
    """Raised by an item whose verdict fails the run."""


def _plugin(node) -> "AuditPlugin":
    return node.config.pluginmanager.get_plugin(AuditPlugin.name)


class AuditRoot(pytest.Collector):
    """``twelvefactor``: one area collector per area, or one app collector per app in a fleet."""

    def collect(self):
        plugin = _plugin(self)
        if plugin.fleet:
            for name in plugin.apps:
                yield AppCollector.from_parent(self, name=name, path=plugin.apps[name].root)
            return
        yield from _areas(self, None)

    def reportinfo(self):
        return self.path, None, "twelvefactor"


class AppCollector(pytest.Collector):
    def collect(self):
        yield from _areas(self, self.name)

    def reportinfo(self):
        return self.path, None, self.nodeid


def _areas(parent, app: str | None):
    catalog = _plugin(parent).catalog
    wanted = {item.area for item in catalog.items}
    for area in catalog.areas:
        if area.id in wanted:
            yield AreaCollector.from_parent(parent, name=area.id, app=app)


class AreaCollector(pytest.Collector):
    def __init__(self, *, app: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.app = app

    def collect(self):
        for item in _plugin(self).catalog.items_of(self.name):
            yield AuditItem.from_parent(self, name=item.slug, item_id=item.id, app=self.app)

    def reportinfo(self):
        return self.path, None, self.nodeid


class AuditItem(pytest.Item):
    def __init__(self, *, item_id: str, app: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.item_id = item_id
        self.app = app
        catalog_item = _plugin(self).catalog.item(item_id)
        self.add_marker("twelvefactor")
        self.add_marker(catalog_item.area)
        if app is not None and self.config.pluginmanager.hasplugin("xdist"):
            # meant for `--dist loadgroup`: one app's items on one worker, so each app is parsed once
            self.add_marker(pytest.mark.xdist_group(name=app))
        self.result: ItemResult | None = None

    @property
    def plugin(self) -> "AuditPlugin":
        return _plugin(self)

    def runtest(self) -> None:
        plugin = self.plugin
        result = plugin.apps[self.app].audit(plugin.catalog).evaluate(self.item_id)
        modified = self.config.hook.pytest_twelvefactor_modify_result(config=self.config, result=result)
        result = modified if modified is not None else result
        self.result = result
        if result.error:
            raise AuditFailure(f"evaluator error for {self.item_id}:\n{result.error}")
        if result.verdict is Verdict.FAIL or (result.verdict is Verdict.PARTIAL and plugin.strict):
            raise AuditFailure(terminal.failure_text(result, plugin.catalog.item(self.item_id)))
        if result.verdict in (Verdict.NA, Verdict.WAIVED):
            prefix = "n/a" if result.verdict is Verdict.NA else ""
            pytest.skip(f"{prefix}: {result.summary}" if prefix else result.summary)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, AuditFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, self.nodeid


class AuditPlugin:
    name = "twelvefactor-audit"

    def __init__(self, config: pytest.Config):
        self.config = config
        builtin = load_catalog()
        builtin_areas = {a.id for a in builtin.areas}
        # Asked first: a team's own items and areas may be configured too (weights, waivers, gates).
        custom = [item for items in config.hook.pytest_twelvefactor_items(config=config) for item in (items or [])]
        known_items = {i.id for i in builtin.items} | {c.id for c in custom}
        known_areas = builtin_areas | {c.id.partition(".")[0] for c in custom}
        roots = audit_roots(config)
        for root in roots:
            if not root.is_dir():
                raise pytest.UsageError(f"--twelvefactor-root: {root} is not a directory")
        self.root = roots[0]
        try:
            self.settings = load_settings(self.root, known_items, known_areas)
            targets = _app_targets(roots, self.settings, known_items, known_areas)
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        try:
            self.catalog = with_overrides(extended(builtin, custom), severity=self.settings.severity)
        except ValueError as exc:
            raise pytest.UsageError(f"pytest_twelvefactor_items: {exc}") from None
        extra_kinds: dict[str, str] = {}
        for kinds in config.hook.pytest_twelvefactor_file_kinds(config=config):
            extra_kinds.update(kinds or {})
        for area in self.catalog.areas:
            if area.id not in builtin_areas:
                config.addinivalue_line("markers", f"{area.id}: {area.title_in('en')} (team area) audit items")
        fail_under = self.config.getoption("twelvefactor_fail_under", None)
        if fail_under is not None and not 0 <= fail_under <= 100:
            raise pytest.UsageError(f"--twelvefactor-fail-under: must be between 0 and 100, got {fail_under:g}")
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
        self.fix_dir = config.getoption("twelvefactor_fix", None)  # remediation kit (docs/remediation.md)
        self.fix_preview = bool(config.getoption("twelvefactor_fix_preview", False))
        if self.fix_dir:
            from .fix.session import KitError, check_options

            try:
                check_options(self.fix_dir, roots)
            except KitError as exc:
                raise pytest.UsageError(str(exc)) from None
        custom_evaluators = {item.id: item.evaluator for item in custom}
        self.runtime = _runtime_context(config)  # None without --twelvefactor-host
        self.apps: dict[str | None, AppAudit] = {}
        for name, root, settings in targets:
            if self.config.getoption("twelvefactor_inline_waivers", None) is False:
                settings.options["inline_waivers"] = False
            if fail_under is not None:
                settings.fail_under["overall"] = fail_under
            self.apps[name] = AppAudit(name, root, settings, render=self.render,
                                       custom_evaluators=custom_evaluators, extra_kinds=extra_kinds,
                                       runtime=self.runtime.for_app(name) if self.runtime else None)
        self.fleet = None not in self.apps
        self.written: list[str] = []
        self.fleet_document: dict | None = None
        self.started = dt.datetime.now(dt.timezone.utc)
        if config.pluginmanager.hasplugin("html"):
            from .report.html import HtmlReportHooks

            config.pluginmanager.register(HtmlReportHooks(self), "twelvefactor-html")

    def _option(self, dest: str, key: str, default):
        value = self.config.getoption(dest, None)
        if value is not None:
            return value
        return self.settings.options.get(key, default)

    @property
    def audit(self) -> Audit:
        """The audit of the (first) tree, for the session fixtures."""
        return next(iter(self.apps.values())).audit(self.catalog)

    @property
    def view(self) -> ReportView | None:
        """The report view of a single-tree run (None in a fleet run or before the end)."""
        return None if self.fleet else self.apps[None].view

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    @property
    def ran(self) -> bool:
        return any(app.results for app in self.apps.values())

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
            if item.app is not None:
                report.twelvefactor["app"] = item.app
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
            app = self.apps.get(data.get("app")) or next(iter(self.apps.values()))
            result, earlier = ItemResult.from_dict(data), app.results.get(data["id"])
            if earlier is not None and data.get("source_test"):
                result = _worst_of(earlier, result)  # an opted-in test run several times (parametrized)
            app.results[data["id"]] = result

    # -- gates, worker facts, results ----------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session):
        outcome = yield
        if not self.is_worker:
            failed = False
            for app in self.apps.values():
                if app.results:
                    app.gate_failures = gates.check(app.scores(self.catalog), app.ordered_results(self.catalog), app.settings)
                    failed = failed or bool(app.gate_failures)
            if failed:
                session.testsfailed += 1  # a failed gate fails the run, as coverage thresholds do
        return outcome

    @pytest.hookimpl(optionalhook=True, tryfirst=True)
    def pytest_xdist_make_scheduler(self, config, log):
        if not self.fleet or config.getoption("dist") not in ("loadgroup", "loadscope"):
            return None
        from .xdist_scheduling import AppScopeScheduling

        return AppScopeScheduling(config, log)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        sent = getattr(node, "workeroutput", {}).get("twelvefactor") or {}
        for name, facts in sent.items():
            app = self.apps.get(None if name == "" else name)
            if app is not None:
                app.from_workers.append(facts)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session, exitstatus):
        if self.is_worker:
            self.config.workeroutput["twelvefactor"] = {name or "": app.local_facts() for name, app in self.apps.items()}
            return
        if not self.ran:
            return
        documents = []
        for app in self.apps.values():
            if not app.results:
                continue
            _junit_properties(self.config, app, self.catalog)
            document = app.document(self.catalog, self.started)
            baseline = _baseline_for(self.baseline, app.name)
            app.view = ReportView(document, self.catalog, self.lang, baseline=baseline)
            document["roadmap"] = [entry.to_dict() for entry in app.view.roadmap]
            if app.view.comparison is not None:
                document["comparison"] = app.view.comparison.to_dict()
            documents.append(document)
        if self.fix_dir or self.fix_preview:
            from .fix.session import generate as generate_kits

            generate_kits(self, self.fix_dir, self.fix_preview)
        if self.fleet:
            self.fleet_document = json_result.build_fleet(documents, self.started)
            self.written = write_fleet_reports([a.view for a in self.apps.values() if a.view], self.fleet_document,
                                               json_path=self.json_path, md_path=self.md_path, sarif_path=self.sarif_path)
            self.config.hook.pytest_twelvefactor_results(config=self.config, document=self.fleet_document)
        else:
            view = self.apps[None].view
            self.written = write_reports(view, json_path=self.json_path, md_path=self.md_path, sarif_path=self.sarif_path)
            self.config.hook.pytest_twelvefactor_results(config=self.config, document=view.document)

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config):
        if self.is_worker or not self.ran:
            return
        if self.fleet:
            terminal.fleet_summary(terminalreporter, [a for a in self.apps.values() if a.view], self.written)
            self._fix_summary(terminalreporter)
            return
        app = self.apps[None]
        facts = app.facts()
        terminal.summary(terminalreporter, app.view, expired=facts["expired"], written=self.written,
                         unused=facts["unused"], gate_failures=app.gate_failures)
        self._fix_summary(terminalreporter)

    def _fix_summary(self, terminalreporter) -> None:
        if self.fix_dir or self.fix_preview:
            from .fix.session import summary as fix_summary

            fix_summary(terminalreporter, self, self.fix_dir)


def _runtime_context(config: pytest.Config):
    """Runtime evidence for this session (``--twelvefactor-host``); its modules load only then."""
    if not config.getoption("twelvefactor_host", None) and not config.getoption("twelvefactor_disruptive", None) \
            and not config.getoption("twelvefactor_start_cmd", None):
        return None
    from .runtime.pytest_hooks import build

    return build(config)


def _app_targets(roots, settings, known_items, known_areas) -> list:
    """(name, root, settings) per audited tree: one tree, the configured ``apps``, or several roots."""
    if len(roots) == 1 and not settings.apps:
        return [(None, roots[0], settings)]
    trees: list[Path] = []
    if len(roots) == 1:
        for pattern in settings.apps:
            matched = sorted(p for p in roots[0].glob(pattern) if p.is_dir())
            if not matched:
                raise ConfigError(f"{settings.path} [tool.twelvefactor].apps: {pattern!r} matches no directory")
            trees += [p for p in matched if p not in trees]
    else:
        trees = list(roots)
    names = _app_names(trees, roots[0] if len(roots) == 1 else None)
    out = []
    for name, tree in zip(names, trees):
        own = load_settings(tree, known_items, known_areas) if (tree / "pyproject.toml").is_file() else None
        out.append((name, tree, own if own is not None and own.path is not None and _has_table(own) else _copy_settings(settings)))
    return out


def _has_table(settings) -> bool:
    return bool(settings.waivers or settings.weights or settings.severity or settings.fail_under or settings.essential
                or settings.policy or {k: v for k, v in settings.options.items() if not k.startswith("_")})


def _copy_settings(settings):
    from dataclasses import replace as _replace

    return _replace(settings, waivers=list(settings.waivers), weights=dict(settings.weights), fail_under=dict(settings.fail_under),
                    options=dict(settings.options), policy=dict(settings.policy), apps=[])


def _app_names(trees: list[Path], base: Path | None) -> list[str]:
    if base is not None:
        return [tree.relative_to(base).as_posix() for tree in trees]
    names = [tree.name for tree in trees]
    if len(set(names)) == len(names):
        return names
    return [f"{tree.parent.name}/{tree.name}" for tree in trees]


def _baseline_for(baseline: dict | None, app: str | None) -> dict | None:
    if baseline is None or app is None:
        return baseline
    for document in baseline.get("apps", []):
        if document.get("app") == app:
            return document
    return None


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
    message = "test passed" if report.passed else _outcome_message(report) or verdict
    return {
        "id": item_id, "area": area, "title": str(marker.kwargs.get("title") or item.name),
        "verdict": verdict, "summary": f"{item.nodeid}: {message}", "weight": float(marker.kwargs.get("weight", 1)),
        "evidence": [{"path": path, "line": (line or 0) + 1, "message": f"test {item.nodeid}",
                      "ok": None if report.skipped else report.passed}],
        "remediation": "", "source_test": item.nodeid,
    }


def _outcome_message(report) -> str:
    """What went wrong in one line: the exception's message or the skip reason, not its location."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (path, line, "Skipped: reason")
        text = str(longrepr[2])
    else:
        crash = getattr(longrepr, "reprcrash", None)
        text = crash.message if crash is not None else str(longrepr or "")
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0][:300] if lines else ""


def _worst_of(earlier: ItemResult, later: ItemResult) -> ItemResult:
    """One item reported by several opted-in tests: the worst verdict counts, with all the evidence."""
    from dataclasses import replace as _replace

    worse = min(earlier, later, key=lambda r: (SEVERITY_ORDER.index(r.verdict), r.summary))  # same under xdist
    evidence = sorted(earlier.evidence + later.evidence, key=lambda e: (e.path or "", e.line or 0, e.message))
    return _replace(worse, evidence=tuple(evidence))


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


def _junit_properties(config: pytest.Config, app: AppAudit, catalog) -> None:
    """Scores and per-item verdicts as <testsuite> properties (valid under xunit2)."""
    try:
        from _pytest.junitxml import xml_key
    except ImportError:  # pragma: no cover
        return
    xml = config.stash.get(xml_key, None)
    if xml is None:
        return
    prefix = f"twelvefactor.{app.name}." if app.name is not None else "twelvefactor."
    scores = app.scores(catalog)
    for family in ("twelve_factor", "cloud_native"):
        value = scores.families.get(family)
        xml.add_global_property(f"{prefix}score.{family}", "n/a" if value is None else f"{value:.2f}")
    for area, score in scores.areas.items():
        xml.add_global_property(f"{prefix}score.{area}", "n/a" if score.percent is None else f"{score.percent:.2f}")
    for result in app.ordered_results(catalog):
        xml.add_global_property(f"{prefix}verdict.{result.item_id}", result.verdict.value)
