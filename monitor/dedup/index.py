"""The retrieval index: which originals are filed under each retrieval key, in memory.

The store keeps each original's keys in one row beside the report (written in the report's own
transaction, so the two never disagree); this index is built from those rows and kept up to date
from them. Held in the database as one row a key, the index cost every new report some sixty
writes to pages all over a large B-tree, the most expensive part of storing it; one row a
report is written where the last one was.

In memory the postings are numpy arrays of (key, report id) sorted by key, in a few segments:
new postings gather in a small buffer, which is sorted into a segment when full, and segments of
like size are merged, as a log-structured merge tree does, so a posting is re-sorted only a few
times. Segments stop growing at `segment_max` postings, which bounds the memory a merge needs.
A look-up is one binary search a segment. Postings of reports older than the window are left out
of answers and dropped when their segment is next merged, or whole with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

KEY_DTYPE = np.dtype("<i8")


def encode_keys(keys: Sequence[int]) -> bytes:
    """Keys as the store keeps them: little-endian 64-bit integers."""
    return np.asarray(keys, dtype=KEY_DTYPE).tobytes()


def decode_keys(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=KEY_DTYPE)


class _Segment:
    __slots__ = ("keys", "ids", "first_id", "last_id")

    def __init__(self, keys: np.ndarray, ids: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.ids = ids[order]
        self.first_id = int(ids.min()) if len(ids) else 0
        self.last_id = int(ids.max()) if len(ids) else 0

    def __len__(self) -> int:
        return len(self.keys)


class KeyIndex:
    """Retrieval keys to the originals filed under them, for reports with id >= `first_id`.
    `last_id` is the highest id added: the caller reads on from there what the store has gained
    since."""

    def __init__(self, *, buffer_max: int = 16_384, segment_max: int = 1 << 20) -> None:
        self.buffer_max = buffer_max
        self.segment_max = segment_max
        self.first_id = 0
        self.last_id = 0
        self.key_counts: dict[int, int] = {}  # report id -> how many keys it is filed under
        self._segments: list[_Segment] = []
        self._buffer: dict[int, list[int]] = {}
        self._buffered = 0

    def __len__(self) -> int:
        """The postings held (some may be older than the window, until they are dropped)."""
        return sum(map(len, self._segments)) + self._buffered

    def add(self, report_id: int, keys: Iterable[int]) -> None:
        """File `report_id` under `keys`."""
        count = 0
        for key in keys:
            self._buffer.setdefault(int(key), []).append(report_id)
            count += 1
        self.key_counts[report_id] = count
        self._buffered += count
        self.last_id = max(self.last_id, report_id)
        if self._buffered >= self.buffer_max:
            self._flush()

    def add_rows(self, rows: Sequence[tuple[int, bytes]]) -> None:
        """File the reports of store rows (id, keys as `encode_keys` wrote them)."""
        total = sum(len(data) for _, data in rows) // KEY_DTYPE.itemsize
        if total < self.buffer_max:
            for report_id, data in rows:
                self.add(report_id, decode_keys(data).tolist())
            return
        # Many at once (loading the window on start-up): sorted straight into segments.
        counts = np.array([len(data) // KEY_DTYPE.itemsize for _, data in rows], dtype=np.int64)
        report_ids = np.array([report_id for report_id, _ in rows], dtype=np.int64)
        keys = decode_keys(b"".join(data for _, data in rows))
        self.key_counts.update(zip(report_ids.tolist(), counts.tolist(), strict=True))
        ids = np.repeat(report_ids, counts)
        for start in range(0, len(keys), self.segment_max):
            part = slice(start, start + self.segment_max)
            self._segments.append(_Segment(keys[part].astype(np.int64), ids[part]))
        self.last_id = max(self.last_id, int(report_ids.max()))
        self._compact()

    def forget_before(self, first_id: int) -> None:
        """Leave out reports with lower ids from now on."""
        if first_id <= self.first_id:
            return
        self.first_id = first_id
        self._segments = [s for s in self._segments if s.last_id >= first_id]
        for report_id in [r for r in self.key_counts if r < first_id]:
            del self.key_counts[report_id]

    def postings(
        self, keys: Sequence[int], *, common_at: int | None = None
    ) -> tuple[dict[int, list[int]], set[int]]:
        """The reports inside the window filed under each of `keys`, oldest first (keys with
        none are left out), and the keys held by `common_at` reports or more: those are only
        named, not listed, since a stock phrase is no evidence and may be held by thousands."""
        if not keys:
            return {}, set()
        first = self.first_id
        ordered = sorted(set(keys))  # sorted needles make the searches faster
        asked = np.array(ordered, dtype=np.int64)
        counts = np.zeros(len(ordered), dtype=np.int64)
        spans: list[tuple[_Segment, np.ndarray, np.ndarray, bool]] = []
        for segment in self._segments:
            if not len(segment):
                continue
            low = segment.keys.searchsorted(asked, side="left")
            high = segment.keys.searchsorted(asked, side="right")
            inside = segment.first_id >= first
            if inside:
                counts += high - low
            else:  # the segment reaches back past the window: count only what is inside
                for i in np.flatnonzero(high > low).tolist():
                    counts[i] += int(np.count_nonzero(segment.ids[low[i] : high[i]] >= first))
            spans.append((segment, low, high, inside))
        buffered: dict[int, list[int]] = {}
        for i, key in enumerate(ordered):
            held = self._buffer.get(key)
            if held:
                ids = [r for r in held if r >= first]
                if ids:
                    buffered[i] = ids
                    counts[i] += len(ids)
        listed = (counts > 0) if common_at is None else (counts > 0) & (counts < common_at)
        chosen = np.flatnonzero(listed)
        found: dict[int, list[int]] = {}
        if len(chosen):
            which = chosen.tolist()
            for segment, low, high, inside in spans:
                lows, highs = low[chosen].tolist(), high[chosen].tolist()
                for i, lo, hi in zip(which, lows, highs, strict=True):
                    if hi > lo:
                        ids = segment.ids[lo:hi].tolist()
                        if not inside:
                            ids = [r for r in ids if r >= first]
                        found.setdefault(ordered[i], []).extend(ids)
            for i, ids in buffered.items():
                if listed[i]:
                    found.setdefault(ordered[i], []).extend(ids)
            for ids in found.values():
                ids.sort()
        common = set() if common_at is None else set(asked[counts >= common_at].tolist())
        return found, common

    def _flush(self) -> None:
        if not self._buffered:
            return
        keys = np.fromiter(
            (k for k, ids in self._buffer.items() for _ in ids),
            dtype=np.int64,
            count=self._buffered,
        )
        ids = np.fromiter(
            (r for rs in self._buffer.values() for r in rs), dtype=np.int64, count=self._buffered
        )
        self._buffer.clear()
        self._buffered = 0
        self._segments.append(_Segment(keys, ids))
        self._compact()

    def _compact(self) -> None:
        """Merge the newest segment into the one before it while they are of like size (and the
        result stays under `segment_max`), dropping postings older than the window."""
        while len(self._segments) >= 2:
            newer, older = self._segments[-1], self._segments[-2]
            if len(older) > 2 * len(newer) or len(older) + len(newer) > self.segment_max:
                break
            keys = np.concatenate((older.keys, newer.keys))
            ids = np.concatenate((older.ids, newer.ids))
            inside = ids >= self.first_id
            self._segments[-2:] = [_Segment(keys[inside], ids[inside])]
