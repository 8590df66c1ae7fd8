"""Client for the carrier tracking API.

Every call has a timeout, is retried with exponential backoff and jitter
(tenacity) on transport errors and 429/5xx, and goes through a circuit
breaker (pybreaker) so that a carrier outage fails fast instead of tying up
API threads and worker slots.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import httpx
import pybreaker
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from parcelhub.settings import Settings

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})


def _client_error(exc: BaseException) -> bool:
    """4xx answers are our fault, not the carrier's: they must not open the breaker."""
    return isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code < 500


breaker = pybreaker.CircuitBreaker(
    fail_max=5, reset_timeout=60, exclude=[_client_error], name="carrier-api"
)


class CarrierUnavailable(Exception):
    """The carrier could not be reached; callers retry later."""


@dataclass(frozen=True)
class TrackingUpdate:
    status: str
    last_event_at: datetime | None


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in RETRYABLE_STATUS
    return isinstance(exc, httpx.TransportError)


class CarrierClient:
    def __init__(self, settings: Settings) -> None:
        self._timeout = httpx.Timeout(
            settings.http_timeout_seconds, connect=settings.http_connect_timeout_seconds
        )
        self._http = httpx.Client(
            base_url=settings.carrier_api_base_url,
            headers={
                "Authorization": f"Bearer {settings.carrier_api_key.get_secret_value()}",
                "User-Agent": "parcelhub/1.5",
            },
            timeout=self._timeout,
        )

    @retry(
        retry=retry_if_exception(_retryable),
        wait=wait_exponential_jitter(initial=0.5, max=8),
        stop=stop_after_attempt(4),
        reraise=True,
    )
    @breaker
    def _get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        response = self._http.get(path, params=params, timeout=self._timeout)
        response.raise_for_status()
        return response

    def tracking(self, carrier: str, tracking_number: str) -> TrackingUpdate:
        try:
            payload = self._get(f"/v2/{carrier}/tracking/{tracking_number}").json()
        except (httpx.HTTPError, pybreaker.CircuitBreakerError) as exc:
            log.warning("carrier tracking call failed", extra={"carrier": carrier, "error": str(exc)})
            raise CarrierUnavailable(carrier) from exc
        last_event = payload.get("last_event_at")
        return TrackingUpdate(
            status=payload["status"],
            last_event_at=datetime.fromisoformat(last_event) if last_event else None,
        )

    def label_pdf(self, carrier: str, tracking_number: str) -> bytes:
        try:
            return self._get(f"/v2/{carrier}/shipments/{tracking_number}/label").content
        except (httpx.HTTPError, pybreaker.CircuitBreakerError) as exc:
            raise CarrierUnavailable(carrier) from exc

    def close(self) -> None:
        self._http.close()
