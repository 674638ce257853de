"""Dedup and stories at scale: the whole pipeline's speed, memory and accuracy with 1,000 to
1,000,000 reports already stored, beside the brute-force design it replaces, in one table.

    python scripts/bench_dedup.py [--sizes 1000,10000,100000,1000000] [--measure 2000]
                                  [--latency 500] [--baseline-sizes 1000,10000]
                                  [--per-day 2000] [--seed 1] [--db URL] [--workdir DIR]
                                  [--compare-db URL] [--rounds 1]

The stream comes from `scripts/dedup_stream.py`: Libya reports of about 3 KB from many
templates, with known shares of syndicated copies, excerpts, re-titled and edited copies, items
served again, and other outlets' own reports of the same events. Reports are published at
`--per-day` a day, so a store of N reports spans N / per-day days (the dedup window holds the
last 90 of them).

For each size, the store is first filled up to that many reports; then, in a fresh process
pinned to one core, with the retrieval index read from the store as on start-up:
- `--measure` further reports of the same stream go through `Pipeline.process_many` (normalize,
  dedup, tag, story, store, alert to a notifier that drops what it is given), which commits them
  in groups as a replay or a feed's poll does: reports/s;
- `--latency` more go through `Pipeline.process` one at a time, each committed and alerted
  before the next, as a daemon meets reports between polls: the latency p50 and p99.
The process then reports its peak memory (the high-water mark of its resident set, tagger,
watchlist and retrieval index included). Precision and recall of `duplicate` and the purity
and completeness of stories are computed on all the measured reports, against what the
generator knows.

Filling is not timed, and fast: two processes normalize, fingerprint, tag the leads and make the
signatures of the reports, with the pipeline's own functions, and one writes them in batches
of 1,000, storing copies as duplicates and same-event reports in one story as the generator
knows them, and capping common keys as the pipeline does. A million reports take minutes.

With `--compare-db` (say a PostgreSQL URL beside the default SQLite), both databases are filled
alike and measured in turn, `--rounds` times at each size, and the ratio of their median
throughputs is printed.

The baseline is the design this one replaces: each new report compared word by word with every
stored original held in memory; it runs on a sample of the measured reports at the smaller
sizes only.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from dedup_stream import Item, stream  # noqa: E402

from monitor.alert import AlertMessage, Notifier, Rule  # noqa: E402
from monitor.config import CONFIG_FILE, default_config_dir, load_settings  # noqa: E402
from monitor.dedup import (  # noqa: E402
    Boilerplate,
    Candidate,
    Deduper,
    Fingerprint,
    Paragraphs,
    body_words,
    decode_keys,
    encode_words,
    fingerprint,
)
from monitor.event import read_event  # noqa: E402
from monitor.model import Entry, Status, Verdict  # noqa: E402
from monitor.normalize import to_report  # noqa: E402
from monitor.pipeline import (  # noqa: E402
    Pipeline,
    broad_places,
)
from monitor.store import SqlStore  # noqa: E402
from monitor.store.rows import child_rows, report_values  # noqa: E402
from monitor.store.schema import (  # noqa: E402
    DedupKeyRow,
    ReportEntityRow,
    ReportRow,
    StoryKeyRow,
    TagRow,
)
from monitor.story import signature  # noqa: E402
from monitor.story.signature import _lead_spans  # noqa: E402
from monitor.tag import Tagger, load_watchlist  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
COPY_KINDS = frozenset({"syndicated", "excerpt", "retitled", "edited"})
FILL_BATCH = 1000


class NullNotifier(Notifier):
    def send(self, message: AlertMessage) -> None:
        return None

    def send_notice(self, channel: str, text: str) -> None:
        return None


class StreamClock:
    """The pipeline's clock follows the stream: it reads the published time of the report being
    processed, so stored_at, the window and event days are those of the stream."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def _entry(item: Item) -> Entry:
    return Entry(
        ref=f"item:{item.index}",
        source=item.source,
        title=item.title,
        body=item.body,
        url=item.url,
        guid=item.guid,
        published=item.published,
    )


