"""The FIX data dictionary: which tags exist, what they hold, which messages need them.

Tables are generated from QuickFIX's dictionaries by scripts/gen_fix_dictionary.py. ``check``
answers a received message with the session-level reject the FIX spec asks for — reason
(SessionRejectReason, tag 373), the tag at fault (RefTagID, 371) and a text — or None.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from openoms.adapters.fix.codec import FixMessage

# SessionRejectReason (373)
INVALID_TAG_NUMBER = 0
REQUIRED_TAG_MISSING = 1
TAG_NOT_DEFINED_FOR_MESSAGE = 2
UNDEFINED_TAG = 3
TAG_WITHOUT_VALUE = 4
VALUE_OUT_OF_RANGE = 5
INCORRECT_DATA_FORMAT = 6
INVALID_MSG_TYPE = 11
TAG_APPEARS_MORE_THAN_ONCE = 13
TAG_OUT_OF_ORDER = 14
GROUP_FIELDS_OUT_OF_ORDER = 15
INCORRECT_NUM_IN_GROUP = 16

_INT = re.compile(rb"-?\d+\Z")
_FLOAT = re.compile(rb"-?(\d+\.?\d*|\.\d+)\Z")
_TIMESTAMP = re.compile(rb"\d{8}-\d{2}:\d{2}:\d{2}(\.\d{3}(\d{3})?)?\Z")
_TIME = re.compile(rb"\d{2}:\d{2}:\d{2}(\.\d{3})?\Z")
_DATE = re.compile(rb"\d{8}\Z")
_FORMATS: dict[str, re.Pattern[bytes]] = {
    **dict.fromkeys(("INT", "SEQNUM", "LENGTH", "NUMINGROUP", "DAYOFMONTH"), _INT),
    **dict.fromkeys(("FLOAT", "QTY", "PRICE", "PRICEOFFSET", "AMT", "PERCENTAGE"), _FLOAT),
    "UTCTIMESTAMP": _TIMESTAMP, "UTCTIMEONLY": _TIME,
    **dict.fromkeys(("UTCDATEONLY", "LOCALMKTDATE", "UTCDATE"), _DATE),
    "BOOLEAN": re.compile(rb"[YN]\Z"),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a message is rejected at the session level (35=3)."""

    reason: int
    tag: int | None
    text: str


@dataclass(frozen=True, slots=True)
class Section:
    """An ordered part of a message: its fields, which are required, its groups."""

    order: tuple[int, ...]
    required: frozenset[int]
    groups: dict[int, Section]
    tags: frozenset[int]  # the set of order, built once: check() asks it for every field


def _section(data: dict[str, Any]) -> Section:
    order = tuple(tag for tag, _ in data["fields"])
    return Section(order=order, required=frozenset(tag for tag, req in data["fields"] if req),
                   groups={int(k): _section(v) for k, v in data["groups"].items()},
                   tags=frozenset(order))


MAX_LAYOUTS = 4_096


