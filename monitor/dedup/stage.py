"""The dedup stage against a store: `Deduper` keeps the retrieval index, each source's
boilerplate and the start of the window, as a cache of what the store holds, and judges each
report with the pure functions of `decide` and `fingerprint`.

Its side effects are at the edges: what it reads comes through `DedupReads` (the store, handed
in), and what it learns of a report waits until the store has it (`Deduper.stored`). Everything
it keeps is in the store, written with each report, so a restarted process (or another replica)
reads the same back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from monitor.clock import Clock, utc_now
from monitor.dedup.boilerplate import Boilerplate
from monitor.dedup.decide import (
    DEFAULT_POLICY,
    Candidate,
    DedupPolicy,
    ExactMatch,
    decide,
    encode_words,
    rank,
)
from monitor.dedup.fingerprint import (
    Fingerprint,
    Identity,
    Paragraphs,
    body_words,
    fingerprint,
    identity,
    identity_keys,
    kept_words,
    paragraph_words,
)
from monitor.dedup.index import KeyIndex
from monitor.model import Report, Status, Verdict

WINDOW_REFRESH = timedelta(minutes=10)
# Originals' retrieval keys are read from the store this many reports at a time.
INDEX_READ_ROWS = 5_000


class DedupReads(Protocol):
    """What dedup reads from the store (`monitor.store.Store` says what each returns)."""

    def find_exact(self, fp: Identity) -> ExactMatch | None: ...

    def find_exact_many(self, fps: Sequence[Identity]) -> list[ExactMatch | None]: ...

    def window_start(self, since: datetime) -> int: ...

    def filed_keys(self, *, after_id: int, limit: int) -> list[tuple[int, bytes]]: ...

    def originals_text(
        self, report_ids: Sequence[int]
    ) -> list[tuple[int, str, str, int | None]]: ...

    def recent_texts(self, source: str, limit: int) -> list[str]: ...


@dataclass(frozen=True, kw_only=True, slots=True)
class Item:
    """A report as dedup reads it, worked out before the store is asked anything: the report,
    its text's `paragraph_words` and its identity."""

    report: Report
    paragraphs: Paragraphs
    identity: Identity


def item_of(report: Report) -> Item:
    paragraphs = paragraph_words(report.text)
    return Item(report=report, paragraphs=paragraphs, identity=identity(report, paragraphs))


@dataclass(frozen=True, kw_only=True, slots=True)
class Judgement:
    """The verdict on a report the store does not hold, and what goes with it: the fingerprint
    it is stored with, the retrieval keys it is filed under (an original's keys that are not
    common; none for a duplicate), and its source's boilerplate, which stories leave out too."""

    verdict: Verdict
    fingerprint: Fingerprint
    keys: tuple[int, ...]
    boilerplate: frozenset[str]


class ExactMatches:
    """The stored reports that a group's items are the same item as, read in one statement. An
    item that shares a key with one stored earlier in the group asks again, as that one is not
    among them."""

    def __init__(self, reads: DedupReads, identities: Sequence[Identity]) -> None:
        self._reads = reads
        found = reads.find_exact_many(identities)
        self._found = iter(found)
        self._taken: set[tuple[str, ...]] = set()
        # The items that will be stored (those not held already, unless one of the group is).
        self.unmatched = found.count(None)

    def of(self, ident: Identity) -> ExactMatch | None:
        """The stored report the group's next item (`ident`) is the same item as, if any. Asked
        in the group's order; an item without one is taken to be stored before the next."""
        keys = identity_keys(ident)
        found = next(self._found)
        exact = self._reads.find_exact(ident) if keys & self._taken else found
        if exact is None:
            self._taken |= keys
        return exact


