"""The one walk over the audited tree.

Nothing else lists directories: every parser asks the :class:`FileIndex` for
the files of its kind. The walk skips VCS metadata, virtualenvs, dependency
caches, build output and whatever the repository's ``.gitignore`` files
ignore; it never follows a symlinked directory and ignores links that point
outside the tree (both become diagnostics).
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pathspec

from .redaction import redact
from .textio import UnreadableFile, read_text

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", "env", ".env.d", "node_modules", "__pycache__",
        ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs", "build", "dist",
        "site-packages", ".terraform", ".idea", ".vscode", "vendor", "bower_components",
        ".next", ".nuxt", "target", ".gradle", ".cache", "htmlcov",
    }
)

# (kind, predicate on the lower-cased file name) in priority order.
_NAME_RULES: list[tuple[str, re.Pattern]] = [
    ("kustomization", re.compile(r"^kustomization\.ya?ml$|^kustomization$")),
    ("helm_chart", re.compile(r"^chart\.ya?ml$")),
    ("dockerfile", re.compile(r"^(dockerfile|containerfile)(\..+)?$|.+\.(dockerfile|containerfile)$")),
    ("compose", re.compile(r"^(docker-)?compose([.-][\w.-]*)?\.ya?ml$|^docker-stack([.-][\w.-]*)?\.ya?ml$")),
    ("requirements", re.compile(r"^requirements([\w.-]*)\.(txt|in)$|^requirements$")),
    ("pyproject", re.compile(r"^pyproject\.toml$")),
    ("pipfile", re.compile(r"^pipfile$")),
    ("setup_cfg", re.compile(r"^setup\.cfg$")),
    ("lockfile", re.compile(r"^(poetry\.lock|uv\.lock|pipfile\.lock|pdm\.lock|requirements[\w.-]*\.lock|package-lock\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|go\.sum|cargo\.lock|gemfile\.lock|composer\.lock)$")),
    ("pip_conf", re.compile(r"^(pip\.conf|pip\.ini|\.pypirc)$")),
    ("npmrc", re.compile(r"^\.npmrc$|^\.yarnrc(\.yml)?$")),
    ("package_json", re.compile(r"^package\.json$")),
    ("go_mod", re.compile(r"^go\.mod$")),
    ("pom", re.compile(r"^pom\.xml$|^build\.gradle(\.kts)?$|.+\.(cs|fs|vb)proj$")),  # JVM and .NET build manifests
    ("procfile", re.compile(r"^procfile$")),
    ("env_file", re.compile(r"^\.env(\.[\w.-]+)?$|^[\w.-]+\.env$")),
    ("jenkinsfile", re.compile(r"^jenkinsfile$")),
    ("skaffold", re.compile(r"^(skaffold\.ya?ml|tiltfile|devspace\.ya?ml|garden\.yml)$")),
    ("python", re.compile(r".+\.pyi?$")),
    ("terraform", re.compile(r".+\.(tf|bicep)$")),
    ("docs", re.compile(r".+\.(md|rst|adoc)$|^readme(\..+)?$")),
    ("yaml", re.compile(r".+\.ya?ml$")),
    ("json", re.compile(r".+\.json$")),
    ("shell", re.compile(r".+\.(sh|bash)$|^entrypoint$|^docker-entrypoint$")),
    ("source_other", re.compile(r".+\.(js|mjs|cjs|ts|go|java|kt|cs|rb|php|rs)$")),
]

_CI_PATHS = (
    (re.compile(r"^\.github/workflows/[^/]+\.ya?ml$"), "github"),
    (re.compile(r"(^|/)\.gitlab-ci\.ya?ml$"), "gitlab"),
    (re.compile(r"(^|/)azure-pipelines[\w.-]*\.ya?ml$"), "azure"),
    (re.compile(r"(^|/)jenkinsfile$", re.I), "jenkins"),
    (re.compile(r"^\.circleci/config\.ya?ml$"), "circleci"),
    (re.compile(r"(^|/)bitbucket-pipelines\.ya?ml$"), "bitbucket"),
    (re.compile(r"(^|/)cloudbuild[\w.-]*\.ya?ml$"), "cloudbuild"),
    (re.compile(r"^\.drone\.ya?ml$"), "drone"),
    (re.compile(r"^\.travis\.ya?ml$"), "travis"),
)


def classify(rel: str, extra: list[tuple[str, re.Pattern]] = ()) -> str:
    """The kind of a file from its path, before reading it (``extra`` kinds first)."""
    for kind, pattern in extra:
        if pattern.search(rel):
            return kind
    name = rel.rsplit("/", 1)[-1].lower()
    for pattern, _system in _CI_PATHS:
        if pattern.search(rel):
            return "ci"
    for kind, pattern in _NAME_RULES:
        if pattern.match(name):
            return kind
    return "other"


def ci_system(rel: str) -> str | None:
    for pattern, system in _CI_PATHS:
        if pattern.search(rel):
            return system
    return None


@dataclass(frozen=True)
class Diagnostic:
    """A file the audit could not use as intended, and what it did instead."""

    path: str
    message: str
    severity: str = "warning"  # "warning" (parse failure) or "info" (not analysed, by design)

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", redact(self.message))  # renderer errors may quote a value

    def to_dict(self) -> dict:
        return {"path": self.path, "message": self.message, "severity": self.severity}


@dataclass
class FileIndex:
    root: Path
    files: dict[str, list[str]] = field(default_factory=dict)  # kind -> sorted relative paths
    directories: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    has_git: bool = False

    def of(self, *kinds: str) -> list[str]:
        out: list[str] = []
        for kind in kinds:
            out.extend(self.files.get(kind, ()))
        return sorted(out)

    def all_paths(self) -> list[str]:
        return sorted(p for paths in self.files.values() for p in paths)

    def glob(self, pattern: str) -> list[str]:
        return [p for p in self.all_paths() if fnmatch.fnmatch(p, pattern)]

    def exists(self, rel: str) -> bool:
        # A set of every path, rebuilt only when the index changes (kustomizations and
        # requirements ask this for each entry: a list scan made it O(files) per question).
        key = (id(self.files), sum(len(paths) for paths in self.files.values()))
        cached = self.__dict__.get("_path_set")
        if cached is None or cached[0] != key:
            cached = (key, frozenset(p for paths in self.files.values() for p in paths))
            self.__dict__["_path_set"] = cached
        return rel in cached[1]

    def abspath(self, rel: str) -> Path:
        return self.root / PurePosixPath(rel)

    def read(self, rel: str, diagnostics: list[Diagnostic]) -> str | None:
        """A file's text, or ``None`` with a diagnostic saying why it cannot be used."""
        try:
            return read_text(self.abspath(rel))
        except UnreadableFile as exc:
            diagnostics.append(Diagnostic(rel, str(exc)))
            return None


