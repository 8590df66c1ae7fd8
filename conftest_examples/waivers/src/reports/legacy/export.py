"""Nightly CSV export, moved here unchanged from the old reporting server."""

import logging

log = logging.getLogger("export")
log.addHandler(logging.FileHandler("/var/log/reports/export.log"))


def main():
    log.info("export started")


if __name__ == "__main__":
    main()
