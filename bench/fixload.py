"""A FIX 4.4 load generator on raw asyncio: NewOrderSingle in, ExecutionReport back.

One client for every FIX acceptor we measure (OpenOMS's, QuickFIX's), so the figures differ
only by the server. Several sessions (LOAD1, LOAD2, ... by default) log on with
ResetSeqNumFlag=Y, then stream limit orders, each with a unique ClOrdID:

* ``--mode throughput``: as fast as the server answers, with at most ``--window`` orders
  outstanding per session (a new one goes out as soon as an old one is acknowledged);
* ``--mode latency``: at a fixed total ``--rate`` (orders/s, paced per session, open loop: the
  pace does not wait for answers, so a slow server shows as latency, not as a lower rate).

An order is acknowledged at the first ExecutionReport (35=8, any ExecType) carrying its
ClOrdID; its latency runs from just before the write that sent it to the read that brought the
report back. Reports with ExecType=8 (rejected) are counted apart, as are session rejects
(35=3), business rejects (35=j), disconnects and orders never answered.

The client must cost the server little CPU on a 2-core machine, so a message is rendered from
pre-rendered pieces (only MsgSeqNum, SendingTime, ClOrdID, BodyLength and CheckSum change; the
CheckSum of the constant pieces is precomputed), and answers are framed by BodyLength and read
for 35, 11 and 150 only; anything but an ExecutionReport is parsed whole by the codec.
``--verify`` parses everything with the codec's FixParser instead (CheckSums checked). The
fast rendering is checked against ``codec.encode`` at start-up. Each connection is an asyncio
protocol on its transport (the layer under asyncio streams: one callback per read, no task to
wake). A server that writes each report on its own costs the client one read per order; the
client's CPU per order is printed (``client CPU``) so a run can show it left the server room.

Loopback only; bounded by ``--orders`` and ``--time-limit``.

Usage: python bench/fixload.py --port 9878 [--sessions 4] [--mode throughput --window 200]
       [--mode latency --rate 5000] [--orders 40000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import resource
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import cast

from openoms.adapters.fix.codec import FixMessage, FixParser, encode, split_fields

BEGIN = "FIX.4.4"
SOH = b"\x01"
_HEAD = b"8=FIX.4.4\x019="


def utc_stamp() -> bytes:
    """SendingTime / TransactTime now, UTC, to the millisecond (21 bytes)."""
    now = datetime.now(UTC)
    return b"%04d%02d%02d-%02d:%02d:%02d.%03d" % (now.year, now.month, now.day, now.hour,
                                                  now.minute, now.second,
                                                  now.microsecond // 1000)


def percentile(samples: list[float], pct: float) -> float:
    if not samples:
        return float("nan")
    index = min(len(samples) - 1, max(0, round(pct / 100 * (len(samples) - 1))))
    return samples[index]


class OrderRenderer:
    """NewOrderSingle from pre-rendered pieces; only the changing fields are formatted."""

    def __init__(self, sender: str, target: str, id_prefix: str, *, symbol: str, side: str,
                 qty: str, price: str, account: str | None) -> None:
        self.fields_after_id: list[tuple[int, str]] = [
            *([(1, account)] if account else []), (55, symbol), (54, side)]
        self.fields_tail: list[tuple[int, str]] = [(38, qty), (40, "2"), (44, price),
                                                   (59, "0")]
        self.sender, self.target = sender, target
        self.prefix = id_prefix.encode()
        # 35=D|49=..|56=..|34=<seq>|52=<ts>|11=<prefix><i>|1=..|55=..|54=..|60=<ts>|38..59|
        self.p1 = b"35=D\x0149=%s\x0156=%s\x0134=" % (sender.encode(), target.encode())
        self.p2 = b"\x0152="
        self.p3 = b"\x0111=" + self.prefix
        self.p4 = b"".join(b"\x01%d=%s" % (t, v.encode()) for t, v in self.fields_after_id) \
            + b"\x0160="
        self.p5 = b"".join(b"\x01%d=%s" % (t, v.encode()) for t, v in self.fields_tail) + SOH
        self.const_sum = sum(_HEAD) + sum(self.p1 + self.p2 + self.p3 + self.p4 + self.p5) \
            + 1  # the SOH after BodyLength
        self.const_len = len(self.p1) + len(self.p2) + len(self.p3) + len(self.p4) + len(self.p5)

    def render(self, seq: int, index: int, stamp: bytes, stamp_sum: int) -> bytes:
        seq_b = b"%d" % seq
        idx_b = b"%d" % index
        length_b = b"%d" % (self.const_len + len(seq_b) + len(idx_b) + 2 * len(stamp))
        total = self.const_sum + sum(seq_b) + sum(idx_b) + sum(length_b) + 2 * stamp_sum
        return b"".join((_HEAD, length_b, SOH, self.p1, seq_b, self.p2, stamp, self.p3, idx_b,
                         self.p4, stamp, self.p5, b"10=%03d\x01" % (total & 255)))

    def reference(self, seq: int, index: int, stamp: bytes) -> bytes:
        """The same message rendered by the codec (to check render at start-up)."""
        ts = stamp.decode()
        return encode(BEGIN, "D", [
            (49, self.sender), (56, self.target), (34, seq), (52, ts),
            (11, self.prefix.decode() + str(index)), *self.fields_after_id, (60, ts),
            *self.fields_tail])


class Answer:
    """What the load generator needs from one incoming message."""

    __slots__ = ("cl_ord_id", "exec_type", "message", "msg_type")

    def __init__(self, msg_type: bytes, cl_ord_id: bytes | None = None,
                 exec_type: bytes | None = None, message: FixMessage | None = None) -> None:
        self.msg_type = msg_type
        self.cl_ord_id = cl_ord_id
        self.exec_type = exec_type
        self.message = message  # parsed whole, for anything but an ExecutionReport


class ScanReader:
    """Frames messages by BodyLength and reads 35, 11, 150 of ExecutionReports in place."""

    def __init__(self) -> None:
        self.buf = b""

    def feed(self, data: bytes) -> Iterator[Answer]:
        buf = self.buf + data if self.buf else data
        pos, size = 0, len(buf)
        find = buf.find
        while True:
            length_at = find(b"\x019=", pos)
            if length_at < 0:
                break
            length_end = find(SOH, length_at + 3)
            if length_end < 0:
                break
            if buf[pos:pos + 5] != b"8=FIX":
                raise ValueError(f"stream out of step at {buf[pos:pos + 40]!r}")
            end = length_end + 1 + int(buf[length_at + 3:length_end]) + 7
            if end > size:
                break
            type_end = find(SOH, length_end + 4)
            msg_type = buf[length_end + 4:type_end]
            if msg_type == b"8":
                at = find(b"\x0111=", type_end, end)
                cl_ord_id = buf[at + 4:find(SOH, at + 4)] if at >= 0 else None
                at = find(b"\x01150=", type_end, end)
                exec_type = buf[at + 5:find(SOH, at + 5)] if at >= 0 else None
                yield Answer(msg_type, cl_ord_id, exec_type)
            else:
                yield Answer(msg_type, message=FixMessage(split_fields(buf[pos:end - 7])))
            pos = end
        self.buf = buf[pos:]


class ParseReader:
    """The codec's FixParser on everything (--verify): CheckSums checked, all fields split."""

    def __init__(self) -> None:
        self.parser = FixParser()

    def feed(self, data: bytes) -> Iterator[Answer]:
        self.parser.feed(data)
        for item in self.parser:
            if not isinstance(item, FixMessage):
                raise ValueError(f"garbled input: {item.reason}")
            msg_type = item.get(35, b"") or b""
            if msg_type == b"8":
                yield Answer(msg_type, item.get(11), item.get(150))
            else:
                yield Answer(msg_type, message=item)


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.acked = 0
        self.rejected = 0  # ExecutionReport 150=8
        self.session_rejects = 0  # 35=3
        self.business_rejects = 0  # 35=j
        self.disconnects = 0
        self.errors: list[str] = []
        self.first_send = 0.0
        self.last_ack = 0.0


