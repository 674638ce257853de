"""Store: where reports, their tags, dedup relations, feeds and the alert outbox are kept."""

from monitor.store.base import Added, Claim, Pruned, Store
from monitor.store.engine import create_store_engine
from monitor.store.sql import SqlStore

__all__ = ["Added", "Claim", "Pruned", "SqlStore", "Store", "create_store_engine"]
