"""A small FIX initiator for tests: log on, send orders, read reports, recover gaps both ways.

It keeps its own numbers across reconnects (like a client's engine would), answers TestRequest,
resends its stored application messages with PossDupFlag when asked, and asks for what it
missed when the server's numbers run ahead. Built on OpenOMS's codec only.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from openoms.adapters.fix.codec import FixMessage, FixParser, Garbled, Value, encode


def timestamp(at: datetime | None = None) -> str:
    at = at or datetime.now(UTC)
    return at.strftime("%Y%m%d-%H:%M:%S.") + f"{at.microsecond // 1000:03d}"


class FixClient:
    """One client session; reconnect by calling ``connect`` and ``logon`` again."""

    def __init__(self, host: str, port: int, *, begin_string: str = "FIX.4.4",
                 sender: str = "CLIENT1", target: str = "OPENOMS") -> None:
        self.host, self.port = host, port
        self.begin_string, self.sender, self.target = begin_string, sender, target
        self.next_out = 1
        self.next_in = 1
        self.sent: dict[int, tuple[str, list[tuple[int, Value]], str]] = {}
        self.received: list[FixMessage] = []  # application messages, in order
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._parser = FixParser()
        self._pending: list[FixMessage] = []
        self._asked_from = 0

    async def connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self._parser = FixParser()
        self._pending = []
        self._asked_from = 0

    def _write(self, msg_type: str, seq: int, fields: Sequence[tuple[int, Value]],
               poss_dup_of: str | None = None) -> None:
        assert self._writer is not None
        header: list[tuple[int, Value]] = [(34, seq), (49, self.sender), (52, timestamp()),
                                           (56, self.target)]
        if poss_dup_of is not None:
            header[1:1] = [(43, "Y")]
            header.append((122, poss_dup_of))
        self._writer.write(encode(self.begin_string, msg_type, [*header, *fields]))

    def send(self, msg_type: str, fields: Sequence[tuple[int, Value]]) -> int:
        """Send a message with the next number; application messages are kept for resend."""
        seq = self.next_out
        self.next_out += 1
        if msg_type not in ("0", "1", "2", "4", "5", "A"):
            self.sent[seq] = (msg_type, list(fields), timestamp())
        self._write(msg_type, seq, fields)
        return seq

    async def logon(self, *, reset: bool = False, heartbeat: int = 30) -> FixMessage:
        if reset:
            self.next_out = self.next_in = 1
            self.sent.clear()
        fields: list[tuple[int, Value]] = [(98, 0), (108, heartbeat)]
        if reset:
            fields.append((141, "Y"))
        self.send("A", fields)
        return await self.expect(lambda m: m.msg_type in ("A", "5"), admin=True)

    async def _next_raw(self, timeout: float) -> FixMessage:
        assert self._reader is not None
        while not self._pending:
            data = await asyncio.wait_for(self._reader.read(65536), timeout)
            if not data:
                raise ConnectionError("the server closed the connection")
            self._parser.feed(data)
            self._pending.extend(m for m in self._parser if not isinstance(m, Garbled))
        return self._pending.pop(0)

    async def next(self, timeout: float = 5.0, *, admin: bool = False) -> FixMessage:
        """Return the next message in sequence, doing the session's chores on the way.

        A message beyond the expected number is dropped after asking for everything from the
        expected number on (ResendRequest with EndSeqNo 0 brings it back in order).
        """
        while True:
            message = await self._next_raw(timeout)
            seq = int(message.get(34) or 0)
            msg_type = message.msg_type
            if msg_type == "4" and message.get(123) != b"Y":  # SequenceReset-Reset
                self.next_in = int(message.get(36) or self.next_in)
                continue
            if seq > self.next_in:
                if self._asked_from != self.next_in:
                    self._asked_from = self.next_in
                    self.send("2", [(7, self.next_in), (16, 0)])
                if msg_type == "A":
                    return message  # the logon itself is accepted; its number comes again
                if msg_type == "2":
                    self._resend(int(message.get(7) or 1), int(message.get(16) or 0))
                if msg_type == "5":
                    return message
                continue
            if seq < self.next_in:
                if message.get(43) == b"Y":
                    continue  # a duplicate we already have
                raise AssertionError(f"MsgSeqNum {seq} lower than expected {self.next_in}")
            if msg_type == "4":  # GapFill
                self.next_in = int(message.get(36) or self.next_in)
                continue
            self.next_in = seq + 1
            if msg_type == "1":
                self.send("0", [(112, message.get(112) or b"")])
            elif msg_type == "2":
                self._resend(int(message.get(7) or 1), int(message.get(16) or 0))
            elif msg_type not in ("0", "A", "5"):
                self.received.append(message)
                return message
            if admin or msg_type in ("A", "5"):
                return message

    def _resend(self, begin: int, end: int) -> None:
        last = self.next_out - 1 if end == 0 else min(end, self.next_out - 1)
        seq = begin
        while seq <= last:
            if seq in self.sent:
                msg_type, fields, original = self.sent[seq]
                self._write(msg_type, seq, fields, poss_dup_of=original)
                seq += 1
                continue
            gap_end = seq
            while gap_end <= last and gap_end not in self.sent:
                gap_end += 1
            self._write("4", seq, [(123, "Y"), (36, gap_end)], poss_dup_of=timestamp())
            seq = gap_end

    async def expect(self, match: Callable[[FixMessage], bool], timeout: float = 5.0, *,
                     admin: bool = False) -> FixMessage:
        """Return the first message (in sequence) that matches."""
        while True:
            message = await self.next(timeout, admin=admin)
            if match(message):
                return message

    async def logout(self) -> None:
        self.send("5", [])
        with contextlib.suppress(TimeoutError, ConnectionError):
            await self.expect(lambda m: m.msg_type == "5", timeout=2, admin=True)
        await self.close()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()
            self._writer = None
