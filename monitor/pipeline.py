"""The pipeline: sources -> normalize -> dedup -> tag -> story -> store -> alert, one report at a
time.

`Pipeline.process` is what every driver (replay, and later the daemon) calls for each entry. The
decisions are pure functions of their inputs (`to_report`, `fingerprint`, `decide`, `Tagger.tag`,
`signature`, `choose`, `route`); the side effects are at the edges: reads for exact keys, for
the originals sharing retrieval keys and for the stories of nearby days, one transaction to store
the report with its alerts, keys and signature, then the outbox is delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.alert import Notifier, Rule, deliver_pending, route
from monitor.clock import Clock, utc_now
from monitor.config import Settings
from monitor.dedup import (
    DEFAULT_POLICY,
    Boilerplate,
    Candidate,
    DedupPolicy,
    Fingerprint,
    body_words,
    decide,
    encode_words,
    fingerprint,
    identity,
    rank,
    seen,
)
from monitor.errors import ConfigError
from monitor.model import (
    Entry,
    Report,
    Status,
    StoredAlert,
    StoredReport,
    Tag,
    TagKind,
    Verdict,
)
from monitor.normalize import to_report
from monitor.store import Store
from monitor.story import DEFAULT_STORY_POLICY, StoryPolicy, choose, signature
from monitor.tag import Tagger, Watchlist

# Places too wide to say where an event happened: they never make two reports one story.
BROAD_PLACE_KINDS = frozenset({"country", "region"})
WINDOW_REFRESH = timedelta(minutes=10)
# The common retrieval keys remembered (about 60 bytes each); past this many they are forgotten
# and learned again from the store.
COMMON_KEYS_MAX = 2_000_000


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


def broad_places(watchlist: Watchlist) -> frozenset[str]:
    """The watchlist's places too wide to place an event (see BROAD_PLACE_KINDS)."""
    return frozenset(
        e.id
        for e in watchlist.entities.values()
        if e.category is TagKind.PLACE and e.kind in BROAD_PLACE_KINDS
    )


def dedup_policy(settings: Settings) -> DedupPolicy:
    return DedupPolicy(**settings.dedup.model_dump())


def story_policy(settings: Settings) -> StoryPolicy:
    return StoryPolicy(**settings.stories.model_dump())


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
        self._window: tuple[datetime, int] | None = None
        self._common: set[int] = set()

    def _window_start(self) -> int:
        """The first report id inside the dedup window, looked up again every few minutes."""
        now = self.clock()
        if self._window is None or now - self._window[0] > WINDOW_REFRESH:
            since = now - timedelta(days=self.policy.window_days)
            self._window = (now, self.store.window_start(since))
        return self._window[1]

    def _candidates(self, fp: Fingerprint, text: str) -> tuple[list[Candidate], list[int]]:
        """The originals worth comparing with `fp`, and the keys of `fp` that are not common
        (held by fewer than `key_postings` originals of the window): those it is filed under if
        it is new. Common keys (stock phrases) are no evidence; once seen they are remembered
        and not looked up again."""
        asked = [k for k in fp.keys if k not in self._common]
        postings = self.store.key_postings(asked, since_id=self._window_start())
        for key, ids in postings.items():
            if len(ids) >= self.policy.key_postings:
                self._common.add(key)
        if len(self._common) > COMMON_KEYS_MAX:
            self._common.clear()
        rare = [k for k in asked if k not in self._common]
        shared: dict[int, int] = {}
        for key in rare:
            for report_id in postings.get(key, ()):
                shared[report_id] = shared.get(report_id, 0) + 1
        # The originals sharing the most keys; `rank` then weighs them by their own key counts.
        best = sorted(shared, key=lambda r: (-shared[r], -r))[: 5 * self.policy.max_compared]
        shared = {r: shared[r] for r in best}
        key_counts = self.store.key_counts(best) if best else {}
        chosen = rank(len(rare), shared, key_counts, self.policy)
        mine = self.boilerplate.of(fp.source)
        candidates = []
        for report_id, source, original, story_id in self.store.originals_text(chosen):
            # Both texts leave out what either source repeats, so that a footer or byline
            # that only one of them carries cannot make a copy look different.
            theirs = self.boilerplate.of(source)
            candidates.append(
                Candidate(
                    report_id=report_id,
                    words=encode_words(body_words(original, mine | theirs)),
                    story_id=story_id,
                    own_words=(
                        None if theirs <= mine else encode_words(body_words(text, mine | theirs))
                    ),
                )
            )
        return candidates, rare

    def process(self, entry: Entry) -> Outcome:
        """Normalize, dedup, tag, group, store and alert one entry.

        Raises InputError (nothing is left of the entry) or StoreError (the database failed;
        nothing of this entry was stored).
        """
        report = to_report(entry, fetched_at=self.clock())
        warnings = []
        if entry.published and report.published is None:
            warnings.append(
                f"unreadable published date {str(entry.published)[:60]!r}, kept without one"
            )
        known = identity(report)
        exact = self.store.find_exact(known)
        if exact is not None:
            verdict = seen(exact)
            return Outcome(
                ref=entry.ref,
                report_id=exact.report_id,
                report=report,
                verdict=verdict,
                story_id=verdict.story_id,
                tags=(),
                alerts=(),
                warnings=tuple(warnings),
            )
        boilerplate = self.boilerplate.of(report.source)
        fp = fingerprint(
            report, boilerplate, sampling=self.policy.sampling, head=self.policy.head, known=known
        )
        candidates, rare = self._candidates(fp, report.text)
        verdict = decide(fp, candidates, self.policy)
        tags = self.tagger.tag(report)
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
        intents = route(report, verdict, tags, self.rules)
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
        )
        if verdict.status is Status.NEW:
            self.boilerplate.learn(report.source, report.text)
        if self.notifier is not None and added.alert_ids:
            stored = StoredReport(
                id=added.report_id,
                report=report,
                status=verdict.status,
                duplicate_of=verdict.duplicate_of,
                story_id=added.story_id,
                tags=tags,
                input_ref=entry.ref,
            )
            deliver_pending(self.store, self.notifier, {added.report_id: stored})
        return Outcome(
            ref=entry.ref,
            report_id=added.report_id,
            report=report,
            verdict=verdict,
            story_id=added.story_id,
            tags=tags,
            alerts=tuple(self.store.alerts_of(added.report_id)) if added.alert_ids else (),
            warnings=tuple(warnings),
        )
