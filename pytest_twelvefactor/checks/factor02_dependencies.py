"""Factor 2 — Dependencies: declared, pinned, system packages, package indexes, isolation."""

from __future__ import annotations

import json
import posixpath
import re
import shlex
import sys
from dataclasses import dataclass, field

from ..model.containers import Dockerfile
from ..model.dependencies import normalize, redact_url
from ..results import Evidence, failed, not_applicable, partial, passed, tally
from . import check
from .common import plural

# Directories whose code, manifests and Dockerfiles are not the deployed application.
NOT_DEPLOYED = re.compile(r"(^|/)(\.devcontainer|tests?|testing|e2e|fixtures|docs?|examples?|samples?|benchmarks?)(/|$)")
DEP_KINDS = ("requirements", "pyproject", "pipfile", "setup_cfg", "package_json", "go_mod", "pom")
PY_DEP_KINDS = ("requirements", "pyproject", "pipfile", "setup_cfg")
MANIFEST_NAMES = re.compile(
    r"(requirements[\w.-]*\.(txt|in)|pyproject\.toml|pipfile(\.lock)?|setup\.(cfg|py)|poetry\.lock|uv\.lock|pdm\.lock|"
    r"package(-lock)?\.json|yarn\.lock|pnpm-lock\.yaml|go\.(mod|sum)|pom\.xml|build\.gradle(\.kts)?|gemfile(\.lock)?|"
    r"cargo\.(toml|lock)|composer\.(json|lock)|\*\.csproj|packages\.config)\b",
    re.I,
)
# Files that are tooling, not application code.
TOOLING_MODULES = {"setup.py", "noxfile.py", "fabfile.py", "dodo.py"}

