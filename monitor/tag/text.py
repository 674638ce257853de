"""A text as the tagger reads it: cut into words once, each word with its key (`fold_word`), the
text between words, and where each word starts and ends; and `MayStart`, the answer kept for
each word met to whether a name may start there. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from itertools import accumulate, compress

from monitor.tag.fold import ARTICLE_KEYS, HYPHENS, JOINER, WORD, bare, fold_word, is_article

# Words whose answer `MayStart` keeps before it starts again.
MAY_START_KEPT = 200_000

_JOINER = JOINER.fullmatch
HYPHEN_SET = frozenset(HYPHENS)
_SPLIT = re.compile(f"({WORD.pattern})").split


class MayStart(dict[str, bool]):
    """Whether a name may start at a word (as written), or continue at it, kept for each word
    met: the same words come back in every text, and the answer depends on the word alone."""

    def __init__(self, starts: Callable[[str], bool]) -> None:
        super().__init__()
        self._starts = starts

    def __missing__(self, word: str) -> bool:
        if len(self) >= MAY_START_KEPT:
            self.clear()
        found = self[word] = self._starts(word)
        return found


class Text:
    """A text cut into words: each word as written, its key, the text between words, and where
    each word starts and ends (from one `re.split`, the cheapest way Python has to do this)."""

    __slots__ = ("text", "words", "keys", "gaps", "offsets")

    def __init__(self, text: str) -> None:
        parts = _SPLIT(text)
        self.text = text
        self.words: list[str] = parts[1::2]
        self.gaps: list[str] = parts[0::2]  # gaps[i]: the text before word i
        self.offsets = list(accumulate(map(len, parts)))  # word i: offsets[2i] to offsets[2i+1]
        self.keys: list[str] = list(map(fold_word, self.words))

    def candidates(self, may_start: Mapping[str, bool]) -> list[int]:
        """The words where a name may start, as `may_start` says of each word."""
        return list(compress(range(len(self.words)), map(may_start.__getitem__, self.words)))

    def capital(self, i: int) -> bool:
        return self.words[i][0].isupper()

    def shouted(self, i: int) -> bool:
        """Word i exists and is written in capitals, two letters or more."""
        return 0 <= i < len(self.words) and len(self.words[i]) > 1 and self.words[i].isupper()

    def joined(self, i: int) -> bool:
        """Only spaces and hyphens between word i and the next."""
        return _JOINER(self.gaps[i + 1]) is not None

    def hyphened(self, i: int) -> bool:
        """A hyphen or dash between word i and the next."""
        return any(c in HYPHENS for c in self.gaps[i + 1])

    def article(self, i: int) -> bool:
        return i + 1 < len(self.keys) and is_article(self.keys[i], self.gaps[i + 1])

    def next_word(self, i: int) -> int | None:
        """The index of the first word after word i that is not an article, if only spaces,
        hyphens and articles lie between them."""
        j = i + 1
        while j < len(self.keys):
            if not self.joined(j - 1):
                return None
            if not self.article(j):
                return j
            j += 1
        return None

    def start(self, i: int) -> int:
        """Where a mention beginning at word i starts: at an article joined to it, if any."""
        if (
            i > 0
            and self.keys[i - 1] in ARTICLE_KEYS
            and self.article(i - 1)
            and self.joined(i - 1)
        ):
            return self.offsets[2 * i - 2]
        return self.offsets[2 * i]

    def end(self, i: int) -> int:
        """Where word i ends, a possessive 's left out."""
        word = self.words[i]
        if word[-1] not in "sS":
            return self.offsets[2 * i + 1]
        return self.offsets[2 * i + 1] - (len(word) - len(bare(word)))
