"""The ``openoms`` command: run the server, manage the database, tokens and users, work orders."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from openoms.settings import Settings, load_settings

app = typer.Typer(help="OpenOMS: order management for a trading desk and omnichannel retail.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema and read models.", no_args_is_help=True)
token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
user_app = typer.Typer(help="Web UI users: sign-in names, roles, passwords.",
                       no_args_is_help=True)
orders_app = typer.Typer(help="Work client orders on a running server (uses the REST API).",
                         no_args_is_help=True)
session_app = typer.Typer(help="Open or close the trading day on a running server.",
                          no_args_is_help=True)
fix_app = typer.Typer(help="FIX sessions of a running server: state, sequence numbers, reset.",
                      no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(orders_app, name="orders")
app.add_typer(session_app, name="session")
app.add_typer(fix_app, name="fix")

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML settings file.",
                                                 envvar="OPENOMS_CONFIG")]


def _settings(config: Path | None, **overrides: Any) -> Settings:
    try:
        return load_settings(config, **overrides)
    except (ValueError, OSError) as exc:
        raise typer.BadParameter(str(exc)) from exc


@app.command()
def serve(config: ConfigOpt = None,
          host: Annotated[str | None, typer.Option(help="HTTP listen address.")] = None,
          port: Annotated[int | None, typer.Option(help="HTTP port.")] = None,
          demo: Annotated[bool, typer.Option(help="Seed demo data if the database is empty.")]
          = False) -> None:
    """Run OpenOMS: the engine, the REST API (and /docs) and the simulated exchange."""
    import uvicorn

    from openoms.adapters.sql.migrations import upgrade
    from openoms.bootstrap import create_app
    from openoms.logs import configure_logging

    settings = _settings(config, http_host=host, http_port=port)
    configure_logging(settings.log_level)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.db_url)
    application = create_app(settings, seed_demo=demo)
    uvicorn.run(application, host=settings.http_host, port=settings.http_port,
                log_level=settings.log_level, access_log=False, loop="uvloop", http="httptools")


@app.command()
def demo(config: ConfigOpt = None) -> None:
    """Seed the demo desk (accounts, instruments, simulated venue) and one token per role."""
    from openoms import demo as demo_data
    from openoms.adapters.sql.migrations import upgrade
    from openoms.bootstrap import start_runtime, stop_runtime

    settings = _settings(config, day_end_enabled=False)
    upgrade(settings.db_url)

    async def run() -> None:
        runtime = await start_runtime(settings)
        try:
            if not demo_data.needs_demo(runtime.trading.state):
                typer.echo("demo data already present; nothing to do")
                return
            await demo_data.seed_with_tokens(runtime)
        finally:
            await stop_runtime(runtime)

    asyncio.run(run())


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = None) -> None:
    """Create or migrate the database schema to the latest version (Alembic)."""
    from openoms.adapters.sql.migrations import current_revision, upgrade

    settings = _settings(config)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.db_url)
    typer.echo(f"database at revision {current_revision(settings.db_url)}")


@db_app.command("rebuild")
def db_rebuild(config: ConfigOpt = None) -> None:
    """Rebuild the read models from the journal (the server must be stopped)."""
    from openoms.adapters.sql.database import writer_lock
    from openoms.adapters.sql.store import SqlStore
    from openoms.bootstrap import start_runtime, stop_runtime
    from openoms.models import registry

    settings = _settings(config, day_end_enabled=False)
    with writer_lock(settings.db_url, settings.data_dir):
        store = SqlStore(settings.db_url, registry())
        store.rebuild_read_models()
        store.close()

    async def run() -> None:
        runtime = await start_runtime(settings)
        await runtime.engine.barrier()
        await stop_runtime(runtime)
        typer.echo(f"replayed the journal; orders recovered: {len(runtime.trading.state.tickets)}")

    asyncio.run(run())


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(
        help="admin, trader, sales, viewer, customer_service, store_associate or vendor.")],
    name: Annotated[str | None, typer.Option(help="Who uses it (audit actor).")] = None,
    scope: Annotated[list[str] | None, typer.Option(
        "--scope", help="What a scoped role reaches, repeatable: location:ID for a "
        "store_associate, vendor:ID for a vendor.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Create a bearer token and print it (it is stored hashed and shown only once)."""
    from openoms.adapters.sql.store import SqlStore
    from openoms.api.auth import ROLES, check_scope
    from openoms.models import registry

    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}", param_hint="--role")
    try:
        entries = check_scope(role, scope or ())
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scope") from exc
    settings = _settings(config)
    store = SqlStore(settings.db_url, registry())
    try:
        typer.echo(store.create_token(name or role, role, entries))
    finally:
        store.close()


