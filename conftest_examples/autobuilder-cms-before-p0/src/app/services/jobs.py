"""Kubernetes Job management for the admin API.

Uses the pod's ServiceAccount (auto-builder-cms); its Role only allows
batch/jobs in the app namespace.
"""
from kubernetes import client, config

from app.core.config import settings

ADMIN_JOB_SELECTOR = "app.kubernetes.io/component=admin-job"
REQUEST_TIMEOUT = 10


def _batch_api() -> client.BatchV1Api:
    config.load_incluster_config()
    return client.BatchV1Api()


def list_admin_jobs() -> list[dict]:
    jobs = _batch_api().list_namespaced_job(
        settings.K8S_NAMESPACE, label_selector=ADMIN_JOB_SELECTOR, _request_timeout=REQUEST_TIMEOUT
    )
    return [
        {
            "name": job.metadata.name,
            "succeeded": job.status.succeeded or 0,
            "failed": job.status.failed or 0,
            "completed_at": job.status.completion_time,
        }
        for job in jobs.items
    ]


def rerun_job(name: str) -> str:
    """Create a fresh copy of an existing admin Job (like `kubectl create job --from`)."""
    api = _batch_api()
    job = api.read_namespaced_job(name, settings.K8S_NAMESPACE, _request_timeout=REQUEST_TIMEOUT)
    labels = {k: v for k, v in (job.spec.template.metadata.labels or {}).items() if "controller-uid" not in k}
    labels.pop("batch.kubernetes.io/job-name", None)
    labels.pop("job-name", None)
    job.spec.template.metadata.labels = labels
    new_job = client.V1Job(
        metadata=client.V1ObjectMeta(generate_name=f"{name}-rerun-", labels=job.metadata.labels),
        spec=client.V1JobSpec(
            template=job.spec.template,
            backoff_limit=job.spec.backoff_limit,
            ttl_seconds_after_finished=job.spec.ttl_seconds_after_finished,
        ),
    )
    created = api.create_namespaced_job(settings.K8S_NAMESPACE, new_job, _request_timeout=REQUEST_TIMEOUT)
    return created.metadata.name
