"""Retail tokens from the command line: roles, scopes, and the demo's one token per role."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from openoms.adapters.sql.store import SqlStore
from openoms.cli import app
from openoms.models import registry

runner = CliRunner()


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENOMS_DATABASE_URL", db_url)
    monkeypatch.setenv("OPENOMS_DATA_DIR", str(tmp_path))
    return db_url


def _find(db_url: str, token: str) -> tuple[str, str, tuple[str, ...]]:
    store = SqlStore(db_url, registry())
    try:
        info = store.find_token(token)
        assert info is not None
        return info.name, info.role, tuple(info.scope)
    finally:
        store.close()


def test_token_create_help_shows_the_retail_roles_and_the_scope_option() -> None:
    result = runner.invoke(app, ["token", "create", "--help"])
    assert result.exit_code == 0
    for word in ("--scope", "store_associate", "customer_service", "vendor"):
        assert word in result.output, word


def test_a_store_associate_token_carries_its_locations(env: str) -> None:
    result = runner.invoke(app, ["token", "create", "--role", "store_associate", "--name",
                                 "sam", "--scope", "location:MPLS", "--scope",
                                 "location:STP"])
    assert result.exit_code == 0, result.output
    assert _find(env, result.output.strip()) == \
        ("sam", "store_associate", ("location:MPLS", "location:STP"))
    listed = runner.invoke(app, ["token", "list"])
    assert "store_associate\tsam\tlocation:MPLS,location:STP" in listed.output


@pytest.mark.parametrize(("role", "scope", "says"), [
    ("store_associate", [], "needs at least one location:ID"),
    ("store_associate", ["vendor:ACME"], "location:ID"),
    ("vendor", ["location:MPLS"], "vendor:ID"),
    ("vendor", ["vendor:"], "vendor:ID"),
    ("customer_service", ["location:MPLS"], "not scoped"),
    ("boss", [], "must be one of"),
])
def test_token_create_refuses_a_scope_that_does_not_fit_the_role(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: str, scope: list[str],
        says: str) -> None:
    database = tmp_path / "openoms.db"
    monkeypatch.setenv("OPENOMS_DATABASE_URL", f"sqlite:///{database}")
    args = ["token", "create", "--role", role]
    for entry in scope:
        args += ["--scope", entry]
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    words = result.output.replace("│", " ").split()  # the message may wrap in a box
    assert says in " ".join(words), result.output
    assert not database.exists()  # refused before anything was stored


def test_demo_prints_one_token_per_retail_role_with_its_scope(env: str,
                                                              tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Retail API tokens" in result.output
    lines = (tmp_path / "demo-retail-tokens.txt").read_text().splitlines()
    rows = {role: (token, scope) for role, token, scope in (line.split("\t") for line in lines)}
    assert set(rows) == {"customer_service", "store_associate", "vendor"}
    token, scope = rows["store_associate"]
    assert token in result.output and scope == "location:MPLS"
    assert _find(env, token) == ("demo-store_associate", "store_associate", ("location:MPLS",))
    assert _find(env, rows["vendor"][0])[2] == ("vendor:ACME",)
    assert (tmp_path / "demo-retail-tokens.txt").stat().st_mode & 0o077 == 0
