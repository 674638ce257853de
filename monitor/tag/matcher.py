"""The tagger: finds every watchlist name in a report's title and text.

Names match on word boundaries (a letter, digit or underscore on either side blocks a match, so
"Sirte" tags "#Sirte" and "Sirte-based" but not "Sirtean"). Spaces and hyphens inside a name
match any run of spaces and hyphens ("al-Bunyan al-Marsus", "al Bunyan al Marsus"); curly and
straight apostrophes match each other. Acronyms (see `is_acronym`) match only as written; every
other name ignores case. Where names overlap, the longest wins ("Ras Lanuf terminal" over
"Ras Lanuf"), then the earliest. Pure: no I/O once built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from monitor.model import Report, Tag
from monitor.tag.watchlist import APOSTROPHE, SEPARATOR, Entity, Watchlist, alias_key, is_acronym


def _pattern_of(name: str) -> str:
    parts = re.split(SEPARATOR, name.strip())
    escaped = [
        APOSTROPHE.join(re.escape(piece) for piece in re.split(APOSTROPHE, part)) for part in parts
    ]
    return SEPARATOR.join(escaped)


def _alternation(names: Iterable[str], flags: int) -> re.Pattern[str] | None:
    ordered = sorted(set(names), key=lambda n: (-len(n), n))
    if not ordered:
        return None
    body = "|".join(_pattern_of(n) for n in ordered)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", flags)


class Tagger:
    """Built once from a watchlist; `tag(report)` is then pure and deterministic."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        self._exact: dict[str, Entity] = {}
        self._folded: dict[str, Entity] = {}
        self._exact_names: list[str] = []
        self._folded_names: list[str] = []
        for entity in watchlist.entities.values():
            for name in entity.names:
                acronym = is_acronym(name)
                table = self._exact if acronym else self._folded
                table[alias_key(name, acronym=acronym)] = entity
                (self._exact_names if acronym else self._folded_names).append(name)
        self._patterns = [
            (p, acronym)
            for p, acronym in (
                (_alternation(self._exact_names, 0), True),
                (_alternation(self._folded_names, re.IGNORECASE), False),
            )
            if p is not None
        ]

    def _mentions(self, text: str) -> list[tuple[int, int, Entity]]:
        found: list[tuple[int, int, Entity]] = []
        for pattern, acronym in self._patterns:
            table = self._exact if acronym else self._folded
            for match in pattern.finditer(text):
                entity = table.get(alias_key(match.group(), acronym=acronym))
                if entity is not None:
                    found.append((match.start(), match.end(), entity))
        # Longest first at each start, then keep what does not overlap an earlier keeper.
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        kept: list[tuple[int, int, Entity]] = []
        end_of_last = -1
        for start, end, entity in found:
            if start >= end_of_last:
                kept.append((start, end, entity))
                end_of_last = end
        return kept

    def tag_text(self, text: str, field: str) -> list[Tag]:
        tags = []
        for start, end, entity in self._mentions(text):
            matched = text[start:end]
            tags.append(
                Tag(
                    kind=entity.category,
                    entity_id=entity.id,
                    name=entity.name,
                    text=matched,
                    field=field,
                    start=start,
                    end=end,
                    method="exact" if matched == entity.name else "alias",
                    score=1.0,
                    entity_kind=entity.kind,
                    parents=self.watchlist.ancestors(entity.id),
                    lat=entity.lat,
                    lon=entity.lon,
                )
            )
        return tags

    def tag(self, report: Report) -> tuple[Tag, ...]:
        """Every mention in the title, then in the text, in order of position."""
        return tuple(self.tag_text(report.title, "title") + self.tag_text(report.text, "text"))