@token_app.command("list")
def token_list(config: ConfigOpt = None) -> None:
    """List tokens (never their secret)."""
    from openoms.adapters.sql.store import SqlStore
    from openoms.models import registry

    store = SqlStore(_settings(config).db_url, registry())
    try:
        for info in store.list_tokens():
            scope = ",".join(getattr(info, "scope", ()) or ())
            typer.echo(f"{info.token_id}\t{info.role}\t{info.name}\t{scope}".rstrip("\t"))
    finally:
        store.close()


@token_app.command("revoke")
def token_revoke(token_id: str, config: ConfigOpt = None) -> None:
    """Revoke a token by its id (see `token list`)."""
    from openoms.adapters.sql.store import SqlStore
    from openoms.models import registry

    store = SqlStore(_settings(config).db_url, registry())
    try:
        store.revoke_token(token_id)
    finally:
        store.close()
    typer.echo(f"revoked {token_id}")


# ---------------------------------------------------------------- web UI users

PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from standard input (for scripts).")]


@contextlib.contextmanager
def _users(config: Path | None) -> Iterator[Any]:
    from openoms.adapters.sql.database import create_engine_for
    from openoms.adapters.sql.users import UserStore

    engine = create_engine_for(_settings(config).db_url)
    try:
        yield UserStore(engine)
    finally:
        engine.dispose()


def _password(from_stdin: bool) -> str:
    import sys

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="Sign-in name (letters, digits, . _ @ -).")],
    role: Annotated[str, typer.Option(
        help="admin, trader, sales, viewer, customer_service, store_associate or vendor.")],
    scope: Annotated[list[str] | None, typer.Option(
        "--scope", help="What a scoped role reaches, repeatable: location:ID for a "
        "store_associate, vendor:ID for a vendor.")] = None,
    password_stdin: PasswordStdin = False,
    config: ConfigOpt = None,
) -> None:
    """Create a web UI user (the password is asked for, and stored as an Argon2id hash)."""
    from openoms.adapters.sql.users import check_username
    from openoms.api.auth import ROLES, check_scope

    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}", param_hint="--role")
    try:
        check_username(username)
        entries = check_scope(role, scope or ())
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        with _users(config) as users:
            users.create_user(username, role, _password(password_stdin), entries)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"created {username} ({role})")


@user_app.command("list")
def user_list(config: ConfigOpt = None) -> None:
    """List users: name, role, scope, and whether disabled."""
    with _users(config) as users:
        found = users.list_users()
    for info in found:
        state = "disabled" if info.disabled else "active"
        typer.echo(f"{info.username}\t{info.role}\t{state}\t{','.join(info.scope)}"
                   .rstrip("\t"))


@user_app.command("disable")
def user_disable(username: str, config: ConfigOpt = None) -> None:
    """Disable a user and end its sessions (its name stays in the audit trail)."""
    with _users(config) as users:
        disabled = users.disable_user(username)
    if not disabled:
        raise typer.BadParameter(f"no active user {username!r}")
    typer.echo(f"disabled {username}")


@user_app.command("passwd")
def user_passwd(username: str, password_stdin: PasswordStdin = False,
                config: ConfigOpt = None) -> None:
    """Set a user's password and end its sessions."""
    try:
        with _users(config) as users:
            found = users.set_password(username, _password(password_stdin))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if not found:
        raise typer.BadParameter(f"no user {username!r}")
    typer.echo(f"password set for {username}")


# ---------------------------------------------------------------- orders over HTTP

UrlOpt = Annotated[str, typer.Option(envvar="OPENOMS_URL", help="Server URL.")]
TokenOpt = Annotated[str, typer.Option(envvar="OPENOMS_TOKEN", help="Bearer token.")]


