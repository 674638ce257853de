"""The errors monitor raises, one tree rooted at MonitorError.

    MonitorError
    ├── ConfigError (ValueError)         a configuration file or value is wrong; names file and key
    │   └── WatchlistError               a watchlist file is wrong; names the file and the entry
    ├── InputError (ValueError)          one input (file, line, feed entry) cannot become a report
    ├── FetchError (OSError)             a feed could not be fetched; names the feed's URL and
    │                                    why, and carries the server's Retry-After if it sent one
    ├── StoreError (RuntimeError)        the database cannot be opened or written
    └── DeliveryError (RuntimeError)     a notifier could not deliver an alert; `permanent` says
                                         whether trying again can help

Library errors are wrapped where they cross into monitor (`raise StoreError(...) from e`), so a log
line says which file, feed or database failed and why.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error monitor raises on purpose."""


class ConfigError(MonitorError, ValueError):
    """A configuration file or value is wrong. The message names the file and the key."""


class WatchlistError(ConfigError):
    """A watchlist file is wrong. The message names the file and the entry."""


class InputError(MonitorError, ValueError):
    """One input cannot become a report. `ref` names it: a path, `path:line`, or a feed entry."""

    def __init__(self, ref: str, reason: str) -> None:
        super().__init__(f"{ref}: {reason}")
        self.ref = ref
        self.reason = reason


class FetchError(MonitorError, OSError):
    """A feed could not be fetched. `reason` says why in a few words; `status` is the HTTP status
    when the server answered; `retry_after_s` is how long it asked us to wait (429, 503)."""

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status
        self.retry_after_s = retry_after_s


class StoreError(MonitorError, RuntimeError):
    """The database cannot be opened, read or written."""


class DeliveryError(MonitorError, RuntimeError):
    """An alert could not be delivered. A permanent error will not heal by trying again;
    `retry_after_s` is how long the service asked us to wait (a 429's Retry-After)."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after_s: float | None = None,
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after_s = retry_after_s
        # The message went out and no answer came back: it may have arrived.
        self.maybe_delivered = maybe_delivered
