"""The SQL store: SQLAlchemy 2.x over SQLite (the default, in WAL mode) or any other database URL.

Each `add` is one transaction: the report, its tags, the entities it concerns and its alerts are
committed together or not at all, so an acknowledged report is never half-written and an alert
is never lost between the report and the outbox. A dry run flushes instead of committing and
rolls everything back on close.

`SqlStore` is written by topic, each part on the one session (`monitor.store.session`):
`lookups` (what dedup and stories look up), `reports`, `outbox`, `feeds` and `housekeeping`.
"""

from __future__ import annotations

from monitor.store.feeds import Feeds
from monitor.store.housekeeping import Housekeeping
from monitor.store.lookups import Lookups
from monitor.store.outbox import Outbox
from monitor.store.reports import Reports


class SqlStore(Lookups, Reports, Outbox, Feeds, Housekeeping):
    """Reports, tags, dedup relations, feeds and the alert outbox in one SQL database: the
    `Store`.

    Takes an engine; disposes of it on `close` only if it was created here (`SqlStore.open`).
    Every method raises StoreError when the database fails.
    """
