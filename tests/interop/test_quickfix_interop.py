"""An independent FIX engine (QuickFIX 1.16, C++ via its Python package) trades with OpenOMS's
FIX acceptor, in FIX 4.4 and 4.2: logon, fills, cancels, replaces, unknown-order cancel
rejects, status requests, and the resend of missed reports after the client crashes.

QuickFIX runs as its own process (``quickfix_client.py`` in ``.venv-bench``) with its data
dictionary validation on, so everything OpenOMS sends must pass QuickFIX's own checks.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from openoms.adapters.sql.migrations import upgrade
from openoms.adapters.sql.store import SqlStore
from openoms.models import registry

from server import Server, free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
CLIENT = Path(__file__).resolve().parent / "quickfix_client.py"

CONFIG = """
[[fix.sessions]]
begin_string = "FIX.4.4"
sender_comp_id = "OPENOMS"
target_comp_id = "QF44"
account_id = "GLOBEX"
handling = "automatic"

[[fix.sessions]]
begin_string = "FIX.4.2"
sender_comp_id = "OPENOMS"
target_comp_id = "QF42"
account_id = "INITECH"
handling = "automatic"
"""

Record = dict[str, Any]


@dataclass(frozen=True)
class Version:
    begin: str
    sender: str
    account: str
    symbol: str  # a fresh book per version: the market maker's asks are ref+0.01.. x 1000
    ref: Decimal  # the demo reference price
    resend_symbol: str

    @property
    def v42(self) -> bool:
        return self.begin == "FIX.4.2"


VERSIONS = [Version("FIX.4.4", "QF44", "GLOBEX", "MSFT", Decimal("420.00"), "IBM"),
            Version("FIX.4.2", "QF42", "INITECH", "AAPL", Decimal("190.00"), "SPY")]


@pytest.fixture(scope="module")
def quickfix_python() -> Path:
    """The benchmark venv's Python with QuickFIX: missing is a failure, not a skip."""
    hint = "run `make test` (it creates .venv-bench with QuickFIX's Python package)"
    if not BENCH_PYTHON.exists():
        pytest.fail(f"{BENCH_PYTHON} is missing: {hint}")
    probe = subprocess.run([str(BENCH_PYTHON), "-c", "import quickfix, quickfix42, quickfix44"],
                           capture_output=True, text=True, timeout=30, check=False)
    if probe.returncode != 0:
        pytest.fail(f"quickfix cannot be imported in {BENCH_PYTHON}: {probe.stderr}\n{hint}")
    return BENCH_PYTHON


@dataclass
class Oms:
    server: Server
    fix_port: int
    token: str

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.url + "/api/v1/trading", timeout=10,
                            headers={"Authorization": f"Bearer {self.token}"})

    def order(self, order_id: str) -> dict[str, Any]:
        """The order as the desk's REST API shows it, with its children."""
        with self.http() as http:
            response = http.get(f"/orders/{order_id}")
            assert response.status_code == 200, response.text
            order: dict[str, Any] = response.json()
            return order


@pytest.fixture(scope="module")
def oms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oms]:
    data_dir = tmp_path_factory.mktemp("openoms")
    db_url = f"sqlite:///{data_dir / 'openoms.db'}"
    upgrade(db_url)
    store = SqlStore(db_url, registry())
    token = store.create_token("quickfix-interop", "trader")
    store.close()
    config = data_dir / "openoms.toml"
    config.write_text(CONFIG)
    fix_port = free_port()
    server = Server(db_url, data_dir, {"OPENOMS_CONFIG": str(config),
                                       "OPENOMS_FIX_PORT": str(fix_port)})
    server.start()
    try:
        yield Oms(server, fix_port, token)
    finally:
        server.stop()