def _items(first: int, count: int, per_day: int, seed: int) -> list[Item]:
    start = START + timedelta(days=first / per_day)
    return list(stream(count, seed=seed, start=start, days=count / per_day, first_index=first))


def _pipeline(db: str, clock: StreamClock, notifier: Any) -> tuple[Pipeline, SqlStore]:
    loaded = load_settings(default_config_dir() / CONFIG_FILE, env={}).settings
    watchlist = load_watchlist(Path(loaded.watchlist.actors), loaded.watchlist.places_files)
    store = SqlStore.open(db, clock=clock)
    pipeline = Pipeline(
        store=store,
        tagger=Tagger(watchlist),
        rules=[Rule(name="watchlist", channel="#bench")],
        notifier=notifier,
        policy=loaded.dedup,
        story_policy=loaded.stories,
        clock=clock,
    )
    return pipeline, store


# --- the worker commands, each run in a process of its own ---------------------------------------


def _prepare(args: tuple[int, int, int, int]) -> list[dict[str, Any]]:
    """The rows of one chunk of the stream, as the pipeline would store them (run in a worker
    process). Tags are those of the lead, which is all that stories read."""
    first, count, per_day, seed = args
    global _WORKER
    if _WORKER is None:
        loaded = load_settings(default_config_dir() / CONFIG_FILE, env={}).settings
        watchlist = load_watchlist(Path(loaded.watchlist.actors), loaded.watchlist.places_files)
        _WORKER = (
            Tagger(watchlist),
            broad_places(watchlist),
            loaded.dedup,
            loaded.stories,
        )
    tagger, broad, policy, stories = _WORKER
    # Boilerplate is learned within the chunk, so that the rows do not depend on which worker
    # happened to prepare which chunks before.
    boilerplate = Boilerplate(
        lambda source, n: [],
        recent=policy.boilerplate_recent,
        min_reports=policy.boilerplate_reports,
        min_share=policy.boilerplate_share,
    )
    rows = []
    for item in _items(first, count, per_day, seed):
        if item.kind == "resent":
            continue
        report = to_report(_entry(item), fetched_at=item.published)
        bp = boilerplate.of(report.source)
        fp = fingerprint(report, bp, sampling=policy.sampling, head=policy.head)
        lead_end = max((e for _, e in _lead_spans(report.text, bp, stories.lead_words)), default=0)
        lead = replace(report, text=report.text[:lead_end])
        reading = tagger.read(lead)
        tags = reading.tags
        event = read_event(lead, reading)
        sig = signature(report, tags, broad=broad, boilerplate=bp, policy=stories, event=event)
        if item.kind in ("original", "same_event"):
            boilerplate.learn(report.source, report.text)
        rows.append({"item": item, "report": report, "fp": fp, "tags": tags, "sig": sig})
    return rows


_WORKER: Any = None


