"""Stories: reports from different outlets about the same event share a `story_id`. Pure.

    event -> Event -> story (signature, then join) -> store

`signature` reads what a report's lead says happened (`monitor.story.signature`); `choose`
scores it against the stored originals of nearby days and says which story it joins, or that
it opens one, and why (`monitor.story.join`).
"""

from monitor.story.join import (
    WEIGHTS,
    Joined,
    Local,
    Shared,
    Weights,
    choose,
    compare,
    pick,
)
from monitor.story.signature import (
    DEFAULT_STORY_POLICY,
    Signature,
    StoryCandidate,
    StoryPolicy,
    event_time,
    signature,
)

__all__ = [
    "DEFAULT_STORY_POLICY",
    "WEIGHTS",
    "Weights",
    "Joined",
    "Local",
    "Shared",
    "Signature",
    "StoryCandidate",
    "StoryPolicy",
    "choose",
    "compare",
    "pick",
    "event_time",
    "signature",
]
