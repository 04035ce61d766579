"""A QuickFIX initiator that plays a list of steps against OpenOMS's FIX acceptor.

Run with the benchmark venv (it has QuickFIX's Python package), not imported by pytest:

    .venv-bench/bin/python tests/interop/quickfix_client.py --begin FIX.4.4 --sender QF44 \
        --port 9878 --store /tmp/qf [--reset] --steps '[{"op": "logon"}, ...]'

Steps (JSON list, from --steps or stdin):

- ``{"op": "logon"}``: wait for onLogon;
- ``{"op": "order", "cl": "A1", "symbol": "MSFT", "side": "1", "qty": 100, "px": "420.05"}``
  (NewOrderSingle, limit, day; ``"type": "1"`` for market);
- ``{"op": "cancel", "cl": "C1", "orig": "A1", "symbol": ..., "side": ..., "qty": ...}``;
- ``{"op": "replace", "cl": "R1", "orig": "A1", "symbol": ..., "side": ..., "qty": ...,
  "px": ...}``;
- ``{"op": "status", "cl": "A1", "symbol": ..., "side": ...}``;
- ``{"op": "wait", "match": {"35": "8", "11": "A1", "150": "F"}, "count": 1}``: until
  ``count`` received messages (since the start) carry every tag=value of ``match``;
- ``{"op": "event", "event": "logon", "count": 2}``: until that many such events (QuickFIX
  reconnects on its own every second after a disconnect);
- ``{"op": "sleep", "seconds": 0.5}``;
- ``{"op": "freeze"}``: from now on the application blocks on the first application message
  it receives, so QuickFIX neither processes it nor counts its MsgSeqNum (a client that
  crashes before reading its reports);
- ``{"op": "crash"}``: exit at once (os._exit), keeping the FileStore as it is;
- ``{"op": "stop"}``: Logout, wait for onLogout, stop the initiator.

Prints one JSON line per message received (``{"in": MsgType, "tags": {...}}``), per
session-level message sent (``{"out": ...}``) and per event (``{"event": "logon"}``).
Every wait is bounded: on a time-out it prints ``{"error": ...}`` and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import quickfix as fix  # type: ignore[import-not-found, unused-ignore]
import quickfix42  # type: ignore[import-not-found, unused-ignore]
import quickfix44  # type: ignore[import-not-found, unused-ignore]

SOH = "\x01"
TAGS = (11, 41, 37, 17, 150, 39, 14, 151, 6, 31, 32, 38, 44, 58, 434, 102, 103, 43,
        # and what the session layer and the test look at
        34, 35, 20, 1, 54, 55, 7, 16, 36, 123, 122, 45, 371, 373, 380, 141)
SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "fix" / "spec"

_out_lock = threading.Lock()


def emit(record: dict[str, Any]) -> None:
    with _out_lock:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


def die(message: str, status: int = 2) -> None:
    emit({"error": message})
    print(f"quickfix_client: {message}", file=sys.stderr, flush=True)
    os._exit(status)


def tags_of(message: fix.Message) -> dict[str, str]:
    """The tags of interest, from the raw message (header, body and trailer)."""
    found: dict[str, str] = {}
    for part in message.toString().split(SOH):
        tag, _, value = part.partition("=")
        if tag.isdigit() and int(tag) in TAGS and tag not in found:
            found[tag] = value
    return found


class Client(fix.Application):  # type: ignore[misc]
    """Records what arrives; the main thread waits on it."""

    def __init__(self) -> None:
        super().__init__()
        self.cond = threading.Condition()
        self.received: list[dict[str, str]] = []
        self.logged_on = False
        self.logged_out = False
        self.session_id: fix.SessionID | None = None
        self.frozen = False
        self.events: list[str] = []

    def onCreate(self, session_id: fix.SessionID) -> None:  # noqa: N802 (QuickFIX's names)
        self.session_id = session_id

    def onLogon(self, session_id: fix.SessionID) -> None:  # noqa: N802
        emit({"event": "logon"})
        with self.cond:
            self.events.append("logon")
            self.logged_on = True
            self.cond.notify_all()

    def onLogout(self, session_id: fix.SessionID) -> None:  # noqa: N802
        emit({"event": "logout"})
        with self.cond:
            self.events.append("logout")
            self.logged_on = False
            self.logged_out = True
            self.cond.notify_all()

    def toAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:  # noqa: N802
        tags = tags_of(message)
        if tags.get("35") not in ("0",):  # heartbeats are noise
            emit({"out": tags.get("35"), "tags": tags})

    def fromAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:  # noqa: N802
        self._record(message)

    def toApp(self, message: fix.Message, session_id: fix.SessionID) -> None:  # noqa: N802
        pass

    def fromApp(self, message: fix.Message, session_id: fix.SessionID) -> None:  # noqa: N802
        if self.frozen:
            emit({"event": "frozen", "tags": tags_of(message)})
            threading.Event().wait()  # never returns: the process is crashed from main
        self._record(message)

    def _record(self, message: fix.Message) -> None:
        tags = tags_of(message)
        emit({"in": tags.get("35"), "tags": tags})
        with self.cond:
            self.received.append(tags)
            self.cond.notify_all()

    def wait_for(self, what: str, predicate: Any, timeout: float) -> None:
        with self.cond:
            if not self.cond.wait_for(predicate, timeout):
                die(f"timed out after {timeout}s waiting for {what}")


def settings_for(args: argparse.Namespace, store: Path) -> fix.SessionSettings:
    dictionary = SPEC / ("FIX42.xml" if args.begin == "FIX.4.2" else "FIX44.xml")
    if not dictionary.is_file():
        die(f"no data dictionary at {dictionary}")
    text = "\n".join([
        "[DEFAULT]",
        "ConnectionType=initiator",
        f"FileStorePath={store / 'store'}",
        f"FileLogPath={store / 'log'}",
        "StartTime=00:00:00",
        "EndTime=00:00:00",
        f"HeartBtInt={args.heartbeat}",
        "ReconnectInterval=1",
        "LogonTimeout=10",
        "LogoutTimeout=5",
        "UseDataDictionary=Y",
        f"DataDictionary={dictionary}",
        f"ResetOnLogon={'Y' if args.reset else 'N'}",
        "ResetOnLogout=N",
        "ResetOnDisconnect=N",
        "PersistMessages=Y",
        "",
        "[SESSION]",
        f"BeginString={args.begin}",
        f"SenderCompID={args.sender}",
        "TargetCompID=OPENOMS",
        "SocketConnectHost=127.0.0.1",
        f"SocketConnectPort={args.port}",
        "",
    ])
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", dir=store, delete=False) as cfg:
        cfg.write(text)
    return fix.SessionSettings(cfg.name)


def build(step: dict[str, Any], begin: str) -> fix.Message:
    """A NewOrderSingle, OrderCancelRequest, OrderCancelReplaceRequest or OrderStatusRequest."""
    v42 = begin == "FIX.4.2"
    module = quickfix42 if v42 else quickfix44
    op = step["op"]
    message: fix.Message
    if op == "order":
        message = module.NewOrderSingle()
    elif op == "cancel":
        message = module.OrderCancelRequest()
    elif op == "replace":
        message = module.OrderCancelReplaceRequest()
    else:
        message = module.OrderStatusRequest()
    message.setField(fix.ClOrdID(step["cl"]))
    if "orig" in step:
        message.setField(fix.OrigClOrdID(step["orig"]))
    message.setField(fix.Symbol(step["symbol"]))
    message.setField(fix.Side(step["side"]))
    if op != "status":
        message.setField(fix.TransactTime())
    if op in ("order", "replace"):
        if v42:
            message.setField(fix.HandlInst("1"))
        ord_type = step.get("type", "2")
        message.setField(fix.OrdType(ord_type))
        message.setField(fix.TimeInForce("0"))
        if ord_type == "2":
            message.setField(fix.Price(float(step["px"])))
    if op in ("order", "replace", "cancel"):
        message.setField(fix.OrderQty(float(step["qty"])))
    return message


def matches(tags: dict[str, str], match: dict[str, str]) -> bool:
    return all(tags.get(str(tag)) == str(value) for tag, value in match.items())


def run(args: argparse.Namespace, steps: list[dict[str, Any]]) -> None:
    store = Path(args.store)
    store.mkdir(parents=True, exist_ok=True)
    client = Client()
    settings = settings_for(args, store)
    initiator = fix.SocketInitiator(client, fix.FileStoreFactory(settings), settings,
                                    fix.FileLogFactory(settings))
    initiator.start()
    for step in steps:
        op = step["op"]
        timeout = float(step.get("timeout", args.timeout))
        if op == "logon":
            client.wait_for("logon", lambda: client.logged_on, timeout)
        elif op in ("order", "cancel", "replace", "status"):
            if not fix.Session.sendToTarget(build(step, args.begin), client.session_id):
                die(f"could not send {step}")
        elif op == "wait":
            match = {str(k): str(v) for k, v in step["match"].items()}
            count = int(step.get("count", 1))
            client.wait_for(f"{count} x {match}", lambda match=match, count=count: sum(
                matches(tags, match) for tags in client.received) >= count, timeout)
        elif op == "event":
            event, count = step["event"], int(step.get("count", 1))
            client.wait_for(f"{count} x {event}", lambda event=event, count=count:
                            client.events.count(event) >= count, timeout)
        elif op == "sleep":
            time.sleep(float(step["seconds"]))
        elif op == "freeze":
            client.frozen = True
        elif op == "crash":
            emit({"event": "crash"})
            os._exit(0)
        elif op == "stop":
            session = fix.Session.lookupSession(client.session_id)
            if session is not None and client.logged_on:
                session.logout()
                client.wait_for("logout", lambda: client.logged_out, timeout)
            initiator.stop()
            emit({"event": "stopped"})
        else:
            die(f"unknown step {step}")
    sys.stdout.flush()
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--begin", choices=("FIX.4.2", "FIX.4.4"), required=True)
    parser.add_argument("--sender", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--store", required=True, help="directory for the FileStore and logs")
    parser.add_argument("--reset", action="store_true", help="ResetOnLogon=Y (first run)")
    parser.add_argument("--heartbeat", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=10, help="default per wait")
    parser.add_argument("--time-limit", type=float, default=60, help="for the whole run")
    parser.add_argument("--steps", help="JSON list of steps (default: stdin)")
    args = parser.parse_args()
    steps = json.loads(args.steps if args.steps is not None else sys.stdin.read())
    watchdog = threading.Timer(args.time_limit,
                               lambda: die(f"time limit of {args.time_limit}s reached", 3))
    watchdog.daemon = True
    watchdog.start()
    run(args, steps)


if __name__ == "__main__":
    main()