# Import name -> distribution names, for packages whose import name differs from the name on the index.
IMPORT_TO_DIST: dict[str, tuple[str, ...]] = {
    "yaml": ("pyyaml",), "ruamel": ("ruamel-yaml",), "jwt": ("pyjwt", "python-jwt"), "jose": ("python-jose",),
    "PIL": ("pillow",), "dotenv": ("python-dotenv",), "sklearn": ("scikit-learn",), "skimage": ("scikit-image",),
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"),
    "bs4": ("beautifulsoup4",), "dateutil": ("python-dateutil",), "multipart": ("python-multipart",),
    "magic": ("python-magic",), "psycopg2": ("psycopg2", "psycopg2-binary"), "psycopg": ("psycopg", "psycopg-binary"),
    "MySQLdb": ("mysqlclient",), "mysql": ("mysql-connector-python", "mysql-connector"), "attr": ("attrs",),
    "OpenSSL": ("pyopenssl",), "Crypto": ("pycryptodome", "pycrypto"), "Cryptodome": ("pycryptodomex",),
    "nacl": ("pynacl",), "gi": ("pygobject",), "serial": ("pyserial",), "usb": ("pyusb",), "zmq": ("pyzmq",),
    "git": ("gitpython",), "docx": ("python-docx",), "pptx": ("python-pptx",), "telegram": ("python-telegram-bot",),
    "slugify": ("python-slugify",), "pythonjsonlogger": ("python-json-logger",), "json_log_formatter": ("json-log-formatter",),
    "socketio": ("python-socketio",), "engineio": ("python-engineio",), "memcache": ("python-memcached",),
    "kafka": ("kafka-python", "kafka-python-ng"), "ldap": ("python-ldap",), "grpc": ("grpcio",),
    "dns": ("dnspython",), "win32api": ("pywin32",), "pkg_resources": ("setuptools",), "_pytest": ("pytest",),
    "rediscluster": ("redis-py-cluster",), "Levenshtein": ("python-levenshtein", "levenshtein"),
    "dj_database_url": ("dj-database-url",), "environ": ("django-environ", "environ-config"), "decouple": ("python-decouple",),
    "rest_framework": ("djangorestframework",), "corsheaders": ("django-cors-headers",), "debug_toolbar": ("django-debug-toolbar",),
    "django_celery_beat": ("django-celery-beat",), "django_filters": ("django-filter",), "storages": ("django-storages",),
    "flask_sqlalchemy": ("flask-sqlalchemy",), "flask_cors": ("flask-cors",), "sentry_sdk": ("sentry-sdk",),
    "google.protobuf": ("protobuf",), "fitz": ("pymupdf",), "docker": ("docker",), "kubernetes": ("kubernetes",),
    "lxml": ("lxml",), "markdown": ("markdown",), "pydantic_settings": ("pydantic-settings",), "Bio": ("biopython",),
    "faiss": ("faiss-cpu", "faiss-gpu"), "tiktoken": ("tiktoken",), "websocket": ("websocket-client",),
    "pymysql": ("pymysql",), "cx_Oracle": ("cx-oracle",), "snowflake": ("snowflake-connector-python",),
    "pytz": ("pytz",), "tzdata": ("tzdata",), "typing_extensions": ("typing-extensions",), "mcp": ("mcp",),
    "playwright": ("playwright",), "structlog": ("structlog",), "pkg_about": ("pkg-about",),
    "redbeat": ("celery-redbeat",),
    # Sub-packages of the opentelemetry namespace shipped by the opentelemetry-api distribution.
    **{f"opentelemetry.{sub}": ("opentelemetry-api",) for sub in (
        "trace", "metrics", "_logs", "_events", "context", "baggage", "propagate", "propagators", "attributes",
        "environment_variables", "util", "version")},
}
# Namespace packages: the distribution is named after the first two import components.
NAMESPACE_PACKAGES = {"google", "azure", "opentelemetry", "backports", "zope", "jaraco", "sphinxcontrib", "ruamel", "oslo", "msrest"}
# Packages commonly imported directly while installed through a declared parent (import name -> parents).
TRANSITIVE = {
    "starlette": ("fastapi",), "pydantic": ("fastapi", "pydantic-settings", "sqlmodel"), "pydantic_core": ("pydantic",),
    "kombu": ("celery",), "billiard": ("celery",), "vine": ("celery",), "click": ("flask", "celery", "uvicorn", "typer"),
    "werkzeug": ("flask",), "jinja2": ("flask",), "itsdangerous": ("flask",), "urllib3": ("requests", "botocore", "kubernetes"),
    "anyio": ("httpx", "starlette", "fastapi"), "httpcore": ("httpx",), "h11": ("httpx", "uvicorn"),
    "botocore": ("boto3",), "s3transfer": ("boto3",), "sqlalchemy": ("sqlmodel", "flask-sqlalchemy", "alembic"),
    "typing_extensions": ("pydantic", "fastapi", "sqlalchemy"), "certifi": ("requests", "httpx"), "idna": ("requests", "httpx"),
    "multidict": ("aiohttp",), "yarl": ("aiohttp",), "mako": ("alembic",), "markupsafe": ("jinja2", "flask"),
    "redis": ("celery",), "uvloop": ("uvicorn",), "websockets": ("uvicorn",), "google.protobuf": ("grpcio-tools", "opentelemetry-proto"),
    "bcrypt": ("passlib",), "asgiref": ("django",), "sqlparse": ("django",), "six": ("python-dateutil",),
}
PIP_TOOLING = {"pip", "setuptools", "wheel", "poetry", "uv", "pipenv", "pip-tools", "hatch", "hatchling", "pdm", "virtualenv", "build", "supervisor"}


def within(path: str, directory: str) -> bool:
    """``path`` is ``directory`` or lies below it ("" is the repository root)."""
    return directory == "" or path == directory or path.startswith(directory + "/")


def _depth(directory: str) -> int:
    return 0 if directory == "" else directory.count("/") + 1


# --------------------------------------------------------------------------- app roots


