"""Factor 9 — Disposability: fast start-up, graceful shutdown, preStop hooks,
termination grace periods and SIGTERM delivery.

This module also holds the *process types* of the judged deployment (what
each long-running app container, compose service or Procfile entry runs, and
which Python modules that command loads); the factor 11 items reuse them.
"""

from __future__ import annotations

import posixpath
import re
import shlex
import sys
import weakref
from dataclasses import dataclass

from ..model.containers import Dockerfile, command_words, is_exec_form
from ..model.kubernetes import BACKING_IMAGE, INFRA_IMAGE, K8sObject, as_dict, as_list, image_tag, selector_matches
from ..results import Evidence, Result, not_applicable, partial, tally
from . import check
from .common import judge_workloads, plural
from .factor02_dependencies import NOT_DEPLOYED

# --------------------------------------------------------------------------- process types

SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "busybox"})
INITS = frozenset({"tini", "tini-static", "dumb-init", "catatonit", "init", "s6-svscan", "runsvdir"})
PY_SERVERS = re.compile(r"\b(uvicorn|gunicorn|hypercorn|daphne|granian|uwsgi|waitress-serve|fastapi\s+run)\b")
PY_DEV_SERVERS = re.compile(r"\b(manage\.py\s+runserver|flask\b.*\brun\b|fastapi\s+dev\b|--reload\b)")
PY_WORKERS = re.compile(r"\b(celery\b.*\b(worker|beat)|rq\s+worker|rqworker|rqscheduler|dramatiq|arq|huey_consumer|taskiq\s+worker|faust\b.*\bworker)\b")
PY_COMMAND = re.compile(r"(^|[\s/])(python[\d.]*|uvicorn|gunicorn|hypercorn|daphne|granian|fastapi|celery|rq|dramatiq|arq|flask|django-admin|alembic|huey_consumer|taskiq|faust)(\s|$)")
NODE_COMMAND = re.compile(r"(^|[\s/])(node|npm|yarn|pnpm|bun|npx|nodemon|pm2-runtime)(\s|$)")
GO_SOURCE = re.compile(r"signal\.Notify\([^)]*SIGTERM|syscall\.SIGTERM")
NODE_SOURCE = re.compile(r"process\.on\(\s*['\"]SIG(TERM|INT)['\"]")
MIGRATE = re.compile(
    r"\b(alembic\b[^;&|]*\bupgrade|manage\.py\s+migrate|django-admin\s+migrate|flask\s+db\s+upgrade|flyway\b[^;&|]*\bmigrate|"
    r"liquibase\b[^;&|]*\bupdate|prisma\s+migrate|sequelize\b[^;&|]*db:migrate|knex\s+migrate|rails\s+db:migrate|"
    r"rake\s+db:migrate|goose\b[^;&|]*\bup|dbmate\s+(up|migrate)|atlas\s+migrate|yoyo\s+apply|aerich\s+upgrade|"
    r"sqlx\s+migrate|diesel\s+migration|migrate\s+-path)"
)
INSTALL = re.compile(r"\b(pip3?\s+install|poetry\s+install|uv\s+(pip\s+install|sync)|pipenv\s+install|npm\s+(install|ci)\b|"
                     r"yarn\s+install|apt-get\s+install|apk\s+add|yum\s+install|dnf\s+install|go\s+mod\s+download)")


@dataclass
class Process:
    """One process type: a command the judged deployment keeps running."""

    name: str                       # e.g. "Deployment/cms-web-api container web-api"
    path: str | None
    line: int | None
    argv: list[str] | None          # the effective command line, shell forms as ["/bin/sh", "-c", ...]
    origin: str                     # where the command comes from, for evidence
    dockerfile: Dockerfile | None = None
    env: str | None = None
    init: bool = False              # compose `init: true`
    obj: K8sObject | None = None
    container: dict | None = None
    cmd_at: tuple[str, int] | None = None   # where the command is written, when not at (path, line)
    by_hand: bool = False           # a script started by hand: nothing in the repository launches it

    @property
    def text(self) -> str:
        return " ".join(self.argv or [])

    @property
    def language(self) -> str | None:
        text = self.text
        if PY_COMMAND.search(text):
            return "python"
        if NODE_COMMAND.search(text):
            return "node"
        base = (self.dockerfile.runtime_base() or "") if self.dockerfile else ""
        builders = " ".join(s.base for s in self.dockerfile.stages) if self.dockerfile else ""
        if "python" in base:
            return "python"
        if "node" in base:
            return "node"
        if "golang" in builders:
            return "go"
        return None

    def evidence(self, message: str, ok: bool | None) -> Evidence:
        return Evidence(self.path, self.line, f"{self.name}: {message}", ok, self.env)


_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _cached(repo, key, build):
    store = _CACHE.setdefault(repo, {})
    if key not in store:
        store[key] = build(repo)
    return store[key]


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def image_argv(dockerfile: Dockerfile) -> tuple[list[str], list[str] | None, str]:
    """(ENTRYPOINT words, CMD words, origin) as Docker runs them; shell forms become ``/bin/sh -c``."""
    entry, cmd = dockerfile.command()
    entry_words: list[str] = []
    cmd_words: list[str] | None = None
    origin = []
    if entry is not None:
        origin.append(f"ENTRYPOINT at {dockerfile.path}:{entry.line}")
        entry_words = command_words(entry.value) if is_exec_form(entry.value) else ["/bin/sh", "-c", entry.value]
        if not is_exec_form(entry.value):
            return entry_words, None, origin[0]
    if cmd is not None:
        origin.append(f"CMD at {dockerfile.path}:{cmd.line}")
        cmd_words = command_words(cmd.value) if is_exec_form(cmd.value) else ["/bin/sh", "-c", cmd.value]
    return entry_words, cmd_words, ", ".join(origin) or f"no CMD in {dockerfile.path}"


def _dockerfile_line(dockerfile: Dockerfile) -> int:
    entry, cmd = dockerfile.command()
    chosen = entry if entry is not None and not is_exec_form(entry.value) else (cmd or entry)
    return chosen.line if chosen else (dockerfile.final.line if dockerfile.final else 1)


