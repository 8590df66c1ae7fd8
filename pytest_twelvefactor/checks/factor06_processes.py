"""Factor 6 — Processes: stateless, share-nothing app processes."""

from __future__ import annotations

import re

from ..model.kubernetes import as_dict, as_list
from ..results import Evidence, failed, not_applicable, partial, passed
from . import check
from .common import grade_workloads, judge_workloads, level_counts, plural

# An emptyDir holds state that must be kept when its name or mount path says data, unless it
# sits under a scratch location; scratch/cache/config/log emptyDirs are fine.
_DATA_MOUNT = re.compile(
    r"(^|[/_.-])(data|uploads?|media|storage|files|db|sqlite|state|sessions?|store|persist\w*|documents?|"
    r"artifacts?|outputs?|attachments?|workspace|repos?)([/_.-]|$)",
    re.I,
)
_SCRATCH_MOUNT = re.compile(r"^/(tmp|var/tmp|dev/shm|run|var/run|var/cache)(/|$)|(^|[/_.-])(tmp|temp|cache|scratch)([/_.-]|$)", re.I)
_SHARED_FS = ("nfs", "azureFile", "cephfs", "glusterfs", "quobyte", "portworxVolume")
_SHARED_CSI = re.compile(r"file\.csi\.azure\.com|efs\.csi\.aws\.com|filestore|nfs|cephfs|smb|juicefs|gcsfuse|blob\.csi", re.I)
_LOCAL_STATE_CALLS = {
    "sqlite3.connect": "SQLite database file",
    "shelve.open": "shelve file",
    "dbm.open": "dbm file",
    "diskcache.Cache": "disk cache",
    "diskcache.FanoutCache": "disk cache",
    "diskcache.Index": "disk index",
    "cachelib.FileSystemCache": "file-system cache",
    "cachelib.file.FileSystemCache": "file-system cache",
    "joblib.Memory": "joblib disk cache",
}


def pod_keys(obj) -> tuple:
    """The key path to the pod spec in the written object."""
    if obj.kind == "Pod":
        return ("spec",)
    if obj.kind == "CronJob":
        return ("spec", "jobTemplate", "spec", "template", "spec")
    return ("spec", "template", "spec")


def _volumes(obj) -> list[tuple[int, dict]]:
    return [(i, v) for i, v in enumerate(as_list(obj.pod_spec().get("volumes"))) if isinstance(v, dict) and v.get("name")]


def _mounts(obj, volume_name: str, init: bool = True) -> list[tuple[dict, dict]]:
    out = []
    for container in obj.containers(init=init):
        for mount in as_list(container.get("volumeMounts")):
            if isinstance(mount, dict) and mount.get("name") == volume_name:
                out.append((container, mount))
    return out


def local_state(obj) -> list[tuple[str, int]]:
    """(message, line) for each piece of local state in a pod: hostPath volumes, and
    emptyDirs whose name or mount path says data (not scratch)."""
    findings = []
    for index, volume in _volumes(obj):
        name = str(volume.get("name"))
        line = obj.line_of(*pod_keys(obj), "volumes", index)
        if "hostPath" in volume:
            path = as_dict(volume.get("hostPath")).get("path", "?")
            findings.append((f"hostPath volume {name} ({path}) keeps data on the node", line))
        elif "emptyDir" in volume:
            for container, mount in _mounts(obj, name):
                mount_path = str(mount.get("mountPath") or "")
                if _DATA_MOUNT.search(mount_path) or _DATA_MOUNT.search(name):
                    if not _SCRATCH_MOUNT.search(mount_path) and not _SCRATCH_MOUNT.search(name):
                        findings.append((f"emptyDir {name} holds data at {mount_path} (container {container.get('name')}); lost with the pod", line))
                        break
    return findings


def code_local_state(repo) -> list[Evidence]:
    """Application code that keeps data on the container's disk (SQLite files, shelve, disk caches)."""
    out = []
    for module in repo.python.app_modules():
        for call in module.calls:
            for target, what in _LOCAL_STATE_CALLS.items():
                if call.endswith(target) or call.name == target:
                    if target == "sqlite3.connect" and call.arg(0, "database") == ":memory:":
                        continue
                    out.append(Evidence(module.path, call.line, f"{module.path}: {what} on the local disk ({call.name})", False))
                    break
    return out + memory_state(repo)


