"""Cloud Native 5 — Scalability: vertical scaling, database scaling, cache scaling.

(``scalability.horizontal`` and ``scalability.event-driven`` are "as" items of
factor 8 and have no evaluator here.)
"""

from __future__ import annotations

import re

from ..model.kubernetes import K8sObject, Workload, as_dict, as_list, image_tag
from ..results import Evidence, Result, not_applicable, partial, passed, tally
from . import check
from .common import judge_workloads, plural

# --------------------------------------------------------------------------- vertical


def _limit_range_defaults(repo, obj: K8sObject) -> tuple[set[str], K8sObject | None]:
    """Resource fields ("requests.cpu", "limits.memory" …) a namespace LimitRange fills in."""
    covered: set[str] = set()
    source = None
    for lr in repo.kubernetes.objects("LimitRange", env=obj.env):
        if lr.namespace and obj.namespace and lr.namespace != obj.namespace:
            continue
        for limit in as_list(lr.spec.get("limits")):
            limit = as_dict(limit)
            if limit.get("type", "Container") != "Container":
                continue
            for resource in as_dict(limit.get("default")):
                covered |= {f"limits.{resource}", f"requests.{resource}"}  # requests default to limits
            for resource in as_dict(limit.get("defaultRequest")):
                covered.add(f"requests.{resource}")
            source = lr
    return covered, source


def _missing_resources(container: dict, covered: set[str], cpu_limits: bool) -> list[str]:
    resources = as_dict(container.get("resources"))
    requests, limits = as_dict(resources.get("requests")), as_dict(resources.get("limits"))
    wanted = ["requests.cpu", "requests.memory", "limits.memory"] + (["limits.cpu"] if cpu_limits else [])
    missing = []
    for field in wanted:
        section, resource = field.split(".")
        present = resource in (requests if section == "requests" else limits)
        if section == "requests" and not present and resource in limits:
            present = True  # Kubernetes defaults requests to limits
        if not present and field not in covered:
            missing.append(field)
    return missing


def _vpa_for(repo, obj: K8sObject) -> K8sObject | None:
    for vpa in repo.kubernetes.objects("VerticalPodAutoscaler", env=obj.env):
        ref = as_dict(vpa.spec.get("targetRef"))
        if ref.get("kind") == obj.kind and ref.get("name") == obj.name:
            return vpa
    return None


@check("scalability.vertical")
def vertical(repo) -> Result:
    """Long-running app workloads can be sized (and resized) only if their containers,
    init containers included, declare CPU and memory requests and a memory limit (a CPU
    limit only under policy ``cpu_limits_required``), directly or through a namespace
    LimitRange default — or if a VerticalPodAutoscaler targets them. All → pass, some →
    partial, none → fail."""
    k8s = repo.kubernetes
    workloads = k8s.app_workloads(long_running=True)
    if not workloads:
        return not_applicable("no long-running app workloads" if k8s.present else "no Kubernetes manifests")
    cpu_limits = bool(repo.policy.get("cpu_limits_required", False))

    def judge(obj: K8sObject):
        vpa = _vpa_for(repo, obj)
        if vpa is not None:
            mode = as_dict(vpa.spec.get("updatePolicy")).get("updateMode", "Auto")
            return True, f"VerticalPodAutoscaler {vpa.name} (updateMode {mode})", obj.line
        containers = obj.containers(init=True)
        if not containers:
            return None
        covered, limit_range = _limit_range_defaults(repo, obj)
        for container in containers:
            missing = _missing_resources(container, covered, cpu_limits)
            if missing:
                return False, f"container {container.get('name')} has no {', '.join(missing)}", obj.container_line(container, "resources")
        via = f" (LimitRange {limit_range.name} fills defaults)" if limit_range is not None and covered else ""
        return True, f"requests and limits set on {plural(len(containers), 'container')}{via}", obj.container_line(containers[0], "resources")

    return tally(judge_workloads(workloads, judge), subject="long-running app workloads",
                 na_reason="no containers in the long-running app workloads")


# --------------------------------------------------------------------------- shared: data services

