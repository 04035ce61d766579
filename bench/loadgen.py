"""A small HTTP/1.1 keep-alive load generator on raw asyncio streams.

Python HTTP clients spend more CPU per request than the server under test; on a 2-core machine
that would measure the client. This one pre-renders requests and parses only the status line
and Content-Length, so one core drives well over the server's rate.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any


def render(method: str, path: str, token: str, body: dict[str, Any] | None) -> bytes:
    payload = json.dumps(body).encode() if body is not None else b""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
    return head.encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readuntil(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    while True:
        line = await reader.readuntil(b"\r\n")
        if line == b"\r\n":
            break
        if line[:15].lower() == b"content-length:":
            length = int(line[15:].strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


async def run(host: str, port: int, connections: int, total: int,
              request_for: Callable[[int], bytes]) -> tuple[float, list[float], dict[int, int]]:
    """Send total requests over connections keep-alive sockets; return rate, latencies, codes."""
    latencies: list[float] = []
    codes: dict[int, int] = {}
    counter = iter(range(total))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for i in counter:
                started = time.perf_counter()
                writer.write(request_for(i))
                status, _ = await _read_response(reader)
                latencies.append((time.perf_counter() - started) * 1000)
                codes[status] = codes.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return total / (time.perf_counter() - started), latencies, codes
