"""Dockerfiles (per stage, via dockerfile-parse) and compose files."""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from dataclasses import dataclass, field

from dockerfile_parse import DockerfileParser

from . import yamlio
from .discovery import Diagnostic, FileIndex
from .kubernetes import as_dict, as_list


@dataclass(frozen=True)
class Instruction:
    name: str      # upper-case instruction, e.g. "RUN"
    value: str     # raw value, continuation lines joined
    line: int      # 1-based line of the instruction's start


@dataclass
class Stage:
    index: int
    base: str               # image reference as written in FROM (ARGs substituted where known)
    alias: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    def of(self, name: str) -> list[Instruction]:
        return [i for i in self.instructions if i.name == name]

    def last(self, name: str) -> Instruction | None:
        found = self.of(name)
        return found[-1] if found else None

    @property
    def user(self) -> Instruction | None:
        return self.last("USER")


@dataclass
class Dockerfile:
    path: str
    stages: list[Stage]
    args: dict[str, str]
    comments: list[tuple[int, str]]

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.path)

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def runtime_base(self) -> str | None:
        """The final stage's base, following ``FROM <earlier stage>`` chains."""
        stage = self.final
        seen = set()
        while stage is not None and stage.base and id(stage) not in seen:
            seen.add(id(stage))
            parent = next((s for s in self.stages if s.alias and s.alias == stage.base), None)
            if parent is None:
                return stage.base
            stage = parent
        return stage.base if stage else None

    def command(self) -> tuple[Instruction | None, Instruction | None]:
        """(ENTRYPOINT, CMD) effective in the final stage (inherited from a parent stage)."""
        stage = self.final
        entry = cmd = None
        seen = set()
        while stage is not None and id(stage) not in seen:  # `FROM b AS a` … `FROM a AS b` is a cycle
            seen.add(id(stage))
            entry = entry or stage.last("ENTRYPOINT")
            cmd = cmd or stage.last("CMD")
            stage = next((s for s in self.stages if s.alias and s.alias == stage.base), None)
        return entry, cmd


def is_exec_form(value: str) -> bool:
    value = value.strip()
    if not value.startswith("["):
        return False
    try:
        return isinstance(json.loads(value), list)
    except ValueError:
        return False


def command_words(value: str) -> list[str]:
    """CMD/ENTRYPOINT/RUN words, exec form or shell form."""
    value = value.strip()
    if is_exec_form(value):
        return [str(v) for v in json.loads(value)]
    try:
        return shlex.split(value, comments=False)
    except ValueError:
        return value.split()


_ARG_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}?")


def substitute(value: str, args: dict[str, str]) -> str:
    def repl(match):
        name, default = match.group(1), match.group(2)
        if args.get(name):
            return args[name]
        return default if default is not None else match.group(0)

    return _ARG_REF.sub(repl, value)


def parse_dockerfile(path: str, text: str) -> Dockerfile:
    parser = DockerfileParser(fileobj=_Buffer(text))
    structure = parser.structure
    stages: list[Stage] = []
    args: dict[str, str] = {}
    raw_lines = text.splitlines()
    consumed = -1  # 0-based index of the last line that belongs to a heredoc body
    for entry in structure:
        if int(entry.get("startline", 0)) <= consumed:
            continue  # dockerfile-parse splits heredoc bodies into pseudo-instructions (SET, APT-GET, EOF …)
        name = str(entry.get("instruction", "")).upper()
        value = str(entry.get("value", ""))
        line = int(entry.get("startline", 0)) + 1
        if name == "COMMENT":
            continue
        if name in ("RUN", "COPY", "ADD") and _HEREDOC.search(value):
            value, consumed = _join_heredocs(value, raw_lines, int(entry.get("endline", line - 1)))
        if name == "ARG" and not stages:
            key, _, default = value.partition("=")
            args[key.strip()] = substitute(default.strip().strip('"'), args)  # a default may use earlier ARGs
            continue
        if name == "FROM":
            words = [w for w in value.split() if not w.startswith("--")]
            base = substitute(words[0], args) if words else ""
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(len(stages), base, alias, line))
            continue
        if stages:
            stages[-1].instructions.append(Instruction(name, value, line))
    comments = [(i + 1, l.strip()[1:].strip()) for i, l in enumerate(text.splitlines()) if l.strip().startswith("#")]
    return Dockerfile(path, stages, args, comments)


