"""Time and memory stay bounded: size caps, alias-expansion caps, nesting caps, renderer timeouts,
files that would block (FIFOs), reference cycles (Dockerfile stages, Kustomize, -r includes)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from cases import alias_bomb, deep_flow
from pytest_twelvefactor.model import kubernetes, textio, yamlio
from pytest_twelvefactor.model.containers import parse_dockerfile
from pytest_twelvefactor.model.discovery import discover
from pytest_twelvefactor.model.python_source import PythonModel
from pytest_twelvefactor.model.repository import Repository

MiB = 1024 * 1024


@contextmanager
def deadline(seconds: int):
    """Fail instead of hanging (POSIX); elsewhere just run."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def peak_memory(limit_mib: float):
    tracemalloc.start()
    try:
        yield
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit_mib * MiB, f"peak {peak / MiB:.1f} MiB"


def test_a_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:  # 1 GiB, sparse: only the cap is ever read
        handle.truncate(1024 * MiB)
    start = time.perf_counter()
    with peak_memory(textio.MAX_FILE_BYTES / MiB + 4), pytest.raises(textio.UnreadableFile, match="larger than 4 MiB"):
        textio.read_text(path)
    assert time.perf_counter() - start < 2


def test_a_5_mib_manifest_is_a_quick_diagnostic(tmp_path):
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "big.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n" + "# x\n" * (5 * MiB // 4))
    start = time.perf_counter()
    repo = Repository(tmp_path, render=False)
    repo.kubernetes
    assert time.perf_counter() - start < 2
    assert [(d.path, d.message) for d in repo.diagnostics] == [("k8s/big.yaml", "larger than 4 MiB, skipped")]


def test_billion_laughs_is_refused_quickly_and_small():
    text = alias_bomb(levels=12, width=10)   # 10**12 leaves once expanded
    assert len(text) < 1000
    start = time.perf_counter()
    with peak_memory(20), pytest.raises(yamlio.YAMLBoundsError, match="alias bomb"):
        yamlio.load_all(text)
    assert time.perf_counter() - start < 2


def test_aliases_below_the_cap_still_load():
    docs = yamlio.load_all(alias_bomb(levels=4, width=5))
    assert docs[0]["kind"] == "ConfigMap"


def test_a_self_containing_alias_is_refused():
    with pytest.raises(yamlio.YAMLBoundsError, match="recursive alias"):
        yamlio.load_all("a: &x\n  b: *x\n")


@pytest.mark.parametrize("depth", [yamlio.MAX_DEPTH + 1, 1_000, 10_000])
def test_deep_nesting_is_an_error_not_a_crash(depth):
    with deadline(10), pytest.raises(yaml.YAMLError):
        yamlio.load_all(deep_flow(depth))


def test_nesting_below_the_cap_loads_and_a_wide_flat_list_is_not_deep():
    assert yamlio.load_all(deep_flow(yamlio.MAX_DEPTH - 10))
    wide = "items: [" + ", ".join(["x"] * 200_000) + "]\n"
    assert len(yamlio.load_all(wide)[0]["items"]) == 200_000


def test_deep_nesting_becomes_a_diagnostic_in_the_model(tmp_path):
    (tmp_path / "deep.yaml").write_text(deep_flow(10_000))
    (tmp_path / "deep.json").write_text('{"apiVersion": "v1", "kind": "X", "a": ' + "[" * 10_000 + "]" * 10_000 + "}")
    repo = Repository(tmp_path, render=False)
    repo.kubernetes
    assert sorted(d.path for d in repo.diagnostics) == ["deep.json", "deep.yaml"]
    assert all("\n" not in d.message for d in repo.diagnostics)


def test_duplicate_keys_are_refused_but_merge_overrides_are_not():
    with pytest.raises(yaml.YAMLError, match="duplicate key 'a' \\(first at line 1\\)"):
        yamlio.load_all("a: 1\na: 2\n")
    doc = yamlio.load_all("base: &b {a: 1, b: 2}\nmerged:\n  <<: *b\n  b: 3\n")[0]
    assert doc["merged"] == {"a": 1, "b": 3}


def test_python_nesting_and_long_chains_are_diagnostics(tmp_path):
    (tmp_path / "parens.py").write_text("x = " + "(" * 10_000 + ")" * 10_000 + "\n")
    (tmp_path / "chain.py").write_text("x = " + " + ".join(["1"] * 50_000) + "\n")
    (tmp_path / "fine.py").write_text("import os\n")
    diagnostics = []
    with deadline(30):
        model = PythonModel(discover(tmp_path), diagnostics)
    assert [m.path for m in model.modules] == ["fine.py"]
    assert sorted(d.path for d in diagnostics) == ["chain.py", "parens.py"]


def test_dockerfile_stage_cycles_terminate():
    dockerfile = parse_dockerfile("Dockerfile", "FROM b AS a\nCMD [\"a\"]\nFROM a AS b\n")
    with deadline(5):
        entry, cmd = dockerfile.command()
        base = dockerfile.runtime_base()
    assert entry is None and cmd.value == '["a"]' and base in ("a", "b")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_skipped_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n")
    with deadline(10):
        repo = Repository(tmp_path, render=False)
        objects = repo.kubernetes.all_objects()
    assert [o.name for o in objects] == ["ok"]
    assert [(d.path, d.severity) for d in repo.diagnostics] == [("pipe.yaml", "info")]


def test_kustomize_cycles_and_requirement_loops_terminate(tmp_path):
    for name, other in (("a", "b"), ("b", "a")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "kustomization.yaml").write_text(f"resources: [../{other}, .]\n")
    (tmp_path / "requirements.txt").write_text("-r requirements-dev.txt\nflask==3.0.3\n")
    (tmp_path / "requirements-dev.txt").write_text("--requirement=requirements.txt\npytest==8.0\n")
    with deadline(20):
        repo = Repository(tmp_path, render=True)
        repo.kubernetes
        repo.dependencies
    assert any("include loop" in d.message for d in repo.diagnostics)


# --------------------------------------------------------------------------- external renderers

FAKE_TOOL = """\
import json, os, sys, time
out = sys.argv[1]
kubeconfig = os.environ.get("KUBECONFIG", "")
json.dump({"env": dict(os.environ), "cwd": os.getcwd(), "argv": sys.argv[2:],
           "kubeconfig_exists": os.path.exists(kubeconfig)}, open(out, "w"))
if os.environ.get("FAKE_SLEEP"):
    time.sleep(float(os.environ["FAKE_SLEEP"]))
print("apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: rendered}")
"""


@pytest.fixture
def fake_tool(tmp_path, monkeypatch):
    script = tmp_path / "fake_tool.py"
    script.write_text(FAKE_TOOL)
    real = tmp_path / "real-kubeconfig"
    real.write_text("apiVersion: v1\nkind: Config\nclusters: [{name: prod, cluster: {server: https://prod.example.com}}]\n")
    monkeypatch.setenv("KUBECONFIG", str(real))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("HELM_KUBECONTEXT", "prod")
    monkeypatch.setenv("HELM_REPOSITORY_CONFIG", str(tmp_path / "repos.yaml"))
    return script, tmp_path / "seen.json", real


def _check_offline(seen: dict, real: Path, tree: Path, helm: bool = False) -> None:
    env = seen["env"]
    assert env["KUBECONFIG"] != str(real) and not seen["kubeconfig_exists"]
    assert not [k for k in env if k.startswith("KUBE") and k != "KUBECONFIG"]
    if helm:
        assert not [k for k in env if k.startswith("HELM_") and not k.endswith(("_CACHE_HOME", "_CONFIG_HOME", "_DATA_HOME"))]
    scratch = Path(seen["cwd"])
    assert "twelvefactor-" in scratch.name and env["HOME"] == str(scratch)
    assert Path(env["KUBECONFIG"]).parent == scratch
    assert not scratch.exists(), "the scratch directory is removed afterwards"
    assert tree not in scratch.parents and scratch != tree


def test_kustomize_runs_offline_in_a_scratch_directory(fake_tool, tmp_path):
    script, seen_path, real = fake_tool
    tree = tmp_path / "tree"
    tree.mkdir()
    rendered, error = kubernetes._run_kustomize([sys.executable, str(script), str(seen_path)], tree, timeout=30)
    assert error == "" and "rendered" in rendered
    seen = json.loads(seen_path.read_text())
    assert seen["argv"] == [str(tree)]
    _check_offline(seen, real, tree)


def test_helm_runs_offline_in_a_scratch_directory(fake_tool, tmp_path, monkeypatch):
    script, seen_path, real = fake_tool
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helm = bin_dir / "helm"
    helm.write_text(f"#!/bin/sh\nexec {sys.executable} {script} {seen_path} \"$@\"\n")
    helm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    chart = tmp_path / "chart"
    chart.mkdir()
    rendered, error = kubernetes._run_helm(chart, None, timeout=30)
    assert error == "" and "rendered" in rendered
    seen = json.loads(seen_path.read_text())
    assert seen["argv"] == ["template", "release", str(chart)]
    _check_offline(seen, real, chart, helm=True)


def test_a_hanging_renderer_times_out(fake_tool, tmp_path, monkeypatch):
    script, seen_path, _real = fake_tool
    monkeypatch.setenv("FAKE_SLEEP", "60")
    start = time.perf_counter()
    rendered, error = kubernetes._run_kustomize([sys.executable, str(script), str(seen_path)], tmp_path, timeout=1)
    assert rendered is None and error.startswith("timed out after")
    assert time.perf_counter() - start < 15


def test_line_patterns_stay_linear_on_long_blank_runs(tmp_path):
    """`^\\s*-?\\s*alert:` backtracks quadratically on a line of spaces: 600 such lines cost ~9 s."""
    from pytest_twelvefactor.checks import load_builtin

    blank = (" " * 3000 + "x\n") * 600   # 1.8 MB, under the size cap
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n")
    (tmp_path / "blank.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n" + blank)
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs:\n  build:\n    steps:\n      - run: |\n" + blank)
    repo = Repository(tmp_path, render=False)
    evaluators = load_builtin()
    start = time.process_time()
    with deadline(120):
        for evaluator in evaluators.values():
            evaluator(repo)
    assert time.process_time() - start < 3
