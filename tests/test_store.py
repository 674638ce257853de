"""The SQL store on SQLite and on PostgreSQL: round trips, exact keys, queries, the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from monitor.clock import Clock
from monitor.dedup import fingerprint
from monitor.errors import StoreError
from monitor.model import AlertIntent, AlertStatus, Report, Status, TagKind, Verdict
from monitor.store import SqlStore
from monitor.tag import Tagger

NEW = Verdict(status=Status.NEW)


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


def _add(store: SqlStore, tagger: Tagger, report: Report, verdict: Verdict = NEW, alerts=()):
    return store.add(
        report=report,
        fingerprint=fingerprint(report),
        verdict=verdict,
        tags=tagger.tag(report),
        alerts=alerts,
        input_ref="test",
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


def test_exact_keys_find_the_original(db_url: str, tagger: Tagger, clock: Clock) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        first = _add(
            store, tagger, _report("one", guid="g1", url="https://a.example/x?utm_source=t")
        )
        copy = _report("two", guid="g1")
        dup = _add(
            store,
            tagger,
            copy,
            Verdict(status=Status.DUPLICATE, duplicate_of=first.report_id, reason="guid"),
        )
        # guid within the same source, resolved to the original even via a duplicate's row
        match = store.find_exact(fingerprint(_report("three", guid="g1")))
        assert match is not None and (match.report_id, match.key) == (first.report_id, "guid")
        assert store.find_exact(fingerprint(_report("three", guid="g1", source="Other"))) is None
        # canonical URL
        match = store.find_exact(fingerprint(_report("four", url="https://A.example/x")))
        assert match is not None and (match.report_id, match.key) == (first.report_id, "url")
        # identical words under another title
        match = store.find_exact(fingerprint(_report("TWO!", title="Other")))
        assert match is not None and (match.report_id, match.key) == (first.report_id, "content")
        assert dup.report_id != first.report_id


def test_originals_leave_out_duplicates(db_url: str, tagger: Tagger, clock: Clock) -> None:
    with SqlStore.open(db_url, clock=clock) as store:
        first = _add(store, tagger, _report("first text"))
        _add(store, tagger, _report("copy"), Verdict(status=Status.DUPLICATE, duplicate_of=1))
        second = _add(store, tagger, _report("second text"))
        assert list(store.originals()) == [
            (first.report_id, "first text"),
            (second.report_id, "second text"),
        ]


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