_HANDLER_DECORATOR = re.compile(r"\.(route|api_route|get|post|put|patch|delete|websocket)\(\)$")
_CACHE_NAME = re.compile(r"cache|memo|lru", re.I)


def memory_state(repo) -> list[Evidence]:
    """Data kept in process memory: a module-level dict/list/set (not named as a cache) that a
    request handler (a route-decorated function) changes in place — lost on restart, not shared
    between replicas."""
    out = []
    for module in repo.python.app_modules():
        handlers = {f.name for f in module.functions if any(_HANDLER_DECORATOR.search(d) for d in f.decorators)}
        defined = dict(module.module_state)
        reported = set()
        for func, name, line in module.state_writes:
            if func in handlers and name not in reported and not _CACHE_NAME.search(name):
                reported.add(name)
                out.append(Evidence(module.path, defined[name], f"{module.path}: module-level {name} holds data in process memory "
                                                                 f"(request handler {func} changes it at line {line})", False))
    return out


@check("factor06.stateless")
def stateless(repo):
    """Long-running app workloads keep no state that must survive or be shared in the pod:
    a hostPath volume, or an emptyDir whose name or mount path says data (uploads, data,
    media, db, state …; not tmp/cache/scratch) → bad; an app StatefulSet (per-pod PVCs) →
    partial; application code writing SQLite/shelve/disk-cache files or keeping request data in
    process memory (:func:`memory_state`) counts against the item too, and decides it alone when
    there are no workloads. All good → pass, some → partial, none → fail."""
    def grade(obj):
        findings = local_state(obj)
        if findings:
            return "bad", "; ".join(m for m, _ in findings), findings[0][1]
        if obj.kind == "StatefulSet":
            claims = [str(as_dict(c.get("metadata")).get("name")) for c in as_list(obj.spec.get("volumeClaimTemplates")) if isinstance(c, dict)]
            detail = f" with per-pod PVCs ({', '.join(claims)})" if claims else ""
            return "partial", f"app runs as a StatefulSet{detail}", obj.line_of("spec", "volumeClaimTemplates") if claims else obj.line
        return "good", f"{obj.kind} without hostPath or data emptyDir", obj.line

    graded = grade_workloads(repo.kubernetes.app_workloads(long_running=True), grade)
    code = code_local_state(repo)
    evidence = [e for e, _ in graded] + code
    counts = level_counts(graded)
    total = sum(counts.values())
    if not total:
        if code:
            return failed("application code keeps local state (local disk or process memory)", evidence)
        return not_applicable("no long-running app workloads in Kubernetes manifests", evidence)
    if counts["bad"] == total:
        return failed(f"every app workload keeps local state ({plural(total, 'workload')})", evidence)
    if counts["bad"] or counts["partial"] or code:
        parts = []
        if counts["bad"]:
            parts.append(f"{plural(counts['bad'], 'workload')} with local state")
        if counts["partial"]:
            parts.append(f"{plural(counts['partial'], 'app StatefulSet')}")
        if code:
            parts.append(f"{plural(len(code), 'local-state finding')} in code")
        return partial(", ".join(parts), evidence)
    return passed(f"all {plural(total, 'app workload')} are stateless", evidence)


# --------------------------------------------------------------------------- sessions

_TOKEN_IMPORTS = (
    "jwt", "jose", "joserfc", "authlib.jose", "authlib.integrations", "fastapi_jwt_auth", "async_fastapi_jwt_auth",
    "fastapi_users", "flask_jwt_extended", "rest_framework_simplejwt", "rest_framework_jwt", "itsdangerous",
    "rest_framework.authtoken", "knox", "oauth2_provider",
)
_TOKEN_CALLS = ("OAuth2PasswordBearer", "HTTPBearer", "OAuth2AuthorizationCodeBearer", "APIKeyHeader")
_SESSION_IMPORTS = ("flask_session", "starlette.middleware.sessions", "aiohttp_session", "starsessions", "fastapi_sessions", "beaker")
_MEMORY_SESSION_CALLS = ("InMemoryBackend", "InMemoryStore", "MemoryStore", "SimpleCookieStorage")
_EXTERNAL_SESSION_CALLS = ("SessionMiddleware", "RedisStore", "RedisStorage", "EncryptedCookieStorage", "RedisBackend", "CookieStore")
_EXTERNAL_ENGINES = re.compile(r"backends\.(db|cache|cached_db|signed_cookies)$|redis|memcache|mongodb|sqlalchemy|dynamodb|cookie", re.I)
_LOCAL_ENGINES = re.compile(r"backends\.file$|^(filesystem|file|memory|null)$", re.I)


