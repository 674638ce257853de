"""Events and stories on labelled real text: what the event stage reads, and which retellings
join one story.

    python scripts/eval_events.py [--show]

Events: `tests/data/real/events.jsonl` labels the event of each of the 172 Libya items of
`wcep.jsonl` (one-line summaries of Wikipedia's Current Events Portal, published on the
portal's day) and of the five seeds: ACLED type and sub-type, the counts the text gives, the
day it happened where the text says. Each is read as the pipeline reads it (tags, then
`read_event`) and compared: type accuracy over every item (no event included), sub-type where
labelled, each count exact where the text gives one, and counts or days invented where it
gives none.

Stories: `tests/data/real/retellings.jsonl` holds pairs of reports, each of one event told
twice (a portal summary and another outlet's lead, some in Arabic) or of two events that must
stay apart (one town on one day, the same actors on other days, one type in two places). The
first is stored, the second looked up as the pipeline looks it up (a common place, or actors
when it names none, within `days`) and scored (`monitor.story.choose`).

The seeds carry no date of their own; they are read as published on the dates of
`SEED_PUBLISHED` (the Tuesday after the week each reports: seed 000 as the issue that asked for
events gives it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config import CONFIG_FILE, default_config_dir, load_settings  # noqa: E402
from monitor.event import read_event  # noqa: E402
from monitor.model import EVENT_COUNTS, Entry, Report  # noqa: E402
from monitor.normalize import to_report  # noqa: E402
from monitor.pipeline import broad_places  # noqa: E402
from monitor.sources import read_text  # noqa: E402
from monitor.story import (  # noqa: E402
    DEFAULT_STORY_POLICY,
    WEIGHTS,
    Joined,
    Shared,
    Signature,
    StoryCandidate,
    StoryPolicy,
    Weights,
    choose,
    compare,
    signature,
)
from monitor.tag import Tagger, load_watchlist  # noqa: E402

REAL = ROOT / "tests" / "data" / "real"
FETCHED = datetime(2026, 1, 1, tzinfo=UTC)
SEED_PUBLISHED = {
    "000_57c9ec2a4132b078.txt": datetime(2017, 9, 5, 9, tzinfo=UTC),
    "001_4f545efc653311b1.txt": datetime(2016, 10, 11, 9, tzinfo=UTC),
    "002_b9e234962956b5ae.txt": datetime(2016, 5, 10, 9, tzinfo=UTC),
    "003_fef1d949f8f1566a.txt": datetime(2016, 9, 27, 9, tzinfo=UTC),
    "004_070f395f038245ce.txt": datetime(2016, 5, 31, 9, tzinfo=UTC),
}


@dataclass(frozen=True, slots=True)
class Labelled:
    id: str
    report: Report
    label: dict[str, object]


def default_tagger() -> Tagger:
    files = load_settings(default_config_dir() / CONFIG_FILE, env={}).settings.watchlist
    return Tagger(load_watchlist(Path(files.actors), files.places_files))


def _published(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def load_events(real: Path = REAL) -> list[Labelled]:
    """The labelled items, each read as `monitor replay` reads its kind of file."""
    labels = {
        row["id"]: row for row in map(json.loads, (real / "events.jsonl").read_text().splitlines())
    }
    items = []
    for line in (real / "wcep.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        if row["id"] in labels:
            published = datetime.fromisoformat(row["date"]).replace(hour=12, tzinfo=UTC)
            entry = Entry(ref=row["id"], source="wcep", body=row["text"], published=published)
            items.append(
                Labelled(row["id"], to_report(entry, fetched_at=FETCHED), labels[row["id"]])
            )
    for name, published in SEED_PUBLISHED.items():
        path = ROOT / "seeds" / name
        entry = next(e for e in read_text(path, path.read_bytes()) if isinstance(e, Entry))
        report = to_report(entry, fetched_at=FETCHED)
        report = replace(report, published=published)
        items.append(Labelled(name, report, labels[name]))
    return items


@dataclass
class EventScores:
    items: int = 0
    type_right: int = 0
    subtype_labelled: int = 0
    subtype_right: int = 0
    date_labelled: int = 0
    date_right: int = 0
    date_invented: int = 0
    no_date: int = 0

    def __post_init__(self) -> None:
        self.stated: Counter[str] = Counter()
        self.exact: Counter[str] = Counter()
        self.invented: Counter[str] = Counter()
        self.unstated: Counter[str] = Counter()


def score_events(
    tagger: Tagger, items: list[Labelled]
) -> tuple[EventScores, list[tuple[str, str, object, object, str]]]:
    scores = EventScores()
    misses: list[tuple[str, str, object, object, str]] = []
    for item in items:
        event = read_event(item.report, tagger.read(item.report))
        label = item.label
        scores.items += 1
        text = item.report.title[:110]
        if event.type == label["type"]:
            scores.type_right += 1
        else:
            misses.append((item.id, "type", label["type"], event.type, text))
        if label["subtype"] is not None:
            scores.subtype_labelled += 1
            scores.subtype_right += event.subtype == label["subtype"]
        for kind in EVENT_COUNTS:
            said, truth = getattr(event, kind), label[kind]
            if truth is not None:
                scores.stated[kind] += 1
                if said == truth:
                    scores.exact[kind] += 1
                else:
                    misses.append((item.id, kind, truth, said, text))
            else:
                scores.unstated[kind] += 1
                if said is not None:
                    scores.invented[kind] += 1
                    misses.append((item.id, kind, truth, said, text))
        truth_day = date.fromisoformat(str(label["date"])) if label["date"] else None
        if truth_day is not None:
            scores.date_labelled += 1
            if event.date == truth_day:
                scores.date_right += 1
            else:
                misses.append((item.id, "date", truth_day, event.date, text))
        else:
            scores.no_date += 1
            if event.date is not None:
                scores.date_invented += 1
                misses.append((item.id, "date", None, event.date, text))
    return scores, misses


@dataclass(frozen=True, slots=True)
class Pair:
    id: str
    same: bool
    kind: str
    a: Report
    b: Report


def load_pairs(real: Path = REAL) -> list[Pair]:
    pairs = []
    for line in (real / "retellings.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        sides = []
        for side in (row["a"], row["b"]):
            entry = Entry(
                ref=row["id"],
                source=side["source"],
                title=side["title"],
                body=side["text"],
                published=_published(side["published"]),
            )
            sides.append(to_report(entry, fetched_at=FETCHED))
        pairs.append(Pair(row["id"], row["same"], row["kind"], sides[0], sides[1]))
    return pairs


@lru_cache(maxsize=512)
def _signature(tagger: Tagger, report: Report, policy: StoryPolicy) -> Signature:
    reading = tagger.read(report)
    return signature(
        report,
        reading.tags,
        broad=broad_places(tagger.watchlist),
        policy=policy,
        event=read_event(report, reading),
    )


def _sides(
    tagger: Tagger, pair: Pair, policy: StoryPolicy
) -> tuple[Signature, list[StoryCandidate]]:
    """`pair.b`'s signature, and `pair.a` as the candidate the store offers it: a report filed
    under one of b's keys within `policy.days` (none otherwise)."""
    first = _signature(tagger, pair.a, replace(policy, threshold=1.0))
    second = _signature(tagger, pair.b, replace(policy, threshold=1.0))
    found = (
        bool(set(first.keys()) & set(second.keys())) and abs(first.day - second.day) <= policy.days
    )
    candidates = (
        [StoryCandidate(report_id=1, story_id=1, places=first.places, facts=first.facts)]
        if found
        else []
    )
    return second, candidates


