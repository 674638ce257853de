"""Tagging accuracy: mentions, relevance and where it happened, against labelled texts.

    python scripts/eval_tagging.py [--errors] [--data tests/data/tagging] [--real tests/data/real]

Two kinds of labelled text:

- `tests/data/tagging/` (its README gives the annotation guideline): the five seed reports
  marked up completely, and sentences written to cover spelling variants, Arabic, misspellings,
  demonyms and ambiguous names. Markup is `[[text as written|entity_id]]`.
- `tests/data/real/` (its README says how it was labelled): real reporting the project did not
  write. Wikipedia's Current Events Portal items on Libya and on the rest of the world (`wcep`,
  marked up like the above, each labelled about Libya or not and with where it happened), the
  seed reports (labelled with where they happened), and the entries of real feed captures in
  ../shared/corpora/feeds (`feeds`: labels only; left out where ../shared is absent).

Mentions: a tag is right when a labelled mention of the same entity overlaps it; each label is
matched once; the "exact span" columns count only tags whose span equals the label's.
Relevance: each report read as a replay of its file would read it (`--scope general`), against
its label. Where it happened: of the reports labelled with a place, the share whose `place` is
within 30 km of it, and of the reports given a place, the share within 30 km of a labelled one.
`--errors` lists every miss and every false call with its context.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config import CONFIG_FILE, default_config_dir, load_settings  # noqa: E402
from monitor.errors import InputError  # noqa: E402
from monitor.model import Entry, Report, Tag, TagKind  # noqa: E402
from monitor.normalize import to_report  # noqa: E402
from monitor.sources.feed import read_feed_file  # noqa: E402
from monitor.sources.text import read_text  # noqa: E402
from monitor.tag import Tagger, Watchlist, load_watchlist  # noqa: E402
from monitor.tag.watchlist import distance_km  # noqa: E402

MARKUP = re.compile(r"\[\[(.+?)\|([a-z0-9_:]+)\]\]")
DATA = ROOT / "tests" / "data" / "tagging"
REAL = ROOT / "tests" / "data" / "real"
FEEDS = ROOT.parent / "shared" / "corpora" / "feeds" / "rss_parser_inputs"
NEAR_KM = 30.0
FETCHED = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    entity_id: str


@dataclass(frozen=True)
class Labelled:
    name: str  # file, or file:line
    text: str
    spans: tuple[Span, ...]


def parse(marked: str, name: str) -> Labelled:
    """Strip the markup; the labels' spans point into the stripped text."""
    out: list[str] = []
    spans: list[Span] = []
    position = 0
    length = 0
    for m in MARKUP.finditer(marked):
        before = marked[position : m.start()]
        out.append(before)
        length += len(before)
        out.append(m.group(1))
        spans.append(Span(length, length + len(m.group(1)), m.group(2)))
        length += len(m.group(1))
        position = m.end()
    out.append(marked[position:])
    text = "".join(out)
    if "[[" in text or "]]" in text:
        raise ValueError(f"{name}: unbalanced markup")
    return Labelled(name, text, tuple(spans))


def load(data: Path) -> dict[str, list[Labelled]]:
    """The labelled sets: 'seeds' (one text per file) and 'sentences' (one text per line)."""
    seeds = [parse(p.read_text("utf-8"), p.name) for p in sorted((data / "seeds").glob("*.txt"))]
    sentences = []
    path = data / "sentences.txt"
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            sentences.append(parse(line, f"{path.name}:{number}"))
    return {"seeds": seeds, "sentences": sentences}


@dataclass
class Score:
    labels: int = 0
    tags: int = 0
    right: int = 0
    exact: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.tags if self.tags else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.labels if self.labels else 1.0

    @property
    def exact_precision(self) -> float:
        return self.exact / self.tags if self.tags else 1.0

    @property
    def exact_recall(self) -> float:
        return self.exact / self.labels if self.labels else 1.0


def unknown_ids(watchlist: Watchlist, texts: list[Labelled]) -> list[str]:
    """Labels that name no watchlist entry: a mistake in the labels or a gap in the watchlist."""
    return sorted(
        {f"{t.name}: {s.entity_id}" for t in texts for s in t.spans}
        - {
            f"{t.name}: {s.entity_id}"
            for t in texts
            for s in t.spans
            if s.entity_id in watchlist.entities
        }
    )