@dataclass
class AppRoot:
    """A deployable unit: the outermost directory holding a Dockerfile or a runtime dependency manifest."""

    directory: str
    dockerfiles: list[str] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)
    python: list = field(default_factory=list)      # PythonModule objects of application code
    other_sources: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.directory or "(repository root)"

    @property
    def has_source(self) -> bool:
        return bool(self.python or self.other_sources)


def app_roots(repo) -> list[AppRoot]:
    """App roots: directories of deployed Dockerfiles and of runtime (non-dev) dependency manifests
    outside test/docs/example trees, nested ones folded into the outermost; a Dockerfile root without
    source code under it is not an app (it builds code from elsewhere or customises a third-party
    image). Application source without any of them makes the repository root the one app root."""
    manifests = [f for f in repo.dependencies.files if f.kind in DEP_KINDS and not f.dev and not NOT_DEPLOYED.search(f.path)]
    dockerfiles = [d.path for d in repo.containers.dockerfiles if not NOT_DEPLOYED.search(d.path)]
    python = [m for m in repo.python.app_modules() if not NOT_DEPLOYED.search(m.path) and posixpath.basename(m.path) not in TOOLING_MODULES]
    others = [p for p in repo.files.of("source_other") if not NOT_DEPLOYED.search(p)]
    candidates = sorted({posixpath.dirname(p) for p in dockerfiles} | {f.directory for f in manifests}, key=lambda d: (_depth(d), d))
    kept: list[str] = []
    for directory in candidates:
        if not any(within(directory, k) for k in kept):
            kept.append(directory)
    roots = []
    for directory in kept:
        root = AppRoot(directory)
        root.dockerfiles = [p for p in dockerfiles if within(p, directory)]
        root.manifests = [f.path for f in manifests if within(f.path, directory)]
        root.python = [m for m in python if within(m.path, directory)]
        root.other_sources = [p for p in others if within(p, directory)]
        if root.manifests or root.has_source:
            roots.append(root)
    if not roots and (python or others):
        roots.append(AppRoot("", python=python, other_sources=others))
    return roots


# --------------------------------------------------------------------------- imports


def local_module_names(repo) -> set[str]:
    """Every directory and module name on the path of a Python file of the repository."""
    names: set[str] = set()
    for module in repo.python.modules:
        parts = module.path.split("/")
        names.update(parts[:-1])
        names.add(parts[-1].rsplit(".", 1)[0])
    return names


def lock_names(repo) -> dict[str, str]:
    """Distribution names found in lock files (poetry.lock, uv.lock, pdm.lock, Pipfile.lock) -> lock path."""
    out: dict[str, str] = {}
    for path in repo.dependencies.lockfiles:
        name = posixpath.basename(path).lower()
        text = repo.text(path) or ""
        if name in ("poetry.lock", "uv.lock", "pdm.lock"):
            for match in re.finditer(r'^name\s*=\s*"([^"]+)"', text, re.M):
                out.setdefault(normalize(match.group(1)), path)
        elif name == "pipfile.lock":
            try:
                data = json.loads(text)
            except ValueError:
                continue
            for section in ("default", "develop"):
                for dist in (data.get(section) or {}) if isinstance(data, dict) else {}:
                    out.setdefault(normalize(dist), path)
    return out


def dist_candidates(module: str) -> list[str]:
    """Distribution names an import may come from (table first, then naming conventions)."""
    parts = module.split(".")
    top = parts[0]
    out: list[str] = []
    for key in (".".join(parts[:2]), top):
        out.extend(IMPORT_TO_DIST.get(key, ()))
    if top in NAMESPACE_PACKAGES and len(parts) > 1:
        out.append(normalize("-".join(parts[:3])))
        out.append(normalize("-".join(parts[:2])))
    base = normalize(top)
    out += [base, f"python-{base}", f"py{base}", f"{base}-python", f"{base}-py"]
    return [normalize(c) for c in out]


# --------------------------------------------------------------------------- Dockerfile installs


