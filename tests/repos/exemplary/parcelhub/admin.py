"""Maintenance commands, run as Kubernetes Jobs with the application image.

    python -m parcelhub.admin purge-shipments [--older-than-days N]

(Schema migrations are `alembic upgrade head`, see deploy/base/jobs.yaml.)
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from parcelhub.db import FINAL_STATUSES, Shipment, engine, session_scope
from parcelhub.observability import configure_logging
from parcelhub.settings import get_settings

log = logging.getLogger("parcelhub.admin")


def purge_shipments(older_than_days: int, batch_size: int) -> int:
    """Delete finished shipments older than the retention period, in small batches."""
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    total = 0
    while True:
        with session_scope() as session:
            ids = session.scalars(
                select(Shipment.id)
                .where(Shipment.status.in_(FINAL_STATUSES), Shipment.updated_at < cutoff)
                .limit(batch_size)
            ).all()
            if not ids:
                return total
            session.execute(delete(Shipment).where(Shipment.id.in_(ids)))
        total += len(ids)


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m parcelhub.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    purge = commands.add_parser("purge-shipments", help="delete finished shipments past retention")
    purge.add_argument("--older-than-days", type=int, default=settings.shipment_retention_days)
    purge.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args(argv)

    configure_logging(settings.log_level)
    if args.command == "purge-shipments":
        deleted = purge_shipments(args.older_than_days, args.batch_size)
        log.info("purged finished shipments", extra={"deleted": deleted, "older_than_days": args.older_than_days})
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