class Session(asyncio.Protocol):
    """One FIX session of the load generator (the protocol of its connection)."""

    def __init__(self, number: int, args: argparse.Namespace, count: int, stats: Stats) -> None:
        self.sender = args.sender.format(n=number)
        self.target = args.target.format(n=number)
        self.args = args
        self.count = count
        self.stats = stats
        self.renderer = OrderRenderer(self.sender, self.target, f"{args.id_prefix}{number}-",
                                      symbol=args.symbol, side=args.side, qty=args.qty,
                                      price=args.price, account=args.account)
        self.prefix_len = len(self.renderer.prefix)
        self.reader_impl: ScanReader | ParseReader = ParseReader() if args.verify \
            else ScanReader()
        self.seq = 1
        self.sent = 0
        self.outstanding = 0
        self.answered = 0
        self.sent_at = [0.0] * count
        self.done_flags = bytearray(count)
        self.batches: list[tuple[int, int, int]] = []  # (first seq, first index, count)
        self.done = asyncio.Event()
        self.logged_out = asyncio.Event()
        self.closing = False
        self.transport: asyncio.Transport | None = None
        self.logon_reply: asyncio.Future[None] | None = None
        self.logged_on = False
        self.window = args.window if args.mode == "throughput" else 0
        # refill the window in batches: one write per batch instead of one per order
        self.refill = max(1, min(args.refill, self.window // 2)) if self.window else 0
        if count == 0:
            self.done.set()

    # -- sending -------------------------------------------------------------------------
    def _admin(self, msg_type: str, fields: list[tuple[int, str | int]]) -> bytes:
        message = encode(BEGIN, msg_type, [(49, self.sender), (56, self.target), (34, self.seq),
                                           (52, utc_stamp().decode()), *fields])
        self.seq += 1
        return message

    def send_orders(self, k: int) -> None:
        """Render and write the next k orders in one write."""
        assert self.transport is not None
        k = min(k, self.count - self.sent)
        if k <= 0 or self.closing or self.transport.is_closing():
            return
        stamp = utc_stamp()
        stamp_sum = sum(stamp)
        render = self.renderer.render
        first, seq = self.sent, self.seq
        data = b"".join([render(seq + i, first + i, stamp, stamp_sum) for i in range(k)])
        self.batches.append((seq, first, k))
        self.seq = seq + k
        self.sent = first + k
        self.outstanding += k
        started = time.perf_counter()
        if not self.stats.first_send:
            self.stats.first_send = started
        sent_at = self.sent_at
        for i in range(first, first + k):
            sent_at[i] = started
        self.transport.write(data)

    # -- session -------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        if self.logon_reply is not None and not self.logon_reply.done():
            self.logon_reply.set_exception(ConnectionError(
                f"{self.sender}: connection closed during logon"))
        if not self.closing and self.logged_on:
            self.stats.disconnects += 1
            self.stats.errors.append(f"{self.sender}: disconnected with "
                                     f"{self.count - self.answered} unanswered")
        self.done.set()
        self.logged_out.set()

    async def logon(self) -> None:
        args = self.args
        loop = asyncio.get_running_loop()
        self.logon_reply = loop.create_future()
        await asyncio.wait_for(loop.create_connection(lambda: self, args.host, args.port),
                               timeout=10)
        assert self.transport is not None
        self.transport.write(self._admin("A", [(98, 0), (108, args.heartbeat), (141, "Y")]))
        await asyncio.wait_for(self.logon_reply, timeout=10)

    def _logon_answer(self, data: bytes) -> None:
        reply = self.logon_reply
        assert reply is not None
        for answer in self.reader_impl.feed(data):  # read it all: the buffer must stay whole
            if self.logged_on:  # what followed the Logon in the same read
                if answer.msg_type != b"8":
                    self._on_other(answer)
            elif answer.msg_type == b"A":
                self.logged_on = True
                if not reply.done():
                    reply.set_result(None)
            elif not reply.done():
                text = answer.message.text(58, "") if answer.message else ""
                reply.set_exception(ConnectionError(
                    f"{self.sender}: logon answered by 35={answer.msg_type.decode()} {text}"))

    def _answered(self, index: int) -> None:
        self.done_flags[index] = 1
        self.outstanding -= 1
        self.answered += 1
        if self.answered >= self.count:
            self.done.set()

    def _index(self, cl_ord_id: bytes | None) -> int:
        if cl_ord_id is None or not cl_ord_id.startswith(self.renderer.prefix):
            return -1
        try:
            index = int(cl_ord_id[self.prefix_len:])
        except ValueError:
            return -1
        return index if 0 <= index < self.sent else -1

    def _index_of_seq(self, seq: int) -> int:
        for first_seq, first_index, k in self.batches:  # rare: only for session rejects
            if first_seq <= seq < first_seq + k:
                return first_index + seq - first_seq
        return -1

    def _on_other(self, answer: Answer) -> None:
        stats, message = self.stats, answer.message
        assert message is not None
        kind = answer.msg_type
        if kind == b"1":  # TestRequest: answer with a Heartbeat
            assert self.transport is not None
            self.transport.write(self._admin("0", [(112, message.text(112, "") or "")]))
        elif kind == b"5":
            self.logged_out.set()
            if not self.closing:
                stats.errors.append(f"{self.sender}: logged out by the server: "
                                    f"{message.text(58, '')}")
                self.done.set()
        elif kind == b"3":
            stats.session_rejects += 1
            if len(stats.errors) < 10:
                stats.errors.append(f"{self.sender}: session reject {message.text(58, '')}")
            index = self._index_of_seq(int(message.get(45) or 0))
            if index >= 0 and not self.done_flags[index]:
                self._answered(index)
        elif kind == b"j":
            stats.business_rejects += 1
            if len(stats.errors) < 10:
                stats.errors.append(f"{self.sender}: business reject {message.text(58, '')}")
            index = self._index(message.get(379))
            if index >= 0 and not self.done_flags[index]:
                self._answered(index)
        # Heartbeats (0) and anything else: nothing to do

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if not self.logged_on:
            self._logon_answer(data)
            return
        stats = self.stats
        latencies = stats.latencies
        prefix, prefix_len = self.renderer.prefix, self.prefix_len
        sent_at, done_flags = self.sent_at, self.done_flags
        acks = 0
        for answer in self.reader_impl.feed(data):
            if answer.msg_type != b"8":
                self._on_other(answer)
                continue
            cl_ord_id = answer.cl_ord_id
            if cl_ord_id is None or not cl_ord_id.startswith(prefix):
                continue
            index = int(cl_ord_id[prefix_len:])
            if done_flags[index]:
                continue
            latencies.append(now - sent_at[index])
            if answer.exec_type == b"8":
                stats.rejected += 1
            acks += 1
            self._answered(index)
        if acks:
            stats.acked += acks
            stats.last_ack = now
            window = self.window
            if window and window - self.outstanding >= self.refill:
                self.send_orders(window - self.outstanding)

    async def logout(self) -> None:
        if self.transport is None:
            return
        self.closing = True
        try:
            if not self.logged_out.is_set():
                self.transport.write(self._admin("5", []))
                await asyncio.wait_for(self.logged_out.wait(), timeout=3)
        except (TimeoutError, ConnectionError):
            pass
        finally:
            self.transport.close()


async def pace(sessions: list[Session], rate: float, deadline: float, tick: float) -> None:
    """Latency mode: send each session's share of rate, open loop, in ticks."""
    per_session = rate / len(sessions)
    started = time.perf_counter()
    while time.monotonic() < deadline:
        elapsed = time.perf_counter() - started
        pending = False
        for session in sessions:
            due = min(session.count, int(elapsed * per_session) + 1)
            if due > session.sent:
                session.send_orders(due - session.sent)
            pending = pending or session.sent < session.count
        if not pending:
            return
        await asyncio.sleep(tick)


async def run(args: argparse.Namespace) -> dict[str, object]:
    stats = Stats()
    shares = [args.orders // args.sessions + (1 if n < args.orders % args.sessions else 0)
              for n in range(args.sessions)]
    sessions = [Session(n + 1, args, shares[n], stats) for n in range(args.sessions)]
    stamp = utc_stamp()
    for session in sessions[:1]:  # the fast renderer must agree with the codec
        for seq, index in ((2, 0), (99, 12345), (100_000, 7)):
            fast = session.renderer.render(seq, index, stamp, sum(stamp))
            if fast != session.renderer.reference(seq, index, stamp):
                raise AssertionError(f"renderer disagrees with codec.encode: {fast!r}")
    deadline = time.monotonic() + args.time_limit
    try:
        await asyncio.gather(*(session.logon() for session in sessions))
    except (OSError, TimeoutError, ValueError) as exc:
        for session in sessions:
            if session.transport is not None:
                session.transport.close()
        return {"error": f"logon failed: {exc}"}
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    if args.mode == "throughput":
        for session in sessions:
            session.send_orders(args.window)
    else:
        pacer = asyncio.create_task(pace(sessions, args.rate, deadline, args.tick))
    remaining = max(0.1, deadline - time.monotonic())
    waiters = [asyncio.create_task(s.done.wait()) for s in sessions]
    _, pending = await asyncio.wait(waiters, timeout=remaining)
    for waiter in pending:
        waiter.cancel()
    if pending:
        stats.errors.append(f"time limit ({args.time_limit:.0f} s) reached with "
                            f"{sum(s.count - s.answered for s in sessions)} orders unanswered")
    if args.mode != "throughput":
        pacer.cancel()
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(*(session.logout() for session in sessions))
    sent = sum(s.sent for s in sessions)
    unanswered = sum(s.count - s.answered for s in sessions)
    elapsed = (stats.last_ack - stats.first_send) if stats.acked else float("nan")
    latencies = sorted(stats.latencies)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime
                                                        + cpu_before.ru_stime)
    return {
        "mode": args.mode, "sessions": args.sessions, "window": args.window,
        "rate_target": args.rate if args.mode == "latency" else None,
        "orders": args.orders, "sent": sent, "acked": stats.acked, "rejected": stats.rejected,
        "session_rejects": stats.session_rejects, "business_rejects": stats.business_rejects,
        "disconnects": stats.disconnects, "unanswered": unanswered,
        "seconds": elapsed, "rate": stats.acked / elapsed if stats.acked else 0.0,
        "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": latencies[-1] * 1000 if latencies else float("nan"),
        "client_cpu_us_per_order": cpu / max(1, stats.acked) * 1e6,
        "errors": stats.errors[:10],
    }


def loopback(host: str) -> str:
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise argparse.ArgumentTypeError("loopback only (127.0.0.1, ::1, localhost)")
    return host


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", type=loopback, default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9878)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--sender", default="LOAD{n}",
                        help="our SenderCompID; {n} is the session number, from 1")
    parser.add_argument("--target", default="OPENOMS", help="the server's CompID; may use {n}")
    parser.add_argument("--mode", choices=("throughput", "latency"), default="throughput")
    parser.add_argument("--orders", type=int, default=40_000, help="in all, over all sessions")
    parser.add_argument("--window", type=int, default=200,
                        help="throughput mode: orders outstanding per session")
    parser.add_argument("--refill", type=int, default=16,
                        help="throughput mode: send new orders once this many are acknowledged "
                             "(at most half the window)")
    parser.add_argument("--rate", type=float, default=5_000,
                        help="latency mode: orders/s in all, paced per session")
    parser.add_argument("--tick", type=float, default=0.001, help="latency mode: pacing tick")
    parser.add_argument("--symbol", default="AAPL")
    parser.add_argument("--side", default="1", help="54: 1 buy, 2 sell")
    parser.add_argument("--qty", default="1")
    parser.add_argument("--price", default="190.00")
    parser.add_argument("--account", default=None, help="send Account (1) when given")
    parser.add_argument("--id-prefix", default=f"L{int(time.time() * 1000) % 10**9:x}x",
                        help="ClOrdIDs are <prefix><session>-<i>; unique per run by default")
    parser.add_argument("--heartbeat", type=int, default=60, help="HeartBtInt (108) we ask")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds, in all")
    parser.add_argument("--verify", action="store_true",
                        help="parse every answer with codec.FixParser (CheckSums checked)")
    parser.add_argument("--json", action="store_true", help="print one JSON line at the end")
    parser.add_argument("--no-uvloop", action="store_true")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.orders < 0 or args.window < 1 or args.rate <= 0:
        parser.error("--sessions, --window and --rate must be positive")
    return args


def main() -> None:
    args = parse_args()
    if args.no_uvloop:
        result = asyncio.run(run(args))
    else:
        import uvloop

        result = uvloop.run(run(args))
    if args.json:
        print(json.dumps(result), flush=True)
        return
    if "error" in result:
        print(f"error: {result['error']}")
        sys.exit(1)
    print(f"{result['mode']}: {result['acked']:,} of {result['orders']:,} orders acknowledged "
          f"over {args.sessions} sessions in {result['seconds']:.2f} s: "
          f"{result['rate']:,.0f} orders/s  p50 {result['p50_ms']:.2f} ms  "
          f"p99 {result['p99_ms']:.2f} ms  max {result['max_ms']:.2f} ms")
    print(f"rejected (150=8) {result['rejected']}  session rejects {result['session_rejects']}  "
          f"business rejects {result['business_rejects']}  disconnects "
          f"{result['disconnects']}  unanswered {result['unanswered']}  client CPU "
          f"{result['client_cpu_us_per_order']:.1f} µs/order")
    for error in result["errors"]:  # type: ignore[attr-defined]
        print(f"  {error}")


if __name__ == "__main__":
    main()
