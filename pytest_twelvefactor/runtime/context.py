"""The session's runtime context: options, the target, and one probe run per app.

Probes run once per audited tree, the first time a selected runtime item is
evaluated, in a fixed order: the non-disruptive observations first (processes,
uids, sockets, health, open log files), then — with consent only — SIGTERM,
then the timed start. Under xdist the workers share one run through a lock
file in a directory the controller hands them, so the app is signalled once
and every worker merges the same observations.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..results import Result
from . import DISRUPTIVE_PROBES, ITEM_PROBES
from .merge import Finding, merge, observed, unanswered
from .target import DEFAULT_TIMEOUT, Target, TargetError


@dataclass(frozen=True)
class RuntimeOptions:
    host: str
    process: str | None = None
    health_url: str | None = None
    disruptive: bool = False
    start_cmd: str | None = None
    startup_budget: float = 30.0
    grace_period: float | None = None
    timeout: float = DEFAULT_TIMEOUT


@dataclass
class RuntimeContext:
    options: RuntimeOptions
    shared_dir: str | None = None              # xdist: where workers share one probe run
    selected: dict | None = None               # app name -> runtime item ids selected in this session
    target: Target = field(init=False)

    def __post_init__(self) -> None:
        self.target = Target(self.options.host, timeout=self.options.timeout)
        self._apps: dict = {}

    def for_app(self, name: str | None) -> "AppRuntime":
        if name not in self._apps:
            self._apps[name] = AppRuntime(self, name)
        return self._apps[name]

    def wanted(self, name: str | None) -> set[str]:
        if self.selected is None:
            return set(ITEM_PROBES)
        return set(self.selected.get(name, set()))


class AppRuntime:
    """Runtime findings for one audited tree; ``merge`` is what :class:`~pytest_twelvefactor.audit.Audit` calls."""

    def __init__(self, context: RuntimeContext, name: str | None):
        self.context = context
        self.name = name
        self._findings: dict[str, Finding] | None = None

    def merge(self, item_id: str, result: Result, repo) -> Result:
        probe = ITEM_PROBES.get(item_id)
        if probe is None:
            return result
        try:
            finding = self.findings(repo).get(probe) or unanswered("the probe did not run")
        except Exception as exc:  # a probe bug must not hide the static verdict
            finding = unanswered(f"probe error: {type(exc).__name__}: {exc}")
        return merge(result, finding)

    # -- one run per app, shared by xdist workers ---------------------------------------------
    def findings(self, repo) -> dict[str, Finding]:
        if self._findings is None:
            shared = self.context.shared_dir
            if shared:
                self._findings = self._shared(Path(shared), repo)
            else:
                self._findings = self.collect(repo)
        return self._findings

    def _shared(self, directory: Path, repo) -> dict[str, Finding]:
        key = hashlib.sha256(f"{self.name}\0{repo.root}".encode()).hexdigest()[:16]
        data_path, lock_path = directory / f"{key}.json", directory / f"{key}.lock"
        with open(lock_path, "a+") as lock:
            _lock(lock)
            try:
                if data_path.is_file():
                    raw = json.loads(data_path.read_text(encoding="utf-8"))
                    return {k: Finding.from_dict(v) for k, v in raw.items()}
                findings = self.collect(repo)
                tmp = data_path.with_suffix(".tmp")
                tmp.write_text(json.dumps({k: v.to_dict() for k, v in findings.items()}), encoding="utf-8")
                os.replace(tmp, data_path)
                return findings
            finally:
                _unlock(lock)

    def collect(self, repo) -> dict[str, Finding]:
        """Run the probes this session needs, non-disruptive ones first."""
        from . import probes
        from .hints import Hints, derive

        options = self.context.options
        wanted_probes = {ITEM_PROBES[i] for i in self.context.wanted(self.name) if i in ITEM_PROBES}
        target = self.context.target
        reason = target.connect()
        if reason:
            return {probe: unanswered(reason) for probe in set(ITEM_PROBES.values())}
        try:
            hints = derive(repo)
        except Exception as exc:  # the static model is odd: probes still run on explicit options
            hints = Hints()
            hints_error = f"; static hints unavailable ({type(exc).__name__}: {exc})"
        else:
            hints_error = ""
        out: dict[str, Finding] = {}

        pattern, pattern_from = options.process, "--twelvefactor-process"
        if not pattern and hints.pattern:
            pattern, pattern_from = hints.pattern, "derived from " + ", ".join(f"{p} at {w}" for p, w in hints.commands[:3])
        app = None
        if not pattern:
            app_reason = "no process pattern: the static model names no process command; give --twelvefactor-process" + hints_error
        else:
            try:
                app = probes.find_app(target, pattern)
                app_reason = ""
            except TargetError as exc:
                app_reason = str(exc)
            except re.error as exc:
                app_reason = f"--twelvefactor-process {pattern!r} is not a valid regular expression ({exc})"
        how = observed(f"host {options.host}; app processes matching {pattern!r} ({pattern_from}): "
                       + (f"{len(app.matched)} found" + (f", main {', '.join(str(p.pid) for p in app.roots[:5])}" if app.matched else "")
                          if app is not None else "not listed"), None) if pattern else None

        url, url_from = options.health_url, "--twelvefactor-health-url"
        if not url and hints.port() and hints.health_route:
            url = f"http://127.0.0.1:{hints.port()}{hints.health_route[0]}"
            url_from = f"port {hints.ports[0][0]} from {hints.ports[0][1]}, route {hints.health_route[0]} from {hints.health_route[1]}"

        def with_how(finding: Finding, extra=()) -> Finding:
            lines = tuple(e for e in ((how,) if how else ()) + tuple(extra))
            return Finding(finding.verdict, finding.summary, finding.evidence + lines, finding.weak)

        def process_probe(name, run):
            if name not in wanted_probes:
                return
            if app is None:
                out[name] = unanswered(app_reason)
                return
            try:
                out[name] = with_how(run())
            except TargetError as exc:
                out[name] = with_how(unanswered(str(exc)))

        process_probe("non_root", lambda: probes.non_root(app))
        process_probe("self_binding", lambda: probes.self_binding(target, app, hints))
        process_probe("log_files", lambda: probes.log_files(target, app))
        if "health" in wanted_probes:
            try:
                found = probes.health(target, url, app)
            except TargetError as exc:
                found = unanswered(str(exc))
            out["health"] = with_how(found, (observed(f"health URL {url} ({url_from})", None),) if url else ())

        consent = ("disruptive probe not run: it stops the app's main process; "
                   "give --twelvefactor-disruptive to measure it")
        if "sigterm" in wanted_probes:
            if not options.disruptive:
                out["sigterm"] = unanswered(consent)
            else:
                grace, grace_at = (options.grace_period, "--twelvefactor-grace-period") if options.grace_period else hints.grace
                process_probe("sigterm", lambda: probes.sigterm(target, app, grace, grace_at))
        if "startup" in wanted_probes:
            if not options.disruptive:
                out["startup"] = unanswered(consent.replace("it stops the app's main process", "it starts the app"))
            elif not options.start_cmd:
                out["startup"] = unanswered("no --twelvefactor-start-cmd: the start-up probe restarts nothing on its own")
            else:
                try:
                    found = probes.startup(target, options.start_cmd, url, options.startup_budget)
                except TargetError as exc:
                    found = unanswered(str(exc))
                out["startup"] = with_how(found, (observed(f"started with {options.start_cmd!r}; health URL {url} ({url_from})", None),))
        for name in set(ITEM_PROBES.values()) - set(out):
            out[name] = unanswered("not selected in this session")
        return out


def _lock(handle) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: best effort, the first writer wins
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


def _unlock(handle) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def describe(options: RuntimeOptions) -> str:
    """One line for the terminal summary."""
    parts = [f"runtime evidence from {options.host}"]
    parts.append(f"processes {options.process!r}" if options.process else "processes from the static model")
    if options.health_url:
        parts.append(f"health {options.health_url}")
    parts.append("disruptive probes on" + (f" (start: {options.start_cmd!r})" if options.start_cmd else "")
                 if options.disruptive else "disruptive probes off (--twelvefactor-disruptive)")
    return "; ".join(parts)


__all__ = ["AppRuntime", "DISRUPTIVE_PROBES", "RuntimeContext", "RuntimeOptions", "describe"]
