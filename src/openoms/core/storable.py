"""What the journal can store: text without NUL characters.

PostgreSQL's text columns refuse the NUL character, and a refused group commit stops the
engine; SQLite would store it, and a later move to PostgreSQL would fail. So the engine
refuses a command carrying NUL anywhere in its text, before deciding anything, whichever
channel it came through (REST, FIX, a webhook).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from openoms.core.errors import ValidationError


def check_storable(command: object) -> None:
    """Raise ValidationError naming the first field whose text holds a NUL character."""
    where = _find(command)
    if where is not None:
        path = ".".join(where).replace(".[", "[")
        raise ValidationError(f"{path or 'text'} must not contain NUL characters",
                              field=path or None)


_SKIP, _TEXT, _SEQUENCE, _RECORD = range(4)
_KINDS: dict[type, int] = {str: _TEXT, tuple: _SEQUENCE, list: _SEQUENCE}
_FIELDS: dict[type, tuple[str, ...]] = {}


def _kind(cls: type) -> int:
    if dataclasses.is_dataclass(cls):
        _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
        return _RECORD
    return _SKIP  # numbers, times, enums (their values are ours), None


def _find(value: Any) -> list[str] | None:
    """The path to the first text holding NUL (names and [n]), or None; built only then."""
    cls = type(value)
    kind = _KINDS.get(cls)
    if kind is None:
        kind = _KINDS[cls] = _kind(cls)
    if kind == _TEXT:
        return [] if "\x00" in value else None
    if kind == _RECORD:
        for name in _FIELDS[cls]:
            found = _find(getattr(value, name))
            if found is not None:
                return [name, *found]
    elif kind == _SEQUENCE:
        for n, item in enumerate(value):
            found = _find(item)
            if found is not None:
                return [f"[{n}]", *found]
    return None