DATABASE_IMAGE = re.compile(
    r"(^|/)(postgres|postgresql|postgis|timescaledb|postgresql-repmgr|postgresql-ha|spilo[\w-]*|mysql|mariadb|mariadb-galera|percona[\w-]*|"
    r"mongo|mongodb|cassandra|scylla|couchdb|couchbase|neo4j|influxdb|clickhouse|clickhouse-server|cockroach|cockroachdb|"
    r"chroma|chromadb|qdrant|weaviate|milvus)$"
)
REPLICATED_DB_IMAGE = re.compile(r"(repmgr|postgresql-ha|spilo|patroni|galera|percona-xtradb-cluster|stolon)")
CACHE_IMAGE = re.compile(r"(^|/)(redis|redis-stack|redis-stack-server|valkey|keydb|dragonfly|dragonflydb|memcached|redis-cluster|valkey-cluster)$")
CLUSTERED_CACHE_IMAGE = re.compile(r"(redis-cluster|valkey-cluster|redis-sentinel|valkey-sentinel)")
CACHE_CLUSTER_ARGS = re.compile(r"(cluster-enabled\s+yes|--cluster-enabled|redis-sentinel|--sentinel|sentinel\.conf|--replicaof|--slaveof)")

DB_OPERATOR_KINDS = {
    "Cluster": "postgresql.cnpg.io", "postgresql": "acid.zalan.do", "PostgresCluster": "postgres-operator.crunchydata.com",
    "PerconaXtraDBCluster": "pxc.percona.com", "PerconaServerMongoDB": "psmdb.percona.com", "PerconaServerMySQL": "ps.percona.com",
    "MongoDBCommunity": "mongodbcommunity.mongodb.com", "MongoDB": "mongodb.com", "InnoDBCluster": "mysql.oracle.com",
    "MariaDB": "mariadb", "MySQLCluster": "moco.cybozu.com", "CassandraDatacenter": "cassandra.datastax.com",
    "CrdbCluster": "crdb.cockroachlabs.com", "CockroachDB": "cockroach", "VitessCluster": "planetscale.com",
}
DB_MANAGED_KINDS = {
    "FlexibleServer": "dbforpostgresql.azure.com|dbformysql.azure.com", "DBInstance": "rds|alloydb", "DBCluster": "rds",
    "SQLInstance": "sql.cnrm.cloud.google.com", "DatabaseAccount": "documentdb.azure.com", "Server": "sql.azure.com",
    "PostgreSQLInstance": "crossplane|database", "AlloyDBCluster": "alloydb",
}
CACHE_OPERATOR_KINDS = {
    "RedisCluster": "redis", "RedisFailover": "databases.spotahome.com", "RedisReplication": "redis.redis.opstreelabs.in",
    "RedisSentinel": "redis.redis.opstreelabs.in", "RedisEnterpriseCluster": "app.redislabs.com", "Dragonfly": "dragonflydb.io",
    "DistributedRedisCluster": "redis.kun", "ValkeyCluster": "valkey",
}
CACHE_MANAGED_KINDS = {
    "Redis": "cache.azure.com|redis.cnrm.cloud.google.com", "RedisEnterprise": "cache.azure.com", "ReplicationGroup": "elasticache",
    "CacheCluster": "elasticache", "RedisInstance": "redis.cnrm.cloud.google.com", "MemoryDBCluster": "memorydb",
}
TF_DATABASE = re.compile(
    r'resource\s+"(azurerm_postgresql\w*|azurerm_mysql\w*|azurerm_mssql_server|azurerm_cosmosdb_account|aws_db_instance|aws_rds_cluster|'
    r'google_sql_database_instance|google_alloydb_cluster|mongodbatlas_cluster|mongodbatlas_advanced_cluster|digitalocean_database_cluster)"'
    r"|\bMicrosoft\.(DBforPostgreSQL|DBforMySQL|Sql|DocumentDB)/"
)
TF_CACHE = re.compile(
    r'resource\s+"(azurerm_redis_cache|azurerm_redis_enterprise_cluster|azurerm_managed_redis|aws_elasticache_\w+|aws_memorydb_cluster|'
    r'google_redis_instance|google_redis_cluster|digitalocean_database_cluster)"|\bMicrosoft\.Cache/'
)
MANAGED_DB_HOST = re.compile(
    r"(\.postgres\.database\.azure\.com|\.mysql\.database\.azure\.com|\.database\.windows\.net|\.rds\.amazonaws\.com|"
    r"\.mongodb\.net|\.documents\.azure\.com|\.cloudsql|/cloudsql/|\.neon\.tech|\.supabase\.co|\.db\.ondigitalocean\.com)", re.I)
