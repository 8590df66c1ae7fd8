"""Time the audit on the synthetic trees, beside the parse-only floor and Checkov.

    python benchmarks/run.py small medium large          # trees in /tmp/bench-<size>, generated if missing
    python benchmarks/run.py large double --no-checkov   # linearity: double is 2x large
    python benchmarks/run.py small --repeat 3 --json /tmp/bench-results.json

For each size, three subprocesses are measured one after the other:

audit
    the audit as users run it, in the tree:
    ``python -m pytest --twelvefactor --twelvefactor-only -p no:cacheprovider -q --twelvefactor-json=...``
floor
    the parse-only floor: the same Repository model with the same parsers
    (discovery, Kubernetes incl. Kustomize rendering, containers, dependencies,
    Python, CI) and no evaluator, in a fresh interpreter
checkov
    ``checkov -d <tree>`` on the Kubernetes, Kustomize, Dockerfile and GitHub
    Actions frameworks, when ``checkov`` is on PATH (or given with --checkov)

Wall time is measured around the child; CPU time (user + system) and peak RSS
come from ``os.wait4`` on the child, so they include the child's own children
(kubectl, helm) for CPU, and the largest of them for RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import SIZES, generate  # noqa: E402

FLOOR = """
import sys
from pytest_twelvefactor.model.repository import Repository
repo = Repository(sys.argv[1])
files = repo.files
k8s = repo.kubernetes
repo.containers, repo.dependencies, repo.python, repo.ci, repo.env_files
print(len(files.all_paths()), len(k8s.workloads), len(repo.python.modules), file=sys.stderr)
"""

TARGETS = {"large_wall_s": 30.0, "large_rss_mb": 1024.0, "floor_ratio": 2.0, "checkov_ratio": 10.0, "doubling_ratio": 2.0}


def run_child(command: list[str], cwd: Path, timeout: float | None = None) -> dict:
    """Run one child and return wall / cpu / peak RSS measured with os.wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = None if timeout is None else started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return {"error": f"timed out after {timeout:.0f} s"}
            time.sleep(0.02)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "returncode": proc.returncode,
        "stdout_tail": stdout.strip().splitlines()[-1:] if stdout.strip() else [],
        "stderr_tail": stderr.strip().splitlines()[-3:] if stderr.strip() else [],
    }


def best(runs: list[dict]) -> dict:
    """Median of repeated runs (wall, cpu, rss), keeping the last run's details."""
    ok = [r for r in runs if "wall_s" in r]
    if not ok:
        return runs[-1]
    merged = dict(ok[-1])
    for key in ("wall_s", "cpu_s", "peak_rss_mb"):
        merged[key] = round(statistics.median(r[key] for r in ok), 2)
    merged["runs"] = len(ok)
    return merged


def audit_command(python: str, json_path: Path) -> list[str]:
    return [python, "-m", "pytest", "--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", "-q",
            f"--twelvefactor-json={json_path}"]


def checkov_command(checkov: str, tree: Path, frameworks: list[str]) -> list[str]:
    return [checkov, "-d", str(tree), "--framework", *frameworks, "-o", "json", "--quiet", "--compact", "--skip-download"]


