"""Wiring: build the store, the engine, the models, the venues and the web app from settings.

Nothing here runs at import time; ``create_app`` returns an app whose lifespan starts and
stops the runtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from openoms import __version__, demo
from openoms.adapters.fix.config import Role, SessionConfig
from openoms.adapters.fix.dispatch import ByRole
from openoms.adapters.fix.gateway import FixGateway
from openoms.adapters.fix.orders import DeskFixApplication
from openoms.adapters.fix.store import EngineJournal
from openoms.adapters.fix.venue import FixVenueGateway
from openoms.adapters.notify.service import Notifications, start_notifications
from openoms.adapters.sql.database import writer_lock
from openoms.adapters.sql.store import SqlStore
from openoms.adapters.sql.users import UserStore
from openoms.api import (
    commerce_catalog,
    commerce_fulfilment,
    commerce_inventory,
    commerce_orders,
    commerce_shopify,
    commerce_vendor,
    fix,
    problems,
    system,
    trading,
    users,
)
from openoms.api.auth import Authenticator
from openoms.api.fastpath import FastPath
from openoms.commerce.module import CommerceModel
from openoms.core.clock import Clock, SystemClock
from openoms.core.engine import Engine
from openoms.core.events import Context
from openoms.models import registry
from openoms.settings import Settings
from openoms.trading.domain import commands as cmd
from openoms.trading.domain.events import InstrumentDefined
from openoms.trading.domain.model import TimeInForce, VenueKind
from openoms.trading.module import TradingModel
from openoms.venues.router import VenueRouter
from openoms.venues.simulated.exchange import SimulatedExchange
from openoms.web import install as install_web
from openoms.web.push import Push

_log = logging.getLogger("openoms")
SYSTEM = Context(actor="system", source="scheduler")


@dataclass
class Runtime:
    """Everything one running OpenOMS holds."""

    settings: Settings
    store: SqlStore
    engine: Engine
    trading: TradingModel
    commerce: CommerceModel
    auth: Authenticator
    venues: VenueRouter
    exchange: SimulatedExchange
    timezone: ZoneInfo
    clock: Clock
    fix: FixGateway | None = None
    notifications: Notifications | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    lock: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)


def tune_gc() -> None:
    """Make the cyclic garbage collector fit a process that keeps its state in memory.

    The engine holds every order as long-lived objects and allocates many short-lived ones per
    command; with the default thresholds the collector keeps re-walking the live state (about
    a fifth of the engine's time in the benchmarks). Freeze what recovery loaded and collect
    the young generation less often.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


async def start_runtime(settings: Settings, *, clock: Clock | None = None,
                        fix_sessions: Sequence[SessionConfig] = ()) -> Runtime:
    """Take the writer lock, recover state (read model + journal tail), start the engine, and
    the FIX gateway when sessions are given (``serve`` does; ``demo`` and ``db`` do not).

    Raises:
        StorageError: another OpenOMS is writing the same database.
        OSError: the FIX port cannot be bound.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = contextlib.ExitStack()
    lock.enter_context(writer_lock(settings.db_url, settings.data_dir))
    try:
        store = SqlStore(settings.db_url, registry())
        snapshot = await asyncio.to_thread(store.load)
        trading_model = TradingModel()
        trading_model.restore(snapshot.tables, snapshot.versions)
        commerce_model = CommerceModel()
        commerce_model.restore(snapshot.tables, snapshot.versions)
        for recorded in snapshot.tail:
            (commerce_model if commerce_model.owns(recorded.event) else trading_model).apply(
                recorded)
        tune_gc()
        engine = Engine([trading_model, commerce_model], store, clock or SystemClock(),
                        position=snapshot.last_position, replayed=snapshot.tail)
        engine.start()
        venues = VenueRouter(engine, trading_model.state)
        exchange = SimulatedExchange(venues.report, seed_levels=settings.sim_seed_levels,
                                     seed_qty=settings.sim_seed_qty)
        exchange.list_instruments(list(trading_model.state.instruments.values()))
        venues.register(VenueKind.SIMULATED, exchange)
        engine.subscribe(_follow_instruments(exchange, trading_model))
        engine.subscribe(venues)
        runtime = Runtime(settings=settings, store=store, engine=engine, trading=trading_model,
                          commerce=commerce_model,
                          auth=Authenticator(store.find_token,
                                             UserStore(store.reader).find_session),
                          venues=venues,
                          exchange=exchange, timezone=ZoneInfo(settings.timezone),
                          clock=clock or SystemClock(), lock=lock)
        if settings.fix_enabled and fix_sessions:
            runtime.fix = await _start_fix(runtime, fix_sessions)
        venues.recover()
        _log.info("recovered %d orders; journal at %d (%d replayed)",
                  len(trading_model.state.tickets), snapshot.last_position, len(snapshot.tail))
        if settings.day_end_enabled:
            runtime.tasks.append(asyncio.get_running_loop().create_task(_sessions(runtime)))
        # Last: a failure above leaves no delivery task behind.
        runtime.notifications = start_notifications(runtime)
        return runtime
    except BaseException:
        lock.close()
        raise


async def _start_fix(runtime: Runtime, sessions: Sequence[SessionConfig]) -> FixGateway:
    """Wire FIX: client sessions to the desk, venue sessions to the router, one journal."""
    settings, engine, state = runtime.settings, runtime.engine, runtime.trading.state
    journal = await asyncio.to_thread(EngineJournal, engine, runtime.store)
    purged = await asyncio.to_thread(journal.purge_old_epochs)
    desk = DeskFixApplication(engine, state, clock=runtime.clock)
    store = runtime.store
    venues = FixVenueGateway(state, runtime.venues.report, clock=runtime.clock,
                             history=lambda stream_id: store.read_journal(stream_id=stream_id))
    runtime.venues.register(VenueKind.FIX, venues)
    gateway = FixGateway(sessions, journal, ByRole(acceptors=desk, initiators=venues),
                         log_dir=settings.fix_log_path, wait_for_room=engine.wait_for_room)
    for config in sessions:
        handle = gateway.handle(config.session_id)
        if config.role is Role.INITIATOR:
            venues.attach(handle)
        elif config.account_id:
            desk.register(handle)
    engine.observe(desk.observer)
    if any(c.role is Role.ACCEPTOR for c in sessions):
        port = await gateway.start_acceptor(settings.fix_host, settings.fix_port)
        _log.info("FIX acceptor on %s:%d (%d sessions; %d old messages purged)",
                  settings.fix_host, port, len(sessions), purged)
    else:
        await gateway.start()
    return gateway


async def stop_runtime(runtime: Runtime) -> None:
    """Log FIX sessions out, stop timers, flush the engine, release the writer lock."""
    if runtime.fix is not None:
        await runtime.fix.stop()
    for task in runtime.tasks:
        task.cancel()
    for task in runtime.tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if runtime.notifications is not None:
        await runtime.notifications.stop()  # its last outcomes go into the final commit
    await runtime.engine.stop()
    runtime.store.close()
    runtime.lock.close()


def _follow_instruments(exchange: SimulatedExchange, model: TradingModel) -> Any:
    """Tell the simulated exchange about new instruments, so their books get seeded."""

    def listener(records: Any) -> None:
        if any(isinstance(r.event, InstrumentDefined) for r in records):
            exchange.list_instruments(list(model.state.instruments.values()))

    return listener


async def _sessions(runtime: Runtime) -> None:
    """Close and open the trading day at the configured times; expire GTD orders."""
    settings, state = runtime.settings, runtime.trading.state
    while True:
        try:
            local = datetime.now(runtime.timezone)
            weekday = local.weekday() < 5
            should_open = weekday and settings.session_open <= local.time() < settings.session_close
            today = local.date().isoformat()
            if state.session_open and not should_open:
                await runtime.engine.execute(cmd.CloseTradingSession(trading_date=today), SYSTEM)
            elif should_open and (not state.session_open or state.trading_date != today):
                await runtime.engine.execute(cmd.OpenTradingSession(trading_date=today), SYSTEM)
            now = runtime.clock.now()
            if any(t.terms.tif is TimeInForce.GTD and t.is_open and t.terms.expire_at
                   and t.terms.expire_at <= now for t in state.tickets.values()):
                await runtime.engine.execute(cmd.ExpireOrders(now=now), SYSTEM)
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("trading session timer failed")
        await asyncio.sleep(timedelta(seconds=5).total_seconds())


def create_app(settings: Settings, *, seed_demo: bool = False) -> FastPath:
    """Build the FastAPI app; its lifespan owns the runtime (and seeds demo data if asked)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sessions = settings.fix_sessions or (demo.fix_sessions() if seed_demo else ())
        runtime = await start_runtime(settings, fix_sessions=sessions)
        app.state.runtime = runtime
        app.state.users = UserStore(runtime.store.reader)
        app.state.push = push = Push(runtime.commerce.state,
                                     lambda: runtime.engine.durable_position)
        runtime.engine.subscribe(push)
        app.state.metrics = system.metrics_registry(runtime)
        if seed_demo and demo.needs_demo(runtime.trading.state):
            await demo.seed_with_tokens(runtime)
        try:
            yield
        finally:
            push.close()  # end the pages' event streams, or the server waits for them
            await stop_runtime(runtime)

    app = FastAPI(title="OpenOMS", version=__version__, lifespan=lifespan,
                  description="Order management for a broker's trading desk and omnichannel "
                  "retail. Authenticate with `Authorization: Bearer <token>` "
                  "(`openoms token create --role trader`).")
    problems.install(app)
    app.include_router(trading.router)  # first: order capture is the hottest route to match
    app.include_router(fix.router)
    app.include_router(system.router)
    app.include_router(commerce_orders.router)
    app.include_router(commerce_fulfilment.router)
    app.include_router(commerce_vendor.router)
    app.include_router(commerce_inventory.router)
    app.include_router(commerce_catalog.router)
    app.include_router(commerce_shopify.router)
    app.include_router(users.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            from openoms.api.schemas import NewOrder

            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            body = NewOrder.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(body.pop("$defs", {}))
            components["NewOrder"] = body
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    install_web(app)

    return FastPath(app, routes={
        ("POST", f"{trading.router.prefix}/orders"): trading.create_order,
        ("POST", f"{commerce_orders.router.prefix}/orders"): commerce_orders.capture_order_fast,
    })
