"""Demo data: a desk, traders, clients, instruments, the simulated exchange, one token per role."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from openoms.adapters.fix.config import SessionConfig
from openoms.core.engine import Engine
from openoms.core.events import Command, Context
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.model import VenueKind
from openoms.trading.domain.state import TradingState

ROLES = ("admin", "trader", "sales", "viewer")
DEMO = Context(actor="demo", source="cli", role="admin")

INSTRUMENTS = [("AAPL", "Apple Inc.", "190.00"), ("MSFT", "Microsoft Corp.", "420.00"),
               ("TSLA", "Tesla Inc.", "250.00"), ("SPY", "SPDR S&P 500 ETF", "560.00"),
               ("IBM", "IBM Corp.", "220.00")]


def demo_commands() -> list[Command]:
    """The reference data of the demo desk, as commands."""
    commands: list[Command] = [
        cmd.DefineDesk(desk_id="EQ", name="Cash equities"),
        cmd.DefineUser(user_id="alice", name="Alice Trader", desk_id="EQ"),
        cmd.DefineUser(user_id="bob", name="Bob Sales", desk_id="EQ"),
        cmd.DefineVenue(venue_id="SIM", name="Simulated exchange", kind=VenueKind.SIMULATED),
    ]
    for symbol, name, price in INSTRUMENTS:
        commands.append(cmd.DefineInstrument(
            symbol=symbol, name=name, currency="USD", tick_size=Decimal("0.01"),
            lot_size=Decimal(1), reference_price=Decimal(price), max_order_qty=Decimal(100_000),
            price_collar_pct=Decimal(10)))
    commands += [
        cmd.DefineAccount(account_id="ACME", name="Acme Capital", max_order_qty=Decimal(50_000),
                          max_order_notional=Decimal(5_000_000),
                          max_open_notional=Decimal(50_000_000)),
        cmd.DefineAccount(account_id="GLOBEX", name="Globex Asset Management",
                          max_order_notional=Decimal(1_000_000)),
        cmd.DefineAccount(account_id="INITECH", name="Initech Pension Fund",
                          restricted_symbols=("TSLA",)),
        cmd.DefineRoutingRule(rule_id="default", priority=100, venue_id="SIM"),
    ]
    return commands


def fix_sessions() -> tuple[SessionConfig, ...]:
    """The FIX sessions ``serve --demo`` opens when the settings file names none.

    Any FIX 4.4 engine can log on to 127.0.0.1:9878 as SenderCompID ACME (a care desk: orders
    wait on the blotter for a trader), any FIX 4.2 engine as GLOBEX (orders are routed to the
    simulated exchange by the routing rules at once); TargetCompID OPENOMS.
    """
    return (
        SessionConfig(begin_string="FIX.4.4", sender_comp_id="OPENOMS", target_comp_id="ACME",
                      account_id="ACME", handling="staged"),
        SessionConfig(begin_string="FIX.4.2", sender_comp_id="OPENOMS",
                      target_comp_id="GLOBEX", account_id="GLOBEX", handling="automatic"),
    )


def needs_demo(state: TradingState) -> bool:
    return not state.accounts


async def seed(engine: Engine) -> None:
    """Define the demo reference data through the engine (journaled like any change)."""
    for command in demo_commands():
        await engine.execute(command, DEMO)


async def seed_with_tokens(runtime: Any) -> None:
    """Seed the demo desk and print one fresh token per role (also saved under data_dir)."""
    await seed(runtime.engine)
    tokens = {role: runtime.store.create_token(f"demo-{role}", role) for role in ROLES}
    path = write_tokens(tokens, runtime.settings.data_dir)
    print(f"OpenOMS demo data seeded. API tokens (also in {path}):", flush=True)
    for role, token in tokens.items():
        print(f"  {role:7} {token}", flush=True)


def write_tokens(tokens: dict[str, str], data_dir: Path) -> Path:
    """Save the demo tokens where the operator can read them (mode 600)."""
    path = data_dir / "demo-tokens.txt"
    path.write_text("".join(f"{role}\t{token}\n" for role, token in tokens.items()))
    path.chmod(0o600)
    return path
