import logging
import os

from fastapi import FastAPI

logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
app = FastAPI()
DATABASE_URL = os.environ["DATABASE_URL"]


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