def fill(db: str, first: int, count: int, per_day: int, seed: int) -> dict[str, Any]:
    """Store `count` reports of the stream as the pipeline would, fast: two processes prepare
    the rows, this one writes them in transactions of one chunk. Copies are stored as duplicates
    of their originals and same-event reports in their event's story, as the generator knows
    them; common keys are capped as the pipeline caps them."""
    store = SqlStore.open(db)
    engine = store.engine
    policy = load_settings(default_config_dir() / CONFIG_FILE, env={}).settings.dedup
    postings: Counter[int] = Counter()
    with engine.connect() as connection:
        for (data,) in connection.execute(select(DedupKeyRow.keys)):
            postings.update(decode_keys(data).tolist())
        next_id = (connection.execute(select(func.max(ReportRow.id))).scalar() or 0) + 1
    store.close()
    chunks = [
        (first + offset, min(FILL_BATCH, count - offset), per_day, seed)
        for offset in range(0, count, FILL_BATCH)
    ]
    started = time.perf_counter()
    done = 0
    with multiprocessing.Pool(2) as pool, engine.connect() as connection:
        for rows in pool.imap(_prepare, chunks):
            id_of: dict[int, int] = {}
            story_of: dict[int, int] = {}
            tables: dict[Any, list[dict[str, Any]]] = defaultdict(list)
            for row in rows:
                item, fp, sig = row["item"], row["fp"], row["sig"]
                report_id = next_id
                next_id += 1
                id_of[item.index] = report_id
                if item.kind in ("original", "same_event"):
                    verdict = Verdict(status=Status.NEW)
                    story_id = story_of.setdefault(item.event, report_id)
                    indexed = [k for k in fp.keys if postings[k] < policy.key_postings]
                    postings.update(indexed)
                else:
                    original = id_of.get(item.copy_of if item.copy_of is not None else -1)
                    verdict = Verdict(status=Status.DUPLICATE, duplicate_of=original, reason="near")
                    story_id = story_of.get(item.event, report_id)
                    indexed = []
                values = report_values(
                    report=row["report"],
                    fingerprint=fp,
                    verdict=verdict,
                    input_ref=f"item:{item.index}",
                    keys=indexed,
                    signature=sig,
                    story_id=story_id,
                    stored_at=row["report"].published,
                )
                tables[ReportRow].append({"id": report_id, **values})
                owned = child_rows(
                    report_id, verdict=verdict, tags=row["tags"], keys=indexed, signature=sig
                )
                for table, values_of_table in owned.items():
                    tables[table] += values_of_table
            for table in (ReportRow, TagRow, ReportEntityRow, DedupKeyRow, StoryKeyRow):
                if tables[table]:
                    connection.execute(insert(table), tables[table])
            connection.commit()
            done += len(rows)
        if engine.dialect.name == "postgresql":
            # The rows were given their ids: the sequence must carry on after them.
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('reports', 'id'), max(id)) FROM reports")
            )
            connection.commit()
            # What autovacuum does soon after such a load: measured before it, without
            # statistics, ingest ran at about half the speed.
            connection.execute(text("ANALYZE"))
            connection.commit()
    engine.dispose()
    return {"filled": done, "seconds": time.perf_counter() - started}


