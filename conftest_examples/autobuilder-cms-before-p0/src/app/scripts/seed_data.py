"""Seed data: the first admin user and a demo site.

Run as the Kubernetes Job `cms-seed-data` (python -m app.scripts.seed_data).
Idempotent: existing rows are left alone. Exits non-zero while the schema is
missing, so the Job's backoffLimit covers the race with `cms-db-init`.
"""
import logging
import os
import sys

from sqlalchemy import inspect

from app.core.logging import configure_logging
from app.core.security import hash_password
from app.db.models import Page, Site, User
from app.db.session import SessionLocal, engine

logger = logging.getLogger("seed_data")

ADMIN_EMAIL = os.getenv("SEED_ADMIN_EMAIL", "admin@autobuilder.example.com")


def main() -> int:
    configure_logging("seed-data")
    if not inspect(engine).has_table("users"):
        logger.error("schema not migrated yet; run alembic upgrade head first")
        return 1

    with SessionLocal() as db:
        admin = db.query(User).filter(User.email == ADMIN_EMAIL).one_or_none()
        if admin is None:
            admin = User(email=ADMIN_EMAIL, password_hash=hash_password(os.environ["SEED_ADMIN_PASSWORD"]), role="admin")
            db.add(admin)
            db.flush()
            logger.info("created admin user %s", ADMIN_EMAIL)

        if db.query(Site).filter(Site.slug == "demo").one_or_none() is None:
            site = Site(slug="demo", title="Auto-Builder Demo", template="landing", owner_id=admin.id)
            site.pages = [
                Page(path="/", title="Welcome", body="<p>Built with Auto-Builder CMS.</p>"),
                Page(path="/about", title="About", body="<p>About this demo site.</p>"),
            ]
            db.add(site)
            logger.info("created demo site")
        db.commit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
