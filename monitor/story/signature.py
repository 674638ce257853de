"""A report's signature: what its lead says happened, as facts that two reports of one event
share. Pure.

The lead is the title and the first paragraphs, up to `lead_words` words, boilerplate left out:
where news puts who, where, when and how many. Its facts: the watchlist places (`p:`) and
actors (`a:`) tagged there, the dates written there and the day of the event (`d:MM-DD`), the
other numbers (`n:`: casualties, distances; years left out, as background cites them, and
numbers inside a place's name such as 600 Flats), the event's type (`e:`), the stems of its
content words (`w:`: the `LEAD_STEMS` rarest, see `monitor.story.rarity`) and the day of its
event time (`t:`, the proleptic ordinal).

Candidates come from `story_keys`: the specific places of the signature (regions and the
country are too broad to say anything) and its actors, each with the day.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from annotated_types import Ge, Gt

from monitor.dedup.fingerprint import paragraph_key, paragraphs
from monitor.event.dates import days
from monitor.model import Event, Report, Tag, TagKind
from monitor.story.rarity import content_stems, weight

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


# The content words of a lead kept in its signature, the rarest first.
LEAD_STEMS = 24


@dataclass(frozen=True, kw_only=True, slots=True)
class StoryPolicy:
    """The `[stories]` section of the configuration, validated into this (the bounds are the
    annotations); `config/monitor.toml` gives the measurement behind each default."""

    days: Annotated[int, Ge(0)] = 3
    threshold: Annotated[float, Gt(0.0)] = 2.5
    lead_words: Annotated[int, Ge(1)] = 80
    max_candidates: Annotated[int, Ge(1)] = 60


DEFAULT_STORY_POLICY = StoryPolicy()


@dataclass(frozen=True, slots=True)
class Facts:
    """A signature's facts by kind, read once: what a story decision compares."""

    dates: frozenset[str]
    types: frozenset[str]
    subtypes: frozenset[str]
    actors: frozenset[str]
    numbers: frozenset[str]
    killed: frozenset[str]  # the event's toll
    words: frozenset[str]
    words_weight: float  # the sum of the words' weights
    day: int | None  # the day it happened, where the lead says; else its event time's
    telling: frozenset[str]  # the facts that tell one event from another: actors, numbers, words

    @classmethod
    def of(cls, facts: frozenset[str]) -> Facts:
        kinds: dict[str, set[str]] = {k: set() for k in "deanksw"}
        day = happened = None
        for fact in facts:
            kind, value = fact[0], fact[2:]
            if kind == "t":
                day = int(value)
            elif kind == "D":
                happened = int(value)
            elif kind in kinds:
                kinds[kind].add(value)
        return cls(
            dates=frozenset(kinds["d"]),
            types=frozenset(kinds["e"]),
            subtypes=frozenset(kinds["s"]),
            actors=frozenset(kinds["a"]),
            numbers=frozenset(kinds["n"]),
            killed=frozenset(kinds["k"]),
            words=frozenset(kinds["w"]),
            words_weight=sum(map(weight, kinds["w"])),
            day=happened if happened is not None else day,
            telling=frozenset(f for f in facts if f[0] in "anw"),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Signature:
    """What a report says happened: `places` (specific places of the lead, with the cities
    their districts belong to), `facts` (see the module docstring) and `day`, the proleptic
    ordinal of its event time."""

    places: frozenset[str]
    facts: frozenset[str]
    day: int
    read: Facts = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "read", Facts.of(self.facts))

    def keys(self) -> list[str]:
        """What it is filed under and looked up by: its places, or its actors when it names
        no place."""
        return sorted(self.places or self.read.actors)


@dataclass(frozen=True, kw_only=True, slots=True)
class StoryCandidate:
    """A stored original of a nearby day sharing a key, with its signature and story."""

    report_id: int
    story_id: int
    places: frozenset[str]
    facts: frozenset[str]
    read: Facts = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "read", Facts.of(self.facts))


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
    event: Event | None = None,
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
            facts.update("a:" + p for p in tag.parents[:1])  # Haftar's: the LNA's
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
    if event is not None:
        if event.type is not None:
            facts.add("e:" + event.type)
        if event.subtype is not None:
            facts.add("s:" + event.subtype)
        happened = event.date
        if happened is None and report.published is None:
            # A report of no date: its lead's first day, counted from when it was fetched, so
            # that a report of "22 September" is not taken for today's event.
            said = days(lead_text, event_time(report).date())
            happened = said[0].day if said else None
        if happened is not None:
            facts.add(f"d:{happened.month:02d}-{happened.day:02d}")
            facts.add(f"D:{happened.toordinal()}")
        facts.update(f"n:{n}" for n in (event.killed, event.injured) if n)
        if event.killed is not None:
            facts.add(f"k:{event.killed}")
    stems = sorted(content_stems(lead_text), key=lambda s: (-weight(s), s))[:LEAD_STEMS]
    facts.update("w:" + s for s in stems)
    day = event_time(report).toordinal()
    facts.add(f"t:{day}")
    return Signature(places=frozenset(places), facts=frozenset(facts), day=day)
