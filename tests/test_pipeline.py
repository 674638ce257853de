"""The whole pipeline on SQLite and PostgreSQL: seeds in, dedup across runs and restarts, alerts
delivered through a notifier twin that records what it is given."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.alert import AlertMessage, Notifier, Rule
from monitor.clock import Clock
from monitor.errors import DeliveryError, InputError, StoreError
from monitor.event import read_event
from monitor.model import AlertStatus, Entry, Event, Reading, Status
from monitor.pipeline import Outcome, Pipeline
from monitor.replay import plan, replay
from monitor.sources import read_input
from monitor.store import SqlStore
from monitor.tag import Tagger
from tests import copies
from tests.conftest import SEEDS

RULES = [Rule(name="watchlist", channel="#libya")]


class RecordingNotifier(Notifier):
    """A Notifier that keeps what it is sent; it can be told to fail."""

    def __init__(self, fail: DeliveryError | None = None) -> None:
        self.sent: list[AlertMessage] = []
        self.fail = fail

    def send(self, message: AlertMessage) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append(message)


def _pipeline(store: SqlStore, tagger: Tagger, clock: Clock, notifier=None) -> Pipeline:
    return Pipeline(store=store, tagger=tagger, rules=RULES, notifier=notifier, clock=clock)


def _replay(pipeline: Pipeline, *paths: Path):
    outcomes, errors = [], []
    summary = replay(plan(paths), pipeline, on_outcome=outcomes.append, on_error=errors.append)
    return summary, outcomes, errors


def test_seeds_are_new_then_seen(db_url: str, tagger: Tagger, clock: Clock) -> None:
    notifier = RecordingNotifier()
    with SqlStore.open(db_url, clock=clock) as store:
        summary, first, errors = _replay(_pipeline(store, tagger, clock, notifier), SEEDS)
        assert (summary.new, summary.duplicate, errors) == (5, 0, [])
        assert [m.report_id for m in notifier.sent] == [o.report_id for o in first]
        assert all(o.alerts[0].status is AlertStatus.SENT for o in first)
        assert "Islamic State in Libya" in notifier.sent[2].title
        assert {m.id for m in notifier.sent[2].actors} >= {"isis", "gna", "lna"}

        summary, second, _ = _replay(_pipeline(store, tagger, clock, notifier), SEEDS)
        assert (summary.new, summary.duplicate, summary.seen) == (0, 0, 5)
        assert [o.report_id for o in second] == [o.report_id for o in first]
        assert [o.story_id for o in first] == [o.report_id for o in first]  # five stories
        assert store.count() == 5
        assert all(o.alerts == () for o in second)
        assert len(notifier.sent) == 5


def test_each_pipeline_learns_what_another_one_stored(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    """Two processes on one database (a replay beside the daemon): the retrieval index of each
    is brought up to date from the store before each look-up."""
    seeds = _seed_entries()
    copy = _wire_copy(seeds[1], "paragraph dropped")
    with SqlStore.open(db_url, clock=clock) as first, SqlStore.open(db_url, clock=clock) as second:
        daemon = _pipeline(first, tagger, clock)
        replaying = _pipeline(second, tagger, clock)
        assert len(daemon.dedup.index) == len(replaying.dedup.index) == 0
        original = replaying.process(seeds[1])
        outcome = daemon.process(copy)
        assert outcome.verdict.status is Status.DUPLICATE
        assert outcome.verdict.duplicate_of == original.report_id
        assert daemon.process(seeds[1]).verdict.status is Status.SEEN


def test_edited_copies_dedup_after_a_restart(
    db_url: str, tagger: Tagger, clock: Clock, tmp_path: Path
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        _, first, _ = _replay(_pipeline(store, tagger, clock, RecordingNotifier()), SEEDS)
    folder = tmp_path / "copies"
    folder.mkdir()
    seed = (SEEDS / "004_070f395f038245ce.txt").read_text("utf-8")
    for name, edit in copies.EDITS.items():
        (folder / f"{name.replace(' ', '_')}.txt").write_text(edit(seed), "utf-8")
    notifier = RecordingNotifier()
    with SqlStore.open(db_url, clock=clock) as store:  # a new process: the index is rebuilt
        summary, outcomes, errors = _replay(_pipeline(store, tagger, clock, notifier), folder)
    assert errors == []
    assert summary.duplicate == len(copies.EDITS)
    assert {o.verdict.duplicate_of for o in outcomes} == {first[4].report_id}
    assert notifier.sent == []


def test_a_report_with_no_watchlist_tag_is_stored_without_alert(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    notifier = RecordingNotifier()
    with SqlStore.open(db_url, clock=clock) as store:
        outcome = _pipeline(store, tagger, clock, notifier).process(
            Entry(ref="x", source="s", body="The weather in the region was mild all week.")
        )
        assert outcome.verdict.status is Status.NEW
        assert outcome.alerts == ()
        assert store.get(outcome.report_id) is not None
    assert notifier.sent == []


def test_undeliverable_alerts_stay_pending_and_the_report_stays_stored(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        down = RecordingNotifier(fail=DeliveryError("connection refused"))
        outcome = _pipeline(store, tagger, clock, down).process(
            Entry(ref="x", source="s", body="ISIS attacked a checkpoint near Sirte.")
        )
        assert [a.status for a in outcome.alerts] == [AlertStatus.PENDING]
        assert store.get(outcome.report_id) is not None

        up = RecordingNotifier()
        _pipeline(store, tagger, clock, up).process(
            Entry(ref="y", source="s", body="The LNA shelled Derna on Friday.")
        )
        assert [m.report_id for m in up.sent] == [outcome.report_id, outcome.report_id + 1]


def test_a_permanent_failure_marks_the_alert_failed(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        broken = RecordingNotifier(fail=DeliveryError("channel_not_found", permanent=True))
        outcome = _pipeline(store, tagger, clock, broken).process(
            Entry(ref="x", source="s", body="ISIS attacked a checkpoint near Sirte.")
        )
        (alert,) = outcome.alerts
        assert (alert.status, alert.error) == (AlertStatus.FAILED, "channel_not_found")


def test_an_entry_with_nothing_left_is_an_input_error(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        pipeline = _pipeline(store, tagger, clock)
        try:
            pipeline.process(Entry(ref="feed#3", source="s", body="<p> </p><script>x</script>"))
        except InputError as e:
            assert e.ref == "feed#3"
        else:
            raise AssertionError("expected an InputError")
        assert store.count() == 0


def test_an_unreadable_date_is_a_warning_not_a_failure(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        outcome = _pipeline(store, tagger, clock).process(
            Entry(ref="x", source="s", body="Text about Sirte.", published="last Tuesday")
        )
    assert outcome.report.published is None
    assert outcome.warnings and "last Tuesday" in outcome.warnings[0]
    with SqlStore.open(db_url, clock=clock) as store:
        ahead = _pipeline(store, tagger, clock).process(
            Entry(ref="y", source="s", body="About Derna.", published="9999-12-31T00:00:00Z")
        )
    assert ahead.report.published is None
    assert ahead.warnings == (
        "published date '9999-12-31T00:00:00Z' is more than a day ahead, kept without one",
    )


STORIES = Path(__file__).parent / "data" / "stories"
COPIES = {**copies.EDITS, "excerpt": copies.excerpt}


def test_seed_copies_are_duplicates_and_other_outlets_join_the_seeds_stories(
    db_url: str, tagger: Tagger, clock: Clock, tmp_path: Path
) -> None:
    folder = tmp_path / "Syndicator"  # a text file's source is its folder
    folder.mkdir()
    for path in sorted(SEEDS.glob("*.txt")):
        for name, edit in COPIES.items():
            copy = folder / f"{path.stem}-{name.replace(' ', '_')}.txt"
            copy.write_text(edit(path.read_text("utf-8")), "utf-8")
    with SqlStore.open(db_url, clock=clock) as store:
        pipeline = _pipeline(store, tagger, clock, RecordingNotifier())
        _, seeds, _ = _replay(pipeline, SEEDS)
        assert [o.verdict.status for o in seeds] == [Status.NEW] * 5
        assert [o.story_id for o in seeds] == [o.report_id for o in seeds]
        summary, outcomes, errors = _replay(pipeline, folder)
        assert errors == [] and summary.duplicate == 5 * len(COPIES)
        for outcome in outcomes:
            seed = seeds[int(Path(outcome.ref).name[:3])]
            assert outcome.verdict.duplicate_of == seed.report_id, outcome.ref
            assert outcome.story_id == seed.report_id
            assert outcome.story_reason == f"a copy of report {seed.report_id}: its story"
            assert outcome.alerts == ()
        for path in sorted(STORIES.glob("*.txt")):
            seed = int(path.name[:3])
            entry = Entry(ref=path.name, source="Other outlet", body=path.read_text("utf-8"))
            outcome = pipeline.process(entry)
            assert outcome.verdict.status is Status.NEW, path.name
            assert outcome.story_id == seeds[seed].report_id, path.name
            stored = store.get(outcome.report_id)
            assert stored is not None and stored.story_id == seeds[seed].report_id
            # Why it joined, in words, kept with it: the place and the event they share.
            assert outcome.story_reason == stored.story_reason
            assert stored.story_reason.startswith(f"joined story {seeds[seed].report_id} ")


def _with(footer: str, body: str) -> str:
    return body + "\n\n" + footer


FOOTER_A = " ".join(
    f"Blog footer line {i}: subscribe, share, and read our popular posts from this blog."
    for i in range(12)
)
FOOTER_B = " ".join(
    f"Wire standing text {i}: all rights reserved, republished by arrangement." for i in range(14)
)
BODIES = [
    f"Report {i}: "
    + " ".join(
        f"{w}{i}"
        for w in "clashes broke out near the port at dawn and "
        "residents fled toward the hills while officials counted the damage".split()
    )
    for i in range(8)
]


def test_learned_boilerplate_neither_joins_distinct_reports_nor_hides_a_copy(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    def process(pipeline: Pipeline, source: str, text: str) -> Status:
        return pipeline.process(Entry(ref=source, source=source, body=text)).verdict.status

    with SqlStore.open(db_url, clock=clock) as store:
        pipeline = _pipeline(store, tagger, clock)
        for body in BODIES[:3]:
            assert process(pipeline, "blog", _with(FOOTER_A, body)) is Status.NEW
            assert process(pipeline, "wire", _with(FOOTER_B, body + " wire")) is Status.NEW
        assert len(pipeline.dedup.boilerplate.of("blog")) == 1
    # A new process learns the same from the store. Without it, the long footer would make the
    # next blog report a near-duplicate of the first, and the wire's copy of it new.
    with SqlStore.open(db_url, clock=clock) as store:
        pipeline = _pipeline(store, tagger, clock)
        assert process(pipeline, "blog", _with(FOOTER_A, BODIES[3])) is Status.NEW
        outcome = pipeline.process(
            Entry(ref="copy", source="wire", body=_with(FOOTER_B, BODIES[3]))
        )
        assert outcome.verdict.status is Status.DUPLICATE
        assert outcome.verdict.duplicate_of == store.count() - 1


def _refuse_title(store: SqlStore, title: str) -> None:
    """Make the database itself refuse to store a report with `title`, as a full disk or a
    broken connection would refuse it."""
    with store.engine.begin() as connection:
        if store.engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON reports"
                    f" WHEN NEW.title = '{title}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN"
                    f" IF NEW.title = '{title}' THEN RAISE EXCEPTION 'refused'; END IF;"
                    " RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON reports"
                    " FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )


def _wire_copy(seed: Entry, edit: str) -> Entry:
    """A wire service's copy of `seed`, edited as `copies.EDITS[edit]` edits."""
    return Entry(ref="copy", source="wire", title="Wire", body=copies.EDITS[edit](seed.body or ""))


