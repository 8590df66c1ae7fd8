"""Factor 3 — Config: environment-based settings, ConfigMaps, Secrets, literals, per-env config, secret stores.

Secret values never leave this module: findings name the variable, key and
location; values are only classified (literal / placeholder / reference).
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
import shlex

from ..model.kubernetes import K8sObject, as_dict, as_list, iter_env_vars
from ..results import Evidence, failed, not_applicable, partial, passed, tally
from . import check
from .common import judge_workloads, plural
from .factor01_codebase import helm_env_values, stage_like
from .factor02_dependencies import NOT_DEPLOYED, run_command

# ----------------------------------------------------------------------------- names and values

_SECRET_WORDS = {"PASSWORD", "PASSWD", "PWD", "SECRET", "SECRETS", "TOKEN", "APIKEY", "CREDENTIAL", "CREDENTIALS", "PASSPHRASE", "PRIVATEKEY"}
_NON_SECRET_LAST = {
    "FILE", "PATH", "DIR", "NAME", "NAMES", "REF", "ENABLED", "LENGTH", "TTL", "EXPIRE", "EXPIRES", "EXPIRY", "MINUTES", "SECONDS",
    "HOURS", "DAYS", "ALGORITHM", "ALGORITHMS", "TYPE", "HEADER", "FIELD", "PREFIX", "SUFFIX", "URL", "URI", "ENDPOINT", "ID", "IDS",
    "LIFETIME", "MIN", "MAX", "COUNT", "SIZE", "FORMAT", "VERSION", "MODE", "POLICY", "KIND", "LOCATION", "SCOPE", "SCOPES", "ISSUER",
    "AUDIENCE", "LABEL", "PARAM", "COOKIE", "STORE", "PROVIDER", "BACKEND", "CLASS", "VAULT", "REGEX", "PATTERN", "ROTATION", "TIMEOUT",
}
_CONNECTION_LAST = {"URL", "URI", "DSN", "CONNECTION", "CONNSTR", "CONNECTIONSTRING", "STRING"}
ENV_REFERENCE = re.compile(r"^\s*(\$\{\{[^}]*\}\}|\$\{[A-Za-z_][\w.-]*\}|\$\([A-Za-z_]\w*\)|\$[A-Za-z_]\w*|\{\{[^}]*\}\}|%\(\w+\)s)\s*$")
PLACEHOLDER = re.compile(
    r"^\s*(|change[-_ ]?me|changeit|replace[-_ ]?me|replace[-_ ]?with.*|to[-_]?do|tbd|fixme|x{3,}|\*{3,}|dummy|placeholder|example|sample|"
    r"<[^>]*>|\[[^\]]*\]|\.\.\.|your[-_ ].*|set[-_ ]?me|none|null|secret|password|redacted|\{\})\s*$",
    re.I,
)
URL_CREDENTIALS = re.compile(r"[a-z][a-z0-9+.-]*://([^/@\s:]*):([^/@\s]+)@", re.I)
CONNECTION_SCHEMES = re.compile(
    r"^(postgres(ql)?|postgresql\+\w+|mysql(\+\w+)?|mariadb(\+\w+)?|mssql(\+\w+)?|oracle(\+\w+)?|cockroachdb(\+\w+)?|"
    r"mongodb(\+srv)?|rediss?|redis\+sentinel|sentinel|valkey|amqps?|pyamqp|librabbitmq|kafka|nats|memcached?|"
    r"elasticsearch|opensearch|s3|minio|neo4j(\+s)?|bolt|cassandra|clickhouse|qdrant|weaviate|milvus|chroma|sqlite(\+\w+)?)://",
    re.I,
)
IPV4 = re.compile(r"(?<![\w.])((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})(?![\w.])")
MANAGED_HOST = re.compile(
    r"(?<![\w-])([\w-]+(?:\.[\w-]+)*\.(?:postgres\.database\.azure\.com|mysql\.database\.azure\.com|database\.windows\.net|"
    r"redis\.cache\.windows\.net|documents\.azure\.com|servicebus\.windows\.net|blob\.core\.windows\.net|vault\.azure\.net|"
    r"rds\.amazonaws\.com|cache\.amazonaws\.com|docdb\.amazonaws\.com|mq\.[\w-]+\.amazonaws\.com|mongodb\.net|"
    r"(?:internal|corp|lan|intranet)))(?![\w-])",
    re.I,
)
CLUSTER_DNS = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9-]+(\.svc(\.cluster\.local)?)?)?$|\.svc(\.cluster\.local)?$|\.cluster\.local$")
LOCAL_HOSTS = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|::1|\[::1\]|host\.docker\.internal|[\w.-]*\.(example|test|invalid|localhost)|example\.(com|org|net))$", re.I)


def name_words(name: str) -> list[str]:
    """Upper-case words of a setting name: ``jwtSecretKey`` / ``JWT_SECRET_KEY`` -> [JWT, SECRET, KEY]."""
    name = name.rsplit(".", 1)[-1]
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", name.upper()) if w]


def is_secret_name(name: str) -> bool:
    """A name for a credential: it contains PASSWORD/SECRET/TOKEN/… or ends in KEY (``*_API_KEY``,
    ``SECRET_KEY``), unless its last word says it is metadata (``*_TOKEN_EXPIRE_MINUTES``, ``*_KEY_FILE``)."""
    words = name_words(name)
    if not words or words[-1] in _NON_SECRET_LAST:
        return False
    if len(words) == 1 and words[0] == "KEY":
        return False
    return bool(_SECRET_WORDS & set(words)) or words[-1] == "KEY" or "".join(words[-2:]) in ("APIKEY", "PRIVATEKEY", "ACCESSKEY")


def is_connection_name(name: str) -> bool:
    words = name_words(name)
    return bool(words) and (words[-1] in _CONNECTION_LAST or "CONNECTIONSTRING" in "".join(words))


def is_placeholder(value) -> bool:
    """Empty, an obvious placeholder (CHANGE_ME, <…>, xxx), or a reference (``${VAR}``, ``$(VAR)``, ``${{ secrets.X }}``)."""
    if value is None:
        return True
    text = str(value)
    return bool(PLACEHOLDER.match(text) or ENV_REFERENCE.match(text))


def url_has_credentials(value: str) -> bool:
    """A URL with a literal (non-placeholder, non-reference) password."""
    for match in URL_CREDENTIALS.finditer(value):
        password = match.group(2)
        if not is_placeholder(password) and "{" not in password and "$" not in password and "%s" not in password:
            return True
    return False


def url_embeds_password(value: str) -> bool:
    """A URL with a ``user:password@`` part that is not a reference (``$(DB_PASSWORD)``, ``${VAR}``):
    what it holds is a credential however it looks, so it belongs in a Secret."""
    return any("$" not in m.group(2) and "{" not in m.group(2) and "%s" not in m.group(2) for m in URL_CREDENTIALS.finditer(value))


def literal_secret(name: str, value) -> bool:
    """A literal credential: a secret-named setting with a real value, a URL embedding a real
    password, or a ``${VAR:-literal}`` default for a secret-named variable."""
    if not isinstance(value, str) or value.startswith("<") and value.endswith(">"):
        return False
    for match in re.finditer(r"\$\{([A-Za-z_]\w*):?-([^}]*)\}", value):
        if is_secret_name(match.group(1)) and not is_placeholder(match.group(2)):
            return True
    if url_has_credentials(value):
        return True
    if not is_secret_name(name) or is_placeholder(value) or "$" in value:
        return False
    normalized = value.strip().upper().replace("-", "_")
    identifier = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value.strip())  # "dev-secret-x" is a value, "DB_PASSWORD" a name
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", normalized) and ((identifier and set(name_words(value)) & (_SECRET_WORDS | {"KEY"}))
                                                       or normalized == "_".join(name_words(name))):
        return False  # an environment variable's name, an enum constant or the setting's own name, not a value
    return value.strip().lower() not in {w.lower() for w in name_words(name)}


def host_of(value: str) -> str | None:
    match = re.match(r"^[a-z][a-z0-9+.-]*://(?:[^/@\s]*@)?(\[[^\]]+\]|[^/:?#\s,]+)", value, re.I)
    return match.group(1).lower() if match else None


def host_kind(host: str | None) -> str:
    """'local', 'cluster' (in-cluster Service DNS), 'placeholder', 'ip' or 'external'."""
    if not host:
        return "placeholder"
    if "{" in host or "$" in host or host.startswith("<") or "%" in host:
        return "placeholder"
    if LOCAL_HOSTS.match(host):
        return "local"
    if IPV4.fullmatch(host):
        return "ip"
    if CLUSTER_DNS.search(host) and "." not in host.rstrip("."):
        return "cluster"
    if re.search(r"\.svc(\.cluster\.local)?$|\.cluster\.local$", host):
        return "cluster"
    return "external"


def notable_ip(ip: str) -> bool:
    return not (ip.startswith(("127.", "0.", "255.")) or ip == "169.254.169.254")


def env_value_kind(var: dict) -> str:
    """How a Kubernetes env var gets its value: 'secret', 'configmap', 'field', 'literal', 'empty'."""
    source = as_dict(var.get("valueFrom"))
    if source.get("secretKeyRef"):
        return "secret"
    if source.get("configMapKeyRef"):
        return "configmap"
    if source:
        return "field"
    value = var.get("value")
    if value is None or str(value).strip() == "" or ENV_REFERENCE.match(str(value)):
        return "empty"
    return "literal"


def source_containers(obj: K8sObject) -> dict[str, dict]:
    """Containers as written in the source file (with line numbers), by name."""
    src = K8sObject(obj.source, obj.path, obj.line) if obj.source is not obj.doc else obj
    return {str(c.get("name")): c for c in src.containers(init=True)}


def env_line(obj: K8sObject, container: dict, var_name: str) -> int:
    src = source_containers(obj).get(str(container.get("name")))
    for var in as_list((src or {}).get("env")):
        if isinstance(var, dict) and var.get("name") == var_name and getattr(var, "line", 0):
            return var.line
    return obj.container_line(container, "env")


def item_line(obj: K8sObject, container: dict, key: str, index: int) -> int:
    """Line of the ``index``-th entry of a container list field (envFrom, volumeMounts …)."""
    src = source_containers(obj).get(str(container.get("name")))
    items = as_list((src or {}).get(key))
    if 0 <= index < len(items) and getattr(items[index], "line", 0):
        return items[index].line
    return obj.container_line(container, key)


def workload_env_vars(obj: K8sObject):
    """(container, env var) for every container, init containers included."""
    for container in obj.containers(init=True):
        for var in iter_env_vars(container):
            yield container, var


# ----------------------------------------------------------------------------- factor03.env-config

_ENV_BRANCH = re.compile(
    r"""(?:env|environment|stage|app_env|deploy_env|flask_env|django_env|node_env|profile)\w*['"\]\)]*\s*(?:==|!=|\bin\b)\s*[\(\[\{]?\s*['"]"""
    r"""(?:dev|develop|development|prod|production|prd|staging|stage|stg|qa|uat|test|testing|local|preprod)['"]"""
    r"""|['"](?:dev|development|prod|production|prd|staging|stg|qa|local)['"]\s*(?:==|!=)\s*[\w.\[\]'"()]*(?:env|environment|stage)""",
    re.I,
)
_PER_ENV_CLASS = re.compile(r"^(dev|develop|development|prod|production|staging|stage|testing|test|local|qa)(config|settings|configuration)$", re.I)
_SETTINGS_DIRS = {"settings", "config", "configs", "conf", "configuration"}
_OTHER_ENV_READS = re.compile(
    r"process\.env\b|os\.Getenv\(|os\.LookupEnv\(|System\.getenv\(|Environment\.GetEnvironmentVariable\(|ENV\[['\"]|ENV\.fetch\(|"
    r"getenv\(|std::env::var|env::var\(|viper\.|@Value\(\"\$\{|IConfiguration"
)
ENV_LIBRARIES = ("pydantic_settings", "pydantic.BaseSettings", "environ", "decouple", "dotenv", "dynaconf", "envparse", "environs", "everett")