class Deduper:
    """Dedup against the store `reads`: what it holds in memory (the retrieval index, each
    source's boilerplate, the start of the window) is a cache of the store, brought up to date
    by `sync` and `stored`, dropped by `forget`."""

    def __init__(
        self, reads: DedupReads, *, policy: DedupPolicy = DEFAULT_POLICY, clock: Clock = utc_now
    ) -> None:
        self.reads = reads
        self.policy = policy
        self.clock = clock
        self.boilerplate = Boilerplate(
            reads.recent_texts,
            recent=policy.boilerplate_recent,
            min_reports=policy.boilerplate_reports,
            min_share=policy.boilerplate_share,
        )
        self.index = KeyIndex()
        self._window: tuple[datetime, int] | None = None

    def _window_start(self) -> int:
        """The first report id inside the dedup window, looked up again every few minutes."""
        now = self.clock()
        if self._window is None or now - self._window[0] > WINDOW_REFRESH:
            since = now - timedelta(days=self.policy.window_days)
            self._window = (now, self.reads.window_start(since))
        return self._window[1]

    def sync(self) -> None:
        """Bring the retrieval index up to date with the store: leave out what fell out of the
        window, file the originals stored since (by this process or any other), reading the
        whole window the first time. Reports are read in id order from the highest one filed,
        which assumes ids become visible in increasing order: true of SQLite, whose writers
        take turns, and of PostgreSQL, where groups are stored one at a time under a lock."""
        start = self._window_start()
        self.index.forget_before(start)
        after = max(self.index.last_id, start - 1)
        while True:
            rows = self.reads.filed_keys(after_id=after, limit=INDEX_READ_ROWS)
            self.index.add_rows(rows)
            if len(rows) < INDEX_READ_ROWS:
                return
            after = rows[-1][0]

    def exact_matches(self, identities: Sequence[Identity]) -> ExactMatches:
        """The stored reports a group's items (their `identities`, in order) are the same item
        as: `seen`, each that has one."""
        return ExactMatches(self.reads, identities)

    def judge(self, item: Item) -> Judgement:
        """`duplicate` of a stored original, or `new`, for an item the store does not hold
        already (see `exact_matches`), with what to file for it."""
        report = item.report
        boilerplate = self.boilerplate.of(report.source)
        fp = fingerprint(
            report,
            boilerplate,
            sampling=self.policy.sampling,
            head=self.policy.head,
            known=item.identity,
            paragraphs_=item.paragraphs,
        )
        candidates, rare = self._candidates(fp, item.paragraphs)
        verdict = decide(fp, candidates, self.policy)
        return Judgement(
            verdict=verdict,
            fingerprint=fp,
            keys=tuple(rare) if verdict.status is Status.NEW else (),
            boilerplate=boilerplate,
        )

    def stored(self, report_id: int, item: Item, judgement: Judgement) -> None:
        """Learn from a report the store now holds (as `report_id`): an original is filed under
        its keys, and its paragraphs count towards its source's boilerplate."""
        if judgement.verdict.status is not Status.NEW:
            return
        if judgement.keys:
            self.index.add(report_id, judgement.keys)
        self.boilerplate.learn(item.report.source, item.report.text, item.paragraphs)

    def forget(self) -> None:
        """Drop what is cached (after a rollback, of reports that were never stored); it is
        read again from the store."""
        self.index = KeyIndex()
        self.boilerplate.forget()
        self._window = None

    def _candidates(
        self, fp: Fingerprint, paragraphs: Paragraphs
    ) -> tuple[list[Candidate], list[int]]:
        """The originals worth comparing with `fp`, and the keys of `fp` that are not common
        (held by fewer than `key_postings` originals of the window): those it is filed under if
        it is new. Common keys (stock phrases) are no evidence."""
        postings, common = self.index.postings(fp.keys, common_at=self.policy.key_postings)
        rare = [k for k in fp.keys if k not in common]
        shared: dict[int, int] = {}
        for ids in postings.values():
            for report_id in ids:
                shared[report_id] = shared.get(report_id, 0) + 1
        chosen = rank(len(rare), shared, self.index.key_counts, self.policy)
        mine = self.boilerplate.of(fp.source)
        candidates = []
        for report_id, source, text_of, story_id in self.reads.originals_text(chosen):
            # Both texts leave out what either source repeats, so that a footer or byline
            # that only one of them carries cannot make a copy look different.
            theirs = self.boilerplate.of(source)
            both = mine | theirs
            candidates.append(
                Candidate(
                    report_id=report_id,
                    words=encode_words(body_words(text_of, both)),
                    story_id=story_id,
                    own_words=(
                        None if theirs <= mine else encode_words(kept_words(paragraphs, both))
                    ),
                )
            )
        return candidates, rare
