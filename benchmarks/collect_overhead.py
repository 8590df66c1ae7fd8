"""What the installed plugin costs a test run that does not ask for the audit.

Generates a suite of 2,000 trivial tests (100 modules x 20 tests) in a temporary
directory and times ``pytest --collect-only -q`` there, alternately with the
plugin loaded but no ``--twelvefactor`` and with ``-p no:twelvefactor``:

    python benchmarks/collect_overhead.py               # 15 runs of each, medians
    python benchmarks/collect_overhead.py --runs 31 --json /tmp/collect-overhead.json

Target: the plugin-enabled median within 2% of the disabled one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_suite(root: Path, modules: int = 100, tests_per_module: int = 20) -> None:
    (root / "tests").mkdir(parents=True, exist_ok=True)
    (root / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    for m in range(modules):
        body = "\n\n".join(f"def test_{m}_{t}():\n    assert {t} + 1 == {t + 1}" for t in range(tests_per_module))
        (root / "tests" / f"test_mod_{m:03d}.py").write_text(body + "\n")


def run(python: str, root: Path, extra: list[str]) -> float:
    command = [python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *extra]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=root, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0 or "2000 tests collected" not in proc.stdout:
        raise SystemExit(f"collection failed ({' '.join(extra) or 'plugin enabled'}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each variant, alternating (default 15)")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--json", type=Path, default=Path("/tmp/collect-overhead.json"))
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="twelvefactor-collect-") as tmp:
        root = Path(tmp)
        make_suite(root)
        env_note = {k: os.environ[k] for k in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS") if k in os.environ}
        run(args.python, root, [])  # warm the file cache and the byte-code caches of both variants
        run(args.python, root, ["-p", "no:twelvefactor"])
        enabled, disabled = [], []
        for n in range(args.runs):
            # Alternate which variant goes first so drifting machine load hits both alike.
            order = [("enabled", []), ("disabled", ["-p", "no:twelvefactor"])]
            if n % 2:
                order.reverse()
            for name, extra in order:
                (enabled if name == "enabled" else disabled).append(run(args.python, root, extra))
    med_on, med_off = statistics.median(enabled), statistics.median(disabled)
    result = {
        "tests": 2000, "runs": args.runs, "cpus": os.cpu_count(),
        "enabled_median_s": round(med_on, 4), "disabled_median_s": round(med_off, 4),
        "enabled_min_s": round(min(enabled), 4), "disabled_min_s": round(min(disabled), 4),
        "overhead_pct_median": round(100 * (med_on / med_off - 1), 2),
        "overhead_pct_min": round(100 * (min(enabled) / min(disabled) - 1), 2),
        "enabled_s": [round(x, 4) for x in enabled], "disabled_s": [round(x, 4) for x in disabled],
        "environment": env_note,
    }
    args.json.write_text(json.dumps(result, indent=2))
    print(f"pytest --collect-only, 2,000 tests, {args.runs} alternating runs each")
    print(f"  plugin enabled (no --twelvefactor): median {med_on:.3f} s  min {min(enabled):.3f} s")
    print(f"  -p no:twelvefactor:                 median {med_off:.3f} s  min {min(disabled):.3f} s")
    print(f"  overhead: {result['overhead_pct_median']:+.2f}% (medians), {result['overhead_pct_min']:+.2f}% (minima); target <= 2%")
    print(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
