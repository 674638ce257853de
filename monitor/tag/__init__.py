"""Tag: which watchlist actors and places a report names, where, and what they belong to."""

from monitor.tag.matcher import Tagger
from monitor.tag.watchlist import Entity, Watchlist, is_acronym, load_watchlist

__all__ = ["Entity", "Tagger", "Watchlist", "is_acronym", "load_watchlist"]
