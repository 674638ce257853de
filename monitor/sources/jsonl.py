"""JSON Lines: one report per line, fields `id`, `url`, `title`, `text` or `summary`,
`published`, `source`; unknown fields are ignored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from monitor.errors import InputError
from monitor.model import Entry
from monitor.sources.decode import decode_text


def _string(obj: dict[str, Any], key: str, ref: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(ref, f"field '{key}' must be a string, not {type(value).__name__}")
    return str(value)


def entry_from_object(obj: Any, ref: str, default_source: str) -> Entry:
    """One `Entry` from a decoded JSON object.

    Raises InputError naming `ref` when it is not an object, has no text, or a field has the
    wrong type."""
    if not isinstance(obj, dict):
        raise InputError(ref, f"expected a JSON object, got {type(obj).__name__}")
    text, summary = _string(obj, "text", ref), _string(obj, "summary", ref)
    body = text if text and text.strip() else summary
    if not body or not body.strip():
        raise InputError(ref, "no 'text' or 'summary' field with text in it")
    return Entry(
        ref=ref,
        source=_string(obj, "source", ref) or default_source,
        body=body,
        title=_string(obj, "title", ref),
        url=_string(obj, "url", ref),
        guid=_string(obj, "id", ref),
        published=_string(obj, "published", ref),
    )


def read_jsonl(path: Path, data: bytes, ref: str | None = None) -> Iterator[Entry | InputError]:
    """A report per non-blank line; a bad line is an InputError naming `path:line`."""
    ref = ref or str(path)
    try:
        text = decode_text(data, ref)
    except InputError as e:
        yield e
        return
    # Only "\n" ends a record: JSON allows U+2028, U+2029 and U+0085 unescaped inside strings,
    # and str.splitlines() would break a record on them.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        line_ref = f"{ref}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield InputError(line_ref, f"not valid JSON ({e.msg} at column {e.colno})")
            continue
        try:
            yield entry_from_object(obj, line_ref, default_source=path.stem)
        except InputError as e:
            yield e
