"""Notifiers deliver an `AlertMessage` somewhere. The console notifier writes a readable block."""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

from monitor.alert.message import AlertMessage


class Notifier(Protocol):
    """Delivers alerts. Raises DeliveryError when it cannot (`permanent` when retrying is
    pointless)."""

    def send(self, message: AlertMessage) -> str | None:
        """One report's alert; returns the delivered message's id (Slack's ts) if it has one."""

    def send_notice(self, channel: str, text: str) -> None:
        """A plain message to the team (a feed down or recovered)."""


class ConsoleNotifier:
    """Writes each alert as a block of text to a stream (standard error by default)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    # The console takes messages as fast as they come.
    pace_s = 0.0

    def send(self, message: AlertMessage) -> str | None:
        stream = self._stream or sys.stderr
        published = message.published.strftime("%Y-%m-%d %H:%M UTC") if message.published else "-"
        lines = [
            f"── alert {message.channel} ── report {message.report_id} ──",
            message.title,
            f"source: {message.source} · published: {published}",
        ]
        if message.url:
            lines.append(message.url)
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
        lines.append(message.snippet)
        stream.write("\n".join(lines) + "\n\n")
        stream.flush()
        return None

    def send_notice(self, channel: str, text: str) -> None:
        stream = self._stream or sys.stderr
        stream.write(f"── notice {channel} ──\n{text}\n\n")
        stream.flush()
