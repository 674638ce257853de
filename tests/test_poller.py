"""Polling against a real feed server on loopback, into a real SQLite store: each entry stored
once, conditional GETs, the per-host limit, a slow or broken feed that delays no other, backoff,
and the notices when a feed is down for long and when it recovers."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.alert.message import AlertMessage
from monitor.alert.notify import Notifier
from monitor.assembly import assemble
from monitor.config import load_settings
from monitor.daemon import Poller, PollResult, open_poller
from tests.conftest import HANG_S, poller_config, wait_for
from tests.feedserver import FeedServer, Route, news_item, rss


def _items(first: int, count: int) -> list[dict[str, str]]:
    return [news_item(n) for n in range(first, first + count)]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Recorder(Notifier):
    def __init__(self) -> None:
        self.sent: list[AlertMessage] = []
        self.notices: list[tuple[str, str]] = []

    def send(self, message: AlertMessage) -> None:
        self.sent.append(message)

    def send_notice(self, channel: str, text: str) -> None:
        self.notices.append((channel, text))


@contextmanager
def _poller(
    tmp_path: Path, feeds: dict[str, str], clock: Clock | None = None, **polling: object
) -> Iterator[tuple[Poller, Recorder]]:
    loaded = load_settings(poller_config(tmp_path, feeds, **polling), env={})
    recorder = Recorder()
    with open_poller(
        assemble(loaded, notifier=recorder), clock=clock or Clock(), rng=random.Random(1)
    ) as poller:
        yield poller, recorder


def test_each_entry_is_stored_once_and_polls_again_conditionally(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    a = _items(0, 4)
    # Another report, and a wire service's copy of the first under a title of its own.
    b = [*_items(4, 1), a[0] | {"guid": "wire-copy", "title": "Wire: " + a[0]["title"]}]
    feeds = {
        "A": feed_server.serve("/a.xml", Route(body=rss("A", a))),
        "B": feed_server.serve("/b.xml", Route(body=rss("B", b))),
    }
    with _poller(tmp_path, feeds) as (poller, recorder):
        first = poller.poll(["A", "B"])
        # Whichever feed comes back first holds the original of the wire copy.
        assert sum((r.counts for r in first), Counter()) == {"new": 5, "duplicate": 1}
        assert len(recorder.sent) == 5  # duplicates never alert
        again = {r.feed: r.outcome for r in poller.poll(["A", "B"])}
        assert again == {"A": "not modified", "B": "not modified"}
        assert poller.store.count() == 6
        states = poller.store.feed_states()
    for path in ("/a.xml", "/b.xml"):
        second = feed_server.seen(path)[1]
        assert second.headers.get("if-none-match") and second.headers.get("if-modified-since")
    assert states["A"].polls == 2 and states["A"].etag
    assert states["A"].total_new + states["B"].total_new == 5


def test_a_new_entry_is_stored_and_alerted_on_the_next_poll(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    items = _items(0, 3)
    url = feed_server.serve("/a.xml", Route(body=rss("A", items)))
    with _poller(tmp_path, {"A": url}) as (poller, recorder):
        poller.poll(["A"])
        feed_server.routes["/a.xml"].body = rss("A", [*_items(3, 1), *items])
        (result,) = poller.poll(["A"])
        assert result.counts == {"new": 1, "seen": 3}
        assert recorder.sent[-1].title.endswith("report 3")


def test_a_body_that_has_not_changed_is_not_parsed_again(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/a.xml", Route(body=rss("A", _items(0, 2)), validators=False))
    with _poller(tmp_path, {"A": url}) as (poller, _):
        poller.poll(["A"])
        (result,) = poller.poll(["A"])
    assert result.outcome == "unchanged" and not result.counts


def test_a_slow_feed_delays_no_other(tmp_path: Path, feed_server: FeedServer) -> None:
    # The slow feed answers only once every other feed has been polled (or, should they wait
    # for it, after HANG_S): it is slow for as long as the others take, however long that is.
    answer = threading.Event()
    slow = feed_server.serve("/slow", Route(mode="slow", hold=answer, body=rss("S", _items(0, 1))))
    # "localhost" and "127.0.0.1" are two hosts to the poller, one server here.
    fast = {
        f"F{n}": feed_server.serve(f"/f{n}", Route(body=rss("F", _items(10 + n, 1)))).replace(
            "127.0.0.1", "localhost"
        )
        for n in range(6)
    }
    guard = threading.Timer(HANG_S, answer.set)
    guard.start()
    try:
        with _poller(tmp_path, {"slow": slow, **fast}, per_host=1) as (poller, _):
            polled: list[str] = []

            def on_polled(result: PollResult) -> None:
                polled.append(result.feed)
                if set(fast) <= set(polled):
                    answer.set()

            poller.on_polled = on_polled
            order = [r.feed for r in poller.poll(["slow", *fast])]
    finally:
        guard.cancel()
    assert order[-1] == "slow" and sorted(order[:-1]) == sorted(fast)


def test_no_more_than_per_host_fetches_to_one_host(tmp_path: Path, feed_server: FeedServer) -> None:
    # The answers wait until two fetches are in flight at once (then each takes 0.3 s more, time
    # for any fetch beyond the limit to show): the limit is reached, however slow the machine.
    two_at_once = threading.Event()
    feeds = {
        f"F{n}": feed_server.serve(
            f"/f{n}",
            Route(mode="slow", hold=two_at_once, delay_s=0.3, body=rss("F", _items(n, 1))),
        )
        for n in range(8)
    }

    def let_go_at_two() -> None:
        wait_for(lambda: feed_server.peak >= 2 or two_at_once.is_set())
        two_at_once.set()

    watcher = threading.Thread(target=let_go_at_two, daemon=True)
    watcher.start()
    try:
        with _poller(tmp_path, feeds, per_host=2) as (poller, _):
            results = poller.poll(list(feeds))
    finally:
        two_at_once.set()
        watcher.join()
    assert all(r.ok for r in results) and len(results) == 8
    assert feed_server.peak == 2


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (Route(mode="status", status=500), "HTTP 500"),
        (Route(mode="status", status=429, retry_after="60"), "HTTP 429 Too Many Requests"),
        # Silent until the test is over: only the fetch's own timeout (3 s) ends it.
        (Route(mode="slow", delay_s=HANG_S), "no answer within 3 s"),
        (Route(mode="status", status=410), "410 Gone: the feed was removed"),
        (Route(mode="html"), "not an RSS or Atom feed (text/html"),
        (Route(mode="redirect", redirect_to="/bad"), "too many redirects"),
    ],
)
def test_a_broken_feed_is_reported_with_its_reason_and_the_rest_carries_on(
    tmp_path: Path, feed_server: FeedServer, route: Route, reason: str
) -> None:
    feeds = {
        "bad": feed_server.serve("/bad", route),
        "good": feed_server.serve("/good", Route(body=rss("G", _items(0, 2)))),
    }
    # A 3 s timeout where it is what the test is about; elsewhere a minute, which a good feed
    # never needs, however busy the machine.
    timeout = "3s" if route.mode == "slow" else "60s"
    with _poller(tmp_path, feeds, timeout=timeout) as (poller, _):
        results = {r.feed: r for r in poller.poll(["bad", "good"])}
        state = poller.store.feed_states()["bad"]
    assert results["good"].counts["new"] == 2
    assert not results["bad"].ok and reason in (results["bad"].reason or "")
    assert state.failures == 1 and reason in (state.last_error or "")


def test_backoff_then_one_notice_down_and_one_when_it_recovers(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    clock = Clock()
    url = feed_server.serve("/f", Route(mode="status", status=503, retry_after="30"))
    with _poller(tmp_path, {"F": url}, clock, down_after="6h") as (poller, recorder):
        waits = []
        started = clock.now
        while clock.now - started < timedelta(hours=8):
            (result,) = poller.poll(["F"])
            assert not result.ok and result.next_poll_at is not None
            waits.append(result.next_poll_at - clock.now)
            clock.now = result.next_poll_at
        assert waits[0] <= timedelta(minutes=5) and max(waits) <= timedelta(hours=1)
        assert waits[4] > waits[0] * 3  # backing off
        assert len(recorder.notices) == 1 and "has failed for" in recorder.notices[0][1]
        assert recorder.notices[0][0] == "#libya-alerts"
        feed_server.routes["/f"] = Route(body=rss("F", _items(0, 1)))
        (result,) = poller.poll(["F"])
        assert result.ok and len(recorder.notices) == 2
        assert "works again" in recorder.notices[1][1]
        state = poller.store.feed_states()["F"]
    assert state.failures == 0 and state.failing_since is None and not state.down_alerted


def test_the_state_survives_a_restart(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.serve("/a.xml", Route(body=rss("A", _items(0, 2))))
    with _poller(tmp_path, {"A": url}) as (poller, _):
        poller.poll(["A"])
    with _poller(tmp_path, {"A": url}) as (poller, recorder):
        (result,) = poller.poll(["A"])
    assert result.outcome == "not modified" and not recorder.sent
