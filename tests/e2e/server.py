"""Run ``openoms serve`` as a real process for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One OpenOMS process on a database URL; start, kill -9, start again."""

    def __init__(self, db_url: str, data_dir: Path,
                 extra_env: dict[str, str] | None = None) -> None:
        self.db_url = db_url
        self.data_dir = data_dir
        self.extra_env = extra_env or {}
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        env = {**os.environ, "OPENOMS_DATA_DIR": str(self.data_dir),
               "OPENOMS_DATABASE_URL": self.db_url, "OPENOMS_DAY_END_ENABLED": "false",
               "OPENOMS_FIX_PORT": str(free_port()), **self.extra_env}
        openoms = str(Path(sys.executable).parent / "openoms")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([openoms, "serve", "--demo", "--port", str(self.port)],
                                         env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