def join_pair(
    tagger: Tagger,
    pair: Pair,
    policy: StoryPolicy = DEFAULT_STORY_POLICY,
    weights: Weights = WEIGHTS,
) -> Joined:
    """Store `pair.a`, then decide `pair.b`'s story as the pipeline does."""
    second, candidates = _sides(tagger, pair, policy)
    return choose(second, candidates, policy, weights)


def pair_shared(
    tagger: Tagger, pair: Pair, policy: StoryPolicy = DEFAULT_STORY_POLICY
) -> Shared | None:
    """What `join_pair` weighs: None when the store offers no candidate or they are two."""
    second, candidates = _sides(tagger, pair, policy)
    return compare(second, candidates[0]) if candidates else None


def score_pairs(
    tagger: Tagger, pairs: list[Pair], policy: StoryPolicy = DEFAULT_STORY_POLICY
) -> tuple[dict[tuple[bool, str], list[int]], list[tuple[Pair, Joined]]]:
    by_kind: dict[tuple[bool, str], list[int]] = defaultdict(lambda: [0, 0])
    wrong = []
    for pair in pairs:
        joined = join_pair(tagger, pair, policy)
        together = joined.story_id is not None
        counts = by_kind[(pair.same, pair.kind)]
        counts[0] += 1
        counts[1] += together
        if together != pair.same:
            wrong.append((pair, joined))
    return by_kind, wrong