@dataclass(frozen=True)
class PackageInstall:
    manager: str            # apt, apk, yum
    name: str
    version: str | None
    path: str
    line: int


_INSTALLERS = (
    ("apt", re.compile(r"^(?:sudo\s+)?(?:apt-get|apt|aptitude)$"), {"install"}),
    ("apk", re.compile(r"^apk$"), {"add"}),
    ("yum", re.compile(r"^(?:yum|dnf|microdnf|tdnf)$"), {"install"}),
    ("zypper", re.compile(r"^zypper$"), {"install", "in"}),
)
_OPTS_WITH_VALUE = {"-t", "--target-release", "-o", "--option", "--virtual", "-X", "--repository", "--setopt",
                    "--enablerepo", "--disablerepo", "--releasever", "--installroot", "-c", "--config"}
_SEGMENT_SPLIT = re.compile(r"&&|\|\||;|\n|\|")


_RUN_FLAGS = re.compile(r"^\s*(?:--[\w-]+(?:=\S*)?\s+)+")


def run_command(value: str) -> str:
    """A RUN instruction's command without its leading ``--mount=…``/``--network=…`` flags."""
    return _RUN_FLAGS.sub("", value, count=1)


def _words(segment: str) -> list[str]:
    try:
        return shlex.split(segment, comments=False)
    except ValueError:
        return segment.split()


def package_installs(repo, dockerfile: Dockerfile) -> list[PackageInstall]:
    """System packages installed by apt/apk/yum/dnf/zypper in the RUN instructions of a Dockerfile."""
    out = []
    for stage in dockerfile.stages:
        for ins in stage.of("RUN"):
            # a heredoc body (RUN <<EOF) keeps its lines: report each install at its own line
            logical, start = "", ins.line
            for offset, physical in enumerate(run_command(ins.value).split("\n") + [""]):
                if not logical:
                    start = ins.line + offset
                if physical.rstrip().endswith("\\"):
                    logical += physical.rstrip()[:-1] + " "
                    continue
                logical, command = "", logical + physical
                for segment in _SEGMENT_SPLIT.split(command):
                    out.extend(_installs_in(repo, dockerfile.path, start, _words(segment.strip())))
    return out


def _installs_in(repo, path: str, line: int, words: list[str]) -> list[PackageInstall]:
    words = [w for w in words if w not in ("sudo", "\\")]
    if not words:
        return []
    for manager, exe, verbs in _INSTALLERS:
        if not exe.match(words[0]):
            continue
        rest = words[1:]
        index = next((i for i, w in enumerate(rest) if w in verbs), None)
        if index is None:
            return []
        out, skip = [], False
        for word in rest[index + 1:]:
            if skip:
                skip = False
                continue
            if word.startswith("-"):
                skip = word in _OPTS_WITH_VALUE
                continue
            if any(ch in word for ch in "$<>()`'\"") or word.startswith("."):
                continue
            name, version = _split_version(manager, word)
            if name:
                out.append(PackageInstall(manager, name, version, path, line))
        return out
    return []


def _split_version(manager: str, word: str) -> tuple[str, str | None]:
    if manager in ("apt", "apk", "zypper"):
        match = re.match(r"^([A-Za-z0-9][\w.+:-]*?)(?:(=|~|>=|<=|>|<)(.+))?$", word)
        if not match:
            return "", None
        return match.group(1), match.group(3)
    match = re.match(r"^(.+?)-(\d[\w.:+~-]*)$", word)
    return (match.group(1), match.group(2)) if match else (word, None)


# --------------------------------------------------------------------------- checks


