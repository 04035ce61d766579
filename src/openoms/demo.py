"""Demo data: a desk, traders, clients, instruments, the simulated exchange; a retailer with
two stores, a warehouse and a drop-ship vendor; one token and one web UI user per role."""

from __future__ import annotations

import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

from openoms.adapters.fix.config import SessionConfig
from openoms.adapters.sql.users import UserStore
from openoms.commerce.domain import commands as retail
from openoms.commerce.domain.events import ChannelPolicy
from openoms.commerce.domain.model import (
    DEFAULT_RULES,
    Address,
    Channel,
    LocationKind,
    ShortagePolicy,
)
from openoms.core.engine import Engine
from openoms.core.events import Command, Context
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.model import VenueKind
from openoms.trading.domain.state import TradingState

ROLES = ("admin", "trader", "sales", "viewer")
# The retail roles' demo tokens and what each reaches (scoped roles name their location).
RETAIL_TOKENS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("customer_service", ()),
    ("store_associate", ("location:MPLS",)),
    ("vendor", ("vendor:ACME",)),
)
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


def _place(line1: str, city: str, postal_code: str, lat: str, lon: str) -> Address:
    return Address(line1=line1, city=city, region="MN", postal_code=postal_code, country="US",
                   latitude=Decimal(lat), longitude=Decimal(lon))


# Locations: (id, name, kind, address, extra settings). Both stores rank before the warehouse,
# so a customer near a store that has the goods gets them from that store.
_LOCATIONS: list[tuple[str, str, LocationKind, Address, dict[str, Any]]] = [
    ("MPLS", "Minneapolis store", LocationKind.STORE,
     _place("600 Nicollet Mall", "Minneapolis", "55402", "44.9778", "-93.2650"),
     {"priority": 10}),
    ("STP", "St. Paul store", LocationKind.STORE,
     _place("400 Wabasha St N", "Saint Paul", "55102", "44.9537", "-93.0900"),
     {"priority": 10, "pickup": True}),
    ("WH", "Eagan warehouse", LocationKind.WAREHOUSE,
     _place("3000 Lone Oak Rd", "Eagan", "55121", "44.8041", "-93.1669"),
     {"priority": 20}),
    ("ACME", "Acme Outdoor (drop-ship)", LocationKind.VENDOR,
     _place("1 Lake Ave", "Duluth", "55802", "46.7867", "-92.1005"),
     {"email": "orders@acme-outdoor.example"}),
]
_SKUS: list[tuple[str, str, dict[str, Any]]] = [
    ("TEE", "Logo T-shirt", {}),
    ("MUG", "Enamel camp mug", {}),
    ("HOODIE", "Fleece hoodie", {}),
    ("TENT", "Two-person tent", {"vendor_id": "ACME", "vendor_sku": "AC-T2",
                                 "cost": Decimal("120.00")}),
    ("KAYAK", "Touring kayak", {"stocked": False, "vendor_id": "ACME",
                                                 "vendor_sku": "AC-K10",
                                                 "cost": Decimal("540.00")}),
]
_STOCK = [("MPLS", "TEE", 20), ("MPLS", "MUG", 12), ("MPLS", "HOODIE", 3),
          ("STP", "TEE", 15), ("STP", "MUG", 6), ("STP", "HOODIE", 8),
          ("WH", "TEE", 200), ("WH", "MUG", 120), ("WH", "HOODIE", 60), ("WH", "TENT", 4)]


def retail_commands() -> list[Command]:
    """The demo retailer's locations, catalogue, stock and sourcing rules, as commands."""
    commands: list[Command] = [
        retail.DefineLocation(location_id=location_id, name=name, kind=kind, address=address,
                              latitude=address.latitude or Decimal(0),
                              longitude=address.longitude or Decimal(0), **extra)
        for location_id, name, kind, address, extra in _LOCATIONS]
    commands += [retail.DefineSku(sku=sku, name=name, **extra) for sku, name, extra in _SKUS]
    commands += [retail.ReceiveStock(sku=sku, location_id=location_id, qty=qty,
                                     reason="opening stock")
                 for location_id, sku, qty in _STOCK]
    commands += [
        retail.SetSafetyStock(sku="TEE", location_id="MPLS", safety_stock=2),
        retail.SetSourcingRules(
            rules=DEFAULT_RULES, default_shortage=ShortagePolicy.BACKORDER,
            policies=(ChannelPolicy(channel=Channel.MARKETPLACE,
                                    shortage=ShortagePolicy.SHIP_AVAILABLE),)),
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
    """Define the demo reference data of both businesses through the engine (journaled like
    any change)."""
    for command in (*demo_commands(), *retail_commands()):
        await engine.execute(command, DEMO)


async def seed_with_tokens(runtime: Any) -> None:
    """Seed the demo desk and retailer and print one fresh token per role (also saved under
    data_dir: the desk's in demo-tokens.txt, the retail roles' in demo-retail-tokens.txt)."""
    await seed(runtime.engine)
    store = runtime.store
    tokens = {role: store.create_token(f"demo-{role}", role) for role in ROLES}
    retail_tokens = {role: (store.create_token(f"demo-{role}", role, scope), scope)
                     for role, scope in RETAIL_TOKENS}
    path = write_tokens(tokens, runtime.settings.data_dir)
    retail_path = write_retail_tokens(retail_tokens, runtime.settings.data_dir)
    print(f"OpenOMS demo data seeded. API tokens (also in {path}):", flush=True)
    for role, token in tokens.items():
        print(f"  {role:7} {token}", flush=True)
    print(f"Retail API tokens (also in {retail_path}):", flush=True)
    for role, (token, scope) in retail_tokens.items():
        reach = f"  ({', '.join(scope)})" if scope else ""
        print(f"  {role:16} {token}{reach}", flush=True)
    users_path = seed_users(UserStore(store.reader), runtime.settings.data_dir)
    print(f"Web UI users, one per role (username = role; passwords in {users_path}); sign in "
          f"at http://{runtime.settings.http_host}:{runtime.settings.http_port}/", flush=True)


def seed_users(users: UserStore, data_dir: Path) -> Path:
    """Create one web UI user per role, named after it, with a fresh random password; save
    them as role, username, password, scope under data_dir (mode 600)."""
    rows = []
    for role, scope in (*((r, ()) for r in ROLES), *RETAIL_TOKENS):
        password = secrets.token_urlsafe(12)
        users.create_user(role, role, password, scope)
        rows.append(f"{role}\t{role}\t{password}\t{','.join(scope)}\n")
    path = data_dir / "demo-users.txt"
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text("".join(rows))
    return path


def write_tokens(tokens: dict[str, str], data_dir: Path) -> Path:
    """Save the demo tokens where the operator can read them (mode 600)."""
    path = data_dir / "demo-tokens.txt"
    path.write_text("".join(f"{role}\t{token}\n" for role, token in tokens.items()))
    path.chmod(0o600)
    return path


def write_retail_tokens(tokens: dict[str, tuple[str, tuple[str, ...]]],
                        data_dir: Path) -> Path:
    """Save the retail demo tokens (role, token, scope) for the operator (mode 600)."""
    path = data_dir / "demo-retail-tokens.txt"
    path.touch(mode=0o600)
    path.chmod(0o600)  # before the secrets go in
    path.write_text("".join(f"{role}\t{token}\t{','.join(scope)}\n"
                            for role, (token, scope) in tokens.items()))
    return path
