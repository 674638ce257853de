"""Alert rules: which new reports alert, and in which channel. Pure.

A rule matches on actors, places (an entity named in the report or anything it belongs to, so a
rule for the LNA catches a report that names only Haftar), actor kinds and keywords. With
`match = "any"` one criterion that holds is enough; with `"all"` each criterion given must hold
(and within a criterion, one of its values). A rule alerts only on reports about Libya (see
`monitor.tag.relevance`) unless it says `relevant_only = False`: the watchlist rightly holds
France, the UN and ISIS, whom the whole world's news names. A rule with no criteria matches
every report about Libya (with `relevant_only = False`: every report that names a watchlist
actor or place). A report that several rules send to one channel alerts there once. A rule can
be muted until a time. Duplicates never alert.

What happened (the report's `Event`, see `monitor.event`) narrows a rule, whatever its `match`:
with `event_types` the event must be of one of them, with `min_killed` it must give a number of
dead of at least that (none given is not enough, not even for 0). Both are required on top of
the rest of the rule, as an analyst means "every battle with deaths in the Oil Crescent": a rule
of places = ["oil_crescent"], event_types = ["battle"], min_killed = 1 and match = "any" alerts
on battles with deaths in the Oil Crescent, not on every report of the Oil Crescent nor on
every deadly battle. A rule of event criteria alone matches what a rule of no criteria does,
narrowed to those events.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from monitor.model import AlertIntent, Event, Reading, Report, Status, Tag, TagKind, Verdict


@dataclass(frozen=True, kw_only=True, slots=True)
class Rule:
    name: str
    channel: str
    actors: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    actor_kinds: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    match: Literal["any", "all"] = "any"
    relevant_only: bool = True
    muted_until: datetime | None = None  # a muted rule raises no alert until then
    # What happened: required whatever `match` says (see the module's docstring).
    event_types: tuple[str, ...] = ()
    min_killed: int | None = None


def _keyword_found(keyword: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(keyword)}(?!\w)", text, re.IGNORECASE) is not None


@dataclass(frozen=True, kw_only=True, slots=True)
class _Subject:
    """What rules look at in one report, worked out once for all the rules."""

    actors: frozenset[str]
    places: frozenset[str]
    actor_kinds: frozenset[str | None]
    text: str
    tagged: bool
    relevant: bool
    event_type: str | None = None
    killed: int | None = None

    @classmethod
    def of(
        cls,
        report: Report,
        tags: Sequence[Tag],
        relevant: bool = True,
        event: Event | None = None,
    ) -> _Subject:
        def ids(kind: TagKind) -> frozenset[str]:
            return frozenset(i for t in tags if t.kind is kind for i in (t.entity_id, *t.parents))

        return cls(
            actors=ids(TagKind.ACTOR),
            places=ids(TagKind.PLACE),
            actor_kinds=frozenset(t.entity_kind for t in tags if t.kind is TagKind.ACTOR),
            text=f"{report.title}\n{report.text}",
            tagged=bool(tags),
            relevant=relevant,
            event_type=None if event is None else event.type,
            killed=None if event is None else event.killed,
        )


def _matches(rule: Rule, subject: _Subject) -> bool:
    if rule.relevant_only and not subject.relevant:
        return False
    # What happened narrows the rule whatever its `match` says.
    if rule.event_types and subject.event_type not in rule.event_types:
        return False
    if rule.min_killed is not None and (subject.killed is None or subject.killed < rule.min_killed):
        return False
    checks: list[bool] = []
    if rule.actors:
        checks.append(not subject.actors.isdisjoint(rule.actors))
    if rule.places:
        checks.append(not subject.places.isdisjoint(rule.places))
    if rule.actor_kinds:
        checks.append(not subject.actor_kinds.isdisjoint(rule.actor_kinds))
    if rule.keywords:
        checks.append(any(_keyword_found(k, subject.text) for k in rule.keywords))
    if not checks:
        # A rule of no criteria: every report about Libya (which may name no watchlist entry:
        # "Libyan security forces have killed 84 people"); for one that alerts on any report,
        # every report that names a watchlist entry.
        return subject.relevant if rule.relevant_only else subject.tagged
    return all(checks) if rule.match == "all" else any(checks)


def rule_matches(rule: Rule, report: Report, reading: Reading, event: Event | None = None) -> bool:
    """Whether `rule` matches a report read as `reading`, telling of `event`."""
    return _matches(rule, _Subject.of(report, reading.tags, reading.relevance.relevant, event))


def route(
    report: Report,
    verdict: Verdict,
    reading: Reading,
    rules: Sequence[Rule],
    now: datetime | None = None,
    event: Event | None = None,
) -> list[AlertIntent]:
    """The alerts a report raises: one per channel, from the first rule that sends it there
    (a rule muted until after `now` sends nothing). `event` is what happened (None: not known,
    which no rule of event criteria matches)."""
    if verdict.status is not Status.NEW:
        return []
    subject = _Subject.of(report, reading.tags, reading.relevance.relevant, event)
    intents: dict[str, AlertIntent] = {}
    for rule in rules:
        if rule.muted_until is not None and now is not None and now < rule.muted_until:
            continue
        if rule.channel not in intents and _matches(rule, subject):
            intents[rule.channel] = AlertIntent(channel=rule.channel, rule=rule.name)
    return list(intents.values())
