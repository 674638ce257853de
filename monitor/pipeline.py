"""The pipeline: sources -> normalize -> dedup -> tag -> story -> store -> alert.

`Pipeline.process_many` is what every driver (replay, and later the daemon) calls with the
entries it has at hand, and `process` with one. The decisions are pure functions of their inputs
(`to_report`, `fingerprint`, `decide`, `Tagger.tag`, `signature`, `choose`, `route`); the side
effects are at the edges: reads for exact keys, for the retrieval index and the originals it
points to, and for the stories of nearby days; one transaction for each group of reports, with
their alerts, keys and signatures; then the outbox is delivered.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import islice

from monitor.alert import Notifier, Rule, deliver_pending, route
from monitor.clock import Clock, utc_now
from monitor.config import Settings
from monitor.dedup import (
    DEFAULT_POLICY,
    Boilerplate,
    Candidate,
    DedupPolicy,
    ExactMatch,
    Fingerprint,
    Identity,
    KeyIndex,
    Paragraphs,
    body_words,
    decide,
    encode_words,
    fingerprint,
    identity,
    identity_keys,
    kept_words,
    paragraph_words,
    rank,
    seen,
)
from monitor.errors import ConfigError, InputError
from monitor.model import (
    Entry,
    Place,
    Reading,
    Relevance,
    Report,
    Status,
    StoredAlert,
    StoredReport,
    Tag,
    TagKind,
    Verdict,
)
from monitor.normalize import parse_datetime, to_report
from monitor.store import Store
from monitor.story import DEFAULT_STORY_POLICY, StoryPolicy, choose, signature
from monitor.tag import Tagger, Watchlist

# Places too wide to say where an event happened: they never make two reports one story.
BROAD_PLACE_KINDS = frozenset({"country", "region"})
WINDOW_REFRESH = timedelta(minutes=10)
# Originals' retrieval keys are read from the store this many reports at a time.
INDEX_READ_ROWS = 5_000
# Entries handed over together (a replay, a feed's poll) are stored in transactions of this many:
# each commit writes the pages it changed, and the reports of one group share most of theirs
# (the ends of the indexes they extend), so a group costs little more to commit than one
# report. The first outcome of a group waits for the last: about 0.1 s.
GROUP_REPORTS = 50


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """What became of one entry. `report_id` is the stored report: this one, or for `seen`
    the one it is the same item as. `story_id` is the story it belongs to."""

    ref: str
    report_id: int
    report: Report
    verdict: Verdict
    story_id: int | None
    tags: tuple[Tag, ...]
    alerts: tuple[StoredAlert, ...]
    alert_ids: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()
    # Whether the report is about Libya and where it happened (for `seen`, the stored report's).
    relevance: Relevance | None = None
    place: Place | None = None


def rules_from_settings(settings: Settings, watchlist: Watchlist, config_file: str) -> list[Rule]:
    """The alert rules, each checked against the watchlist. Raises ConfigError naming the rule."""
    rules = []
    for number, raw in enumerate(settings.alerts.rules):
        key = f"alerts.rules[{number}]"
        for field, ids, kind in (
            ("actors", raw.actors, TagKind.ACTOR),
            ("places", raw.places, TagKind.PLACE),
        ):
            for entity_id in ids:
                entity = watchlist.entities.get(entity_id)
                if entity is None or entity.category is not kind:
                    raise ConfigError(
                        f"{config_file}: {key}.{field}: unknown {kind.value} '{entity_id}'"
                    )
        rules.append(
            Rule(
                name=raw.name,
                channel=raw.channel or settings.slack.channel,
                actors=tuple(raw.actors),
                places=tuple(raw.places),
                actor_kinds=tuple(raw.actor_kinds),
                keywords=tuple(raw.keywords),
                match=raw.match,
                relevant_only=raw.relevant_only,
                muted_until=raw.muted_until,
            )
        )
    return rules


def broad_places(watchlist: Watchlist) -> frozenset[str]:
    """The watchlist's places too wide to place an event (see BROAD_PLACE_KINDS)."""
    return frozenset(
        e.id
        for e in watchlist.entities.values()
        if e.category is TagKind.PLACE and e.kind in BROAD_PLACE_KINDS
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class _Prepared:
    """What an entry becomes before the store is asked anything that must be decided under its
    lock: the report, its words and identity, and, on a shared store, its tags."""

    entry: Entry
    report: Report
    warnings: tuple[str, ...]
    paragraphs: Paragraphs
    known: Identity
    reading: Reading | None = None


class Pipeline:
    """Runs entries through every stage against one store.

    `notifier` None leaves alerts pending in the outbox (a dry run, or a driver that delivers
    them itself). What the pipeline keeps in memory (each source's boilerplate, the start of the
    dedup window) is a cache of the store; everything dedup and stories need is in the store,
    written with each report, so a restarted process carries on where the last one stopped.
    """

    def __init__(
        self,
        *,
        store: Store,
        tagger: Tagger,
        rules: Sequence[Rule],
        notifier: Notifier | None,
        policy: DedupPolicy = DEFAULT_POLICY,
        story_policy: StoryPolicy = DEFAULT_STORY_POLICY,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.tagger = tagger
        self.rules = tuple(rules)
        self.notifier = notifier
        self.policy = policy
        self.story_policy = story_policy
        self.clock = clock
        self.boilerplate = Boilerplate(
            store.recent_texts,
            recent=policy.boilerplate_recent,
            min_reports=policy.boilerplate_reports,
            min_share=policy.boilerplate_share,
        )
        self.broad_places = broad_places(tagger.watchlist)
        self.index = KeyIndex()
        self._window: tuple[datetime, int] | None = None
        self._sync_index()

    def reconfigure(
        self, *, tagger: Tagger, rules: Sequence[Rule], story_policy: StoryPolicy
    ) -> None:
        """Tag, group into stories and alert with these from the next entry on (a reload);
        what dedup holds stays, as its settings are the same."""
        self.tagger = tagger
        self.rules = tuple(rules)
        self.story_policy = story_policy
        self.broad_places = broad_places(tagger.watchlist)

    def _window_start(self) -> int:
        """The first report id inside the dedup window, looked up again every few minutes."""
        now = self.clock()
        if self._window is None or now - self._window[0] > WINDOW_REFRESH:
            since = now - timedelta(days=self.policy.window_days)
            self._window = (now, self.store.window_start(since))
        return self._window[1]

    def _sync_index(self) -> None:
        """Bring the retrieval index up to date with the store: leave out what fell out of the
        window, file the originals stored since (by this process or any other), reading the
        whole window the first time. Reports are read in id order from the highest one filed,
        which assumes ids become visible in increasing order: true of SQLite, whose writers
        take turns, and of PostgreSQL, where groups are stored one at a time under a lock."""
        start = self._window_start()
        self.index.forget_before(start)
        after = max(self.index.last_id, start - 1)
        while True:
            rows = self.store.filed_keys(after_id=after, limit=INDEX_READ_ROWS)
            self.index.add_rows(rows)
            if len(rows) < INDEX_READ_ROWS:
                return
            after = rows[-1][0]

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
        for report_id, source, text_of, story_id in self.store.originals_text(chosen):
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

    def process(self, entry: Entry) -> Outcome:
        """Normalize, dedup, tag, group, store and alert one entry.

        Raises InputError (nothing is left of the entry) or StoreError (the database failed;
        nothing of this entry was stored).
        """
        (result,) = self._process_group([entry])
        if isinstance(result, InputError):
            raise result
        return result

    def process_many(self, entries: Iterable[Entry | InputError]) -> Iterator[Outcome | InputError]:
        """`process` for many entries, in order, committed `GROUP_REPORTS` at a time: what a
        replay or a feed's poll hands over at once. An entry that cannot be read gives its
        InputError in its place, as do errors passed in (a source's unreadable items), and the
        rest carries on. Outcomes come once their group is stored and its alerts delivered.

        Raises StoreError when the database fails: nothing of that group was stored, and what
        was yielded before it stays stored.
        """
        pending = iter(entries)
        while group := list(islice(pending, GROUP_REPORTS)):
            yield from self._process_group(group)

    def _process_group(self, group: Sequence[Entry | InputError]) -> list[Outcome | InputError]:
        results: list[Outcome | InputError] = []
        stored: dict[int, StoredReport] = {}
        # What needs no decision is done before the group takes the store's lock (on a store
        # that replicas share, tagging too), so that replicas do it side by side.
        ready = self._prepare_all(group)
        try:
            with self.store.batch():
                # What others stored is read once a group, once it holds the store's lock; the
                # group's own originals are filed as they are stored.
                self._sync_index()
                # The group's exact matches are read at once. An entry that shares a key with
                # one stored earlier in the group asks again, as that one is not among them.
                matches = self.store.find_exact_many(
                    [item.known for item in ready if isinstance(item, _Prepared)]
                )
                self.store.reserve_ids(matches.count(None))
                pending = iter(matches)
                taken: set[tuple[str, ...]] = set()
                for item in ready:
                    if isinstance(item, InputError):
                        results.append(item)
                        continue
                    entry = item.entry
                    keys = identity_keys(item.known)
                    found = next(pending)
                    exact = self.store.find_exact(item.known) if keys & taken else found
                    outcome = self._ingest(item, exact)
                    if exact is None:
                        taken |= keys
                    results.append(outcome)
                    if outcome.alert_ids:
                        stored[outcome.report_id] = StoredReport(
                            id=outcome.report_id,
                            report=outcome.report,
                            status=outcome.verdict.status,
                            duplicate_of=outcome.verdict.duplicate_of,
                            story_id=outcome.story_id,
                            tags=outcome.tags,
                            input_ref=entry.ref,
                            relevance=outcome.relevance,
                            place=outcome.place,
                        )
        except BaseException:
            # What is cached of the rolled-back reports (their keys, their paragraphs) goes;
            # it is read again from the store.
            self._forget()
            raise
        if not stored:
            return results
        if self.notifier is not None:
            deliver_pending(self.store, self.notifier, stored)
        alerts = self.store.alerts_of_reports(list(stored))
        return [
            replace(r, alerts=tuple(alerts.get(r.report_id, ())))
            if isinstance(r, Outcome) and r.alert_ids
            else r
            for r in results
        ]

    def _forget(self) -> None:
        self.index = KeyIndex()
        self.boilerplate.forget()
        self._window = None

    def _prepare_all(self, group: Sequence[Entry | InputError]) -> list[_Prepared | InputError]:
        """`_prepare` each entry; on a shared store, tag those the store does not hold already
        (asked in one statement)."""
        ready = [e if isinstance(e, InputError) else self._prepare(e) for e in group]
        if not self.store.shared:
            return ready
        held = iter(
            self.store.find_exact_many([i.known for i in ready if isinstance(i, _Prepared)])
        )
        tagged: list[_Prepared | InputError] = []
        for item in ready:
            if isinstance(item, _Prepared) and next(held) is None:
                item = replace(item, reading=self.tagger.read(item.report, item.entry.scope))
            tagged.append(item)
        return tagged

    def _prepare(self, entry: Entry) -> _Prepared | InputError:
        """Normalize an entry and work out its words and identity: nothing here decides
        anything."""
        try:
            report = to_report(entry, fetched_at=self.clock())
        except InputError as e:
            return e
        warnings = []
        if entry.published and report.published is None:
            given = str(entry.published)[:60]
            if parse_datetime(entry.published) is None:
                warnings.append(f"unreadable published date {given!r}, kept without one")
            else:
                warnings.append(
                    f"published date {given!r} is more than a day ahead, kept without one"
                )
        paragraphs = paragraph_words(report.text)
        return _Prepared(
            entry=entry,
            report=report,
            warnings=tuple(warnings),
            paragraphs=paragraphs,
            known=identity(report, paragraphs),
        )

    def _ingest(self, prepared: _Prepared, exact: ExactMatch | None) -> Outcome:
        """Dedup, tag, group and store one prepared entry, inside the group's transaction;
        `exact` is the stored report it is the same item as, if any."""
        entry, report, paragraphs, known = (
            prepared.entry,
            prepared.report,
            prepared.paragraphs,
            prepared.known,
        )
        warnings = list(prepared.warnings)
        if exact is not None:
            verdict = seen(exact)
            # The stored report's tags, relevance and place, so that a seen entry says what
            # is known of it whatever was stored before.
            known_report = self.store.get(exact.report_id)
            return Outcome(
                ref=entry.ref,
                report_id=exact.report_id,
                report=report,
                verdict=verdict,
                story_id=verdict.story_id,
                tags=known_report.tags if known_report else (),
                alerts=(),
                warnings=tuple(warnings),
                relevance=known_report.relevance if known_report else None,
                place=known_report.place if known_report else None,
            )
        boilerplate = self.boilerplate.of(report.source)
        fp = fingerprint(
            report,
            boilerplate,
            sampling=self.policy.sampling,
            head=self.policy.head,
            known=known,
            paragraphs_=paragraphs,
        )
        candidates, rare = self._candidates(fp, paragraphs)
        verdict = decide(fp, candidates, self.policy)
        reading = prepared.reading or self.tagger.read(report, entry.scope)
        tags = reading.tags
        sig = None
        keys: list[int] = []
        story_id = verdict.story_id
        if verdict.status is Status.NEW:
            sig = signature(
                report,
                tags,
                broad=self.broad_places,
                boilerplate=boilerplate,
                policy=self.story_policy,
            )
            nearby = self.store.story_candidates(
                sig.keys(),
                first_day=sig.day - self.story_policy.days,
                last_day=sig.day + self.story_policy.days,
                limit=self.story_policy.max_candidates,
            )
            story_id = choose(sig, nearby, self.story_policy)
            keys = rare
        intents = route(report, verdict, reading, self.rules, now=self.clock())
        added = self.store.add(
            report=report,
            fingerprint=fp,
            verdict=verdict,
            tags=tags,
            alerts=intents,
            input_ref=entry.ref,
            keys=keys,
            signature=sig,
            story_id=story_id,
            relevance=reading.relevance,
            place=reading.place,
        )
        if verdict.status is Status.NEW:
            if keys:
                self.index.add(added.report_id, keys)
            self.boilerplate.learn(report.source, report.text, paragraphs)
        return Outcome(
            ref=entry.ref,
            report_id=added.report_id,
            report=report,
            verdict=verdict,
            story_id=added.story_id,
            tags=tags,
            alerts=(),
            alert_ids=added.alert_ids,
            warnings=tuple(warnings),
            relevance=reading.relevance,
            place=reading.place,
        )
