"""When a feed is polled next, and what its health says: pure decisions on a `FeedState`, the
time and a random source, tested without a network, a database or a scheduler.

A feed that works is polled again after its interval plus a random jitter: up to `jitter_s`, and
never more than a tenth of the interval (`JITTER_SHARE`), so that a feed polled every 3 s is not
polled 33 s apart, nor one polled hourly only 30 s apart. A feed that fails is
tried again after its interval, then twice that, four times, ... up to `backoff_max_s`, each
delay jittered between half and all of itself, and never sooner than the server's Retry-After.
It is never given up. When it has failed for `down_after_s`, one notice says so; when it works
again after that, one notice says it recovered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from monitor import net
from monitor.model import FeedState

# The jitter's share of the interval, at most: jitter exists so that feeds added together do
# not fire together, and a tenth of any interval spreads them without moving a feed's rhythm.
JITTER_SHARE = 0.1


@dataclass(frozen=True, kw_only=True, slots=True)
class Schedule:
    """How one feed is polled (its own interval, or the default)."""

    interval_s: float
    jitter_s: float
    backoff_max_s: float
    down_after_s: float

    @property
    def spread_s(self) -> float:
        """The random delay added to the interval, at most: `jitter_s`, bounded by
        `JITTER_SHARE` of the interval."""
        return min(self.jitter_s, self.interval_s * JITTER_SHARE)


class NoticeKind(StrEnum):
    DOWN = "down"
    RECOVERED = "recovered"


@dataclass(frozen=True, kw_only=True, slots=True)
class FeedNotice:
    """A message to the team about a feed's health."""

    kind: NoticeKind
    feed: str
    url: str
    since: datetime  # when it started failing
    at: datetime
    reason: str | None  # the last error

    @property
    def text(self) -> str:
        hours = (self.at - self.since).total_seconds() / 3600
        if self.kind is NoticeKind.DOWN:
            return (
                f"Feed '{self.feed}' has failed for {hours:.1f} h (since "
                f"{self.since:%Y-%m-%d %H:%M} UTC): {self.reason}. It is still being retried. "
                f"{self.url}"
            )
        return (
            f"Feed '{self.feed}' works again after failing for {hours:.1f} h "
            f"(since {self.since:%Y-%m-%d %H:%M} UTC). {self.url}"
        )


def first_poll(
    state: FeedState | None, url: str, schedule: Schedule, now: datetime, rng: random.Random
) -> datetime:
    """When a feed is first polled by a starting daemon: when its stored state says, if it is
    the same URL, else soon, at a random point of the jitter so that feeds do not fire together."""
    if state is not None and state.url == url and state.next_poll_at is not None:
        return state.next_poll_at
    return now + timedelta(seconds=rng.uniform(0, schedule.spread_s))


def is_due(state: FeedState | None, now: datetime) -> bool:
    return state is None or state.next_poll_at is None or state.next_poll_at <= now


def for_url(state: FeedState | None, name: str, url: str) -> FeedState:
    """The state to poll `url` with: the stored one, or a fresh one when the feed is new or its
    URL changed (the old validators and body hash belong to another document)."""
    if state is None or state.url != url:
        return FeedState(name=name, url=url)
    return state


def succeeded(
    state: FeedState,
    *,
    now: datetime,
    schedule: Schedule,
    rng: random.Random,
    etag: str | None,
    last_modified: str | None,
    body_hash: str | None,
    new: int,
) -> tuple[FeedState, FeedNotice | None]:
    """The state after a poll that worked (a 304 or an unchanged body included)."""
    notice = None
    if state.down_alerted and state.failing_since is not None:
        notice = FeedNotice(
            kind=NoticeKind.RECOVERED,
            feed=state.name,
            url=state.url,
            since=state.failing_since,
            at=now,
            reason=state.last_error,
        )
    delay = schedule.interval_s + rng.uniform(0, schedule.spread_s)
    return (
        replace(
            state,
            etag=etag,
            last_modified=last_modified,
            body_hash=body_hash,
            polls=state.polls + 1,
            last_polled_at=now,
            last_success_at=now,
            failures=0,
            failing_since=None,
            down_alerted=False,
            next_poll_at=now + timedelta(seconds=delay),
            last_new=new,
            total_new=state.total_new + new,
        ),
        notice,
    )


def backoff_s(failures: int, schedule: Schedule, rng: random.Random) -> float:
    """The delay after `failures` consecutive failures (1 or more), jittered."""
    delay = net.backoff_s(failures, schedule.interval_s, schedule.backoff_max_s)
    return rng.uniform(delay / 2, delay)


def failed(
    state: FeedState,
    *,
    now: datetime,
    schedule: Schedule,
    rng: random.Random,
    reason: str,
    retry_after_s: float | None = None,
) -> tuple[FeedState, FeedNotice | None]:
    """The state after a poll that failed, and the notice to send if the feed has now been down
    for `down_after_s` and no notice has said so yet."""
    failures = state.failures + 1
    since = state.failing_since or now
    delay = max(backoff_s(failures, schedule, rng), retry_after_s or 0.0)
    notice = None
    down_alerted = state.down_alerted
    if not down_alerted and (now - since).total_seconds() >= schedule.down_after_s:
        notice = FeedNotice(
            kind=NoticeKind.DOWN, feed=state.name, url=state.url, since=since, at=now, reason=reason
        )
        down_alerted = True
    return (
        replace(
            state,
            polls=state.polls + 1,
            last_polled_at=now,
            last_error=reason,
            last_error_at=now,
            failures=failures,
            failing_since=since,
            down_alerted=down_alerted,
            next_poll_at=now + timedelta(seconds=delay),
            last_new=0,
        ),
        notice,
    )
