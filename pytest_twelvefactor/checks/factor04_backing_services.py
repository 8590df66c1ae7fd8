"""Factor 4 — Backing services: attached databases, separate caches/brokers, connection strings from config."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from ..model.kubernetes import BACKING_IMAGE, INFRA_IMAGE, image_tag
from ..results import Evidence, failed, not_applicable, partial, passed, tally
from . import check
from .common import plural
from .factor02_dependencies import NOT_DEPLOYED, package_installs, run_command
from .factor03_config import (
    CONNECTION_SCHEMES, dockerfile_env, host_kind, host_of, name_words, settings_classes,
)

_SERVICE_WORDS = {
    "database": {"DATABASE", "DB", "POSTGRES", "POSTGRESQL", "PG", "PGSQL", "MYSQL", "MARIADB", "MONGO", "MONGODB", "SQLALCHEMY", "SQL", "MSSQL", "ORACLE", "COCKROACH"},
    "cache": {"REDIS", "CACHE", "MEMCACHE", "MEMCACHED", "VALKEY"},
    "broker": {"CELERY", "BROKER", "AMQP", "RABBIT", "RABBITMQ", "KAFKA", "NATS", "MQ", "QUEUE", "RESULT", "SQS", "PUBSUB"},
    "storage": {"S3", "MINIO", "BLOB", "STORAGE", "BUCKET", "AZURITE", "GCS"},
    "search": {"ELASTIC", "ELASTICSEARCH", "OPENSEARCH", "SOLR", "QDRANT", "CHROMA", "CHROMADB", "WEAVIATE", "MILVUS", "VECTOR", "PGVECTOR"},
}
_ADDRESS_LAST = {"URL", "URI", "DSN", "HOST", "HOSTNAME", "HOSTS", "ENDPOINT", "ADDR", "ADDRESS", "SERVER", "SERVERS", "BACKEND",
                 "BROKER", "CONNECTION", "STRING", "CONNSTR"}
_CLIENT_CALLS = (
    "create_engine", "create_async_engine", "from_url", "Redis", "StrictRedis", "RedisCluster", "MongoClient", "AsyncIOMotorClient",
    "psycopg2.connect", "psycopg.connect", "asyncpg.connect", "asyncpg.create_pool", "pymysql.connect", "aiomysql.connect",
    "mysql.connector.connect", "Celery", "Minio", "QdrantClient", "HttpClient", "Elasticsearch", "OpenSearch", "KafkaProducer",
    "KafkaConsumer", "AIOKafkaProducer", "AIOKafkaConsumer", "URLParameters", "ConnectionParameters", "pika.BlockingConnection",
    "aio_pika.connect_robust", "aio_pika.connect", "nats.connect", "pymemcache.client.base.Client", "Database", "register_tortoise",
)
_CLIENT_KWARGS = ("url", "host", "hosts", "broker", "backend", "dsn", "endpoint", "endpoint_url", "bootstrap_servers", "servers", "uri", "db_url")
_DB_IMPORTS = (
    "sqlalchemy", "sqlmodel", "psycopg2", "psycopg", "asyncpg", "pymysql", "MySQLdb", "mysql.connector", "aiomysql", "aiopg",
    "pymongo", "motor", "mongoengine", "beanie", "odmantic", "peewee", "tortoise", "databases", "pyodbc", "cx_Oracle", "oracledb",
    "pymssql", "django.db", "dj_database_url", "sqlite3", "aiosqlite", "cassandra", "neo4j",
)
_SQLITE_IMPORTS = ("sqlite3", "aiosqlite")
_CACHE_BROKER_IMPORTS = (
    "redis", "aioredis", "celery", "kombu", "pika", "aio_pika", "kafka", "confluent_kafka", "aiokafka", "nats", "pymemcache",
    "pylibmc", "memcache", "dramatiq", "rq", "arq", "huey", "valkey",
)
_CACHE_BROKER_IMAGE = re.compile(r"(^|/)(redis|redis-stack|valkey|keydb|dragonfly|memcached|rabbitmq|kafka|cp-kafka|nats|activemq|artemis|pulsar|bitnami/(redis|valkey|memcached|rabbitmq|kafka))(:|@|$)")
_DB_IMAGE = re.compile(r"(^|/)(postgres|postgresql|postgis|timescaledb|mysql|mariadb|mongo|mongodb|cockroach|cockroachdb|mssql|azure-sql-edge|bitnami/(postgresql|mysql|mariadb|mongodb))(:|@|$)")
_SERVER_PACKAGES = {
    "database": re.compile(r"^(postgresql(-\d+)?|postgresql\d*-server|mysql-server|mariadb-server|mongodb(-org)?(-server)?|mssql-server)$"),
    "cache/broker": re.compile(r"^(redis(-server)?|valkey(-server)?|memcached|rabbitmq-server|kafka)$"),
}
_SERVER_COMMAND = re.compile(r"\b(redis-server|valkey-server|memcached|rabbitmq-server|kafka-server-start|postgres|mysqld|mongod|supervisord)\b")
_OTHER_CONFIG = re.compile(
    r"(?:process\.env\.|os\.Getenv\(\"|System\.getenv\(\"|ENV\[[\"']|GetEnvironmentVariable\(\")([A-Z][A-Z0-9_]*(?:DATABASE|DB|REDIS|MONGO|AMQP|RABBIT|KAFKA|BROKER|POSTGRES|MYSQL)[A-Z0-9_]*)"
)
_OTHER_LITERAL = re.compile(r"[\"'`]((?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?|rediss?|amqps?)://[^\"'`\s]+)[\"'`]")


def service_of(name: str) -> str | None:
    """The kind of backing service a setting name addresses, if it is an address (``*_URL``, ``*_HOST`` …)."""
    words = name_words(name)
    if not words:
        return None
    if words[-1] not in _ADDRESS_LAST and words[-2:] not in (["RESULT", "BACKEND"], ["BOOTSTRAP", "SERVERS"]):
        return None
    for kind, vocabulary in _SERVICE_WORDS.items():
        if vocabulary & set(words):
            return kind
    return None


def service_of_url(value: str) -> str:
    scheme = value.split("://", 1)[0].lower()
    if re.match(r"(postgres|mysql|mariadb|mssql|oracle|cockroach|mongodb|sqlite)", scheme):
        return "database"
    if re.match(r"(redis|valkey|memcache|sentinel)", scheme):
        return "cache"
    if re.match(r"(amqp|pyamqp|librabbitmq|kafka|nats)", scheme):
        return "broker"
    if re.match(r"(s3|minio)", scheme):
        return "storage"
    return "search"


@dataclass
class Connection:
    """One way the application addresses a backing service."""

    name: str                 # setting / variable name, or a description of the literal
    service: str              # database, cache, broker, storage, search
    path: str
    line: int
    configurable: bool        # read from the environment / settings
    default: str | None = None
    how: str = ""

    def default_kind(self) -> str | None:
        """Host kind of a literal default ('ip'/'external'/'cluster'/'local'/'placeholder'), None without one."""
        if not isinstance(self.default, str) or not self.default:
            return None
        if "://" in self.default:
            return host_kind(host_of(self.default))
        return host_kind(self.default.split(":")[0]) if re.match(r"^[\w.-]+(:\d+)?$", self.default) else None


def _is_literal(value) -> bool:
    return isinstance(value, str) and bool(value) and not (value.startswith("<") and value.endswith(">"))


_CONNECTIONS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def connections(repo) -> list[Connection]:
    """:func:`_connections`, computed once per repository (five evaluators ask)."""
    if repo not in _CONNECTIONS:
        _CONNECTIONS[repo] = _connections(repo)
    return list(_CONNECTIONS[repo])


def _connections(repo) -> list[Connection]:
    """Every backing-service address of the application code: settings fields and env reads with
    address names (configurable, with their literal default if any), client constructors and
    module constants with literal addresses, and stray connection-string literals (hard-coded)."""
    out: list[Connection] = []
    named: set[str] = set()
    located: set[tuple[str, int]] = set()

    def add(conn: Connection) -> None:
        if conn.configurable and conn.name in named:
            return
        if (conn.path, conn.line) in located and not conn.configurable:
            return
        if conn.configurable:
            named.add(conn.name)
        located.add((conn.path, conn.line))
        out.append(conn)

    modules = [m for m in repo.python.app_modules() if not NOT_DEPLOYED.search(m.path)]
    for module in modules:
        for cls in settings_classes(module):
            for name, value, line in cls.fields:
                service = service_of(name)
                if service:
                    add(Connection(name, service, module.path, line, True, value if _is_literal(value) else None, f"settings {cls.name}"))
        calls_by_line: dict[int, list] = {}
        for call in module.calls:
            calls_by_line.setdefault(call.line, []).append(call)
        env_lines = {r.line for r in module.env_reads}
        for read in module.env_reads:
            service = service_of(read.variable or "")
            if not service:
                continue
            default = None
            for call in calls_by_line.get(read.line, []):
                if call.args and call.args[0] == read.variable:
                    value = call.arg(1, "default")
                    default = value if _is_literal(value) else None
            add(Connection(str(read.variable), service, module.path, read.line, True, default, "environment"))
        for cls in module.classes:
            if cls in settings_classes(module):
                continue
            for name, value, line in cls.fields:
                if service_of(name) and _is_literal(value) and line not in env_lines:
                    add(Connection(name, service_of(name), module.path, line, False, value, f"class {cls.name} constant"))
        for assignment in module.assignments:
            target = assignment.target.rsplit(".", 1)[-1]
            if service_of(target) and _is_literal(assignment.value) and assignment.line not in env_lines:
                add(Connection(target, service_of(target), module.path, assignment.line, False, assignment.value, "module constant"))
        for call in module.calls:
            if not call.endswith(*_CLIENT_CALLS) or call.decorator:
                continue
            values = list(call.args[:1]) + [call.kwargs[k] for k in _CLIENT_KWARGS if k in call.kwargs]
            for value in values:
                if _is_literal(value) and (("://" in value and CONNECTION_SCHEMES.match(value)) or re.match(r"^[\w.-]+(:\d+)?$", value)) \
                        and call.line not in env_lines and not (call.endswith("Celery") and "://" not in value):
                    service = service_of_url(value) if "://" in value else _client_service(call.name)
                    add(Connection(f"{call.name}()", service, module.path, call.line, False, value, "client argument"))
                elif isinstance(value, str) and value.startswith("<") and service_of(value.strip("<>").rsplit(".", 1)[-1]):
                    name = value.strip("<>").rsplit(".", 1)[-1]
                    add(Connection(name, service_of(name), module.path, call.line, True, None, f"{call.name}({value.strip('<>')})"))
        for value, line in module.strings:
            if isinstance(value, str) and CONNECTION_SCHEMES.match(value) and not re.search(r"\s", value) and line not in env_lines \
                    and (module.path, line) not in located and not value.lower().startswith("sqlite"):
                if host_kind(host_of(value)) == "placeholder":
                    continue
                add(Connection("connection string", service_of_url(value), module.path, line, False, value, "literal"))
    for path, line, text in repo.grep(("source_other",), _OTHER_CONFIG):
        if not NOT_DEPLOYED.search(path):
            for match in _OTHER_CONFIG.finditer(text):
                add(Connection(match.group(1), service_of(match.group(1)) or "database", path, line, True, None, "environment"))
    for path, line, text in repo.grep(("source_other",), _OTHER_LITERAL):
        if not NOT_DEPLOYED.search(path):
            for match in _OTHER_LITERAL.finditer(text):
                if host_kind(host_of(match.group(1))) != "placeholder":
                    add(Connection("connection string", service_of_url(match.group(1)), path, line, False, match.group(1), "literal"))
    return out


def _client_service(name: str) -> str:
    lowered = name.lower()
    if any(k in lowered for k in ("redis", "memcache")):
        return "cache"
    if any(k in lowered for k in ("kafka", "pika", "celery", "nats", "amqp")):
        return "broker"
    if any(k in lowered for k in ("minio",)):
        return "storage"
    if any(k in lowered for k in ("qdrant", "elastic", "opensearch", "httpclient")):
        return "search"
    return "database"


def _describe(conn: Connection) -> str:
    if conn.configurable:
        return f"{conn.name} read from config ({conn.how})"
    host = host_of(conn.default) if conn.default and "://" in conn.default else conn.default
    return f"{conn.how} {conn.name} hard-codes {conn.service} host {host}"


# ----------------------------------------------------------------------------- database-attached


def colocated(work, pattern: re.Pattern) -> list[tuple[dict, str]]:
    """Containers matching ``pattern`` (data-service images) that share a pod with an application
    container (an image that is neither a data service nor a third-party agent). The model gives
    such a pod the backing role, so the pod's containers are inspected directly."""
    images = [(c, str(c.get("image") or "")) for c in work.first.containers(init=False)]
    data = [(c, i) for c, i in images if pattern.search(image_tag(i)[0].lower())]
    app = [(c, i) for c, i in images if not BACKING_IMAGE.search(image_tag(i)[0].lower()) and not INFRA_IMAGE.search(i.lower())]
    return data if data and app else []


