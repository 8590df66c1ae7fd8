"""The repository model: one discovery pass, lazily built sub-models, shared caches.

Evaluators receive a :class:`Repository` and ask it questions; they never
open files. Each sub-model is built on first use and kept for the audit, so
a file is read and parsed at most once however many checks look at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .ci import CIModel
from .containers import ContainerModel
from .dependencies import DependencyModel
from .discovery import Diagnostic, FileIndex, discover
from .kubernetes import KubernetesModel
from .python_source import PythonModel


@dataclass(frozen=True)
class EnvFile:
    """A dotenv file: keys with their line; values only as 'set' / 'empty' / 'reference'."""

    path: str
    entries: tuple[tuple[str, int, str], ...]  # (key, line, value) - value never leaves the model


class Repository:
    def __init__(self, root: Path | str, *, render: bool = True, policy: dict | None = None,
                 extra_kinds: dict[str, str] | None = None):
        self.root = Path(root).resolve()
        self.render = render
        self.policy = dict(policy or {})
        self.extra_kinds = dict(extra_kinds or {})
        self.diagnostics: list[Diagnostic] = []
        self._texts: dict[str, str | None] = {}

    @cached_property
    def files(self) -> FileIndex:
        index = discover(self.root, extra_kinds=self.extra_kinds)
        self.diagnostics.extend(index.diagnostics)
        return index

    @cached_property
    def kubernetes(self) -> KubernetesModel:
        return KubernetesModel(self.files, self.diagnostics, render=self.render, policy=self.policy)

    @cached_property
    def containers(self) -> ContainerModel:
        return ContainerModel(self.files, self.diagnostics)

    @cached_property
    def dependencies(self) -> DependencyModel:
        return DependencyModel(self.files, self.diagnostics)

    @cached_property
    def python(self) -> PythonModel:
        return PythonModel(self.files, self.diagnostics)

    @cached_property
    def ci(self) -> CIModel:
        return CIModel(self.files, self.diagnostics)

    @property
    def judged_deployment(self) -> str:
        """Which description of the deployment is judged: Kubernetes first; compose only without it."""
        judged = self.kubernetes.judged
        if judged == "none" and self.containers.compose_files:
            return "compose (no Kubernetes)"
        return judged

    def text(self, path: str) -> str | None:
        """Text of a file that no structured parser covers (README, shell, Terraform…)."""
        if path not in self._texts:
            self._texts[path] = self.files.read(path, self.diagnostics)
        return self._texts[path]

    def grep(self, kinds: tuple[str, ...], pattern: re.Pattern) -> list[tuple[str, int, str]]:
        """(path, line, line text) for each matching line in files of these kinds."""
        out = []
        for path in self.files.of(*kinds):
            text = self.text(path)
            if not text or not pattern.search(text):
                continue
            for number, line in enumerate(text.split("\n"), start=1):
                if pattern.search(line):
                    out.append((path, number, line))
        return out

    @cached_property
    def env_files(self) -> list[EnvFile]:
        out = []
        for path in self.files.of("env_file"):
            text = self.text(path)
            if text is None:
                continue
            entries = []
            for number, line in enumerate(text.split("\n"), start=1):
                stripped = line.strip()
                if not stripped or stripped.startswith("#") or "=" not in stripped:
                    continue
                key, _, value = stripped.removeprefix("export ").partition("=")
                entries.append((key.strip(), number, value.strip().strip("'\"")))
            out.append(EnvFile(path, tuple(entries)))
        return out

    def diagnostics_sorted(self) -> list[Diagnostic]:
        seen = set()
        out = []
        for diag in sorted(self.diagnostics, key=lambda d: (d.path, d.message)):
            key = (diag.path, diag.message)
            if key not in seen:
                seen.add(key)
                out.append(diag)
        return out
