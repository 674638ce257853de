"""Dedup: is a report one we already hold? Exact keys first, then near-duplicates."""

from monitor.dedup.decide import Candidate, DedupPolicy, ExactMatch, containment, decide
from monitor.dedup.fingerprint import Fingerprint, canonical_url, fingerprint
from monitor.dedup.index import NearIndex

__all__ = [
    "Candidate",
    "DedupPolicy",
    "ExactMatch",
    "Fingerprint",
    "NearIndex",
    "canonical_url",
    "containment",
    "decide",
    "fingerprint",
]