def evaluate(
    tagger: Tagger, texts: list[Labelled], errors: list[str] | None = None
) -> dict[TagKind, Score]:
    """Score the tagger on `texts`, per kind; append a line per miss and false tag to `errors`."""
    scores = {kind: Score() for kind in TagKind}
    for labelled in texts:
        tags = tagger.tag_text(labelled.text, "text")
        unmatched = list(labelled.spans)
        for span in labelled.spans:
            entity = tagger.watchlist.entities.get(span.entity_id)
            if entity is None:
                raise ValueError(f"{labelled.name}: label names unknown entity '{span.entity_id}'")
            scores[entity.category].labels += 1
        for tag in tags:
            score = scores[tag.kind]
            score.tags += 1
            hit = next(
                (
                    s
                    for s in unmatched
                    if s.entity_id == tag.entity_id and s.start < tag.end and tag.start < s.end
                ),
                None,
            )
            if hit is None:
                if errors is not None:
                    errors.append(f"false  {labelled.name}: {_context(labelled.text, tag)}")
                continue
            unmatched.remove(hit)
            score.right += 1
            score.exact += (hit.start, hit.end) == (tag.start, tag.end)
        if errors is not None:
            for s in unmatched:
                errors.append(f"missed {labelled.name}: {_context(labelled.text, s)}")
    return scores


def _context(text: str, span: Span | Tag) -> str:
    start, end, entity_id = span.start, span.end, span.entity_id
    left = text[max(0, start - 30) : start].replace("\n", " ")
    right = text[end : end + 30].replace("\n", " ")
    return f"{entity_id:<24} ...{left}[{text[start:end]}]{right}..."


def default_tagger() -> Tagger:
    """A tagger of the watchlist and relevance settings the shipped configuration names."""
    settings = load_settings(default_config_dir() / CONFIG_FILE, env={}).settings
    files = settings.watchlist
    policy = settings.relevance
    return Tagger(load_watchlist(Path(files.actors), files.places_files), policy)


# -- real reporting: relevance and where it happened ---------------------------------------------


@dataclass(frozen=True)
class RealItem:
    """A real report with its labels: about Libya or not, where it happened (a watchlist id, or
    None), and its mentions where they were marked up."""

    name: str
    report: Report
    relevant: bool
    where: str | None
    mentions: Labelled | None = None


MISSING: list[str] = []  # labels of places and actors the watchlist lacks ("missing:tunisia")


def _known(labelled: Labelled) -> Labelled:
    """`labelled` without its labels of entities the watchlist lacks, which no tagger could get
    right: they are counted in MISSING and listed in the data's README."""
    MISSING.extend(s.entity_id for s in labelled.spans if s.entity_id.startswith("missing:"))
    spans = tuple(s for s in labelled.spans if not s.entity_id.startswith("missing:"))
    return Labelled(labelled.name, labelled.text, spans)


def _report_of(entries: list[Entry | InputError], name: str) -> Report | None:
    for entry in entries:
        if isinstance(entry, Entry):
            return to_report(entry, fetched_at=FETCHED)
    print(f"{name}: unreadable, left out", file=sys.stderr)
    return None


