"""The operator's and the trader's command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openoms.adapters.sql.store import SqlStore
from openoms.cli import app
from openoms.models import registry

runner = CliRunner()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "demo", "db", "token", "user", "orders", "session", "fix"):
        assert re.search(rf"\b{command}\b", result.output), command
    orders = runner.invoke(app, ["orders", "--help"]).output
    for command in ("list", "show", "history", "new", "accept", "reject", "route", "cancel",
                    "replace", "pending"):
        assert re.search(rf"\b{command}\b", orders), command


def test_token_create_prints_a_token_that_authenticates_with_its_role(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENOMS_DATABASE_URL", db_url)
    monkeypatch.setenv("OPENOMS_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["token", "create", "--role", "sales", "--name", "bob"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    store = SqlStore(db_url, registry())
    try:
        info = store.find_token(token)
        assert info is not None and (info.name, info.role) == ("bob", "sales")
    finally:
        store.close()


def test_token_create_with_an_unknown_role_fails_and_says_which_roles_exist(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENOMS_DATABASE_URL", db_url)
    result = runner.invoke(app, ["token", "create", "--role", "boss"])
    assert result.exit_code != 0
    assert "admin, trader, sales or viewer" in result.output or "must be one of" in result.output


def test_demo_seeds_the_desk_once(db_url: str, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENOMS_DATABASE_URL", db_url)
    monkeypatch.setenv("OPENOMS_DATA_DIR", str(tmp_path))
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert (tmp_path / "demo-tokens.txt").read_text().count("\n") == 4
    second = runner.invoke(app, ["demo"])
    assert "already present" in second.output


def test_db_rebuild_replays_the_journal_into_fresh_read_models(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    from decimal import Decimal

    from openoms.bootstrap import start_runtime, stop_runtime
    from openoms.core.events import Context
    from openoms.settings import load_settings
    from openoms.trading.domain import commands as cmd
    from openoms.trading.domain.model import OrdType, Side

    monkeypatch.setenv("OPENOMS_DATABASE_URL", db_url)
    monkeypatch.setenv("OPENOMS_DATA_DIR", str(tmp_path))
    assert runner.invoke(app, ["demo"]).exit_code == 0
    settings = load_settings(None, day_end_enabled=False)

    async def work() -> object:
        runtime = await start_runtime(settings)
        await runtime.engine.execute(cmd.SubmitTicket(
            account_id="ACME", symbol="AAPL", side=Side.BUY, qty=Decimal(5),
            ord_type=OrdType.LIMIT, limit_px=Decimal("190.00")), Context(actor="t", source="t"))
        state = runtime.trading.state
        await stop_runtime(runtime)
        return state

    before = asyncio.run(work())
    result = runner.invoke(app, ["db", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "orders recovered: 1" in result.output

    async def reload() -> object:
        runtime = await start_runtime(settings)
        state = runtime.trading.state
        await stop_runtime(runtime)
        return state

    assert asyncio.run(reload()) == before


def test_user_create_list_passwd_disable(db_url: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENOMS_DATABASE_URL", db_url)
    monkeypatch.setenv("OPENOMS_DATA_DIR", str(tmp_path))
    created = runner.invoke(app, ["user", "create", "sam", "--role", "store_associate",
                                  "--scope", "location:MPLS", "--password-stdin"],
                            input="pick-pack-ship\n")
    assert created.exit_code == 0, created.output
    listed = runner.invoke(app, ["user", "list"])
    assert listed.output.split() == ["sam", "store_associate", "active", "location:MPLS"]
    unscoped = runner.invoke(app, ["user", "create", "sue", "--role", "store_associate",
                                   "--password-stdin"], input="pick-pack-ship\n")
    assert unscoped.exit_code != 0 and "location:ID" in unscoped.output
    short = runner.invoke(app, ["user", "passwd", "sam", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 10" in short.output
    assert runner.invoke(app, ["user", "passwd", "sam", "--password-stdin"],
                         input="a new password\n").exit_code == 0
    assert runner.invoke(app, ["user", "disable", "sam"]).exit_code == 0
    assert "disabled" in runner.invoke(app, ["user", "list"]).output
    again = runner.invoke(app, ["user", "disable", "sam"])
    assert again.exit_code != 0 and "no active user" in again.output