class BruteForce(Deduper):
    """The design this one replaced: every stored original's words in memory, all compared."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = self.reads._read(  # type: ignore[attr-defined]
            select(ReportRow.id, ReportRow.source, ReportRow.text).where(
                ReportRow.status == Status.NEW.value
            )
        )
        self.originals = [
            Candidate(
                report_id=report_id,
                words=encode_words(body_words(text, self.boilerplate.of(source))),
            )
            for report_id, source, text in rows
        ]

    def _candidates(
        self, fp: Fingerprint, paragraphs: Paragraphs
    ) -> tuple[list[Candidate], list[int]]:
        return self.originals, list(fp.keys)


def measure(
    db: str, first: int, count: int, per_day: int, seed: int, latency: int, brute: bool
) -> dict:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    items = _items(first, count, per_day, seed)
    clock = StreamClock()
    clock.now = items[0].published  # the process starts when the stream gets there
    pipeline, store = _pipeline(db, clock, NullNotifier())
    if brute:
        pipeline.dedup = BruteForce(store, policy=pipeline.dedup.policy, clock=clock)
    outcomes: list[tuple[Any, ...]] = []

    def record(outcome: Any) -> None:
        verdict = outcome.verdict
        outcomes.append(
            (verdict.status.value, outcome.report_id, verdict.duplicate_of, outcome.story_id)
        )

    def entries(part: list[Item]) -> Iterator[Entry]:
        for item in part:
            clock.now = item.published  # handed over now, with the rest of its group
            yield _entry(item)

    # Throughput: the reports handed over in groups, as a replay or a feed's poll hands them.
    timed, singles = items[: count - latency], items[count - latency :]
    with store:
        started = time.perf_counter()
        for outcome in pipeline.process_many(entries(timed)):
            record(outcome)
        elapsed = time.perf_counter() - started
        # Latency: reports arriving one by one, as a daemon meets them between polls.
        latencies = []
        for item in singles:
            clock.now = item.published
            t0 = time.perf_counter()
            record(pipeline.process(_entry(item)))
            latencies.append(time.perf_counter() - t0)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result: dict[str, Any] = {
            "reports": len(timed),
            "seconds": elapsed,
            "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
            "p99_ms": statistics.quantiles(latencies, n=100)[98] * 1000 if latencies else 0.0,
            "peak_mb": peak_mb,
        }
        if not brute:
            result.update(_accuracy(store, items, outcomes))
    return result


def _report_id_of(store: SqlStore, item: Item) -> int | None:
    return store._read(
        select(ReportRow.id)
        .where(ReportRow.source == item.source, ReportRow.guid == item.guid)
        .order_by(ReportRow.id)
        .limit(1)
    ).scalar_one_or_none()


def _accuracy(store: SqlStore, items: list[Item], outcomes: list[tuple]) -> dict[str, Any]:
    """Duplicate precision and recall, `seen` accuracy, story purity and completeness."""
    by_index = {item.index: item for item in items}
    ids_of: dict[int, int | None] = {}

    def original_id(index: int) -> int | None:
        """The stored id of the item `index` (copies refer to items of the same stream call)."""
        if index not in ids_of:
            ids_of[index] = _report_id_of(store, by_index[index]) if index in by_index else None
        return ids_of[index]

    true_pos = predicted = actual = 0
    seen_right = seen_total = 0
    story_of_event: dict[int, Counter[int]] = defaultdict(Counter)
    event_of_story: dict[int, Counter[int]] = defaultdict(Counter)
    kinds: Counter[str] = Counter()
    for item, (status, report_id, duplicate_of, story_id) in zip(items, outcomes, strict=True):
        kinds[item.kind] += 1
        if item.kind == "resent":
            seen_total += 1
            seen_right += status == "seen"
            continue
        is_copy = item.kind in COPY_KINDS
        actual += is_copy
        if status in ("duplicate", "seen"):
            # A copy whose words are its original's, or an earlier copy's, is `seen`: the same
            # item as the original, or as a duplicate of it.
            predicted += 1
            original = original_id(item.copy_of) if is_copy and item.copy_of is not None else None
            if original is not None and original in (
                duplicate_of,
                report_id if status == "seen" else None,
            ):
                true_pos += 1
        if status == "new" and not is_copy and story_id is not None:
            story_of_event[item.event][story_id] += 1
            event_of_story[story_id][item.event] += 1
    grouped = sum(sum(c.values()) for c in story_of_event.values()) or 1
    return {
        "dup_precision": true_pos / predicted if predicted else 1.0,
        "dup_recall": true_pos / actual if actual else 1.0,
        "seen_accuracy": seen_right / seen_total if seen_total else 1.0,
        "story_purity": sum(max(c.values()) for c in event_of_story.values()) / grouped,
        "story_completeness": sum(max(c.values()) for c in story_of_event.values()) / grouped,
        "kinds": dict(kinds),
    }


# --- the driver ----------------------------------------------------------------------------


def _worker(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"worker {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--measure", type=int, default=2000, help="reports timed at each size")
    parser.add_argument(
        "--latency", type=int, default=500, help="reports then timed one by one at each size"
    )
    parser.add_argument("--baseline-sizes", default="1000,10000")
    parser.add_argument("--baseline-reports", type=int, default=100)
    parser.add_argument("--per-day", type=int, default=2000, help="reports published a day")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="database URL (default: SQLite in the work folder)")
    parser.add_argument("--workdir", help="keep the database here (default: a temporary folder)")
    parser.add_argument(
        "--compare-db",
        metavar="URL",
        help="a second database (say PostgreSQL) measured in turn with the first",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="measurements at each size (the median is compared)"
    )
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        command, db, *numbers = args.worker
        first, count, per_day, seed, *rest = (int(n) for n in numbers)
        if command == "fill":
            result = fill(db, first, count, per_day, seed)
        else:
            latency = rest[0] if rest else 0
            result = measure(db, first, count, per_day, seed, latency, brute=command == "brute")
        print(json.dumps(result))
        return 0

    sizes = sorted(int(s) for s in args.sizes.split(",") if s)
    baseline_sizes = {int(s) for s in args.baseline_sizes.split(",") if s}
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-dedup-"))
    workdir.mkdir(parents=True, exist_ok=True)
    dbs = [args.db or f"sqlite:///{workdir / 'bench.db'}"]
    if args.compare_db:
        dbs.append(args.compare_db)
    common = [str(args.per_day), str(args.seed)]

    rows: dict[str, list[dict[str, Any]]] = {db: [] for db in dbs}
    stored = dict.fromkeys(dbs, 0)
    print(
        f"stream: {args.per_day} reports a day; {args.measure} reports timed at each size; "
        f"database {' and '.join(dbs)}; {args.rounds} round(s)",
        file=sys.stderr,
    )
    for size in sizes:
        for db in dbs:
            if size > stored[db]:
                started = time.perf_counter()
                _worker("fill", db, str(stored[db]), str(size - stored[db]), *common)
                print(
                    f"{db}: filled {stored[db]:,} -> {size:,} in "
                    f"{time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                )
                stored[db] = size
        # The databases take turns, round after round, so that a machine busier during one
        # round weighs on both alike.
        for _ in range(args.rounds):
            for db in dbs:
                row: dict[str, Any] = {"stored": size}
                if size in baseline_sizes:
                    brute = _worker(
                        "brute", db, str(stored[db]), str(args.baseline_reports), *common
                    )
                    row["baseline_rps"] = brute["reports"] / brute["seconds"]
                    # The baseline stored its reports; the measured run takes the ones after.
                    stored[db] += args.baseline_reports
                measured = args.measure + args.latency
                result = _worker(
                    "measure", db, str(stored[db]), str(measured), *common, str(args.latency)
                )
                stored[db] += measured
                row.update(result)
                row["rps"] = result["reports"] / result["seconds"]
                rows[db].append(row)
                print(json.dumps({"db": db, **row}), file=sys.stderr)

    for db in dbs:
        if len(dbs) > 1:
            print(f"\n{db}")
        _table(rows[db])
    if len(dbs) > 1:
        first, other = dbs
        print()
        for size in sizes:
            a = statistics.median(r["rps"] for r in rows[first] if r["stored"] == size)
            b = statistics.median(r["rps"] for r in rows[other] if r["stored"] == size)
            print(
                f"at {size:,} stored, median reports/s: {a:.0f} on the first, {b:.0f} on the "
                f"second: the second keeps {b / a:.2f} of the first's throughput"
            )
    return 0


def _table(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'stored':>10} {'reports/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'peak MB':>8} "
        f"{'dup P':>6} {'dup R':>6} {'seen':>5} {'story P':>8} {'story C':>8} "
        f"{'brute r/s':>10} {'speed-up':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        brute = r.get("baseline_rps")
        print(
            f"{r['stored']:>10,} {r['rps']:>10.0f} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} "
            f"{r['peak_mb']:>8.0f} {r['dup_precision']:>6.3f} {r['dup_recall']:>6.3f} "
            f"{r['seen_accuracy']:>5.2f} {r['story_purity']:>8.3f} {r['story_completeness']:>8.3f} "
            + (f"{brute:>10.1f} {r['rps'] / brute:>8.0f}x" if brute else f"{'-':>10} {'-':>9}")
        )
    base = rows[0]
    for r in rows[1:]:
        if r["stored"] == base["stored"]:
            continue  # another round at the same size
        print(
            f"cost per report at {r['stored']:,} stored: "
            f"{base['rps'] / r['rps']:.2f}x the cost at {base['stored']:,}"
        )


if __name__ == "__main__":
    sys.exit(main())
