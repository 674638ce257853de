"""A fake Slack on 127.0.0.1 that speaks real HTTP: `auth.test`, `chat.postMessage` (with
metadata), `conversations.history`, `conversations.replies` and an incoming webhook, enough for
slack-sdk pointed at it through its base URL. It records what it
accepts and can answer 429 with Retry-After, 500, `ok: false` errors, hang, or refuse connections
for a while (`down`)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TOKEN = "xoxb-test-0000-secret"
WEBHOOK_PATH = "/services/T000/B000/secretwebhook"


def channel_id(name: str) -> str:
    """The id the fake gives a channel name."""
    return "C" + hashlib.sha1(name.encode()).hexdigest()[:8].upper()


@dataclass
class Posted:
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None
    ts: str
    at: float  # time.monotonic() when it was accepted
    raw: str  # the request body as received
    metadata: dict[str, Any] | None = None

    @property
    def alert_id(self) -> int:
        """The id of the alert it carries in its metadata (bot-token messages)."""
        assert self.metadata is not None, self.raw[:300]
        return int(self.metadata["event_payload"]["alert_id"])

    @property
    def everything(self) -> str:
        """The text and every block's text, as one string."""
        return self.text + "\n" + json.dumps(self.blocks, ensure_ascii=False)


@dataclass
class FakeSlack:
    """`failures` is a queue of answers given before any success: "429:<seconds>", "500",
    "error:<code>", "hang:<seconds>"; `fail_channels` maps a channel to an error code.
    `on_post` is called with each message accepted, before the answer goes back."""

    posted: list[Posted] = field(default_factory=list)
    failures: deque[str] = field(default_factory=deque)
    fail_channels: dict[str, str] = field(default_factory=dict)
    on_post: Callable[[Posted], None] | None = None
    requests: list[str] = field(default_factory=list)  # the path of every request received
    attempts: int = 0
    _ts: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._stopped = threading.Event()  # ends every hang at once
        self.port = 0

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                fake.requests.append(self.path)
                path, _, query = self.path.partition("?")
                self._reply(*fake._read(path, dict(self.headers), parse_qs(query)))

            def do_POST(self) -> None:  # noqa: N802
                fake.requests.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                self._reply(*fake._answer(self.path, dict(self.headers), body))

            def _reply(self, status: int, answer: Any, headers: dict[str, str]) -> None:
                data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass

        self._server = Server(("127.0.0.1", self.port), Handler)
        self._stopped.clear()
        self.port = self._server.server_address[1]
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until `start` (same port). Calls left
        hanging are answered (500) at once."""
        self._stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    # --- answers -------------------------------------------------------------------------------

    def _failure(self) -> tuple[int, Any, dict[str, str]] | None:
        with self._lock:
            self.attempts += 1
            if not self.failures:
                return None
            kind = self.failures.popleft()
        name, _, arg = kind.partition(":")
        if name == "429":
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": arg or "1"}
        if name == "500":
            return 500, "<html>internal error</html>", {"Content-Type": "text/html"}
        if name == "error":
            return 200, {"ok": False, "error": arg}, {}
        if name == "hang":
            self._stopped.wait(float(arg))
            return 500, "<html>timed out</html>", {"Content-Type": "text/html"}
        raise ValueError(kind)

    def _answer(
        self, path: str, headers: dict[str, str], body: str
    ) -> tuple[int, Any, dict[str, str]]:
        json_type = {"Content-Type": "application/json; charset=utf-8"}
        if path == WEBHOOK_PATH:
            failed = self._failure()
            if failed:
                return failed
            self._record(json.loads(body) | {"channel": "#webhook"}, body)
            return 200, "ok", {"Content-Type": "text/plain"}
        if path.startswith("/api/conversations."):
            if "json" in headers.get("Content-Type", ""):
                query = {k: [str(v)] for k, v in json.loads(body or "{}").items()}
            else:
                query = parse_qs(body)
            return self._read(path.partition("?")[0], headers, query)
        authorized = headers.get("Authorization") == f"Bearer {TOKEN}"
        if path == "/api/auth.test":
            if not authorized:
                return 200, {"ok": False, "error": "invalid_auth"}, json_type
            return 200, {"ok": True, "user": "monitor", "team": "Test Team"}, json_type
        if path == "/api/chat.postMessage":
            if not authorized:
                return 200, {"ok": False, "error": "invalid_auth"}, json_type
            failed = self._failure()
            if failed:
                return failed
            if "json" in headers.get("Content-Type", ""):
                args = json.loads(body)
            else:
                args = {k: v[0] for k, v in parse_qs(body).items()}
                if "blocks" in args:
                    args["blocks"] = json.loads(args["blocks"])
            error = self.fail_channels.get(args.get("channel", ""))
            if error:
                return 200, {"ok": False, "error": error}, json_type
            answer = self._record(args, body)
            if self.on_post is not None:
                with self._lock:
                    accepted = next(p for p in reversed(self.posted) if p.ts == answer["ts"])
                self.on_post(accepted)
            return 200, answer, json_type
        return 404, {"ok": False, "error": "unknown_method"}, json_type

    def _record(self, args: dict[str, Any], raw: str) -> dict[str, Any]:
        with self._lock:
            # A message's ts is its time (unique, as Slack's are), so `oldest` filters work.
            self._ts = max(self._ts + 1, int(time.time() * 1_000_000))
            ts = f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"
            self.posted.append(
                Posted(
                    channel=args.get("channel", ""),
                    text=args.get("text", ""),
                    blocks=args.get("blocks") or [],
                    thread_ts=args.get("thread_ts"),
                    ts=ts,
                    at=time.monotonic(),
                    raw=raw,
                    metadata=args.get("metadata"),
                )
            )
        channel = channel_id(args.get("channel", ""))
        return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}

    def _read(
        self, path: str, headers: dict[str, str], query: dict[str, list[str]]
    ) -> tuple[int, Any, dict[str, str]]:
        """conversations.history and conversations.replies, with metadata."""
        json_type = {"Content-Type": "application/json; charset=utf-8"}
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 200, {"ok": False, "error": "invalid_auth"}, json_type
        failed = self._failure()
        if failed:
            return failed
        arg = {k: v[0] for k, v in query.items()}
        oldest = float(arg.get("oldest") or 0)
        with self._lock:
            here = [p for p in self.posted if channel_id(p.channel) == arg.get("channel")]
        if path == "/api/conversations.history":
            found = [p for p in here if p.thread_ts is None and float(p.ts) > oldest]
        elif path == "/api/conversations.replies":
            found = [p for p in here if p.thread_ts == arg.get("ts") and float(p.ts) > oldest]
        else:
            return 404, {"ok": False, "error": "unknown_method"}, json_type
        messages = [
            {"ts": p.ts, "text": p.text, **({"metadata": p.metadata} if p.metadata else {})}
            for p in reversed(found)
        ]
        return 200, {"ok": True, "messages": messages, "has_more": False}, json_type