def _seed_entries() -> list[Entry]:
    return [
        Entry(ref=p.name, source="seeds", title=p.stem, body=p.read_text("utf-8"))
        for p in sorted(SEEDS.glob("*.txt"))
    ]


def test_a_group_sees_its_own_reports_and_keeps_its_order(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    seeds = _seed_entries()
    copy = _wire_copy(seeds[4], "other footer")
    notifier = RecordingNotifier()
    with SqlStore.open(db_url, clock=clock) as store:
        results = list(
            _pipeline(store, tagger, clock, notifier).process_many(
                [seeds[4], InputError("feed#2", "no title or text"), copy, seeds[4], seeds[0]]
            )
        )
    assert [r.ref for r in results] == [seeds[4].ref, "feed#2", "copy", seeds[4].ref, seeds[0].ref]
    first, error, duplicate, again, other = results
    assert isinstance(error, InputError)
    assert duplicate.verdict.status is Status.DUPLICATE
    assert duplicate.verdict.duplicate_of == first.report_id
    assert again.verdict.status is Status.SEEN and again.report_id == first.report_id
    assert other.verdict.status is Status.NEW
    assert [m.report_id for m in notifier.sent] == [first.report_id, other.report_id]
    assert first.alerts[0].status is AlertStatus.SENT


def test_a_group_the_database_refuses_is_stored_not_at_all_and_can_be_retried(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    seeds = _seed_entries()
    copy = _wire_copy(seeds[4], "other footer")
    refused = Entry(ref="refused", source="seeds", title="refused", body=seeds[2].body)
    notifier = RecordingNotifier()
    with SqlStore.open(db_url, clock=clock) as store:
        _refuse_title(store, "refused")
        pipeline = _pipeline(store, tagger, clock, notifier)
        stored = pipeline.process(seeds[0])
        with pytest.raises(StoreError, match="refused"):
            list(pipeline.process_many([seeds[4], copy, refused]))
        assert store.count() == 1
        assert [m.report_id for m in notifier.sent] == [stored.report_id]
        # What the pipeline had learned of the refused group is gone with it, and the group
        # goes through again as if for the first time.
        original, duplicate, other = pipeline.process_many([seeds[4], copy, seeds[2]])
        assert isinstance(original, Outcome) and isinstance(duplicate, Outcome)
        assert original.verdict.status is Status.NEW
        assert duplicate.verdict.status is Status.DUPLICATE
        assert duplicate.verdict.duplicate_of == original.report_id
        assert store.count() == 4
        assert len(notifier.sent) == 3


def test_a_seen_entry_carries_what_is_stored_of_its_report(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        summary, first, _ = _replay(_pipeline(store, tagger, clock), SEEDS)
        assert summary.new == 5 and summary.not_relevant == 0
        assert all(o.relevance is not None and o.relevance.scope == "general" for o in first)
        # Another process (or an older monitor) may have stored it: what the store holds is
        # what a seen entry says, not what this entry would be read as now.
        (item,) = plan([sorted(SEEDS.glob("*.txt"))[1]])
        entry = next(read_input(item, scope="libya"))  # type: ignore[arg-type]
        assert isinstance(entry, Entry) and entry.scope == "libya"
        seen = _pipeline(store, tagger, clock).process(entry)
        assert seen.verdict.status is Status.SEEN and seen.report_id == first[1].report_id
        stored = store.get(seen.report_id)
        assert stored is not None and stored.relevance is not None
        assert (seen.tags, seen.relevance, seen.place) == (
            stored.tags,
            stored.relevance,
            stored.place,
        )
        assert (seen.tags, seen.relevance, seen.place) == (
            first[1].tags,
            first[1].relevance,
            first[1].place,
        )


def test_each_report_is_stored_with_the_event_read_from_its_reading(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    """On SQLite the event is read under the group's lock; on PostgreSQL (a store replicas
    share) before it, beside the reading. Either way it is stored with the report, and a seen
    entry says what is stored."""
    with SqlStore.open(db_url, clock=clock) as store:
        _, first, _ = _replay(_pipeline(store, tagger, clock), SEEDS)
        for outcome in first:
            reading = tagger.read(outcome.report, "general")
            assert outcome.event is not None
            assert outcome.event == read_event(outcome.report, reading)
            assert store.get(outcome.report_id).event == outcome.event  # type: ignore[union-attr]
        # As if another process had read it otherwise: a seen entry says what the store holds.
        stored = store.get(first[0].report_id)
        assert stored is not None and stored.relevance is not None
        battle = Event(type="battle", killed=4, date=date(2017, 8, 31))
        reading = Reading(tags=stored.tags, relevance=stored.relevance, place=stored.place)
        store.save_readings([(stored.id, reading, battle)])
        _, again, _ = _replay(_pipeline(store, tagger, clock), SEEDS)
        assert [o.verdict.status for o in again] == [Status.SEEN] * 5
        assert again[0].event == battle
        assert [o.event for o in again[1:]] == [o.event for o in first[1:]]


def test_a_replay_reads_every_entry_in_its_scope(db_url: str, tagger: Tagger, clock: Clock) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        outcomes: list[Outcome] = []
        replay(
            plan([SEEDS]),
            _pipeline(store, tagger, clock),
            on_outcome=outcomes.append,
            on_error=lambda e: None,
            scope="libya",
        )
        assert [o.relevance.scope for o in outcomes if o.relevance] == ["libya"] * 5
        assert all(s.relevance.scope == "libya" for s in store.query())  # type: ignore[union-attr]
