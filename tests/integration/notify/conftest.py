"""Fixtures of the notification tests: a real SMTP server and a real HTTP server, closed
after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from notifyharness import HookServer, MailServer, serve_hooks, start_mail_server


@pytest.fixture
def mail() -> Iterator[MailServer]:
    controller, server = start_mail_server()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    recorder = HookServer()
    server = serve_hooks(recorder)
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
