"""Alert rules: which new reports alert, and in which channel. Pure.

A rule matches on actors, places (an entity named in the report or anything it belongs to, so a
rule for the LNA catches a report that names only Haftar), actor kinds and keywords. With
`match = "any"` one criterion that holds is enough; with `"all"` each criterion given must hold
(and within a criterion, one of its values). A rule with no criteria matches every report that
names at least one watchlist actor or place. A report that several rules send to one channel
alerts there once. Duplicates never alert.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from monitor.model import AlertIntent, Report, Status, Tag, TagKind, Verdict


@dataclass(frozen=True, kw_only=True, slots=True)
class Rule:
    name: str
    channel: str
    actors: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    actor_kinds: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    match: Literal["any", "all"] = "any"


def _keyword_found(keyword: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(keyword)}(?!\w)", text, re.IGNORECASE) is not None


def rule_matches(rule: Rule, report: Report, tags: Sequence[Tag]) -> bool:
    actors = {i for t in tags if t.kind is TagKind.ACTOR for i in (t.entity_id, *t.parents)}
    places = {i for t in tags if t.kind is TagKind.PLACE for i in (t.entity_id, *t.parents)}
    kinds = {t.entity_kind for t in tags if t.kind is TagKind.ACTOR}
    checks: list[bool] = []
    if rule.actors:
        checks.append(bool(actors.intersection(rule.actors)))
    if rule.places:
        checks.append(bool(places.intersection(rule.places)))
    if rule.actor_kinds:
        checks.append(bool(kinds.intersection(rule.actor_kinds)))
    if rule.keywords:
        text = f"{report.title}\n{report.text}"
        checks.append(any(_keyword_found(k, text) for k in rule.keywords))
    if not checks:
        return bool(tags)
    return all(checks) if rule.match == "all" else any(checks)


def route(
    report: Report, verdict: Verdict, tags: Sequence[Tag], rules: Sequence[Rule]
) -> list[AlertIntent]:
    """The alerts a report raises: one per channel, from the first rule that sends it there."""
    if verdict.status is not Status.NEW:
        return []
    intents: dict[str, AlertIntent] = {}
    for rule in rules:
        if rule.channel not in intents and rule_matches(rule, report, tags):
            intents[rule.channel] = AlertIntent(channel=rule.channel, rule=rule.name)
    return list(intents.values())
