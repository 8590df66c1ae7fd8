import json
import logging
import os
import threading
import time
import uuid

import psycopg2
import redis
import requests
from flask import Flask, abort, jsonify, make_response, request
from prometheus_client import Counter, make_wsgi_app
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from shop.pricing import price_cart

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://shop:shop@localhost:5432/shop")
REDIS_URL = os.getenv("REDIS_URL", "redis://redis:6379/0")
PAYMENTS_URL = "http://%s/api/charge" % os.environ.get("PAYMENTS_HOST", "payments")
UPLOAD_DIR = "/srv/shop/uploads"

os.makedirs("logs", exist_ok=True)
logging.basicConfig(
    level=os.environ.get("LOG_LEVEL", "INFO").upper(),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    handlers=[logging.StreamHandler(), logging.FileHandler("logs/shop.log")],
)
log = logging.getLogger("shop")

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
if os.environ.get("ENV") == "production":
    app.config["DEBUG"] = False
    app.config["PREFERRED_URL_SCHEME"] = "https"
else:
    app.config["DEBUG"] = True

app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/metrics": make_wsgi_app()})
ORDERS = Counter("shop_orders_total", "Orders placed")

# carts live here until checkout, keyed by the cart cookie
CARTS = {}

payments = requests.Session()
payments.mount("http://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0, status_forcelist=[502, 503])))

queue = redis.Redis.from_url(REDIS_URL)


def db():
    return psycopg2.connect(DATABASE_URL)


def init_db():
    with db() as conn, conn.cursor() as cur:
        cur.execute(
            """
            CREATE TABLE IF NOT EXISTS orders (
                id UUID PRIMARY KEY,
                items JSONB NOT NULL,
                total_cents INTEGER NOT NULL,
                status TEXT NOT NULL DEFAULT 'new',
                created_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """
        )
        cur.execute("ALTER TABLE orders ADD COLUMN IF NOT EXISTS coupon TEXT")


def fulfil_orders():
    """Background loop: takes paid orders off the redis list and marks them shipped."""
    while True:
        item = queue.blpop("orders:paid", timeout=5)
        if not item:
            continue
        order_id = item[1].decode()
        try:
            with db() as conn, conn.cursor() as cur:
                cur.execute("UPDATE orders SET status = 'shipped' WHERE id = %s", (order_id,))
            log.info("order %s shipped", order_id)
        except Exception:
            log.exception("could not ship order %s", order_id)
            time.sleep(1)


@app.route("/healthz")
def healthz():
    return "ok"


@app.route("/cart", methods=["POST"])
def add_to_cart():
    cart_id = request.cookies.get("cart") or str(uuid.uuid4())
    CARTS.setdefault(cart_id, []).append(request.get_json())
    resp = make_response(jsonify(CARTS[cart_id]))
    resp.set_cookie("cart", cart_id)
    return resp


@app.route("/checkout", methods=["POST"])
def checkout():
    cart_id = request.cookies.get("cart")
    items = CARTS.pop(cart_id, None)
    if not items:
        abort(400)
    total = price_cart(items, request.args.get("coupon"))
    order_id = str(uuid.uuid4())
    with db() as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO orders (id, items, total_cents) VALUES (%s, %s, %s)",
            (order_id, json.dumps(items), total),
        )
    charge = requests.post(PAYMENTS_URL, json={"order": order_id, "amount": total})
    if charge.status_code != 200:
        log.warning("payment failed for %s: %s", order_id, charge.text)
        abort(402)
    queue.rpush("orders:paid", order_id)
    ORDERS.inc()
    return jsonify({"order": order_id, "total_cents": total})


@app.route("/orders/<order_id>/refund", methods=["POST"])
def refund(order_id):
    r = payments.post(PAYMENTS_URL.replace("charge", "refund"), json={"order": order_id}, timeout=5)
    return jsonify(r.json()), r.status_code


@app.route("/products/<sku>/image", methods=["PUT"])
def upload_image(sku):
    path = os.path.join(UPLOAD_DIR, sku + ".jpg")
    request.files["image"].save(path)
    return jsonify({"stored": path})


if __name__ == "__main__":
    init_db()
    threading.Thread(target=fulfil_orders, daemon=True).start()
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 8080)))