class Dictionary:
    """One FIX version's fields and messages."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.begin_string: str = data["begin_string"]
        self.fields: dict[int, tuple[str, str, frozenset[bytes] | None]] = {
            int(tag): (name, kind, frozenset(e.encode() for e in enums) if enums else None)
            for tag, (name, kind, enums) in data["fields"].items()}
        self.header = _section(data["header"])
        self.trailer = _section(data["trailer"])
        self.messages = {msg_type: (m["name"], m["category"], _section(m))
                         for msg_type, m in data["messages"].items()}
        # Tag sequences (with their MsgType) whose layout check() found sound, groups
        # aside: a message with one of them needs only its values checked. A session sends
        # the same few layouts over and over.
        self._sound_layouts: set[tuple[str | int, ...]] = set()

    def is_admin(self, msg_type: str) -> bool:
        entry = self.messages.get(msg_type)
        return entry is not None and entry[1] == "admin"

    def check(self, message: FixMessage) -> Problem | None:
        """Return the first session-level problem of message, or None if it is well formed."""
        msg_type = message.msg_type
        entry = self.messages.get(msg_type)
        if entry is None:
            return Problem(INVALID_MSG_TYPE, 35, f"Invalid MsgType {msg_type!r}")
        _, _, body = entry
        fields = message.fields
        layout: tuple[str | int, ...] = (msg_type, *(tag for tag, _ in fields))
        if layout in self._sound_layouts:
            for tag, value in fields:
                problem = self._value(tag, value)
                if problem is not None:
                    return problem
            return None
        problem = self._check_layout(fields, body)
        if problem is None and len(self._sound_layouts) < MAX_LAYOUTS and not any(
                tag in body.groups or tag in self.header.groups for tag, _ in fields):
            self._sound_layouts.add(layout)
        return problem

    def _check_layout(self, fields: list[tuple[int, bytes]], body: Section) -> Problem | None:
        """Walk fields in order: values, sections, duplicates, groups, required tags."""
        if [t for t, _ in fields[:3]] != [8, 9, 35]:
            return Problem(TAG_OUT_OF_ORDER, fields[min(2, len(fields) - 1)][0],
                           "BeginString, BodyLength and MsgType must come first")
        header_tags, trailer_tags = self.header.tags, self.trailer.tags
        seen: set[int] = set()
        section = "header"
        index = 0
        while index < len(fields):
            tag, value = fields[index]
            problem = self._value(tag, value)
            if problem is not None:
                return problem
            if tag in trailer_tags:
                section = "trailer"
            elif tag in header_tags and tag not in body.tags:
                if section != "header":
                    return Problem(TAG_OUT_OF_ORDER, tag, "Tag specified out of required order")
            elif tag in body.tags:
                if section == "trailer":
                    return Problem(TAG_OUT_OF_ORDER, tag, "Tag specified out of required order")
                section = "body"
            else:
                return Problem(TAG_NOT_DEFINED_FOR_MESSAGE, tag,
                               "Tag not defined for this message type")
            if tag in seen:
                return Problem(TAG_APPEARS_MORE_THAN_ONCE, tag, "Tag appears more than once")
            seen.add(tag)
            group = body.groups.get(tag) or self.header.groups.get(tag)
            index += 1
            if group is not None:
                index, problem = self._group(fields, index, tag, int(value), group)
                if problem is not None:
                    return problem
        for part in (self.header, body, self.trailer):
            missing = part.required - seen
            if missing:
                tag = min(missing, key=part.order.index)
                return Problem(REQUIRED_TAG_MISSING, tag, "Required tag missing")
        return None

    def _value(self, tag: int, value: bytes) -> Problem | None:
        if tag <= 0:
            return Problem(INVALID_TAG_NUMBER, tag, "Invalid tag number")
        spec = self.fields.get(tag)
        if spec is None:
            return Problem(UNDEFINED_TAG, tag, "Undefined Tag")
        if value == b"":
            return Problem(TAG_WITHOUT_VALUE, tag, "Tag specified without a value")
        _, kind, enums = spec
        pattern = _FORMATS.get(kind)
        if pattern is not None and not pattern.match(value):
            return Problem(INCORRECT_DATA_FORMAT, tag, "Incorrect data format for value")
        if kind == "CHAR" and len(value) != 1:
            return Problem(INCORRECT_DATA_FORMAT, tag, "Incorrect data format for value")
        if enums is not None and kind != "MULTIPLEVALUESTRING" and value not in enums:
            return Problem(VALUE_OUT_OF_RANGE, tag, "Value is incorrect (out of range) for "
                           "this tag")
        return None

    def _group(self, fields: list[tuple[int, bytes]], index: int, count_tag: int, count: int,
               group: Section) -> tuple[int, Problem | None]:
        """Walk count instances of a repeating group starting at index."""
        delimiter = group.order[0]
        found = 0
        while index < len(fields) and fields[index][0] in group.tags:
            if fields[index][0] != delimiter:
                return index, Problem(GROUP_FIELDS_OUT_OF_ORDER, fields[index][0],
                                      "Repeating group fields out of order")
            found += 1
            seen: set[int] = set()
            while index < len(fields) and fields[index][0] in group.tags:
                tag, value = fields[index]
                if tag == delimiter and seen:
                    break
                if tag in seen:
                    return index, Problem(TAG_APPEARS_MORE_THAN_ONCE, tag,
                                          "Tag appears more than once")
                problem = self._value(tag, value)
                if problem is not None:
                    return index, problem
                seen.add(tag)
                index += 1
                nested = group.groups.get(tag)
                if nested is not None:
                    index, problem = self._group(fields, index, tag, int(value), nested)
                    if problem is not None:
                        return index, problem
        if found != count:
            return index, Problem(INCORRECT_NUM_IN_GROUP, count_tag,
                                  "Incorrect NumInGroup count for repeating group")
        return index, None


@cache
def dictionary(begin_string: str) -> Dictionary:
    """Return the dictionary of FIX.4.2 or FIX.4.4.

    Raises:
        KeyError: another version.
    """
    name = {"FIX.4.2": "fix42.json", "FIX.4.4": "fix44.json"}[begin_string]
    text = resources.files("openoms.adapters.fix").joinpath("spec", name).read_text()
    return Dictionary(json.loads(text))
