"""Replay: files of reports through the pipeline, in input order. A thin driver: reading is the
sources' job, every decision the pipeline's; this only walks the inputs and counts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from monitor.errors import InputError
from monitor.model import Scope, Status
from monitor.pipeline import Outcome, Pipeline
from monitor.sources import InputFile, Skipped, discover, read_input


@dataclass(kw_only=True, slots=True)
class ReplaySummary:
    new: int = 0
    not_relevant: int = 0  # of the new reports, those not about Libya
    duplicate: int = 0
    seen: int = 0
    failed: int = 0
    alerts: dict[str, int] = field(default_factory=dict)

    @property
    def reports(self) -> int:
        return self.new + self.duplicate + self.seen


def plan(paths: Iterable[str | Path]) -> list[InputFile | InputError | Skipped]:
    """The inputs a replay of `paths` will read, in order (folders expanded)."""
    return list(discover(paths))


def replay(
    inputs: Iterable[InputFile | InputError | Skipped],
    pipeline: Pipeline,
    *,
    on_outcome: Callable[[Outcome], None],
    on_error: Callable[[InputError], None],
    on_skipped: Callable[[Skipped], None] = lambda s: None,
    on_file_done: Callable[[InputFile], None] = lambda f: None,
    scope: Scope = "general",
) -> ReplaySummary:
    """Run every entry of `inputs` through `pipeline`, each in `scope` (what its source covers:
    "libya" for files of a Libya outlet). Bad inputs go to `on_error` and the rest carries on; a
    StoreError stops the replay (what was stored before it stays stored)."""
    summary = ReplaySummary()
    for item in inputs:
        if isinstance(item, InputError):
            summary.failed += 1
            on_error(item)
            continue
        if isinstance(item, Skipped):
            on_skipped(item)
            continue
        for result in pipeline.process_many(read_input(item, scope=scope)):
            if isinstance(result, InputError):
                summary.failed += 1
                on_error(result)
                continue
            if result.verdict.status is Status.NEW:
                summary.new += 1
                if result.relevance is not None and not result.relevance.relevant:
                    summary.not_relevant += 1
            elif result.verdict.status is Status.DUPLICATE:
                summary.duplicate += 1
            else:
                summary.seen += 1
            for alert in result.alerts:
                summary.alerts[alert.status.value] = summary.alerts.get(alert.status.value, 0) + 1
            on_outcome(result)
        on_file_done(item)
    return summary