def settings_classes(module) -> list:
    return [c for c in module.classes if any(b.endswith("BaseSettings") for b in c.bases)]


@check("factor03.env-config")
def env_config(repo):
    """Application code reads settings from the environment (pydantic ``BaseSettings``, ``os.environ``/
    ``os.getenv``, django-environ, decouple, dynaconf; ``process.env``/``os.Getenv``… in other languages).
    Reads with no code that branches on the environment name (``if ENV == "prod"``) or holds
    per-environment constants (``settings/prod.py``, ``ProductionConfig``) → pass; with such code →
    partial; neither → fail. n/a without application source."""
    modules = [m for m in repo.python.app_modules() if not NOT_DEPLOYED.search(m.path)]
    others = [p for p in repo.files.of("source_other") if not NOT_DEPLOYED.search(p)]
    if not modules and not others:
        return not_applicable("no application source code")
    good, bad = [], []
    for module in modules:
        for cls in settings_classes(module):
            good.append(Evidence(module.path, cls.line, f"{cls.name}({cls.bases[0].rsplit('.', 1)[-1]}) reads settings from the environment", True))
        reads = [r for r in module.env_reads]
        if reads:
            names = sorted({r.variable for r in reads if r.variable})
            shown = ", ".join(names[:5]) + (f" (+{len(names) - 5})" if len(names) > 5 else "")
            good.append(Evidence(module.path, reads[0].line, f"{module.path}: {plural(len(reads), 'environment read')}" + (f" ({shown})" if shown else ""), True))
        stem = posixpath.basename(module.path).rsplit(".", 1)[0]
        parent = posixpath.basename(module.directory).lower()
        if parent in _SETTINGS_DIRS and stem.lower() in ("dev", "development", "prod", "production", "staging", "stage", "local", "qa", "test", "testing", "prd"):
            bad.append(Evidence(module.path, 1, f"{module.path}: per-environment settings module", False))
        for cls in module.classes:
            if _PER_ENV_CLASS.match(cls.name):
                bad.append(Evidence(module.path, cls.line, f"{cls.name}: per-environment settings class", False))
    for path, line, text in repo.grep(("python",), _ENV_BRANCH):
        if any(m.path == path for m in modules):
            bad.append(Evidence(path, line, f"{path}: code branches on the environment name", False))
    for path, line, _text in repo.grep(("source_other",), _OTHER_ENV_READS):
        if not NOT_DEPLOYED.search(path) and not any(e.path == path for e in good):
            good.append(Evidence(path, line, f"{path}: reads configuration from the environment", True))
    if good and not bad:
        return passed("settings read from the environment", good)
    if bad:
        summary = "settings read from the environment, but code branches on the environment name" if good else \
            "per-environment settings in code"
        return partial(summary, bad + good)
    anchor = modules[0].path if modules else others[0]
    return failed("no settings read from the environment", [Evidence(anchor, 1, "no environment reads or settings classes in application code", False)])