def database_in_app(repo) -> list[Evidence]:
    """Places where the database lives inside the app: SQLite files, a DB server in the app image,
    a database container in an app pod."""
    out = []
    modules = [m for m in repo.python.app_modules() if not NOT_DEPLOYED.search(m.path)]
    server_imports = [x for x in repo.python.imports(*_DB_IMPORTS) if x[1].split(".")[0] not in _SQLITE_IMPORTS and not x[0].is_test]
    if not server_imports:
        for module in modules:
            for name, line in module.imported(*_SQLITE_IMPORTS):
                out.append(Evidence(module.path, line, f"{module.path}: SQLite ({name}) keeps the database in the app container", False))
                break
    for module in modules:
        for value, line in module.strings:
            if isinstance(value, str) and value.lower().startswith("sqlite") and "://" in value and ":memory:" not in value:
                out.append(Evidence(module.path, line, f"{module.path}: SQLite database URL keeps the database in the app container", False))
    for dockerfile in repo.containers.dockerfiles:
        if NOT_DEPLOYED.search(dockerfile.path) or (dockerfile.runtime_base() and _DB_IMAGE.search(image_tag(dockerfile.runtime_base())[0])):
            continue
        for pkg in package_installs(repo, dockerfile):
            if _SERVER_PACKAGES["database"].match(pkg.name):
                out.append(Evidence(pkg.path, pkg.line, f"{pkg.path}: installs database server {pkg.name} in the app image", False))
    for work in repo.kubernetes.workloads:
        for container, image in colocated(work, _DB_IMAGE):
            out.append(Evidence(work.path, work.first.container_line(container, "image"), f"{work.ref}: database container {container.get('name')} ({image}) in the app pod", False))
    return out