MANAGED_CACHE_HOST = re.compile(r"(\.redis\.cache\.windows\.net|\.redis\.azure\.net|\.cache\.amazonaws\.com|\.memorystore|\.upstash\.io|\.redislabs\.com|\.redis-cloud\.com)", re.I)
DB_CLIENT_MODULES = ("sqlalchemy", "psycopg2", "psycopg", "asyncpg", "pymysql", "aiomysql", "MySQLdb", "pymongo", "motor",
                     "django.db", "tortoise", "peewee", "sqlmodel", "databases", "qdrant_client", "chromadb", "weaviate", "pymilvus")
CACHE_CLIENT_MODULES = ("redis", "aioredis", "django_redis", "pymemcache", "aiomcache", "valkey")


def _workload_images(w: Workload) -> list[str]:
    return [image_tag(i)[0].lower() for i in w.first.images(init=False)]


def _crs(repo, kinds: dict[str, str]) -> list[K8sObject]:
    out = []
    for obj in repo.kubernetes.anywhere(*kinds):
        if re.search(kinds[obj.kind], obj.api_version.split("/")[0]):
            out.append(obj)
    return out


def _config_hosts(repo, pattern: re.Pattern) -> list[Evidence]:
    """ConfigMap data values or plain env values naming a managed-service host (names only)."""
    out = []
    for obj in repo.kubernetes.unique_objects("ConfigMap"):
        for key, value in as_dict(obj.doc.get("data")).items():
            if isinstance(value, str) and pattern.search(value):
                out.append(Evidence(obj.path, obj.line_of("data", key), f"{obj.ref}: {key} points at a managed service", True))
    for env in repo.env_files:
        for key, line, value in env.entries:
            if pattern.search(value):
                out.append(Evidence(env.path, line, f"{key} points at a managed service", True))
    return out


def _k8s_judgeable(repo) -> bool:
    return any(env.objects for env in repo.kubernetes.environments)


def _compose_deployment(repo) -> bool:
    return not repo.kubernetes.present and bool(repo.containers.compose_files)


