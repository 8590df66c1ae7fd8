#!/usr/bin/env python
# One-off import of the orders exported from the old Magento shop (orders.csv).
# Run by hand from a laptop with DATABASE_URL pointing at the database.
import csv
import json
import os
import sys
import uuid

import psycopg2


def main(path):
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    cur = conn.cursor()
    count = 0
    with open(path) as fh:
        for row in csv.DictReader(fh):
            try:
                items = json.loads(row["items"])
                cur.execute(
                    "INSERT INTO orders (id, items, total_cents, status) VALUES (%s, %s, %s, %s)",
                    (str(uuid.uuid4()), json.dumps(items), int(row["total_cents"]), row["status"]),
                )
                count += 1
            except Exception, e:
                print "skipping row %s: %s" % (row.get("increment_id"), e)
    conn.commit()
    print "imported %d orders" % count


if __name__ == "__main__":
    main(sys.argv[1])
