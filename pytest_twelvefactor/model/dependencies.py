"""Dependency declarations: requirements files, pyproject, Pipfile, setup.cfg,
lock files, other ecosystems' manifests and package-index configuration."""

from __future__ import annotations

import configparser
import posixpath
import re
import sys
from dataclasses import dataclass, field

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .discovery import Diagnostic, FileIndex

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")
_URL_CRED = re.compile(r"([a-z][a-z0-9+.-]*://)([^/@\s:]+)(:[^/@\s]*)?@", re.I)
_ENV_REF = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|%\([^)]*\)s")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Requirement:
    name: str          # normalized distribution name
    spec: str          # version specifier as written ("==1.2", ">=2", "")
    path: str
    line: int
    dev: bool = False  # from a dev/test requirements file or dependency group

    @property
    def pinned(self) -> bool:
        spec = self.spec.split(";")[0].strip()
        return bool(re.match(r"^(===?)\s*[^*,]+$", spec)) or spec.startswith("@") or "://" in spec


@dataclass
class DependencyFile:
    path: str
    kind: str                 # requirements, pyproject, pipfile, setup_cfg, package_json, go_mod, pom
    requirements: list[Requirement] = field(default_factory=list)
    dev: bool = False

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.path)


@dataclass(frozen=True)
class IndexConfig:
    path: str
    line: int
    url_redacted: str       # credentials replaced by "***"
    has_credentials: bool


def _table(value) -> dict:
    """A TOML table, or ``{}`` when the file has something else there."""
    return value if isinstance(value, dict) else {}


def _array(value) -> list:
    return value if isinstance(value, list) else []


