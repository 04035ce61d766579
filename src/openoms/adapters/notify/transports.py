"""How outbox messages leave: SMTP for e-mail, HTTP POST for webhooks, files for X12.

Each transport sends one message and raises ``DeliveryError`` (or the client's own error) if
the far side did not take it; the dispatcher decides about retries.
"""

from __future__ import annotations

import asyncio
import os
import smtplib
import tempfile
import threading
from pathlib import Path

import httpx

from openoms.adapters.notify.outbox import Message


class DeliveryError(Exception):
    """The far side did not accept the message."""


class SmtpTransport:
    """Hands a mail to an SMTP server (stdlib smtplib, on a worker thread).

    Connections stay open between mails (at most ``keep`` idle ones), so a burst of purchase
    orders pays for one connection and greeting, not one per mail. A mail that fails on a
    kept connection (the server may have closed it since) is sent again on a new one, whose
    outcome is the attempt's; a connection is closed after any failure on it, and all of them
    by ``close``.
    """

    def __init__(self, host: str, port: int, *, timeout: float = 10.0, keep: int = 4) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._keep = keep
        self._idle: list[smtplib.SMTP] = []
        self._lock = threading.Lock()
        self._closed = False

    async def deliver(self, message: Message) -> None:
        await asyncio.to_thread(self._send, message)

    def _send(self, message: Message) -> None:
        with self._lock:
            kept = self._idle.pop() if self._idle else None
        if kept is not None:
            try:
                self._send_on(kept, message)
                return
            except (smtplib.SMTPException, OSError):
                pass  # perhaps only the kept connection's fault: a new one decides
        self._send_on(smtplib.SMTP(self.host, self.port, timeout=self.timeout), message)

    def _send_on(self, smtp: smtplib.SMTP, message: Message) -> None:
        try:
            # sendmail takes an ASCII str and turns bare line ends into CRLF; a refused
            # recipient raises SMTPRecipientsRefused.
            smtp.sendmail(message.headers.get("From", ""), [message.target], message.payload)
        except BaseException:
            smtp.close()
            raise
        with self._lock:
            if not self._closed and len(self._idle) < self._keep:
                self._idle.append(smtp)
                return
        _quit(smtp)

    def close(self) -> None:
        """Close the idle connections; those in use close when their mail is sent."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for smtp in idle:
            _quit(smtp)


def _quit(smtp: smtplib.SMTP) -> None:
    """Say goodbye if the server still listens; close the connection either way."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


class WebhookTransport:
    """POSTs the payload with the message's headers; any 2xx answer is a delivery."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def deliver(self, message: Message) -> None:
        headers = dict(message.headers)
        headers["X-OpenOMS-Attempt"] = str(message.attempts + 1)
        response = await self._client.post(message.target, content=message.payload.encode(),
                                           headers=headers)
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"HTTP {response.status_code} from {message.target}")


class FileTransport:
    """Writes the payload to the target file, whole or not at all (write, then rename)."""

    async def deliver(self, message: Message) -> None:
        await asyncio.to_thread(write_atomically, Path(message.target), message.payload)


def write_atomically(path: Path, text: str) -> None:
    """Write text to path so that a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii", errors="replace", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
