"""The drivers that poll feeds: `Poller` (one cycle, or the loop's engine), `Service` (`monitor
run`), the pure decisions on a feed's health and schedule, and the metrics endpoint."""

from monitor.daemon.feeds import Feed, PollResult, feeds_from_settings
from monitor.daemon.health import FeedNotice, Schedule
from monitor.daemon.metrics import Metrics
from monitor.daemon.poller import Poller
from monitor.daemon.service import Service, open_poller

__all__ = [
    "Feed",
    "FeedNotice",
    "Metrics",
    "PollResult",
    "Poller",
    "Schedule",
    "Service",
    "feeds_from_settings",
    "open_poller",
]