def _app_dockerfiles(repo) -> list[Dockerfile]:
    return [d for d in repo.containers.dockerfiles if ".devcontainer" not in d.path.split("/")]


_BUILD_STEP = re.compile(r"build-push-action|docker\s+(buildx\s+)?build|buildah\s+(bud|build)|kaniko|az\s+acr\s+build|podman\s+build|docker/build")


def _ci_builds(repo) -> list[tuple[str, str]]:
    """(expanded step text, Dockerfile path) for each CI step that builds an image."""
    out = []
    for pipe in repo.ci.pipelines:
        variables: dict[str, str] = {}
        for line in pipe.lines:
            m = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*[:=]\s*['\"]?([^\s'\"#]+)['\"]?\s*$", line)
            if m:
                variables.setdefault(m.group(1), m.group(2))
        for step in pipe.steps():
            if not _BUILD_STEP.search(step.text):
                continue
            text = re.sub(r"\$\{\{\s*(?:env|vars)\.([A-Za-z_]\w*)\s*\}\}", lambda m: variables.get(m.group(1), m.group(0)), step.text)
            text = re.sub(r"\$\{?([A-Za-z_]\w*)\}?", lambda m: variables.get(m.group(1), m.group(0)), text)
            file = re.search(r"(?:(?:^|\s)file\s+|(?:^|\s)-f\s+|--file[=\s]+)(\S+)", text)
            context = re.search(r"(?:^|\s)context\s+(\S+)", text)
            ctx = context.group(1) if context else (_cli_context(text) or ".")
            path = file.group(1) if file else posixpath.join(ctx, "Dockerfile")
            out.append((text, posixpath.normpath(path)))
    return out


_CLI_BUILD = re.compile(r"\b(?:docker\s+(?:buildx\s+)?build|podman\s+build|buildah\s+(?:bud|build))\b([^;&|\n]*)")
_CLI_FLAGS = frozenset({"--push", "--load", "--no-cache", "--pull", "-q", "--quiet", "--rm", "--force-rm", "--compress",
                        "--squash", "--disable-content-trust", "--layers"})


def _cli_context(text: str) -> str | None:
    """The positional build context of a ``docker build … <context>`` command line."""
    match = _CLI_BUILD.search(text)
    if not match:
        return None
    words, skip = _split(match.group(1)), False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = "=" not in word and word not in _CLI_FLAGS
        elif word != "-" and "://" not in word and "$" not in word:
            return word
    return None


def dockerfile_for(repo, image: str | None) -> Dockerfile | None:
    """The Dockerfile in this repository that builds ``image``, when it can be told.

    Matched by a compose service that builds that image, a CI step that builds
    and tags it, a Dockerfile named for it (``api/Dockerfile``, ``Dockerfile.api``),
    or — with a single Dockerfile and a single unmatched app image — by elimination.
    """
    if not image:
        return None
    table = _cached(repo, "image_dockerfiles", _image_table)
    return table.get(image_tag(image)[0].rsplit("/", 1)[-1])


def _image_table(repo) -> dict[str, Dockerfile]:
    dockerfiles = _app_dockerfiles(repo)
    by_path = {d.path: d for d in dockerfiles}
    images = set()
    for work in repo.kubernetes.workloads:
        if work.is_app:
            for obj in work.variants.values():
                images.update(obj.images())
    for svc in repo.containers.services():
        if svc.image:
            images.add(svc.image)
    names = sorted({image_tag(i)[0].rsplit("/", 1)[-1] for i in images if i})
    table: dict[str, Dockerfile] = {}
    for svc in repo.containers.services():
        build = svc.build
        if build and svc.image:
            ctx = posixpath.normpath(posixpath.join(posixpath.dirname(svc.path), str(build.get("context") or ".")))
            path = posixpath.normpath(posixpath.join(ctx, str(build.get("dockerfile") or "Dockerfile")))
            if path in by_path:
                table.setdefault(image_tag(svc.image)[0].rsplit("/", 1)[-1], by_path[path])
    for text, path in _ci_builds(repo):
        if path not in by_path:
            continue
        for name in names:
            if re.search(rf"(^|[/\s=]){re.escape(name)}([:\s@,]|$)", text):
                table.setdefault(name, by_path[path])
    by_label: dict[str, list[int]] = {}  # Dockerfiles by label, not every (image, Dockerfile) pair
    for n, d in enumerate(dockerfiles):
        label = _dockerfile_label(repo, d)
        if label:
            by_label.setdefault(label, []).append(n)
    for name in names:
        if name in table:
            continue
        hits = [dockerfiles[n] for n in sorted({n for label in _labels_matching(name) for n in by_label.get(label, ())})]
        if len(hits) == 1:
            table[name] = hits[0]
    unmatched = [n for n in names if n not in table and not BACKING_IMAGE.search(n) and not INFRA_IMAGE.search(n)]
    if len(dockerfiles) == 1 and len(unmatched) == 1 and dockerfiles[0] not in table.values():
        table[unmatched[0]] = dockerfiles[0]
    return table


def _dockerfile_label(repo, dockerfile: Dockerfile) -> str:
    name = posixpath.basename(dockerfile.path)
    lowered = name.lower()
    for prefix in ("dockerfile.", "containerfile."):
        if lowered.startswith(prefix):
            return name[len(prefix):].lower()
    for suffix in (".dockerfile", ".containerfile"):
        if lowered.endswith(suffix):
            return name[: -len(suffix)].lower()
    return (posixpath.basename(dockerfile.directory) or repo.root.name).lower()


def _labels_matching(image_name: str) -> set[str]:
    """Every label :func:`_label_matches` accepts for this image name."""
    image_name = image_name.lower()
    out = {image_name} | set(re.split(r"[-_.]", image_name))
    for i, char in enumerate(image_name):
        if char == "-":
            out.add(image_name[:i])
            out.add(image_name[i + 1:])
    return out


