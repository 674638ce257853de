"""Tagging accuracy: precision and recall per kind (actors, places) against labelled texts.

    python scripts/eval_tagging.py [--errors] [--data tests/data/tagging]

The labelled texts are in `tests/data/tagging/` (its README gives the annotation guideline):
the five seed reports marked up completely, and sentences written to cover spelling variants,
Arabic, misspellings, demonyms and ambiguous names. Markup is `[[text as written|entity_id]]`.

A tag is right when a labelled mention of the same entity overlaps it; each label is matched
once. The "exact span" columns count only tags whose span equals the label's. `--errors`
lists every miss and every false tag with its context.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config import CONFIG_FILE, default_config_dir, load_settings  # noqa: E402
from monitor.model import Tag, TagKind  # noqa: E402
from monitor.tag import Tagger, Watchlist, load_watchlist  # noqa: E402

MARKUP = re.compile(r"\[\[(.+?)\|([a-z0-9_]+)\]\]")
DATA = ROOT / "tests" / "data" / "tagging"


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
    """A tagger of the watchlist the shipped configuration names."""
    files = load_settings(default_config_dir() / CONFIG_FILE, env={}).settings.watchlist
    return Tagger(load_watchlist(Path(files.actors), files.places_files))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of labelled texts")
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
    if args.errors:
        print()
        print("\n".join(errors) or "no errors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
