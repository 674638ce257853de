"""The store's rows: what it writes for a report, and every domain type it reads back (a
report, its tags, an alert, a feed's state, a story candidate, an exact match), in one place.

Rows read through SQLAlchemy are read by column name; the hot path's rows (see
`monitor.store.driver`) come as tuples of the columns its statement names, in that order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from monitor.dedup import ExactMatch, Fingerprint, Identity, encode_keys
from monitor.model import (
    AlertStatus,
    Cue,
    Event,
    Evidence,
    FeedState,
    Place,
    Relevance,
    Report,
    Status,
    StoredAlert,
    StoredReport,
    Tag,
    TagKind,
    Verdict,
)
from monitor.store.schema import (
    Base,
    DedupKeyRow,
    ReportEntityRow,
    StoryKeyRow,
    TagRow,
)
from monitor.story import Signature, StoryCandidate

# The columns of an alert as `alert_of` reads them, in its order.
ALERT_COLUMNS = (
    "id, report_id, channel, rule, status, created_at, sent_at, error,"
    " attempts, ts, thread_ts, channel_id, claimed_at"
)


def encode_signature(signature: Signature) -> str:
    """A story signature as the `story_sig` column keeps it: facts, "|", places."""
    return " ".join(sorted(signature.facts)) + "|" + " ".join(sorted(signature.places))


def decode_signature(text: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """(facts, places) of a `story_sig` column."""
    facts, _, places = (text or "").partition("|")
    return frozenset(facts.split()), frozenset(places.split())


def report_values(
    *,
    report: Report,
    fingerprint: Fingerprint,
    verdict: Verdict,
    input_ref: str | None,
    keys: Sequence[int],
    signature: Signature | None,
    story_id: int | None,
    stored_at: datetime,
    relevance: Relevance | None = None,
    place: Place | None = None,
    event: Event | None = None,
    story_reason: str | None = None,
) -> dict[str, Any]:
    """The `reports` row of a report, without its id. `relevance`, `place` and `event` are left
    as JSON values (dicts, or None) for the caller to encode."""
    is_new = verdict.status is Status.NEW
    row = {
        "source": report.source,
        "url": report.url,
        "canonical_url": fingerprint.canonical_url,
        "guid": report.guid,
        "title": report.title,
        "text": report.text,
        "published": report.published,
        "fetched_at": report.fetched_at,
        "stored_at": stored_at,
        "content_hash": fingerprint.content_hash,
        "status": verdict.status.value,
        "duplicate_of": verdict.duplicate_of,
        "dedup_reason": verdict.reason,
        "dedup_score": verdict.score,
        "input_ref": input_ref,
        "story_id": story_id,
        "story_reason": story_reason,
        "story_sig": encode_signature(signature) if signature is not None and is_new else None,
    }
    return row | reading_values(relevance, place) | event_values(event)


def reading_values(relevance: Relevance | None, place: Place | None) -> dict[str, Any]:
    """The `reports` columns that say whether a report is about Libya and where it happened."""
    return {
        "relevant": None if relevance is None else relevance.relevant,
        "relevance": None if relevance is None else relevance_json(relevance),
        "place": None if place is None else asdict(place),
        "place_id": None if place is None else place.id,
    }


def event_values(event: Event | None) -> dict[str, Any]:
    """The `reports` columns that say what happened: the event, its type and its dead."""
    return {
        "event": None if event is None else event_json(event),
        "event_type": None if event is None else event.type,
        "killed": None if event is None else event.killed,
    }


def event_json(event: Event) -> dict[str, Any]:
    """An event as the `event` column keeps it: its fields, the date as an ISO date."""
    values = asdict(event)
    values["date"] = None if event.date is None else event.date.isoformat()
    return values


def event_of(values: dict[str, Any] | None) -> Event | None:
    """The `event` column as an Event (None for a report not yet read for one)."""
    if values is None:
        return None
    day = values.get("date")
    return Event(
        type=values.get("type"),
        subtype=values.get("subtype"),
        killed=values.get("killed"),
        injured=values.get("injured"),
        kidnapped=values.get("kidnapped"),
        arrested=values.get("arrested"),
        date=None if day is None else date.fromisoformat(day),
        actors=tuple(values.get("actors") or ()),
        targets=tuple(values.get("targets") or ()),
        cues=tuple(
            Cue(
                what=c["what"],
                value=c["value"],
                text=c["text"],
                field=c["field"],
                start=c["start"],
            )
            for c in values.get("cues") or ()
        ),
    )


def relevance_json(relevance: Relevance) -> dict[str, Any]:
    """A relevance decision as the `relevance` column keeps it (the decision itself is the
    `relevant` column)."""
    values = asdict(relevance)
    del values["relevant"]
    return values


def relevance_of(relevant: bool | None, values: dict[str, Any] | None) -> Relevance | None:
    """The `relevant` and `relevance` columns as a Relevance (None for a report not yet read)."""
    if relevant is None or values is None:
        return None
    return Relevance(
        relevant=bool(relevant),
        score=values["score"],
        scope=values["scope"],
        reason=values["reason"],
        evidence=tuple(
            Evidence(
                kind=e["kind"],
                id=e.get("id"),
                text=e["text"],
                field=e["field"],
                start=e["start"],
                where=e["where"],
                weight=e["weight"],
            )
            for e in values.get("evidence") or ()
        ),
    )


def place_of(values: dict[str, Any] | None) -> Place | None:
    """The `place` column as a Place."""
    if values is None:
        return None
    return Place(
        id=values["id"],
        name=values["name"],
        kind=values.get("kind"),
        lat=values.get("lat"),
        lon=values.get("lon"),
        parents=tuple(values.get("parents") or ()),
        text=values["text"],
        field=values["field"],
        start=values["start"],
        reason=values["reason"],
    )


def child_rows(
    report_id: int,
    *,
    verdict: Verdict,
    tags: Sequence[Tag],
    keys: Sequence[int],
    signature: Signature | None,
) -> dict[type[Base], list[dict[str, Any]]]:
    """The rows a report owns besides its alerts, by table: its tags, the entities it concerns
    (named, or through a child), and for an original its retrieval and story keys."""
    is_new = verdict.status is Status.NEW
    return tag_rows(report_id, tags) | {
        DedupKeyRow: (
            [{"report_id": report_id, "keys": encode_keys(keys)}] if is_new and keys else []
        ),
        StoryKeyRow: (
            [{"key": k, "day": signature.day, "report_id": report_id} for k in signature.keys()]
            if is_new and signature is not None
            else []
        ),
    }


def tag_rows(report_id: int, tags: Sequence[Tag]) -> dict[type[Base], list[dict[str, Any]]]:
    """A report's rows that come of its tags: the tags, and the entities it concerns (named, or
    through a child)."""
    entities: dict[str, tuple[str, bool]] = {}
    for t in tags:
        entities[t.entity_id] = (t.kind.value, True)
        for parent in t.parents:
            entities.setdefault(parent, (t.kind.value, False))
    return {
        TagRow: [tag_values(report_id, t) for t in tags],
        ReportEntityRow: [
            {"report_id": report_id, "entity_id": e, "kind": k, "direct": d}
            for e, (k, d) in entities.items()
        ],
    }


def tag_values(report_id: int, t: Tag) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "kind": t.kind.value,
        "entity_id": t.entity_id,
        "name": t.name,
        "text": t.text,
        "field": t.field,
        "start": t.start,
        "end": t.end,
        "method": t.method,
        "score": t.score,
        "entity_kind": t.entity_kind,
        "parents": list(t.parents),
        "lat": t.lat,
        "lon": t.lon,
    }


def tag_of(row: Any) -> Tag:
    return Tag(
        kind=TagKind(row.kind),
        entity_id=row.entity_id,
        name=row.name,
        text=row.text,
        field=row.field,
        start=row.start,
        end=row.end,
        method=row.method,
        score=row.score,
        entity_kind=row.entity_kind,
        parents=tuple(row.parents or ()),
        lat=row.lat,
        lon=row.lon,
    )


def report_of(row: Any) -> Report:
    """The Report a `reports` row keeps."""
    return Report(
        source=row.source,
        url=row.url,
        guid=row.guid,
        title=row.title,
        text=row.text,
        published=row.published,
        fetched_at=row.fetched_at,
    )


def stored_report(row: Any, tags: Sequence[Tag]) -> StoredReport:
    return StoredReport(
        id=row.id,
        report=report_of(row),
        status=Status(row.status),
        duplicate_of=row.duplicate_of,
        story_id=row.story_id,
        tags=tuple(tags),
        input_ref=row.input_ref,
        relevance=relevance_of(row.relevant, row.relevance),
        place=place_of(row.place),
        event=event_of(row.event),
        story_reason=row.story_reason,
    )


def story_candidate_of(report_id: int, story_id: int | None, sig: str | None) -> StoryCandidate:
    """A stored original as the story stage weighs it: its story and its `story_sig` column."""
    facts, places = decode_signature(sig)
    return StoryCandidate(
        report_id=report_id, story_id=story_id or report_id, places=places, facts=facts
    )


def exact_match(fp: Identity, rows: Sequence[Any]) -> ExactMatch | None:
    """Which of `rows` (id, source, guid, canonical_url, content_hash, duplicate_of, story_id;
    in id order) is the same item as `fp`: the same guid within its source, else the same
    canonical URL, else the same content hash; the oldest of each."""
    for key, holds in (
        ("guid", lambda r: fp.guid and r[1] == fp.source and r[2] == fp.guid),
        ("url", lambda r: fp.canonical_url and r[3] == fp.canonical_url),
        ("content", lambda r: r[4] == fp.content_hash),
    ):
        for row in rows:
            if holds(row):
                return ExactMatch(report_id=row[0], key=key, duplicate_of=row[5], story_id=row[6])
    return None


def alert_of(row: Sequence[Any], time_out: Callable[[Any], datetime | None]) -> StoredAlert:
    """An alert from a row of `ALERT_COLUMNS`; `time_out` reads the driver's times."""
    return StoredAlert(
        id=row[0],
        report_id=row[1],
        channel=row[2],
        rule=row[3],
        status=AlertStatus(row[4]),
        created_at=time_out(row[5]),  # type: ignore[arg-type]
        sent_at=time_out(row[6]),
        error=row[7],
        attempts=row[8],
        ts=row[9],
        thread_ts=row[10],
        channel_id=row[11],
        claimed_at=time_out(row[12]),
    )


def feed_state_of(row: Any) -> FeedState:
    """A feed's state from its `feeds` row (read by column name)."""
    return FeedState(**{f: row[f] for f in FeedState.__dataclass_fields__})
