"""Helpers of the browser tests (tests/e2e/test_ui_*.py): the demo server's secrets and
signing in. The fixtures that use them are in this folder's conftest.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page

from server import Server

CHROMIUM = "/usr/bin/chromium"


@dataclass
class DemoServer:
    server: Server
    passwords: dict[str, str]  # role -> password of the user named after it
    tokens: dict[str, str] = field(default_factory=dict)  # role -> API token

    @property
    def url(self) -> str:
        return self.server.url


def read_demo(data_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The demo users' passwords and the demo API tokens, by role."""
    passwords = {}
    for line in (data_dir / "demo-users.txt").read_text().splitlines():
        role, username, password = line.split("\t")[:3]
        assert role == username
        passwords[role] = password
    tokens = {}
    for name in ("demo-tokens.txt", "demo-retail-tokens.txt"):
        for line in (data_dir / name).read_text().splitlines():
            role, token = line.split("\t")[:2]
            tokens[role] = token
    return passwords, tokens


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
