"""Schema revisions: a new database starts at the current one, an old one is refused until
`monitor db upgrade`, which keeps every row and reads the reports stored before relevance and
place, or their event, were kept; `monitor db retag` reads them again. The old database is real:
written by monitor at revision 0001 (tests/data/old)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, create_engine, select, text

from monitor.config import load_settings
from monitor.errors import StoreError
from monitor.event import read_event
from monitor.model import Event, Reading, Report, Scope
from monitor.retag import retag
from monitor.store import SqlStore, create_store_engine, migrate
from monitor.tag import Tagger, Watchlist
from tests.conftest import SEEDS, run_monitor

OLD = Path(__file__).parent / "data" / "old" / "monitor-0001.db"
TABLES = ["reports", "tags", "report_entities", "dedup_keys", "story_keys", "alerts"]
# What an upgrade must keep exactly as it was: every row of these (tags and the entities a report
# concerns are read again with the watchlist as it is now).
KEPT = {
    "reports": "SELECT id, source, url, canonical_url, guid, title, text, published, fetched_at,"
    " stored_at, content_hash, status, duplicate_of, dedup_reason, dedup_score, input_ref,"
    " story_id, story_sig FROM reports ORDER BY id",
    "dedup_keys": "SELECT report_id, keys FROM dedup_keys ORDER BY report_id",
    "story_keys": "SELECT key, day, report_id FROM story_keys ORDER BY key, day, report_id",
    "alerts": "SELECT id, report_id, channel, rule, status, created_at, sent_at, attempts, error"
    " FROM alerts ORDER BY id",
}
COMPUTED = re.compile(
    r"computed relevance, place and event for ([\d,]+) stored reports? "
    r"\(([\d,]+) about Libya, ([\d,]+) telling of an event\)"
)


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = {
            t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES
        }
    engine.dispose()
    return counts


@pytest.fixture(scope="module")
def configured(watchlist: Watchlist) -> Tagger:
    """The tag stage as the shipped configuration sets it up (what the commands use)."""
    return Tagger(watchlist, relevance=load_settings(env={}).settings.relevance)


def _kept(url: str) -> dict[str, list[Any]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {t: [tuple(r) for r in connection.execute(text(q))] for t, q in KEPT.items()}
    engine.dispose()
    return rows


def _computed(stderr: str) -> tuple[int, int]:
    """(reports read, of them about Libya) of the line `db upgrade` and `db retag` print."""
    found = COMPUTED.search(stderr)
    assert found is not None, stderr
    return int(found[1].replace(",", "")), int(found[2].replace(",", ""))


def _assert_read_as(url: str, tagger: Tagger, scopes: dict[str, Scope] | None = None) -> int:
    """Every stored report holds what reading it now gives (in its source's scope, given, else
    general) and the event read from that; how many are about Libya."""
    relevant = 0
    with SqlStore.open(url) as store:
        for stored in store.query(relevant=None):
            reading = tagger.read(
                stored.report, (scopes or {}).get(stored.report.source, "general")
            )
            assert (stored.tags, stored.relevance, stored.place, stored.event) == (
                reading.tags,
                reading.relevance,
                reading.place,
                read_event(stored.report, reading),
            ), stored.id
            relevant += reading.relevance.relevant
    return relevant


def _sqlite_copy(tmp_path: Path) -> str:
    path = tmp_path / "old.db"
    shutil.copy(OLD, path)
    return f"sqlite:///{path}"


def _pg_at_first_revision(pg_url: str) -> str:
    """The old database's rows in PostgreSQL, in tables made by revision 0001."""
    engine = create_store_engine(pg_url)
    source = create_engine(f"sqlite:///{OLD}")
    try:
        with engine.begin() as connection:
            command.upgrade(migrate._config(connection), migrate.FIRST_REVISION)
        old_tables = MetaData()
        old_tables.reflect(source)
        target = MetaData()
        target.reflect(engine)
        with source.connect() as reading, engine.begin() as writing:
            for name in TABLES:
                rows = [dict(r._mapping) for r in reading.execute(select(old_tables.tables[name]))]
                if rows:
                    writing.execute(target.tables[name].insert(), rows)
            for table in ("reports", "tags", "alerts"):  # ids were given: move the sequences on
                writing.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id))"
                        f" FROM {table}"
                    )
                )
    finally:
        source.dispose()
        engine.dispose()
    return pg_url