def print_events(scores: EventScores) -> None:
    print(f"events: {scores.items} labelled reports (172 portal items, 5 seeds)")
    print(f"{'':<22}{'labelled':>9}{'right':>7}{'share':>8}{'invented':>10}{'of unstated':>13}")
    print(
        f"{'type (or none)':<22}{scores.items:>9}{scores.type_right:>7}"
        f"{scores.type_right / scores.items:>8.3f}"
    )
    print(
        f"{'subtype':<22}{scores.subtype_labelled:>9}{scores.subtype_right:>7}"
        f"{scores.subtype_right / max(1, scores.subtype_labelled):>8.3f}"
    )
    for kind in EVENT_COUNTS:
        stated = scores.stated[kind]
        print(
            f"{kind:<22}{stated:>9}{scores.exact[kind]:>7}"
            f"{scores.exact[kind] / max(1, stated):>8.3f}"
            f"{scores.invented[kind]:>10}{scores.unstated[kind]:>13}"
        )
    print(
        f"{'date':<22}{scores.date_labelled:>9}{scores.date_right:>7}"
        f"{scores.date_right / max(1, scores.date_labelled):>8.3f}"
        f"{scores.date_invented:>10}{scores.no_date:>13}"
    )


def print_pairs(by_kind: dict[tuple[bool, str], list[int]]) -> None:
    print(f"\n{'retellings':<12}{'kind':<24}{'pairs':>6}{'joined':>8}")
    for same in (True, False):
        total = [0, 0]
        for (is_same, kind), (n, joined) in sorted(by_kind.items()):
            if is_same == same:
                print(f"{'same' if same else 'apart':<12}{kind:<24}{n:>6}{joined:>8}")
                total[0] += n
                total[1] += joined
        share = total[1] / max(1, total[0])
        print(
            f"{'same' if same else 'apart':<12}{'all':<24}{total[0]:>6}{total[1]:>8}  ({share:.3f})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", action="store_true", help="list every miss")
    args = parser.parse_args()
    tagger = default_tagger()
    scores, misses = score_events(tagger, load_events())
    print_events(scores)
    by_kind, wrong = score_pairs(tagger, load_pairs())
    print_pairs(by_kind)
    if args.show:
        print("\nevent misses (id, what, label, read, text):")
        for miss in misses:
            print("  ", *miss[:4], "|", miss[4])
        print("\npairs decided wrong:")
        for pair, joined in wrong:
            print(f"   {pair.id} {'same' if pair.same else 'apart'} {pair.kind}: {joined.reason}")
            print(f"      a: {pair.a.title[:100]}")
            print(f"      b: {pair.b.title[:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
