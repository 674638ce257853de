"""Every document of a corpus of feeds (feedparser's own test suite: well-formed, ill-formed,
entity and encoding cases; and real captures) goes through what a poll does with a fetched body
(`feed_entries`, then the pipeline into SQLite): each is ingested or refused with one line saying
why, none raises, and the whole run is bounded in time."""

from __future__ import annotations

import io
import random
import time
from collections import Counter
from pathlib import Path

import pytest

from monitor.alert import ConsoleNotifier
from monitor.assembly import assemble
from monitor.config import load_settings
from monitor.daemon import open_poller
from monitor.daemon.feeds import feed_entries
from monitor.errors import InputError
from tests.conftest import hang_guard, shared_or_skip

# Far above the ~30 s the corpus takes here: only a hang or a runaway document reaches it.
CORPUS_DEADLINE_S = 300


@pytest.mark.shared
def test_every_corpus_document_is_ingested_or_refused_with_a_reason(tmp_path: Path) -> None:
    corpus = shared_or_skip("corpora", "feeds")
    documents = sorted(
        p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("LICENSE")
    )
    assert len(documents) > 2000
    config = tmp_path / "monitor.toml"
    config.write_text(f'[database]\ndata_dir = "{tmp_path / "data"}"\n')
    loaded = load_settings(config, env={})
    refused: Counter[str] = Counter()
    bad_entries: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    ingested = 0
    started = time.monotonic()
    with (
        open_poller(
            assemble(loaded, notifier=ConsoleNotifier(io.StringIO())),
            deliver_inline=False,
            rng=random.Random(1),
        ) as poller,
        hang_guard(CORPUS_DEADLINE_S),
    ):
        for path in documents:
            name = str(path.relative_to(corpus))
            try:
                entries, _ = feed_entries(name, path.read_bytes(), "application/xml")
            except InputError as e:
                assert "\n" not in e.reason and e.reason.strip()
                assert str(e).startswith(f"feed '{name}': ")
                refused[_kind(e.reason)] += 1
                continue
            ingested += 1
            for outcome in poller.pipeline.process_many(entries):
                if isinstance(outcome, InputError):
                    assert "\n" not in outcome.reason and outcome.ref.startswith(f"feed '{name}'")
                    bad_entries[_kind(outcome.reason)] += 1
                else:
                    statuses[outcome.verdict.status.value] += 1
        stored = poller.store.count()
    elapsed = time.monotonic() - started
    print(
        f"\ncorpus: {len(documents):,} documents in {elapsed:.1f} s: {ingested:,} ingested, "
        f"{sum(refused.values()):,} refused; entries: {dict(statuses)}, "
        f"{sum(bad_entries.values()):,} unreadable; {stored:,} reports stored"
    )
    for reason, n in refused.most_common():
        print(f"  refused {n:5,}  {reason}")
    for reason, n in bad_entries.most_common():
        print(f"  entry   {n:5,}  {reason}")
    assert ingested + sum(refused.values()) == len(documents)
    assert stored == statuses["new"] + statuses["duplicate"] > 1000
    # Of the corpus, only feedparser's two documents that declare entities are refused for it.
    assert refused["declares XML entities"] == 2


def _kind(reason: str) -> str:
    """A reason without its particulars (sizes, offsets, parser messages), to count alike."""
    return reason.split(";")[0].split(" (")[0]
