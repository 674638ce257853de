"""Prometheus metrics, and the local HTTP endpoint that serves them with a health check.

Each `Metrics` has a registry of its own, so two services in one process (tests) never share
counts. `serve` answers `/metrics` (Prometheus text format) and `/healthz` (200 while the service's
loop is turning, 503 when it has stalled) on a local address, from a daemon thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter(
            "monitor_polls", "Feed polls by outcome", ["outcome"], registry=self.registry
        )
        self.fetch_seconds = Histogram(
            "monitor_fetch_seconds",
            "Time to fetch a feed",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.reports = Counter(
            "monitor_reports", "Reports ingested by status", ["status"], registry=self.registry
        )
        self.alerts = Counter(
            "monitor_alerts", "Alerts by delivery outcome", ["outcome"], registry=self.registry
        )
        self.feeds_failing = Gauge(
            "monitor_feeds_failing", "Feeds whose last poll failed", registry=self.registry
        )
        self.store_errors = Counter(
            "monitor_store_errors", "Database failures met while ingesting", registry=self.registry
        )

    def text(self) -> bytes:
        return generate_latest(self.registry)


def serve(
    host: str, port: int, metrics: Metrics, healthy: Callable[[], tuple[bool, str]]
) -> ThreadingHTTPServer:
    """Serve /metrics and /healthz on host:port from a daemon thread; `shutdown()` stops it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            if self.path == "/metrics":
                self._answer(200, metrics.text(), CONTENT_TYPE_LATEST)
            elif self.path == "/healthz":
                ok, reason = healthy()
                self._answer(200 if ok else 503, (reason + "\n").encode(), "text/plain")
            else:
                self._answer(404, b"not found\n", "text/plain")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("metrics endpoint: " + format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
