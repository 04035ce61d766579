"""FIX acceptor: acknowledged orders/s and ack latency, OpenOMS against QuickFIX, same load.

Runs, one after the other in the same run, each server in its own process:

* OpenOMS: ``openoms serve --demo`` on a fresh SQLite database with a settings file that
  configures one FIX acceptor session per load session (OpenOMS allows one session per
  account, so session n trades account LOADn, created over REST without risk limits; staged,
  ``ack_on = "receipt"``: the ExecutionReport 150=0 goes out once the order is durable);
* QuickFIX: ``bench/quickfix_ref.py`` in ``.venv-bench`` (QuickFIX 1.16's C++ engine, FileStore,
  FileLog, data-dictionary validation, a Python application answering 150=0).

and the same load generator (``bench/fixload.py``, a third process) against each: a warm-up,
then throughput mode (as fast as acknowledged, ``--window`` orders outstanding per session)
and latency mode at each of ``--rates`` (orders/s in all, paced, open loop). Prints a table
and the OpenOMS/QuickFIX ratios. Orders are limit orders of ``--qty`` AAPL at ``--price``
(inside the demo instrument's 10% price collar around 190.00). With ``--account ACME`` (one
session only: the demo's limits apply, open notional at most 50,000,000) use qty 1.

Usage: python bench/bench_fix.py [--sessions 4] [--orders 60000] [--window 200]
       [--rates 5000,1000,500] [--duration 10] [--quickfix-only | --openoms-only] [--quickfix-fsync]
(``make bench-fix`` builds .venv-bench with quickfix==1.16.0 first.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from openoms.adapters.sql.store import SqlStore
from openoms.models import registry

from common import database, header

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
DEMO_ACCOUNTS = ("ACME", "GLOBEX", "INITECH")  # seeded by serve --demo (src/openoms/demo.py)


class Unavailable(Exception):
    """A server could not be started for the benchmark."""


@dataclass
class Run:
    server: str
    mode: str
    result: dict[str, object]
    server_cpu_s: float
    rate: int = 0  # latency mode's target

    @property
    def ok(self) -> bool:
        return "error" not in self.result


@dataclass
class Report:
    runs: list[Run] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its threads so far (from /proc)."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float("nan")
    fields = data[data.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float, log: Path | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Unavailable(f"server exited with {proc.returncode}: {tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise Unavailable(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s "
                      f"(the server runs, but did not start a FIX acceptor)")


def tail(log: Path | None, lines: int = 3) -> str:
    if log is None or not log.exists():
        return ""
    text = [line for line in log.read_text(errors="replace").splitlines()
            if line.strip() and "oms_" not in line]  # not the demo's API tokens
    return " | ".join(text[-lines:])


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def quickfix_server(sessions: int, *, fsync: bool, threaded: bool) -> Iterator[tuple[int, int]]:
    """Start quickfix_ref.py in .venv-bench; yield (port, pid)."""
    if not BENCH_PYTHON.exists():
        raise Unavailable(f"{BENCH_PYTHON} does not exist: run `make bench-fix` (builds "
                          "quickfix==1.16.0 into .venv-bench; ~9 minutes the first time)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="openoms-fix-qf-") as tmp:
        log = Path(tmp) / "quickfix.out"
        command = [str(BENCH_PYTHON), str(HERE / "quickfix_ref.py"), "--port", str(port),
                   "--sessions", str(sessions), "--work-dir", str(Path(tmp) / "work"),
                   *(["--fsync"] if fsync else []), *(["--threaded"] if threaded else [])]
        with open(log, "wb") as out:
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=out)
        try:
            assert proc.stdout is not None
            with selectors.DefaultSelector() as selector:
                selector.register(proc.stdout, selectors.EVENT_READ)
                if not selector.select(timeout=30):
                    raise Unavailable(f"QuickFIX reference not ready after 30 s: {tail(log)}")
            line = proc.stdout.readline().decode(errors="replace").strip()
            if not line.startswith("READY"):
                raise Unavailable(f"QuickFIX reference failed: {line} {tail(log)}")
            print(f"# quickfix_ref: {line}", flush=True)
            wait_port(port, proc, 10, log)
            yield port, proc.pid
        finally:
            stop(proc)


def openoms_settings(port: int, sessions: int, account: str) -> str:
    lines = ["[openoms]", 'fix_host = "127.0.0.1"', f"fix_port = {port}"]
    for n in range(1, sessions + 1):
        lines += ["", "[[fix.sessions]]", 'begin_string = "FIX.4.4"',
                  'sender_comp_id = "OPENOMS"', f'target_comp_id = "LOAD{n}"',
                  f'account_id = "{account.format(n=n)}"', 'handling = "staged"',
                  'ack_on = "receipt"']
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def openoms_server(sessions: int, account: str) -> Iterator[tuple[int, int]]:
    """Start ``openoms serve --demo`` on fresh SQLite with FIX sessions; yield (port, pid)."""
    fix_port, http_port = free_port(), free_port()
    with database("sqlite") as url, tempfile.TemporaryDirectory(prefix="openoms-fix-") as tmp:
        store = SqlStore(url, registry())
        token = store.create_token("bench-fix", "admin")
        store.close()
        config = Path(tmp) / "openoms.toml"
        config.write_text(openoms_settings(fix_port, sessions, account))
        log = Path(tmp) / "server.log"
        env = {**os.environ, "OPENOMS_DATA_DIR": tmp, "OPENOMS_DATABASE_URL": url,
               "OPENOMS_HTTP_PORT": str(http_port), "OPENOMS_FIX_HOST": "127.0.0.1",
               "OPENOMS_FIX_PORT": str(fix_port), "OPENOMS_DAY_END_ENABLED": "false",
               "OPENOMS_LOG_LEVEL": "warning"}
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "openoms"), "serve", "--demo", "--config",
                 str(config), "--port", str(http_port)],
                env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise Unavailable(f"openoms serve exited with {proc.returncode}: "
                                      f"{tail(log)}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"http://127.0.0.1:{http_port}/healthz",
                                 timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise Unavailable(f"openoms serve not ready after 60 s: {tail(log)}")
                time.sleep(0.2)
            for n in range(1, sessions + 1):
                account_id = account.format(n=n)
                if account_id in DEMO_ACCOUNTS:
                    continue
                httpx.post(f"http://127.0.0.1:{http_port}/api/v1/trading/accounts",
                           json={"account_id": account_id, "name": f"FIX load {n}"},
                           headers={"Authorization": f"Bearer {token}"},
                           timeout=10).raise_for_status()
            wait_port(fix_port, proc, 15, log)
            yield fix_port, proc.pid
        finally:
            stop(proc)


def load(port: int, mode: str, orders: int, args: argparse.Namespace, id_prefix: str,
         *, rate: int = 0) -> dict[str, object]:
    command = [sys.executable, str(HERE / "fixload.py"), "--json", "--port", str(port),
               "--sessions", str(args.sessions), "--mode", mode, "--orders", str(orders),
               "--window", str(args.window), "--rate", str(rate or 1),
               "--symbol", args.symbol, "--qty", args.qty, "--price", args.price,
               "--id-prefix", id_prefix, "--time-limit", str(args.time_limit)]
    try:
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=args.time_limit + 60, check=False)
    except subprocess.TimeoutExpired:
        return {"error": "load generator did not finish"}
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"error": f"load generator failed ({done.returncode}): {done.stderr[-500:]}"}
    result: dict[str, object] = json.loads(lines[-1])
    return result


def measure(server: str, port: int, pid: int, args: argparse.Namespace, report: Report,
            round_no: int) -> None:
    stamp = f"{int(time.time()) % 100_000:x}"
    if args.warmup:
        warm = load(port, "throughput", args.warmup, args, f"W{stamp}{server[0]}{round_no}x")
        if "error" in warm:
            report.runs.append(Run(server, "warm-up", warm, float("nan")))
            return
    plan = [("throughput", args.orders, 0)] + [("latency", int(rate * args.duration), rate)
                                                for rate in args.rates]
    for step, (mode, orders, rate) in enumerate(plan):
        before = cpu_seconds(pid)
        result = load(port, mode, orders, args, f"{mode[0].upper()}{step}{stamp}{server[0]}"
                      f"{round_no}x", rate=rate)
        run = Run(server, mode, result, cpu_seconds(pid) - before, rate)
        report.runs.append(run)
        show(run, args)


def show(run: Run, args: argparse.Namespace) -> None:
    r = run.result
    label = f"throughput ({args.sessions}x{args.window})" if run.mode == "throughput" \
        else f"latency @ {run.rate:,}/s" if run.mode == "latency" else run.mode
    if not run.ok:
        print(f"{run.server:16} {label:22} error: {r['error']}", flush=True)
        return
    acked = int(r["acked"])  # type: ignore[call-overload]
    errors = sum(int(r[k]) for k in ("session_rejects", "business_rejects",  # type: ignore
                                     "disconnects", "unanswered"))
    cpu = run.server_cpu_s / max(1, acked) * 1e6
    print(f"{run.server:16} {label:22} {acked:>7,} {r['rate']:>10,.0f} {r['p50_ms']:>8.2f} "
          f"{r['p99_ms']:>8.2f} {r['max_ms']:>8.1f} {r['rejected']:>7} {errors:>6} "
          f"{cpu:>9.0f} {r['client_cpu_us_per_order']:>8.1f}", flush=True)
    errors_seen = r.get("errors")
    for error in errors_seen[:3] if isinstance(errors_seen, list) else []:
        print(f"{'':16}   {error}", flush=True)


def ratios(report: Report, rates: list[int]) -> None:
    def values(server: str, mode: str, rate: int, key: str) -> list[float]:
        return [float(run.result[key]) for run in report.runs  # type: ignore[arg-type]
                if run.server == server and run.mode == mode and run.rate == rate and run.ok]

    checks = [("throughput", 0, "rate", "acknowledged orders/s, throughput mode")]
    for rate in rates:
        checks += [("latency", rate, "p50_ms", f"p50 at {rate:,}/s"),
                   ("latency", rate, "p99_ms", f"p99 at {rate:,}/s")]
    for reference in ("QuickFIX", "QuickFIX+fsync"):
        for mode, rate, key, what in checks:
            ours, theirs = values("OpenOMS", mode, rate, key), values(reference, mode, rate, key)
            if ours and theirs:
                pairs = ", ".join(f"{x / y:.2f}" for x, y in zip(ours, theirs, strict=False))
                print(f"ratio OpenOMS/{reference}, {what}: {pairs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--orders", type=int, default=60_000, help="throughput mode, in all")
    parser.add_argument("--window", type=int, default=200, help="outstanding per session")
    parser.add_argument("--rates", type=lambda text: [int(r) for r in text.split(",")],
                        default=[5_000, 1_000, 500],
                        help="latency mode: orders/s, comma-separated")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="latency mode: seconds at each rate")
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=1, help="run both servers this often")
    parser.add_argument("--symbol", default="AAPL")
    parser.add_argument("--qty", default="100")
    parser.add_argument("--price", default="190.00")
    parser.add_argument("--account", default="LOAD{n}",
                        help="OpenOMS session n's account ({n} from 1); created unless a demo "
                             "account")
    parser.add_argument("--time-limit", type=float, default=180.0, help="per load run, s")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--quickfix-only", action="store_true")
    only.add_argument("--openoms-only", action="store_true")
    parser.add_argument("--quickfix-threaded", action="store_true",
                        help="QuickFIX's ThreadedSocketAcceptor instead of SocketAcceptor")
    parser.add_argument("--quickfix-fsync", action="store_true",
                        help="also run QuickFIX with an fsync'd order journal (durable)")
    args = parser.parse_args()

    header("bench_fix: FIX acceptor, acknowledged NewOrderSingle, OpenOMS vs QuickFIX")
    print(f"# {args.sessions} sessions; throughput: {args.orders:,} orders, window "
          f"{args.window}/session; latency: {', '.join(f'{r:,}/s' for r in args.rates)}, "
          f"{args.duration:.0f} s each; "
          f"limit orders {args.symbol} {args.qty} @ {args.price}")
    print(f"{'server':16} {'mode':22} {'acked':>7} {'orders/s':>10} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8} {'150=8':>7} {'errors':>6} {'srv µs/o':>9} "
          f"{'cli µs/o':>8}", flush=True)
    servers: list[tuple[str, contextlib.AbstractContextManager[tuple[int, int]]]] = []
    report = Report()
    for round_no in range(1, args.rounds + 1):
        servers = []
        if not args.openoms_only:
            servers.append(("QuickFIX", quickfix_server(args.sessions, fsync=False,
                                                           threaded=args.quickfix_threaded)))
            if args.quickfix_fsync:
                servers.append(("QuickFIX+fsync", quickfix_server(args.sessions, fsync=True,
                                                                 threaded=True)))
        if not args.quickfix_only:
            servers.append(("OpenOMS", openoms_server(args.sessions, args.account)))
        for name, server in servers:
            try:
                with server as (port, pid):
                    measure(name, port, pid, args, report, round_no)
            except Unavailable as exc:
                label = "OpenOMS FIX acceptor" if name == "OpenOMS" else f"{name} reference"
                report.unavailable[name] = str(exc)
                print(f"{label} not available: {exc}", flush=True)
    ratios(report, args.rates)


if __name__ == "__main__":
    main()
