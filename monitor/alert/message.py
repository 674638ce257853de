"""What an alert says: built from a stored report, independent of where it is delivered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.model import EVENT_COUNTS, EVENT_TYPES, Event, Place, StoredReport, TagKind

SNIPPET_CHARS = 300


@dataclass(frozen=True, kw_only=True, slots=True)
class Mention:
    id: str
    name: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertMessage:
    alert_id: int
    channel: str
    report_id: int
    title: str
    url: str | None
    source: str
    published: datetime | None
    actors: tuple[Mention, ...]
    places: tuple[Mention, ...]
    snippet: str
    place: Mention | None = None  # where it happened
    place_reason: str = ""  # why that place ('in the title, after "near"')
    why: str = ""  # why it is about Libya, in a line
    event_line: str = ""  # what happened, in a line (see `event_line`); empty when unknown
    story_id: int | None = None  # the story it belongs to (its own id when it opens one)
    thread_ts: str | None = None  # the message of the story's first report, to reply under

    @property
    def follow_up(self) -> bool:
        """A later report of a story another report opened."""
        return self.story_id is not None and self.story_id != self.report_id


def _distinct(stored: StoredReport, kind: TagKind) -> tuple[Mention, ...]:
    seen: dict[str, Mention] = {}
    for tag in stored.tags:
        if tag.kind is kind and tag.entity_id not in seen:
            seen[tag.entity_id] = Mention(id=tag.entity_id, name=tag.name, lat=tag.lat, lon=tag.lon)
    return tuple(seen.values())


def snippet(stored: StoredReport, limit: int = SNIPPET_CHARS) -> str:
    """About `limit` characters of the text around its first watchlist mention."""
    text = stored.report.text.replace("\n", " ")
    first = next((t for t in stored.tags if t.field == "text"), None)
    start = 0 if first is None else max(0, first.start - limit // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first.start else start  # type: ignore[union-attr]
    piece = text[start : start + limit]
    if start + limit < len(text):
        piece = piece.rsplit(" ", 1)[0] + " …"
    return ("… " if start else "") + piece.strip()


def why_relevant(stored: StoredReport) -> str:
    """The relevance decision in a line: "about Libya (0.93): Sirte in the title, LNA in the
    lead"; empty for a report not yet given one."""
    relevance = stored.relevance
    if relevance is None:
        return ""
    named = list(
        dict.fromkeys(f"{e.text} in the {e.where}" for e in relevance.evidence if e.weight > 0)
    )
    said = "about Libya" if relevance.relevant else "not about Libya"
    if relevance.scope == "libya" and relevance.relevant and not named:
        return f"{said}: a Libya source"
    return f"{said} ({relevance.score:.2f})" + (": " + ", ".join(named[:4]) if named else "")


def event_counts(event: Event) -> str:
    """The counts an event gives, in EVENT_COUNTS order: "4 killed, 8 injured"; a count not
    given, or of 0, is left out."""
    return ", ".join(f"{n:,} {what}" for what in EVENT_COUNTS if (n := getattr(event, what)))


def event_line(event: Event | None, place: Place | None) -> str:
    """What happened, in a line: the type's name, the counts given, where it happened (the
    report's place) and the day, joined by " · ":
    "Explosion/remote violence · 4 killed, 8 injured · al-Nawfaliya · 31 Aug 2017".

    Empty when the event tells nothing of its own (no type, no count, no day) or the report has
    not been read for one: the place alone says no more than the message's "Where"."""
    if event is None:
        return ""
    named = EVENT_TYPES.get(event.type, event.type) if event.type else ""
    counts = event_counts(event)
    day = f"{event.date.day} {event.date:%b %Y}" if event.date else ""
    if not (named or counts or day):
        return ""
    parts = [named, counts, place.name if place else "", day]
    return " · ".join(p for p in parts if p)


def build_message(
    stored: StoredReport, *, alert_id: int, channel: str, thread_ts: str | None = None
) -> AlertMessage:
    return AlertMessage(
        alert_id=alert_id,
        channel=channel,
        report_id=stored.id,
        title=stored.report.title,
        url=stored.report.url,
        source=stored.report.source,
        published=stored.report.published,
        actors=_distinct(stored, TagKind.ACTOR),
        places=_distinct(stored, TagKind.PLACE),
        snippet=snippet(stored),
        place=(
            Mention(
                id=stored.place.id,
                name=stored.place.name,
                lat=stored.place.lat,
                lon=stored.place.lon,
            )
            if stored.place
            else None
        ),
        place_reason=stored.place.reason if stored.place else "",
        why=why_relevant(stored),
        event_line=event_line(stored.event, stored.place),
        story_id=stored.story_id,
        thread_ts=thread_ts,
    )