# ----------------------------------------------------------------------------- factor03.configmap


def _names_by_env(repo, kind: str) -> dict[str | None, set[str]]:
    out: dict[str | None, set[str]] = {}
    for env in repo.kubernetes.environments:
        out[env.name] = {o.name for o in env.objects if o.kind == kind}
    return out


def configmap_refs(obj: K8sObject) -> list[tuple[str, int, bool]]:
    """(ConfigMap name, source line, optional) for every reference in a workload's pod spec."""
    out = []
    for container in obj.containers(init=True):
        for index, source in enumerate(as_list(container.get("envFrom"))):
            ref = as_dict(as_dict(source).get("configMapRef"))
            if ref.get("name"):
                out.append((str(ref["name"]), item_line(obj, container, "envFrom", index), bool(ref.get("optional"))))
        for var in iter_env_vars(container):
            ref = as_dict(as_dict(var.get("valueFrom")).get("configMapKeyRef"))
            if ref.get("name"):
                out.append((str(ref["name"]), env_line(obj, container, str(var.get("name"))), bool(ref.get("optional"))))
    for index, volume in enumerate(as_list(obj.pod_spec().get("volumes"))):
        volume = as_dict(volume)
        refs = [as_dict(volume.get("configMap"))] + [as_dict(as_dict(s).get("configMap")) for s in as_list(as_dict(volume.get("projected")).get("sources"))]
        for ref in refs:
            if ref.get("name"):
                line = obj.line_of("spec", "template", "spec", "volumes", index) if obj.kind != "Pod" else obj.line_of("spec", "volumes", index)
                out.append((str(ref["name"]), line, bool(ref.get("optional"))))
    return out


def _takes_config(obj: K8sObject) -> bool:
    return any(c.get("env") or c.get("envFrom") for c in obj.containers(init=True)) or bool(obj.pod_spec().get("volumes"))


@check("factor03.configmap")
def configmap(repo):
    """Each long-running app workload (Jobs are factor 12's) takes configuration from at least one
    ConfigMap (envFrom, configMapKeyRef or a volume) and every non-optional ConfigMap it references
    exists in each environment it is deployed to. Workloads that take no configuration at all are
    reported, not judged. n/a without Kubernetes app workloads."""
    workloads = repo.kubernetes.app_workloads(long_running=True)
    if not workloads:
        return not_applicable("no Kubernetes app workloads")
    existing = _names_by_env(repo, "ConfigMap")

    def judge(obj):
        refs = configmap_refs(obj)
        if not refs:
            if not _takes_config(obj):
                return None, "takes no configuration (no env, envFrom or volumes)", obj.line
            return False, "no ConfigMap reference (env values inline or from Secrets only)", obj.line
        missing = [(n, l) for n, l, optional in refs if not optional and n not in existing.get(obj.env, set())]
        if missing:
            name, line = missing[0]
            return False, f"references missing ConfigMap {name}", line
        names = sorted({n for n, _, _ in refs})
        return True, f"config from ConfigMap {', '.join(names)}", refs[0][1]

    evidence = judge_workloads(workloads, judge)
    return tally(evidence, subject="app workloads", na_reason="no app workload takes configuration")


# ----------------------------------------------------------------------------- factor03.secrets


def _configmap_sensitive_keys(repo, env: str | None, name: str) -> list[str]:
    out = []
    for cm in repo.kubernetes.objects_named(name, "ConfigMap", env=env):
        if cm.name != name:
            continue
        for key, value in as_dict(cm.doc.get("data")).items():
            if literal_secret(str(key), value if isinstance(value, str) else None):
                out.append(str(key))
    return out


