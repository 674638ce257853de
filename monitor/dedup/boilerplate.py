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

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from monitor.dedup.fingerprint import Paragraphs, paragraph_words


def paragraph_keys(paragraphs_: Paragraphs) -> frozenset[str]:
    """The keys of a text's paragraphs (as `paragraph_words` gives them) that have words."""
    return frozenset(key for key, _ in paragraphs_ if key)


@dataclass(kw_only=True, slots=True)
class _SourceHistory:
    """A source's last originals' paragraph keys, how many of them hold each key, and the keys
    held by at least `min_reports` (only those can be boilerplate: looked at on every change,
    they must stay few)."""

    recent: deque[frozenset[str]]
    min_reports: int
    counts: dict[str, int] = field(default_factory=dict)
    frequent: set[str] = field(default_factory=set)

    def push(self, keys: frozenset[str]) -> None:
        counts = self.counts
        if len(self.recent) == self.recent.maxlen:
            for key in self.recent[0]:
                n = counts[key] - 1
                if n:
                    counts[key] = n
                else:
                    del counts[key]
                if n < self.min_reports:
                    self.frequent.discard(key)
        self.recent.append(keys)
        for key in keys:
            n = counts[key] = counts.get(key, 0) + 1
            if n >= self.min_reports:
                self.frequent.add(key)


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
            history = _SourceHistory(
                recent=deque(maxlen=self._recent), min_reports=self._min_reports
            )
            texts = list(self._recent_texts(source, self._recent))
            for text in reversed(texts):
                history.push(paragraph_keys(paragraph_words(text)))
            self._sources[source] = history
        return history

    def of(self, source: str) -> frozenset[str]:
        """The paragraph keys that are boilerplate for `source` now."""
        learned = self._learned.get(source)
        if learned is None:
            history = self._history(source)
            least = max(self._min_reports, self._min_share * len(history.recent))
            learned = frozenset(k for k in history.frequent if history.counts[k] >= least)
            self._learned[source] = learned
        return learned

    def learn(self, source: str, text: str, paragraphs_: Paragraphs | None = None) -> None:
        """Count the paragraphs of an original `source` just stored (`paragraphs_`, when given,
        are `paragraph_words(text)`, computed already)."""
        if paragraphs_ is None:
            paragraphs_ = paragraph_words(text)
        self._history(source).push(paragraph_keys(paragraphs_))
        self._learned.pop(source, None)

    def forget(self) -> None:
        """Drop what is cached; the next look-up of each source reads the store again."""
        self._sources.clear()
        self._learned.clear()
