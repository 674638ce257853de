"""The day an event happened, as the text says it, resolved against the day it was published.

"on 31 August", "August 31", "on 31 August 2017" (a day and month: the latest such day on or
before publication, as news reports what has happened); "on Thursday", "on Monday night" (the
latest such weekday on or before publication: a Thursday report's "on Thursday" is that day);
"yesterday", "last night", "overnight" (the day before); "today", "this morning", "earlier
today" (the day itself). Arabic: أمس (yesterday), اليوم (today), and the weekdays. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from monitor.event.needles import Needles

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month{n}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY_MONTH = re.compile(
    rf"\b(?P<day1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH.format(n=1)}(?:,?\s+(?P<year1>(?:19|20)\d\d))?\b"
    rf"|\b{_MONTH.format(n=2)}\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year2>(?:19|20)\d\d))?",
    re.IGNORECASE,
)
_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
    "الاثنين": 0,
    "الإثنين": 0,
    "الثلاثاء": 1,
    "الأربعاء": 2,
    "الاربعاء": 2,
    "الخميس": 3,
    "الجمعة": 4,
    "السبت": 5,
    "الأحد": 6,
    "الاحد": 6,
}
_WEEKDAY = re.compile(
    r"\b(?:on|late|early|since|last)\s+(?P<day>monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday)\b|(?:يوم\s+)(?P<aday>الاثنين|الإثنين|الثلاثاء|الأربعاء|الاربعاء|الخميس|الجمعة|السبت|الأحد|الاحد)",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    r"\b(?P<before>yesterday|last\s+night|overnight(?!\s+(?:on|to)\b))\b|\b(?P<same>today|this\s+morning"
    r"|this\s+afternoon|this\s+evening|tonight|earlier\s+today)\b|(?P<abefore>أمس|الليلة\s+الماضية)"
    r"|(?P<asame>اليوم|صباح\s+اليوم)",
    re.IGNORECASE,
)


_DIGIT = re.compile(r"\d").search
_MAY_WEEKDAY = Needles("day|" + "|".join(k for k in _WEEKDAYS if not k.isascii()))
_MAY_RELATIVE = Needles(_RELATIVE)


@dataclass(frozen=True, slots=True)
class Said:
    """A day the text names, resolved: `day`, and the words that said it at `start`; `dated`
    when they give the year."""

    day: date
    text: str
    start: int
    dated: bool = False


def _on_or_before(month: int, day: int, published: date) -> date | None:
    for year in (published.year, published.year - 1):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found <= published + timedelta(days=1):
            return found
    return None


def days(text: str, published: date) -> list[Said]:
    """Every day `text` names, resolved against `published`, in order of position."""
    found: list[Said] = []
    for match in _DAY_MONTH.finditer(text) if _DIGIT(text) else ():
        month = _MONTHS[(match.group("month1") or match.group("month2"))[:3].lower()]
        day = int(match.group("day1") or match.group("day2"))
        year = match.group("year1") or match.group("year2")
        if year:
            try:
                resolved: date | None = date(int(year), month, day)
            except ValueError:
                resolved = None
        else:
            resolved = _on_or_before(month, day, published)
        if resolved is not None:
            found.append(Said(resolved, match.group(), match.start(), dated=bool(year)))
    lowered = text.lower()
    for match in _WEEKDAY.finditer(text) if _MAY_WEEKDAY.may_match(lowered) else ():
        weekday = _WEEKDAYS[(match.group("day") or match.group("aday")).lower()]
        back = (published.weekday() - weekday) % 7
        if match.group().lower().startswith("last") and back == 0:
            back = 7
        found.append(Said(published - timedelta(days=back), match.group(), match.start()))
    for match in _RELATIVE.finditer(text) if _MAY_RELATIVE.may_match(lowered) else ():
        back = 1 if (match.group("before") or match.group("abefore")) else 0
        found.append(Said(published - timedelta(days=back), match.group(), match.start()))
    found.sort(key=lambda s: s.start)
    return found