def _session_settings(module):
    """(name, literal value, line) for SESSION_ENGINE / SESSION_TYPE / session.type settings."""
    out = []
    for assign in module.assignments:
        name = assign.target.rsplit(".", 1)[-1]
        if name in ("SESSION_ENGINE", "SESSION_TYPE") and isinstance(assign.value, str):
            out.append((name, assign.value, assign.line))
    for cls in module.classes:
        for name, value, line in cls.fields:
            if name in ("SESSION_ENGINE", "SESSION_TYPE") and isinstance(value, str):
                out.append((name, value, line))
    for call in module.calls:
        for key in ("SESSION_ENGINE", "SESSION_TYPE", "session_type"):
            if isinstance(call.kwargs.get(key), str):
                out.append((key, call.kwargs[key], call.line))
    by_line: dict[int, list[str]] = {}
    for text, line in module.strings:
        by_line.setdefault(line, []).append(text)
    for line, texts in by_line.items():
        for key in ("SESSION_TYPE", "SESSION_ENGINE", "session.type"):
            if key in texts:
                values = [t for t in texts if t != key]
                if values:
                    out.append((key, values[-1], line))
    return out


@check("factor06.external-sessions")
def external_sessions(repo):
    """Sessions live outside the process: token auth (JWT/JOSE libraries, OAuth2 bearer schemes),
    signed-cookie or Redis/DB/cache session backends → pass; a file or in-memory session backend
    (SESSION_ENGINE …file, SESSION_TYPE filesystem, InMemoryBackend/MemoryStore), or a hand-rolled
    one (a module-level dict/list indexed by a value read from a request cookie) → fail, whatever
    else is used; no authentication or session handling in the Python app code → n/a."""
    modules = repo.python.app_modules()
    if not modules:
        return not_applicable("no Python application source")
    good, bad = [], []
    for module in modules:
        for name in dict.fromkeys(n for n, _ in module.cookie_state):
            line = next(l for n, l in module.cookie_state if n == name)
            bad.append(Evidence(module.path, line, f"{module.path}: per-client state in process memory ({name}) keyed by a cookie", False))
        for name, line in module.imported(*_TOKEN_IMPORTS):
            good.append(Evidence(module.path, line, f"{module.path}: token-based auth ({name})", True))
        for name, line in module.imported(*_SESSION_IMPORTS):
            good.append(Evidence(module.path, line, f"{module.path}: session library {name}", None))
        for call in module.calls:
            short = call.name.rsplit(".", 1)[-1]
            if short in _TOKEN_CALLS:
                good.append(Evidence(module.path, call.line, f"{module.path}: bearer-token auth scheme ({short})", True))
            elif short in _MEMORY_SESSION_CALLS:
                bad.append(Evidence(module.path, call.line, f"{module.path}: in-memory session store ({short})", False))
            elif short in _EXTERNAL_SESSION_CALLS:
                good.append(Evidence(module.path, call.line, f"{module.path}: external or signed-cookie session store ({short})", True))
        for name, line in module.imported("flask_login"):
            good.append(Evidence(module.path, line, f"{module.path}: Flask-Login over Flask's signed-cookie session", True))
        for text, line in module.strings:
            if text == "django.contrib.sessions":
                good.append(Evidence(module.path, line, f"{module.path}: Django sessions (database backend unless SESSION_ENGINE says otherwise)", True))
        for name, value, line in _session_settings(module):
            if _LOCAL_ENGINES.search(value):
                bad.append(Evidence(module.path, line, f"{module.path}: {name} keeps sessions in process memory or local files ({value})", False))
            elif _EXTERNAL_ENGINES.search(value):
                good.append(Evidence(module.path, line, f"{module.path}: {name} uses an external store ({value})", True))
    evidence = bad + _dedupe(good)
    if bad:
        return failed(f"{plural(len(bad), 'in-memory or file session store')}", evidence)
    if any(e.ok for e in good):
        return passed("sessions are tokens or kept in an external store", evidence)
    return not_applicable("no authentication or session handling found", evidence)


