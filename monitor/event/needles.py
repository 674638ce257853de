"""A cheap test before a costly pattern: the plain words that any match of a pattern must
hold. Python's `re` tries every alternative of a pattern at every position of a text, so a
pattern of many alternatives costs much on each sentence, most of which hold none of them;
`str.__contains__` on a handful of words costs almost nothing. Pure."""

from __future__ import annotations

import re


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a pattern."""
    found, depth, start, i = [], 0, 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = pattern.index("]", i + 1) + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            found.append(pattern[start:i])
            start = i + 1
        i += 1
    found.append(pattern[start:])
    return found


def _required(alternative: str) -> tuple[str, ...] | None:
    """Words one of which every match of `alternative` holds: its longest run of plain letters
    (three or more) outside groups, classes and escapes, none made optional by a quantifier;
    failing that, the words of the alternatives of its first group that must match."""
    run = _longest_run(alternative)
    if run is not None:
        return (run,)
    depth, start, i = 0, 0, 0
    while i < len(alternative):
        c = alternative[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = alternative.index("]", i + 1) + 1
            continue
        if c == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                if alternative[i + 1 : i + 2] in ("?", "*", "{"):
                    i += 1
                    continue
                inner = re.sub(r"^\?(?::|P<\w+>)", "", alternative[start:i])
                words = [_required(a) for a in _alternatives(inner)]
                if any(w is None for w in words):
                    return None
                return tuple(w for ws in words for w in ws)  # type: ignore[union-attr]
        i += 1
    return None


def _longest_run(alternative: str) -> str | None:
    runs, run, depth, i = [], "", 0, 0
    while i < len(alternative):
        c = alternative[i]
        following = alternative[i + 1 : i + 2]
        if c == "\\":
            runs.append(run)
            run = ""
            i += 2
            continue
        if c == "[":
            runs.append(run)
            run = ""
            i = alternative.index("]", i + 1) + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if depth == 0 and c.isalpha() and following not in ("?", "*", "{"):
            run += c.lower()
        else:
            runs.append(run)
            run = ""
        i += 1
    runs.append(run)
    longest = max(runs, key=len)
    return longest if len(longest) >= 3 else None


class Needles:
    """`may_match(lowered)` is False only when `pattern` cannot match the text (given in
    lowercase): no needle of one of its alternatives is in it. An alternative with no plain
    word of its own (all in groups) makes the test always True."""

    __slots__ = ("_words",)

    def __init__(self, pattern: str | re.Pattern[str]) -> None:
        text = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
        if text.startswith(r"\b(?:") and text.endswith(r")\b"):
            text = text[5:-3]
        words = [_required(a) for a in _alternatives(text)]
        self._words: tuple[str, ...] | None = (
            None
            if any(w is None for w in words)
            else tuple(dict.fromkeys(w for ws in words for w in ws))  # type: ignore[union-attr]
        )

    def may_match(self, lowered: str) -> bool:
        words = self._words
        return words is None or any(w in lowered for w in words)

    @property
    def words(self) -> tuple[str, ...] | None:
        return self._words
