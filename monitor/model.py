"""The domain data that travels through the pipeline: frozen, keyword-only, free of storage.

    sources -> Entry -> normalize -> Report -> dedup -> Verdict -> tag -> Reading -> event
    -> Event -> story -> store -> alert

ORM rows never leave `monitor.store`; what comes out of it is `StoredReport` and `StoredAlert`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

# What a source covers: "libya" (a Libya outlet: its reports are about Libya unless their content
# clearly is not) or "general" (world or regional news: about Libya only on the evidence).
Scope = Literal["libya", "general"]
SCOPES: tuple[Scope, ...] = ("libya", "general")


@dataclass(frozen=True, kw_only=True, slots=True)
class Entry:
    """One report as a source gave it, before any cleaning.

    `ref` says where it came from (a path, `path:line`, `path#3` for a feed's third entry) and is
    what every error and every output line names. `body` may hold HTML; `published` is the raw
    value the source gave (text, or an aware datetime when the source parsed it already).
    """

    ref: str
    source: str
    body: str
    title: str | None = None
    url: str | None = None
    guid: str | None = None
    published: str | datetime | None = None
    scope: Scope = "general"


@dataclass(frozen=True, kw_only=True, slots=True)
class Report:
    """A cleaned report: plain text with paragraphs kept, whitespace folded, times in UTC."""

    source: str
    url: str | None
    guid: str | None
    title: str
    text: str
    published: datetime | None
    fetched_at: datetime


class Status(StrEnum):
    """How a report relates to what is stored: `seen` (the same item again, not stored twice),
    `duplicate` (the same report republished or lightly edited) or `new`."""

    NEW = "new"
    DUPLICATE = "duplicate"
    SEEN = "seen"


@dataclass(frozen=True, kw_only=True, slots=True)
class Verdict:
    """The dedup stage's decision for one report.

    `reason` is how it was recognised: `guid`, `url` or `content` (the same title and words) for
    `seen`, whose `same_as` is the stored report it is; `near` for a duplicate, with `score` its
    containment in [0, 1]. `duplicate_of` is the original a duplicate copies (for `seen`, the
    original of the stored report, if that one was a duplicate). `story_id` is the story of the
    original, when dedup knows it; the story stage decides it for a `new` report.
    """

    status: Status
    duplicate_of: int | None = None
    same_as: int | None = None
    reason: str | None = None
    score: float | None = None
    story_id: int | None = None


class TagKind(StrEnum):
    ACTOR = "actor"
    PLACE = "place"


@dataclass(kw_only=True, slots=True)
class Tag:
    """One mention of a watchlist entity in a report.

    `field` is `title` or `text`; `start` and `end` are character offsets into that field, so
    `report.text[start:end] == text` for a mention in the text. `parents` lists the ids the
    entity belongs to, nearest first (Haftar: the LNA; Hay al-Gizah: Sirte).

    A value like the frozen classes here (nothing changes a tag once made), but not declared
    frozen: a frozen dataclass costs three times as much to make, and the tag stage makes one
    for every mention of every report. Not hashable for the same reason.
    """

    kind: TagKind
    entity_id: str
    name: str
    text: str
    field: str
    start: int
    end: int
    method: str = "alias"
    score: float = 1.0
    entity_kind: str | None = None
    parents: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Evidence:
    """One thing that counted towards a relevance decision: a Libyan place or actor, or the word
    Libya in one of its forms (`kind` place, actor, word), where it stood (`field`, `start`, and
    `where`: title, lead or body) and the weight it carried."""

    kind: str
    text: str
    field: str
    start: int
    where: str
    weight: float
    id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Relevance:
    """Whether a report is about Libya: `score` in [0, 1] from the `evidence`, `relevant` the
    decision (`score` at or above the threshold, or the source's `scope` said so), and `reason`
    the decision in words."""

    relevant: bool
    score: float
    scope: Scope
    reason: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Place:
    """Where the reported action happened: a watchlist place, with the mention that placed it
    (`text`, `field`, `start`) and why that one (`reason`, e.g. 'after "near" in the title')."""

    id: str
    name: str
    kind: str | None
    lat: float | None
    lon: float | None
    parents: tuple[str, ...]
    text: str
    field: str
    start: int
    reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Reading:
    """What the tag stage reads in a report: its tags, whether it is about Libya, and where the
    reported action happened (None when the report does not say)."""

    tags: tuple[Tag, ...]
    relevance: Relevance
    place: Place | None


# ACLED's top-level event types (codebook 2023), and how an alert names each.
EVENT_TYPES = {
    "battle": "Battle",
    "explosion_remote_violence": "Explosion/remote violence",
    "violence_against_civilians": "Violence against civilians",
    "protest": "Protest",
    "riot": "Riot",
    "strategic_development": "Strategic development",
}
# The counts an event may give, in the order an alert says them.
EVENT_COUNTS = ("killed", "injured", "kidnapped", "arrested")


@dataclass(frozen=True, kw_only=True, slots=True)
class Cue:
    """What in the text decided one part of an event: `what` (type, subtype, killed, injured,
    kidnapped, arrested, date, actors), the `value` decided, and the words (`text`, in `field`
    at `start`) that said it."""

    what: str
    value: str
    text: str
    field: str
    start: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """What happened, as the report's title and lead tell it: ACLED's `type` and `subtype`
    (None when the report tells of no event), the people killed, injured, kidnapped and
    arrested where the text gives a number, the `date` it happened where the text says, the
    watchlist actors who acted (`actors`) and those acted on (`targets`), and the `cues` behind
    each of these."""

    type: str | None
    subtype: str | None = None
    killed: int | None = None
    injured: int | None = None
    kidnapped: int | None = None
    arrested: int | None = None
    date: date | None = None
    actors: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    cues: tuple[Cue, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertIntent:
    """The alert stage's decision: send this report to this channel, because of this rule."""

    channel: str
    rule: str


class AlertStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # handed to the notifier; if the process died then, it may have arrived
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredReport:
    """A report as the store keeps it, with its id, verdict and tags."""

    id: int
    report: Report
    status: Status
    duplicate_of: int | None
    story_id: int | None = None
    tags: tuple[Tag, ...] = ()
    input_ref: str | None = None
    # Computed on storing (and by `monitor db upgrade` for reports stored before); None only for
    # a report not yet given them.
    relevance: Relevance | None = None
    place: Place | None = None
    event: Event | None = None
    story_reason: str | None = None  # why it joined its story or opened one


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredAlert:
    """An alert in the outbox."""

    id: int
    report_id: int
    channel: str
    rule: str
    status: AlertStatus
    created_at: datetime
    sent_at: datetime | None = None
    error: str | None = None
    attempts: int = 0
    ts: str | None = None  # the message's id where it was delivered (Slack's ts)
    thread_ts: str | None = None  # the message it replies to, for a story's follow-up
    channel_id: str | None = None  # the channel's id where it was delivered (Slack's C...)
    claimed_at: datetime | None = None  # when it was last handed to the notifier


@dataclass(frozen=True, kw_only=True, slots=True)
class FeedState:
    """How a feed has fared: what its last poll kept for a conditional GET, when it last worked and
    last failed and why, and when it is polled next. Stored under the feed's configured name."""

    name: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    polls: int = 0
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0  # consecutive
    failing_since: datetime | None = None
    down_alerted: bool = False
    next_poll_at: datetime | None = None
    last_new: int = 0
    total_new: int = 0
