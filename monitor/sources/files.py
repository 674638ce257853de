"""Paths to inputs: files by their ending, folders walked in sorted order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from monitor.errors import InputError
from monitor.model import Entry, Scope
from monitor.sources.feed import read_feed_file
from monitor.sources.jsonl import read_jsonl
from monitor.sources.text import read_text

Reader = Callable[[Path, bytes, str | None], Iterator[Entry | InputError]]

READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".text": read_text,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".xml": read_feed_file,
    ".rss": read_feed_file,
    ".atom": read_feed_file,
}


@dataclass(frozen=True, kw_only=True, slots=True)
class InputFile:
    """A file to read, with the reader its ending chose and its size for progress."""

    path: Path
    reader: Reader
    size: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Skipped:
    """Files of a folder that no reader takes, reported once per folder."""

    folder: Path
    count: int
    endings: tuple[str, ...]


def _walk(folder: Path, visited: set[Path]) -> Iterator[Path | InputError]:
    """The files below `folder` in sorted order, hidden ones left out. A folder reached again
    through a link is not read twice; one that cannot be listed is an InputError and the walk
    goes on."""
    real = folder.resolve()
    if real in visited:
        return
    visited.add(real)
    try:
        children = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as e:
        yield InputError(str(folder), f"cannot be listed ({e.strerror or e})")
        return
    for child in children:
        if child.name.startswith("."):
            continue
        if child.is_dir():
            yield from _walk(child, visited)
        elif child.is_file():
            yield child


def discover(paths: Iterable[str | Path]) -> Iterator[InputFile | InputError | Skipped]:
    """The files to read, in the order given, folders expanded in sorted order.

    A file named on its own with an unknown ending is read as plain text; inside a folder, only
    known endings are read and the others are reported as one `Skipped` per folder. A path that
    does not exist or cannot be listed is an InputError naming it.
    """
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                skipped: list[Path] = []
                for file in _walk(path, set()):
                    if isinstance(file, InputError):
                        yield file
                        continue
                    reader = READERS.get(file.suffix.lower())
                    if reader is None:
                        skipped.append(file)
                    else:
                        yield InputFile(path=file, reader=reader, size=file.stat().st_size)
                if skipped:
                    endings = sorted({f.suffix.lower() or "(none)" for f in skipped})
                    yield Skipped(folder=path, count=len(skipped), endings=tuple(endings))
            elif path.is_file():
                reader = READERS.get(path.suffix.lower(), read_text)
                yield InputFile(path=path, reader=reader, size=path.stat().st_size)
            elif path.exists():
                yield InputError(str(path), "not a regular file or folder")
            else:
                yield InputError(str(path), "no such file or folder")
        except OSError as e:
            yield InputError(str(path), f"cannot be read ({e.strerror or e})")


def read_input(item: InputFile, *, scope: Scope = "general") -> Iterator[Entry | InputError]:
    """The entries of one input file, each in `scope` (what the source covers: see
    `monitor.model.Scope`); a file that cannot be opened is one InputError."""
    try:
        data = item.path.read_bytes()
    except OSError as e:
        yield InputError(str(item.path), f"cannot be read ({e.strerror or e})")
        return
    for entry in item.reader(item.path, data, None):
        yield replace(entry, scope=scope) if isinstance(entry, Entry) else entry