def run_quickfix(python: Path, oms: Oms, version: Version, store: Path,
                 steps: list[dict[str, Any]], *, reset: bool,
                 on_record: Callable[[Record], None] | None = None,
                 time_limit: float = 30) -> list[Record]:
    """Run the QuickFIX client to the end of its steps; every line it printed, parsed."""
    command = [str(python), str(CLIENT), "--begin", version.begin, "--sender", version.sender,
               "--port", str(oms.fix_port), "--store", str(store),
               "--time-limit", str(time_limit), "--steps", json.dumps(steps)]
    if reset:
        command.append("--reset")
    lines: queue.Queue[str | None] = queue.Queue()
    records: list[Record] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        stdout = proc.stdout

        def read() -> None:
            for line in stdout:
                lines.put(line)
            lines.put(None)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + time_limit + 10
        try:
            while True:
                try:
                    line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    pytest.fail(f"QuickFIX client still running after {time_limit + 10}s: "
                                f"{records}")
                if line is None:
                    break
                record = json.loads(line)
                records.append(record)
                if on_record is not None:
                    on_record(record)
            status = proc.wait(timeout=10)
            stderr = proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.join(timeout=5)
    assert status == 0, f"QuickFIX client failed ({status}): {stderr}\n" + \
        "\n".join(json.dumps(r) for r in records)
    return records


def received(records: list[Record], **match: str) -> list[dict[str, str]]:
    """The tags of the messages QuickFIX received (in order) that carry every tag=value."""
    wanted = {k.lstrip("t"): v for k, v in match.items()}  # t150="F" -> 150
    return [r["tags"] for r in records
            if "in" in r and all(r["tags"].get(k) == v for k, v in wanted.items())]


def reports(records: list[Record], cl_ord_id: str) -> list[dict[str, str]]:
    return received(records, t35="8", t11=cl_ord_id)


