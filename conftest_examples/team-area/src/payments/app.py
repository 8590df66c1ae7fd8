import os

from flask import Flask

app = Flask(__name__)
app.config["BROKER_URL"] = os.environ["BROKER_URL"]


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
