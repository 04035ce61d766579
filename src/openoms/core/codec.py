"""Turn events and commands (frozen dataclasses) into JSON-ready dicts and back.

Decimals travel as strings, datetimes as ISO 8601 UTC, enums by value, tuples as lists,
dataclass values inside an event (an address, an order line) as objects. Each
class gets a precomputed list of field decoders, so decoding a journal is a dict walk, not
reflection per row.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson

from openoms.core.encoders import plain

Decoder = Callable[[Any], Any]


def encode(obj: Any) -> dict[str, Any]:
    """Return the dataclass instance's fields as a JSON-ready dict (``encoders.plain``: the
    encoder the journal uses; enums stay members, which JSON writes as their values)."""
    encoded: dict[str, Any] = plain(obj)
    return encoded


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (frozenset, set)):
        return sorted(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A value inside an event (an address, a line): its fields, in order.
        cls = type(value)
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(value))
        return {name: getattr(value, name) for name in names}
    raise TypeError(f"cannot encode {type(value).__name__}")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_std_dumps = json.JSONEncoder(separators=(",", ":"), default=_json_default).encode


_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


def to_json(obj: Any) -> str:
    """Encode a dataclass instance straight to compact JSON (the journal's hot path).

    Each class's generated encoder (``encoders.plain``) turns it into plain values, which
    orjson writes in native code; Decimals, datetimes (as ``isoformat`` writes them) and sets
    come out as the standard library's encoding writes them, so the JSON means exactly what
    that encoding of the same fields means. Anything orjson refuses
    (an integer beyond 64 bits, text that is not valid Unicode) is encoded by the standard
    library instead: the journal's encoder must never fail where it did not before.
    """
    try:
        return orjson.dumps(plain(obj), default=_json_default, option=_ORJSON_OPTIONS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return to_json_std(obj)


def to_json_std(obj: Any) -> str:
    """``to_json`` by the standard library's encoder (the reference, and the fallback)."""
    cls = type(obj)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(obj))
    return _std_dumps({name: getattr(obj, name) for name in names})


def _decoder_for(hint: Any) -> Decoder:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        decode = _decoder_for(inner[0]) if len(inner) == 1 else (lambda v: v)
        return lambda v: None if v is None else decode(v)
    if origin is tuple:
        item = _decoder_for(typing.get_args(hint)[0])
        return lambda v: tuple(item(x) for x in v)
    if hint is Decimal:
        return Decimal
    if hint is datetime:
        return datetime.fromisoformat
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_decoder(hint)
    return lambda v: v


def _dataclass_decoder(cls: type) -> Decoder:
    """Decode a dataclass value nested in an event from its dict."""
    decoders: list[tuple[str, Decoder]] = []

    def decode(value: Any) -> Any:
        if not decoders:  # built on first use: a class may refer to itself
            hints = typing.get_type_hints(cls)
            decoders.extend((f.name, _decoder_for(hints[f.name]))
                            for f in dataclasses.fields(cls))
        return cls(**{name: dec(value[name]) for name, dec in decoders if name in value})

    return decode


class Registry:
    """Knows a set of dataclasses by name and decodes their dicts."""

    def __init__(self, classes: Iterable[type]) -> None:
        self._classes: dict[str, type] = {}
        self._decoders: dict[str, list[tuple[str, Decoder]]] = {}
        for cls in classes:
            self.add(cls)

    def add(self, cls: type) -> None:
        name = cls.__name__
        if name in self._classes and self._classes[name] is not cls:
            raise ValueError(f"two classes are named {name}")
        hints = typing.get_type_hints(cls)
        self._classes[name] = cls
        self._decoders[name] = [(f.name, _decoder_for(hints[f.name]))
                                for f in dataclasses.fields(cls)]

    def decode(self, name: str, data: dict[str, Any]) -> Any:
        """Rebuild the instance of class ``name`` from its encoded fields.

        Raises:
            KeyError: an unknown class name.
        """
        cls = self._classes[name]
        kwargs = {field: decode(data[field]) for field, decode in self._decoders[name]
                  if field in data}
        return cls(**kwargs)

    def __contains__(self, name: str) -> bool:
        return name in self._classes
