"""Our runner of QuickFIX's server acceptance scripts (``.def`` files) over real TCP.

A script is one step a line (see shared/fix/README.md): ``iCONNECT`` / ``iDISCONNECT`` open and
close a client connection, ``I<msg>`` sends a message (BodyLength and CheckSum computed unless
written out), ``E<msg>`` expects the acceptor's next message, ``eDISCONNECT`` expects it to
close the connection; ``I2,`` and the like name numbered connections. ``<TIME>`` and
``<TIME±n>`` become the UTC time. Expected messages are compared field by field in order:
BodyLength (9) is not compared, Text (58) is informative only, and tags 10, 42, 52, 60 and 122
are compared by the patterns of fields.fmt, which must match at the start of the value.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openoms.adapters.fix.codec import FixMessage, FixParser, Garbled, checksum

SOH = "\x01"
_STEP = re.compile(r"(?P<kind>[iIeE])(?:(?P<conn>\d+),)?(?P<rest>.*)\Z", re.S)
_TIME = re.compile(r"<TIME(?:(?P<sign>[+-])(?P<secs>\d+))?>")
EXPECT_TIMEOUT = 15.0  # a script may wait two heartbeat intervals for a message
DISCONNECT_TIMEOUT = 12.0  # the original runner waits 10 s


class ScriptFailure(AssertionError):
    """The acceptor did not do what the script expects."""


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a script."""

    kind: str  # connect, disconnect, send, expect, expect_disconnect
    connection: int
    text: str
    line: int


