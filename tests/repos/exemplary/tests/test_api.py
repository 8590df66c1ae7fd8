"""Smoke tests; CI runs them against a throwaway PostgreSQL service container."""

import uuid

from fastapi.testclient import TestClient

from parcelhub.api import app


def test_healthz_has_no_dependencies():
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_the_database():
    with TestClient(app) as client:
        assert client.get("/readyz").json() == {"status": "ready"}


def test_shipments_require_a_bearer_token():
    with TestClient(app) as client:
        response = client.get(f"/v1/shipments/{uuid.uuid4()}")
    assert response.status_code == 403


def test_metrics_are_exposed():
    with TestClient(app) as client:
        assert "http_requests_total" in client.get("/metrics").text
