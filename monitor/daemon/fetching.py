"""The fetch threads: fetches run side by side while the poller's one thread ingests.

A thread starts when every running one has a fetch, up to the poller's concurrency, and then
waits for the next fetch. They are daemon threads: a process told to stop does not wait out a
fetch (a thread pool's threads are joined at exit, which would hold a SIGTERM for as long as a
fetch's timeout); a fetch cut short is polled again on start. Each fetch comes back through
`on_done`, on the fetch's thread.
"""

from __future__ import annotations

import ctypes
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from monitor.errors import FetchError, MonitorError
from monitor.sources.http import Fetched, Fetcher

log = logging.getLogger(__name__)

# Malloc arenas for the whole process (glibc's M_ARENA_MAX): see `_fewer_malloc_arenas`.
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8


@dataclass(frozen=True, slots=True)
class Job:
    """A fetch: the feed, and what its last answer said to ask again with."""

    name: str
    url: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class Done:
    """A fetch come back, with the document or the reason it failed."""

    name: str
    url: str
    result: Fetched | FetchError
    elapsed_s: float


class FetchThreads:
    """Runs `Job`s on threads started as they are needed."""

    def __init__(self, fetcher: Fetcher, on_done: Callable[[Done], None]) -> None:
        self._fetcher = fetcher
        self._on_done = on_done
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        _fewer_malloc_arenas()

    def __len__(self) -> int:
        return len(self._threads)

    def run(self, job: Job, *, busy: int) -> int | None:
        """Fetch `job` on a thread, starting one when the `busy` fetches (this one included)
        outnumber the threads. When no more can start (an address-space or thread limit:
        `ulimit -v`, `ulimit -u`), the job waits for a running thread: the number of threads,
        the most fetches that can run at once, is returned (else None). Raises MonitorError
        when not one thread can start: nothing can be polled."""
        self._jobs.put(job)
        if busy <= len(self._threads):
            return None
        thread = threading.Thread(
            target=self._work, name=f"fetch-{len(self._threads)}", daemon=True
        )
        try:
            thread.start()
        except RuntimeError as e:
            if not self._threads:
                raise MonitorError(
                    f"cannot start a thread to fetch feeds ({e}): the process's address-space "
                    "or thread limit (ulimit -v, ulimit -u) is too low"
                ) from None
            log.warning(
                "cannot start another fetch thread (%s); fetching %d feed(s) at a time",
                e,
                len(self._threads),
            )
            return len(self._threads)
        self._threads.append(thread)
        return None

    def close(self) -> None:
        """Let the threads end once their fetches do."""
        for _ in self._threads:
            self._jobs.put(None)

    def _work(self) -> None:
        fetcher = self._fetcher
        while (job := self._jobs.get()) is not None:
            started = fetcher.monotonic()
            try:
                result: Fetched | FetchError = fetcher.fetch(
                    job.url, etag=job.etag, last_modified=job.last_modified
                )
            except FetchError as e:
                result = e
            except Exception as e:  # a bug must not kill the thread or lose the feed
                log.exception("fetching feed '%s' raised", job.name)
                result = FetchError(job.url, f"unexpected {type(e).__name__}: {e}")
            self._on_done(Done(job.name, job.url, result, fetcher.monotonic() - started))


def _fewer_malloc_arenas() -> None:
    """Two malloc arenas for the process instead of one for each thread that allocates. glibc
    reserves 64 MB of address space for each arena: with 16 fetch threads, a process under a
    1 GB address-space limit (`ulimit -v`, as some hosts set) could not start them. The fetch
    threads mostly wait on the network, so they hardly contend for two. Nothing happens where
    the C library has no `mallopt` (not glibc)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_ARENA_MAX, MALLOC_ARENAS)
