"""The small rules of talking to other servers, written once: what counts as a web address, how
long a server's Retry-After asks us to wait, and how a wait grows after each failure. Used by the
feed fetcher, the Slack notifier, the outbox's dispatcher, feeds' health and the configuration."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

# Longest wait a server's Retry-After may ask for; anything longer is read as this.
RETRY_AFTER_MAX_S = 24 * 3600.0


def is_http_url(value: str) -> bool:
    """Whether `value` is an http or https URL with a host."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def retry_after_s(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date (from `now`),
    between 0 and `RETRY_AFTER_MAX_S`; None when there is none or it cannot be read."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            at = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        seconds = (at - now).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_MAX_S)


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    """A header's value, its name in any case; the first of a list."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list) and value else value)
    return None


def backoff_s(failures: int, first_s: float, max_s: float) -> float:
    """The wait after `failures` failures in a row (1 or more): `first_s`, then twice that,
    four times... up to `max_s`."""
    return min(max_s, first_s * 2 ** min(failures - 1, 40))