_HEREDOC = re.compile(r"(?<!<)<<(-?)([\"']?)([A-Za-z_][\w]*)\2")


def _join_heredocs(value: str, lines: list[str], end: int) -> tuple[str, int]:
    """An instruction with heredocs (``RUN <<EOF`` … ``EOF``): its value with the bodies
    appended line by line as written, and the index of the last line consumed."""
    body: list[str] = []
    cursor = end + 1
    for match in _HEREDOC.finditer(value):
        delimiter, strip_tabs = match.group(3), bool(match.group(1))
        while cursor < len(lines):
            current = lines[cursor].lstrip("\t") if strip_tabs else lines[cursor]
            cursor += 1
            if current.strip() == delimiter:
                break
            body.append(lines[cursor - 1])
    return (value + "\n" + "\n".join(body) if body else value), cursor - 1


class _Buffer:
    """dockerfile-parse wants a binary file object; keep it in memory."""

    def __init__(self, text: str):
        import io

        self._io = io.BytesIO(text.encode("utf-8"))
        self.name = "Dockerfile"

    def __getattr__(self, item):
        return getattr(self._io, item)


# --------------------------------------------------------------------------- compose


@dataclass
class ComposeService:
    name: str
    path: str
    line: int
    spec: dict

    @property
    def image(self) -> str | None:
        image = self.spec.get("image")
        return str(image) if image else None

    @property
    def build(self) -> dict | None:
        build = self.spec.get("build")
        if isinstance(build, str):
            return {"context": build}
        return build if isinstance(build, dict) else None

    def command_text(self) -> str:
        parts = []
        for key in ("entrypoint", "command"):
            value = self.spec.get(key)
            if isinstance(value, list):
                parts.append(" ".join(str(v) for v in value))
            elif value:
                parts.append(str(value))
        return " ".join(parts)

    def environment(self) -> dict[str, str | None]:
        env = self.spec.get("environment")
        if isinstance(env, dict):
            return {str(k): (None if v is None else str(v)) for k, v in env.items()}
        out: dict[str, str | None] = {}
        for item in as_list(env):
            key, sep, value = str(item).partition("=")
            out[key] = value if sep else None
        return out

    def line_of(self, key: str) -> int:
        return self.spec.line_of(key) if isinstance(self.spec, yamlio.YMap) else self.line


@dataclass
class ComposeFile:
    path: str
    services: list[ComposeService]
    volumes: dict
    top: dict


def parse_compose(path: str, text: str) -> ComposeFile | None:
    docs = yamlio.load_all(text)
    doc = docs[0] if docs and isinstance(docs[0], dict) else None
    if doc is None:
        return None
    services = []
    for name, spec in as_dict(doc.get("services")).items():
        if isinstance(spec, dict):
            line = doc["services"].line_of(name) if isinstance(doc["services"], yamlio.YMap) else 1
            services.append(ComposeService(str(name), path, line, spec))
    return ComposeFile(path, services, as_dict(doc.get("volumes")), doc)


class ContainerModel:
    def __init__(self, index: FileIndex, diagnostics: list[Diagnostic]):
        self.dockerfiles: list[Dockerfile] = []
        self.compose_files: list[ComposeFile] = []
        for path in index.of("dockerfile"):
            text = index.read(path, diagnostics)
            if text is None:
                continue
            try:
                dockerfile = parse_dockerfile(path, text)
            except Exception as exc:  # dockerfile-parse raises assorted errors on odd input
                diagnostics.append(Diagnostic(path, f"cannot parse Dockerfile: {exc.__class__.__name__}"))
                continue
            if not dockerfile.stages:
                diagnostics.append(Diagnostic(path, "Dockerfile without a FROM instruction"))
                continue
            self.dockerfiles.append(dockerfile)
        for path in index.of("compose"):
            text = index.read(path, diagnostics)
            if text is None:
                continue
            try:
                compose = parse_compose(path, text)
            except Exception as exc:
                diagnostics.append(Diagnostic(path, yamlio.describe_error(exc)))
                continue
            if compose is not None and compose.services:
                self.compose_files.append(compose)

    def services(self) -> list[ComposeService]:
        return [s for f in self.compose_files for s in f.services]
