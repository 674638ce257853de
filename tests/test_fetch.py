"""The HTTP fetcher against a real server on loopback: validators, compression, and every bound
(time, size, redirects) that keeps one bad server from costing more than its share."""

from __future__ import annotations

import pytest

from monitor.errors import FetchError
from monitor.sources.http import Fetcher, user_agent
from tests.conftest import HANG_S, StepClock
from tests.feedserver import FeedServer, Route, rss

FEED = rss("Libya news", [{"guid": "1", "title": "Clashes in Sirte", "body": "Fighting in Sirte."}])


@pytest.fixture
def fetcher() -> Fetcher:
    with Fetcher(
        timeout_s=2.0, max_body=200_000, max_redirects=3, about_url="https://x.example/"
    ) as f:
        yield f  # type: ignore[misc]


def test_a_feed_then_not_modified_with_its_validators(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.serve("/feed.xml", Route(body=FEED))
    first = fetcher.fetch(url)
    assert first.status == 200 and first.body == FEED  # gzip undone
    assert first.etag and first.last_modified
    again = fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert again.status == 304 and again.body is None
    requests = feed_server.seen("/feed.xml")
    assert "gzip" in requests[0].headers["accept-encoding"]
    assert requests[0].headers["user-agent"] == user_agent("https://x.example/")
    assert "monitor/" in requests[0].headers["user-agent"]
    assert requests[1].headers["if-none-match"] == first.etag
    assert requests[1].headers["if-modified-since"] == first.last_modified


@pytest.mark.parametrize(
    ("route", "says", "status"),
    [
        (Route(mode="status", status=500), "HTTP 500", 500),
        (Route(mode="status", status=404), "HTTP 404", 404),
        (Route(mode="status", status=410), "410 Gone", 410),
        (Route(mode="redirect", redirect_to="/loop"), "too many redirects", None),
        (Route(mode="redirect", redirect_to="file:///etc/passwd"), "not an http or https", None),
    ],
)
def test_failures_name_the_url_and_the_reason(
    feed_server: FeedServer, fetcher: Fetcher, route: Route, says: str, status: int | None
) -> None:
    url = feed_server.serve("/loop", route)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    assert says in str(caught.value) and url in str(caught.value)
    assert caught.value.status == status


def test_429_carries_retry_after(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.serve("/busy", Route(mode="status", status=429, retry_after="120"))
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    assert caught.value.retry_after_s == 120 and "Retry-After: 120" in caught.value.reason


def test_a_silent_server_is_cut_at_the_timeout(feed_server: FeedServer, fetcher: Fetcher) -> None:
    # The server answers only when the test is over (or after HANG_S): the fetch can end only
    # by its own timeout, however slow the machine.
    url = feed_server.serve("/slow", Route(mode="slow", delay_s=HANG_S, body=FEED))
    with pytest.raises(FetchError, match="no answer within 2 s"):
        fetcher.fetch(url)
    assert feed_server.in_flight == 1  # cut while the server still held its answer


def test_a_trickling_server_is_cut_at_the_deadline(feed_server: FeedServer) -> None:
    # The whole fetch's deadline is kept by the fetcher's clock, here one that moves on 25 s at
    # each reading: the fetch starts at 0 (deadline 60), reads a piece at 25, another at 50, and
    # is cut at the first piece read past the deadline (75), whatever the machine's speed. (Each
    # read's own wait, a real 60 s, only guards against a hang: a byte comes every 0.2 s.)
    url = feed_server.serve("/trickle", Route(mode="trickle", delay_s=0.2))
    clock = StepClock(25)
    with (
        Fetcher(timeout_s=60, max_body=200_000, max_redirects=3, monotonic=clock) as fetcher,
        pytest.raises(FetchError, match="still reading after 60 s, cut"),
    ):
        fetcher.fetch(url)
    assert clock.reads == 4  # the start, then three pieces: cut at the first one past it


def test_a_huge_body_is_cut_at_the_cap(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.serve("/huge", Route(mode="huge", size=50_000_000))
    with pytest.raises(FetchError, match="larger than 200,000 bytes"):
        fetcher.fetch(url)


def test_a_gzip_bomb_is_cut_at_the_cap_without_expanding(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.serve("/bomb", Route(mode="gzip-bomb", size=50_000_000))
    with pytest.raises(FetchError, match="larger than 200,000 bytes"):
        fetcher.fetch(url)


def test_a_declared_length_over_the_cap_is_refused_before_reading(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.serve(
        "/big", Route(body=b"<rss>" + b" " * 300_000 + b"</rss>", validators=False)
    )
    feed_server.routes["/big"].mode = "slow"  # sends Content-Length, no gzip
    with pytest.raises(FetchError, match="over the 200,000 byte cap"):
        fetcher.fetch(url)


def test_nothing_listens(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="127.0.0.1:9/"):
        fetcher.fetch("http://127.0.0.1:9/")
