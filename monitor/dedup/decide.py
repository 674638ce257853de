"""The dedup decision: pure, from a fingerprint, the exact match the store found, and candidates.

    seen       the same item again: same guid in its source, same canonical URL, or the same
               title and text. Not stored again.
    duplicate  the same report republished, syndicated, excerpted, re-titled or lightly edited:
               a stored original holds `near_threshold` of its words in order.
    new        anything else.

Near-duplicates are judged by containment: the share of the shorter body's words that appear, in
order, in the longer one (rapidfuzz's LCS over word sequences). A copy with its footer removed or
replaced, a paragraph dropped, a new title or a few typos keeps nearly all of its words in order
(0.97 to 1.0 on the seeds); distinct reports that share a footer, or a paragraph of one report
against another, stay below 0.5. Comparing words, not characters, keeps a short text from
matching a long one merely because the long one holds every letter.

Only a handful of originals are compared: those the retrieval keys point to, ranked by the share
of the smaller key set they have in common (`rank`), which estimates the containment cheaply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated

from annotated_types import Ge, Gt, Le
from rapidfuzz.distance import LCSseq

from monitor.dedup.fingerprint import Fingerprint
from monitor.model import Status, Verdict


@dataclass(frozen=True, kw_only=True, slots=True)
class DedupPolicy:
    """Thresholds: the `[dedup]` section of the configuration, validated into this (the bounds
    are the annotations); `config/monitor.toml` gives the measurement behind each default.

    `near_threshold`: the containment from which a report is a near-duplicate.
    `min_words`: a body shorter than this is matched by exact keys only.
    `sampling`, `head`: every shingle of the first `head` words becomes a retrieval key, and
    one in `sampling` of the rest.
    `min_shared`: the share of the smaller key set two reports must have in common for the
    original to be compared word by word.
    `max_compared`: at most this many originals are compared for one report.
    `key_postings`: a key held by this many originals in the window is common (a stock phrase)
    and is not given to more.
    `window_days`: how far back near-duplicates are looked for; exact keys look back forever.
    `boilerplate_recent`, `boilerplate_reports`, `boilerplate_share`: a paragraph is boilerplate
    for a source when it is in this many, and this share, of the source's last originals.
    """

    near_threshold: Annotated[float, Gt(0.0), Le(1.0)] = 0.85
    min_words: Annotated[int, Ge(1)] = 20
    sampling: Annotated[int, Ge(1)] = 16
    head: Annotated[int, Ge(0)] = 40
    min_shared: Annotated[float, Gt(0.0), Le(1.0)] = 0.5
    max_compared: Annotated[int, Ge(1)] = 4
    key_postings: Annotated[int, Ge(1)] = 50
    window_days: Annotated[int, Ge(1)] = 90
    boilerplate_recent: Annotated[int, Ge(1)] = 50
    boilerplate_reports: Annotated[int, Ge(1)] = 3
    boilerplate_share: Annotated[float, Ge(0.0), Le(1.0)] = 0.2


DEFAULT_POLICY = DedupPolicy()


@dataclass(frozen=True, kw_only=True, slots=True)
class ExactMatch:
    """A stored report that is the same item as the new one, which key said so, and how that
    report itself was judged (`duplicate_of`) and grouped (`story_id`)."""

    report_id: int
    key: str  # guid | url | content
    duplicate_of: int | None = None
    story_id: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Candidate:
    """A stored original to weigh as a near-duplicate: its words (hashed, see `encode_words`)
    and the story it belongs to. `own_words`, when given, are the new report's words to weigh
    against this original (both without the boilerplate of either source)."""

    report_id: int
    words: tuple[int, ...]
    story_id: int | None = None
    own_words: tuple[int, ...] | None = None


def encode_words(words: tuple[str, ...]) -> tuple[int, ...]:
    """Words as ints for rapidfuzz (hashes compare much faster than strings; only within one
    process, which is where the comparison happens)."""
    return tuple(map(hash, words))


def containment(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """The share of the shorter sequence's words found in order in the longer one."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return 0.0
    return LCSseq.similarity(short, long) / len(short)


def rank(
    keys: int,
    shared: Mapping[int, int],
    key_counts: Mapping[int, int],
    policy: DedupPolicy = DEFAULT_POLICY,
) -> list[int]:
    """The originals worth comparing with a report of `keys` retrieval keys (those not common,
    see `DedupPolicy.key_postings`), best first: `shared` counts the keys each original has in
    common with it, `key_counts` the number of keys each original was filed under."""
    scored = []
    for report_id, hits in shared.items():
        smaller = min(keys, key_counts.get(report_id, keys)) or 1
        share = hits / smaller
        if share >= policy.min_shared:
            scored.append((-share, report_id))
    scored.sort()
    return [report_id for _, report_id in scored[: policy.max_compared]]


def seen(exact: ExactMatch) -> Verdict:
    """The verdict on an item the store holds already."""
    return Verdict(
        status=Status.SEEN,
        same_as=exact.report_id,
        duplicate_of=exact.duplicate_of,
        reason=exact.key,
        score=1.0,
        story_id=exact.story_id,
    )


def decide(
    fp: Fingerprint, candidates: Iterable[Candidate], policy: DedupPolicy = DEFAULT_POLICY
) -> Verdict:
    """For a report the store does not hold already (else see `seen`): `duplicate` of the best
    candidate at or above the threshold (the earliest on a tie), else `new`."""
    if len(fp.words) < policy.min_words:
        return Verdict(status=Status.NEW)
    mine = encode_words(fp.words)
    best: tuple[float, int, int | None] | None = None
    for candidate in candidates:
        own = mine if candidate.own_words is None else candidate.own_words
        if min(len(own), len(candidate.words)) < policy.min_words:
            continue
        score = containment(own, candidate.words)
        if score >= policy.near_threshold and (
            best is None or score > best[0] or (score == best[0] and candidate.report_id < best[1])
        ):
            best = (score, candidate.report_id, candidate.story_id)
    if best is None:
        return Verdict(status=Status.NEW)
    return Verdict(
        status=Status.DUPLICATE,
        duplicate_of=best[1],
        reason="near",
        score=round(best[0], 4),
        story_id=best[2],
    )