def tree_for(size: str, trees: Path, seed: int) -> Path:
    tree = trees / f"bench-{size}"
    stamp = trees / f"bench-{size}.generated"  # beside the tree, so the audit does not see it
    if not stamp.exists() or stamp.read_text().strip() != f"{size} {seed}":
        print(f"generating {size} into {tree} ...", file=sys.stderr)
        generate(size, tree, seed)
        stamp.write_text(f"{size} {seed}\n")
    return tree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the audit against the parse-only floor and Checkov.")
    parser.add_argument("sizes", nargs="*", default=["small", "medium", "large"], choices=sorted(SIZES))
    parser.add_argument("--trees", type=Path, default=Path("/tmp"), help="where bench-<size> trees live (default /tmp)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=1, help="runs of audit and floor per size (median reported)")
    parser.add_argument("--json", type=Path, default=Path("/tmp/bench-results.json"))
    parser.add_argument("--python", default=sys.executable, help="interpreter with pytest-twelvefactor installed")
    parser.add_argument("--checkov", default=shutil.which("checkov"), help="checkov executable (default: from PATH)")
    parser.add_argument("--no-checkov", action="store_true")
    parser.add_argument("--checkov-frameworks", default="kubernetes,kustomize,dockerfile,github_actions")
    parser.add_argument("--checkov-results", type=Path, default=None,
                        help="take Checkov's numbers from an earlier results JSON of the same trees instead of re-running it")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv)

    results = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": sys.platform},
               "targets": TARGETS, "sizes": {}}
    scratch = Path(tempfile.mkdtemp(prefix="twelvefactor-bench-"))
    for size in args.sizes:
        tree = tree_for(size, args.trees, args.seed)
        files = sum(len(f) for _, _, f in os.walk(tree))
        row = {"tree": str(tree), "files": files, "apps": SIZES[size][0], "python_files": SIZES[size][1],
               "dockerfiles": SIZES[size][2]}
        audit_runs, floor_runs = [], []
        for n in range(args.repeat):
            json_path = scratch / f"{size}-{n}.json"
            print(f"[{size}] audit run {n + 1}/{args.repeat} ...", file=sys.stderr)
            audit_runs.append(run_child(audit_command(args.python, json_path), tree, args.timeout))
            print(f"[{size}]   {audit_runs[-1].get('wall_s')} s; floor ...", file=sys.stderr)
            floor_runs.append(run_child([args.python, "-c", FLOOR, str(tree)], tree, args.timeout))
            print(f"[{size}]   {floor_runs[-1].get('wall_s')} s", file=sys.stderr)
        row["audit"], row["floor"] = best(audit_runs), best(floor_runs)
        json_path = scratch / f"{size}-{args.repeat - 1}.json"
        if json_path.exists():
            document = json.loads(json_path.read_text())
            verdicts: dict[str, int] = {}
            for item in document.get("items", []):
                verdicts[item["verdict"]] = verdicts.get(item["verdict"], 0) + 1
            row["verdicts"] = verdicts
            row["judged"] = document.get("judged_deployment") or document.get("judged")
            row["diagnostics"] = len(document.get("diagnostics", []))
        earlier = json.loads(args.checkov_results.read_text())["sizes"] if args.checkov_results else {}
        if earlier.get(size, {}).get("checkov"):
            row["checkov"] = dict(earlier[size]["checkov"], reused_from=str(args.checkov_results))
        elif args.checkov and not args.no_checkov:
            print(f"[{size}] checkov ...", file=sys.stderr)
            row["checkov"] = run_child(checkov_command(args.checkov, tree, args.checkov_frameworks.split(",")), tree, args.timeout)
            row["checkov"].pop("stdout_tail", None)  # the JSON report is large
        results["sizes"][size] = row
        args.json.write_text(json.dumps(results, indent=2))
    shutil.rmtree(scratch, ignore_errors=True)
    ratios(results)
    args.json.write_text(json.dumps(results, indent=2))
    print_table(results)
    print(f"\nresults: {args.json}")
    return 0


def ratios(results: dict) -> None:
    sizes = results["sizes"]
    for size, row in sizes.items():
        audit, floor, checkov = row["audit"], row["floor"], row.get("checkov")
        if audit.get("wall_s") and floor.get("wall_s"):
            row["audit_over_floor"] = round(audit["wall_s"] / floor["wall_s"], 2)
        if checkov and checkov.get("wall_s") and audit.get("wall_s"):
            row["checkov_over_audit"] = round(checkov["wall_s"] / audit["wall_s"], 1)
    if "large" in sizes and "double" in sizes:
        a, b = sizes["large"]["audit"].get("wall_s"), sizes["double"]["audit"].get("wall_s")
        if a and b:
            results["doubling_ratio"] = round(b / a, 2)


def print_table(results: dict) -> None:
    header = f"{'size':<8}{'files':>8}  {'audit wall':>10}{'cpu':>8}{'rss MB':>8}  {'floor wall':>10}{'cpu':>8}{'rss MB':>8}  {'a/f':>5}  {'checkov wall':>12}{'rss MB':>8}{'c/a':>6}"
    print(header)
    print("-" * len(header))
    for size, row in results["sizes"].items():
        a, f, c = row["audit"], row["floor"], row.get("checkov") or {}

        def cell(d, key, width):
            value = d.get(key)
            return f"{value:>{width}}" if value is not None else f"{'-':>{width}}"

        print(f"{size:<8}{row['files']:>8}  {cell(a, 'wall_s', 10)}{cell(a, 'cpu_s', 8)}{cell(a, 'peak_rss_mb', 8)}  "
              f"{cell(f, 'wall_s', 10)}{cell(f, 'cpu_s', 8)}{cell(f, 'peak_rss_mb', 8)}  {cell(row, 'audit_over_floor', 5)}  "
              f"{cell(c, 'wall_s', 12)}{cell(c, 'peak_rss_mb', 8)}{cell(row, 'checkov_over_audit', 6)}")
        for name, d in (("audit", a), ("floor", f), ("checkov", c)):
            if d.get("error") or d.get("returncode") not in (None, 0, 1):
                print(f"    {name}: {d.get('error') or 'exit ' + str(d.get('returncode'))} {' | '.join(d.get('stderr_tail', []))}")
    if "doubling_ratio" in results:
        print(f"double / large audit wall: {results['doubling_ratio']}")


if __name__ == "__main__":
    raise SystemExit(main())