def _manifest_copies(repo, root: AppRoot) -> list[Evidence]:
    """Context: the Dockerfile instructions that bring a root's manifests into the image."""
    out = []
    names = {posixpath.basename(p) for p in root.manifests}
    for dockerfile in repo.containers.dockerfiles:
        if dockerfile.path not in root.dockerfiles:
            continue
        for stage in dockerfile.stages:
            for ins in stage.instructions:
                if ins.name in ("COPY", "ADD") and any(re.search(r"(^|[\s/])" + re.escape(n) + r"(\s|$)", ins.value) for n in names):
                    out.append(Evidence(dockerfile.path, ins.line, f"{dockerfile.path}: {ins.name} {ins.value.strip()}", None))
    return out


@check("factor02.declared")
def declared(repo):
    """Every app root (outermost directory holding a deployed Dockerfile or a runtime dependency
    manifest; the repository root when only source exists) has a dependency manifest at or under it.
    A root whose Python code imports only the standard library and local modules needs none."""
    roots = app_roots(repo)
    stdlib, local = set(sys.stdlib_module_names), local_module_names(repo)
    evidence = []
    for root in roots:
        if root.manifests:
            names = ", ".join(root.manifests[:3]) + (f" (+{len(root.manifests) - 3})" if len(root.manifests) > 3 else "")
            evidence.append(Evidence(root.manifests[0], 1, f"app root {root.label}: dependencies declared in {names}", True))
            evidence += _manifest_copies(repo, root)
            continue
        third_party = [
            (m.path, line, name) for m in root.python for name, line in m.imports
            if not name.startswith(".") and name.split(".")[0] not in stdlib and name.split(".")[0] not in local
        ]
        anchor = root.dockerfiles[0] if root.dockerfiles else (root.python[0].path if root.python else root.other_sources[0])
        if third_party:
            path, line, name = third_party[0]
            evidence.append(Evidence(path, line, f"app root {root.label}: imports {name} but has no dependency manifest", False))
        elif root.other_sources:
            evidence.append(Evidence(root.other_sources[0], 1, f"app root {root.label}: source code without a dependency manifest", False))
        else:
            evidence.append(Evidence(anchor, 1, f"app root {root.label}: standard library only, nothing to declare", True))
    return tally(evidence, subject="app roots", na_reason="no application code or dependency manifest found")


def _lock_for(repo, dep) -> str | None:
    wanted = {
        "pyproject": ("poetry.lock", "uv.lock", "pdm.lock"), "pipfile": ("pipfile.lock",),
        "package_json": ("package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb"), "go_mod": ("go.sum",),
    }.get(dep.kind, ())
    for lock in repo.dependencies.lockfiles:
        if posixpath.basename(lock).lower() in wanted and within(dep.directory, posixpath.dirname(lock)):
            return lock
    return None


def _package_json_requirements(repo, path: str) -> list[tuple[str, str, int]]:
    text = repo.text(path) or ""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    deps = data.get("dependencies") if isinstance(data, dict) else None
    if not isinstance(deps, dict):
        return []
    lines = text.split("\n")
    out = []
    for name, spec in deps.items():
        line = next((i for i, l in enumerate(lines, 1) if f'"{name}"' in l), 1)
        out.append((str(name), str(spec), line))
    return out


