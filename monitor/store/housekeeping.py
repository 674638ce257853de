"""Housekeeping in the SQL store: what dedup, stories and the operator no longer need."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from monitor.store.base import Pruned
from monitor.store.schema import DedupKeyRow, ReportRow, StoryKeyRow
from monitor.store.session import SqlSession


class Housekeeping(SqlSession):
    """Pruning what is no longer needed."""

    def prune(self, *, window_start_id: int, first_day: int, keep_after: datetime | None) -> Pruned:
        """Drop what is no longer needed: retrieval keys of originals before `window_start_id`,
        story keys of days before `first_day`, and, when `keep_after` is given, reports stored
        before it (with their tags and alerts) unless a report kept is a duplicate of them."""
        reports = 0
        try:
            keys = self._session.execute(
                delete(DedupKeyRow).where(DedupKeyRow.report_id < window_start_id)
            ).rowcount  # type: ignore[attr-defined]
            story = self._session.execute(
                delete(StoryKeyRow).where(StoryKeyRow.day < first_day)
            ).rowcount  # type: ignore[attr-defined]
            if keep_after is not None:
                referenced = (
                    select(ReportRow.duplicate_of)
                    .where(ReportRow.duplicate_of.is_not(None), ReportRow.stored_at >= keep_after)
                    .scalar_subquery()
                )
                reports = self._session.execute(
                    delete(ReportRow).where(
                        ReportRow.stored_at < keep_after, ReportRow.id.not_in(referenced)
                    )
                ).rowcount  # type: ignore[attr-defined]
            if self.dry_run:
                self._session.flush()
            else:
                self._session.commit()
        except SQLAlchemyError as e:
            raise self._failed("housekeeping failed", e) from e
        return Pruned(reports=reports, dedup_keys=keys, story_keys=story)