def sensitive_usage(obj: K8sObject) -> list[str]:
    """Names of sensitive env vars and secret volumes of a workload."""
    names = [str(v.get("name")) for _, v in workload_env_vars(obj) if is_secret_name(str(v.get("name"))) or
             as_dict(as_dict(v.get("valueFrom")).get("secretKeyRef"))]
    for volume in as_list(obj.pod_spec().get("volumes")):
        volume = as_dict(volume)
        if volume.get("secret") or as_dict(volume.get("csi")).get("driver") == "secrets-store.csi.k8s.io":
            names.append(f"volume {volume.get('name')}")
    return names


@check("factor03.secrets")
def secrets(repo):
    """Every sensitive env var (PASSWORD/SECRET/TOKEN/…KEY names, or a URL embedding a password, even a
    placeholder-looking one; ``$(VAR)`` references are fine) of every workload comes from a Secret
    (secretKeyRef/secretRef), never a literal ``value:`` or a ConfigMap key. All → pass; any literal → fail. n/a when no workload has a sensitive env var or volume and no Secret
    or secret-store object exists."""
    k8s = repo.kubernetes
    if not k8s.environments:
        return not_applicable("no Kubernetes manifests")

    def judge(obj):
        findings, good, good_line = [], [], None
        for container, var in workload_env_vars(obj):
            name = str(var.get("name"))
            kind = env_value_kind(var)
            value = var.get("value") if kind == "literal" else None
            sensitive = is_secret_name(name) or (isinstance(value, str) and url_embeds_password(value))
            if kind == "secret":
                good.append(name)
                good_line = good_line or env_line(obj, container, name)
            elif sensitive and kind == "literal":
                findings.append((f"literal value for {name} (container {container.get('name')})", env_line(obj, container, name)))
            elif sensitive and kind == "configmap":
                findings.append((f"{name} from a ConfigMap, not a Secret (container {container.get('name')})", env_line(obj, container, name)))
        for container in obj.containers(init=True):
            for index, source in enumerate(as_list(container.get("envFrom"))):
                ref = as_dict(as_dict(source).get("configMapRef")).get("name")
                if ref:
                    for key in _configmap_sensitive_keys(repo, obj.env, str(ref)):
                        findings.append((f"ConfigMap {ref} holds sensitive key {key} (container {container.get('name')})", item_line(obj, container, "envFrom", index)))
                if as_dict(source).get("secretRef"):
                    good.append(f"envFrom Secret {as_dict(as_dict(source)['secretRef']).get('name')}")
                    good_line = good_line or item_line(obj, container, "envFrom", index)
        if findings:
            message = findings[0][0] + (f" (+{len(findings) - 1} more)" if len(findings) > 1 else "")
            return False, message, findings[0][1]
        volumes = [n for n in sensitive_usage(obj) if n.startswith("volume ")]
        if not good and not volumes:
            return None
        return True, "sensitive settings from Secrets: " + ", ".join(sorted(set(good + volumes))[:6]), good_line or obj.line

    evidence = judge_workloads(k8s.workloads, judge)
    if any(e.ok is False for e in evidence):
        bad = sum(1 for e in evidence if e.ok is False)
        return failed(f"{plural(bad, 'workload')} with literal sensitive values", evidence)
    if any(e.ok for e in evidence):
        return passed(f"sensitive settings of {plural(sum(1 for e in evidence if e.ok), 'workload')} come from Secrets", evidence)
    stores = k8s.anywhere("Secret", *SECRET_STORE_KINDS)
    if stores:
        ev = [Evidence(o.path, o.line, f"{o.ref} defined; no workload sets a sensitive variable literally", True) for o in stores[:5]]
        return passed("Secrets defined; no literal sensitive values in workloads", ev)
    return not_applicable("no sensitive env vars, Secrets or secret stores")


# ----------------------------------------------------------------------------- factor03.no-hardcoded


def _no_space(value) -> bool:
    return isinstance(value, str) and value and not re.search(r"\s", value)


def literal_findings(value: str) -> list[tuple[str, bool]]:
    """(description, is_credential) for a whitespace-free literal: IPs, managed-service hosts,
    connection strings to real hosts, URLs embedding a password. Never includes a secret value."""
    out: list[tuple[str, bool]] = []
    if url_has_credentials(value):
        out.append(("connection string with embedded credentials", True))
    if CONNECTION_SCHEMES.match(value) and not value.lower().startswith("sqlite"):
        kind = host_kind(host_of(value))
        if kind in ("ip", "external"):
            out.append((f"connection string to host {host_of(value)}", False))
            return out
    for ip in IPV4.findall(value):
        if notable_ip(ip):
            out.append((f"IP address {ip}", False))
    for host in MANAGED_HOST.findall(value):
        out.append((f"service host {host}", False))
    return out


def _python_findings(repo) -> list[Evidence]:
    out = []
    for module in repo.python.app_modules():
        if NOT_DEPLOYED.search(module.path):
            continue
        seen = set()

        def add(line, message, credential):
            if (line, message) not in seen:
                seen.add((line, message))
                out.append(Evidence(module.path, line, f"{module.path}: {message}", False if credential else None))

        for assignment in module.assignments:
            if literal_secret(assignment.target, assignment.value) and not url_has_credentials(str(assignment.value)):
                add(assignment.line, f"literal credential assigned to {assignment.target.rsplit('.', 1)[-1]}", True)
        for cls in module.classes:
            for name, value, line in cls.fields:
                if literal_secret(name, value) and not url_has_credentials(str(value)):
                    add(line, f"literal default for secret setting {cls.name}.{name}", True)
        for call in module.calls:
            if call.endswith("getenv", "environ.get", "environ.setdefault", "config", "env") and call.args:
                var, default = call.args[0], call.arg(1, "default")
                if isinstance(var, str) and literal_secret(var, default) and not url_has_credentials(str(default)):
                    add(call.line, f"literal default for secret variable {var}", True)
            for key, value in call.kwargs.items():
                if key in ("password", "passwd", "secret", "token", "api_key", "secret_key", "access_key", "private_key") and literal_secret(key, value):
                    add(call.line, f"literal {key}= in call to {call.name}", True)
        for value, line in module.strings:
            if _no_space(value):
                for message, credential in literal_findings(value):
                    add(line, message, credential)
    return out


