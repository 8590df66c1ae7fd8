"""End to end: `pytest --twelvefactor` over whole repositories of several archetypes.

Each archetype carries its reviewed ground truth as a Markdown table (one row
per item: id | expected verdict | …): the bundled seed example in
``conftest_examples/autobuilder-cms/EXPECTED.md``, the fixture repositories in
``tests/repos/<name>/AUDIT-NOTES.md``. The audit runs as users run it, in a
pytester sandbox holding a copy of the repository, and every item's verdict
must match exactly.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pytest_twelvefactor.catalog import load_catalog

pytest_plugins = ["pytester"]

HERE = Path(__file__).parent
# name -> (source tree, ground-truth file, whether the audited copy is a git checkout)
ARCHETYPES = {
    "autobuilder-cms": (HERE.parent / "conftest_examples" / "autobuilder-cms", "EXPECTED.md", True),
    "autobuilder-cms-before-p0": (HERE.parent / "conftest_examples" / "autobuilder-cms-before-p0", "EXPECTED.md", True),
    "exemplary": (HERE / "repos" / "exemplary", "AUDIT-NOTES.md", True),
    "bare": (HERE / "repos" / "bare", "AUDIT-NOTES.md", False),
    "messy": (HERE / "repos" / "messy", "AUDIT-NOTES.md", True),
}
VERDICTS = {"pass", "partial", "fail", "n/a", "waived"}
_ROW = re.compile(r"^\|\s*`?([a-z0-9]+\.[a-z0-9-]+)`?\s*\|(.*)$")


def expected_verdicts(path: Path) -> dict[str, str]:
    """id -> verdict from the first table column that holds a verdict word."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if not match or match.group(1) in out:
            continue
        cells = [c.strip().strip("*`").lower() for c in match.group(2).split("|")]
        for cell in cells:
            word = cell.split()[0] if cell else ""
            word = {"n-a": "n/a", "na": "n/a"}.get(word, word)
            if word in VERDICTS:
                out[match.group(1)] = word
                break
    return out


def audit_copy(pytester, source: Path, git: bool) -> dict:
    target = pytester.path / "audited"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("AUDIT-NOTES.md", "EXPECTED.md", "__pycache__"))
    if git:
        (target / ".git").mkdir()  # discovery only asks whether the tree is a checkout
    out = pytester.path / "result.json"
    result = pytester.runpytest(
        "--twelvefactor", "--twelvefactor-only", "--twelvefactor-root", str(target),
        f"--twelvefactor-json={out}", "-p", "no:cacheprovider", "-q",
    )
    assert "Traceback" not in result.stdout.str()
    document = json.loads(out.read_text())
    document["_stdout"] = result.stdout.str()
    return document


@pytest.mark.parametrize("name", sorted(ARCHETYPES))
def test_archetype_verdicts_match_ground_truth(pytester, name):
    source, notes, git = ARCHETYPES[name]
    if not (source / notes).is_file():
        pytest.skip(f"{name}: no ground truth file {notes}")
    expected = expected_verdicts(source / notes)
    assert len(expected) == 98, f"{notes} must give a verdict for all 98 items, found {len(expected)}"
    document = audit_copy(pytester, source, git)
    actual = {item["id"]: item["verdict"] for item in document["items"]}
    assert set(actual) == {i.id for i in load_catalog().items}
    errors = [i["id"] for i in document["items"] if i.get("error")]
    assert not errors, f"evaluator errors: {errors}"
    mismatches = {
        item_id: f"expected {expected[item_id]}, got {actual[item_id]}: "
        + next(i["summary"] for i in document["items"] if i["id"] == item_id)
        for item_id in expected
        if expected[item_id] != actual[item_id]
    }
    assert not mismatches, "\n".join(f"{k}: {v}" for k, v in sorted(mismatches.items()))
