"""Hooks for extending the audit (added to pytest through ``pytest_addhooks``).

Implement them in a ``conftest.py`` or a plugin. Mark implementations
``@pytest.hookimpl(optionalhook=True)`` when the conftest must keep working
where pytest-twelvefactor is not installed or is disabled (``-p no:twelvefactor``):
pytest rejects unknown hooks otherwise. See docs/extending.md.
"""

from __future__ import annotations

import pytest


@pytest.hookspec
def pytest_twelvefactor_items(config):
    """Return extra checklist items: a list of :class:`pytest_twelvefactor.api.CustomItem`.

    Each becomes a test like the built-in ones (node ID
    ``twelvefactor::<area>::<slug>``, area marker), is scored in its area and
    appears in every report. An unknown area becomes a team area of its own.
    Called once per process (also on each xdist worker): return the same list
    everywhere.
    """


@pytest.hookspec
def pytest_twelvefactor_file_kinds(config):
    """Return extra file kinds for discovery: a mapping ``{kind: regex}``.

    The regex is matched against the path relative to the audited root; a
    matching file is classified as ``kind`` before the built-in rules, so an
    evaluator can ask ``repo.files.of(kind)`` and ``repo.text(path)``.
    """


@pytest.hookspec(firstresult=True)
def pytest_twelvefactor_modify_result(config, result):
    """Adjust one item's result before it becomes a test outcome.

    ``result`` is an :class:`pytest_twelvefactor.audit.ItemResult`; return a
    changed copy (``dataclasses.replace(result, weight=2.0)``) or ``None`` to
    keep it. The first non-``None`` answer wins.
    """


@pytest.hookspec
def pytest_twelvefactor_results(config, document):
    """Observe the final result (the JSON document) on the controlling process,
    e.g. to post scores to a dashboard. Return value ignored."""
