"""How the relevance weights and threshold were chosen: a grid over them on the labelled real text.

    python scripts/tune_relevance.py [--top 15]

Reads the labelled real reports of `scripts/eval_tagging.py` (tests/data/real, and the feed
captures of ../shared where present), tags each once, then judges each with every combination of
the `[relevance]` settings below and prints the combinations with the best precision and recall
(general scope), the shipped one marked. The chosen values are in config/monitor.toml, with the
reasons.

To guard against fitting the labels, the reports are split in two by the parity of a hash of
their name: the grid is ranked on one half and each row shows the other half beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_tagging import Calls, RealItem, default_tagger, load_real  # noqa: E402

from monitor.model import Tag  # noqa: E402
from monitor.tag import RelevancePolicy  # noqa: E402
from monitor.tag.elsewhere import Named  # noqa: E402
from monitor.tag.relevance import judge  # noqa: E402

GRID = {
    "threshold": [0.4, 0.45, 0.5, 0.55, 0.6],
    "lead": [0.6, 0.7, 0.8, 0.9],
    "body": [0.1, 0.15, 0.25],
    "variant": [0.3, 0.5, 1.0],
    "elsewhere": [0.0, 0.25, 0.5, 1.0],
    "market": [1.0, 0.5],
}


@dataclass(frozen=True)
class _Tagged:
    item: RealItem
    tags: tuple[Tag, ...]
    elsewhere: list[Named]
    half: int


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--top", type=int, default=15, help="combinations to print")
    args = parser.parse_args()

    tagger = default_tagger()
    shipped = tagger.relevance
    tagged = []
    for items in load_real().values():
        for item in items:
            title_tags, title_else = tagger._scan(item.report.title, "title")
            text_tags, text_else = tagger._scan(item.report.text, "text")
            half = hashlib.sha256(item.name.encode()).digest()[0] % 2
            tagged.append(
                _Tagged(item, tuple(title_tags + text_tags), title_else + text_else, half)
            )
    libyan = tagger.watchlist.libyan
    rows = []
    for values in itertools.product(*GRID.values()):
        policy = replace(shipped, **dict(zip(GRID, values, strict=True)))
        halves = (Calls(), Calls())
        for t in tagged:
            said = judge(t.item.report, t.tags, "general", libyan, policy, t.elsewhere)
            halves[t.half].add(said.relevant, t.item.relevant)
        rows.append((policy, halves))

    def rank(row: tuple[RelevancePolicy, tuple[Calls, Calls]]) -> tuple[bool, float]:
        first = row[1][0]
        # Precision first (a muted channel misses everything), then recall.
        return (first.precision >= 0.98, first.recall + first.precision)

    rows.sort(key=rank, reverse=True)
    print(f"{len(tagged)} reports, {sum(t.item.relevant for t in tagged)} about Libya")
    print(f"{'  '.join(f'{k:>9}' for k in GRID)}   {'ranked half':<38}{'other half'}")
    for policy, (first, second) in rows[: args.top]:
        mark = " <- shipped" if policy == shipped else ""
        values = "  ".join(f"{getattr(policy, k):>9}" for k in GRID)
        print(f"{values}   {first!s:<38}{second}{mark}")
    if not any(policy == shipped for policy, _ in rows[: args.top]):
        for policy, (first, second) in rows:
            if policy == shipped:
                values = "  ".join(f"{getattr(policy, k):>9}" for k in GRID)
                print(f"{values}   {first!s:<38}{second} <- shipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
