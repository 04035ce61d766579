"""Real counterparts that tests talk to: an SMTP server (aiosmtpd) that keeps every mail,
and an HTTP server that records what it is sent and answers as scripted."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every mail it is given."""

    def __init__(self) -> None:
        self.mails: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.mails.append(envelope)
        return "250 OK"


@dataclass
class MailServer:
    inbox: Inbox
    port: int


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def signed_by(self, secret: str) -> bool:
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("x-openoms-signature", ""))


@dataclass
class HookServer:
    """Records POSTs; answers each path with its scripted statuses in turn, then 200."""

    port: int = 0
    hits: list[Hit] = field(default_factory=list)
    script: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, path: str) -> list[Hit]:
        with self.lock:
            return [hit for hit in self.hits if hit.path == path]

    def answer(self, path: str) -> int:
        with self.lock:
            statuses = self.script.get(path)
            return statuses.pop(0) if statuses else 200


def serve_hooks(hooks: HookServer) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with hooks.lock:
                hooks.hits.append(Hit(self.path, {k.lower(): v for k, v in self.headers.items()},
                                      body))
            status = hooks.answer(self.path)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", hooks.port), Handler)
    server.daemon_threads = True
    hooks.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server



def start_mail_server() -> tuple[Controller, MailServer]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, MailServer(inbox, port)
