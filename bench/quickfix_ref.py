"""A reference FIX 4.4 acceptor on QuickFIX (C++ engine, Python application), for bench_fix.

It does the FIX side of what OpenOMS's acceptor does for a staged order acknowledged on
receipt: validate each message against QuickFIX's FIX44.xml, keep the session's sequence
numbers and sent messages in a FileStore, log messages to a FileLog, and answer each
NewOrderSingle with an ExecutionReport 150=0 39=0 carrying OrderID, ExecID, CumQty=0,
LeavesQty=OrderQty and AvgPx=0. It keeps no order state and writes no database.

Durability: QuickFIX 1.16 (C++, hence its Python package) has no setting to fsync its store
(``FileStoreSync`` is a QuickFIX/J setting; the C++ FileStore only ``fflush``-es after each
write, which survives a crash of the process but not of the machine). ``--fsync`` adds what
an application would have to do itself for durable acknowledgements: append each order to a
journal file and ``fsync`` it before answering (one fsync per order: QuickFIX has no group
commit).

QuickFIX 1.16 binds its acceptor to every interface (there is no SocketAcceptHost setting);
it accepts only the configured CompIDs, and lives only for the benchmark.

Runs in the benchmark venv (``make bench-fix`` builds it): .venv-bench/bin/python
bench/quickfix_ref.py --port 9879 --sessions 4. Prints READY when it accepts connections and
exits on SIGINT/SIGTERM or after --time-limit seconds.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import quickfix as fix  # type: ignore[import-not-found, unused-ignore]

_OPTIONAL = (1, 44)  # Account, Price: copied from the order when present


class Reference(fix.Application):  # type: ignore[misc]
    """Acknowledges every NewOrderSingle with ExecType=0 New."""

    def __init__(self, journal: int | None) -> None:
        super().__init__()
        self.order_ids = itertools.count(1)
        self.exec_ids = itertools.count(1)
        self.journal = journal
        self.journal_lock = threading.Lock()
        self.orders = 0

    def onCreate(self, session_id: fix.SessionID) -> None:  # noqa: N802 (QuickFIX's names)
        pass

    def onLogon(self, session_id: fix.SessionID) -> None:  # noqa: N802
        pass

    def onLogout(self, session_id: fix.SessionID) -> None:  # noqa: N802
        pass

    def toAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:  # noqa: N802
        pass

    def fromAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:  # noqa: N802
        pass

    def toApp(self, message: fix.Message, session_id: fix.SessionID) -> None:  # noqa: N802
        pass

    def fromApp(self, message: fix.Message, session_id: fix.SessionID) -> None:  # noqa: N802
        if message.getHeader().getField(35) != "D":
            return
        if self.journal is not None:
            record = message.toString().encode("latin-1") + b"\n"
            with self.journal_lock:  # one writer at a time; the fsync itself releases the GIL
                os.write(self.journal, record)
            os.fsync(self.journal)
        get, has = message.getField, message.isSetField
        qty = get(38) if has(38) else "0"
        # Rendered as text and parsed by QuickFIX (5 µs) rather than built field by field
        # with setField (30 µs from Python); sendToTarget writes the header, 9 and 10.
        extra = "".join(f"{tag}={get(tag)}\x01" for tag in _OPTIONAL if has(tag))
        report = fix.Message(
            f"8=FIX.4.4\x019=0\x0135=8\x0137=Q{next(self.order_ids)}\x01"
            f"17=E{next(self.exec_ids)}\x0111={get(11)}\x01150=0\x0139=0\x01"
            f"55={get(55)}\x0154={get(54)}\x0140={get(40)}\x0138={qty}\x01{extra}"
            f"151={qty}\x0114=0\x016=0\x0160={utc_stamp()}\x0110=000\x01", False)
        fix.Session.sendToTarget(report, session_id)
        self.orders += 1


def utc_stamp() -> str:
    now = datetime.now(UTC)
    return f"{now:%Y%m%d-%H:%M:%S}.{now.microsecond // 1000:03d}"


def settings_text(args: argparse.Namespace, work: Path, dictionary: Path) -> str:
    lines = [
        "[DEFAULT]", "ConnectionType=acceptor", f"SocketAcceptPort={args.port}",
        "SocketReuseAddress=Y", "SocketNodelay=Y", "StartTime=00:00:00", "EndTime=00:00:00",
        f"FileStorePath={work / 'store'}", f"FileLogPath={work / 'log'}",
        "UseDataDictionary=Y", f"DataDictionary={dictionary}", "CheckLatency=Y",
        "MaxLatency=120", "HeartBtInt=60",
    ]
    for n in range(1, args.sessions + 1):
        lines += ["", "[SESSION]", "BeginString=FIX.4.4",
                  f"SenderCompID={args.sender.format(n=n)}",
                  f"TargetCompID={args.target.format(n=n)}"]
    return "\n".join(lines) + "\n"


def find_dictionary() -> Path:
    for base in (Path(sys.prefix), Path(fix.__file__).parent):
        for candidate in (base / "share" / "quickfix" / "FIX44.xml", base / "spec" / "FIX44.xml"):
            if candidate.exists():
                return candidate
    raise FileNotFoundError("QuickFIX's FIX44.xml is not installed with the package")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9879)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--sender", default="OPENOMS", help="our CompID; may use {n}")
    parser.add_argument("--target", default="LOAD{n}", help="the clients' CompIDs; {n} from 1")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="store and log directory (default: a temporary one, removed)")
    parser.add_argument("--fsync", action="store_true",
                        help="journal each order and fsync it before acknowledging")
    parser.add_argument("--threaded", action="store_true",
                        help="ThreadedSocketAcceptor (a thread per session) instead of "
                             "SocketAcceptor (one thread; faster here: the Python callbacks "
                             "of four threads contend for the GIL)")
    parser.add_argument("--no-log", action="store_true", help="no FileLog of messages")
    parser.add_argument("--time-limit", type=float, default=1800.0, help="seconds, at most")
    args = parser.parse_args()

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with tempfile.TemporaryDirectory(prefix="quickfix-ref-") as tmp:
        work = args.work_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        config = work / "acceptor.cfg"
        config.write_text(settings_text(args, work, find_dictionary()))
        journal = os.open(work / "orders.journal", os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                          0o600) if args.fsync else None
        settings = fix.SessionSettings(str(config))
        application = Reference(journal)
        store = fix.FileStoreFactory(settings)
        log = fix.ScreenLogFactory(False, False, False) if args.no_log \
            else fix.FileLogFactory(settings)
        acceptor_class = fix.ThreadedSocketAcceptor if args.threaded else fix.SocketAcceptor
        acceptor = acceptor_class(application, store, settings, log)
        acceptor.start()
        print(f"READY quickfix 1.16 {acceptor_class.__name__} port {args.port} "
              f"sessions {args.sessions} FileStore (fflush, no fsync)"
              f"{'' if args.no_log else ' FileLog'}"
              f"{' + fsync journal per order' if args.fsync else ''}", flush=True)
        deadline = time.monotonic() + args.time_limit
        while not stop.is_set() and time.monotonic() < deadline:
            stop.wait(0.2)
        # No acceptor.stop(): in QuickFIX 1.16 it races the acceptor's own thread (it crashed
        # in SocketServer::close in about one stop in five here). The load generator has logged
        # every session out by now and the FileStore is flushed after each write: just leave.
        if journal is not None:
            os.close(journal)
        print(f"STOPPED after {application.orders} orders", flush=True)
        if args.work_dir is None:
            shutil.rmtree(tmp, ignore_errors=True)
        os._exit(0)


if __name__ == "__main__":
    main()
