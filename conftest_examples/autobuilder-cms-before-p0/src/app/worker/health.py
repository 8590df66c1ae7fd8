"""Tiny HTTP /health endpoint inside the Celery worker for the Kubernetes probes.

Listens on WORKER_HEALTH_PORT (default 18003). It only reports whether the
worker's consumer is running; it never touches the queue.
"""
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from celery import bootsteps

HEALTH_PORT = int(os.getenv("WORKER_HEALTH_PORT", "18003"))


class HealthCheckServer(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.server: ThreadingHTTPServer | None = None
        self.worker = worker

    def start(self, worker):
        step = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                ok = self.path == "/health" and step.worker.consumer is not None
                self.send_response(200 if ok else 503)
                self.end_headers()
                self.wfile.write(b"ok" if ok else b"unavailable")

            def log_message(self, *args):
                return

        self.server = ThreadingHTTPServer(("0.0.0.0", HEALTH_PORT), Handler)
        threading.Thread(target=self.server.serve_forever, name="health-http", daemon=True).start()

    def stop(self, worker):
        if self.server is not None:
            self.server.shutdown()