def is_dev_path(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return bool(re.search(r"(dev|test|lint|doc|ci|local)", name.replace("requirements", "")))


def redact_url(url: str) -> tuple[str, bool]:
    """Replace embedded user:password in a URL; report whether a literal credential was there."""
    found = False

    def repl(match):
        nonlocal found
        user, password = match.group(2), match.group(3) or ""
        if _ENV_REF.fullmatch(user) or (password and _ENV_REF.fullmatch(password[1:])):
            return match.group(0)
        found = True
        return f"{match.group(1)}***@"

    return _URL_CRED.sub(repl, url), found


class DependencyModel:
    def __init__(self, index: FileIndex, diagnostics: list[Diagnostic]):
        self.index = index
        self.diagnostics = diagnostics
        self.files: list[DependencyFile] = []
        self.lockfiles: list[str] = index.of("lockfile")
        self.index_configs: list[IndexConfig] = []
        self._requirements_cache: dict[str, DependencyFile] = {}
        for kind, parse in (("requirements", lambda p: self._requirements(p, ())), ("pyproject", self._pyproject),
                            ("pipfile", self._pipfile), ("setup_cfg", self._setup_cfg)):
            for path in index.of(kind):
                try:
                    parse(path)
                except Exception as exc:  # a shape no reader expected: one file lost, not the audit
                    self.diagnostics.append(Diagnostic(path, f"cannot read {posixpath.basename(path)}: {exc.__class__.__name__}"))
        for path in index.of("package_json"):
            self._simple(path, "package_json")
        for path in index.of("go_mod"):
            self._simple(path, "go_mod")
        for path in index.of("pom"):
            self._simple(path, "pom")
        for path in index.of("pip_conf", "npmrc"):
            self._index_conf(path)
        self.files.sort(key=lambda f: f.path)

    def _text(self, path: str) -> str | None:
        return self.index.read(path, self.diagnostics)

    def _requirements(self, path: str, chain: tuple[str, ...]) -> DependencyFile | None:
        if path in chain:
            self.diagnostics.append(Diagnostic(path, f"-r include loop via {' -> '.join(chain)}"))
            return None
        if path in self._requirements_cache:
            return self._requirements_cache[path]
        text = self._text(path)
        if text is None:
            return None
        dev = is_dev_path(path)
        dep = DependencyFile(path, "requirements", dev=dev)
        self._requirements_cache[path] = dep
        logical = ""
        start = 0
        for number, raw in enumerate(text.split("\n") + [""], start=1):
            if not logical:
                start = number
            line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
            if line.endswith("\\"):
                logical += line[:-1] + " "
                continue
            logical += line
            entry, logical = logical.strip(), ""
            if not entry:
                continue
            self._requirement_line(dep, entry, start, chain + (path,))
        self.files.append(dep)
        return dep

    def _requirement_line(self, dep: DependencyFile, entry: str, line: int, chain: tuple[str, ...]) -> None:
        if entry.startswith(("-r", "--requirement", "-c", "--constraint")):
            match = re.match(r"(--requirement|--constraint|-r|-c)\s*=?\s*(.*)", entry)  # -rfile, -r file, --requirement=file
            target = match.group(2) if match else ""
            target = posixpath.normpath(posixpath.join(posixpath.dirname(dep.path), target.strip()))
            if self.index.exists(target):
                self._requirements(target, chain)
            else:
                self.diagnostics.append(Diagnostic(dep.path, f"line {line}: included file {target} not found", "info"))
            return
        if entry.startswith(("-i", "--index-url", "--extra-index-url", "-f", "--find-links")):
            url = entry.split(None, 1)[1] if " " in entry else entry.split("=", 1)[-1]
            redacted, creds = redact_url(url.strip())
            self.index_configs.append(IndexConfig(dep.path, line, redacted, creds))
            return
        if entry.startswith("-e") or entry.startswith("--editable"):
            return
        if entry.startswith("-"):
            return
        if "://" in entry and "@" not in entry.split("://", 1)[0]:
            name = entry.rsplit("#egg=", 1)[-1] if "#egg=" in entry else entry
            dep.requirements.append(Requirement(normalize(name.split("/")[-1].split(".")[0]), "@url", dep.path, line, dep.dev))
            return
        entry = entry.split(" --hash", 1)[0]
        match = _NAME.match(entry)
        if match:
            dep.requirements.append(Requirement(normalize(match.group(1)), match.group(3).strip(), dep.path, line, dep.dev))

    def _toml(self, path: str) -> tuple[dict | None, str]:
        text = self._text(path)
        if text is None:
            return None, ""
        try:
            return tomllib.loads(text), text
        except tomllib.TOMLDecodeError as exc:
            self.diagnostics.append(Diagnostic(path, f"invalid TOML: {exc}"))
            return None, text

    def _pyproject(self, path: str) -> None:
        data, text = self._toml(path)
        if data is None:
            return
        lines = text.split("\n")
        dep = DependencyFile(path, "pyproject")

        def line_of(name: str) -> int:
            pattern = re.compile(r"""^\s*["']?""" + re.escape(name) + r"""(?![A-Za-z0-9_.-])""", re.I)
            for number, line in enumerate(lines, start=1):
                if pattern.search(line):
                    return number
            return 1

        def add(spec_text: str, dev: bool = False) -> None:
            match = _NAME.match(str(spec_text))
            if match:
                dep.requirements.append(Requirement(normalize(match.group(1)), match.group(3).strip(), path, line_of(match.group(1)), dev))

        project = _table(data.get("project"))
        for item in _array(project.get("dependencies")):
            if isinstance(item, str):
                add(item)
        for group, items in _table(project.get("optional-dependencies")).items():
            for item in _array(items):
                if isinstance(item, str):
                    add(item, dev=bool(re.search(r"dev|test|lint|doc", group)))
        for group, items in _table(data.get("dependency-groups")).items():
            for item in _array(items):
                if isinstance(item, str):
                    add(item, dev=True)
        tool = _table(data.get("tool"))
        poetry = _table(tool.get("poetry"))
        poetry_groups = [(_table(poetry.get("dependencies")), False), (_table(poetry.get("dev-dependencies")), True)]
        for group in _table(poetry.get("group")).values():
            if isinstance(group, dict):
                poetry_groups.append((_table(group.get("dependencies")), True))
        for table, dev in poetry_groups:
            for name, spec in table.items():
                if name.lower() == "python":
                    continue
                version = str(spec.get("version", "")) if isinstance(spec, dict) else str(spec)
                if isinstance(spec, dict) and ("path" in spec or "git" in spec or "url" in spec):
                    version = "@local"
                version = "==" + version if re.match(r"^\d", version) else version
                dep.requirements.append(Requirement(normalize(name), version, path, line_of(name), dev))
        if dep.requirements or "project" in data or poetry:
            self.files.append(dep)
        for source in _array(_table(tool.get("uv")).get("index")) + _array(poetry.get("source")):
            if isinstance(source, dict) and source.get("url"):
                redacted, creds = redact_url(str(source["url"]))
                self.index_configs.append(IndexConfig(path, line_of(str(source.get("name", "url"))), redacted, creds))

    def _pipfile(self, path: str) -> None:
        data, text = self._toml(path)
        if data is None:
            return
        dep = DependencyFile(path, "pipfile")
        lines = text.split("\n")
        for section, dev in (("packages", False), ("dev-packages", True)):
            for name, spec in _table(data.get(section)).items():
                version = str(spec.get("version", "")) if isinstance(spec, dict) else str(spec)
                version = "" if version == "*" else version
                line = next((i for i, l in enumerate(lines, 1) if l.strip().startswith(name)), 1)
                dep.requirements.append(Requirement(normalize(name), version, path, line, dev))
        for source in _array(data.get("source")):
            if isinstance(source, dict) and source.get("url"):
                redacted, creds = redact_url(str(source["url"]))
                self.index_configs.append(IndexConfig(path, 1, redacted, creds))
        self.files.append(dep)

    def _setup_cfg(self, path: str) -> None:
        text = self._text(path)
        if text is None:
            return
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text)
        except configparser.Error as exc:
            self.diagnostics.append(Diagnostic(path, f"invalid setup.cfg: {exc.__class__.__name__}"))
            return
        if not parser.has_option("options", "install_requires"):
            return
        dep = DependencyFile(path, "setup_cfg")
        lines = text.split("\n")
        for item in parser.get("options", "install_requires").splitlines():
            match = _NAME.match(item)
            if match and item.strip():
                line = next((i for i, l in enumerate(lines, 1) if l.strip().startswith(match.group(1))), 1)
                dep.requirements.append(Requirement(normalize(match.group(1)), match.group(3).strip(), path, line))
        self.files.append(dep)

    def _simple(self, path: str, kind: str) -> None:
        self.files.append(DependencyFile(path, kind))

    def _index_conf(self, path: str) -> None:
        text = self._text(path)
        if text is None:
            return
        for number, line in enumerate(text.split("\n"), start=1):
            key, sep, value = line.partition("=")
            key = key.strip().lower()
            if not sep:
                continue
            # credential keys first: `//registry.npmjs.org/:_authToken=…` also contains "registry"
            if key.endswith(("_authtoken", ":_password", "_password", "_auth")) or key in ("password", "_authtoken"):
                literal = value.strip() and not _ENV_REF.search(value)
                self.index_configs.append(IndexConfig(path, number, f"{key}=***", bool(literal)))
            elif key in ("index-url", "extra-index-url", "index", "find-links", "registry", "repository") or key.endswith(":registry") or "registry" in key:
                redacted, creds = redact_url(value.strip())
                self.index_configs.append(IndexConfig(path, number, redacted, creds))

    # -- queries -----------------------------------------------------------------------
    def python_files(self) -> list[DependencyFile]:
        return [f for f in self.files if f.kind in ("requirements", "pyproject", "pipfile", "setup_cfg")]

    def declared_names(self) -> set[str]:
        return {r.name for f in self.files for r in f.requirements}
