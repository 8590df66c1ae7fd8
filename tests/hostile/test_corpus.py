"""The hostile corpus dropped into a healthy repository: the audit completes, each broken file
is one diagnostic with a one-line reason, unrelated verdicts do not move, the tree is untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from audit_run import REPOS, fingerprint, finish, start
from cases import CASES, CORPUS, materialize, restore_permissions

# Items the junk legitimately changes: the corpus holds well-formed but poor Dockerfiles and
# requirements (heredocs, ARG-built bases, markers …) that are judged like any other, and
# orchestration.kubernetes counts manifests that do not parse against the item by design.
EXPECTED_CHANGES = {
    "factor02.pinned": "junk requirements/Pipfile/setup.cfg declare unpinned packages",
    "factor02.isolation": "junk Dockerfiles pip-install packages ad hoc",
    "factor02.system-deps": "a junk Dockerfile apt-installs git, unpinned and undocumented",
    "factor05.build-stages": "junk Dockerfiles are single-stage",
    "containerization.multi-stage": "junk Dockerfiles are single-stage",
    "containerization.non-root": "junk Dockerfiles have no USER",
    "containerization.minimal-base": "junk Dockerfiles use untagged or full-size bases",
    "orchestration.kubernetes": "unparseable manifests count against the item",
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    clean, junk = base / "clean" / "repo", base / "junk" / "repo"
    for root in (clean, junk):
        shutil.copytree(REPOS / "exemplary", root, ignore=shutil.ignore_patterns("AUDIT-NOTES.md"))
        (root / ".git").mkdir()
    materialize(junk)
    before = fingerprint(junk)
    procs = [start(clean, base / "clean-out", all_reports=False), start(junk, base / "junk-out", "-rA")]
    clean_run, junk_run = (finish(p) for p in procs)
    after = fingerprint(junk)
    restore_permissions(junk)
    return {"clean": clean_run, "junk": junk_run, "before": before, "after": after}


def test_the_table_names_every_committed_file_and_has_150_cases():
    committed = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file()}
    tabled = {c.path for c in CASES if c.make is None}
    assert committed == tabled
    assert len({c.path for c in CASES}) == len(CASES) >= 150
    kinds = {c.expect.kind for c in CASES}
    assert kinds == {"diagnostic", "parsed", "ignored"}


def test_the_audit_completes_without_internal_errors(runs):
    junk = runs["junk"]
    assert junk.returncode in (0, 1), junk.stderr[-3000:]  # 1: failing items; never 2-4 (interrupted, internal, usage)
    for text in (junk.stdout, junk.stderr):
        assert "Traceback" not in text and "INTERNALERROR" not in text, text[-3000:]
    document = junk.json()
    assert len(document["items"]) == 98
    assert [i["id"] for i in document["items"] if i.get("error")] == []
    for name in ("junit.xml", "report.md", "report.sarif", "report.html"):
        assert (junk.out / name).stat().st_size > 0


@pytest.mark.parametrize("case", CASES, ids=[c.shown for c in CASES])
def test_corpus_case(runs, case):
    diagnostics = [d for d in runs["junk"].json()["diagnostics"] if d["path"] == case.shown]
    expect = case.expect
    if expect.kind != "diagnostic":
        assert diagnostics == [], f"{case.path}: expected {expect}"
        return
    assert diagnostics, f"{case.path}: expected a diagnostic containing {expect.fragment!r}"
    matching = [d for d in diagnostics if expect.fragment in d["message"]]
    assert matching, f"{case.path}: {[d['message'] for d in diagnostics]} lacks {expect.fragment!r}"
    assert {d["severity"] for d in matching} == {expect.severity}


def test_diagnostics_are_one_line_reasons_without_tracebacks(runs):
    for diagnostic in runs["junk"].json()["diagnostics"]:
        message = diagnostic["message"]
        assert "\n" not in message and "\n" not in diagnostic["path"], diagnostic
        assert "Traceback" not in message and 0 < len(message) <= 300, diagnostic


def test_every_diagnostic_belongs_to_a_case(runs):
    shown = {c.shown for c in CASES}
    kustomize_overlays = {"deploy/overlays/dev/kustomization.yaml"}  # the overlay holding the alias-bomb patch file
    stray = [d for d in runs["junk"].json()["diagnostics"] if d["path"] not in shown | kustomize_overlays]
    assert stray == []
    assert runs["clean"].json()["diagnostics"] == []


def test_unrelated_items_keep_their_verdicts(runs):
    clean = {i["id"]: i for i in runs["clean"].json()["items"]}
    junk = {i["id"]: i for i in runs["junk"].json()["items"]}
    assert set(clean) == set(junk)
    changed = {k for k in clean if clean[k]["verdict"] != junk[k]["verdict"]}
    assert changed <= set(EXPECTED_CHANGES), {k: (clean[k]["verdict"], junk[k]["verdict"], junk[k]["summary"], [e for e in junk[k]["evidence"] if e.get("ok") is False][:3]) for k in changed - set(EXPECTED_CHANGES)}
    corpus_paths = {c.path for c in CASES}
    for item in changed:  # what moved an item is evidence from the corpus itself
        new = [e for e in junk[item]["evidence"] if e.get("ok") is False and e not in clean[item]["evidence"]]
        assert new and all(e["path"] in corpus_paths for e in new), (item, new[:3])


def test_the_audited_tree_is_unchanged(runs):
    assert runs["before"] == runs["after"]
