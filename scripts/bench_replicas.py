"""Ingest throughput on PostgreSQL with one, two and three replicas: each replica a process of its
own running the whole pipeline (normalise, dedup, tag, story, store, alert to a null notifier) on
its share of the same synthetic stream, all against one database that already holds `--stored`
reports. Prints one table: replicas, reports, wall time, reports/s, and the speed-up over one
replica in the same round (with `--rounds`, the replica counts are run in turn, that many times,
so that a machine busier for a while weighs on all of them).

    python scripts/bench_replicas.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test

The database named by --db is only used to create and drop scratch databases beside it (one
filled once as a template, one copy of it per run), so every run starts from the same state.
The stream is that of scripts/bench_dedup.py (scripts/dedup_stream.py); the replicas take its
reports in turn (replica k the k-th of every n), so that they meet copies of each other's reports.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_dedup as bench  # noqa: E402

TEMPLATE = "monitor_bench_replicas_base"


def _admin(url: str) -> Any:
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _url_of(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _replica(db: str, first: int, count: int, share: int, shares: int, per_day: int, seed: int,
             start: Any, done: Any) -> None:  # fmt: skip
    items = bench._items(first, count, per_day, seed)[share::shares]
    clock = bench.StreamClock()
    clock.now = items[0].published
    pipeline, store = bench._pipeline(db, clock, bench.NullNotifier())

    def entries() -> Any:
        for item in items:
            clock.now = item.published
            yield bench._entry(item)

    with store:
        # The window is read before the clock starts, as a running replica has it.
        pipeline.dedup.sync()
        start.wait()
        began = time.perf_counter()
        stored = sum(1 for _ in pipeline.process_many(entries()))
        done.put((stored, began, time.perf_counter()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--db", required=True, help="a PostgreSQL URL (scratch databases beside it)"
    )
    parser.add_argument("--stored", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=1_500, help="reports ingested in each run")
    parser.add_argument("--replicas", default="1,2,3")
    parser.add_argument("--per-day", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs of each replica count, taken in turn"
    )
    args = parser.parse_args()
    admin = _admin(args.db)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE}"'))
        connection.execute(text(f'CREATE DATABASE "{TEMPLATE}"'))
    started = time.perf_counter()
    bench.fill(_url_of(args.db, TEMPLATE), 0, args.stored, args.per_day, args.seed)
    print(f"filled {args.stored:,} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    spawn = multiprocessing.get_context("spawn")
    rows = []
    counts = [int(x) for x in args.replicas.split(",")]
    for n in counts * args.rounds:
        name = f"monitor_bench_replicas_{n}"
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'))
        start, done = spawn.Barrier(n + 1), spawn.Queue()
        workers = [
            spawn.Process(
                target=_replica,
                args=(
                    _url_of(args.db, name),
                    args.stored,
                    args.reports,
                    k,
                    n,
                    args.per_day,
                    args.seed,
                    start,
                    done,
                ),
            )  # fmt: skip
            for k in range(n)
        ]
        for worker in workers:
            worker.start()
        start.wait()
        results = [done.get() for _ in workers]
        for worker in workers:
            worker.join()
        stored = sum(r[0] for r in results)
        wall = max(r[2] for r in results) - min(r[1] for r in results)
        rows.append((n, stored, wall, stored / wall))
        print(f"{n} replica(s): {stored} reports in {wall:.1f} s", file=sys.stderr)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{TEMPLATE}"'))
    admin.dispose()
    print(f"PostgreSQL, {args.stored:,} reports stored before each run; {args.reports:,} ingested")
    print(f"{'replicas':>8}  {'reports':>7}  {'wall s':>7}  {'reports/s':>9}  {'speed-up':>8}")
    for i, (n, stored, wall, rps) in enumerate(rows):
        # Each against the run of one replica in the same round.
        base = rows[i - i % len(counts)][3]
        print(f"{n:>8}  {stored:>7}  {wall:>7.1f}  {rps:>9.0f}  {rps / base:>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