def _label_matches(label: str, image_name: str) -> bool:
    image_name = image_name.lower()
    tokens = set(re.split(r"[-_.]", image_name))
    return label == image_name or label in tokens or image_name.startswith(label + "-") or image_name.endswith("-" + label)


def container_argv(repo, obj: K8sObject, container: dict) -> tuple[list[str] | None, str, Dockerfile | None]:
    """Effective command of a Kubernetes container: (argv, origin, Dockerfile of its image)."""
    command = [str(x) for x in as_list(container.get("command"))]
    args = [str(x) for x in as_list(container.get("args"))]
    dockerfile = dockerfile_for(repo, str(container.get("image") or ""))
    if command:
        return command + args, "container command", dockerfile
    if dockerfile is None:
        return None, "image built outside this repository (command unknown)", None
    entry, cmd, origin = image_argv(dockerfile)
    if entry and entry[:2] == ["/bin/sh", "-c"] and len(entry) == 3:
        return entry, origin, dockerfile
    if args:
        return entry + args, f"container args after {origin}", dockerfile
    return entry + (cmd or []), origin, dockerfile


def container_line(obj: K8sObject, container: dict) -> int:
    for key in ("command", "args"):
        if container.get(key):
            return obj.container_line(container, key)
    return obj.container_line(container)


def process_types(repo) -> tuple[list[Process], str]:
    """The process types of the judged deployment, and a reason when there are none.

    Kubernetes: every container of every long-running app workload (Jobs and
    CronJobs are admin processes, not process types), per distinct command
    across environments. Without Kubernetes: app services of the compose
    files (one-off services excluded), else Procfile entries, else each
    Dockerfile's final command, else each Python script that starts a web
    server when run (``python app.py``; see :func:`script_servers`), started
    by hand.
    """
    return _cached(repo, "processes", _process_types)


# A web server started from Python code: always these calls; `<app>.run(…)` in modules of these frameworks.
SCRIPT_SERVER_CALLS = ("uvicorn.run", "hypercorn.run", "waitress.serve", "web.run_app", "bjoern.run", "serve_forever")
SCRIPT_RUN_FRAMEWORKS = ("flask", "quart", "sanic", "bottle", "dash", "connexion", "flask_socketio")


def script_servers(repo) -> list[tuple[object, object]]:
    """(module, call) for each app module with a ``if __name__ == "__main__":`` block that
    starts a web server (uvicorn.run, waitress.serve, aiohttp run_app, Flask-style
    ``app.run(…)`` …): a process type run as ``python <module>``. First server call per module."""
    out = []
    for module in repo.python.app_modules():
        if module.main_block is None or NOT_DEPLOYED.search(module.path):
            continue
        framework = bool(module.imported(*SCRIPT_RUN_FRAMEWORKS))
        for call in module.calls:
            if call.endswith(*SCRIPT_SERVER_CALLS) or (framework and re.search(r"\.run(_server)?$", call.name)
                                                         and call.name.count(".") == 1):
                out.append((module, call))
                break
    return out


def _process_types(repo) -> tuple[list[Process], str]:
    k8s = repo.kubernetes
    if k8s.present:
        out: list[Process] = []
        seen: dict[tuple, Process] = {}
        for work in k8s.app_workloads(long_running=True):
            for env, obj in work.variants.items():
                for container in obj.containers():
                    argv, origin, dockerfile = container_argv(repo, obj, container)
                    key = (work.ref, container.get("name"), tuple(argv) if argv is not None else None)
                    if key in seen:
                        continue
                    proc = Process(
                        f"{work.ref} container {container.get('name')}", obj.path, container_line(obj, container),
                        argv, origin, dockerfile, env if len(work.variants) > 1 else None, obj=obj, container=container,
                    )
                    if dockerfile is not None and not container.get("command") and not container.get("args"):
                        proc.cmd_at = (dockerfile.path, _dockerfile_line(dockerfile))
                    seen[key] = proc
                    out.append(proc)
        # one process per (workload, container): drop the env tag when every env runs the same command
        counts: dict[tuple, int] = {}
        for proc in out:
            counts[(proc.name,)] = counts.get((proc.name,), 0) + 1
        for proc in out:
            if counts[(proc.name,)] == 1:
                proc.env = None
        if out:
            return out, ""
        if not k8s.workloads and k8s.judged.startswith("helm"):
            return [], "Helm charts are not rendered (helm not on PATH); process types unknown"
        return [], "no long-running app workload in the Kubernetes manifests"
    services = [s for s in repo.containers.services() if _is_app_service(repo, s)]
    if services:
        out = []
        for svc in services:
            dockerfile = service_dockerfile(repo, svc)
            argv, origin = service_argv(svc, dockerfile)
            out.append(Process(f"compose service {svc.name}", svc.path, svc.line_of("command") if svc.spec.get("command") else svc.line,
                               argv, origin, dockerfile, init=svc.spec.get("init") is True))
        return out, ""
    procfiles = repo.files.of("procfile")
    if procfiles:
        out = []
        for path in procfiles:
            for number, line in enumerate((repo.text(path) or "").split("\n"), start=1):
                m = re.match(r"^([\w-]+)\s*:\s*(.+)$", line.strip())
                if m and m.group(1) != "release":
                    out.append(Process(f"Procfile {m.group(1)}", path, number, _split(m.group(2)), "Procfile"))
        if out:
            return out, ""
    dockerfiles = _app_dockerfiles(repo)
    out = []
    for dockerfile in dockerfiles:
        entry, cmd, origin = image_argv(dockerfile)
        argv = entry + (cmd or [])
        if argv:
            out.append(Process(f"image {dockerfile.path}", dockerfile.path, _dockerfile_line(dockerfile), argv, origin, dockerfile))
    if out:
        return out, ""
    for module, call in script_servers(repo):
        out.append(Process(f"script {module.path}", module.path, call.line, ["python", module.path],
                           f"{call.name} in the __main__ block of {module.path}, started by hand", by_hand=True))
    if out:
        return out, ""
    return [], "no process types found (no Kubernetes workloads, compose services, Procfile, Dockerfile command or server script)"