def _database_services(repo) -> list[Evidence]:
    out = []
    for work in repo.kubernetes.workloads:
        if work.role == "backing" and not colocated(work, _DB_IMAGE) and \
                any(_DB_IMAGE.search(image_tag(i)[0].lower()) for i in work.first.images(init=False)):
            out.append(Evidence(work.path, work.line, f"{work.ref}: database runs as its own workload ({work.role_reason})", True))
    if not repo.kubernetes.environments:
        for service in repo.containers.services():
            if service.image and _DB_IMAGE.search(image_tag(service.image)[0].lower()):
                out.append(Evidence(service.path, service.line, f"compose service {service.name}: database as its own service ({service.image})", True))
    return out


@check("factor04.database-attached")
def database_attached(repo):
    """The database is an attached resource: the app reaches it through an address read from config
    (settings field, env var, engine built from settings) and it runs outside the app container (its
    own workload/service, or external/managed). DB addresses only as literals in code → fail; the
    database inside the app (SQLite file, DB server in the app image, DB container in an app pod) →
    partial. n/a when the app uses no database."""
    db_conns = [c for c in connections(repo) if c.service == "database"]
    imports = repo.python.imports(*_DB_IMPORTS)
    inside = database_in_app(repo)
    services = _database_services(repo)
    if not (db_conns or imports or inside or services):
        return not_applicable("no database in use")
    configurable = [c for c in db_conns if c.configurable]
    literal = [c for c in db_conns if not c.configurable]
    evidence = [Evidence(c.path, c.line, _describe(c), True) for c in configurable]
    evidence += [Evidence(c.path, c.line, _describe(c), False) for c in literal]
    if literal and not configurable:
        return failed("database address hard-coded in code", evidence + inside + services)
    if inside:
        return partial("database runs inside the app container", inside + evidence + services)
    if not configurable:
        module, name, line = imports[0] if imports else (None, None, None)
        if module is None:
            return not_applicable("database workloads found, but no application code that connects to them", services)
        return not_applicable(f"{name} imported at {module.path}:{line}, but no database address setting found",
                              [Evidence(module.path, line, f"{name} imported; database address not found in settings or env reads", None)] + services)
    where = services or [Evidence(None, None, "no database workload in the deployment: external or managed database", None)]
    return passed("database reached through configuration, outside the app container", evidence + where)


