"""Bytes to text for the file readers: strict UTF-8, binary files refused with a reason."""

from __future__ import annotations

from monitor.errors import InputError

_SNIFF_BYTES = 8192


def decode_text(data: bytes, ref: str) -> str:
    """Decode `data` as UTF-8 (a byte-order mark is allowed).

    Raises InputError when the data is empty, looks binary (a NUL byte near the start), or is not
    valid UTF-8; the reason names the offset of the first bad byte.
    """
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise InputError(ref, "binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(
            ref, f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})"
        ) from e
    if not text.strip():
        raise InputError(ref, "empty file, no report in it")
    return text
