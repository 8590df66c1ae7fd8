"""The kit writer, the text merger for plain manifests, the diff applier and the preview."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from fixhelpers import CATALOG, tree_hash, write_tree
from manifests import SERVICE, deployment

from pytest_twelvefactor.audit import Audit
from pytest_twelvefactor.fix import yamledit
from pytest_twelvefactor.fix.kit import KitError, check_out_dir, unified_diff
from pytest_twelvefactor.fix.preview import apply_diff, document
from pytest_twelvefactor.fix.remediate import remediate

MANIFEST = """# the web app
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - image: web:1
        name: web  # main
        imagePullPolicy: Always
"""


def test_merge_inserts_missing_keys_and_keeps_comments():
    patch = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"template": {"spec": {"terminationGracePeriodSeconds": 30, "containers": [
                 {"name": "web", "imagePullPolicy": "IfNotPresent", "securityContext": {"allowPrivilegeEscalation": False}}]}}}}
    merged = yamledit.merge(MANIFEST, patch)
    assert merged.startswith("# the web app\n") and "name: web  # main" in merged
    doc = yaml.safe_load(merged)
    pod = doc["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 30
    assert pod["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert pod["containers"][0]["securityContext"] == {"allowPrivilegeEscalation": False}


def test_merge_refuses_what_it_cannot_place():
    assert yamledit.merge(MANIFEST, {"kind": "Deployment", "metadata": {"name": "other"}, "spec": {"x": 1}}) is None
    assert yamledit.merge(MANIFEST, {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": None}}) is None
    flow = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n"
    assert yamledit.merge(flow, {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"hostname": "x"}}) is None


@pytest.mark.parametrize("new", ["a\nB\nc\n", "a\nb\nc\nd", "x\n", "a\nb\nc\n\n# end\n"])
def test_diffs_apply_back(new):
    original = "a\nb\nc\n"
    assert apply_diff(original, unified_diff("f", original, new)) == new


def test_out_dir_inside_the_tree_is_refused(tmp_path):
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    for bad in (root, root / "kit", root / "sub" / "kit", tmp_path):
        with pytest.raises(KitError):
            check_out_dir(bad, root)
    check_out_dir(tmp_path / "kit", root)


def _remediate(root, out, preview=True, render=False):
    audit = Audit(root, render=render, catalog=CATALOG)
    doc = document(audit, audit.evaluate_all(), CATALOG, dt.datetime.now(dt.timezone.utc))
    return remediate(audit, doc, CATALOG, out, preview=preview, render=render)


def test_plain_manifests_kit_and_preview_leave_the_tree_untouched(tmp_path):
    root = write_tree(tmp_path / "repo", {"k8s/deploy.yaml": deployment(3), "k8s/svc.yaml": SERVICE})
    before = tree_hash(root)
    outcome = _remediate(root, tmp_path / "kit")
    assert tree_hash(root) == before
    kit = tmp_path / "kit"
    assert (kit / "manifests/twelvefactor-networkpolicy-default-deny-ingress.yaml").is_file()
    assert (kit / "patches/k8s__deploy.yaml.diff").is_file()
    assert outcome.layout.install["manifests/twelvefactor-poddisruptionbudget-web.yaml"] == "k8s/twelvefactor-poddisruptionbudget-web.yaml"
    areas = outcome.preview.comparison.areas
    assert areas["security"].delta > 0 and areas["orchestration"].delta > 0
    assert outcome.preview.new_failures == []
    readme = (kit / "README.md").read_text()
    assert "cp manifests/*.yaml" in readme and "git apply" in readme


def test_nothing_to_do(tmp_path):
    root = write_tree(tmp_path / "repo", {"README.md": "# docs only\n"})
    outcome = _remediate(root, tmp_path / "kit", preview=False)
    assert outcome.kit.changes == []
    assert "Nothing to apply" in (tmp_path / "kit/README.md").read_text()


def test_cli_fix_from_a_saved_result(tmp_path, capsys):
    import json

    from pytest_twelvefactor.__main__ import main

    root = write_tree(tmp_path / "repo", {"k8s/deploy.yaml": deployment(3), "k8s/svc.yaml": SERVICE})
    audit = Audit(root, render=False, catalog=CATALOG)
    doc = document(audit, audit.evaluate_all(), CATALOG, dt.datetime.now(dt.timezone.utc))
    (tmp_path / "result.json").write_text(json.dumps(doc))
    before = tree_hash(root)
    assert main(["fix", str(tmp_path / "result.json"), str(root), "--out", str(tmp_path / "kit"), "--preview", "--no-render"]) == 0
    assert "Cloud Native" in capsys.readouterr().out and (tmp_path / "kit/kit.json").is_file()
    assert main(["fix", str(tmp_path / "result.json"), str(root), "--out", str(root / "kit")]) == 2
    assert tree_hash(root) == before