def _is_app_service(repo, svc) -> bool:
    spec = svc.spec
    if spec.get("profiles") or str(spec.get("restart", "")).lower() in ("no", "false") or spec.get("restart") is False:
        return False
    if svc.build:
        return True
    image = (svc.image or "").lower()
    repo_name = image_tag(image)[0]
    if not image or BACKING_IMAGE.search(repo_name) or INFRA_IMAGE.search(image):
        return False
    return dockerfile_for(repo, image) is not None


def service_dockerfile(repo, svc) -> Dockerfile | None:
    build = svc.build
    if build:
        ctx = posixpath.normpath(posixpath.join(posixpath.dirname(svc.path), str(build.get("context") or ".")))
        path = posixpath.normpath(posixpath.join(ctx, str(build.get("dockerfile") or "Dockerfile")))
        for dockerfile in repo.containers.dockerfiles:
            if dockerfile.path == path:
                return dockerfile
    return dockerfile_for(repo, svc.image)


def _compose_words(value) -> list[str] | None:
    if isinstance(value, list):
        return [str(v) for v in value]
    if value:
        return _split(str(value))
    return None


def service_argv(svc, dockerfile: Dockerfile | None) -> tuple[list[str] | None, str]:
    entry = _compose_words(svc.spec.get("entrypoint"))
    cmd = _compose_words(svc.spec.get("command"))
    if entry is not None:
        return entry + (cmd or []), "compose entrypoint"
    if dockerfile is None:
        return (cmd, "compose command") if cmd else (None, "image built elsewhere (command unknown)")
    d_entry, d_cmd, origin = image_argv(dockerfile)
    if d_entry[:2] == ["/bin/sh", "-c"]:
        return d_entry, origin
    if cmd is not None:
        return d_entry + cmd, "compose command" + (f" after {origin}" if d_entry else "")
    return d_entry + (d_cmd or []), origin


# --------------------------------------------------------------------------- Python entry modules


class PyIndex:
    """App modules by dotted name, and the import closure of an entry module."""

    def __init__(self, repo):
        self.repo = repo
        self.modules = repo.python.app_modules()
        self._paths = set(repo.files.all_paths())
        self.by_name: dict[str, object] = {}
        self.candidates: dict[str, list] = {}   # every module a name can mean (one per app root …)
        self.name_of: dict[str, str] = {}
        stdlib = getattr(sys, "stdlib_module_names", frozenset())
        for module in self.modules:
            names = self._names(module.path)
            if names:
                self.name_of[module.path] = names[0]
            for name in names:
                if "." not in name and name in stdlib:
                    continue
                self.by_name.setdefault(name, module)
                self.candidates.setdefault(name, []).append(module)
        self.by_path = {m.path: m for m in self.modules}
        self._closures: dict[str, list] = {}
        self._prefix_tables: dict[str, dict] = {}

    def _names(self, path: str) -> list[str]:
        parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
        if parts and parts[-1] == "__init__":
            parts = parts[:-1]
        if not parts:
            return []
        start = len(parts) - 1
        while start > 0 and "/".join(parts[:start]) + "/__init__.py" in self._paths:
            start -= 1
        names = [".".join(parts[start:])]
        for i in range(0, len(parts)):
            candidate = ".".join(parts[i:])
            if candidate not in names:
                names.append(candidate)
        return names

    @staticmethod
    def _nearest(found: list, near: str | None):
        """The candidate sharing the longest directory prefix with ``near`` (the importing
        module or the image's build directory): the same name in another app root of a
        monorepo is a different module."""
        if not found or near is None or len(found) == 1:
            return found[0] if found else None
        here = near.split("/")
        def shared(module) -> int:
            parts = posixpath.dirname(module.path).split("/")
            count = 0
            while count < min(len(parts), len(here)) and parts[count] == here[count]:
                count += 1
            return count
        return max(found, key=shared)  # max keeps the first of equals: the old choice

    def _nearest_named(self, name: str, near: str | None):
        """:meth:`_nearest` among the modules a name can mean, from a prefix table built once per
        name: a monorepo has thousands of ``app.main`` and scanning them all for every import
        of every module is quadratic. The first module with the longest shared directory
        prefix is the one ``max`` picks."""
        found = self.candidates.get(name) or [self.by_name[name]]
        if near is None or len(found) == 1:
            return found[0]
        table = self._prefix_tables.get(name)
        if table is None:
            table = {}
            for module in found:
                parts = tuple(posixpath.dirname(module.path).split("/"))
                for k in range(len(parts), -1, -1):
                    if table.setdefault(parts[:k], module) is not module:
                        break  # shorter prefixes already point at an earlier module
            self._prefix_tables[name] = table
        here = tuple(near.split("/"))
        for k in range(len(here), -1, -1):
            module = table.get(here[:k])
            if module is not None:
                return module
        return found[0]

    def resolve(self, dotted: str, prefixes: bool = False, near: str | None = None):
        dotted = dotted.split(":", 1)[0].strip().strip(".")
        if not dotted:
            return None
        if dotted in self.by_name:
            return self._nearest_named(dotted, near)
        if prefixes:
            parts = dotted.split(".")
            for i in range(len(parts) - 1, 0, -1):
                name = ".".join(parts[:i])
                if name in self.by_name:
                    return self._nearest_named(name, near)
        return None

    def resolve_path(self, path: str, near: str | None = None):
        path = posixpath.normpath(path.lstrip("./")) if not path.startswith("/") else path
        found = [m for m in self.modules
                 if m.path == path or m.path.endswith("/" + path) or path.endswith("/" + m.path)]
        return self._nearest(found, near)

    def _absolute(self, module, name: str) -> str:
        if not name.startswith("."):
            return name
        level = len(name) - len(name.lstrip("."))
        own = self.name_of.get(module.path, "")
        package = own.split(".") if module.path.endswith("__init__.py") else own.split(".")[:-1]
        package = package[: len(package) - (level - 1)] if level > 1 else package
        rest = name.lstrip(".")
        return ".".join(package + ([rest] if rest else []))

    def neighbours(self, module) -> list:
        found = []
        for name, _line in module.imports:
            absolute = self._absolute(module, name)
            target = self.resolve(absolute, near=module.path)
            if target is not None:
                found.append(target)
                if target.path.endswith("__init__.py"):
                    found.extend(self._from_names(module, name, absolute))
        for call in module.calls:
            name = call.name
            if name.startswith("."):
                name = self._absolute(module, name)
            target = self.resolve(name, prefixes=True, near=module.path)
            if target is not None:
                found.append(target)
        for value, _line in module.strings:
            if len(value) < 120 and re.fullmatch(r"[A-Za-z_][\w.]*(:[\w.]+)?", value) and "." in value:
                target = self.resolve(value)
                if target is not None:
                    found.append(target)
        return found

    def _from_names(self, module, name: str, absolute: str) -> list:
        """Submodules named in ``from package import a, b`` (the model keeps only the package)."""
        text = self.repo.text(module.path) or ""
        out = []
        for match in re.finditer(rf"^[ \t]*from[ \t]+{re.escape(name)}[ \t]+import[ \t]*", text, re.M):
            rest = text[match.end():match.end() + 2000]
            if rest.startswith("("):
                names = rest[1:].split(")", 1)[0]
            else:
                names = rest.split("\n", 1)[0].split("#", 1)[0]
            for item in re.split(r"[,\s]+", names):
                if item.isidentifier() and item != "as":
                    target = self.by_name.get(f"{absolute}.{item}")
                    if target is not None:
                        out.append(target)
        return out

    def closure(self, entry) -> list:
        if entry.path in self._closures:
            return self._closures[entry.path]
        seen = {entry.path: entry}
        stack = [entry]
        while stack:
            module = stack.pop()
            for target in self.neighbours(module):
                if target.path not in seen:
                    seen[target.path] = target
                    stack.append(target)
        self._closures[entry.path] = list(seen.values())
        return self._closures[entry.path]


