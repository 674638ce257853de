"""Tagging throughput: the full tag stage against a bare exact-only scan, on one core, in one run.

    python scripts/bench_tagging.py [--reports 2000] [--seed 1] [--rounds 5]

The corpus is made in memory from text the project ships: reports of about 3 KB, each built
from sentences drawn at random from the seed reports and the labelled sentences, with a few
made-up capitalised names mixed in (people and places the watchlist does not know), so that
the fuzzy step meets new words in every report as it does on a live stream.

Each round builds a new tagger (not timed), empties the module-wide caches of words' keys,
reads the whole corpus with it, then runs the exact-only scan over the same corpus: the two
are timed back to back, so that a busy moment of a shared machine slows both. The table gives
each round and the median; the ratio is the median of the rounds' ratios.

The full tag stage is `Tagger.read`: every mention (exact, folded, Arabic, variants and
misspellings, demonyms, ambiguity), then whether the report is about Libya and where it
happened, on a report whose first sentence is its title.

The baseline is pyahocorasick (`pip install pyahocorasick`): one automaton over every
watchlist name, lowercased, scanning the lowercased text and keeping hits on word boundaries.
It knows nothing of folding, Arabic, articles, demonyms, fuzzy matching or ambiguity: it is the
floor that shows what the smarter matching costs, as a ratio.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config import CONFIG_FILE, default_config_dir, load_settings  # noqa: E402
from monitor.model import Report  # noqa: E402
from monitor.tag import Tagger, Watchlist, load_watchlist  # noqa: E402
from monitor.tag import fold as fold_module  # noqa: E402
from monitor.tag import variants as variants_module  # noqa: E402

MARKUP = re.compile(r"\[\[(.+?)\|[a-z0-9_]+\]\]")
REPORT_BYTES = 3000
SYLLABLES = "ka ro mi tal ven dor su bel far nix gor lem zan pi tor wes hal mun dra qui".split()


def _sentences() -> list[str]:
    pool: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = path.read_text("utf-8")
        pool += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 20]
    labelled = ROOT / "tests" / "data" / "tagging" / "sentences.txt"
    if labelled.is_file():
        for line in labelled.read_text("utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                pool.append(MARKUP.sub(r"\1", line.strip()))
    return pool


def _made_up_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))).capitalize()


def corpus(reports: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pool = _sentences()
    texts = []
    for _ in range(reports):
        parts: list[str] = []
        size = 0
        while size < REPORT_BYTES:
            sentence = rng.choice(pool)
            if rng.random() < 0.3:
                sentence = f"{_made_up_name(rng)} {_made_up_name(rng)} said: {sentence}"
            parts.append(sentence)
            size += len(sentence.encode()) + 1
        texts.append(" ".join(parts))
    return texts


def exact_scan(watchlist: Watchlist):  # type: ignore[no-untyped-def]
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for entity in watchlist.entities.values():
        for name in (*entity.names, *entity.ambiguous, *entity.demonyms):
            automaton.add_word(name.lower(), (len(name), entity.id))
    automaton.make_automaton()

    def scan(text: str) -> int:
        lowered = text.lower()
        hits = 0
        for end, (length, _) in automaton.iter(lowered):
            start = end - length + 1
            before = lowered[start - 1] if start > 0 else " "
            after = lowered[end + 1] if end + 1 < len(lowered) else " "
            if not before.isalnum() and not after.isalnum():
                hits += 1
        return hits

    return scan


def _timed(func, items) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    found = sum(func(item) for item in items)
    return time.perf_counter() - started, found


def _report(text: str) -> Report:
    title, _, rest = text.partition(". ")
    return Report(
        source="bench",
        url=None,
        guid=None,
        title=title,
        text=rest,
        published=None,
        fetched_at=datetime.now(UTC),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=2000, help="reports in the corpus")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the corpus")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of tagger then scan")
    args = parser.parse_args()

    files = load_settings(default_config_dir() / CONFIG_FILE, env={}).settings.watchlist
    watchlist = load_watchlist(Path(files.actors), files.places_files)
    texts = corpus(args.reports, args.seed)
    megabytes = sum(len(t.encode()) for t in texts) / 1e6

    try:
        scan = exact_scan(watchlist)
    except ImportError:
        scan = None
    reports = [_report(t) for t in texts]
    rounds: list[tuple[float, float, int, float | None, int]] = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        tagger = Tagger(watchlist)
        build_s = time.perf_counter() - started
        fold_module.forget_folded()
        variants_module.keys.cache_clear()
        tagger_s, tags = _timed(lambda r, t=tagger: len(t.read(r).tags), reports)
        scan_s, hits = _timed(scan, texts) if scan is not None else (None, 0)
        rounds.append((build_s, tagger_s, tags, scan_s, hits))

    print(f"corpus: {len(texts)} reports, {megabytes:.1f} MB; watchlist: {len(watchlist)} entries")
    print(f"tagger built in {median(r[0] for r in rounds) * 1000:.0f} ms (median)")
    print(f"tags found: {rounds[0][2]}; exact-only hits: {rounds[0][4]}")
    print()
    print(f"{'round':<8}{'Tagger.read s':>15}{'MB/s':>8}{'scan s':>9}{'MB/s':>8}{'ratio':>8}")
    for k, (_, tagger_s, _, scan_s, _) in enumerate(rounds, 1):
        line = f"{k:<8}{tagger_s:>15.2f}{megabytes / tagger_s:>8.1f}"
        if scan_s is not None:
            line += f"{scan_s:>9.2f}{megabytes / scan_s:>8.1f}{tagger_s / scan_s:>7.1f}x"
        print(line)
    tagger_m = median(r[1] for r in rounds)
    line = f"{'median':<8}{tagger_m:>15.2f}{megabytes / tagger_m:>8.1f}"
    if scan is not None:
        scan_m = median(r[3] for r in rounds if r[3] is not None)
        ratio = median(r[1] / r[3] for r in rounds if r[3] is not None)
        line += f"{scan_m:>9.2f}{megabytes / scan_m:>8.1f}{ratio:>7.1f}x"
    print(line)
    if scan is not None:
        print(f"\ncost of the full tagger: {ratio:.1f}x the exact-only scan", end="")
        print(f" (median of {len(rounds)} rounds)")
    else:
        print("\n(pip install pyahocorasick to run the exact-only baseline beside it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
