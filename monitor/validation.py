"""How a pydantic validation error reads in monitor's messages: `key: what is wrong`."""

from __future__ import annotations

from pydantic import ValidationError


def _key_of(location: tuple[int | str, ...]) -> str:
    key = ""
    for part in location:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(top level)"


def _message(text: str) -> str:
    # pydantic says "Value error, " before what our own validators raise.
    return text.removeprefix("Value error, ")


def validation_problems(error: ValidationError) -> list[str]:
    """Each problem pydantic found, as `key: what is wrong` (`alerts.rules[0].channel: ...`)."""
    return [
        f"{_key_of(tuple(e['loc']))}: "
        + ("unknown key" if e["type"] in _UNKNOWN else _message(e["msg"]))
        for e in error.errors()
    ]


# What pydantic calls a key that is not a setting: in a model, and in a dataclass section.
_UNKNOWN = frozenset({"extra_forbidden", "unexpected_keyword_argument"})