def exec_types(version: Version, *names: str) -> list[str]:
    """ExecType per version: fills are F in 4.4, 1/2 (partial/full) in 4.2."""
    fix44 = {"new": "0", "partial": "F", "fill": "F", "pending_cancel": "6", "canceled": "4",
             "pending_replace": "E", "replaced": "5"}
    fix42 = {**fix44, "partial": "1", "fill": "2"}
    table = fix42 if version.v42 else fix44
    return [table[name] for name in names]


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.begin)
def test_quickfix_trades_cancels_and_replaces(quickfix_python: Path, oms: Oms,
                                              version: Version, tmp_path: Path) -> None:
    sym, side = version.symbol, "1"
    marketable = str(version.ref + Decimal("0.05"))  # crosses the asks at ref+0.01..0.05
    passive = str(version.ref - Decimal(10))  # rests
    instrument = {"symbol": sym, "side": side}
    steps: list[dict[str, Any]] = [
        {"op": "logon"},
        {"op": "order", "cl": "A1", "qty": 1500, "px": marketable, **instrument},
        {"op": "wait", "match": {"35": "8", "11": "A1", "39": "2"}},
        {"op": "order", "cl": "B1", "qty": 300, "px": passive, **instrument},
        {"op": "wait", "match": {"35": "8", "11": "B1", "150": "0"}},
        {"op": "cancel", "cl": "B2", "orig": "B1", "qty": 300, **instrument},
        {"op": "wait", "match": {"35": "8", "11": "B2", "150": "4"}},
        {"op": "order", "cl": "C1", "qty": 300, "px": passive, **instrument},
        {"op": "wait", "match": {"35": "8", "11": "C1", "150": "0"}},
        {"op": "replace", "cl": "C2", "orig": "C1", "qty": 200, "px": passive, **instrument},
        {"op": "wait", "match": {"35": "8", "11": "C2", "150": "5"}},
        {"op": "cancel", "cl": "X2", "orig": "NO-SUCH-ORDER", "qty": 100, **instrument},
        {"op": "wait", "match": {"35": "9", "11": "X2"}},
        {"op": "status", "cl": "A1", **instrument},
        {"op": "wait", "match": {"35": "8", "11": "A1", "150" if not version.v42 else "20":
                                 "I" if not version.v42 else "3"}},
        {"op": "stop"},
    ]

    # The sessions are automatic: no trader acts, the desk pulls or resizes the child itself.
    records = run_quickfix(quickfix_python, oms, version, tmp_path / "qf", steps, reset=True)

    # logon: QuickFIX (ResetOnLogon=Y) and OpenOMS both start at 1
    assert {"event": "logon"} in records
    (logon,) = received(records, t35="A")
    assert logon["141"] == "Y" and logon["34"] == "1"
    assert not received(records, t35="3"), "QuickFIX's dictionary found nothing to reject"
    assert not [r for r in records if r.get("out") == "3"], "QuickFIX rejected a message"

    # a marketable buy of 1500: New, then 1000 @ ref+0.01 and 500 @ ref+0.02
    a1 = reports(records, "A1")
    execs = [r for r in a1 if r.get("20", "0") == "0" and r["150"] != "I"]  # not the status
    assert [r["150"] for r in execs] == exec_types(version, "new", "partial", "fill")
    assert [r["39"] for r in execs] == ["0", "1", "2"]
    assert execs[0]["14"] == "0" and execs[0]["151"] == "1500" and execs[0]["6"] == "0"
    fills = execs[1:]
    assert [(Decimal(f["32"]), Decimal(f["31"])) for f in fills] == [
        (Decimal(1000), version.ref + Decimal("0.01")), (Decimal(500), version.ref +
                                                         Decimal("0.02"))]
    cum, notional = Decimal(0), Decimal(0)
    for fill in fills:
        cum += Decimal(fill["32"])
        notional += Decimal(fill["32"]) * Decimal(fill["31"])
        assert Decimal(fill["14"]) == cum
        assert Decimal(fill["151"]) == Decimal(1500) - cum
        assert abs(Decimal(fill["6"]) - notional / cum) <= Decimal("0.000000005")  # 8 places
        assert fill["37"] == execs[0]["37"] and fill["38"] == "1500"
    assert len({r["17"] for r in execs}) == len(execs), "ExecIDs are unique"

    # a resting order, cancelled: pending cancel (a child works at the venue), canceled once
    # the venue confirms the desk's pull of the child
    b = reports(records, "B1") + reports(records, "B2")
    assert [(r["150"], r["39"]) for r in b] == [("0", "0"), ("6", "6"), ("4", "4")]
    assert all(r.get("41") == "B1" for r in b[1:])
    assert b[-1]["14"] == "0" and b[-1]["151"] == "0"

    # a resting order, replaced down 300 -> 200: pending replace, then replaced once the venue
    # has resized the child
    c = reports(records, "C1") + reports(records, "C2")
    assert [(r["150"], r["39"]) for r in c] == [("0", "0"), ("E", "E"), ("5", "0")]
    assert c[1]["38"] == "300" and c[1]["151"] == "300" and c[1]["41"] == "C1"
    assert c[2]["38"] == "200" and c[2]["151"] == "200" and c[2]["41"] == "C1"
    assert c[2]["37"] == c[0]["37"]
    order = oms.order(c[0]["37"])
    assert (order["status"], order["qty"], order["pending"]) == ("new", "200", None)
    (child,) = order["children"]
    assert (child["status"], child["qty"], child["leaves_qty"]) == ("new", "200", "200")

    # cancel of an unknown order: OrderCancelReject 102=1, OrderID NONE
    (reject,) = received(records, t35="9", t11="X2")
    assert reject["102"] == "1" and reject["37"] == "NONE" and reject["41"] == "NO-SUCH-ORDER"
    assert reject["434"] == "1"

    # status of the filled order
    status = a1[-1]
    assert status["150" if not version.v42 else "20"] == ("I" if not version.v42 else "3")
    assert status["39"] == "2" and status["14"] == "1500" and status["151"] == "0"
    assert records[-1] == {"event": "stopped"}


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.begin)
def test_quickfix_recovers_missed_reports_by_resend(quickfix_python: Path, oms: Oms,
                                                    version: Version, tmp_path: Path) -> None:
    """QuickFIX stops reading its reports and crashes; more come while it is down. On logon it
    sees OpenOMS's MsgSeqNum too high, asks for a resend, and gets them all as PossDup."""
    store = tmp_path / "qf"
    sym = {"symbol": version.resend_symbol, "side": "1"}
    ref = {"IBM": Decimal("220.00"), "SPY": Decimal("560.00")}[version.resend_symbol]
    first = run_quickfix(quickfix_python, oms, version, store, [
        {"op": "logon"},
        {"op": "order", "cl": "E1", "qty": 100, "px": str(ref - 10), **sym},
        {"op": "wait", "match": {"35": "8", "11": "E1", "150": "0"}},
        {"op": "freeze"},  # the next application message is never processed
        {"op": "cancel", "cl": "E2", "orig": "E1", "qty": 100, **sym},
        {"op": "order", "cl": "D1", "qty": 100, "px": str(ref + Decimal("0.05")), **sym},
        {"op": "sleep", "seconds": 1},
        {"op": "crash"},
    ], reset=True)
    frozen = [r for r in first if r.get("event") == "frozen"]
    assert frozen and frozen[0]["tags"]["11"] == "E2", first
    assert not reports(first, "D1") and not reports(first, "E2")
    last_seen = max(int(t["34"]) for t in received(first))

    second = run_quickfix(quickfix_python, oms, version, store, [
        {"op": "logon"},
        {"op": "wait", "match": {"35": "8", "11": "D1", "39": "2", "43": "Y"}},
        {"op": "wait", "match": {"35": "8", "11": "E2", "150": "4", "43": "Y"}},
        {"op": "stop"},
    ], reset=False)
    (logon,) = received(second, t35="A")
    assert "141" not in logon, "no reset: both sides keep their numbers"
    assert int(logon["34"]) > last_seen + 1
    resend_requests = [r["tags"] for r in second if r.get("out") == "2"]
    assert resend_requests and resend_requests[0]["7"] == str(last_seen + 1), second
    assert not [r for r in second if r.get("out") == "3"], "QuickFIX rejected a message"

    # every number QuickFIX missed came back: a PossDup report or inside a gap fill
    covered: set[int] = set()
    for tags in received(second):
        seq = int(tags["34"])
        if seq >= int(logon["34"]):
            continue
        if tags["35"] == "4":
            assert tags.get("123") == "Y"
            covered.update(range(seq, int(tags["36"])))
        else:
            assert tags.get("43") == "Y" and "122" in tags, tags
            covered.add(seq)
    assert set(range(last_seen + 1, int(logon["34"]))) <= covered

    d1 = reports(second, "D1")
    assert [r["150"] for r in d1] == exec_types(version, "new", "fill")
    assert all(r["43"] == "Y" for r in d1)
    assert d1[-1]["39"] == "2" and d1[-1]["14"] == "100" and d1[-1]["151"] == "0"
    assert d1[-1]["31"] == str(ref + Decimal("0.01"))
    # the automatic desk pulled the child itself: pending cancel, then canceled
    e2 = reports(second, "E2")
    assert [(r["150"], r["39"], r["43"]) for r in e2] == [("6", "6", "Y"), ("4", "4", "Y")]
    assert all(r["41"] == "E1" for r in e2) and e2[-1]["151"] == "0"