def load_real(real: Path = REAL, feeds: Path = FEEDS) -> dict[str, list[RealItem]]:
    """The real sets: 'wcep', 'seeds' and, where ../shared is beside the checkout, 'feeds'.
    Each report is read as `monitor replay` reads its kind of file."""
    sets: dict[str, list[RealItem]] = {}
    wcep = []
    for line in (real / "wcep.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        entry = Entry(ref=row["id"], source="wcep", body=row["text"])
        wcep.append(
            RealItem(
                name=row["id"],
                report=to_report(entry, fetched_at=FETCHED),
                relevant=row["relevant"],
                where=row["where"],
                mentions=_known(parse(row["marked"], row["id"])),
            )
        )
    sets["wcep"] = wcep
    seeds = []
    for name, label in json.loads((real / "seeds.json").read_text("utf-8")).items():
        path = ROOT / "seeds" / name
        report = _report_of(list(read_text(path, path.read_bytes())), name)
        if report is not None:
            seeds.append(RealItem(name, report, label["relevant"], label["where"]))
    sets["seeds"] = seeds
    labels = real / "feeds.jsonl"
    if feeds.is_dir() and labels.is_file():
        by_file: dict[str, dict[int, bool]] = {}
        for line in labels.read_text("utf-8").splitlines():
            row = json.loads(line)
            by_file.setdefault(row["file"], {})[int(row["entry"])] = row["relevant"]
        items = []
        for file, entries in sorted(by_file.items()):
            path = feeds / file
            read = list(read_feed_file(path, path.read_bytes()))
            for index, relevant in sorted(entries.items()):
                if index < len(read) and isinstance(read[index], Entry):
                    name = f"{file}#{index}"
                    report = _report_of([read[index]], name)
                    if report is not None:
                        items.append(RealItem(name, report, relevant, None))
        sets["feeds"] = items
    return sets


@dataclass
class Calls:
    """A yes/no call against labels: true and false positives, false negatives, and the rest."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, said: bool, truth: bool) -> None:
        self.tp += said and truth
        self.fp += said and not truth
        self.fn += truth and not said
        self.tn += not (said or truth)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def __str__(self) -> str:
        return (
            f"P {self.precision:.3f} R {self.recall:.3f} ({self.fp:>2} false, {self.fn:>2} missed)"
        )


@dataclass
class Placing:
    """Where it happened: labelled places matched within NEAR_KM, and places given."""

    labelled: int = 0
    near: int = 0
    given: int = 0
    given_near: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.near / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.given_near / self.given if self.given else 1.0


def _short(report: Report) -> str:
    return (report.title or report.text)[:90].replace("\n", " ")


def evaluate_real(tagger: Tagger, items: list[RealItem]) -> tuple[Calls, Placing]:
    """Relevance (general scope) and where it happened, over `items`."""
    calls, placing = Calls(), Placing()
    entities = tagger.watchlist.entities
    for item in items:
        reading = tagger.read(item.report, "general")
        said = reading.relevance.relevant
        calls.add(said, item.relevant)
        if said != item.relevant:
            what = "false relevant " if said else "missed relevant"
            score = reading.relevance.score
            calls.errors.append(f"{what} {item.name} ({score:.2f}): {_short(item.report)}")
        label = entities.get(item.where) if item.where else None
        place = reading.place
        near = (
            label is not None
            and place is not None
            and place.lat is not None
            and place.lon is not None
            and label.lat is not None
            and label.lon is not None
            and distance_km((place.lat, place.lon), (label.lat, label.lon)) <= NEAR_KM
        )
        if item.where:
            placing.labelled += 1
            placing.near += near
        if place is not None and item.where:
            placing.given += 1
            placing.given_near += near
        if item.where and not near:
            got = f"{place.id} ({place.reason})" if place else "none"
            placing.errors.append(
                f"where {item.name}: labelled {item.where}, said {got}: {_short(item.report)}"
            )
    return calls, placing


def _print_real(tagger: Tagger, real: dict[str, list[RealItem]], errors: list[str]) -> None:
    mentions = {name: [i.mentions for i in items if i.mentions] for name, items in real.items()}
    mentions = {name: texts for name, texts in mentions.items() if texts}
    print()
    header = f"{'real set':<11}{'kind':<7}{'labels':>7}{'tags':>6}{'right':>6}"
    print(f"{header}{'precision':>10}{'recall':>8}")
    for name, texts in mentions.items():
        for kind, s in evaluate(tagger, texts, errors).items():
            print(
                f"{name:<11}{kind.value:<7}{s.labels:>7}{s.tags:>6}{s.right:>6}"
                f"{s.precision:>10.3f}{s.recall:>8.3f}"
            )
    print()
    print(
        f"{'real set':<11}{'reports':>8}{'about Libya':>12}{'said':>6}{'right':>6}"
        f"{'relevance P':>13}{'R':>7}   {'with place':>10}{'within 30 km':>14}{'place P':>9}"
    )
    every: list[RealItem] = []
    for name, items in [*real.items(), ("all", [])]:
        items = items or every
        every += [] if name == "all" else items
        calls, placing = evaluate_real(tagger, items)
        if name != "all":
            errors += calls.errors + placing.errors
        print(
            f"{name:<11}{len(items):>8}{calls.tp + calls.fn:>12}{calls.tp + calls.fp:>6}"
            f"{calls.tp:>6}{calls.precision:>13.3f}{calls.recall:>7.3f}"
            f"   {placing.labelled:>10}{placing.recall:>14.3f}{placing.precision:>9.3f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of labelled texts")
    parser.add_argument("--real", type=Path, default=REAL, help="folder of labelled real text")
    parser.add_argument("--errors", action="store_true", help="list misses and false tags")
    args = parser.parse_args()

    tagger = default_tagger()
    sets = load(args.data)
    unknown = unknown_ids(tagger.watchlist, [t for texts in sets.values() for t in texts])
    if unknown:
        print("labels name ids the watchlist lacks:\n  " + "\n  ".join(unknown), file=sys.stderr)
        return 2
    errors: list[str] = []
    header = f"{'set':<11}{'kind':<7}{'labels':>7}{'tags':>6}{'right':>6}"
    header += f"{'precision':>10}{'recall':>8}   exact span: {'P':>5}{'R':>6}"
    print(header)
    every: list[Labelled] = []
    for name, texts in [*sets.items(), ("all", [])]:
        texts = texts or every
        scores = evaluate(tagger, texts, errors if name != "all" else None)
        every += [] if name == "all" else texts
        for kind, s in scores.items():
            print(
                f"{name:<11}{kind.value:<7}{s.labels:>7}{s.tags:>6}{s.right:>6}"
                f"{s.precision:>10.3f}{s.recall:>8.3f}"
                f"   {'':>12}{s.exact_precision:>5.3f}{s.exact_recall:>6.3f}"
            )
    real = load_real(args.real)
    if MISSING:
        print(
            f"({len(MISSING)} labels name what the watchlist lacks, left out of the mentions:"
            f" {', '.join(sorted(set(MISSING)))})",
            file=sys.stderr,
        )
    if "feeds" not in real:
        print(f"(feeds: {FEEDS} is absent, so its entries are left out)", file=sys.stderr)
    _print_real(tagger, real, errors)
    if args.errors:
        print()
        print("\n".join(errors) or "no errors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