_QUOTED = re.compile(r"(['\"`])((?:(?!\1).){4,400})\1")
_ADO_PASSWORD = re.compile(r"(?:^|;)\s*(?:password|pwd)\s*=\s*([^;]+)", re.I)
_OTHER_SOURCE_HINT = re.compile(r"://[^/\s'\"`]*@|password\s*=|pwd\s*=|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}", re.I)


def _other_source_findings(repo) -> list[Evidence]:
    """String literals in other languages' source (JS/TS, Go, Java, C#, Ruby, PHP, Rust): the same
    literal rules as Python, plus ADO.NET-style ``Password=...;`` connection strings."""
    out = []
    from ..model.python_source import is_test_path

    for path, line, text in repo.grep(("source_other",), _OTHER_SOURCE_HINT):
        if NOT_DEPLOYED.search(path) or is_test_path(path) or text.lstrip().startswith(("//", "#", "*")):
            continue
        for _quote, value in _QUOTED.findall(text):
            findings = literal_findings(value) if _no_space(value) else []
            password = _ADO_PASSWORD.search(value)
            if password and not is_placeholder(password.group(1).strip()) and "$" not in password.group(1) and "{" not in password.group(1):
                findings.append(("connection string with a literal password", True))
            for message, credential in findings:
                out.append(Evidence(path, line, f"{path}: {message}", False if credential else None))
    return out


def dockerfile_env(dockerfile) -> list[tuple[str, str, int, str]]:
    """(key, value, line, instruction) for ENV and ARG defaults of a Dockerfile."""
    out = []
    for stage in dockerfile.stages:
        for ins in stage.instructions:
            if ins.name not in ("ENV", "ARG"):
                continue
            try:
                words = shlex.split(ins.value, posix=True)
            except ValueError:
                words = ins.value.split()
            if ins.name == "ENV" and words and "=" not in words[0]:
                out.append((words[0], " ".join(words[1:]), ins.line, ins.name))
                continue
            for word in words:
                key, sep, value = word.partition("=")
                if sep:
                    out.append((key, value, ins.line, ins.name))
    return out


def _dockerfile_findings(repo) -> list[Evidence]:
    out = []
    for dockerfile in repo.containers.dockerfiles:
        if NOT_DEPLOYED.search(dockerfile.path):
            continue
        for key, value, line, name in dockerfile_env(dockerfile):
            if literal_secret(key, value):
                out.append(Evidence(dockerfile.path, line, f"{dockerfile.path}: {name} {key} has a literal credential", False))
            else:
                for message, credential in literal_findings(value) if _no_space(value) else []:
                    out.append(Evidence(dockerfile.path, line, f"{dockerfile.path}: {name} {key}: {message}", False if credential else None))
        for stage in dockerfile.stages:
            for ins in stage.of("RUN"):
                for word in run_command(ins.value).split():
                    for message, credential in literal_findings(word.strip("\"'")):
                        out.append(Evidence(dockerfile.path, ins.line, f"{dockerfile.path}: RUN {message}", False if credential else None))
    return out


def _flag_values(words: list[str]) -> list[tuple[str, str]]:
    """(flag name, value) for ``--name=value`` and ``--name value`` command-line words."""
    out = []
    for i, word in enumerate(words):
        match = re.match(r"^--?([A-Za-z][\w.-]*)(?:=(.*))?$", word.strip("\"'"))
        if not match:
            continue
        value = match.group(2)
        if value is None and i + 1 < len(words) and not words[i + 1].startswith("-"):
            value = words[i + 1]
        if value:
            out.append((match.group(1), value.strip("\"'")))
    return out


def _workload_findings(repo) -> list[Evidence]:
    out = []
    for work in repo.kubernetes.workloads:
        for env, obj in work.variants.items():
            for container in obj.containers(init=True):
                for var in iter_env_vars(container):
                    name, value = str(var.get("name")), var.get("value")
                    if not isinstance(value, str) or not value:
                        continue
                    line = env_line(obj, container, name)
                    if literal_secret(name, value):
                        out.append(Evidence(obj.path, line, f"{work.ref}: literal credential in env {name} (container {container.get('name')})", False))
                    elif _no_space(value):
                        for message, credential in literal_findings(value):
                            out.append(Evidence(obj.path, line, f"{work.ref}: env {name}: {message}", False if credential else None))
                words = [str(w) for w in as_list(container.get("command")) + as_list(container.get("args"))]
                split = " ".join(words).split()
                for word in split:
                    for message, credential in literal_findings(word.strip("\"'")):
                        out.append(Evidence(obj.path, obj.container_line(container, "args"), f"{work.ref}: command {message}", False if credential else None))
                for flag, value in _flag_values(split):  # --password=x, --api-key x
                    if literal_secret(flag, value):
                        out.append(Evidence(obj.path, obj.container_line(container, "args"), f"{work.ref}: literal credential in command flag --{flag}", False))
    if not repo.kubernetes.environments:  # compose is the deployment only without Kubernetes
        for service in repo.containers.services():
            for key, value in service.environment().items():
                if value and literal_secret(key, value):
                    out.append(Evidence(service.path, service.line_of("environment"), f"compose service {service.name}: literal credential in {key}", False))
    unique, seen = [], set()
    for e in out:
        if (e.path, e.line, e.message) not in seen:
            seen.add((e.path, e.line, e.message))
            unique.append(e)
    return unique