def _gitignore_spec(dirpath: Path) -> pathspec.PathSpec | None:
    path = dirpath / ".gitignore"
    try:
        if not path.is_file():
            return None
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    return pathspec.PathSpec.from_lines("gitwildmatch", lines)


def _ignored(rel_parts: tuple[str, ...], is_dir: bool, specs: list[tuple[tuple[str, ...], pathspec.PathSpec]]) -> bool:
    for base, spec in specs:
        if rel_parts[: len(base)] != base:
            continue
        sub = "/".join(rel_parts[len(base):])
        if not sub:
            continue
        if spec.match_file(sub + "/" if is_dir else sub):
            return True
    return False


def discover(root: Path, max_files: int = 200_000, extra_kinds: dict[str, str] | None = None) -> FileIndex:
    """Walk ``root`` once and classify every file it should audit.

    ``extra_kinds`` maps a kind to a regex on the relative path (from the
    ``pytest_twelvefactor_file_kinds`` hook); they take precedence."""
    extra = [(kind, re.compile(pattern)) for kind, pattern in sorted((extra_kinds or {}).items())]
    root = root.resolve()
    index = FileIndex(root=root)
    index.has_git = any((p / ".git").exists() for p in (root, *root.parents))
    buckets: dict[str, list[str]] = {}
    specs: list[tuple[tuple[str, ...], pathspec.PathSpec]] = []
    count = 0
    stack: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    while stack:
        directory, parts = stack.pop()
        spec = _gitignore_spec(directory)
        if spec is not None:
            specs.append((parts, spec))
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            index.diagnostics.append(Diagnostic("/".join(parts) or ".", f"cannot list directory: {exc.strerror}"))
            continue
        subdirs = []
        for entry in entries:
            rel_parts = parts + (entry.name,)
            rel = "/".join(rel_parts)
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if _unprintable(entry.name):  # every report is UTF-8 text with one line per finding
                index.diagnostics.append(Diagnostic(
                    printable(rel), "name is not printable UTF-8 (undecodable bytes or control characters); skipped", "info"))
                continue
            if is_link:
                target = _link_target(entry.path, root)
                if target is None:
                    index.diagnostics.append(Diagnostic(rel, "symbolic link points outside the tree or nowhere; skipped", "info"))
                    continue
                if target.is_dir():
                    index.diagnostics.append(Diagnostic(rel, "symbolic link to a directory; not followed", "info"))
                    continue
            if is_dir:
                if entry.name in SKIP_DIRS or entry.name.endswith(".egg-info"):
                    continue
                if _ignored(rel_parts, True, specs):
                    continue
                subdirs.append((Path(entry.path), rel_parts))
                index.directories.append(rel)
                continue
            if _ignored(rel_parts, False, specs):
                continue
            try:
                regular = entry.is_file()  # follows an in-tree link
            except OSError:
                regular = False
            if not regular:  # opening a FIFO would block the audit; sockets and devices are not text
                index.diagnostics.append(Diagnostic(rel, "not a regular file (FIFO, socket or device); skipped", "info"))
                continue
            count += 1
            if count > max_files:
                index.diagnostics.append(Diagnostic(rel, f"more than {max_files} files; the rest of the tree was not audited"))
                stack.clear()
                break
            buckets.setdefault(classify(rel, extra), []).append(rel)
        stack.extend(reversed(subdirs))
    index.files = {kind: sorted(paths) for kind, paths in buckets.items()}
    index.directories.sort()
    return index


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _unprintable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 arrive as lone surrogates
        return True
    return bool(_CONTROL.search(name))


def printable(path: str) -> str:
    """A path safe to print on one line: undecodable bytes and control characters as ``\\xNN``."""
    text = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _link_target(path: str, root: Path) -> Path | None:
    try:
        target = Path(os.path.realpath(path))
    except (OSError, RuntimeError):
        return None
    if not target.exists():
        return None
    try:
        target.relative_to(root)
    except ValueError:
        return None
    return target