def py_index(repo) -> PyIndex:
    return _cached(repo, "pyindex", PyIndex)


def strip_wrappers(argv: list[str]) -> list[str]:
    """The command after inits (tini, dumb-init), ``exec``, ``env`` and a trailing ``sh -c`` script."""
    words = list(argv)
    for _ in range(6):
        if not words:
            break
        head = posixpath.basename(words[0])
        if head in INITS:
            words = words[1:]
            while words and words[0].startswith("-"):
                words = words[1:]
            continue
        if head in ("exec", "env") or words[0] == "--":
            words = [w for w in words[1:]]
            while words and head == "env" and "=" in words[0]:
                words = words[1:]
            continue
        if head in SHELLS and "-c" in words:
            index = words.index("-c")
            script = words[index + 1] if len(words) > index + 1 else ""
            words = _split(_last_command(script))
            continue
        break
    return words


def _last_command(script: str) -> str:
    parts = [p.strip() for p in re.split(r"\n|;|&&|\|\|", script) if p.strip() and not p.strip().startswith("#")]
    return parts[-1] if parts else ""


def entry_module(repo, proc: Process):
    """The Python module a process type starts, or None. Among modules of the same name
    (several app roots), the one nearest the image's Dockerfile wins."""
    index = py_index(repo)
    near = proc.dockerfile.path if proc.dockerfile is not None else None
    words = strip_wrappers(proc.argv or [])
    if not words:
        return None
    head = posixpath.basename(words[0])
    if re.fullmatch(r"python[\d.]*", head):
        rest = [w for w in words[1:] if w not in ("-u", "-O", "-OO", "-B")]
        if rest[:1] == ["-m"] and len(rest) > 1:
            return index.resolve(rest[1], near=near)
        if rest and rest[0].endswith(".py"):
            return index.resolve_path(rest[0], near=near)
        return None
    if head == "celery":
        for i, word in enumerate(words):
            if word in ("-A", "--app") and i + 1 < len(words):
                return index.resolve(words[i + 1], prefixes=True, near=near)
            if word.startswith("--app="):
                return index.resolve(word.split("=", 1)[1], prefixes=True, near=near)
        return None
    if head == "fastapi" and len(words) > 1 and words[1] in ("run", "dev"):
        # fastapi-cli: an explicit path, else main.py, app.py, api.py, app/main.py … in the working directory
        explicit = [w for w in words[2:] if w.endswith(".py")]
        if explicit:
            return index.resolve_path(explicit[0], near=near)
        base = proc.dockerfile.directory if proc.dockerfile is not None else ""
        defaults = ("main.py", "app.py", "api.py", "app/main.py", "app/app.py", "app/api.py")
        for path in defaults:  # the working directory is most often the Dockerfile's directory
            found = index.by_path.get(posixpath.join(base, path) if base else path)
            if found is not None:
                return found
        for path in defaults:
            found = index.resolve_path(path, near=near)
            if found is not None:
                return found
        return None
    for word in words[1:]:
        if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.()]*", word):
            return index.resolve(word, near=near)
    if head.endswith(".py"):
        return index.resolve_path(words[0], near=near)
    return None


def process_modules(repo, proc: Process) -> tuple[list, str]:
    """(modules the process loads, how they were found): the entry module's import
    closure, else every app module under the image's Dockerfile directory, else every
    app module."""
    entry = entry_module(repo, proc)
    if entry is not None:
        return py_index(repo).closure(entry), f"entry module {entry.path}"
    modules = py_index(repo).modules
    root = proc.dockerfile.directory if proc.dockerfile is not None else ""
    if root:
        own = [m for m in modules if m.path.startswith(root + "/")]
        if own:
            return own, f"entry module not resolved; code under {root} considered"
    return modules, "entry module not resolved; whole code base considered"


def runs_in(words_text: str, pattern: re.Pattern) -> bool:
    return bool(pattern.search(words_text))


# --------------------------------------------------------------------------- factor09.fast-startup

SLOW_DELAY = 30