def test_quickfix_reconnects_after_server_sigkill(quickfix_python: Path, oms: Oms,
                                                  tmp_path: Path) -> None:
    """SIGKILL OpenOMS under a logged-on QuickFIX 4.4 client with a resting order: QuickFIX
    reconnects on its own once the server is back, without a reset, and the order is there."""
    version = VERSIONS[0]
    store = tmp_path / "qf"
    run_quickfix(quickfix_python, oms, version, store, [{"op": "logon"}, {"op": "stop"}],
                 reset=True)  # fresh numbers on both sides; the next run keeps them
    sym = {"symbol": "TSLA", "side": "1"}

    def crash_server(record: Record) -> None:
        if record.get("in") == "8" and record["tags"].get("11") == "K1" and \
                record["tags"].get("150") == "0":
            oms.server.kill()
            oms.server.start()

    records = run_quickfix(quickfix_python, oms, version, store, [
        {"op": "logon"},
        {"op": "order", "cl": "K1", "qty": 100, "px": "240.00", **sym},
        {"op": "wait", "match": {"35": "8", "11": "K1", "150": "0"}},
        {"op": "event", "event": "logout", "timeout": 30},
        {"op": "event", "event": "logon", "count": 2, "timeout": 30},
        {"op": "status", "cl": "K1", **sym},
        {"op": "wait", "match": {"35": "8", "11": "K1", "150": "I"}},
        {"op": "stop"},
    ], reset=False, on_record=crash_server, time_limit=50)
    logons = received(records, t35="A")
    assert len(logons) == 2 and all("141" not in logon for logon in logons)
    assert int(logons[1]["34"]) > int(logons[0]["34"])
    assert not [r for r in records if r.get("out") == "3"], "QuickFIX rejected a message"
    status = [r for r in reports(records, "K1") if r["150"] == "I"]
    assert status and status[0]["39"] == "0" and status[0]["151"] == "100"