# ----------------------------------------------------------------------------- services-separated


@check("factor04.services-separated")
def services_separated(repo):
    """Caches and brokers (Redis/Valkey/Memcached/RabbitMQ/Kafka/NATS) run as their own services —
    their own workloads, compose services, or external — never inside an app image (server package
    installed, server started in CMD/ENTRYPOINT or supervisord) or as a container of an app pod.
    Any bundling → fail; otherwise pass; n/a when no cache or broker is used."""
    bundled, separate = [], []
    for dockerfile in repo.containers.dockerfiles:
        base = dockerfile.runtime_base() or ""
        if NOT_DEPLOYED.search(dockerfile.path) or BACKING_IMAGE.search(image_tag(base)[0].lower()):
            continue
        for pkg in package_installs(repo, dockerfile):
            if _SERVER_PACKAGES["cache/broker"].match(pkg.name):
                bundled.append(Evidence(pkg.path, pkg.line, f"{pkg.path}: installs {pkg.name} server in the app image", False))
        entry, cmd = dockerfile.command()
        for ins in (entry, cmd):
            if ins and re.search(r"\b(redis-server|valkey-server|memcached|rabbitmq-server|kafka-server-start|supervisord)\b", ins.value):
                bundled.append(Evidence(dockerfile.path, ins.line, f"{dockerfile.path}: {ins.name} starts {_SERVER_COMMAND.search(ins.value).group(1)} next to the app", False))
        for stage in dockerfile.stages:
            for ins in stage.of("RUN"):
                if re.search(r"\bredis-server\b.*--daemonize\s+yes", run_command(ins.value)):
                    bundled.append(Evidence(dockerfile.path, ins.line, f"{dockerfile.path}: RUN starts redis-server inside the image", False))
    for path in repo.files.all_paths():
        if "supervisor" in path.lower() and not NOT_DEPLOYED.search(path):
            text = repo.text(path) or ""
            match = re.search(r"^\s*\[program:[^\]]*\][^\[]*?command\s*=\s*\S*(redis-server|memcached|rabbitmq-server|valkey-server)", text, re.M | re.S)
            if match:
                bundled.append(Evidence(path, text[: match.start(1)].count("\n") + 1, f"{path}: supervisord runs {match.group(1)} with the app", False))
    for work in repo.kubernetes.workloads:
        images = [(c, str(c.get("image") or "")) for c in work.first.containers(init=False)]
        hits = [(c, i) for c, i in images if _CACHE_BROKER_IMAGE.search(image_tag(i)[0].lower())]
        if not hits:
            continue
        shared = colocated(work, _CACHE_BROKER_IMAGE)
        if shared:
            c, i = shared[0]
            bundled.append(Evidence(work.path, work.first.container_line(c, "image"), f"{work.ref}: {i} runs as container {c.get('name')} of an app pod", False))
        else:
            separate.append(Evidence(work.path, work.line, f"{work.ref}: {hits[0][1]} runs as its own workload", True))
    if not repo.kubernetes.environments:
        for service in repo.containers.services():
            if service.image and _CACHE_BROKER_IMAGE.search(image_tag(service.image)[0].lower()):
                separate.append(Evidence(service.path, service.line, f"compose service {service.name}: {service.image} as its own service", True))
    if bundled:
        return failed(f"{plural(len(bundled), 'cache/broker')} bundled with the app", bundled + separate)
    if separate:
        return passed("caches and brokers run as their own services", separate)
    conns = [c for c in connections(repo) if c.service in ("cache", "broker")]
    users = repo.python.imports(*_CACHE_BROKER_IMPORTS)
    if conns:
        ev = [Evidence(c.path, c.line, f"{c.name}: {c.service} addressed through config, no in-repo server (external/managed)", True) for c in conns if c.configurable]
        if ev:
            return passed("caches and brokers are external services", ev)
    if users:
        module, name, line = users[0]
        return passed("cache/broker client used, no server bundled with the app", [Evidence(module.path, line, f"{name} imported; no cache/broker server in the app image or pods", True)])
    return not_applicable("no cache or broker in use")