@check("factor02.pinned")
def pinned(repo):
    """Runtime requirements are pinned exactly (``==``/``===``, URLs, exact npm versions) or covered by a
    lock file of their manifest (poetry/uv/pdm/Pipfile/npm/yarn/pnpm/bun locks, go.sum; a pip-tools ``.in``
    with its compiled ``.txt``; a bare name pinned in a constraints file). All pinned → pass; unpinned
    but no more than half → partial; most unpinned → fail. Dev/test files are reported, not judged."""
    files = [f for f in repo.dependencies.files if f.kind in PY_DEP_KINDS + ("package_json", "go_mod")]
    constrained = {r.name for f in files if posixpath.basename(f.path).lower().startswith("constraint") for r in f.requirements if r.pinned}
    evidence, good, bad = [], 0, 0
    for dep in files:
        if dep.dev or NOT_DEPLOYED.search(dep.path):
            loose = [r for r in dep.requirements if not r.pinned]
            if dep.requirements:
                evidence.append(Evidence(dep.path, 1, f"{dep.path}: dev/test file, {len(loose)} of {len(dep.requirements)} unpinned (not judged)", None))
            continue
        if dep.path.endswith(".in") and any(f.path == dep.path[:-3] + ".txt" for f in files):
            evidence.append(Evidence(dep.path, 1, f"{dep.path}: input of the compiled {dep.path[:-3]}.txt", None))
            continue
        lock = _lock_for(repo, dep)
        if dep.kind == "go_mod":
            evidence.append(Evidence(dep.path, 1, f"{dep.path}: Go modules record exact versions" + (f", locked by {lock}" if lock else ""), True))
            good += 1
            continue
        if dep.kind == "package_json":
            reqs = _package_json_requirements(repo, dep.path)
            if lock or not reqs:
                if reqs:
                    evidence.append(Evidence(dep.path, 1, f"{dep.path}: {plural(len(reqs), 'dependency')} locked by {lock}", True))
                    good += len(reqs)
                continue
            for name, spec, line in reqs:
                if re.match(r"^\d+\.\d+\.\d+([-+][\w.]+)?$", spec) or spec.startswith(("file:", "workspace:", "git")):
                    good += 1
                else:
                    bad += 1
                    evidence.append(Evidence(dep.path, line, f"{dep.path}: {name} {spec} not pinned to an exact version", False))
            if not any(e.path == dep.path and e.ok is False for e in evidence):
                evidence.append(Evidence(dep.path, 1, f"{dep.path}: all {len(reqs)} dependencies pinned exactly", True))
            continue
        runtime = [r for r in dep.requirements if not r.dev]
        if not runtime:
            continue
        if lock:
            evidence.append(Evidence(dep.path, 1, f"{dep.path}: {plural(len(runtime), 'requirement')} locked by {lock}", True))
            good += len(runtime)
            continue
        loose = [r for r in runtime if not r.pinned and r.name not in constrained]
        good += len(runtime) - len(loose)
        bad += len(loose)
        for r in loose:
            how = f"({r.spec})" if r.spec else "(no version)"
            evidence.append(Evidence(r.path, r.line, f"{r.path}: {r.name} not pinned {how}", False))
        if len(runtime) > len(loose):
            evidence.append(Evidence(dep.path, 1, f"{dep.path}: {len(runtime) - len(loose)} of {len(runtime)} requirements pinned exactly", True))
    total = good + bad
    if total == 0:
        return not_applicable("no runtime dependency declarations", evidence)
    if bad == 0:
        return passed(f"all {total} runtime requirements pinned or locked", evidence)
    if bad * 2 > total:
        return failed(f"{bad} of {total} runtime requirements unpinned", evidence)
    return partial(f"{bad} of {total} runtime requirements unpinned", evidence)


def _docs_text(repo) -> str:
    return "\n".join(repo.text(p) or "" for p in repo.files.of("docs"))


@check("factor02.system-deps")
def system_deps(repo):
    """Every system package a deployed Dockerfile installs with apt/apk/yum/dnf/zypper is version-pinned
    (``pkg=1.2``, ``pkg-1.2``) or named in the README/docs. All → pass; otherwise partial (the image
    still declares them); n/a when no Dockerfile installs system packages."""
    docs = _docs_text(repo)
    evidence = []
    for dockerfile in repo.containers.dockerfiles:
        if NOT_DEPLOYED.search(dockerfile.path):
            continue
        for pkg in package_installs(repo, dockerfile):
            where = f"{pkg.path}: {pkg.manager} installs {pkg.name}"
            if pkg.version:
                evidence.append(Evidence(pkg.path, pkg.line, f"{where} pinned to {pkg.version}", True))
            elif docs and re.search(r"(?<![\w.+-])" + re.escape(pkg.name) + r"(?![\w+-])", docs, re.I):
                evidence.append(Evidence(pkg.path, pkg.line, f"{where}, documented in README/docs", True))
            else:
                evidence.append(Evidence(pkg.path, pkg.line, f"{where}: not version-pinned, not in README/docs", False))
    result = tally(evidence, subject="system packages", na_reason="no system packages installed in Dockerfiles")
    if result.verdict.value == "fail":
        return partial(f"{plural(len(evidence), 'system package')} installed, neither pinned nor documented", result.evidence)
    return result


