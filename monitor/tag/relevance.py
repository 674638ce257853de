"""Relevance: whether a report is about Libya, with the evidence for the decision.

The watchlist rightly holds France, the UN and ISIS, and the whole world's news names them; a
monitor that alerted on every such report would be muted within a day. So a report is about
Libya on evidence that only Libya gives:

- Libyan places: any watchlist place that is Libya or lies in it;
- Libyan actors: the watchlist's actors less foreign states, international bodies and groups
  active far beyond Libya (`Watchlist.libyan` says which);
- the words Libya and Libyan in their forms, and ليبيا, ليبي and theirs.

Each mention weighs by where it stands: in the title, in the lead (the first `lead_words`
words of the text), or further down; and each further mention of the same thing counts
`repeat` times the one before, so that a name repeated down a long article adds up less than
several names in its lead. A mention found as another spelling or a misspelling counts
`variant` times its likeness (`Tag.score`): less certain, it is no evidence on its own. The
weights add up to `total`.

Two things weigh against it. Other countries named (`monitor.tag.elsewhere`: not those the
watchlist holds, whose affairs are Libya's) add up the same way to `other`, and only the share
`total / (total + elsewhere * other)` of the evidence counts: "Bahrain, Egypt, Libya, the
Maldives and Saudi Arabia cut ties with Qatar" is not about Libya. And a report on the world's
markets (oil prices, a barrel) names Libya as a cause: its `total` counts `market` times.

The score is `(1 - exp(-total)) * share`: no evidence 0; one mention in the title 0.63, in the
lead 0.55, in the ninth paragraph 0.14.

A report from a `general` source (world or regional news) is about Libya when its score is
`threshold` or more. A report from a `libya` source (a Libya outlet) is about Libya unless
its content clearly is not: no evidence at all, and an actor that is not Libyan named (a
foreign state, an international body, ISIS elsewhere) with nothing of Libya beside it.

Pure: the tags come from the tagger; nothing here reads anything else.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Annotated

from annotated_types import Ge, Gt, Le, Lt

from monitor.model import Evidence, Relevance, Report, Scope, Tag, TagKind
from monitor.tag.elsewhere import Named
from monitor.tag.layout import lead_end, title_repeated, where
from monitor.tag.watchlist import LIBYA


@dataclass(frozen=True, kw_only=True, slots=True)
class RelevancePolicy:
    """The weights of the evidence and the threshold: the `[relevance]` section of the
    configuration, validated into this (the bounds are the annotations); `config/monitor.toml`
    says how each default was chosen."""

    threshold: Annotated[float, Gt(0.0), Lt(1.0)] = 0.5
    title: Annotated[float, Ge(0.0)] = 1.0
    lead: Annotated[float, Ge(0.0)] = 0.8
    body: Annotated[float, Ge(0.0)] = 0.15
    lead_words: Annotated[int, Ge(1)] = 60
    repeat: Annotated[float, Ge(0.0), Le(1.0)] = 0.5
    variant: Annotated[float, Ge(0.0), Le(1.0)] = 0.5
    elsewhere: Annotated[float, Ge(0.0)] = 0.25
    market: Annotated[float, Ge(0.0), Le(1.0)] = 0.5


DEFAULT_RELEVANCE_POLICY = RelevancePolicy()
# Mentions of one thing that count: the fifth would add at most 1/16 of the first.
MENTIONS_COUNTED = 4
# The evidence shown with a decision: its weightiest mentions (and as many against).
EVIDENCE_SHOWN = 8
# Mentions found as another spelling or a misspelling: less certain, so they count
# `RelevancePolicy.variant` times as much.
VARIANT_METHODS = frozenset({"variant", "fuzzy"})

# Libya, Libyan, Libyans (and in capitals); ليبيا, ليبي, ليبية, الليبي, الليبيون... with a leading
# و/ب/ل/ف. Two patterns, each starting with its letters, are scanned far faster than one.
_LATIN = re.compile(r"(?:Libya|LIBYA)(?:ns?|NS?)?(?!\w)")
_ARABIC_STEM = "\u0644\u064a\u0628\u064a"  # ليبي
_ARABIC = re.compile(
    r"(?<!\w)[\u0648\u0628\u0644\u0641]?(?:\u0627\u0644|\u0644\u0644)?"
    + _ARABIC_STEM
    + r"(?:\u0627|\u0629|\u0648\u0646|\u064a\u0646|\u0627\u0646)?(?!\w)"
)


# What the world's markets report: Libya named as one cause of a price, not as the subject.
_MARKET = re.compile(
    r"\b(?:world|global|stock|oil|crude)\s+(?:markets?|prices?)\b|\bprices?\s+of\s+(?:crude|oil)"
    r"|\bbarrel\b|\bstock\s+exchanges?\b",
    re.IGNORECASE,
)


def libya_words(text: str) -> list[re.Match[str]]:
    """The words Libya and Libyan, in their forms, in `text`, in order."""
    found = [
        m for m in _LATIN.finditer(text) if m.start() == 0 or not text[m.start() - 1].isalnum()
    ]
    if _ARABIC_STEM in text:
        found += _ARABIC.finditer(text)
        found.sort(key=lambda m: m.start())
    return found


def judge(
    report: Report,
    tags: Sequence[Tag],
    scope: Scope,
    libyan: Collection[str],
    policy: RelevancePolicy = DEFAULT_RELEVANCE_POLICY,
    elsewhere: Sequence[Named] = (),
) -> Relevance:
    """Whether `report`, tagged `tags`, is about Libya. `libyan`: the ids whose mention is
    evidence of it (`Watchlist.libyan`)."""
    lead_ends = lead_end(report.text, policy.lead_words)
    repeated = title_repeated(report)
    weight_at = {"title": policy.title, "lead": policy.lead, "body": policy.body}
    # (weight, kind, id, text, field, start) of each mention that counts
    counted: list[tuple[float, str, str | None, str, str, int]] = []
    times: dict[str, int] = {}
    # The names that hold the word Libya ("Libyan National Army"), where that word is theirs.
    spans: dict[str, list[tuple[int, int]]] = {"title": [], "text": []}
    foreign = False
    repeat = policy.repeat
    for tag in tags:  # the title's, then the text's, each in order
        entity_id = tag.entity_id
        if entity_id == LIBYA:
            continue  # counted as a word below, with "Libyan"
        field = tag.field
        if field == "text" and tag.end <= repeated:
            continue  # the title's, counted there
        if entity_id not in libyan:
            foreign = foreign or tag.kind is TagKind.ACTOR
            continue
        text = tag.text
        if "iby" in text or "IBY" in text or _ARABIC_STEM in text:
            spans[field].append((tag.start, tag.end))
        # Each further mention of one thing counts `repeat` times the one before; after
        # `MENTIONS_COUNTED` mentions it adds nothing worth counting.
        n = times[entity_id] = times.get(entity_id, 0) + 1
        if n <= MENTIONS_COUNTED:
            at = "title" if field == "title" else "lead" if tag.start < lead_ends else "body"
            weight = weight_at[at] * tag.score * repeat ** (n - 1)
            if tag.method in VARIANT_METHODS:
                weight *= policy.variant
            counted.append((weight, tag.kind, entity_id, text, field, tag.start))
    n = 0
    for field, text in (("title", report.title), ("text", report.text)):
        covered = spans[field]
        starts = [s for s, _ in covered]
        for m in libya_words(text):
            begins = m.start()
            if field == "text" and m.end() <= repeated:
                continue  # the title's, counted there
            k = bisect_right(starts, begins) - 1
            if k >= 0 and begins < covered[k][1]:
                continue  # part of a name that counted already (Libyan National Army)
            n += 1
            if n > MENTIONS_COUNTED:
                break
            weight = weight_at[where(field, begins, lead_ends)] * repeat ** (n - 1)
            counted.append((weight, "word", None, m.group(), field, begins))
    total = sum(c[0] for c in counted)
    topic = ""
    head = (report.title + "\n" + report.text[:lead_ends]).lower()
    if (
        total
        and ("market" in head or "price" in head or "barrel" in head or "exchange" in head)
        and (found := _MARKET.search(head))
    ):
        total *= policy.market
        topic = f'; a report on markets ("{found.group()}")'
    # Other countries named: the same weights, each further mention of one counting less.
    against: list[tuple[float, str, str | None, str, str, int]] = []
    times = {}  # of each country
    for named in elsewhere:
        if named.field == "text" and named.end <= repeated:
            continue
        key = named.text.casefold()
        n = times[key] = times.get(key, 0) + 1
        if n <= MENTIONS_COUNTED:
            weight = weight_at[where(named.field, named.start, lead_ends)]
            weight *= policy.repeat ** (n - 1)
            against.append((weight, "elsewhere", None, named.text, named.field, named.start))
    other = sum(a[0] for a in against)
    share = total / (total + policy.elsewhere * other) if total else 0.0
    score = round((1 - math.exp(-total)) * share, 3)
    # The weightiest mentions, to show why.
    counted.sort(key=lambda c: -c[0])
    against.sort(key=lambda a: -a[0])
    shown = counted[:EVIDENCE_SHOWN] + [(-a[0], *a[1:]) for a in against[:EVIDENCE_SHOWN]]
    evidence = tuple(
        Evidence(
            kind=str(kind),
            id=entity_id,
            text=text,
            field=field,
            start=start,
            where=where(field, start, lead_ends),
            weight=round(weight, 3),
        )
        for weight, kind, entity_id, text, field, start in shown
    )
    if scope == "libya":
        relevant = bool(counted) or not (foreign or against)
        reason = (
            "a Libya source"
            if relevant
            else "a Libya source, but it names other countries' actors and nothing of Libya"
        )
    else:
        relevant = score >= policy.threshold
        reason = (
            f"score {score:.2f} {'at or above' if relevant else 'below'} "
            f"the threshold {policy.threshold:.2f}"
        )
    reason += topic
    return Relevance(
        relevant=relevant,
        score=score,
        scope=scope,
        reason=reason,
        evidence=evidence,
    )