def _script_for(repo, argv: list[str]) -> tuple[str, str] | None:
    """(path, text) of a shell script in the repository that the command runs."""
    words = list(argv)
    while words and posixpath.basename(words[0]) in INITS | {"exec"}:
        words = words[1:]
    if words and posixpath.basename(words[0]) in SHELLS and len(words) > 1 and not words[1].startswith("-"):
        words = words[1:]
    if not words:
        return None
    name = posixpath.basename(words[0])
    if not (name.endswith(".sh") or name in ("entrypoint", "docker-entrypoint", "start", "run")):
        return None
    for path in repo.files.of("shell"):
        if posixpath.basename(path) == name:
            text = repo.text(path)
            if text is not None:
                return path, text
    return None


def slow_work(repo, argv: list[str] | None) -> list[tuple[str, str | None, int | None]]:
    """(what, script path, line) for migrations or installs the command runs at start."""
    if not argv:
        return []
    found = []
    text = " ".join(argv)
    for pattern, what in ((MIGRATE, "runs migrations"), (INSTALL, "installs packages")):
        if pattern.search(text):
            found.append((what, None, None))
    script = _script_for(repo, argv)
    if script:
        path, body = script
        for number, line in enumerate(body.split("\n"), start=1):
            if line.strip().startswith("#"):
                continue
            for pattern, what in ((MIGRATE, "runs migrations"), (INSTALL, "installs packages")):
                if pattern.search(line):
                    found.append((f"{what} in {path}:{number}", path, number))
    return found


PY_DDL = re.compile(r"^\s*(CREATE\s+(?:TABLE|(?:UNIQUE\s+)?INDEX|SCHEMA|EXTENSION)|ALTER\s+TABLE)\b", re.I)
DDL_CALLS = ("metadata.create_all", "db.create_all", "alembic.command.upgrade", "command.upgrade", "generate_schemas")


def code_migrations(repo, proc: Process) -> list[tuple[str, str, int]]:
    """(what, path, line) for schema changes the Python code of a process type makes when it
    runs: create_all / alembic upgrade / call_command('migrate') calls and CREATE/ALTER TABLE
    statements in the modules its entry module loads (first statement per module)."""
    if not proc.argv or proc.language != "python":
        return []
    modules, found_by = process_modules(repo, proc)
    if "not resolved" in found_by:
        return []
    out = []
    for module in modules:
        for call in module.calls:
            if call.endswith(*DDL_CALLS) or (call.endswith("call_command") and call.args and call.args[0] == "migrate"):
                out.append((call.name, module.path, call.line))
        statement = next(((m, line) for text, line in module.strings if (m := PY_DDL.match(text))), None)
        if statement:
            out.append((" ".join(statement[0].group(1).upper().split()) + " statement", module.path, statement[1]))
    return out


def _probe_delay(obj: K8sObject, container: dict) -> list[tuple[str, int]]:
    out = []
    for probe in ("startupProbe", "readinessProbe"):
        delay = as_dict(container.get(probe)).get("initialDelaySeconds")
        if isinstance(delay, int) and delay > SLOW_DELAY:
            out.append((f"{probe} initialDelaySeconds {delay} s > {SLOW_DELAY} s", obj.container_line(container, probe, "initialDelaySeconds")))
    return out


@check("factor09.fast-startup")
def fast_startup(repo) -> Result:
    """Start-up stays fast when pods do no slow work before serving: a long-running
    app container (its command, entrypoint script, the Python code it starts — create_all,
    alembic upgrade, CREATE/ALTER TABLE statements — or init containers) running
    migrations or package installs, or a readiness/startup probe delayed more than
    30 s, is slow start-up work (partial); otherwise pass. Job work does not count."""
    k8s = repo.kubernetes
    if k8s.present:
        def judge(obj: K8sObject):
            findings: list[tuple[str, int]] = []
            for container in obj.containers():
                argv, origin, dockerfile = container_argv(repo, obj, container)
                for what, _path, _line in slow_work(repo, argv):
                    findings.append((f"container {container.get('name')} {what} at start", container_line(obj, container)))
                proc = Process(obj.ref, obj.path, obj.line, argv, origin, dockerfile)
                for what, path, line in code_migrations(repo, proc)[:1]:
                    findings.append((f"container {container.get('name')} runs migrations at start ({what} at {path}:{line})",
                                     container_line(obj, container)))
                findings.extend((f"container {container.get('name')} {m}", l) for m, l in _probe_delay(obj, container))
            for init in obj.init_containers():
                argv = [str(x) for x in as_list(init.get("command")) + as_list(init.get("args"))]
                for what, _path, _line in slow_work(repo, argv):
                    findings.append((f"init container {init.get('name')} {what} at every pod start", container_line(obj, init)))
            if findings:
                return False, "; ".join(m for m, _ in findings), findings[0][1]
            return True, "no migrations, installs or long probe delays at start", obj.line
        evidence = judge_workloads(k8s.app_workloads(long_running=True), judge)
        return _startup_verdict(evidence, "no long-running app workload in the Kubernetes manifests", "app workloads")
    procs, reason = process_types(repo)
    evidence = []
    for proc in procs:
        slow = [w for w, _, _ in slow_work(repo, proc.argv)]
        slow += [f"runs migrations ({what} at {path}:{line})" for what, path, line in code_migrations(repo, proc)[:1]]
        if slow:
            evidence.append(proc.evidence("; ".join(slow) + " at start", False))
        elif proc.argv:
            evidence.append(proc.evidence("starts without migrations or installs", True))
    return _startup_verdict(evidence, reason or "no process type with a known command", "process types")


def _startup_verdict(evidence: list[Evidence], na_reason: str, subject: str) -> Result:
    result = tally(evidence, subject=subject, na_reason=na_reason, all_ok=f"no slow start-up work in {len(evidence)} {subject}")
    if result.verdict.value == "fail":  # the checklist has no fail for this item
        return partial(f"slow start-up work in all {len(evidence)} {subject}", evidence)
    return result


# --------------------------------------------------------------------------- factor09.graceful-shutdown