_DOCKER_INDEX = re.compile(r"(?:--(?:extra-)?index-url|(?:PIP|UV)_(?:EXTRA_)?INDEX_URL|--registry)[=\s]+(\S+)", re.I)


@check("factor02.package-index")
def package_index(repo):
    """Custom package indexes (pip.conf, requirements ``--index-url``, uv/poetry/Pipfile sources, .npmrc,
    Dockerfile ``--index-url``/``PIP_INDEX_URL``) carry no literal credentials; ``${VAR}`` references and
    keyring/netrc secrets are clean. Any literal credential (or a committed .netrc password) → fail."""
    evidence = []
    for cfg in repo.dependencies.index_configs:
        if cfg.has_credentials:
            evidence.append(Evidence(cfg.path, cfg.line, f"{cfg.path}: index {cfg.url_redacted} embeds credentials", False))
        else:
            evidence.append(Evidence(cfg.path, cfg.line, f"{cfg.path}: index {cfg.url_redacted} without embedded credentials", True))
    for dockerfile in repo.containers.dockerfiles:
        for stage in dockerfile.stages:
            for ins in stage.instructions:
                if ins.name not in ("RUN", "ENV", "ARG"):
                    continue
                for match in _DOCKER_INDEX.finditer(ins.value):
                    url = match.group(1).strip("\"'")
                    if "://" not in url:
                        continue
                    redacted, creds = redact_url(url)
                    ok = not creds
                    state = "embeds credentials" if creds else "without embedded credentials"
                    evidence.append(Evidence(dockerfile.path, ins.line, f"{dockerfile.path}: {ins.name} index {redacted} {state}", ok))
    for path in repo.files.all_paths():
        if posixpath.basename(path).lower() in (".netrc", "_netrc"):
            text = repo.text(path) or ""
            if re.search(r"\bpassword\s+(?!\$)\S+", text):
                evidence.append(Evidence(path, 1, f"{path}: committed netrc with a password", False))
    if not evidence:
        return not_applicable("no custom package index configured")
    if any(e.ok is False for e in evidence):
        return failed("credentials embedded in package index configuration", evidence)
    return passed(f"{plural(len(evidence), 'package index setting')} without embedded credentials", evidence)


_PIP_INSTALL = re.compile(r"^(?:python\d?(?:\.\d+)?\s+-m\s+)?(?:pip\d?(?:\.\d+)?|uv\s+pip)\s+install\b(.*)$")
_CURL_PIPE = re.compile(r"\b(curl|wget)\b[^|;&]*\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b|\b(curl|wget)\b[^|;&]*\|\s*python", re.I)


def _adhoc_pip(words: list[str]) -> list[str]:
    """Package names installed by ``pip install`` outside a manifest (``-r``, ``.``, paths, wheels)."""
    out, skip = [], False
    for word in words:
        if skip:
            skip = False
            continue
        if word in ("-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url", "--extra-index-url",
                    "-f", "--find-links", "--target", "-t", "--prefix", "--root", "--platform", "--python-version", "--only-binary", "--no-binary"):
            skip = True
            continue
        if word.startswith("-") or "/" in word or word.startswith(".") or word.endswith((".whl", ".tar.gz", ".zip")) or "$" in word:
            continue
        name = re.split(r"[\[<>=!~;@ ]", word, 1)[0]
        if name and normalize(name) not in PIP_TOOLING:
            out.append(name)
    return out


