"""Store: where reports, their tags, dedup relations and the alert outbox are kept."""

from monitor.store.base import Store
from monitor.store.sql import Added, SqlStore, create_store_engine

__all__ = ["Added", "SqlStore", "Store", "create_store_engine"]