def _drain_hooks(modules) -> list[tuple[str, str, int]]:
    """(description, path, line) of explicit shutdown hooks in these modules."""
    hooks = []
    for module in modules:
        for call in module.calls:
            name = call.name
            first = str(call.args[0]) if call.args else ""
            if call.endswith("signal.signal", "add_signal_handler") and "SIGTERM" in first:
                hooks.append(("SIGTERM handler", module.path, call.line))
            elif call.endswith("on_event") and call.decorator and first == "shutdown":
                hooks.append(("shutdown event handler", module.path, call.line))
            elif ("lifespan" in call.kwargs or "on_shutdown" in call.kwargs) and re.search(r"(FastAPI|Starlette|Quart|Litestar|Sanic)$", name):
                hooks.append((f"{name.rsplit('.', 1)[-1]} lifespan/shutdown hook", module.path, call.line))
            elif re.search(r"worker_(process_)?shut(down|ting_down)\.connect$", name):
                hooks.append((f"Celery {name.rsplit('.', 2)[-2]} handler", module.path, call.line))
            elif call.endswith("on_shutdown.append", "on_cleanup.append"):
                hooks.append(("aiohttp shutdown hook", module.path, call.line))
    return hooks


def _dev_server_name(text: str) -> str:
    if "runserver" in text:
        return "manage.py runserver"
    if re.search(r"\bflask\b", text):
        return "flask run"
    if re.search(r"\bfastapi\s+dev\b", text):
        return "fastapi dev, uvicorn with --reload"
    return "--reload"


def _python_drain(repo, proc: Process) -> tuple[bool, str, list[Evidence]]:
    words = strip_wrappers(proc.argv or [])
    text = " ".join(words)
    modules, found_by = process_modules(repo, proc)
    hooks = _drain_hooks(modules)
    extra = [Evidence(path, line, f"{proc.name}: {what}", None) for what, path, line in hooks[:3]]
    if PY_DEV_SERVERS.search(text):
        return False, f"runs a development server ({_dev_server_name(text)}), which does not drain on SIGTERM", extra
    server = PY_SERVERS.search(text)
    if server:
        bonus = " (graceful timeout set)" if re.search(r"--(timeout-graceful-shutdown|graceful-timeout)", text) else ""
        name = "fastapi run (uvicorn)" if server.group(1).startswith("fastapi") else server.group(1)
        return True, f"{name} drains in-flight requests on SIGTERM{bonus}" + (f"; {hooks[0][0]}" if hooks else ""), extra
    worker = PY_WORKERS.search(text)
    if worker:
        tool = worker.group(0).split()[0]
        what = "warm shutdown finishes running tasks" if "beat" not in worker.group(0) else "beat has no in-flight work and exits"
        return True, f"{tool} {what} on SIGTERM" + (f"; {hooks[0][0]}" if hooks else ""), extra
    servers_in_code = [(m.path, c.line) for m in modules for c in m.calls if c.endswith("uvicorn.run", "web.run_app", "hypercorn.asyncio.serve")]
    if servers_in_code:
        path, line = servers_in_code[0]
        extra.append(Evidence(path, line, f"{proc.name}: server started in code", None))
        return True, "starts a server that drains on SIGTERM (uvicorn.run/aiohttp run_app)", extra
    if any(h[0] == "SIGTERM handler" for h in hooks):
        return True, "installs a SIGTERM handler", extra
    return False, f"no SIGTERM handler or draining server ({found_by})", extra


@check("factor09.graceful-shutdown")
def graceful_shutdown(repo) -> Result:
    """Each process type drains on SIGTERM: a server that drains in-flight requests
    (uvicorn, gunicorn, hypercorn…), a worker with warm shutdown (Celery, RQ, Dramatiq…),
    or an explicit SIGTERM handler in the code it runs (Node/Go: a SIGTERM handler in the
    source); development servers do not drain. All → pass, some → partial, none → fail."""
    procs, reason = process_types(repo)
    evidence: list[Evidence] = []
    for proc in procs:
        if not proc.argv:
            evidence.append(proc.evidence(f"not judged: {proc.origin}", None))
            continue
        language = proc.language
        if language == "python":
            ok, message, extra = _python_drain(repo, proc)
            evidence.append(proc.evidence(message, ok))
            evidence.extend(extra)
        elif language in ("node", "go"):
            pattern = NODE_SOURCE if language == "node" else GO_SOURCE
            hits = [(p, l) for p, l, _t in repo.grep(("source_other",), pattern)]
            if hits:
                evidence.append(proc.evidence(f"{language} SIGTERM handler at {hits[0][0]}:{hits[0][1]}", True))
            else:
                evidence.append(proc.evidence(f"no SIGTERM handler in the {language} source", False))
        else:
            evidence.append(proc.evidence("language without shutdown patterns; not judged", None))
    return tally(evidence, subject="process types", na_reason=reason or "no process type in a language the audit can judge",
                 all_ok=f"all {plural(sum(1 for e in evidence if e.ok is True), 'process type')} drain on SIGTERM")


# --------------------------------------------------------------------------- factor09.prestop

def _behind_services(repo) -> dict[str, list[tuple[K8sObject, dict]]]:
    """Workload ref -> [(Service, port spec)] for Services selecting its pods in any environment."""
    out: dict[str, list] = {}
    for work in repo.kubernetes.app_workloads(long_running=True):
        for env, obj in work.variants.items():
            labels = obj.pod_labels()
            for svc in repo.kubernetes.selector_candidates(labels, env, "Service"):
                if svc.env != env or (svc.namespace and obj.namespace and svc.namespace != obj.namespace):
                    continue
                if selector_matches(svc.selector(), labels):
                    out.setdefault(work.ref, []).append(svc)
    return out


def _target_containers(obj: K8sObject, services: list[K8sObject]) -> list[dict]:
    """Containers that serve a Service's targetPort (all containers when none can be matched)."""
    targets = set()
    for svc in services:
        for port in as_list(svc.spec.get("ports")):
            port = as_dict(port)
            targets.add(str(port.get("targetPort", port.get("port"))))
    chosen = []
    for container in obj.containers():
        ports = [as_dict(p) for p in as_list(container.get("ports"))]
        if any(str(p.get("containerPort")) in targets or str(p.get("name")) in targets for p in ports):
            chosen.append(container)
    return chosen or obj.containers()


