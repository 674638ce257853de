"""How reports are shown: JSON objects for machines, short lines for people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from monitor.alert.message import event_counts
from monitor.model import (
    EVENT_TYPES,
    Event,
    Place,
    Relevance,
    Report,
    StoredAlert,
    Tag,
    TagKind,
    Verdict,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def entity_list(tags: Sequence[Tag], kind: TagKind) -> list[dict[str, Any]]:
    """One object per entity, in order of first mention, with that mention's text, span, how it
    matched (exact, alias, folded, arabic, fuzzy, demonym) and its score, and the number of
    mentions."""
    entities: dict[str, dict[str, Any]] = {}
    for tag in tags:
        if tag.kind is not kind:
            continue
        if tag.entity_id in entities:
            entities[tag.entity_id]["mentions"] += 1
            continue
        item: dict[str, Any] = {
            "id": tag.entity_id,
            "name": tag.name,
            "kind": tag.entity_kind,
            "text": tag.text,
            "field": tag.field,
            "start": tag.start,
            "end": tag.end,
            "method": tag.method,
            "score": tag.score,
            "mentions": 1,
            "parents": list(tag.parents),
        }
        if kind is TagKind.PLACE:
            item["lat"] = tag.lat
            item["lon"] = tag.lon
        entities[tag.entity_id] = item
    return list(entities.values())


def report_json(
    *,
    ref: str | None,
    report_id: int,
    report: Report,
    verdict: Verdict,
    story_id: int | None,
    tags: Sequence[Tag],
    alerts: Sequence[StoredAlert],
    relevance: Relevance | None,
    place: Place | None,
    event: Event | None = None,
    story_reason: str | None = None,
) -> dict[str, Any]:
    """A report as one JSON object. `relevant`, `relevance` and `event` are null for a report
    not yet read for them (see `monitor db retag`); `place` is null too when the report does not
    say where it happened. A report that tells of no event has an `event` whose `type` is
    null."""
    return {
        "input": ref,
        "report_id": report_id,
        "status": verdict.status.value,
        "duplicate_of": verdict.duplicate_of,
        "story_id": story_id,
        "story_reason": story_reason,
        "match": verdict.reason,
        "score": verdict.score,
        "title": report.title,
        "url": report.url,
        "source": report.source,
        "published": _iso(report.published),
        "actors": entity_list(tags, TagKind.ACTOR),
        "locations": entity_list(tags, TagKind.PLACE),
        "relevant": None if relevance is None else relevance.relevant,
        "relevance": None if relevance is None else relevance_json(relevance),
        "place": None if place is None else place_json(place),
        "event": None if event is None else event_json(event),
        "alerts": [{"channel": a.channel, "status": a.status.value} for a in alerts],
    }


def relevance_json(relevance: Relevance) -> dict[str, Any]:
    """A relevance decision in `--json` (the decision itself is `relevant`, beside it)."""
    values = asdict(relevance)
    del values["relevant"]
    return values


def place_json(place: Place) -> dict[str, Any]:
    """Where it happened in `--json`: the place as a location tag gives it, and the mention."""
    return asdict(place)


def event_json(event: Event) -> dict[str, Any]:
    """What happened in `--json`: the event's fields, its type's name beside the type, the date
    as an ISO date, and each cue (what it decided, the value, and the words at `field` and
    `start`)."""
    values = asdict(event)
    return {
        "type": event.type,
        "type_name": EVENT_TYPES.get(event.type, event.type) if event.type else None,
        "subtype": event.subtype,
        "killed": event.killed,
        "injured": event.injured,
        "kidnapped": event.kidnapped,
        "arrested": event.arrested,
        "date": event.date.isoformat() if event.date else None,
        "actors": values["actors"],
        "targets": values["targets"],
        "cues": values["cues"],
    }


def event_brief(event: Event | None) -> str:
    """What happened, briefly, for a person: "battle, 3 killed"; empty when nothing is known."""
    if event is None:
        return ""
    named = EVENT_TYPES.get(event.type, event.type).lower() if event.type else ""
    return ", ".join(p for p in (named, event_counts(event)) if p)


def reading_line(
    tags: Sequence[Tag],
    relevance: Relevance | None,
    place: Place | None,
    event: Event | None = None,
) -> str:
    """A report's reading for a person: whether it is not about Libya, where it happened, what
    happened, and the watchlist's actors and places it names."""
    names_given = names(tags, TagKind.ACTOR) + names(tags, TagKind.PLACE)
    parts = [
        "not about Libya" if relevance is not None and not relevance.relevant else "",
        f"at {place.name}" if place is not None else "",
        event_brief(event),
        ", ".join(names_given) or "(no watchlist tags)",
    ]
    return "; ".join(p for p in parts if p)


def not_about_libya(count: int) -> str:
    """What a count of new reports in a summary adds for those not about Libya:
    " (3 not about Libya)", or nothing."""
    return f" ({count:,} not about Libya)" if count else ""


def names(tags: Sequence[Tag], kind: TagKind) -> list[str]:
    return list(dict.fromkeys(t.name for t in tags if t.kind is kind))


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
