"""The pipeline: sources -> normalize -> dedup -> tag -> event -> story -> store -> alert.

`Pipeline.process_many` is what every driver (replay, the daemon) calls with the entries it has
at hand, and `process` with one. The pipeline only sequences the stages and holds the
transaction; the decisions are pure functions of their inputs (`to_report`, the dedup stage's
`fingerprint` and `decide`, `Tagger.read`, `read_event`, `signature`, `choose`, `route`), and
the side effects are at the edges: the dedup stage's reads (exact keys, the retrieval index, the
originals it points to), the reads for the stories of nearby days, one transaction for each
group of reports, with their alerts, keys and signatures, and then the outbox is delivered.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice

from monitor.alert import Notifier, Rule, deliver_pending, route
from monitor.clock import Clock, utc_now
from monitor.config import Settings
from monitor.dedup import DEFAULT_POLICY, Deduper, DedupPolicy, ExactMatch, Item, item_of, seen
from monitor.errors import ConfigError, InputError
from monitor.event import read_event
from monitor.model import (
    EVENT_TYPES,
    Entry,
    Event,
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
    # Whether the report is about Libya, where it happened and what happened (for `seen`, the
    # stored report's).
    relevance: Relevance | None = None
    place: Place | None = None
    event: Event | None = None
    story_reason: str | None = None  # why it joined its story or opened one


def rules_from_settings(settings: Settings, watchlist: Watchlist, config_file: str) -> list[Rule]:
    """The alert rules, each checked against the watchlist and the event types. Raises
    ConfigError naming the rule."""
    rules = []
    for number, raw in enumerate(settings.alerts.rules):
        key = f"alerts.rules[{number}]"
        for event_type in raw.event_types:
            if event_type not in EVENT_TYPES:
                raise ConfigError(
                    f"{config_file}: {key}.event_types: unknown event type '{event_type}' "
                    f"(the types are {', '.join(EVENT_TYPES)})"
                )
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
                event_types=tuple(raw.event_types),
                min_killed=raw.min_killed,
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
    lock: the report with its words and identity (`item`), and, on a shared store, its reading
    and the event read from it."""

    entry: Entry
    item: Item
    warnings: tuple[str, ...]
    reading: Reading | None = None
    event: Event | None = None