@check("factor09.prestop")
def prestop(repo) -> Result:
    """Long-running app workloads selected by a Service need a preStop hook on the
    containers serving it, so endpoints are removed before the process gets SIGTERM.
    All → pass, some → partial, none → fail; n/a when no app workload is behind a Service."""
    if not repo.kubernetes.present:
        return not_applicable("no Kubernetes manifests")
    behind = _behind_services(repo)
    workloads = [w for w in repo.kubernetes.app_workloads(long_running=True) if w.ref in behind]

    def judge(obj: K8sObject):
        services = [s for s in behind.get(f"{obj.kind}/{obj.name}", []) if s.env == obj.env] or behind.get(f"{obj.kind}/{obj.name}", [])
        missing, present = [], []
        for container in _target_containers(obj, services):
            hook = as_dict(as_dict(container.get("lifecycle")).get("preStop"))
            (present if hook else missing).append(container)
        if missing:
            names = ", ".join(str(c.get("name")) for c in missing)
            return False, f"no preStop hook on container {names}", obj.container_line(missing[0])
        if not present:
            return None
        first = present[0]
        hook = as_dict(as_dict(first.get("lifecycle")).get("preStop"))
        how = "exec " + " ".join(str(x) for x in as_list(as_dict(hook.get("exec")).get("command"))) if hook.get("exec") else \
            ("httpGet" if hook.get("httpGet") else ("sleep" if hook.get("sleep") else "hook"))
        return True, f"preStop {how.strip()} on container {first.get('name')}", obj.container_line(first, "lifecycle", "preStop")

    evidence = judge_workloads(workloads, judge)
    return tally(evidence, subject="app workloads behind Services", na_reason="no long-running app workload is selected by a Service")


# --------------------------------------------------------------------------- factor09.grace-period

@check("factor09.grace-period")
def grace_period(repo) -> Result:
    """Every long-running app workload sets `terminationGracePeriodSeconds` explicitly
    (a positive value; 0 leaves no time to drain), so shutdown time is a decision,
    not the 30 s default. All → pass, some → partial, none → fail."""
    if not repo.kubernetes.present:
        return not_applicable("no Kubernetes manifests")

    def judge(obj: K8sObject):
        spec = obj.pod_spec()
        value = spec.get("terminationGracePeriodSeconds")
        keys = ("spec", "template", "spec") if obj.kind != "Pod" else ("spec",)
        if isinstance(value, bool) or not isinstance(value, int):
            return False, "terminationGracePeriodSeconds not set (default 30 s)", obj.line_of(*keys)
        if value <= 0:
            return False, f"terminationGracePeriodSeconds {value} leaves no time to drain", obj.line_of(*keys, "terminationGracePeriodSeconds")
        return True, f"terminationGracePeriodSeconds {value}", obj.line_of(*keys, "terminationGracePeriodSeconds")

    evidence = judge_workloads(repo.kubernetes.app_workloads(long_running=True), judge)
    return tally(evidence, subject="app workloads", na_reason="no long-running app workload in the Kubernetes manifests")


# --------------------------------------------------------------------------- factor09.sigterm

def signal_delivery(repo, argv: list[str], init: bool = False) -> tuple[bool | None, str]:
    """Does SIGTERM reach the program? (ok, reason) for an effective command line."""
    if init:
        return True, "compose `init: true` forwards signals"
    words = list(argv)
    if not words:
        return None, "no command"
    head = posixpath.basename(words[0])
    if head in INITS:
        return True, f"{head} as PID 1 forwards signals"
    if head in SHELLS and "-c" in words:
        index = words.index("-c")
        script = words[index + 1] if len(words) > index + 1 else ""
        last = _last_command(script)
        if re.match(r"exec\s+\S", last) and not re.match(r"exec\s+[<>\d]", last):
            return True, f"{head} -c ends with exec, so the program replaces the shell"
        return False, f"{head} -c without exec keeps the shell as PID 1, which does not forward SIGTERM"
    script = _script_for(repo, words)
    if script:
        path, body = script
        lines = [l.strip() for l in body.split("\n") if l.strip() and not l.strip().startswith("#")]
        if any(re.match(r"exec\s+(?![<>\d&])\S", l) for l in lines):
            return True, f"entrypoint script {path} execs the program"
        return False, f"entrypoint script {path} runs the program without exec; the shell keeps PID 1"
    if head in SHELLS:
        return None, f"{head} runs a script not found in the repository"
    if head in ("npm", "yarn", "pnpm"):
        return False, f"{head} as PID 1 does not reliably forward SIGTERM to the app"
    return True, f"exec form runs {head} as PID 1"


@check("factor09.sigterm")
def sigterm(repo) -> Result:
    """SIGTERM must reach the app process in the images the judged deployment runs:
    exec-form commands, an init (tini, dumb-init) or a shell that `exec`s the program
    pass; `sh -c` without `exec`, shell-form CMD/ENTRYPOINT and entrypoint scripts
    without `exec` fail. All process types → pass, some → partial, none → fail. Scripts
    started by hand (no image, compose service or Procfile launches them) are not judged."""
    procs, reason = process_types(repo)
    evidence: list[Evidence] = []
    for proc in procs:
        if not proc.argv or proc.by_hand:
            evidence.append(proc.evidence(f"not judged: {proc.origin}", None))
            continue
        ok, why = signal_delivery(repo, proc.argv, proc.init)
        path, line = proc.cmd_at or (proc.path, proc.line)
        evidence.append(Evidence(path, line, f"{proc.name}: {why} ({proc.origin})", ok, proc.env))
    return tally(evidence, subject="process types", na_reason=reason or (
        "no image or launcher runs the process types" if procs and all(p.by_hand for p in procs) else "no process type with a known command"))
