"""A cheap test before a costly pattern: the plain words that any match of a pattern must
hold. Python's `re` tries every alternative of a pattern at every position of a text, so a
pattern of many alternatives costs much on each sentence, most of which hold none of them;
`str.__contains__` on a handful of words costs almost nothing. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterator


def _pieces(pattern: str) -> Iterator[tuple[int, str, int]]:
    """Each piece of a pattern, where it starts and the depth of groups it stands at: one
    character, an escape (a backslash and what follows) or a class ("[...]"). A group's
    parentheses stand at the depth outside it."""
    depth, i = 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            piece = pattern[i : i + 2]
        elif c == "[":
            piece = pattern[i : pattern.index("]", i + 1) + 1]
        else:
            piece = c
        if piece == ")":
            depth -= 1
        yield i, piece, depth
        if piece == "(":
            depth += 1
        i += len(piece)


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a pattern."""
    found, start = [], 0
    for i, piece, depth in _pieces(pattern):
        if piece == "|" and depth == 0:
            found.append(pattern[start:i])
            start = i + 1
    found.append(pattern[start:])
    return found


def _optional(pattern: str, after: int) -> bool:
    """Whether a quantifier after position `after` may leave out what stands before it."""
    return pattern[after : after + 1] in ("?", "*", "{")


def _required(alternative: str) -> tuple[str, ...] | None:
    """Words one of which every match of `alternative` holds: its longest run of plain letters
    (three or more) outside groups, classes and escapes, none made optional by a quantifier;
    failing that, the words of the alternatives of its first group that must match."""
    run = _longest_run(alternative)
    if run is not None:
        return (run,)
    start = 0
    for i, piece, depth in _pieces(alternative):
        if depth or piece not in "()":
            continue
        if piece == "(":
            start = i + 1
        elif not _optional(alternative, i + 1):
            inner = re.sub(r"^\?(?::|P<\w+>)", "", alternative[start:i])
            words = [_required(a) for a in _alternatives(inner)]
            if any(w is None for w in words):
                return None
            return tuple(w for ws in words for w in ws)  # type: ignore[union-attr]
    return None


def _longest_run(alternative: str) -> str | None:
    runs, run = [], ""
    for i, piece, depth in _pieces(alternative):
        if depth == 0 and piece.isalpha() and len(piece) == 1 and not _optional(alternative, i + 1):
            run += piece.lower()
        else:
            runs.append(run)
            run = ""
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
