"""How reports are shown: JSON objects for machines, short lines for people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from monitor.model import Report, StoredAlert, Tag, TagKind, Verdict


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
) -> dict[str, Any]:
    return {
        "input": ref,
        "report_id": report_id,
        "status": verdict.status.value,
        "duplicate_of": verdict.duplicate_of,
        "story_id": story_id,
        "match": verdict.reason,
        "score": verdict.score,
        "title": report.title,
        "url": report.url,
        "source": report.source,
        "published": _iso(report.published),
        "actors": entity_list(tags, TagKind.ACTOR),
        "locations": entity_list(tags, TagKind.PLACE),
        "alerts": [{"channel": a.channel, "status": a.status.value} for a in alerts],
    }


def names(tags: Sequence[Tag], kind: TagKind) -> list[str]:
    return list(dict.fromkeys(t.name for t in tags if t.kind is kind))


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