@check("factor03.no-hardcoded")
def no_hardcoded(repo):
    """No literal IPs (loopback/0.0.0.0 aside), managed-service hosts, connection strings to real hosts or
    credentials in application source (Python via ``ast``, string literals of other languages by text;
    tests/docs excluded; whitespace-free literals only, plus ``Password=`` in connection strings), Dockerfile
    ENV/ARG/RUN, workload env/args (compose only without Kubernetes). A credential (secret-named
    setting with a literal value or default, ``${VAR:-literal}``, URL with a password) → fail; only
    non-secret literals → partial; none → pass. ConfigMap data, .env templates and in-cluster DNS
    names are config, not findings."""
    modules = [m for m in repo.python.app_modules() if not NOT_DEPLOYED.search(m.path)]
    scanned = len(modules) + len(repo.files.of("source_other")) + len(repo.containers.dockerfiles) + len(repo.kubernetes.workloads)
    if not scanned and not repo.containers.services():
        return not_applicable("no application source, Dockerfiles or workload specs")
    findings = _python_findings(repo) + _other_source_findings(repo) + _dockerfile_findings(repo) + _workload_findings(repo)
    credentials = [e for e in findings if e.ok is False]
    literals = [Evidence(e.path, e.line, e.message, False) for e in findings if e.ok is None]
    if credentials:
        return failed(f"{plural(len(credentials), 'hard-coded credential')}" + (f", {plural(len(literals), 'literal')}" if literals else ""), credentials + literals)
    if literals:
        return partial(f"{plural(len(literals), 'hard-coded non-secret literal')} (IPs, hosts, connection strings)", literals)
    evidence = [Evidence(d.path, 1, f"{d.path}: no literal hosts or credentials", True) for d in repo.containers.dockerfiles[:5]]
    settings = [m for m in modules if settings_classes(m) or m.env_reads]
    evidence += [Evidence(m.path, 1, f"{m.path}: settings without literal hosts or credentials", True) for m in settings[:5]]
    evidence.append(Evidence(None, None, f"scanned {plural(len(modules), 'module')}, {plural(len(repo.containers.dockerfiles), 'Dockerfile')}, {plural(len(repo.kubernetes.workloads), 'workload')}", True))
    return passed("no hard-coded IPs, hosts or credentials", evidence)


# ----------------------------------------------------------------------------- factor03.env-separation

_ENV_FILE = re.compile(r"^(?:\.env\.(?P<a>[\w-]+)|(?P<b>[\w-]+)\.env)$")
_TEMPLATE_ENV = {"example", "sample", "template", "dist", "defaults", "default", "tmpl", "tpl", "ci", "test"}
_HASH_SUFFIX = re.compile(r"-[a-z0-9]{10}$")


def _logical_name(name: str, env: str) -> str:
    name = _HASH_SUFFIX.sub("", name)
    for affix in (f"{env}-", f"-{env}"):
        if name.startswith(affix) and affix.endswith("-"):
            name = name[len(affix):]
        elif name.endswith(affix) and affix.startswith("-"):
            name = name[: -len(affix)]
    return name


def _k8s_config(repo, env) -> dict[str, tuple[object, str, int]]:
    """Config values of one environment: key -> (value, path, line); a ConfigMap key set by a patch
    in the environment's own directory is located at the patch."""
    out: dict[str, tuple[object, str, int]] = {}
    local = [o for o in repo.kubernetes.all_objects() if o.kind == "ConfigMap" and env.source and
             (o.path.startswith(env.source + "/"))]
    for obj in env.objects:
        if obj.kind == "ConfigMap":
            name = _logical_name(obj.name, env.name)
            for key, value in as_dict(obj.doc.get("data")).items():
                patch = next((p for p in local if p.name == name and key in as_dict(p.doc.get("data"))), None)
                if patch is not None:
                    where = (patch.path, patch.line_of("data", key))
                else:
                    where = (obj.path, obj.line_of("data", key) if obj.origin != "generated" else obj.line)
                out[f"ConfigMap {name} key {key}"] = (value, *where)
        elif obj.kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Rollout", "Pod"):
            ref = f"{obj.kind}/{_logical_name(obj.name, env.name)}"
            for container in obj.containers(init=True):
                cname = container.get("name")
                for var in iter_env_vars(container):
                    if "value" in var:
                        out[f"{ref} container {cname} env {var.get('name')}"] = (var.get("value"), obj.path, env_line(obj, container, str(var.get("name"))))
                if container.get("args"):
                    out[f"{ref} container {cname} args"] = (repr(container.get("args")), obj.path, obj.container_line(container, "args"))
    return out


def _first_difference(configs: dict[str, dict[str, tuple[object, str, int]]]):
    names = list(configs)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            a, b = configs[first], configs[second]
            for key in sorted(set(a) & set(b)):
                if a[key][0] != b[key][0]:
                    return key, first, second, a[key][1], a[key][2]
    return None


def _env_files(repo):
    out = {}
    for env_file in repo.env_files:
        match = _ENV_FILE.match(posixpath.basename(env_file.path))
        name = (match.group("a") or match.group("b")) if match else None
        if name and name.lower() not in _TEMPLATE_ENV:
            out[f"{name} ({env_file.path})"] = {k: (v, env_file.path, line) for k, line, v in env_file.entries}
    return out


