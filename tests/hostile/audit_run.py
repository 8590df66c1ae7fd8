"""Running the audit the way users do (``python -m pytest --twelvefactor``) and fingerprinting trees."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPOS = Path(__file__).parent.parent / "repos"


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    out: Path

    def json(self) -> dict:
        return json.loads((self.out / "result.json").read_text(encoding="utf-8"))

    def outputs(self) -> dict[str, str]:
        """Every output of the run as text: terminal, stderr and each report file."""
        texts = {"stdout": self.stdout, "stderr": self.stderr}
        for path in sorted(self.out.iterdir()):
            texts[path.name] = path.read_text(encoding="utf-8", errors="replace")
        return texts


def start(root: Path, out: Path, *extra: str, cwd: Path | None = None, all_reports: bool = True) -> subprocess.Popen:
    """Start an audit of ``root`` writing its reports into ``out`` (outside the audited tree)."""
    out.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "pytest", "--twelvefactor", "--twelvefactor-only", "-p", "no:cacheprovider",
            f"--twelvefactor-root={root}", f"--twelvefactor-json={out / 'result.json'}"]
    if all_reports:
        args += [f"--junitxml={out / 'junit.xml'}", f"--twelvefactor-md={out / 'report.md'}",
                 f"--twelvefactor-sarif={out / 'report.sarif'}", f"--html={out / 'report.html'}", "--self-contained-html"]
    proc = subprocess.Popen([*args, *extra], cwd=cwd or out, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8", errors="replace", env={**os.environ, "COLUMNS": "200"})
    proc.twelvefactor_out = out  # type: ignore[attr-defined]
    return proc


def finish(proc: subprocess.Popen, timeout: float = 180) -> Run:
    stdout, stderr = proc.communicate(timeout=timeout)
    return Run(proc.returncode, stdout, stderr, proc.twelvefactor_out)  # type: ignore[attr-defined]


def audit(root: Path, out: Path, *extra: str, **kwargs) -> Run:
    return finish(start(root, out, *extra, **kwargs))


def fingerprint(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` (not following links, never opening special files):
    type, mode, size, mtime and a content hash for regular files, the target for links."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
                out[rel] = ("file", stat.S_IMODE(info.st_mode), info.st_size, info.st_mtime_ns, digest)
            else:
                out[rel] = ("dir" if stat.S_ISDIR(info.st_mode) else "special", stat.S_IMODE(info.st_mode), info.st_mtime_ns)
    return out
