"""A feed's schedule and health: pure decisions, with a pinned clock and a seeded random source."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from monitor.daemon.health import (
    NoticeKind,
    Schedule,
    backoff_s,
    failed,
    first_poll,
    for_url,
    is_due,
    succeeded,
)
from monitor.model import FeedState

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SCHEDULE = Schedule(interval_s=300, jitter_s=30, backoff_max_s=3600, down_after_s=6 * 3600)


def _fail(state: FeedState, at: datetime, rng: random.Random, **kw: object) -> tuple:
    return failed(state, now=at, schedule=SCHEDULE, rng=rng, reason="HTTP 500", **kw)  # type: ignore[arg-type]


def test_a_working_feed_is_polled_after_its_interval_plus_jitter() -> None:
    rng = random.Random(1)
    state = FeedState(name="f", url="http://x/")
    waits = []
    for _ in range(200):
        after, notice = succeeded(
            state, now=T0, schedule=SCHEDULE, rng=rng, etag='"e"', last_modified=None,
            body_hash="h", new=2,
        )  # fmt: skip
        assert notice is None
        waits.append((after.next_poll_at - T0).total_seconds())
    assert 300 <= min(waits) and max(waits) <= 330
    assert max(waits) - min(waits) > 20  # the jitter spreads feeds out
    assert after.etag == '"e"' and after.total_new == 2 and after.failures == 0


def test_the_jitter_is_never_more_than_a_tenth_of_the_interval() -> None:
    rng = random.Random(3)
    fast = Schedule(interval_s=3, jitter_s=30, backoff_max_s=3600, down_after_s=6 * 3600)
    state = FeedState(name="f", url="http://x/")
    waits = []
    for _ in range(200):
        after, _ = succeeded(
            state, now=T0, schedule=fast, rng=rng, etag=None, last_modified=None,
            body_hash="h", new=0,
        )  # fmt: skip
        waits.append((after.next_poll_at - T0).total_seconds())
        first = first_poll(None, "http://x/", fast, T0, rng)
        assert T0 <= first <= T0 + timedelta(seconds=0.3)
    assert 3 <= min(waits) and max(waits) <= 3.3
    assert max(waits) > 3.2  # still spread


def test_backoff_doubles_from_the_interval_up_to_the_cap_and_never_gives_up() -> None:
    rng = random.Random(2)
    highs = [max(backoff_s(n, SCHEDULE, rng) for _ in range(200)) for n in range(1, 12)]
    lows = [min(backoff_s(n, SCHEDULE, rng) for _ in range(200)) for n in range(1, 12)]
    assert highs[0] <= 300 and lows[0] >= 150
    assert highs[1] <= 600 and lows[1] >= 300
    assert all(h <= 3600 for h in highs)
    assert highs[-1] > 3000 and lows[-1] >= 1800  # capped, not stopped
    state = FeedState(name="f", url="http://x/")
    at = T0
    for _ in range(50):
        state, _ = _fail(state, at, rng)
        assert state.next_poll_at is not None and state.next_poll_at > at
        at = state.next_poll_at
    assert state.failures == 50


def test_retry_after_is_a_floor_on_the_next_poll() -> None:
    state, _ = _fail(FeedState(name="f", url="http://x/"), T0, random.Random(3), retry_after_s=7200)
    assert state.next_poll_at == T0 + timedelta(seconds=7200)


def test_one_notice_when_down_for_long_and_one_when_it_recovers() -> None:
    rng = random.Random(4)
    state = FeedState(name="f", url="http://x/")
    notices = []
    at = T0
    while at < T0 + timedelta(hours=12):
        state, notice = _fail(state, at, rng)
        if notice:
            notices.append(notice)
        at = state.next_poll_at
    assert [n.kind for n in notices] == [NoticeKind.DOWN]
    assert notices[0].at - T0 >= timedelta(hours=6)
    assert notices[0].at - T0 < timedelta(hours=7)  # the cap keeps retries an hour apart at most
    assert "HTTP 500" in notices[0].text and "f" in notices[0].text
    state, notice = succeeded(
        state, now=at, schedule=SCHEDULE, rng=rng, etag=None, last_modified=None,
        body_hash=None, new=0,
    )  # fmt: skip
    assert notice is not None and notice.kind is NoticeKind.RECOVERED
    assert notice.since == T0 and state.failing_since is None and not state.down_alerted
    state, notice = succeeded(
        state, now=at, schedule=SCHEDULE, rng=rng, etag=None, last_modified=None,
        body_hash=None, new=0,
    )  # fmt: skip
    assert notice is None


def test_a_short_outage_sends_no_notice() -> None:
    rng = random.Random(5)
    state, notice = _fail(FeedState(name="f", url="http://x/"), T0, rng)
    assert notice is None
    state, notice = succeeded(
        state, now=T0 + timedelta(minutes=5), schedule=SCHEDULE, rng=rng, etag=None,
        last_modified=None, body_hash=None, new=0,
    )  # fmt: skip
    assert notice is None and state.failures == 0


def test_first_poll_keeps_the_stored_schedule_unless_the_url_changed() -> None:
    rng = random.Random(6)
    stored = FeedState(name="f", url="http://x/", next_poll_at=T0 + timedelta(minutes=3))
    assert first_poll(stored, "http://x/", SCHEDULE, T0, rng) == stored.next_poll_at
    fresh = first_poll(stored, "http://y/", SCHEDULE, T0, rng)
    assert T0 <= fresh <= T0 + timedelta(seconds=30)
    starts = {first_poll(None, "http://x/", SCHEDULE, T0, rng) for _ in range(20)}
    assert len(starts) > 10  # new feeds do not all fire at once


@pytest.mark.parametrize(
    ("state", "due"),
    [
        (None, True),
        (FeedState(name="f", url="u"), True),
        (FeedState(name="f", url="u", next_poll_at=T0 - timedelta(seconds=1)), True),
        (FeedState(name="f", url="u", next_poll_at=T0 + timedelta(seconds=1)), False),
    ],
)
def test_is_due(state: FeedState | None, due: bool) -> None:
    assert is_due(state, T0) is due


def test_a_changed_url_starts_afresh() -> None:
    stored = FeedState(name="f", url="http://x/", etag='"e"', body_hash="h", failures=3)
    assert for_url(stored, "f", "http://x/") is stored
    assert for_url(stored, "f", "http://y/") == FeedState(name="f", url="http://y/")
