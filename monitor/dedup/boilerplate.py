"""Boilerplate: the paragraphs a source repeats across its reports (footers, bylines, share
prompts, "Popular posts from this blog"), learned per source from its stored originals.

A paragraph is boilerplate for a source when it appears in at least `min_reports` of the
source's last `recent` original reports, and in at least `min_share` of them: a footer is on
nearly every report, a byline on each of its reporter's; a background paragraph an outlet reuses
now and then is text, not boilerplate. Only originals count: a story the source republished
three times must not teach us that the story itself is boilerplate. Dedup leaves boilerplate out
of the words it compares, so a shared footer does not make two reports alike and a new footer
does not hide a copy.

`Boilerplate` is a cache of what the store holds: each source's recent paragraphs are read from
the store the first time the source is seen, then kept up to date as originals are stored.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from monitor.dedup.fingerprint import Paragraphs, paragraph_key, paragraphs


def paragraph_keys(text: str) -> frozenset[str]:
    return frozenset(k for k in (paragraph_key(p) for p in paragraphs(text)) if k)


@dataclass(kw_only=True, slots=True)
class _SourceHistory:
    recent: deque[frozenset[str]]
    counts: Counter[str] = field(default_factory=Counter)

    def push(self, keys: frozenset[str]) -> None:
        if len(self.recent) == self.recent.maxlen:
            self.counts.subtract(self.recent[0])
        self.recent.append(keys)
        self.counts.update(keys)


class Boilerplate:
    """Per-source boilerplate, learned from the texts `recent_texts(source, n)` returns (the
    source's last `n` originals, newest first) and from each original `learn` is given."""

    def __init__(
        self,
        recent_texts: Callable[[str, int], Iterable[str]],
        *,
        recent: int = 50,
        min_reports: int = 3,
        min_share: float = 0.2,
    ) -> None:
        self._recent_texts = recent_texts
        self._recent = recent
        self._min_reports = min_reports
        self._min_share = min_share
        self._sources: dict[str, _SourceHistory] = {}
        self._learned: dict[str, frozenset[str]] = {}

    def _history(self, source: str) -> _SourceHistory:
        history = self._sources.get(source)
        if history is None:
            history = _SourceHistory(recent=deque(maxlen=self._recent))
            texts = list(self._recent_texts(source, self._recent))
            for text in reversed(texts):
                history.push(paragraph_keys(text))
            self._sources[source] = history
        return history

    def of(self, source: str) -> frozenset[str]:
        """The paragraph keys that are boilerplate for `source` now."""
        learned = self._learned.get(source)
        if learned is None:
            history = self._history(source)
            least = max(self._min_reports, self._min_share * len(history.recent))
            learned = frozenset(k for k, n in history.counts.items() if n >= least)
            self._learned[source] = learned
        return learned

    def learn(self, source: str, text: str, paragraphs_: Paragraphs | None = None) -> None:
        """Count the paragraphs of an original `source` just stored (`paragraphs_`, when given,
        are `paragraph_words(text)`, computed already)."""
        keys = (
            paragraph_keys(text)
            if paragraphs_ is None
            else frozenset(key for key, _ in paragraphs_ if key)
        )
        self._history(source).push(keys)
        self._learned.pop(source, None)

    def forget(self) -> None:
        """Drop what is cached; the next look-up of each source reads the store again."""
        self._sources.clear()
        self._learned.clear()