def _data_service_result(repo, *, what: str, image: re.Pattern, replicated: re.Pattern, args_pattern: re.Pattern | None,
                         operators: dict, managed_kinds: dict, tf: re.Pattern, hosts: re.Pattern, modules: tuple,
                         replicas_scale: re.Pattern) -> Result:
    k8s = repo.kubernetes
    good: list[Evidence] = []
    single: list[Evidence] = []
    for obj in _crs(repo, operators):
        instances = obj.spec.get("instances", obj.spec.get("numberOfInstances", obj.spec.get("replicas", obj.spec.get("size"))))
        if isinstance(instances, int) and instances <= 1:
            single.append(Evidence(obj.path, obj.line_of("spec"), f"{obj.ref}: operator-managed {what} with a single instance", False))
        else:
            good.append(Evidence(obj.path, obj.line, f"{obj.ref}: operator-managed {what}", True))
    for obj in _crs(repo, managed_kinds):
        good.append(Evidence(obj.path, obj.line, f"{obj.ref}: managed {what} provisioned from the cluster", True))
    for path, line, _text in repo.grep(("terraform",), tf):
        good.append(Evidence(path, line, f"managed {what} defined in infrastructure code", True))
    good += _config_hosts(repo, hosts)
    in_cluster = [w for w in k8s.workloads if w.long_running and any(image.search(i) for i in _workload_images(w))]
    if in_cluster:
        def judge(obj: K8sObject):
            images = [i for i in obj.images(init=False)]
            text = " ".join(" ".join(str(x) for x in as_list(c.get("command")) + as_list(c.get("args"))) for c in obj.containers())
            names = " ".join(str(c.get("name")) for c in obj.containers())
            if any(replicated.search(i.lower()) for i in images) or (args_pattern and args_pattern.search(f"{text} {names}")):
                return True, f"replicated/clustered {what}", obj.line
            count = obj.replicas() if obj.replicas() is not None else 1
            if count > 1 and obj.kind in ("StatefulSet", "Deployment") and any(replicas_scale.search(image_tag(i)[0].lower()) for i in images):
                return True, f"{what} with {count} replicas", obj.line_of("spec", "replicas")
            return False, f"single in-cluster {what} instance ({images[0] if images else 'no image'})", obj.line_of("spec", "replicas") if obj.replicas() is not None else obj.line
        evidence = judge_workloads(in_cluster, judge)
        single += [e for e in evidence if e.ok is False]
        good += [e for e in evidence if e.ok is not False]
    elif _compose_deployment(repo):
        for svc in repo.containers.services():
            if svc.image and image.search(image_tag(svc.image)[0].lower()):
                deploy = as_dict(svc.spec.get("deploy"))
                replicas = deploy.get("replicas")
                if (isinstance(replicas, int) and replicas > 1 and replicas_scale.search(svc.image.lower())) or replicated.search(svc.image.lower()) or (args_pattern and args_pattern.search(svc.command_text())):
                    good.append(Evidence(svc.path, svc.line, f"compose service {svc.name}: replicated {what}", True))
                else:
                    single.append(Evidence(svc.path, svc.line, f"compose service {svc.name}: single {what} instance", False))
    if single:
        return partial(f"{plural(len(single), f'single-instance {what}')} in the deployment", single + good)
    if good:
        return passed(f"{what} is managed, external or replicated", good)
    # No data-service workload: a client used by the app means an external service.
    used = repo.python.imports(*modules)
    if used and (k8s.present or repo.containers.compose_files):
        if k8s.present and not _k8s_judgeable(repo):
            return not_applicable(f"the deployment could not be analysed ({k8s.judged}); cannot tell where the {what} runs")
        module, name, line = used[0]
        return passed(f"no in-cluster {what}: the app reaches an external one",
                      [Evidence(module.path, line, f"{what} client {name} used; no {what} workload in the deployment ({k8s.judged})", True)])
    return not_applicable(f"no {what} in the deployment or the application")


@check("scalability.database")
def database(repo) -> Result:
    """A database scales when it is managed/external (cloud DB in Terraform/Bicep or a
    managed-service CR, a managed host in config, or no database workload while the app
    uses a DB client) or replicated (operator cluster with more than one instance, HA
    image such as repmgr/Patroni/Galera, or more than one StatefulSet replica). Any single in-cluster instance (worst
    environment decides) → partial; no database at all → n/a."""
    return _data_service_result(
        repo, what="database", image=DATABASE_IMAGE, replicated=REPLICATED_DB_IMAGE,
        args_pattern=re.compile(r"(--replSet|group_replication|wsrep)"), operators=DB_OPERATOR_KINDS,
        managed_kinds=DB_MANAGED_KINDS, tf=TF_DATABASE, hosts=MANAGED_DB_HOST,
        modules=DB_CLIENT_MODULES, replicas_scale=DATABASE_IMAGE,
    )


@check("scalability.cache")
def cache(repo) -> Result:
    """Every in-cluster Redis/Valkey/KeyDB/Dragonfly/Memcached counts, whatever its role
    (cache, Celery broker): clustered (cluster mode, Sentinel or --replicaof arguments,
    cluster/sentinel images, Redis operator CR, several Memcached replicas) or managed (Azure Cache/ElastiCache/Memorystore in IaC or config, or no cache
    workload while the app uses a Redis client) → pass; any single instance → partial;
    no cache at all → n/a."""
    return _data_service_result(
        repo, what="cache", image=CACHE_IMAGE, replicated=CLUSTERED_CACHE_IMAGE, args_pattern=CACHE_CLUSTER_ARGS,
        operators=CACHE_OPERATOR_KINDS, managed_kinds=CACHE_MANAGED_KINDS, tf=TF_CACHE, hosts=MANAGED_CACHE_HOST,
        modules=CACHE_CLIENT_MODULES, replicas_scale=re.compile(r"(^|/)memcached$"),
    )