@check("factor03.env-separation")
def env_separation(repo):
    """Per-environment configuration is kept apart and actually differs: at least one config value
    (workload env/args, ConfigMap key, Helm values, ``.env.<env>`` entries) differs between two named
    environments (Kustomize overlays, Helm ``values-<env>`` files, ``.env.{local,dev,prod}``; templates
    such as ``.env.example`` excluded). Otherwise one config for all → fail; n/a when there is no
    configuration at all (settings hard-coded in source or Dockerfiles — factor03.no-hardcoded's
    findings — are configuration too)."""
    evidence = []
    k8s = repo.kubernetes
    envs = [e for e in k8s.environments if e.is_stage or stage_like(e.name)]
    if len(envs) >= 2:
        diff = _first_difference({e.name: _k8s_config(repo, e) for e in envs})
        if diff:
            key, a, b, path, line = diff
            evidence.append(Evidence(path, line, f"{key} differs between {a} and {b}", True))
        else:
            evidence.append(Evidence(None, None, f"environments {', '.join(e.name for e in envs)} share identical config values", False))
    for chart, values in helm_env_values(repo).items():
        texts = {path: re.sub(r"(?m)^\s*#.*$", "", repo.text(path) or "").strip() for _env, path in values}
        nonempty = [p for p, t in texts.items() if t]
        if len(values) >= 2 and nonempty and len(set(texts.values())) > 1:
            evidence.append(Evidence(nonempty[0], 1, f"chart {chart or '.'}: per-environment values files ({', '.join(e for e, _ in values)})", True))
        elif values:
            evidence.append(Evidence(values[0][1], 1, f"chart {chart or '.'}: values files do not differ by environment", False))
    files = _env_files(repo)
    if len(files) >= 2:
        diff = _first_difference(files)
        if diff:
            key, a, b, path, line = diff
            evidence.append(Evidence(path, line, f"{key} differs between env files {a.split(' ')[0]} and {b.split(' ')[0]}", True))
        else:
            evidence.append(Evidence(None, None, "per-environment env files hold identical values", False))
    elif files:
        name, entries = next(iter(files.items()))
        path = next(iter(entries.values()))[1] if entries else name
        evidence.append(Evidence(path, 1, f"one environment file only ({name})", False))
    if any(e.ok for e in evidence):
        return passed("configuration differs per environment", [e for e in evidence if e.ok] + [Evidence(e.path, e.line, e.message, None) for e in evidence if not e.ok])
    if not evidence:
        has_config = bool(k8s.objects("ConfigMap")) or any(
            c.get("env") or c.get("envFrom") for w in k8s.workloads for c in w.first.containers(init=True)
        ) or bool(repo.env_files) or any(m.env_reads or settings_classes(m) for m in repo.python.app_modules())
        hard_coded = [] if has_config else _python_findings(repo) + _other_source_findings(repo) + _dockerfile_findings(repo)
        if not has_config and not hard_coded:
            return not_applicable("no configuration found (no ConfigMaps, env files, workload env, settings or hard-coded settings)")
        env = k8s.environments[0] if k8s.environments else None
        path = (env.objects[0].path if env and env.objects else None)
        if hard_coded:
            first = hard_coded[0]
            evidence.append(Evidence(first.path, first.line, f"configuration hard-coded in the source ({first.message}): "
                                                             "the same configuration serves every deploy", False))
        else:
            evidence.append(Evidence(path, 1 if path else None, "one environment: the same configuration serves every deploy", False))
    return failed("one configuration for all environments", evidence)


# ----------------------------------------------------------------------------- factor03.secret-store

SECRET_STORE_KINDS = (
    "ExternalSecret", "ClusterExternalSecret", "SecretStore", "ClusterSecretStore", "SealedSecret", "SecretProviderClass",
    "VaultStaticSecret", "VaultDynamicSecret", "VaultAuth", "InfisicalSecret", "OnePasswordItem", "DopplerSecret", "AzureKeyVaultSecret",
)
_PRODUCING = ("ExternalSecret", "SealedSecret", "VaultStaticSecret", "VaultDynamicSecret", "InfisicalSecret", "OnePasswordItem", "DopplerSecret", "AzureKeyVaultSecret")
_STORE_SDKS = ("hvac", "azure.keyvault.secrets", "google.cloud.secretmanager", "google.cloud.secretmanager_v1", "infisical", "onepasswordconnectsdk")


def _secret_refs(obj: K8sObject) -> set[str]:
    names = set()
    for container in obj.containers(init=True):
        for source in as_list(container.get("envFrom")):
            ref = as_dict(as_dict(source).get("secretRef")).get("name")
            if ref:
                names.add(str(ref))
        for var in iter_env_vars(container):
            ref = as_dict(as_dict(var.get("valueFrom")).get("secretKeyRef")).get("name")
            if ref:
                names.add(str(ref))
    for volume in as_list(obj.pod_spec().get("volumes")):
        volume = as_dict(volume)
        if as_dict(volume.get("secret")).get("secretName"):
            names.add(str(volume["secret"]["secretName"]))
        for source in as_list(as_dict(volume.get("projected")).get("sources")):
            if as_dict(as_dict(source).get("secret")).get("name"):
                names.add(str(source["secret"]["name"]))
    return {_HASH_SUFFIX.sub("", n) for n in names}


def _csi_classes(obj: K8sObject) -> set[str]:
    out = set()
    for volume in as_list(obj.pod_spec().get("volumes")):
        csi = as_dict(as_dict(volume).get("csi"))
        if csi.get("driver") == "secrets-store.csi.k8s.io":
            name = as_dict(csi.get("volumeAttributes")).get("secretProviderClass")
            if name:
                out.add(str(name))
    return out


def _produced_secret(obj: K8sObject) -> str:
    """Name of the Secret a store object produces (ExternalSecret target, SealedSecret template, VSO destination)."""
    spec = obj.spec
    target = (
        as_dict(spec.get("target")).get("name")
        or as_dict(as_dict(spec.get("template")).get("metadata")).get("name")
        or as_dict(spec.get("destination")).get("name")
    )
    return str(target or obj.name)


