"""Schema revisions: a new database starts at the current one, an old one is refused until
`monitor db upgrade`, which keeps every row. The old database is real: written by monitor at
revision 0001 (tests/data/old)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import MetaData, create_engine, select, text

from monitor.errors import StoreError
from monitor.store import SqlStore, migrate
from monitor.store.sql import create_store_engine
from tests.conftest import SEEDS, run_monitor

OLD = Path(__file__).parent / "data" / "old" / "monitor-0001.db"
TABLES = ["reports", "tags", "report_entities", "dedup_keys", "story_keys", "alerts"]


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = {
            t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES
        }
    engine.dispose()
    return counts


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


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_an_old_database_is_refused_then_upgraded_without_losing_a_row(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = _sqlite_copy(tmp_path)
    else:
        url = _pg_at_first_revision(request.getfixturevalue("pg_url"))
    before = _counts(url)
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
    assert upgraded.returncode == 0 and f"upgraded from 0001 to {head}" in upgraded.stderr
    assert _counts(url) == before
    assert run_monitor("db", "current", "--db", url, cwd=tmp_path).stdout.startswith(head)
    with SqlStore.open(url) as store:
        first = store.get(1)
        assert first is not None and first.tags and first.report.title
        assert [a.status.value for a in store.alerts_of(1)] == ["sent"]
        assert store.feed_states() == {}
    again = run_monitor("replay", str(SEEDS), "--db", url, cwd=tmp_path)
    assert again.returncode == 0 and "5 seen" in again.stderr  # the old rows still dedup
    assert (
        run_monitor("db", "upgrade", "--db", url, cwd=tmp_path)
        .stderr.strip()
        .endswith(f"already at revision {head}")
    )


def test_a_new_database_starts_at_the_current_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    SqlStore.open(url).close()
    engine = create_engine(url)
    with engine.connect() as connection:
        assert migrate.current(connection) == migrate.head() == "0003"
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
