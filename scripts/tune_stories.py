"""How the story weights and threshold were chosen: every combination of a grid, on the
labelled retellings and on the dedup benchmark's stream together.

    python scripts/tune_stories.py [--items 3000] [--seed 1] [--top 15]

Two sets, each read once, then decided again for every combination (deciding is cheap; reading
is not):

- the labelled pairs of `tests/data/real/retellings.jsonl` (40 pairs of one event told twice
  by two outlets, 36 pairs of events that must stay apart), each decided as
  `scripts/eval_events.py` decides it;
- the first `--items` items of the benchmark's synthetic stream (`scripts/dedup_stream.py`,
  2,000 a day), run through the whole pipeline on a SQLite store in a temporary folder, with
  every new report's signature and the candidates the store offered it kept. Stories are then
  rebuilt for each combination in the order the reports came, and measured as
  `scripts/bench_dedup.py` measures them (purity: the share of each story's reports of its
  main event; completeness: the share of each event's reports in its main story).

A combination qualifies when no pair that must stay apart joins and the stream's purity is at
least 0.95; the table ranks those by the share of retellings joined, then by completeness.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from dedup_stream import stream  # noqa: E402
from eval_events import default_tagger, join_pair, load_pairs, pair_shared  # noqa: E402

import monitor.pipeline as pipeline_module  # noqa: E402
from monitor.alert import Rule  # noqa: E402
from monitor.config import CONFIG_FILE, default_config_dir, load_settings  # noqa: E402
from monitor.model import Entry, Status  # noqa: E402
from monitor.pipeline import Pipeline  # noqa: E402
from monitor.store import SqlStore  # noqa: E402
from monitor.story import (  # noqa: E402
    WEIGHTS,
    Local,
    Shared,
    Signature,
    StoryCandidate,
    StoryPolicy,
    Weights,
    compare,
    pick,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
GRID = {
    "words": (3.0, 4.0),
    "other_subtype": (-0.5, -1.0),
    "crowd": (0.2, 0.3, 0.4),
}
THRESHOLDS = (2.0, 2.25, 2.5)


@dataclass(frozen=True, slots=True)
class Decided:
    """A new report of the stream: its id, event, and what it shares with each candidate it
    was offered (those not told apart outright)."""

    report_id: int
    event: int
    shared: tuple[tuple[int, Shared], ...]


def record_stream(items: int, seed: int) -> list[Decided]:
    """Run the stream through the pipeline, keeping what each story decision was given."""
    loaded = load_settings(default_config_dir() / CONFIG_FILE, env={}).settings
    tagger = default_tagger()
    given: list[tuple[Signature, tuple[StoryCandidate, ...]]] = []
    choose = pipeline_module.choose

    def recording(sig, nearby, policy):  # type: ignore[no-untyped-def]
        given.append((sig, tuple(nearby)))
        return choose(sig, nearby, policy)

    pipeline_module.choose = recording  # type: ignore[assignment]
    decided: list[Decided] = []
    with tempfile.TemporaryDirectory() as folder:
        store = SqlStore.open(f"sqlite:///{folder}/tune.db")
        now = [START]
        pipeline = Pipeline(
            store=store,
            tagger=tagger,
            rules=[Rule(name="all", channel="#tune")],
            notifier=None,
            policy=loaded.dedup,
            story_policy=loaded.stories,
            clock=lambda: now[0],
        )
        batch = list(stream(items, seed=seed, start=START, days=items / 2000))
        entries = [
            Entry(
                ref=f"item:{i.index}",
                source=i.source,
                title=i.title,
                body=i.body,
                url=i.url,
                guid=i.guid,
                published=i.published,
            )
            for i in batch
        ]
        now[0] = batch[-1].published
        outcomes = list(pipeline.process_many(entries))
        store.close()
    pipeline_module.choose = choose  # type: ignore[assignment]
    records = iter(given)
    for item, outcome in zip(batch, outcomes, strict=True):
        if isinstance(outcome, Exception) or outcome.verdict.status is not Status.NEW:
            continue
        sig, candidates = next(records)
        if item.kind in ("original", "same_event"):
            local = Local(candidates, sig.read)
            shared = ((c.report_id, compare(sig, c, local)) for c in candidates)
            kept = tuple((i, found) for i, found in shared if found is not None)
            decided.append(Decided(outcome.report_id, item.event, kept))
    return decided


def stories(decided: list[Decided], weights: Weights, threshold: float) -> tuple[float, float]:
    """Purity and completeness of the stories these weights make of the stream."""
    story_of: dict[int, int] = {}
    for d in decided:
        scored = (
            (shared.score(weights), story_of[report_id])
            for report_id, shared in d.shared
            if report_id in story_of
        )
        scored = list(scored)
        bar = threshold + weights.crowd * math.log(len(scored)) if scored else threshold
        joined, _ = pick(scored, bar, weights.margin)
        story_of[d.report_id] = joined[1] if joined else d.report_id
    by_story: dict[int, Counter[int]] = defaultdict(Counter)
    by_event: dict[int, Counter[int]] = defaultdict(Counter)
    for d in decided:
        by_story[story_of[d.report_id]][d.event] += 1
        by_event[d.event][story_of[d.report_id]] += 1
    total = len(decided) or 1
    purity = sum(max(c.values()) for c in by_story.values()) / total
    completeness = sum(max(c.values()) for c in by_event.values()) / total
    return purity, completeness


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=3000, help="items of the stream")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=15, help="combinations shown")
    args = parser.parse_args()
    tagger = default_tagger()
    pairs = load_pairs()
    pair_shares = [(p, pair_shared(tagger, p)) for p in pairs]
    decided = record_stream(args.items, args.seed)
    print(
        f"retellings: {sum(p.same for p in pairs)} same, {sum(not p.same for p in pairs)} apart;"
        f" stream: {len(decided)} new reports of {len({d.event for d in decided})} events"
    )
    rows = []
    names = list(GRID)
    for values in itertools.product(*GRID.values()):
        weights = replace(WEIGHTS, **dict(zip(names, values, strict=True)))
        for threshold in THRESHOLDS:
            joined_same = joined_apart = 0
            for pair, shared in pair_shares:
                together = shared is not None and shared.score(weights) >= threshold
                joined_same += together and pair.same
                joined_apart += together and not pair.same
            if joined_apart:
                continue
            purity, completeness = stories(decided, weights, threshold)
            rows.append((joined_same, completeness, purity, values, threshold))
    rows.sort(key=lambda r: (r[2] >= 0.95 and r[1] >= 0.93, r[0], r[2]), reverse=True)
    header = "".join(f"{n:>13}" for n in names)
    print(f"{'same joined':>12}{'purity':>8}{'complete':>9}{header}{'threshold':>10}")
    for joined_same, completeness, purity, values, threshold in rows[: args.top]:
        cells = "".join(f"{v:>13g}" for v in values)
        print(f"{joined_same:>9}/40{purity:>8.3f}{completeness:>9.3f}{cells}{threshold:>10g}")
    current = StoryPolicy()
    purity, completeness = stories(decided, WEIGHTS, current.threshold)
    same = sum(join_pair(tagger, p, current).story_id is not None for p in pairs if p.same)
    apart = sum(join_pair(tagger, p, current).story_id is not None for p in pairs if not p.same)
    print(
        f"\nthe defaults (threshold {current.threshold:g}): same joined {same}/40, apart joined"
        f" {apart}/36, stream purity {purity:.3f}, completeness {completeness:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
