"""The SQL store on SQLite and on PostgreSQL: round trips, exact keys, queries, the outbox."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from monitor.clock import Clock
from monitor.dedup import decode_keys, fingerprint
from monitor.errors import StoreError
from monitor.model import (
    AlertIntent,
    AlertStatus,
    Cue,
    Event,
    Evidence,
    FeedState,
    Place,
    Reading,
    Relevance,
    Report,
    Status,
    TagKind,
    Verdict,
)
from monitor.store import SqlStore
from monitor.story import Signature
from monitor.tag import Tagger
from tests.conftest import wait_for

NEW = Verdict(status=Status.NEW)
DUPLICATE = Verdict(status=Status.DUPLICATE, duplicate_of=1, reason="near")


def _report(text: str, **fields: object) -> Report:
    values: dict[str, object] = {
        "source": "Libya Wire",
        "url": None,
        "guid": None,
        "title": "A title",
        "text": text,
        "published": datetime(2016, 9, 3, 10, 0, tzinfo=UTC),
        "fetched_at": datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
    }
    values.update(fields)
    return Report(**values)  # type: ignore[arg-type]


ALERT = AlertIntent(channel="#a", rule="r")


def _add(
    store: SqlStore,
    tagger: Tagger,
    report: Report,
    verdict: Verdict = NEW,
    alerts=(),
    keys: tuple[int, ...] = (),
    **more,
):
    return store.add(
        report=report,
        fingerprint=replace(fingerprint(report), keys=keys),
        keys=keys,
        verdict=verdict,
        tags=tagger.tag(report),
        alerts=alerts,
        input_ref="test",
        **more,
    )


def test_a_report_comes_back_as_it_went_in(db_url: str, tagger: Tagger, clock: Clock) -> None:
    report = _report("Khalifa Haftar's forces entered Hay al-Gizah.", url="https://x.example/1")
    with SqlStore.open(db_url, clock=clock) as store:
        added = _add(store, tagger, report)
        stored = store.get(added.report_id)
    assert stored is not None
    assert stored.report == report
    assert stored.report.published is not None and stored.report.published.tzinfo is not None
    assert stored.status is Status.NEW
    assert [t.entity_id for t in stored.tags] == ["khalifa_haftar", "hay_al_gizah"]
    assert stored.tags == tagger.tag(report)


# A relevance decision and a place as the tag stage gives them (made here, so that these tests
# hold whatever the tag stage decides).
ABOUT_LIBYA = Relevance(
    relevant=True,
    score=0.92,
    scope="general",
    reason="Libyan places in the title and the lead",
    evidence=(
        Evidence(
            kind="place",
            id="sirte",
            text="Sirte",
            field="title",
            start=10,
            where="title",
            weight=0.5,
        ),
        Evidence(kind="word", text="Libyan", field="text", start=0, where="lead", weight=0.25),
    ),
)
NOT_ABOUT_LIBYA = Relevance(relevant=False, score=0.05, scope="libya", reason="about Syria")
GIZAH = Place(
    id="hay_al_gizah",
    name="Hay al-Gizah",
    kind="district",
    lat=31.21,
    lon=16.6,
    parents=("sirte", "libya"),
    text="Hay al-Gizah",
    field="text",
    start=34,
    reason='after "entered" in the lead',
)


def test_relevance_and_place_come_back_as_they_went_in(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    report = _report("Khalifa Haftar's forces entered Hay al-Gizah.")
    with SqlStore.open(db_url, clock=clock) as store:
        with store.batch():  # on PostgreSQL, the one-round-trip path of a reserved id
            store.reserve_ids(1)
            reserved = _add(store, tagger, report, relevance=ABOUT_LIBYA, place=GIZAH)
        plain = _add(store, tagger, _report("Elsewhere."), relevance=NOT_ABOUT_LIBYA)
        unread = _add(store, tagger, _report("Stored before relevance was kept."))
        for added in (reserved, plain, unread):
            assert store.get(added.report_id) == next(
                s for s in store.query(relevant=None) if s.id == added.report_id
            )
        stored = store.get(reserved.report_id)
        assert stored is not None
        assert (stored.relevance, stored.place) == (ABOUT_LIBYA, GIZAH)
        assert stored.tags == tagger.tag(report)
        other = store.get(plain.report_id)
        assert other is not None and (other.relevance, other.place) == (NOT_ABOUT_LIBYA, None)
        never = store.get(unread.report_id)
        assert never is not None and (never.relevance, never.place) == (None, None)
        with store.engine.connect() as connection:
            columns = connection.execute(
                text("SELECT id, relevant, place_id, relevance, place FROM reports ORDER BY id")
            ).all()
    # NULL, not JSON's null, for what is not known, so that `relevant IS NULL` finds it.
    assert [(r[1], r[2], r[3] is None, r[4] is None) for r in columns] == [
        (True, "hay_al_gizah", False, False),
        (False, None, False, True),
        (None, None, True, True),
    ]


# An event as the event stage gives it (made here, so that these tests hold whatever that stage
# decides).
BATTLE = Event(
    type="battle",
    subtype="armed_clash",
    killed=3,
    injured=None,
    kidnapped=None,
    arrested=0,
    date=date(2016, 9, 1),
    actors=("lna",),
    targets=("benghazi_defence_brigades",),
    cues=(
        Cue(what="type", value="battle", text="Clashes", field="title", start=0),
        Cue(what="killed", value="3", text="killed three", field="text", start=51),
        Cue(what="date", value="2016-09-01", text="on Thursday", field="text", start=80),
    ),
)
NO_EVENT = Event(type=None)


def test_an_event_comes_back_as_it_went_in(db_url: str, tagger: Tagger, clock: Clock) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        with store.batch():  # on PostgreSQL, the one-round-trip path of a reserved id
            store.reserve_ids(1)
            reserved = _add(store, tagger, _report("one"), relevance=ABOUT_LIBYA, event=BATTLE)
        plain = _add(store, tagger, _report("two"), relevance=ABOUT_LIBYA, event=NO_EVENT)
        unread = _add(store, tagger, _report("Stored before events were kept."))
        got = [store.get(a.report_id) for a in (reserved, plain, unread)]
        assert [s.event for s in got if s is not None] == [BATTLE, NO_EVENT, None]
        assert [s.event for s in store.query(relevant=None)] == [None, NO_EVENT, BATTLE]
        with store.engine.connect() as connection:
            columns = connection.execute(
                text("SELECT event_type, killed, event FROM reports ORDER BY id")
            ).all()
    # The type and the dead beside the JSON; NULL, not JSON's null, for a report not yet read,
    # so that `event IS NULL` finds it; the date as an ISO date in the JSON.
    assert [(r[0], r[1], r[2] is None) for r in columns] == [
        ("battle", 3, False),
        (None, None, False),
        (None, None, True),
    ]
    kept = columns[0][2]
    assert (json.loads(kept) if isinstance(kept, str) else kept)["date"] == "2016-09-01"


def test_a_query_by_event_type_and_dead(db_url: str, tagger: Tagger, clock: Clock) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        battle = _add(store, tagger, _report("one"), relevance=ABOUT_LIBYA, event=BATTLE)
        quiet = replace(BATTLE, killed=0)
        no_toll = replace(BATTLE, killed=None)
        protest = Event(type="protest", killed=5)
        calm = _add(store, tagger, _report("two"), relevance=ABOUT_LIBYA, event=quiet)
        unknown = _add(store, tagger, _report("three"), relevance=ABOUT_LIBYA, event=no_toll)
        crowd = _add(store, tagger, _report("four"), relevance=NOT_ABOUT_LIBYA, event=protest)
        nothing = _add(store, tagger, _report("five"), relevance=ABOUT_LIBYA, event=NO_EVENT)
        unread = _add(store, tagger, _report("six"))
        ids = lambda found: [s.id for s in found]  # noqa: E731
        battles = [unknown.report_id, calm.report_id, battle.report_id]
        assert ids(store.query(event_types=["battle"])) == battles
        assert ids(store.query(event_types={"battle", "protest"})) == [crowd.report_id, *battles]
        assert ids(store.query(event_types=["riot"])) == []
        # Only a number of dead counts: none given is not none killed.
        assert ids(store.query(min_killed=1)) == [crowd.report_id, battle.report_id]
        assert ids(store.query(min_killed=0)) == [crowd.report_id, calm.report_id, battle.report_id]
        assert ids(store.query(min_killed=4)) == [crowd.report_id]
        # With the other filters.
        assert ids(store.query(event_types=["protest", "battle"], min_killed=1, relevant=True)) == [
            battle.report_id
        ]
        assert ids(store.query(event_types=["battle"], limit=1)) == [unknown.report_id]
        assert ids(store.query()) == [
            unread.report_id,
            nothing.report_id,
            crowd.report_id,
            *battles,
        ]


def test_a_report_is_unread_until_it_has_an_event_too(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    """A report stored before events were kept has relevance and place but no event: it is read
    again (whole) by `monitor db upgrade`."""
    with SqlStore.open(db_url, clock=clock) as store:
        before_events = _add(store, tagger, _report("one"), relevance=ABOUT_LIBYA, place=GIZAH)
        read = _add(store, tagger, _report("two"), relevance=ABOUT_LIBYA, event=NO_EVENT)
        assert store.count_unread() == 1
        assert [i for i, _, _ in store.unread(after_id=0, limit=10)] == [before_events.report_id]
        reading = Reading(tags=(), relevance=ABOUT_LIBYA, place=GIZAH)
        store.save_readings([(before_events.report_id, reading, NO_EVENT)])
        assert store.count_unread() == 0
        assert store.get(before_events.report_id).event == NO_EVENT  # type: ignore[union-attr]
        assert store.get(read.report_id).event == NO_EVENT  # type: ignore[union-attr]


def test_a_query_keeps_reports_about_libya_and_those_not_yet_read(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        about = _add(store, tagger, _report("one"), relevance=ABOUT_LIBYA, place=GIZAH)
        not_about = _add(store, tagger, _report("two"), relevance=NOT_ABOUT_LIBYA)
        unread = _add(store, tagger, _report("three"))
        ids = lambda found: [s.id for s in found]  # noqa: E731
        assert ids(store.query(relevant=True)) == [unread.report_id, about.report_id]
        assert ids(store.query(relevant=False)) == [not_about.report_id]
        assert ids(store.query()) == [unread.report_id, not_about.report_id, about.report_id]
        assert ids(store.query(relevant=True, limit=1)) == [unread.report_id]


def test_a_reading_saved_again_replaces_tags_relevance_place_and_event(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        first = _add(store, tagger, _report("Haftar spoke in Benghazi."), alerts=[ALERT])
        second = _add(
            store, tagger, _report("Talks in Tripoli."), relevance=ABOUT_LIBYA, event=NO_EVENT
        )
        assert store.count_unread() == 1 and store.count_unread(every=True) == 2
        found = store.unread(after_id=0, limit=10)
        assert [(i, r.text, scope) for i, r, scope in found] == [
            (first.report_id, "Haftar spoke in Benghazi.", None)
        ]
        assert found[0][1] == store.get(first.report_id).report  # type: ignore[union-attr]
        every = store.unread(after_id=0, limit=10, every=True)
        assert [(i, scope) for i, _, scope in every] == [
            (first.report_id, None),
            (second.report_id, "general"),
        ]
        assert [i for i, _, _ in store.unread(after_id=first.report_id, limit=10, every=True)] == [
            second.report_id
        ]
        assert [i for i, _, _ in store.unread(after_id=0, limit=1, every=True)] == [first.report_id]

        # As if the watchlist had changed: the first report now reads as naming ISIS in Sirte.
        tags = tagger.tag(_report("ISIS in Sirte."))
        reading = Reading(tags=tags, relevance=NOT_ABOUT_LIBYA, place=GIZAH)
        store.save_readings([(first.report_id, reading, BATTLE)])
        stored = store.get(first.report_id)
        assert stored is not None
        assert (stored.tags, stored.relevance, stored.place) == (tags, NOT_ABOUT_LIBYA, GIZAH)
        assert stored.event == BATTLE
        assert stored.report.text == "Haftar spoke in Benghazi." and stored.status is Status.NEW
        assert [a.channel for a in store.alerts_of(first.report_id)] == [ALERT.channel]
        # What queries by entity look up follows the new tags.
        assert [s.id for s in store.query(actor="isis")] == [first.report_id]
        assert store.query(actor="khalifa_haftar") == []
        assert store.count_unread() == 0 and store.unread(after_id=0, limit=10) == []
        # The other report is untouched.
        assert store.get(second.report_id).relevance == ABOUT_LIBYA  # type: ignore[union-attr]
        store.save_readings([])


def test_exact_keys_find_the_stored_item(db_url: str, tagger: Tagger, clock: Clock) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        first = _add(
            store, tagger, _report("one", guid="g1", url="https://a.example/x?utm_source=t")
        )
        dup = _add(
            store,
            tagger,
            _report("two", guid="g2"),
            Verdict(status=Status.DUPLICATE, duplicate_of=first.report_id, reason="near"),
            story_id=first.story_id,
        )
        # guid within the same source
        match = store.find_exact(fingerprint(_report("three", guid="g1")))
        assert match is not None and (match.report_id, match.key) == (first.report_id, "guid")
        assert store.find_exact(fingerprint(_report("three", guid="g1", source="Other"))) is None
        # canonical URL, from any source
        match = store.find_exact(
            fingerprint(_report("four", url="https://A.example/x", source="S"))
        )
        assert match is not None and (match.report_id, match.key) == (first.report_id, "url")
        # the same title and words; a stored duplicate is found as itself, with its original
        match = store.find_exact(fingerprint(_report("TWO!", title="a title")))
        assert match is not None and (match.report_id, match.key) == (dup.report_id, "content")
        assert (match.duplicate_of, match.story_id) == (first.report_id, first.report_id)
        assert store.find_exact(fingerprint(_report("two", title="Other"))) is None

        # Asked together, each gets what it gets alone.
        asked = [
            fingerprint(_report("three", guid="g1")),
            fingerprint(_report("three", guid="g1", source="Other")),
            fingerprint(_report("four", url="https://A.example/x", source="S")),
            fingerprint(_report("TWO!", title="a title")),
            fingerprint(_report("two", title="Other")),
        ]
        assert store.find_exact_many(asked) == [store.find_exact(fp) for fp in asked]
        assert store.find_exact_many([]) == []


def test_reserved_ids_are_used_in_order_and_the_rest_go_unused(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        with store.batch():
            store.reserve_ids(3)
            first = _add(store, tagger, _report("one"))
            second = _add(store, tagger, _report("two"))
        after = _add(store, tagger, _report("three"))
        assert first.report_id < second.report_id < after.report_id
        assert [store.get(i).report.text for i in (first.report_id, second.report_id)] == [  # type: ignore[union-attr]
            "one",
            "two",
        ]
        assert first.story_id == first.report_id and second.story_id == second.report_id


def test_a_new_report_opens_its_own_story_unless_given_one(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        first = _add(store, tagger, _report("first text"))
        second = _add(store, tagger, _report("second text"), story_id=first.report_id)
        assert first.story_id == first.report_id
        assert second.story_id == first.report_id
        assert store.get(second.report_id).story_id == first.report_id  # type: ignore[union-attr]


def test_filed_keys_are_each_originals_keys_in_id_order(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        a = _add(store, tagger, _report("a"), keys=(1, 2, 3))
        b = _add(store, tagger, _report("b"), keys=(2, 3, 4, -5))
        _add(store, tagger, _report("c"), DUPLICATE, keys=(2, 3))  # duplicates are not indexed
        _add(store, tagger, _report("d"))  # nor originals without keys
        rows = store.filed_keys(after_id=0, limit=10)
        assert [(i, decode_keys(k).tolist()) for i, k in rows] == [
            (a.report_id, [1, 2, 3]),
            (b.report_id, [2, 3, 4, -5]),
        ]
        assert [i for i, _ in store.filed_keys(after_id=a.report_id, limit=10)] == [b.report_id]
        assert [i for i, _ in store.filed_keys(after_id=0, limit=1)] == [a.report_id]


def test_the_window_starts_at_the_first_report_stored_since(db_url: str, tagger: Tagger) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    with SqlStore.open(db_url, clock=lambda: now[0]) as store:
        assert store.window_start(now[0]) == 1
        a = _add(store, tagger, _report("a"))
        now[0] += timedelta(days=10)
        b = _add(store, tagger, _report("b"))
        assert store.window_start(now[0] - timedelta(days=20)) == a.report_id
        assert store.window_start(now[0] - timedelta(days=5)) == b.report_id
        assert store.window_start(now[0] + timedelta(days=1)) == b.report_id + 1


def test_recent_texts_are_a_sources_last_originals(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        for text in ("one", "two", "three"):
            _add(store, tagger, _report(text))
        _add(store, tagger, _report("copy"), DUPLICATE)
        _add(store, tagger, _report("elsewhere", source="Other"))
        assert store.recent_texts("Libya Wire", 2) == ["three", "two"]
        assert store.recent_texts("Nobody", 2) == []


def test_story_candidates_are_filed_by_key_and_day(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    def sig(day: int, *places: str) -> Signature:
        return Signature(places=frozenset(places), facts=frozenset({"n:4"}), day=day)

    with SqlStore.open(db_url, clock=clock) as store:
        a = _add(store, tagger, _report("a"), signature=sig(100, "sirte"))
        b = _add(store, tagger, _report("b"), signature=sig(102, "sirte", "hay_al_gizah"))
        _add(store, tagger, _report("c"), signature=sig(101, "misrata"))
        _add(store, tagger, _report("d"), signature=sig(110, "sirte"))
        found = store.story_candidates(
            ["sirte", "hay_al_gizah"], first_day=99, last_day=103, limit=5
        )
        assert [c.report_id for c in found] == [b.report_id, a.report_id]
        assert found[0].places == {"sirte", "hay_al_gizah"} and found[0].facts == {"n:4"}
        assert found[1].story_id == a.story_id
        assert len(store.story_candidates(["sirte"], first_day=0, last_day=999, limit=2)) == 2
        assert store.story_candidates([], first_day=0, last_day=999, limit=2) == []


def test_a_batch_rolled_back_leaves_nothing_behind_not_even_in_what_is_cached(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    def sig(fact: str) -> Signature:
        return Signature(places=frozenset({"sirte"}), facts=frozenset({fact}), day=100)

    with SqlStore.open(db_url, clock=clock) as store:
        kept = _add(store, tagger, _report("kept"), signature=sig("n:1"))
        with pytest.raises(RuntimeError), store.batch():
            gone = _add(store, tagger, _report("gone"), signature=sig("n:2"), alerts=[ALERT])
            assert [
                c.facts
                for c in store.story_candidates(["sirte"], first_day=99, last_day=101, limit=5)
            ] == [{"n:2"}, {"n:1"}]
            raise RuntimeError("the caller gave up")
        assert store.count() == 1 and store.get(gone.report_id) is None
        assert store.pending_alerts() == []
        # The rolled-back id may be given again; what was cached of it must not come back.
        again = _add(store, tagger, _report("again"), signature=sig("n:3"))
        found = store.story_candidates(["sirte"], first_day=99, last_day=101, limit=5)
        assert [(c.report_id, c.facts) for c in found] == [
            (again.report_id, {"n:3"}),
            (kept.report_id, {"n:1"}),
        ]


def test_alerts_of_reports_gives_each_reports_alerts(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        a = _add(store, tagger, _report("a"), alerts=[ALERT, AlertIntent(channel="#b", rule="r")])
        _add(store, tagger, _report("b"), alerts=[ALERT])
        c = _add(store, tagger, _report("c"))
        found = store.alerts_of_reports([a.report_id, c.report_id])
        assert list(found) == [a.report_id]
        assert [x.channel for x in found[a.report_id]] == [ALERT.channel, "#b"]
        assert store.alerts_of_reports([]) == {}


def test_queries_follow_the_watchlist_hierarchy(db_url: str, tagger: Tagger, clock: Clock) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        haftar = _add(store, tagger, _report("Haftar spoke in Benghazi."))
        gizah = _add(store, tagger, _report("Clashes in Hay al-Gizah."))
        old = _add(
            store,
            tagger,
            _report("The LNA took Sirte.", published=datetime(2010, 1, 1, tzinfo=UTC)),
        )
        ids = lambda found: [s.id for s in found]  # noqa: E731
        assert ids(store.query(actor="lna")) == [old.report_id, haftar.report_id]
        assert ids(store.query(place="sirte")) == [old.report_id, gizah.report_id]
        assert ids(store.query(place="hay_al_gizah")) == [gizah.report_id]
        since = datetime(2016, 1, 1, tzinfo=UTC)
        assert ids(store.query(actor="lna", since=since)) == [haftar.report_id]
        assert ids(store.query(limit=1)) == [old.report_id]
        assert store.query(actor="sirte") == []  # a place id is not an actor


def test_the_outbox_keeps_alerts_until_marked(db_url: str, tagger: Tagger, clock: Clock) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        added = _add(
            store,
            tagger,
            _report("ISIS in Sirte."),
            alerts=[AlertIntent(channel="#a", rule="r"), AlertIntent(channel="#b", rule="r")],
        )
        pending = store.pending_alerts()
        assert [(a.channel, a.status) for a in pending] == [
            ("#a", AlertStatus.PENDING),
            ("#b", AlertStatus.PENDING),
        ]
        store.mark_alert(pending[0].id, AlertStatus.SENT)
        store.mark_alert(pending[1].id, AlertStatus.FAILED, error="channel_not_found")
        assert store.pending_alerts() == []
        sent, failed = store.alerts_of(added.report_id)
        assert sent.sent_at == clock() and sent.attempts == 1
        assert (failed.status, failed.error) == (AlertStatus.FAILED, "channel_not_found")


def test_a_failed_write_stores_nothing_of_the_report(
    db_url: str, tagger: Tagger, clock: Clock
) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        _add(store, tagger, _report("kept"))
        broken = Verdict(status=Status.DUPLICATE, duplicate_of=999_999)  # no such report
        with pytest.raises(StoreError, match="write failed"):
            _add(
                store,
                tagger,
                _report("ISIS in Sirte."),
                broken,
                [AlertIntent(channel="#a", rule="r")],
            )
        assert store.count() == 1
        assert store.pending_alerts() == []
        _add(store, tagger, _report("the store still works after the failure"))
        assert store.count() == 2


def test_data_survives_reopening(db_url: str, tagger: Tagger, clock: Clock) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        added = _add(store, tagger, _report("ISIS in Sirte."))
    with SqlStore.open(db_url, clock=clock) as store:
        stored = store.get(added.report_id)
        assert stored is not None and stored.report.text == "ISIS in Sirte."
        assert {t.kind for t in stored.tags} == {TagKind.ACTOR, TagKind.PLACE}


def test_a_dry_run_leaves_the_database_as_it_was(db_url: str, tagger: Tagger, clock: Clock) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        _add(store, tagger, _report("before"))
    with SqlStore.open(db_url, clock=clock, dry_run=True) as store:
        _add(store, tagger, _report("during"), alerts=[AlertIntent(channel="#a", rule="r")])
        assert store.count() == 2  # the dry run sees its own writes
    with SqlStore.open(db_url, clock=clock) as store:
        assert store.count() == 1
        assert store.pending_alerts() == []


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    with SqlStore.open(sqlite_url) as store, store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_sqlite_file_gets_its_folder(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'deeper' / 'monitor.db'}"
    with SqlStore.open(url) as store:
        assert store.count() == 0
    assert (tmp_path / "data" / "deeper" / "monitor.db").is_file()


def test_a_bad_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="not a valid SQLAlchemy URL"):
        SqlStore.open("not a url at all")


def test_times_are_kept_in_utc(db_url: str, tagger: Tagger, clock: Clock) -> None:
    utc_time = datetime(2016, 9, 3, 12, 0, tzinfo=UTC)
    report = _report("x", published=utc_time.astimezone(ZoneInfo("Africa/Tripoli")))
    with SqlStore.open(db_url, clock=clock) as store:
        stored = store.get(_add(store, tagger, report).report_id)
    assert stored is not None and stored.report.published == utc_time
    assert stored.report.published.utcoffset() == timedelta(0)


def test_a_feed_state_is_saved_replaced_and_read_back(db_url: str, clock: Clock) -> None:
    at = clock()
    state = FeedState(
        name="Libya Herald",
        url="https://libyaherald.com/feed/",
        etag='W/"abc"',
        last_modified="Sat, 21 Nov 2026 11:00:00 GMT",
        body_hash="0" * 64,
        polls=3,
        last_polled_at=at,
        last_success_at=at - timedelta(hours=1),
        last_error="HTTP 503 Service Unavailable",
        last_error_at=at,
        failures=1,
        failing_since=at,
        down_alerted=False,
        next_poll_at=at + timedelta(minutes=5),
        last_new=0,
        total_new=12,
    )
    with SqlStore.open(db_url, clock=clock) as store:
        store.save_feed_state(replace(state, polls=2))
        store.save_feed_state(state)
        store.save_feed_state(FeedState(name="Other", url="https://x.example/rss"))
    with SqlStore.open(db_url, clock=clock) as store:
        states = store.feed_states()
    assert states["Libya Herald"] == state
    assert set(states) == {"Libya Herald", "Other"}


def test_housekeeping_drops_old_keys_and_reports_but_keeps_referenced_originals(
    db_url: str, tagger: Tagger
) -> None:
    days = iter([datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n) for n in range(100)])
    now = {"at": next(days)}
    with SqlStore.open(db_url, clock=lambda: now["at"]) as store:
        old = _add(store, tagger, _report("Clashes in Sirte killed five."), keys=(1, 2))
        now["at"] = next(days)
        lone = _add(store, tagger, _report("Talks in Tripoli resumed."), keys=(3,))
        for _ in range(30):
            now["at"] = next(days)
        kept_copy = _add(
            store,
            tagger,
            _report("Clashes in Sirte killed five people."),
            verdict=Verdict(status=Status.DUPLICATE, duplicate_of=old.report_id),
        )
        recent = _add(store, tagger, _report("Fighting near Derna."), keys=(4,))
        cutoff = now["at"] - timedelta(days=10)
        pruned = store.prune(
            window_start_id=recent.report_id, first_day=cutoff.toordinal(), keep_after=cutoff
        )
        ids = {r.id for r in store.query(status=None)}
        keys = store.filed_keys(after_id=0, limit=10)
    assert pruned.reports == 1 and pruned.dedup_keys == 2
    assert ids == {old.report_id, kept_copy.report_id, recent.report_id}  # lone is gone
    assert lone.report_id not in ids
    assert [k[0] for k in keys] == [recent.report_id]


@pytest.mark.postgres
def test_a_replica_that_loses_its_connection_loses_the_outbox_to_another(pg_url: str) -> None:
    with SqlStore.open(pg_url) as first, SqlStore.open(pg_url) as second:
        assert first.lead_dispatch()
        assert not second.lead_dispatch()
        # What a server restart does to the connection holding the lock.
        pid = first._leading.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with first.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

            # pg_terminate_backend only signals the backend; the lock goes when it has exited.
            def lock_gone() -> bool:
                held = admin.execute(
                    text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = :p"),
                    {"p": pid},
                )
                return held.scalar() == 0

            assert wait_for(lock_gone)
        assert second.lead_dispatch()
        assert not first.lead_dispatch()
        assert second.lead_dispatch()
