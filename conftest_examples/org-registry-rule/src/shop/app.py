import os

import redis
from flask import Flask

app = Flask(__name__)
cache = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=2)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/")
def index():
    return {"visits": cache.incr("visits")}
