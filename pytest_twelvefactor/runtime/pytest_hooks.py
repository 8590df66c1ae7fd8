"""The runtime options as a session: built once from the command line, registered
by the audit plugin only when ``--twelvefactor-host`` is given."""

from __future__ import annotations

import shutil
import tempfile

import pytest

from .context import RuntimeContext, RuntimeOptions, describe
from .target import check_spec


def build(config: pytest.Config) -> RuntimeContext | None:
    """The session's runtime context, or None without ``--twelvefactor-host``."""
    spec = config.getoption("twelvefactor_host", None)
    if not spec:
        for name in ("twelvefactor_disruptive", "twelvefactor_start_cmd"):
            if config.getoption(name, None):
                flag = "--" + name.replace("_", "-")
                raise pytest.UsageError(f"{flag} needs --twelvefactor-host (the runtime probes are off without a host)")
        return None
    problem = check_spec(spec)
    if problem:
        raise pytest.UsageError(f"--twelvefactor-host: {problem}")
    budget = config.getoption("twelvefactor_startup_budget", None)
    grace = config.getoption("twelvefactor_grace_period", None)
    for flag, value in (("--twelvefactor-startup-budget", budget), ("--twelvefactor-grace-period", grace)):
        if value is not None and value <= 0:
            raise pytest.UsageError(f"{flag}: must be a positive number of seconds, got {value:g}")
    options = RuntimeOptions(
        host=spec,
        process=config.getoption("twelvefactor_process", None),
        health_url=config.getoption("twelvefactor_health_url", None),
        disruptive=bool(config.getoption("twelvefactor_disruptive", False)),
        start_cmd=config.getoption("twelvefactor_start_cmd", None),
        startup_budget=budget if budget is not None else 30.0,
        grace_period=grace,
    )
    if options.process:
        import re

        try:
            re.compile(options.process)
        except re.error as exc:
            raise pytest.UsageError(f"--twelvefactor-process: {options.process!r} is not a valid regular expression ({exc})") from None
    shared = getattr(config, "workerinput", {}).get("twelvefactor_runtime_dir")
    context = RuntimeContext(options, shared_dir=shared)
    config.pluginmanager.register(RuntimeHooks(context), RuntimeHooks.name)
    return context


class RuntimeHooks:
    name = "twelvefactor-runtime"

    def __init__(self, context: RuntimeContext):
        self.context = context
        self._owned_dir: str | None = None

    def pytest_collection_finish(self, session) -> None:
        selected: dict = {}
        for item in session.items:
            item_id = getattr(item, "item_id", None)
            if item_id and item.get_closest_marker("twelvefactor") is not None:
                selected.setdefault(getattr(item, "app", None), set()).add(item_id)
        self.context.selected = selected

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:
        """xdist controller: one directory where the workers share a single probe run."""
        if self._owned_dir is None:
            self._owned_dir = tempfile.mkdtemp(prefix="twelvefactor-runtime-")
        node.workerinput["twelvefactor_runtime_dir"] = self._owned_dir

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if hasattr(terminalreporter.config, "workerinput"):
            return
        terminalreporter.write_line(f"twelvefactor: {describe(self.context.options)}")

    def pytest_unconfigure(self, config) -> None:
        if self._owned_dir:
            shutil.rmtree(self._owned_dir, ignore_errors=True)
