"""Where in a report a mention stands: the title, the lead, or further down.

Reporters put what matters in the title and the lead, so relevance and where-it-happened weigh
a mention by where it stands. A report without a headline gets its first sentence as its title
(`monitor.normalize.derive_title`), and a feed item with only a title gets it as its text too:
that sentence is then both, and counts once, as the title.
"""

from __future__ import annotations

import re
from functools import lru_cache

from monitor.model import Report


@lru_cache(maxsize=8)
def _first_words(words: int) -> re.Pattern[str]:
    return re.compile(rf"(?:\W*+\w++){{{words}}}")


def lead_end(text: str, words: int) -> int:
    """Where the lead, the first `words` words of `text`, ends."""
    found = _first_words(words).match(text)
    return found.end() if found else len(text)


def title_repeated(report: Report) -> int:
    """How many characters at the start of the text repeat the title (0 when the title is the
    outlet's own headline)."""
    title = report.title.removesuffix("…")
    return len(title) if title and report.text.startswith(title) else 0


def where(field: str, start: int, lead_ends: int) -> str:
    """ "title", "lead" or "body" for a mention at `start` of `field`."""
    if field == "title":
        return "title"
    return "lead" if start < lead_ends else "body"
