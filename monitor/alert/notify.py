"""Notifiers deliver an `AlertMessage` somewhere. The console notifier writes a readable block."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Protocol, TextIO

from monitor.alert.message import AlertMessage
from monitor.model import StoredAlert


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivered:
    """Where a message went: its id (Slack's ts) and its channel's id, when the notifier has
    them."""

    ts: str | None = None
    channel_id: str | None = None


class Notifier(Protocol):
    """Delivers alerts. Raises DeliveryError when it cannot (`permanent` when retrying is
    pointless). A class may name Notifier as its base to take the defaults below: no pace, and
    nothing it can look up."""

    # Seconds between two messages to one channel (Slack's rate limit).
    pace_s: float = 0.0
    # Whether `find` can tell that a message handed over before arrived. The outbox then
    # records an alert as being sent before it goes, and a crash leaves it to be looked up
    # rather than sent again (see `monitor.alert.dispatch`).
    can_find: bool = False
    # Whether alerts go out as each group of reports is stored (the console takes them as they
    # come), rather than from the outbox, paced and retried (Slack).
    immediate: bool = False

    def send(self, message: AlertMessage) -> Delivered | None:
        """One report's alert."""
        ...

    def send_notice(self, channel: str, text: str) -> None:
        """A plain message to the team (a feed down or recovered)."""
        ...

    def find(self, alert: StoredAlert, channel_id: str | None) -> Delivered | None:
        """The message of `alert` if it arrived, when `can_find`; else None."""
        return None


class ConsoleNotifier(Notifier):
    """Writes each alert as a block of text to a stream (standard error by default), as fast
    as they come."""

    immediate = True

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def send(self, message: AlertMessage) -> Delivered | None:
        stream = self._stream or sys.stderr
        published = message.published.strftime("%Y-%m-%d %H:%M UTC") if message.published else "-"
        lines = [
            f"── alert {message.channel} ── report {message.report_id} ──",
            message.title,
            f"source: {message.source} · published: {published}",
        ]
        if message.url:
            lines.append(message.url)
        if message.place:
            lines.append(f"where: {message.place.name} ({message.place_reason})")
        if message.why:
            lines.append(message.why)
        if message.actors:
            lines.append("actors: " + ", ".join(m.name for m in message.actors))
        if message.places:
            lines.append(
                "places: "
                + ", ".join(
                    f"{m.name} ({m.lat:.3f}, {m.lon:.3f})"
                    if m.lat is not None and m.lon is not None
                    else m.name
                    for m in message.places
                )
            )
        if message.follow_up:
            lines.append(f"follow-up of story {message.story_id}")
        if message.event_line:
            lines.append(message.event_line)
        lines.append(message.snippet)
        stream.write("\n".join(lines) + "\n\n")
        stream.flush()
        return None

    def send_notice(self, channel: str, text: str) -> None:
        stream = self._stream or sys.stderr
        stream.write(f"── notice {channel} ──\n{text}\n\n")
        stream.flush()