def _secret_value_text(repo, obj: K8sObject, section: str, key: str) -> str | None:
    """The raw value of a Secret key, read from the source line for classification only."""
    line = obj.line_of(section, key)
    lines = (repo.text(obj.path) or "").split("\n")
    if not (0 < line <= len(lines)):
        return None
    _, sep, value = lines[line - 1].partition(":")
    value = value.strip().strip("\"'") if sep else ""
    if value in ("|", ">", "|-", ">-") and line < len(lines):
        value = lines[line].strip()
    if section == "data":
        try:
            value = base64.b64decode(value, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            pass
    return value


def real_secret_value(raw: str) -> bool:
    """A committed value that is a real secret: not a placeholder or reference; a URL counts only
    when it embeds a real password (``scheme://user:replace-me@host`` is a template)."""
    if is_placeholder(raw) or ENV_REFERENCE.search(raw):
        return False
    if re.match(r"^[a-z][a-z0-9+.-]*://", raw.strip(), re.I):
        if URL_CREDENTIALS.search(raw):
            return url_has_credentials(raw)
        return host_kind(host_of(raw.strip())) != "placeholder" and bool(re.search(r"[?&](key|token|sig|secret|password)=|/[A-Za-z0-9_-]{24,}", raw))
    return True


def _unique(objects: list[K8sObject]) -> list[K8sObject]:
    """One object per (kind, name): a patch file that restates an object is not a second one."""
    seen, out = set(), []
    for obj in objects:
        if (obj.kind, obj.name) not in seen:
            seen.add((obj.kind, obj.name))
            out.append(obj)
    return out


def _plaintext_secrets(repo) -> list[Evidence]:
    out = []
    for obj in _unique(repo.kubernetes.anywhere("Secret")):
        if obj.origin == "generated" or "sops" in obj.doc:
            continue
        real = []
        for section in ("data", "stringData"):
            for key, value in as_dict(obj.doc.get(section)).items():
                if value in (None, ""):
                    continue
                raw = _secret_value_text(repo, obj, section, str(key)) if obj.path and obj.source else None
                if raw is None or real_secret_value(raw):
                    real.append(str(key))
        if real:
            out.append(Evidence(obj.path, obj.line, f"{obj.ref}: committed with data for {', '.join(real[:5])}", False))
    for kust in repo.kubernetes.kustomizations.values():
        for gen in as_list(kust.doc.get("secretGenerator")):
            if not isinstance(gen, dict):
                continue
            line = getattr(gen, "line", 1) or 1
            literals = [str(l).partition("=") for l in as_list(gen.get("literals"))]
            real = [k for k, _, v in literals if not is_placeholder(v)]
            if real:
                out.append(Evidence(kust.path, line, f"secretGenerator {gen.get('name')}: literal values for {', '.join(real[:5])}", False))
            for entry in as_list(gen.get("envs")) + as_list(gen.get("files")):
                target = posixpath.normpath(posixpath.join(kust.directory, str(entry).split("=")[-1]))
                env_file = next((f for f in repo.env_files if f.path == target), None)
                if env_file and any(not is_placeholder(v) for _k, _l, v in env_file.entries):
                    out.append(Evidence(kust.path, line, f"secretGenerator {gen.get('name')}: reads committed file {target} with values", False))
    for env_file in repo.env_files:
        name = posixpath.basename(env_file.path).lower()
        if any(t in name for t in ("example", "sample", "template", ".dist", ".tmpl")):
            continue
        keys = [(k, l) for k, l, v in env_file.entries if literal_secret(k, v) or url_has_credentials(v)]
        if keys:
            out.append(Evidence(env_file.path, keys[0][1], f"{env_file.path}: committed secret values for {', '.join(k for k, _ in keys[:5])}", False))
    for work in repo.kubernetes.workloads:
        for obj in work.variants.values():
            hits = [(c, v) for c, v in workload_env_vars(obj) if env_value_kind(v) == "literal" and literal_secret(str(v.get("name")), str(v.get("value")))]
            if hits:
                container, var = hits[0]
                out.append(Evidence(obj.path, env_line(obj, container, str(var.get("name"))), f"{work.ref}: literal secret in env {var.get('name')}", False))
                break
    return out


@check("factor03.secret-store")
def secret_store(repo):
    """Secrets come from an external store that a workload actually uses: a Secret produced by an
    ExternalSecret/SealedSecret/Vault/… object and referenced by a workload, a SecretProviderClass
    mounted through the secrets-store CSI driver, Vault agent injection, SOPS-encrypted manifests, or a
    secret-manager SDK in application code → pass. Kubernetes Secrets only, or a store defined but not
    used → partial. Plaintext committed (Secret manifests or secretGenerator literals with real values,
    .env files with secrets, literal secret env values) → fail. n/a when nothing is secret."""
    k8s = repo.kubernetes
    plaintext = _plaintext_secrets(repo)
    stores = _unique(k8s.anywhere(*SECRET_STORE_KINDS))
    workloads = k8s.workloads
    variants = [(w, o) for w in workloads for o in w.variants.values()]
    referenced = {n for _, o in variants for n in _secret_refs(o)}
    wired, unused = [], []
    for store in stores:
        if store.kind == "SecretProviderClass":
            users = [w.ref for w, o in variants if store.name in _csi_classes(o)]
            (wired if users else unused).append((store, f"mounted by {users[0]}" if users else "not mounted by any workload"))
        elif store.kind in _PRODUCING:
            target = _produced_secret(store)
            users = [w.ref for w, o in variants if target in _secret_refs(o)]
            (wired if users else unused).append((store, f"produces Secret {target}, used by {users[0]}" if users else f"produces Secret {target}, used by no workload"))
        else:
            unused.append((store, "store definition"))
    for w, o in variants:
        annotations = o.pod_annotations()
        if str(annotations.get("vault.hashicorp.com/agent-inject", "")).lower() == "true":
            wired.append((o, f"{w.ref}: Vault agent injection"))
    for obj in k8s.anywhere("Secret"):
        if "sops" in obj.doc:
            wired.append((obj, "SOPS-encrypted Secret"))
    sdk = repo.python.imports(*_STORE_SDKS)
    evidence = [Evidence(o.path, o.line, f"{o.ref}: {why}", True) for o, why in wired]
    evidence += [Evidence(m.path, line, f"{m.path}: secret-manager SDK {name}", True) for m, name, line in sdk[:3]]
    evidence += [Evidence(o.path, o.line, f"{o.ref}: {why}", None if wired or sdk else False) for o, why in unused]
    if plaintext:
        return failed(f"{plural(len(plaintext), 'plaintext secret')} committed", plaintext + evidence)
    if wired or sdk:
        return passed("secrets come from an external store", evidence)
    secrets_objs = [o for o in _unique(k8s.anywhere("Secret")) if o.origin != "generated"]
    sensitive = [w for w, o in variants if sensitive_usage(o)]
    if unused:
        used = sorted(referenced)
        if used:
            w = next(w for w, o in variants if _secret_refs(o))
            evidence.append(Evidence(w.path, w.line, f"workloads read plain Kubernetes Secrets ({', '.join(used[:5])})", None))
        return partial("secret store defined but not wired to any workload", evidence)
    if secrets_objs or referenced:
        ev = [Evidence(o.path, o.line, f"{o.ref}: Kubernetes Secret (no external store)", False) for o in secrets_objs[:5]]
        if not ev:
            w = next(w for w, o in variants if _secret_refs(o))
            ev = [Evidence(w.path, w.line, f"{w.ref}: uses Secrets {', '.join(sorted(_secret_refs(w.first)))} created outside the repository, no external store", False)]
        return partial("Kubernetes Secrets only, no external secret store", ev)
    if sensitive:
        w = sensitive[0]
        return failed("sensitive settings without Secrets or a secret store", [Evidence(w.path, w.line, f"{w.ref}: sensitive settings without a Secret", False)])
    return not_applicable("no secrets: no sensitive env vars, Secrets or secret stores")