def _import_names(module) -> list[tuple[str, int]]:
    """The module's imports, a bare ``from <namespace package> import x`` read as ``<namespace>.x``: a
    namespace package has no module of its own, so ``x`` is one of its sub-packages."""
    out: list[tuple[str, int]] = []
    for name, line in module.imports:
        subs = [(n, l) for n, l in module.from_imports if l == line and n.startswith(name + ".")] if name in NAMESPACE_PACKAGES else []
        out.extend(subs or [(name, line)])
    return out


@check("factor02.isolation")
def isolation(repo):
    """Every third-party import of application code (not stdlib, not a local module) resolves to a
    declared distribution (manifest or lock file; a small table maps import names such as yaml→pyyaml,
    and well-known transitive packages count through their declared parent; ``from <namespace package>
    import x`` is the import of its sub-package ``x``, e.g. ``from opentelemetry import trace`` →
    opentelemetry-api), and Dockerfiles install from manifests, never ad-hoc ``pip install pkg`` or
    ``curl | sh``. Any gap → partial."""
    stdlib, local = set(sys.stdlib_module_names), local_module_names(repo)
    declared: dict[str, tuple[str, int]] = {}
    for dep in repo.dependencies.files:
        for req in dep.requirements:
            declared.setdefault(req.name, (req.path, req.line))
    for name, path in lock_names(repo).items():
        declared.setdefault(name, (path, 1))
    evidence, seen = [], set()
    for module in repo.python.app_modules():
        if NOT_DEPLOYED.search(module.path) or posixpath.basename(module.path) in TOOLING_MODULES:
            continue
        for name, line in _import_names(module):
            top = name.split(".")[0]
            if not name or name.startswith(".") or top in stdlib or top in local or top == "__future__":
                continue
            key = ".".join(name.split(".")[:2]) if top in NAMESPACE_PACKAGES else top
            if key in seen:
                continue
            seen.add(key)
            candidates = dist_candidates(name)
            hit = next((c for c in candidates if c in declared), None)
            if hit is None and top in NAMESPACE_PACKAGES and len(name.split(".")) > 1:
                prefix = normalize("-".join(name.split(".")[:2]))
                hit = next((d for d in declared if d.startswith(prefix)), None)
            if hit:
                path, req_line = declared[hit]
                evidence.append(Evidence(module.path, line, f"{key} imported, declared as {hit} in {path}:{req_line}", True))
                continue
            parent = next((p for p in TRANSITIVE.get(key, TRANSITIVE.get(top, ())) if p in declared), None)
            if parent:
                evidence.append(Evidence(module.path, line, f"{key} imported, provided by declared {parent}", True))
            else:
                evidence.append(Evidence(module.path, line, f"{key} imported in {module.path} but not declared in any manifest", False))
    for dockerfile in repo.containers.dockerfiles:
        if NOT_DEPLOYED.search(dockerfile.path):
            continue
        for stage in dockerfile.stages:
            for ins in stage.of("RUN"):
                if _CURL_PIPE.search(ins.value):
                    evidence.append(Evidence(dockerfile.path, ins.line, f"{dockerfile.path}: RUN pipes a download into a shell", False))
                for segment in re.split(r"&&|\|\||;|\n", run_command(ins.value)):
                    match = _PIP_INSTALL.match(segment.strip())
                    if not match:
                        continue
                    names = _adhoc_pip(_words(match.group(1)))
                    if names:
                        evidence.append(Evidence(dockerfile.path, ins.line, f"{dockerfile.path}: ad-hoc pip install of {', '.join(names)} outside a manifest", False))
                    else:
                        evidence.append(Evidence(dockerfile.path, ins.line, f"{dockerfile.path}: pip installs from a manifest or local package", True))
    result = tally(evidence, subject="imports and installs", na_reason="no third-party imports and no package installs in Dockerfiles")
    if result.verdict.value == "fail":
        return partial(result.summary.replace("none of", "0 of"), result.evidence)
    return result
