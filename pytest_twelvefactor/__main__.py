"""Command line: ``python -m pytest_twelvefactor docs DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_twelvefactor")
    sub = parser.add_subparsers(dest="command", required=True)
    docs = sub.add_parser("docs", help="write the per-item reference pages generated from the catalog")
    docs.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    if args.command == "docs":
        from .docs import write

        count = write(args.directory)
        print(f"wrote {count} pages to {args.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
