"""``decide``: the retail business's one entry point from a command to the events it causes.

Each command type has one handler named after it; a handler reads the state, raises a
DomainError if the command is not allowed, and returns events. It never changes the state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from openoms.commerce.domain import catalog, fulfilment, orders, returns
from openoms.commerce.domain import commands as cmd
from openoms.commerce.domain.state import CommerceState
from openoms.core.events import Command, Context, Event

Handler = Callable[[CommerceState, Any, Context, datetime], list[Event]]

HANDLERS: dict[type[Command], Handler] = {
    cmd.DefineLocation: catalog.define_location,
    cmd.DefineSku: catalog.define_sku,
    cmd.SetSourcingRules: catalog.set_sourcing_rules,
    cmd.SubscribeWebhook: catalog.subscribe_webhook,
    cmd.ReceiveStock: catalog.receive_stock,
    cmd.AdjustStock: catalog.adjust_stock,
    cmd.CountStock: catalog.count_stock,
    cmd.SetSafetyStock: catalog.set_safety_stock,
    cmd.CaptureOrder: orders.capture_order,
    cmd.CancelOrder: orders.cancel_order,
    cmd.CapturePayment: orders.capture_payment,
    cmd.RefundPayment: orders.refund_payment,
    cmd.SourceBackorders: orders.source_backorders,
    cmd.AcceptFulfilment: fulfilment.accept_fulfilment,
    cmd.PickFulfilment: fulfilment.pick_fulfilment,
    cmd.PackFulfilment: fulfilment.pack_fulfilment,
    cmd.ShortPick: fulfilment.short_pick,
    cmd.RejectFulfilment: fulfilment.reject_fulfilment,
    cmd.ShipFulfilment: fulfilment.ship_fulfilment,
    cmd.DeliverFulfilment: fulfilment.deliver_fulfilment,
    cmd.ReadyForPickup: fulfilment.ready_for_pickup,
    cmd.HandOver: fulfilment.hand_over,
    cmd.AuthorizeReturn: returns.authorize_return,
    cmd.ReceiveReturn: returns.receive_return,
}


def decide(state: CommerceState, command: Command, ctx: Context, now: datetime) -> list[Event]:
    """Return the events command causes, or raise a DomainError; state is not changed."""
    return HANDLERS[type(command)](state, command, ctx, now)
