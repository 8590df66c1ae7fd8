"""Fleet audit: many repositories in one run, scaling with pytest-xdist workers.

    python benchmarks/fleet.py --repos 8 --out /tmp/bench-fleet [--workers 0 1 2]

Generates ``--repos`` synthetic repositories (the "small" size of
generate.py, each with its own seed), then audits all of them in one run with
repeated ``--twelvefactor-root`` — serially, and with ``-n N --dist loadgroup``
(each app's items stay on one worker, so each repository is parsed once) — and
prints wall time, CPU time and the speed-up per worker count. Results also go
to ``<out>/fleet.json``. Generated trees belong in /tmp, never in the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402


def run(roots: list[Path], workers: int, out: Path) -> dict:
    result_path = out / f"fleet-{workers}.json"
    command = [sys.executable, "-m", "pytest", "--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider", "-q",
               f"--twelvefactor-json={result_path}"]
    for root in roots:
        command += ["--twelvefactor-root", str(root)]
    command += ["-n", str(workers), "--dist", "loadgroup"] if workers else ["-p", "no:xdist"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=out, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):  # 1: audit items failed, as expected on synthetic trees
        raise SystemExit(f"audit failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    document = json.loads(result_path.read_text())
    return {
        "workers": workers, "wall_s": round(wall, 2),
        "cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2),
        "apps": len(document["apps"]), "scores": {row["app"]: row["twelve_factor"] for row in document["fleet"]},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-fleet"))
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    out = args.out.resolve()
    repo = Path(__file__).resolve().parent.parent
    if out == repo or repo in out.parents:
        parser.error("write generated trees outside the repository")
    out.mkdir(parents=True, exist_ok=True)
    roots = []
    for n in range(args.repos):
        root = out / f"repo-{n:02d}"
        if not root.exists():
            generate("small", root, seed=100 + n)
        roots.append(root)
    rows = [run(roots, workers, out) for workers in args.workers]
    serial = next((r["wall_s"] for r in rows if r["workers"] == 0), rows[0]["wall_s"])
    print(f"fleet of {args.repos} repositories on {os.cpu_count()} cores")
    print(f"{'workers':>8} {'wall s':>8} {'cpu s':>8} {'speed-up':>9}")
    for row in rows:
        print(f"{row['workers'] or 'serial':>8} {row['wall_s']:>8.2f} {row['cpu_s']:>8.2f} {serial / row['wall_s']:>8.2f}x")
    identical = len({json.dumps(r["scores"], sort_keys=True) for r in rows}) == 1
    print(f"scores identical across worker counts: {identical}")
    (out / "fleet.json").write_text(json.dumps({"rows": rows, "identical": identical}, indent=2))
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
