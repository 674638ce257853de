"""Tag: which watchlist actors and places a report names, where, and what they belong to."""

from monitor.tag.matcher import Tagger
from monitor.tag.relevance import DEFAULT_RELEVANCE_POLICY, RelevancePolicy
from monitor.tag.watchlist import Entity, Watchlist, is_acronym, load_watchlist

__all__ = [
    "DEFAULT_RELEVANCE_POLICY",
    "Entity",
    "RelevancePolicy",
    "Tagger",
    "Watchlist",
    "is_acronym",
    "load_watchlist",
]
