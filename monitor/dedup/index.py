"""The near-duplicate index: the stored originals dedup weighs a new report against.

This first index holds every original's words in memory and offers all of them as candidates;
it is loaded from the store when the pipeline starts and learns each original as it is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from monitor.dedup.decide import Candidate, encode_words
from monitor.dedup.fingerprint import Fingerprint


class NearIndex:
    def __init__(self) -> None:
        self._candidates: list[Candidate] = []

    def __len__(self) -> int:
        return len(self._candidates)

    def add(self, report_id: int, words: tuple[str, ...]) -> None:
        self._candidates.append(Candidate(report_id=report_id, words=encode_words(words)))

    def extend(self, originals: Iterable[tuple[int, tuple[str, ...]]]) -> None:
        for report_id, words in originals:
            self.add(report_id, words)

    def candidates(self, fp: Fingerprint) -> Iterator[Candidate]:
        return iter(self._candidates)