def parse_script(path: Path) -> list[Step]:
    """Read a .def file into steps.

    Raises:
        ValueError: a line the format does not know.
    """
    steps: list[Step] = []
    for number, line in enumerate(path.read_bytes().decode("latin-1").split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        match = _STEP.match(line)
        if match is None:
            raise ValueError(f"{path.name}:{number}: cannot read {line[:40]!r}")
        kind, rest = match["kind"], match["rest"]
        connection = int(match["conn"] or 1)
        if kind in "ie" and rest not in ("CONNECT", "DISCONNECT"):
            raise ValueError(f"{path.name}:{number}: unknown action {rest!r}")
        name = {("i", "CONNECT"): "connect", ("i", "DISCONNECT"): "disconnect",
                ("e", "DISCONNECT"): "expect_disconnect", ("e", "CONNECT"): "connect"}.get(
            (kind, rest), "send" if kind == "I" else "expect")
        steps.append(Step(name, connection, rest, number))
    return steps


def substitute_time(text: str, now: datetime) -> str:
    """Replace <TIME>, <TIME+n> and <TIME-n> by UTC timestamps."""
    def replace(match: re.Match[str]) -> str:
        offset = int(match["secs"] or 0) * (-1 if match["sign"] == "-" else 1)
        return (now + timedelta(seconds=offset)).strftime("%Y%m%d-%H:%M:%S")
    return _TIME.sub(replace, text)


def build_message(template: str, now: datetime) -> bytes:
    """Render an I line: fill in times, then BodyLength and CheckSum unless written out."""
    fields = [field for field in substitute_time(template, now).split(SOH) if field]
    if not any(field.startswith("9=") for field in fields):
        at = next((i for i, field in enumerate(fields) if field.startswith("8=")), -1) + 1
        body = fields[at:]
        if body and body[-1].startswith("10="):
            body = body[:-1]
        length = sum(len(field.encode("latin-1")) + 1 for field in body)
        fields.insert(at, f"9={length}")
    text = "".join(field + SOH for field in fields)
    if not fields[-1].startswith("10="):
        text += "10=" + checksum(text.encode("latin-1")).decode() + SOH
    return text.encode("latin-1")


def load_patterns(path: Path) -> dict[str, re.Pattern[str]]:
    """Read fields.fmt: one ``tag=regex`` a line."""
    patterns: dict[str, re.Pattern[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            tag, pattern = line.split("=", 1)
            patterns[tag.strip()] = re.compile(pattern)
    return patterns


def compare(expected: str, actual: FixMessage,
            patterns: dict[str, re.Pattern[str]]) -> list[str]:
    """Return the differences between an E line and the message received (empty: equal)."""
    wanted = [tuple(field.split("=", 1)) for field in expected.split(SOH) if field]
    tags = {field[0] for field in wanted}
    skipped = {"9", "58"} | ({"10"} if "10" not in tags else set())
    want = [(field[0], field[1] if len(field) > 1 else "") for field in wanted
            if field[0] not in skipped]
    got = [(str(tag), value.decode("latin-1")) for tag, value in actual.fields
           if str(tag) not in skipped]
    problems: list[str] = []
    for index in range(max(len(want), len(got))):
        exp = want[index] if index < len(want) else None
        act = got[index] if index < len(got) else None
        if exp is None or act is None or exp[0] != act[0]:
            problems.append(f"field {index}: expected {exp}, got {act}")
            break
        pattern = patterns.get(exp[0])
        ok = pattern.match(act[1]) is not None if pattern else exp[1] == act[1]
        if not ok:
            problems.append(f"tag {exp[0]}: expected {exp[1]!r}, got {act[1]!r}")
    return problems


class _Client:
    """One numbered client connection of a script."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.parser = FixParser()
        self.items: deque[FixMessage | Garbled] = deque()
        self.eof = False

    async def next_item(self, timeout: float) -> FixMessage | Garbled | None:
        """Return the next message (or garbled bytes) from the acceptor; None at EOF."""
        async with asyncio.timeout(timeout):
            while not self.items:
                if self.eof:
                    return None
                try:
                    data = await self.reader.read(1 << 16)
                except ConnectionError:
                    data = b""
                if not data:
                    self.eof = True
                    continue
                self.parser.feed(data)
                self.items.extend(self.parser)
        return self.items.popleft()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


async def run_script(path: Path, host: str, port: int,
                     patterns: dict[str, re.Pattern[str]]) -> None:
    """Play one script against the acceptor at host:port.

    Raises:
        ScriptFailure: the acceptor's behaviour differs from the script's.
    """
    clients: dict[int, _Client] = {}
    try:
        for step in parse_script(path):
            where = f"{path.name}:{step.line}"
            if step.kind == "connect":
                previous = clients.pop(step.connection, None)
                if previous is not None:
                    await previous.close()
                clients[step.connection] = _Client(*await asyncio.open_connection(host, port))
                continue
            client = clients.get(step.connection)
            if client is None:
                raise ScriptFailure(f"{where}: connection {step.connection} is not open")
            if step.kind == "disconnect":
                await client.close()
            elif step.kind == "send":
                client.writer.write(build_message(step.text, datetime.now(UTC)))
                with contextlib.suppress(ConnectionError):
                    await client.writer.drain()
            elif step.kind == "expect":
                await _expect(client, step, where, patterns)
            else:
                await _expect_disconnect(client, where)
    finally:
        for client in clients.values():
            await client.close()


async def _expect(client: _Client, step: Step, where: str,
                  patterns: dict[str, re.Pattern[str]]) -> None:
    expected = substitute_time(step.text, datetime.now(UTC))
    try:
        item = await client.next_item(EXPECT_TIMEOUT)
    except TimeoutError:
        raise ScriptFailure(f"{where}: nothing received, expected {_show(expected)}") from None
    if not isinstance(item, FixMessage):
        raise ScriptFailure(f"{where}: expected {_show(expected)}, got "
                            f"{'a disconnect' if item is None else item}")
    problems = compare(expected, item, patterns)
    if problems:
        raise ScriptFailure(f"{where}: expected {_show(expected)}\n got {item!r}\n "
                            + "; ".join(problems))


async def _expect_disconnect(client: _Client, where: str) -> None:
    try:
        item = await client.next_item(DISCONNECT_TIMEOUT)
    except TimeoutError:
        raise ScriptFailure(f"{where}: the acceptor did not disconnect") from None
    if item is not None:
        raise ScriptFailure(f"{where}: expected a disconnect, got {item!r}")


def _show(text: str) -> str:
    return text.replace(SOH, "|")
