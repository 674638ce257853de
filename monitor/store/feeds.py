"""Feeds in the SQL store: each feed's state, and the lease a replica holds on it while it polls
(granted to one replica at a time)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, literal, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from monitor.model import FeedState
from monitor.store.base import Claim
from monitor.store.rows import feed_state_of
from monitor.store.schema import FeedRow
from monitor.store.session import SqlSession


class Feeds(SqlSession):
    """Each feed's state, and the replicas' claims on feeds."""

    def feed_states(self) -> dict[str, FeedState]:
        """Every stored feed state, by feed name."""
        rows = self._read(select(FeedRow.__table__)).mappings()
        return {row["name"]: feed_state_of(row) for row in rows}

    def claim_feed(
        self, *, name: str, url: str, owner: str, now: datetime, lease_s: float, force: bool
    ) -> Claim:
        """Claim feed `name` for a poll by `owner` until `now + lease_s`: granted when no other
        replica holds an unexpired claim and the feed is due (or its URL changed, or `force`).
        Committed at once, so that every replica sees it. Returns the claim and the feed's
        state as stored."""
        until = now + timedelta(seconds=lease_s)
        due = or_(
            FeedRow.next_poll_at.is_(None),
            FeedRow.next_poll_at <= now,
            FeedRow.url != url,
            literal(force),
        )
        free = or_(
            FeedRow.lease_until.is_(None), FeedRow.lease_until < now, FeedRow.lease_owner == owner
        )
        try:
            self._session.execute(
                _insert_ignoring(self.engine.dialect.name, FeedRow, name=name, url=url)
            )
            granted = self._session.execute(
                update(FeedRow)
                .where(FeedRow.name == name, free, due)
                .values(lease_owner=owner, lease_until=until)
            ).rowcount  # type: ignore[attr-defined]
            row = (
                self._session.execute(select(FeedRow.__table__).where(FeedRow.name == name))
                .mappings()
                .one()
            )
            self._session.commit()
        except SQLAlchemyError as e:
            raise self._failed(f"cannot claim feed '{name}'", e) from e
        return Claim(
            granted=granted == 1,
            state=feed_state_of(row),
            held_until=None if granted == 1 else row["lease_until"],
        )

    def save_feed_state(self, state: FeedState) -> None:
        """Store `state` in place of the feed's last one."""
        values = {f: getattr(state, f) for f in FeedState.__dataclass_fields__}
        values |= {"lease_owner": None, "lease_until": None}  # the poll is over
        try:
            done = self._session.execute(
                update(FeedRow).where(FeedRow.name == state.name).values(values)
            )
            if done.rowcount == 0:  # type: ignore[attr-defined]
                self._session.execute(insert(FeedRow).values(values))
            if self.dry_run:
                self._session.flush()
            elif not self._batched:
                self._session.commit()
        except SQLAlchemyError as e:
            raise self._failed(f"cannot save the state of feed '{state.name}'", e) from e


def _insert_ignoring(dialect: str, table: Any, **values: Any) -> Any:
    """INSERT that does nothing when the row's key is taken (SQLite and PostgreSQL alike)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).values(**values).on_conflict_do_nothing()
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).values(**values).on_conflict_do_nothing()
    return insert(table).prefix_with("IGNORE").values(**values)
