"""Per-class functions that turn an event or command into plain JSON values, for orjson.

orjson writes a dict of strings and numbers in about a microsecond, but needs some seven for
a slotted dataclass (it inspects every field) and calls back into Python for each Decimal.
So each dataclass gets one generated function, built from its type hints on first use: a dict
display reading each field once, Decimals and datetimes converted as the standard encoding
does it, nested dataclasses and tuples of them walked. A field whose hint says text, a number
or an enum is passed as it is: if it holds something else, orjson refuses it and the caller
falls back to the standard encoder. What ``plain`` returns encodes to JSON that means what
``codec.to_json_std`` writes (tested for every class).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

Encoder = Callable[[Any], Any]

_SCALARS: frozenset[Any] = frozenset({str, int, bool, float})


def _decimal(value: Decimal) -> str:
    return format(value, "f")


def _datetime(value: datetime) -> str:
    return value.isoformat()


_ENCODERS: dict[type, Encoder] = {Decimal: _decimal, datetime: _datetime}


def plain(value: Any) -> Any:
    """value as dicts, lists, text, numbers and enums only (dataclasses by their fields)."""
    cls = value.__class__
    encode = _ENCODERS.get(cls)
    if encode is not None:
        return encode(value)
    if cls in _SCALARS or value is None or isinstance(value, Enum):
        return value
    if cls is tuple or cls is list:
        return [plain(v) for v in value]
    if hasattr(cls, "__dataclass_fields__"):  # a dataclass instance
        return _encoder(cls)(value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, datetime):
        return _datetime(value)
    if isinstance(value, (frozenset, set)):
        return [plain(v) for v in sorted(value)]
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value  # orjson writes it, or refuses it


def _encoder(cls: type) -> Encoder:
    encode = _ENCODERS.get(cls)
    if encode is None:
        encode = _ENCODERS[cls] = _build(cls)
    return encode


_BUILDING: set[type] = set()  # a class that refers to itself is walked by _plain


def _build(cls: type) -> Encoder:
    _BUILDING.add(cls)
    try:
        hints = typing.get_type_hints(cls)
        namespace: dict[str, Any] = {"_plain": plain, "_decimal": _decimal,
                                     "_datetime": _datetime, "Decimal": Decimal,
                                     "datetime": datetime}
        parts = [f"{f.name!r}: {_expression(hints.get(f.name, Any), 'o.' + f.name, namespace)}"
                 for f in dataclasses.fields(cls)]
        source = f"def encode(o):\n    return {{{', '.join(parts)}}}\n"
        exec(source, namespace)  # noqa: S102 - source built above from field names and hints
    finally:
        _BUILDING.discard(cls)
    built: Encoder = namespace["encode"]
    return built


def _expression(hint: Any, value: str, namespace: dict[str, Any]) -> str:
    """Python source converting value (an expression) of the given hint."""
    origin = typing.get_origin(hint)
    if hint in _SCALARS or (isinstance(hint, type) and issubclass(hint, Enum)):
        return value
    if hint is Decimal:
        return f"(_decimal({value}) if {value}.__class__ is Decimal else _plain({value}))"
    if hint is datetime:
        return f"(_datetime({value}) if {value}.__class__ is datetime else _plain({value}))"
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and hint not in _BUILDING:
        # The nested class's own encoder, called directly when the value is of that class.
        n = len(namespace)
        namespace[f"_c{n}"], namespace[f"_e{n}"] = hint, _encoder(hint)
        return f"(_e{n}({value}) if {value}.__class__ is _c{n} else _plain({value}))"
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(inner) == 1:
            return f"(None if {value} is None else {_expression(inner[0], value, namespace)})"
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = args[0]
            if item in _SCALARS or (isinstance(item, type) and issubclass(item, Enum)):
                return value  # orjson writes a tuple of these as an array
            return f"[{_expression(item, '_v', namespace)} for _v in {value}]"
    return f"_plain({value})"
