"""What dedup and stories look up for each report: the stored report that is the same item,
the start of the window, the originals' retrieval keys and texts, a source's recent texts, and
the originals of nearby days filed under a story key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from monitor.dedup import ExactMatch, Identity
from monitor.model import Status
from monitor.store.driver import chunks, marks
from monitor.store.rows import exact_match, story_candidate_of
from monitor.store.schema import ReportRow
from monitor.store.session import SqlSession
from monitor.story import StoryCandidate

# Story signatures of originals kept decoded in memory (a few hundred bytes each): a story
# look-up reads a hundred of them, and they never change once stored.
SIGNATURES_KEPT = 100_000
# Identities looked up in one statement (each binds up to four values).
EXACT_CHUNK = 100


class Lookups(SqlSession):
    """The reads of `monitor.dedup.DedupReads`, and the stories of nearby days."""

    def find_exact(self, fp: Identity) -> ExactMatch | None:
        """The stored report that is the same item as `fp`: the same guid within its source,
        else the same canonical URL, else the same content hash; the oldest of each."""
        return self.find_exact_many([fp])[0]

    def find_exact_many(self, fps: Sequence[Identity]) -> list[ExactMatch | None]:
        """`find_exact` for each of `fps`, read in one statement (a few for many)."""
        rows: list[Any] = []
        for piece in chunks(fps, EXACT_CHUNK):
            conditions = [f"content_hash IN ({marks(len(piece))})"]
            params: list[Any] = [fp.content_hash for fp in piece]
            urls = [fp.canonical_url for fp in piece if fp.canonical_url]
            if urls:
                conditions.append(f"canonical_url IN ({marks(len(urls))})")
                params += urls
            for fp in piece:
                if fp.guid:
                    conditions.append("(source = ? AND guid = ?)")
                    params += [fp.source, fp.guid]
            rows += self._fetch(
                "SELECT id, source, guid, canonical_url, content_hash, duplicate_of, story_id"
                f" FROM reports WHERE {' OR '.join(conditions)}",
                params,
            )
        rows.sort(key=lambda r: r[0])
        return [exact_match(fp, rows) for fp in fps]

    def window_start(self, since: datetime) -> int:
        """The lowest report id stored at or after `since` (ids grow with storing time); one past
        the highest id when nothing is that recent."""
        # The first by storing time, found through its index: min(id) over the same rows made
        # SQLite walk the table from its first row (1.2 s at 1,000,000 stored).
        found = self._read(
            select(ReportRow.id)
            .where(ReportRow.stored_at >= since)
            .order_by(ReportRow.stored_at, ReportRow.id)
            .limit(1)
        ).scalar_one_or_none()
        if found is not None:
            return int(found)
        last = self._read(select(func.max(ReportRow.id))).scalar_one_or_none()
        return int(last or 0) + 1

    def filed_keys(self, *, after_id: int, limit: int) -> list[tuple[int, bytes]]:
        """(id, retrieval keys) of the first `limit` originals with ids above `after_id`, in id
        order (see `monitor.dedup.index`)."""
        return self._fetch(
            "SELECT report_id, keys FROM dedup_keys WHERE report_id > ? ORDER BY report_id LIMIT ?",
            (after_id, limit),
        )

    def originals_text(self, report_ids: Sequence[int]) -> list[tuple[int, str, str, int | None]]:
        """(id, source, text, story_id) of the given reports, in the order asked."""
        rows = self._fetch_in(
            "SELECT id, source, text, story_id FROM reports WHERE id IN ({})", report_ids
        )
        found = {row[0]: tuple(row) for row in rows}
        return [found[i] for i in report_ids if i in found]

    def recent_texts(self, source: str, limit: int) -> list[str]:
        """The texts of the last `limit` originals of `source`, newest first."""
        rows = self._read(
            select(ReportRow.text)
            .where(ReportRow.source == source, ReportRow.status == Status.NEW.value)
            .order_by(ReportRow.id.desc())
            .limit(limit)
        )
        return list(rows.scalars())

    def story_candidates(
        self, keys: Sequence[str], *, first_day: int, last_day: int, limit: int
    ) -> list[StoryCandidate]:
        """The `limit` originals filed under most of `keys` between the two days (a place and
        its actors before the actors alone), the most recent first among equals."""
        if not keys:
            return []
        ids = [
            row[0]
            for row in self._fetch(
                "SELECT report_id FROM story_keys"
                f" WHERE key IN ({marks(len(keys))}) AND day BETWEEN ? AND ?"
                " GROUP BY report_id ORDER BY COUNT(*) DESC, report_id DESC LIMIT ?",
                (*keys, first_day, last_day, limit),
            )
        ]
        known = self._signatures
        missing = [i for i in ids if i not in known]
        if missing:
            if len(known) + len(missing) > SIGNATURES_KEPT:
                known.clear()
            for report_id, story_id, sig in self._fetch_in(
                "SELECT id, story_id, story_sig FROM reports WHERE id IN ({})", missing
            ):
                known[report_id] = story_candidate_of(report_id, story_id, sig)
        return [known[i] for i in ids if i in known]
