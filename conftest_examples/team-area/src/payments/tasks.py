import os

from celery import Celery

celery_app = Celery("payments", broker=os.environ["BROKER_URL"])


@celery_app.task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def settle(payment_id: str) -> None:
    print(f"settled {payment_id}", flush=True)