def _call(url: str, token: str, method: str, path: str, body: dict[str, Any] | None = None,
          params: dict[str, Any] | None = None, prefix: str = "/api/v1/trading") -> Any:
    try:
        response = httpx.request(method, url.rstrip("/") + prefix + path, json=body,
                                 params=params, headers={"Authorization": f"Bearer {token}"},
                                 timeout=10)
    except httpx.HTTPError as exc:
        typer.echo(f"cannot reach {url}: {exc}", err=True)
        raise typer.Exit(2) from exc
    data = response.json() if response.content else {}
    if response.status_code >= 400:
        typer.echo(f"error {response.status_code}: {data.get('detail', data)}", err=True)
        raise typer.Exit(1)
    return data


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))


def _blotter(orders: list[dict[str, Any]]) -> None:
    typer.echo(f"{'ORDER':8} {'STATUS':17} {'ACCOUNT':9} {'SIDE':5} {'SYMBOL':7} {'QTY':>9} "
               f"{'PX':>9} {'CUM':>9} {'LEAVES':>9} {'AVGPX':>10}")
    for o in orders:
        typer.echo(f"{o['order_id']:8} {o['status']:17} {o['account_id']:9} {o['side']:5} "
                   f"{o['symbol']:7} {o['qty']:>9} {o['limit_px'] or 'MKT':>9} "
                   f"{o['cum_qty']:>9} {o['leaves_qty']:>9} {o['avg_px']:>10}")