def _old(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL to the old database (revision 0001), on SQLite or PostgreSQL."""
    if backend == "sqlite":
        return _sqlite_copy(tmp_path)
    return _pg_at_first_revision(request.getfixturevalue("pg_url"))


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_an_old_database_is_refused_then_upgraded_without_losing_a_row(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, configured: Tagger
) -> None:
    url = _old(backend, tmp_path, request)
    before = _counts(url)
    kept = _kept(url)
    assert before == {
        "reports": 10, "tags": 599, "report_entities": before["report_entities"],
        "dedup_keys": 5, "story_keys": before["story_keys"], "alerts": 5,
    }  # fmt: skip
    head = migrate.head()
    refusal = rf"revision 0001, this monitor needs {head}: run `monitor db upgrade`"
    with pytest.raises(StoreError, match=refusal):
        SqlStore.open(url)
    replay = run_monitor("replay", str(SEEDS), "--db", url, cwd=tmp_path)
    assert replay.returncode == 1 and "monitor db upgrade" in replay.stderr
    daemon = run_monitor("run", "--db", url, cwd=tmp_path)  # the service will not start on it
    assert daemon.returncode == 1 and "monitor db upgrade" in daemon.stderr
    current = run_monitor("db", "current", "--db", url, cwd=tmp_path)
    assert current.returncode == 1 and current.stdout.startswith(
        f"0001 (this monitor needs {head})"
    )

    upgraded = run_monitor("db", "upgrade", "--db", url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"upgraded from 0001 to {head}" in upgraded.stderr
    assert "Traceback" not in upgraded.stderr
    # Every report stored before is read for relevance and place, once the schema has them.
    read, about_libya = _computed(upgraded.stderr)
    assert read == before["reports"] == 10
    assert about_libya == _assert_read_as(url, configured)
    # Nothing stored is lost: the reports, keys and alerts are as they were; the tags are what
    # the watchlist reads in the reports now.
    assert _kept(url) == kept
    assert _counts(url)["reports"] == before["reports"]
    assert run_monitor("db", "current", "--db", url, cwd=tmp_path).stdout.startswith(head)
    with SqlStore.open(url) as store:
        first = store.get(1)
        assert first is not None and first.tags and first.report.title
        assert first.relevance is not None
        assert [a.status.value for a in store.alerts_of(1)] == ["sent"]
        assert store.feed_states() == {}
    again = run_monitor("replay", str(SEEDS), "--db", url, cwd=tmp_path)
    assert again.returncode == 0 and "5 seen" in again.stderr  # the old rows still dedup
    assert (
        run_monitor("db", "upgrade", "--db", url, cwd=tmp_path)
        .stderr.strip()
        .endswith(f"already at revision {head}")
    )


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_reports_read_before_events_were_kept_are_read_for_their_event_on_upgrade(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, configured: Tagger
) -> None:
    """A database at revision 0004 (relevance and place read, no event): the upgrade adds the
    event's columns, then reads each report for its event and says how many."""
    url = _old(backend, tmp_path, request)
    assert run_monitor("db", "upgrade", "--db", url, cwd=tmp_path).returncode == 0
    # A plain engine: SQLite rebuilds the table to drop columns, which its foreign keys (on in
    # the store's engine) would refuse.
    engine = create_engine(url)
    with engine.begin() as connection:
        command.downgrade(migrate._config(connection), "0004")
    with engine.connect() as connection:
        assert migrate.current(connection) == "0004"
        assert (
            connection.execute(
                text("SELECT count(*) FROM reports WHERE relevant IS NULL")
            ).scalar_one()
            == 0
        )
    engine.dispose()
    kept = _kept(url)

    upgraded = run_monitor("db", "upgrade", "--db", url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"upgraded from 0004 to {migrate.head()}" in upgraded.stderr
    assert _computed(upgraded.stderr)[0] == 10
    _assert_read_as(url, configured)
    with SqlStore.open(url) as store:
        assert store.count_unread() == 0
        assert all(s.event is not None for s in store.query(relevant=None))
    assert _kept(url) == kept


def test_retag_reads_the_event_from_the_reading_it_makes(
    tmp_path: Path, configured: Tagger
) -> None:
    """The event stage is given the reading the tag stage has just made of the report; what it
    gives is stored; a report it fails on is named and keeps what it had."""
    url = _sqlite_copy(tmp_path)
    engine = create_store_engine(url)
    migrate.upgrade(engine)  # the schema only: nothing read yet
    engine.dispose()
    given: list[tuple[Report, Reading]] = []

    def read_battle(report: Report, reading: Reading) -> Event:
        given.append((report, reading))
        if report.source == "seeds" and report.title.startswith("Islamic State in Libya"):
            raise ValueError("a bug in the event stage")
        if report.source == "seeds":
            return Event(type="battle", killed=len(report.title))
        return Event(type=None)

    errors: list[tuple[int, str]] = []
    with SqlStore.open(url) as store:
        summary = retag(
            store, configured.read, {}, on_error=lambda i, why: errors.append((i, why)),
            event_reader=read_battle,
        )  # fmt: skip
        assert errors == [(3, "ValueError: a bug in the event stage")]
        assert (summary.read, summary.events, summary.failed) == (9, 4, 1)
        assert summary.line().startswith("computed relevance, place and event for 9 stored")
        assert "4 telling of an event)" in summary.line()
        assert len(given) == 10
        for report, reading in given:
            assert reading == configured.read(report, "general")
        stored = {s.id: s for s in store.query(relevant=None)}
        assert (stored[3].event, stored[3].relevance) == (None, None)  # it keeps what it had
        for s in stored.values():
            if s.id != 3:
                battle = Event(type="battle", killed=len(s.report.title))
                assert s.event == (battle if s.report.source == "seeds" else Event(type=None))
        assert store.count_unread() == 1


def test_a_new_database_starts_at_the_current_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    SqlStore.open(url).close()
    engine = create_engine(url)
    with engine.connect() as connection:
        assert migrate.current(connection) == migrate.head() == "0005"
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()


def test_the_migrations_make_the_schema_the_models_describe(tmp_path: Path) -> None:
    """Upgrading an empty database revision by revision gives the tables, columns and indexes
    that a new database gets from the models."""
    by_models = create_engine(f"sqlite:///{tmp_path / 'models.db'}")
    SqlStore(by_models).close()
    by_steps = create_engine(f"sqlite:///{tmp_path / 'steps.db'}")
    with by_steps.begin() as connection:
        command.upgrade(migrate._config(connection), "head")

    def shape(engine: object) -> dict[str, object]:
        meta = MetaData()
        meta.reflect(engine)  # type: ignore[arg-type]
        return {
            name: (
                sorted((c.name, str(c.type), c.nullable) for c in table.columns),
                sorted((i.name, tuple(c.name for c in i.columns)) for i in table.indexes),
            )
            for name, table in meta.tables.items()
        }

    assert shape(by_steps) == shape(by_models)
    by_models.dispose()
    by_steps.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_retag_reads_what_is_missing_or_with_all_every_report_in_its_feeds_scope(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, configured: Tagger
) -> None:
    url = _old(backend, tmp_path, request)
    assert run_monitor("db", "upgrade", "--db", url, cwd=tmp_path).returncode == 0
    kept = _kept(url)

    nothing = run_monitor("db", "retag", "--db", url, cwd=tmp_path)
    assert nothing.returncode == 0
    assert "no stored report is missing relevance, place or event" in nothing.stderr

    # A report left unread (an upgrade stopped part way): only it is read.
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE reports SET relevant = NULL, relevance = NULL, place = NULL WHERE id = 7")
        )
        connection.execute(text("DELETE FROM tags WHERE report_id = 7"))
    engine.dispose()
    with SqlStore.open(url) as store:
        assert store.get(7).relevance is None  # type: ignore[union-attr]
    missing = run_monitor("db", "retag", "--db", url, cwd=tmp_path)
    assert missing.returncode == 0, missing.stderr
    assert _computed(missing.stderr)[0] == 1
    assert "for 1 stored report (" in missing.stderr
    _assert_read_as(url, configured)

    # After a configuration edit: the copies' source is now a configured feed of a Libya outlet.
    config = tmp_path / "monitor.toml"
    config.write_text(
        '[[feeds]]\nname = "copies"\nurl = "https://copies.example/rss"\nscope = "libya"\n'
    )
    every = run_monitor("db", "retag", "--all", "--config", str(config), "--db", url, cwd=tmp_path)
    assert every.returncode == 0, every.stderr
    read, about_libya = _computed(every.stderr)
    assert read == 10
    assert about_libya == _assert_read_as(url, configured, {"copies": "libya"})
    with SqlStore.open(url) as store:
        scopes = {s.report.source: s.relevance.scope for s in store.query(relevant=None)}  # type: ignore[union-attr]
    assert scopes == {"copies": "libya", "seeds": "general"}
    # The configuration gone, a report keeps the scope it was last read in.
    again = run_monitor("db", "retag", "--all", "--db", url, cwd=tmp_path)
    assert again.returncode == 0 and _computed(again.stderr)[0] == 10
    _assert_read_as(url, configured, {"copies": "libya"})
    assert _kept(url) == kept


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_report_that_cannot_be_read_is_named_and_the_others_are_read(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, configured: Tagger
) -> None:
    url = _old(backend, tmp_path, request)
    engine = create_store_engine(url)
    migrate.upgrade(engine)  # the schema only: nothing read yet
    engine.dispose()

    def read(report: Report, scope: Scope) -> Reading:
        if report.source == "seeds" and report.title.startswith("Islamic State in Libya"):
            raise ValueError("a bug in the tag stage")
        return configured.read(report, scope)

    errors: list[tuple[int, str]] = []
    batches: list[int] = []
    with SqlStore.open(url) as store:
        summary = retag(
            store, read, {}, on_error=lambda i, why: errors.append((i, why)),
            on_batch=batches.append, batch_reports=4,
        )  # fmt: skip
        assert errors == [(3, "ValueError: a bug in the tag stage")]
        assert (summary.read, summary.failed, batches) == (9, 1, [4, 4, 2])
        assert "; 1 could not be read" in summary.line()
        assert store.count_unread() == 1 and store.get(3).relevance is None  # type: ignore[union-attr]
        assert store.get(3).tags  # type: ignore[union-attr]  # it keeps what it had
        # Once the tag stage works, running it again reads that one.
        again = retag(store, configured.read, {}, on_error=lambda i, why: errors.append((i, why)))
        assert (again.read, again.failed, len(errors)) == (1, 0, 1)
        assert again.line().startswith("computed relevance, place and event for 1 stored report (")
    _assert_read_as(url, configured)
