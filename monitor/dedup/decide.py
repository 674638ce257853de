"""The dedup decision: pure, from a fingerprint, the exact match the store found, and candidates.

Near-duplicates are judged by containment: the share of the shorter body's words that appear, in
order, in the longer one (rapidfuzz's LCS over word sequences). A copy with its footer removed or
replaced, a paragraph dropped, a new title or a few typos keeps nearly all of its words in order
(0.97 to 1.0 on the seeds); distinct reports that share a footer, or a paragraph of one report
against another, stay below 0.5. Comparing words, not characters, keeps a short text from
matching a long one merely because the long one holds every letter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import LCSseq

from monitor.dedup.fingerprint import Fingerprint
from monitor.model import Status, Verdict


@dataclass(frozen=True, kw_only=True, slots=True)
class DedupPolicy:
    """Thresholds. `near_threshold`: the containment from which a report is a near-duplicate.
    `min_words`: a body shorter than this is matched by exact keys only, since a few words say
    too little to call two texts the same report."""

    near_threshold: float = 0.85
    min_words: int = 20


DEFAULT_POLICY = DedupPolicy()


@dataclass(frozen=True, kw_only=True, slots=True)
class ExactMatch:
    """A stored original that shares an exact key with the new report, and which key."""

    report_id: int
    key: str  # guid | url | content


@dataclass(frozen=True, kw_only=True, slots=True)
class Candidate:
    """A stored original to weigh as a near-duplicate, as dedup's index holds it."""

    report_id: int
    words: tuple[int, ...]


def encode_words(words: tuple[str, ...]) -> tuple[int, ...]:
    """Words as ints for rapidfuzz (hashes compare much faster than strings; only within one
    process, which is where the index lives)."""
    return tuple(hash(w) for w in words)


def containment(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """The share of the shorter sequence's words found in order in the longer one."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return 0.0
    return LCSseq.similarity(short, long) / len(short)


def decide(
    fp: Fingerprint,
    exact: ExactMatch | None,
    candidates: Iterable[Candidate],
    policy: DedupPolicy = DEFAULT_POLICY,
) -> Verdict:
    """`duplicate` of the exact match if there is one, else of the best near-duplicate candidate
    at or above the threshold (the earliest on a tie), else `new`."""
    if exact is not None:
        return Verdict(
            status=Status.DUPLICATE, duplicate_of=exact.report_id, reason=exact.key, score=1.0
        )
    if len(fp.words) < policy.min_words:
        return Verdict(status=Status.NEW)
    mine = encode_words(fp.words)
    best: tuple[float, int] | None = None
    for candidate in candidates:
        if min(len(mine), len(candidate.words)) < policy.min_words:
            continue
        score = containment(mine, candidate.words)
        if score >= policy.near_threshold and (
            best is None or score > best[0] or (score == best[0] and candidate.report_id < best[1])
        ):
            best = (score, candidate.report_id)
    if best is None:
        return Verdict(status=Status.NEW)
    return Verdict(
        status=Status.DUPLICATE, duplicate_of=best[1], reason="near", score=round(best[0], 4)
    )
