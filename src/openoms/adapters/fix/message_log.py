"""The FIX gateway's message and event logs: one pair of plain text files per session.

``<session>.messages.log`` holds every message in and out, ``<session>.events.log`` logons,
logouts, rejects, garbled input and disconnects with their reason; each line starts with a UTC
timestamp. Writes are buffered and flushed by the gateway's timer and at stop, never fsynced:
the journal, not this log, is what recovery relies on.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import BinaryIO

from openoms.adapters.fix.fixtime import log_stamp

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def log_name(session_id: str) -> str:
    """Return a file-name-safe form of session_id (``FIX.4.4_ISLD-TW44``)."""
    return _UNSAFE.sub("_", session_id.replace("->", "-"))


def _stamp() -> bytes:
    return log_stamp(time.time()).encode()


class MessageLog:
    """Append-only message and event logs of every session, or nothing without a directory."""

    def __init__(self, log_dir: Path | None) -> None:
        self._dir = log_dir
        self._files: dict[tuple[str, str], BinaryIO] = {}
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)

    def _file(self, session_id: str, kind: str) -> BinaryIO | None:
        if self._dir is None:
            return None
        key = (session_id, kind)
        handle = self._files.get(key)
        if handle is None:
            path = self._dir / f"{log_name(session_id)}.{kind}.log"
            handle = self._files[key] = path.open("ab", buffering=1 << 16)
        return handle

    def message(self, session_id: str, direction: str, raw: bytes) -> None:
        """Log one message sent ("out") or received ("in")."""
        handle = self._file(session_id, "messages")
        if handle is not None:
            text = raw.replace(b"\x01", b"|").replace(b"\n", b"\\n")
            handle.write(b"%s %-3s %s\n" % (_stamp(), direction.encode(), text))

    def event(self, session_id: str, text: str) -> None:
        """Log one session event."""
        handle = self._file(session_id, "events")
        if handle is not None:
            handle.write(b"%s %s\n" % (_stamp(), text.encode("utf-8", "replace")))

    def flush(self) -> None:
        for handle in self._files.values():
            handle.flush()

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()
        self._files.clear()