class Pipeline:
    """Runs entries through every stage against one store.

    `notifier` None leaves alerts pending in the outbox (a dry run, or a driver that delivers
    them itself). What the pipeline keeps in memory (the dedup stage's index, boilerplate and
    window) is a cache of the store; everything dedup and stories need is in the store, written
    with each report, so a restarted process carries on where the last one stopped.
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
        self.story_policy = story_policy
        self.clock = clock
        self.dedup = Deduper(store, policy=policy, clock=clock)
        self.broad_places = broad_places(tagger.watchlist)
        self.dedup.sync()

    def reconfigure(
        self, *, tagger: Tagger, rules: Sequence[Rule], story_policy: StoryPolicy
    ) -> None:
        """Tag, group into stories and alert with these from the next entry on (a reload);
        what dedup holds stays, as its settings are the same."""
        self.tagger = tagger
        self.rules = tuple(rules)
        self.story_policy = story_policy
        self.broad_places = broad_places(tagger.watchlist)

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
                self.dedup.sync()
                matches = self.dedup.exact_matches(
                    [p.item.identity for p in ready if isinstance(p, _Prepared)]
                )
                self.store.reserve_ids(matches.unmatched)
                for prepared in ready:
                    if isinstance(prepared, InputError):
                        results.append(prepared)
                        continue
                    exact = matches.of(prepared.item.identity)
                    if exact is not None:
                        results.append(self._seen(prepared, exact))
                        continue
                    outcome = self._ingest(prepared)
                    results.append(outcome)
                    if outcome.alert_ids:
                        stored[outcome.report_id] = StoredReport(
                            id=outcome.report_id,
                            report=outcome.report,
                            status=outcome.verdict.status,
                            duplicate_of=outcome.verdict.duplicate_of,
                            story_id=outcome.story_id,
                            tags=outcome.tags,
                            input_ref=prepared.entry.ref,
                            relevance=outcome.relevance,
                            place=outcome.place,
                            event=outcome.event,
                            story_reason=outcome.story_reason,
                        )
        except BaseException:
            # What is cached of the rolled-back reports (their keys, their paragraphs) goes;
            # it is read again from the store.
            self.dedup.forget()
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

    def _prepare_all(self, group: Sequence[Entry | InputError]) -> list[_Prepared | InputError]:
        """`_prepare` each entry; on a shared store, read those the store does not hold already
        (asked in one statement) for their tags and event."""
        ready = [e if isinstance(e, InputError) else self._prepare(e) for e in group]
        if not self.store.shared:
            return ready
        held = iter(
            self.store.find_exact_many([p.item.identity for p in ready if isinstance(p, _Prepared)])
        )
        tagged: list[_Prepared | InputError] = []
        for prepared in ready:
            if isinstance(prepared, _Prepared) and next(held) is None:
                report = prepared.item.report
                reading = self.tagger.read(report, prepared.entry.scope)
                event = read_event(report, reading)
                prepared = replace(prepared, reading=reading, event=event)
            tagged.append(prepared)
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
        return _Prepared(entry=entry, item=item_of(report), warnings=tuple(warnings))

    def _seen(self, prepared: _Prepared, exact: ExactMatch) -> Outcome:
        """The outcome of an entry that is the stored report `exact`: nothing is stored."""
        verdict = seen(exact)
        # The stored report's tags, relevance, place and event, so that a seen entry says what
        # is known of it whatever was stored before.
        known_report = self.store.get(exact.report_id)
        return Outcome(
            ref=prepared.entry.ref,
            report_id=exact.report_id,
            report=prepared.item.report,
            verdict=verdict,
            story_id=verdict.story_id,
            tags=known_report.tags if known_report else (),
            alerts=(),
            warnings=prepared.warnings,
            relevance=known_report.relevance if known_report else None,
            place=known_report.place if known_report else None,
            event=known_report.event if known_report else None,
            story_reason=known_report.story_reason if known_report else None,
        )

    def _ingest(self, prepared: _Prepared) -> Outcome:
        """Dedup, tag, group and store one prepared entry the store does not hold already,
        inside the group's transaction."""
        entry, item = prepared.entry, prepared.item
        report = item.report
        judged = self.dedup.judge(item)
        verdict = judged.verdict
        if prepared.reading is not None and prepared.event is not None:
            reading, event = prepared.reading, prepared.event
        else:
            reading = self.tagger.read(report, entry.scope)
            event = read_event(report, reading)
        tags = reading.tags
        sig = None
        story_id = verdict.story_id
        story_reason = (
            f"a copy of report {verdict.duplicate_of}: its story"
            if verdict.duplicate_of is not None
            else None
        )
        if verdict.status is Status.NEW:
            sig = signature(
                report,
                tags,
                broad=self.broad_places,
                boilerplate=judged.boilerplate,
                policy=self.story_policy,
                event=event,
            )
            nearby = self.store.story_candidates(
                sig.keys(),
                first_day=sig.day - self.story_policy.days,
                last_day=sig.day + self.story_policy.days,
                limit=self.story_policy.max_candidates,
            )
            joined = choose(sig, nearby, self.story_policy)
            story_id, story_reason = joined.story_id, joined.reason
        intents = route(report, verdict, reading, self.rules, now=self.clock(), event=event)
        added = self.store.add(
            report=report,
            fingerprint=judged.fingerprint,
            verdict=verdict,
            tags=tags,
            alerts=intents,
            input_ref=entry.ref,
            keys=judged.keys,
            signature=sig,
            story_id=story_id,
            relevance=reading.relevance,
            place=reading.place,
            event=event,
            story_reason=story_reason,
        )
        self.dedup.stored(added.report_id, item, judged)
        return Outcome(
            ref=entry.ref,
            report_id=added.report_id,
            report=report,
            verdict=verdict,
            story_id=added.story_id,
            tags=tags,
            alerts=(),
            alert_ids=added.alert_ids,
            warnings=prepared.warnings,
            relevance=reading.relevance,
            place=reading.place,
            event=event,
            story_reason=story_reason,
        )