def _dedupe(evidence: list[Evidence]) -> list[Evidence]:
    """One piece of evidence per (path, message kind), first occurrence."""
    seen, out = set(), []
    for item in evidence:
        key = (item.path, item.message)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out[:20]


# --------------------------------------------------------------------------- shared file systems


def _pvc_access_modes(repo, obj, claim: str) -> list[str] | None:
    for pvc in repo.kubernetes.objects("PersistentVolumeClaim", env=obj.env):
        if pvc.name == claim and (pvc.namespace == obj.namespace or not pvc.namespace or not obj.namespace):
            return [str(m) for m in as_list(pvc.spec.get("accessModes"))]
    return None


@check("factor06.shared-filesystem")
def shared_filesystem(repo):
    """App workloads should share data through object storage, not a file system: a hostPath
    volume → fail; a ReadWriteMany PVC (or NFS/Azure Files/EFS-style volume) mounted by an app
    workload → partial (needs care); otherwise pass. Every app workload, Jobs included."""
    def grade(obj):
        worst = ("good", "no shared file system", obj.line)
        shared: list[tuple[str, int]] = []
        for index, volume in _volumes(obj):
            name = str(volume.get("name"))
            line = obj.line_of(*pod_keys(obj), "volumes", index)
            if "hostPath" in volume:
                path = as_dict(volume.get("hostPath")).get("path", "?")
                return "bad", f"hostPath volume {name} ({path}) shares the node's file system", line
            claim = as_dict(volume.get("persistentVolumeClaim")).get("claimName")
            if claim:
                modes = _pvc_access_modes(repo, obj, str(claim))
                if modes and "ReadWriteMany" in modes:
                    shared.append((f"ReadWriteMany PVC {claim}", line))
                elif modes is None and worst[0] == "good":
                    worst = ("good", f"PVC {claim} not found in the manifests; not judged", line)
            kind = next((k for k in _SHARED_FS if k in volume), None)
            csi_driver = str(as_dict(volume.get("csi")).get("driver") or "")
            if kind or (csi_driver and _SHARED_CSI.search(csi_driver)):
                shared.append((f"shared file system volume {name} ({kind or csi_driver})", line))
        if shared:
            return "partial", "mounts " + ", ".join(m for m, _ in shared), shared[0][1]
        return worst

    graded = grade_workloads(repo.kubernetes.app_workloads(), grade)
    evidence = [e for e, _ in graded]
    counts = level_counts(graded)
    if not sum(counts.values()):
        return not_applicable("no app workloads in Kubernetes manifests")
    if counts["bad"]:
        return failed(f"hostPath volumes in {plural(counts['bad'], 'app workload')}", evidence)
    if counts["partial"]:
        return partial(f"a ReadWriteMany/network file system shared by {plural(counts['partial'], 'app workload')}", evidence)
    return passed("no app workload shares a file system", evidence)


# --------------------------------------------------------------------------- independence


@check("factor06.independent")
def independent(repo):
    """App pods run independently of the node and of each other: `hostNetwork`, `hostPID` or
    `hostIPC: true`, or a required podAffinity (forced co-location) make a workload dependent.
    Any such app workload → fail; none → pass."""
    def judge(obj):
        spec = obj.pod_spec()
        keys = pod_keys(obj)
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(flag) is True:
                return False, f"{flag}: true shares the node's namespace", obj.line_of(*keys, flag)
        affinity = as_dict(as_dict(spec.get("affinity")).get("podAffinity"))
        if affinity.get("requiredDuringSchedulingIgnoredDuringExecution"):
            return False, "required podAffinity ties it to other pods", obj.line_of(*keys, "affinity", "podAffinity")
        return True, "no host namespaces, no required co-location", obj.line

    evidence = judge_workloads(repo.kubernetes.app_workloads(), judge)
    if not evidence:
        return not_applicable("no app workloads in Kubernetes manifests")
    bad = [e for e in evidence if e.ok is False]
    if bad:
        return failed(f"node or co-location dependencies in {plural(len(bad), 'app workload')}", evidence)
    return passed(f"all {plural(len(evidence), 'app pod')} run independently", evidence)
