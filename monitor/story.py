"""Stories: reports from different outlets about the same event share a `story_id`. Pure.

A report's event is read from its lead (the title and the first paragraphs, up to `lead_words`
words, boilerplate left out), where news puts who, where, when and how many: the watchlist
places and actors tagged there, the dates written there ("on 22 September") and the other
numbers (casualties, distances; years left out, as background cites them, and numbers inside a
place's name such as 600 Flats). That set of facts is the report's `Signature`.

A new report joins the story of a stored original when their event times are at most `days`
apart, they name a common place (a district counts as its city: Hay al-Gizah meets Sirte), their
leads do not give different dates (two assaults on one district a fortnight apart are two
stories), they share at least `min_shared` facts, and the shared facts are at least
`min_overlap` of the smaller set. Of several such originals the one sharing the largest part
wins, the earliest on a tie. Otherwise the report opens a story of its own: its `story_id` is
its own id.

Candidates come from `story_keys`: the specific places of the signature (regions and the
country are too broad to say anything), or its actors when it names no place, each with the day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from annotated_types import Ge, Gt, Le

from monitor.dedup.fingerprint import paragraph_key, paragraphs
from monitor.model import Report, Tag, TagKind

_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?!\w)")
_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
    if value >= 2
} | {"dozens": "dozens", "hundreds": "hundreds", "thirty": "30", "forty": "40", "fifty": "50"}
_WORD = re.compile(r"[A-Za-z]+")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(m.capitalize() for m in sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\.?\b"
    rf"|({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b)"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class StoryPolicy:
    """The `[stories]` section of the configuration, validated into this (the bounds are the
    annotations); `config/monitor.toml` gives the measurement behind each default."""

    days: Annotated[int, Ge(0)] = 2
    min_shared: Annotated[int, Ge(1)] = 3
    min_overlap: Annotated[float, Gt(0.0), Le(1.0)] = 0.6
    lead_words: Annotated[int, Ge(1)] = 80
    max_candidates: Annotated[int, Ge(1)] = 100


DEFAULT_STORY_POLICY = StoryPolicy()


@dataclass(frozen=True, kw_only=True, slots=True)
class Signature:
    """What a report says happened: `places` (specific places of the lead, with the cities
    their districts belong to), `facts` (places `p:`, actors `a:`, dates `d:MM-DD` and other
    numbers `n:` of the lead) and `day`, the proleptic ordinal of its event time."""

    places: frozenset[str]
    facts: frozenset[str]
    day: int

    def keys(self) -> list[str]:
        """What candidates are looked up by."""
        if self.places:
            return sorted(self.places)
        return sorted(f[2:] for f in self.facts if f.startswith("a:"))


@dataclass(frozen=True, kw_only=True, slots=True)
class StoryCandidate:
    """A stored original of a nearby day sharing a key, with its signature and story."""

    report_id: int
    story_id: int
    places: frozenset[str]
    facts: frozenset[str]
    dates: frozenset[str] = field(init=False)  # the facts that are dates (`d:`)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dates", frozenset(f for f in self.facts if f.startswith("d:")))


def event_time(report: Report) -> datetime:
    return report.published or report.fetched_at


def _lead_spans(text: str, boilerplate: frozenset[str], lead_words: int) -> list[tuple[int, int]]:
    spans = []
    words = 0
    offset = 0
    for paragraph in paragraphs(text):
        start = text.index(paragraph, offset)
        offset = start + len(paragraph)
        if paragraph_key(paragraph) in boilerplate:
            continue
        spans.append((start, offset))
        words += len(paragraph.split())
        if words >= lead_words:
            break
    return spans


def _dates(text: str) -> set[str]:
    found = set()
    for match in _DATE.finditer(text):
        day = match.group(1) or match.group(4)
        month = _MONTHS[(match.group(2) or match.group(3)).lower()]
        if 1 <= int(day) <= 31:
            found.add(f"d:{month:02d}-{int(day):02d}")
    return found


def _numbers(text: str) -> set[str]:
    found = set()
    for match in _NUMBER.finditer(text):
        value = match.group().replace(",", "")
        if len(value) == 4 and value[:2] in ("19", "20"):
            continue  # a year
        found.add("n:" + (value.lstrip("0") or "0"))
    for word in _WORD.findall(text):
        number = _NUMBER_WORDS.get(word.lower())
        if number is not None:
            found.add("n:" + number)
    return found


def signature(
    report: Report,
    tags: Sequence[Tag],
    *,
    broad: frozenset[str] = frozenset(),
    boilerplate: frozenset[str] = frozenset(),
    policy: StoryPolicy = DEFAULT_STORY_POLICY,
) -> Signature:
    """The signature of `report` tagged with `tags`. `broad` lists the place ids too wide to
    place an event (the country, its regions)."""
    spans = _lead_spans(report.text, boilerplate, policy.lead_words)

    def in_lead(tag: Tag) -> bool:
        return tag.field == "title" or any(s <= tag.start < e for s, e in spans)

    places: set[str] = set()
    facts: set[str] = set()
    for tag in tags:
        if not in_lead(tag):
            continue
        if tag.kind is TagKind.ACTOR:
            facts.add("a:" + tag.entity_id)
        elif tag.entity_id not in broad:
            facts.add("p:" + tag.entity_id)
            places.add(tag.entity_id)
            places.update(p for p in tag.parents[:1] if p not in broad)
    lead_text = report.title + "\n" + "\n".join(report.text[s:e] for s, e in spans)
    for tag in tags:  # numbers inside names (600 Flats, Gate 17) are the place, not a figure
        if tag.kind is TagKind.PLACE and in_lead(tag):
            lead_text = lead_text.replace(tag.text, " ")
    facts |= _dates(lead_text)
    facts |= _numbers(_DATE.sub(" ", lead_text))
    return Signature(
        places=frozenset(places), facts=frozenset(facts), day=event_time(report).toordinal()
    )


def choose(
    sig: Signature, candidates: Iterable[StoryCandidate], policy: StoryPolicy = DEFAULT_STORY_POLICY
) -> int | None:
    """The story `sig` joins, or None when it opens one (see the module docstring)."""
    best: tuple[float, int] | None = None
    dates = {f for f in sig.facts if f.startswith("d:")}
    for candidate in candidates:
        if sig.places and not (sig.places & candidate.places):
            continue
        if dates and candidate.dates and not (dates & candidate.dates):
            continue
        shared = len(sig.facts & candidate.facts)
        if shared < policy.min_shared:
            continue
        overlap = shared / min(len(sig.facts), len(candidate.facts))
        if overlap < policy.min_overlap:
            continue
        if (
            best is None
            or overlap > best[0]
            or (overlap == best[0] and candidate.story_id < best[1])
        ):
            best = (overlap, candidate.story_id)
    return None if best is None else best[1]
