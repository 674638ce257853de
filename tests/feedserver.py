"""A feed server on 127.0.0.1 for tests: serves RSS documents that can change between polls,
with ETag and Last-Modified (answering 304 to a conditional GET), and misbehaves on purpose when
told to: an error status, 429 with Retry-After, a slow answer, a trickle, a redirect loop, a huge
or gzip-bombed body (made as they are sent, never held whole), an HTML page. Records every
request it sees. An answer can be held until the test lets it go (`Route.hold`), so that a test
acts while a fetch is surely in flight instead of hoping a delay is long enough; closing the
server ends every wait and delay at once."""

from __future__ import annotations

import gzip
import hashlib
import random
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


def rss(title: str, items: list[dict[str, str]]) -> bytes:
    """An RSS 2.0 document; each item has guid, title, body (and link, pubDate if given)."""
    parts = [
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{escape(title)}</title><link>http://example.org/</link>"
    ]
    for item in items:
        parts.append(
            "<item>"
            f"<guid isPermaLink='false'>{escape(item['guid'])}</guid>"
            f"<title>{escape(item['title'])}</title>"
            f"<link>{escape(item.get('link', 'http://example.org/' + item['guid']))}</link>"
            f"<description>{escape(item['body'])}</description>"
            + (f"<pubDate>{item['pubDate']}</pubDate>" if "pubDate" in item else "")
            + "</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


@dataclass
class Route:
    """What one path answers. `mode` is "feed" (with validators), "status", "slow", "trickle",
    "redirect", "huge", "gzip-bomb", "gzip-stream" (a bomb of `size` zeros compressed as it
    is sent, with no length) or "html". A "feed" or "slow" answer waits until `hold` is set (when
    one is given), then `delay_s`; a request is answered as its route stood when it came."""

    body: bytes = b""
    mode: str = "feed"
    status: int = 200
    retry_after: str | None = None
    delay_s: float = 0.0
    redirect_to: str = ""
    size: int = 0
    validators: bool = True
    modified: datetime = field(default_factory=lambda: datetime(2026, 11, 1, tzinfo=UTC))
    hold: threading.Event | None = None


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    at: float


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                with server._lock:
                    server.requests.append(
                        Request(
                            self.path, {k.lower(): v for k, v in self.headers.items()}, time.time()
                        )
                    )
                    route = server.routes.get(self.path)
                    if route is not None:
                        route = replace(route)  # as it stands now, whatever changes later
                if route is None:
                    return self._send(404, b"no such feed")
                with server._lock:
                    server.in_flight += 1
                    server.peak = max(server.peak, server.in_flight)
                try:
                    server._answer(self, route)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _send(
                self, status: int, body: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hangs up on a misbehaving route is what the tests want

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.in_flight = 0
        self.peak = 0
        self._closed = threading.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, route: Route) -> str:
        with self._lock:
            self.routes[path] = route
        return self.url(path)

    def seen(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def since(self, count: int) -> list[Request]:
        """The requests after the first `count` the server saw."""
        with self._lock:
            return self.requests[count:]

    def change(self, path: str, body: bytes) -> int:
        """Serve `body` at `path` from the next request on; how many requests `path` had had
        (each answered with the body before)."""
        with self._lock:
            self.routes[path].body = body
            return sum(1 for r in self.requests if r.path == path)

    def start(self) -> FeedServer:
        self.thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _pause(self, seconds: float) -> bool:
        """Wait `seconds`; False when the server closed meanwhile."""
        return not self._closed.wait(seconds)

    def _held(self, route: Route) -> bool:
        """Wait for the route's hold to be let go, then its delay; False when the server closed
        meanwhile."""
        while route.hold is not None and not route.hold.is_set():
            if not self._pause(0.01):
                return False
        return self._pause(route.delay_s) if route.delay_s else not self._closed.is_set()

    def _answer(self, h: BaseHTTPRequestHandler, route: Route) -> None:
        send = h._send  # type: ignore[attr-defined]
        if route.mode == "feed":
            if not self._held(route):
                return None
            etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
            modified = format_datetime(route.modified, usegmt=True)
            headers = {"Content-Type": "application/rss+xml; charset=utf-8"}
            if route.validators:
                headers |= {"ETag": etag, "Last-Modified": modified}
                if h.headers.get("If-None-Match") == etag:
                    return send(304, b"", {"ETag": etag})
            body = route.body
            if "gzip" in (h.headers.get("Accept-Encoding") or ""):
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            return send(route.status, body, headers)
        if route.mode == "status":
            headers = {"Retry-After": route.retry_after} if route.retry_after else {}
            return send(route.status, b"error page", headers)
        if route.mode == "redirect":
            return send(302, b"", {"Location": route.redirect_to})
        if route.mode == "html":
            return send(
                200,
                b"<html><body><h1>Welcome</h1><p>No feed here.</p></body></html>",
                {"Content-Type": "text/html; charset=utf-8"},
            )
        if route.mode == "slow":
            if not self._held(route):
                return None
            return send(200, route.body, {"Content-Type": "application/rss+xml"})
        if route.mode == "trickle":
            h.send_response(200)
            h.send_header("Content-Type", "application/rss+xml")
            h.send_header("Content-Length", "100000")
            h.end_headers()
            for _ in range(100000):
                h.wfile.write(b" ")
                h.wfile.flush()
                if not self._pause(route.delay_s):
                    return None
            return None
        if route.mode == "huge":
            h.send_response(200)
            h.send_header("Content-Type", "application/rss+xml")
            h.end_headers()  # no length: read until the connection closes
            chunk = b"x" * 65536
            for _ in range(route.size // len(chunk)):
                h.wfile.write(chunk)
            h.close_connection = True
            return None
        if route.mode == "gzip-stream":
            h.send_response(200)
            h.send_header("Content-Type", "application/rss+xml")
            h.send_header("Content-Encoding", "gzip")
            h.end_headers()
            packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            zeros = b"\0" * (1 << 20)
            for _ in range(route.size // len(zeros)):
                h.wfile.write(packer.compress(zeros))
            h.wfile.write(packer.flush())
            h.close_connection = True
            return None
        if route.mode == "gzip-bomb":
            body = gzip.compress(b"\0" * route.size, compresslevel=9)
            return send(
                200, body, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}
            )
        raise ValueError(route.mode)


def serving() -> Iterator[FeedServer]:
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.close()


_PLACES = [
    "Sirte", "Misrata", "Benghazi", "Tripoli", "Derna", "Sabratha", "Ras Lanuf", "Bani Walid",
    "Ajdabiya", "Zawiya",
]  # fmt: skip
_ACTORS = ["ISIS", "the LNA", "Haftar", "the GNA", "Bunyan al-Marsus", "the Misratan brigades"]
_WORDS = (
    "forces fighters clashes checkpoint convoy airstrike council oil port road town militia "
    "residents officials said reported killed wounded displaced families water power market "
    "school hospital bridge army police deal talks envoy ceasefire border smuggling migrants "
    "boat coast desert south east west night morning statement spokesman sources local witness"
).split()


def news_item(n: int, words: int = 120) -> dict[str, str]:
    """Report n of a stream of distinct Libya-like reports: its own words (so no two are alike)
    with a watchlist place and actor in each, the same for the same n."""
    rng = random.Random(n)
    place, actor = rng.choice(_PLACES), rng.choice(_ACTORS)
    body = " ".join(rng.choice(_WORDS) for _ in range(words))
    return {
        "guid": f"item-{n}",
        "title": f"{actor} and {place}: report {n}",
        "body": f"Fighting near {place} involved {actor} on day {n}. {body}.",
    }