# ----------------------------------------------------------------------------- urls-from-env


@check("factor04.urls-from-env")
def urls_from_env(repo):
    """Every backing-service address the code uses (database, Redis, Celery broker/result backend,
    AMQP, Mongo, Kafka, object storage, vector/search databases) is read from config — a settings
    field or env read named ``*_URL``/``*_HOST``/``*_DSN``/… — not a literal in a client call, a
    module/class constant or a stray connection string. All/some/none → pass/partial/fail."""
    evidence = []
    for conn in connections(repo):
        evidence.append(Evidence(conn.path, conn.line, _describe(conn), conn.configurable))
    return tally(evidence, subject="backing-service addresses", na_reason="no backing-service addresses in application code",
                 all_ok="every backing-service address read from config")


# ----------------------------------------------------------------------------- swappable


@check("factor04.swappable")
def swappable(repo):
    """Swapping a backing service needs only config: every address is configurable without a literal
    default naming a real host (IP or external FQDN; localhost and in-cluster DNS defaults are fine),
    in code or in a Dockerfile ENV. All clean → pass; literal real-host defaults or some addresses
    hard-coded → partial; every address hard-coded → fail."""
    conns = connections(repo)
    evidence, clean, defaults, fixed = [], 0, 0, 0
    for conn in conns:
        if not conn.configurable:
            fixed += 1
            evidence.append(Evidence(conn.path, conn.line, _describe(conn), False))
        elif conn.default_kind() in ("ip", "external"):
            defaults += 1
            host = host_of(conn.default) if "://" in (conn.default or "") else conn.default
            evidence.append(Evidence(conn.path, conn.line, f"{conn.name}: configurable, but defaults to {conn.service} host {host}", False))
        else:
            clean += 1
            evidence.append(Evidence(conn.path, conn.line, f"{conn.name}: configurable, no hard-coded host ({conn.how})", True))
    for dockerfile in repo.containers.dockerfiles:
        if NOT_DEPLOYED.search(dockerfile.path):
            continue
        for key, value, line, name in dockerfile_env(dockerfile):
            if service_of(key) and "://" in value and host_kind(host_of(value)) in ("ip", "external"):
                defaults += 1
                evidence.append(Evidence(dockerfile.path, line, f"{dockerfile.path}: {name} {key} bakes {service_of(key)} host {host_of(value)} into the image", False))
    if not conns and not defaults:
        return not_applicable("no backing-service addresses in application code")
    if fixed and not clean and not defaults:
        return failed("backing-service hosts hard-coded only", evidence)
    if fixed or defaults:
        return partial(f"{plural(fixed + defaults, 'address')} with hard-coded hosts", evidence)
    return passed("backing services swappable through config alone", evidence)