@orders_app.command("list")
def orders_list(url: UrlOpt = "http://127.0.0.1:8000", token: TokenOpt = "",
                status: Annotated[list[str] | None, typer.Option()] = None,
                account: str | None = None, symbol: str | None = None,
                limit: int = 50, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show the blotter."""
    params = {"status": status or [], "account_id": account, "symbol": symbol, "limit": limit}
    data = _call(url, token, "GET", "/orders",
                 params={k: v for k, v in params.items() if v})
    _print(data) if as_json else _blotter(data["orders"])


@orders_app.command("show")
def orders_show(order_id: str, url: UrlOpt = "http://127.0.0.1:8000",
                token: TokenOpt = "") -> None:
    """Show one order with children, fills and history."""
    _print(_call(url, token, "GET", f"/orders/{order_id}"))


@orders_app.command("history")
def orders_history(order_id: str, url: UrlOpt = "http://127.0.0.1:8000",
                   token: TokenOpt = "") -> None:
    """Show the audit trail of one order: who did what, when."""
    data = _call(url, token, "GET", f"/orders/{order_id}/history")
    for item in data["history"]:
        typer.echo(f"{item['recorded_time']}  v{item['version']:<3} {item['event']:24} "
                   f"by {item['actor']} via {item['source']}")


@orders_app.command("new")
def orders_new(account: str, side: str, qty: str, symbol: str,
               price: Annotated[str | None, typer.Option(help="Limit price (omit: market).")]
               = None,
               tif: str = "day", cl_ord_id: str | None = None,
               automatic: Annotated[bool, typer.Option(help="Route at once by rules.")] = False,
               url: UrlOpt = "http://127.0.0.1:8000", token: TokenOpt = "") -> None:
    """Key in a phone order (staged on the blotter unless --automatic)."""
    body: dict[str, Any] = {"account_id": account, "side": side, "qty": qty, "symbol": symbol,
                            "ord_type": "limit" if price else "market", "tif": tif,
                            "source": "phone",
                            "handling": "automatic" if automatic else "staged"}
    if price:
        body["limit_px"] = price
    if cl_ord_id:
        body["cl_ord_id"] = cl_ord_id
    data = _call(url, token, "POST", "/orders", body)
    typer.echo(f"{data['order_id']} {data['status']}")


def _simple(verb: str, order_id: str, url: str, token: str,
            body: dict[str, Any] | None = None) -> None:
    data = _call(url, token, "POST", f"/orders/{order_id}/{verb}", body or {})
    typer.echo(f"{data['order_id']} {data['status']} cum={data['cum_qty']} "
               f"leaves={data['leaves_qty']}")


@orders_app.command("accept")
def orders_accept(order_id: str, url: UrlOpt = "http://127.0.0.1:8000",
                  token: TokenOpt = "") -> None:
    """Accept a staged order."""
    _simple("accept", order_id, url, token)


@orders_app.command("reject")
def orders_reject(order_id: str, reason: str, url: UrlOpt = "http://127.0.0.1:8000",
                  token: TokenOpt = "") -> None:
    """Reject a staged order with a reason."""
    _simple("reject", order_id, url, token, {"reason": reason})


@orders_app.command("route")
def orders_route(order_id: str, qty: str, venue: str = "SIM",
                 price: Annotated[str | None, typer.Option(help="Child limit price.")] = None,
                 url: UrlOpt = "http://127.0.0.1:8000", token: TokenOpt = "") -> None:
    """Route part of an order to a venue as a child order."""
    body: dict[str, Any] = {"venue_id": venue, "qty": qty}
    if price:
        body["limit_px"] = price
    _simple("children", order_id, url, token, body)


@orders_app.command("cancel")
def orders_cancel(order_id: str,
                  desk: Annotated[bool, typer.Option(help="The desk cancels on its own.")]
                  = False, url: UrlOpt = "http://127.0.0.1:8000", token: TokenOpt = "") -> None:
    """Cancel an order (the client's request, or --desk)."""
    _simple("cancel", order_id, url, token, {"initiator": "desk" if desk else "client"})


@orders_app.command("replace")
def orders_replace(order_id: str, qty: str | None = None, price: str | None = None,
                   url: UrlOpt = "http://127.0.0.1:8000", token: TokenOpt = "") -> None:
    """Replace an order's quantity or limit price (the client's request)."""
    body = {k: v for k, v in (("qty", qty), ("limit_px", price)) if v}
    _simple("replace", order_id, url, token, body)


@orders_app.command("pending")
def orders_pending(order_id: str, action: Annotated[str, typer.Argument(help="accept|reject")],
                   reason: str = "refused by the desk", url: UrlOpt = "http://127.0.0.1:8000",
                   token: TokenOpt = "") -> None:
    """Accept or reject the client's pending cancel/replace request."""
    if action not in ("accept", "reject"):
        raise typer.BadParameter("accept or reject", param_hint="ACTION")
    body = {"reason": reason} if action == "reject" else None
    _simple(f"pending/{action}", order_id, url, token, body)


@session_app.command("close")
def session_close(url: UrlOpt = "http://127.0.0.1:8000", token: TokenOpt = "") -> None:
    """Close the trading day now: DAY orders end, GTC orders are done for the day."""
    _print(_call(url, token, "POST", "/session/close", {}))


@session_app.command("open")
def session_open(url: UrlOpt = "http://127.0.0.1:8000", token: TokenOpt = "") -> None:
    """Open a trading day: GTC orders done for the day work again."""
    _print(_call(url, token, "POST", "/session/open", {}))


# ---------------------------------------------------------------- FIX sessions


@fix_app.command("sessions")
def fix_sessions(url: UrlOpt = "http://127.0.0.1:8000", token: TokenOpt = "",
                 as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
                 ) -> None:
    """List FIX sessions: state, logged on or not, next sequence numbers in and out."""
    sessions = _call(url, token, "GET", "/sessions", prefix="/api/v1/fix")
    if as_json:
        _print(sessions)
        return
    typer.echo(f"{'SESSION':36} {'ROLE':9} {'STATE':14} {'ON':3} {'IN':>7} {'OUT':>7} PEER")
    for s in sessions:
        typer.echo(f"{s['session_id']:36} {s['role']:9} {s['state']:14} "
                   f"{'yes' if s['logged_on'] else 'no':3} {s['next_in']:>7} "
                   f"{s['next_out']:>7} {s.get('peer') or ''}")


def _session_path(session_id: str, verb: str) -> str:
    from urllib.parse import quote

    return f"/sessions/{quote(session_id, safe='')}/{verb}"


@fix_app.command("reset")
def fix_reset(session_id: Annotated[str, typer.Argument(help="e.g. FIX.4.4:OPENOMS->CLIENT1")],
              url: UrlOpt = "http://127.0.0.1:8000", token: TokenOpt = "") -> None:
    """Reset a logged-out session's sequence numbers to 1 (a new epoch)."""
    _print(_call(url, token, "POST", _session_path(session_id, "reset"), {},
                 prefix="/api/v1/fix"))


@fix_app.command("logout")
def fix_logout(session_id: Annotated[str, typer.Argument(help="e.g. FIX.4.4:OPENOMS->CLIENT1")],
               url: UrlOpt = "http://127.0.0.1:8000", token: TokenOpt = "") -> None:
    """Log a session out (the counterparty may log on again)."""
    _print(_call(url, token, "POST", _session_path(session_id, "logout"), {},
                 prefix="/api/v1/fix"))


def main() -> None:
    """Entry point of the ``openoms`` script."""
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
