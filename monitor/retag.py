"""Reading stored reports again: their tags, whether they are about Libya, where it happened and
what happened, with the watchlist as it is now. `monitor db upgrade` reads the reports stored
before relevance and place, or their event, were kept; `monitor db retag` those still missing
them, or (`--all`) every report after a watchlist edit. A thin driver, like replay: the tag and
event stages decide, the store keeps. A report is read whole: its event is read from the
reading made for it then, never from one stored before.

A report is read in the scope of the configured feed it came from (its `source` is the feed's
name); a report of no configured feed keeps the scope it was last read in (a replay's `--scope`),
else it is read as general news.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from monitor.errors import StoreError
from monitor.event import read_event
from monitor.model import Event, Reading, Report, Scope
from monitor.store import Store

# Reports read and stored in one transaction: a failure loses at most this much work, and
# the tags of this many reports (about 60 each) are a few MB in memory.
BATCH_REPORTS = 500

Reader = Callable[[Report, Scope], Reading]
EventReader = Callable[[Report, Reading], Event]


@dataclass(kw_only=True, slots=True)
class RetagSummary:
    read: int = 0  # reports read and stored
    relevant: int = 0  # of them, about Libya
    events: int = 0  # of them, telling of an event of a known type
    failed: int = 0  # reports that could not be read (left as they were)

    def line(self) -> str:
        line = (
            f"computed relevance, place and event for {self.read:,} stored "
            f"report{'' if self.read == 1 else 's'} ({self.relevant:,} about Libya, "
            f"{self.events:,} telling of an event)"
        )
        if self.failed:
            left = "it was" if self.failed == 1 else "they were"
            line += f"; {self.failed:,} could not be read (named above) and left as {left}"
        return line


def retag(
    store: Store,
    read: Reader,
    scopes: Mapping[str, Scope],
    *,
    every: bool = False,
    on_error: Callable[[int, str], None],
    on_batch: Callable[[int], None] = lambda n: None,
    batch_reports: int = BATCH_REPORTS,
    event_reader: EventReader = read_event,
) -> RetagSummary:
    """Read the stored reports that have no relevance or no event yet (or, with `every`, all of
    them) with `read` (`Tagger.read`), then their event from that reading with `event_reader`,
    in id order, and store what they find in place of what the reports had, a batch of
    `batch_reports` per transaction. `scopes` maps a configured feed's name to its scope.

    A report that `read` fails on goes to `on_error` (its id and why) and keeps what it had; the
    others carry on. Raises StoreError when the database fails: the batches stored before stay
    stored, and running it again reads the rest."""
    summary = RetagSummary()
    after_id = 0
    while found := store.unread(after_id=after_id, limit=batch_reports, every=every):
        readings: list[tuple[int, Reading, Event]] = []
        for report_id, report, last_scope in found:
            scope = scopes.get(report.source) or last_scope or "general"
            try:
                reading = read(report, scope)
                readings.append((report_id, reading, event_reader(report, reading)))
            except Exception as e:  # a bug on one report must not keep the others from being read
                summary.failed += 1
                on_error(report_id, f"{type(e).__name__}: {e}")
        try:
            store.save_readings(readings)
        except StoreError as e:
            raise StoreError(
                f"{e}; stopped after {summary.read:,} report(s) were read and stored, "
                "the rest are read by running it again"
            ) from e
        summary.read += len(readings)
        summary.relevant += sum(1 for _, r, _ in readings if r.relevance.relevant)
        summary.events += sum(1 for _, _, e in readings if e.type is not None)
        after_id = found[-1][0]
        on_batch(len(found))
    return summary
