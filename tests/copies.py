"""Edited copies of a seed report, the way outlets republish them. Shared by the dedup tests."""

from __future__ import annotations

import random

FOOTER_MARKERS = ("Libya-Analysis is", "This article was", "Popular posts from this blog")


def split_footer(text: str) -> tuple[list[str], list[str]]:
    """The seed's body paragraphs and its footer paragraphs (the blog's boilerplate)."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    for index, paragraph in enumerate(paragraphs):
        if " ".join(paragraph.split()).startswith(FOOTER_MARKERS):
            return paragraphs[:index], paragraphs[index:]
    return paragraphs, []


def without_footer(text: str) -> str:
    return "\n\n".join(split_footer(text)[0])


def with_other_footer(text: str) -> str:
    return without_footer(text) + (
        "\n\nFollow Libya Watch on social media for daily updates on the conflict. "
        "Republished by arrangement; all rights reserved by the original publisher."
    )


def retitled(text: str) -> str:
    return "Fighting flares again as rival forces trade blame\n\n" + text


def misspelt(text: str, every: int = 100, seed: int = 7) -> str:
    """One word in `every` with two inner letters swapped."""
    rnd = random.Random(seed)
    words = text.split(" ")
    for index in range(rnd.randrange(every), len(words), every):
        word = words[index]
        if len(word) >= 4 and word.isalpha():
            chars = list(word)
            chars[1], chars[2] = chars[2], chars[1]
            words[index] = "".join(chars)
    return " ".join(words)


def paragraph_dropped(text: str) -> str:
    body, footer = split_footer(text)
    return "\n\n".join(body[:1] + body[2:] + footer)


def excerpt(text: str) -> str:
    """The first two paragraphs, as an RSS summary carries them."""
    return "\n\n".join(split_footer(text)[0][:2])


EDITS = {
    "footer removed": without_footer,
    "other footer": with_other_footer,
    "title changed": retitled,
    "misspelt": misspelt,
    "paragraph dropped": paragraph_dropped,
}
