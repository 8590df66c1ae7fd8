"""The catalog is the single source of item metadata; keep it whole and in step."""

from __future__ import annotations

from pathlib import Path

from pytest_twelvefactor.catalog import load_catalog
from pytest_twelvefactor.checks import load_builtin
from pytest_twelvefactor.docs import render_all
from pytest_twelvefactor.plugin import AREAS

DOCS = Path(__file__).parent.parent / "docs" / "items"


def test_ninety_eight_items_in_nineteen_areas():
    catalog = load_catalog()
    assert len(catalog.items) == 98 and len(catalog.areas) == 19
    assert len({i.id for i in catalog.items}) == 98
    assert sum(1 for i in catalog.items if i.area.startswith("factor")) == 55
    assert [a.id for a in catalog.areas] == [a for a, _ in AREAS]


def test_every_item_has_an_evaluator_once():
    catalog = load_catalog()
    evaluators = load_builtin()
    for item in catalog.items:
        assert item.evaluator_id in evaluators, item.id
        if item.same_as:
            assert item.id not in evaluators, f"{item.id} is 'as {item.same_as}' and must not have its own evaluator"
            assert catalog.item(item.same_as).same_as is None
    assert set(evaluators) <= {i.id for i in catalog.items}


def test_items_have_titles_remediation_and_valid_metadata():
    for item in load_catalog().items:
        assert item.title.get("en") and item.title.get("ko"), item.id
        assert item.remediation.strip() and item.rationale.strip(), item.id
        assert item.severity in {"critical", "high", "medium", "low"}, item.id
        assert item.weight > 0, item.id
        assert set(item.peers) <= {"kube-score", "polaris", "kubescape", "checkov", "hadolint"}, item.id


def test_evaluators_have_docstrings():
    for item_id, evaluator in load_builtin().items():
        assert evaluator.__doc__ and len(evaluator.__doc__.strip()) > 30, item_id


def test_reference_pages_are_up_to_date():
    pages = render_all()
    stale = [name for name, text in pages.items() if not (DOCS / name).is_file() or (DOCS / name).read_text(encoding="utf-8") != text]
    assert not stale, f"regenerate with: python -m pytest_twelvefactor docs docs/items  ({len(stale)} stale: {stale[:5]})"
