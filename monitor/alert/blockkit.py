"""An alert as a Slack message: Block Kit blocks and the plain `text` that notifications show.
Pure: an `AlertMessage` in, a dict for `chat.postMessage` out.

Every piece of feed text is escaped (`&`, `<`, `>`), so that a title carrying `<!channel>`,
`<@U123>` or `<https://evil.example|click me>` arrives as those characters and notifies no one;
links are made here only, from http and https URLs; nothing asks Slack to link names. Texts are cut
to Slack's limits: 3,000 characters a section, 50 blocks, 40,000 characters of `text`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from monitor.alert.message import AlertMessage, Mention
from monitor.net import is_http_url

SECTION_MAX = 3000
BLOCKS_MAX = 50
TEXT_MAX = 40000
LIBYA = ZoneInfo("Africa/Tripoli")
# Names listed in one field at most; the rest are counted.
NAMES_SHOWN = 12


def escape(text: str) -> str:
    """Feed text as Slack shows it literally: control characters `&`, `<`, `>` escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: str | None) -> str | None:
    """`url` if it is http or https with a host, with the characters that would end a Slack link
    (`<`, `>`, `|`, spaces) percent-encoded; else None."""
    if not url:
        return None
    if not is_http_url(url.strip()):
        return None
    return quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~-._")


def link(url: str | None, label: str) -> str:
    """A Slack link to `url` labelled with `label` (escaped), or the label alone."""
    target = safe_url(url)
    label = escape(label)
    return f"<{target}|{label}>" if target else label


def map_url(lat: float, lon: float) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=11/{lat:.5f}/{lon:.5f}"
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _times(published: datetime | None) -> str:
    if published is None:
        return "time not given"
    return f"{published:%Y-%m-%d %H:%M} UTC ({published.astimezone(LIBYA):%H:%M} Libya)"


def _names(mentions: tuple[Mention, ...], *, mapped: bool) -> str:
    shown = []
    for m in mentions[:NAMES_SHOWN]:
        if mapped and m.lat is not None and m.lon is not None:
            shown.append(link(map_url(m.lat, m.lon), m.name))
        else:
            shown.append(escape(m.name))
    more = len(mentions) - NAMES_SHOWN
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, SECTION_MAX)}}


def message_payload(message: AlertMessage) -> dict[str, Any]:
    """The arguments of `chat.postMessage` (and of an incoming webhook) for `message`."""
    title = message.title.strip() or "(no title)"
    headline = f"*{link(message.url, title)}*"
    if message.follow_up:
        headline = f"Follow-up from *{escape(message.source)}*: {headline}"
    blocks: list[dict[str, Any]] = [_section(headline)]
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": _cut(
                        f"{escape(message.source)} · {_times(message.published)}", SECTION_MAX
                    ),
                }
            ],
        }
    )
    fields = []
    if message.place:
        fields.append(
            {
                "type": "mrkdwn",
                "text": _cut("*Where*\n" + _names((message.place,), mapped=True), 2000),
            }
        )
    if message.actors:
        fields.append(
            {
                "type": "mrkdwn",
                "text": _cut("*Actors*\n" + _names(message.actors, mapped=False), 2000),
            }
        )
    if message.places:
        fields.append(
            {
                "type": "mrkdwn",
                "text": _cut("*Places*\n" + _names(message.places, mapped=True), 2000),
            }
        )
    if fields:
        blocks.append({"type": "section", "fields": fields})
    # Why the monitor says what it says: where it happened, and why it is about Libya.
    why = [
        f"Where: {message.place.name}, {message.place_reason}" if message.place else "",
        message.why[:1].upper() + message.why[1:],
    ]
    if any(why):
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": _cut(escape(" · ".join(w for w in why if w)), 2000)}
                ],
            }
        )
    # What happened, in a line of its own before the text it was read from.
    if message.event_line:
        blocks.append(_section(f"*{escape(message.event_line)}*"))
    if message.snippet:
        blocks.append(_section(">" + escape(message.snippet).replace("\n", "\n>")))
    if message.follow_up:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"Joins story {message.story_id} (report {message.report_id})",
                    }
                ],
            }
        )
    else:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"Report {message.report_id}"}],
            }
        )
    prefix = f"Follow-up from {message.source}: " if message.follow_up else ""
    event = f"\n{message.event_line}" if message.event_line else ""
    text = _cut(escape(f"{prefix}{title} ({message.source}){event}"), TEXT_MAX)
    payload: dict[str, Any] = {"text": text, "blocks": blocks[:BLOCKS_MAX]}
    if message.thread_ts:
        payload["thread_ts"] = message.thread_ts
    return payload
