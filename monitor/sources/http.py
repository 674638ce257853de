"""Fetching documents over HTTP: one httpx client, built once and shared by every poll.

Every fetch is bounded: connecting and each read wait at most the timeout, the whole fetch is cut
when it passes the timeout (a server that trickles a byte a second is cut too), the body is cut at
`max_body` bytes after gzip or deflate is undone (decoded here, a bounded piece at a time, so a
compressed bomb never expands in memory), redirects stop after `max_redirects` and may only lead
to http or https. A conditional GET sends the ETag and Last-Modified of the last answer; a 304
comes back with no body.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from monitor import __version__
from monitor.errors import FetchError
from monitor.net import retry_after_s

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_DECODED_PIECE = 64 * 1024


@dataclass(frozen=True, kw_only=True, slots=True)
class Fetched:
    """A server's answer: `body` is None for 304 Not Modified."""

    url: str  # where the body came from, after redirects
    status: int
    body: bytes | None
    etag: str | None
    last_modified: str | None
    content_type: str
    elapsed_s: float


def user_agent(about_url: str = "") -> str:
    return f"monitor/{__version__} (news monitor{'; +' + about_url if about_url else ''})"


class _Decoder:
    """Undoes gzip or deflate a bounded piece at a time, and refuses more than `limit` bytes."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        self._url = url
        self._limit = limit
        self._size = 0
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._inflate: zlib._Decompress | None = None
        elif encoding in ("gzip", "x-gzip"):
            self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._inflate = zlib.decompressobj()
        else:
            raise FetchError(url, f"the server used content encoding '{encoding}', not asked for")
        self._raw_deflate = encoding == "deflate"

    def _count(self, piece: bytes) -> bytes:
        self._size += len(piece)
        if self._size > self._limit:
            raise FetchError(self._url, f"body larger than {self._limit:,} bytes, cut there")
        return piece

    def feed(self, raw: bytes) -> Iterator[bytes]:
        if self._inflate is None:
            yield self._count(raw)
            return
        data = raw
        while data:
            try:
                piece = self._inflate.decompress(data, _DECODED_PIECE)
            except zlib.error as e:
                if self._raw_deflate and self._size == 0:
                    # Some servers send deflate without its zlib header.
                    self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._raw_deflate = False
                    continue
                raise FetchError(self._url, f"the compressed body is corrupt ({e})") from e
            yield self._count(piece)
            data = self._inflate.unconsumed_tail
            if self._inflate.eof:
                return

    def finish(self) -> Iterator[bytes]:
        if self._inflate is not None:
            yield self._count(self._inflate.flush())


class Fetcher:
    """GETs documents with one shared httpx client. Thread-safe. `transport` is for tests."""

    def __init__(
        self,
        *,
        timeout_s: float,
        max_body: int,
        max_redirects: int,
        about_url: str = "",
        transport: httpx.BaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout_s = timeout_s
        self.max_body = max_body
        self.monotonic = monotonic
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            follow_redirects=True,
            max_redirects=max_redirects,
            headers={
                "User-Agent": user_agent(about_url),
                "Accept": ACCEPT,
                "Accept-Encoding": "gzip, deflate",
            },
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        """GET `url`, conditionally when `etag` or `last_modified` is given.

        Raises FetchError naming the URL: no answer in time, a connection or TLS failure, too many
        redirects, an HTTP error status (with Retry-After for 429 and 503), a body over the cap.
        """
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        started = self.monotonic()
        deadline = started + self.timeout_s
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status == 304:
                    return self._answer(url, response, None, started)
                if status >= 300:
                    raise FetchError(
                        url,
                        _status_reason(response),
                        status=status,
                        retry_after_s=retry_after_s(
                            response.headers.get("retry-after"), datetime.now(UTC)
                        )
                        if status in (429, 503)
                        else None,
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_body:
                    raise FetchError(
                        url,
                        f"body of {int(declared):,} bytes, over the {self.max_body:,} byte cap",
                        status=status,
                    )
                decoder = _Decoder(response.headers.get("content-encoding", ""), self.max_body, url)
                pieces: list[bytes] = []
                for raw in response.iter_raw():
                    pieces.extend(decoder.feed(raw))
                    if self.monotonic() > deadline:
                        raise FetchError(
                            url, f"still reading after {self.timeout_s:g} s, cut", status=status
                        )
                pieces.extend(decoder.finish())
                return self._answer(url, response, b"".join(pieces), started)
        except httpx.TooManyRedirects as e:
            raise FetchError(url, "too many redirects") from e
        except httpx.ConnectTimeout as e:
            raise FetchError(url, f"no connection within {min(self.timeout_s, 10.0):g} s") from e
        except httpx.TimeoutException as e:
            raise FetchError(url, f"no answer within {self.timeout_s:g} s") from e
        except httpx.UnsupportedProtocol as e:
            raise FetchError(url, f"not an http or https URL ({e})") from e
        except httpx.HTTPError as e:
            raise FetchError(url, f"{type(e).__name__}: {_first_line(e)}") from e

    def _answer(
        self, url: str, response: httpx.Response, body: bytes | None, started: float
    ) -> Fetched:
        return Fetched(
            url=str(response.url),
            status=response.status_code,
            body=body,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            content_type=response.headers.get("content-type", ""),
            elapsed_s=self.monotonic() - started,
        )


def _status_reason(response: httpx.Response) -> str:
    status = response.status_code
    if status == 410:
        return "410 Gone: the feed was removed; fix its URL or take it out of the config"
    if 300 <= status < 400:
        return f"HTTP {status} redirect without a usable Location"
    reason = f"HTTP {status} {response.reason_phrase}".rstrip()
    wait = response.headers.get("retry-after")
    if status in (429, 503) and wait:
        reason += f" (Retry-After: {wait.strip()[:40]})"
    return reason


def _first_line(error: Exception) -> str:
    lines = str(error).splitlines()
    return lines[0] if lines else "no details"
