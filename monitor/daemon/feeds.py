"""Feeds as the poller knows them: a configured feed (`Feed`, with its schedule), what one poll
of it did (`PollResult`, and its line in the log), and the entries of its document
(`feed_entries`, at most `MAX_ENTRIES` of them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from monitor.config import Settings
from monitor.daemon.health import Schedule
from monitor.errors import InputError
from monitor.model import Entry, Scope
from monitor.output import not_about_libya
from monitor.sources import read_feed

# Entries read from one poll of a feed. Feeds list their newest first and carry tens of entries;
# one with more is an archive or a mistake, and ingesting 100,000 entries would hold every other
# feed up for minutes. The rest are named in the poll's line.
MAX_ENTRIES = 1_000


@dataclass(frozen=True, kw_only=True, slots=True)
class Feed:
    name: str
    url: str
    schedule: Schedule
    language: str = ""
    scope: Scope = "general"  # what the feed covers: see `monitor.model.Scope`
    enabled: bool = True

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


def feeds_from_settings(settings: Settings) -> list[Feed]:
    polling = settings.polling
    return [
        Feed(
            name=f.name,
            url=f.url,
            schedule=Schedule(
                interval_s=f.interval or polling.interval,
                jitter_s=polling.jitter,
                backoff_max_s=polling.backoff_max,
                down_after_s=polling.down_after,
            ),
            language=f.language,
            scope=f.scope,
            enabled=f.enabled,
        )
        for f in settings.feeds
    ]


@dataclass(kw_only=True, slots=True)
class PollResult:
    """What one poll of one feed did."""

    feed: str
    outcome: str  # "ingested", "not modified", "unchanged", "failed" or "skipped"
    entries: int = 0
    counts: Counter[str] = field(default_factory=Counter)  # reports by status
    not_relevant: int = 0  # new reports not about Libya
    alerts: Counter[str] = field(default_factory=Counter)  # alerts by delivery status
    bad_entries: int = 0
    not_read: int = 0  # entries past MAX_ENTRIES
    reason: str | None = None
    elapsed_s: float = 0.0
    next_poll_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome != "failed"

    def line(self, now: datetime) -> str:
        wait = ""
        if self.next_poll_at is not None:
            wait = f"; next in {duration((self.next_poll_at - now).total_seconds())}"
        if self.outcome == "failed":
            return f"feed '{self.feed}' failed: {self.reason}{wait}"
        if self.outcome == "skipped":
            return f"feed '{self.feed}' skipped: {self.reason}"
        if self.outcome != "ingested":
            return f"feed '{self.feed}' {self.outcome} ({self.elapsed_s:.2f} s){wait}"
        bad = f", {self.bad_entries} unreadable" if self.bad_entries else ""
        if self.not_read:
            bad += f", {self.not_read:,} more not read (at most {MAX_ENTRIES:,} a poll)"
        return (
            f"feed '{self.feed}': {self.entries} entries, {self.counts['new']} new"
            f"{not_about_libya(self.not_relevant)}, "
            f"{self.counts['duplicate']} duplicate, {self.counts['seen']} seen{bad} "
            f"({self.elapsed_s:.2f} s){wait}"
        )


def feed_entries(
    name: str, body: bytes, content_type: str, scope: Scope = "general"
) -> tuple[list[Entry | InputError], int]:
    """The entries of feed `name`'s document (`body`, served as `content_type`), in the feed's
    `scope`: the first MAX_ENTRIES of them, and how many more it holds, which are not read.

    Raises InputError naming the feed when the document is no feed, or one refused; its reason
    ends with the content type and the size.
    """
    ref = f"feed '{name}'"
    entries: list[Entry | InputError] = []
    more = 0
    for item in read_feed(body, ref, source=name, scope=scope):
        if isinstance(item, InputError) and item.ref == ref:
            kind = content_type.split(";")[0].strip() or "no content type"
            raise InputError(ref, f"{item.reason} ({kind}, {len(body):,} bytes)")
        if len(entries) < MAX_ENTRIES:
            entries.append(item)
        else:
            more += 1
    return entries, more


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
