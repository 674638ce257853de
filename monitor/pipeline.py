"""The pipeline: sources -> normalize -> dedup -> tag -> store -> alert, one report at a time.

`Pipeline.process` is what every driver (replay, and later the daemon) calls for each entry. The
decisions are pure functions of their inputs (`to_report`, `fingerprint`, `decide`, `Tagger.tag`,
`route`); the side effects are at the edges: one read for exact keys, one transaction to store
the report with its alerts, then the outbox is delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.alert import Notifier, Rule, deliver_pending, route
from monitor.clock import Clock, utc_now
from monitor.config import Settings
from monitor.dedup import DedupPolicy, NearIndex, decide, fingerprint
from monitor.dedup.decide import DEFAULT_POLICY
from monitor.dedup.fingerprint import words_of
from monitor.errors import ConfigError
from monitor.model import Entry, Report, Status, StoredAlert, Tag, TagKind, Verdict
from monitor.normalize import to_report
from monitor.store import Store
from monitor.tag import Tagger, Watchlist


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    """What became of one entry."""

    ref: str
    report_id: int
    report: Report
    verdict: Verdict
    tags: tuple[Tag, ...]
    alerts: tuple[StoredAlert, ...]
    warnings: tuple[str, ...] = ()


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
                channel=raw.channel,
                actors=tuple(raw.actors),
                places=tuple(raw.places),
                actor_kinds=tuple(raw.actor_kinds),
                keywords=tuple(raw.keywords),
                match=raw.match,
            )
        )
    return rules


class Pipeline:
    """Runs entries through every stage against one store.

    `notifier` None leaves alerts pending in the outbox (a dry run, or a driver that delivers
    them itself).
    """

    def __init__(
        self,
        *,
        store: Store,
        tagger: Tagger,
        rules: Sequence[Rule],
        notifier: Notifier | None,
        policy: DedupPolicy = DEFAULT_POLICY,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.tagger = tagger
        self.rules = tuple(rules)
        self.notifier = notifier
        self.policy = policy
        self.clock = clock
        self.index = NearIndex()
        self.index.extend((report_id, words_of(text)) for report_id, text in store.originals())

    def process(self, entry: Entry) -> Outcome:
        """Normalize, dedup, tag, store and alert one entry.

        Raises InputError (nothing is left of the entry) or StoreError (the database failed;
        nothing of this entry was stored).
        """
        report = to_report(entry, fetched_at=self.clock())
        warnings = []
        if entry.published and report.published is None:
            warnings.append(
                f"unreadable published date {str(entry.published)[:60]!r}, kept without one"
            )
        fp = fingerprint(report)
        verdict = decide(fp, self.store.find_exact(fp), self.index.candidates(fp), self.policy)
        tags = self.tagger.tag(report)
        intents = route(report, verdict, tags, self.rules)
        added = self.store.add(
            report=report,
            fingerprint=fp,
            verdict=verdict,
            tags=tags,
            alerts=intents,
            input_ref=entry.ref,
        )
        if verdict.status is Status.NEW:
            self.index.add(added.report_id, fp.words)
        if self.notifier is not None and added.alert_ids:
            deliver_pending(self.store, self.notifier)
        return Outcome(
            ref=entry.ref,
            report_id=added.report_id,
            report=report,
            verdict=verdict,
            tags=tags,
            alerts=tuple(self.store.alerts_of(added.report_id)) if added.alert_ids else (),
            warnings=tuple(warnings),
        )
