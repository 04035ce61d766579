"""The exception tree of OpenOMS.

    OmsError
     +-- DomainError                 a command is not allowed; nothing was changed
     |    +-- ValidationError        a field has a bad value (names the field)
     |    +-- NotFound               an entity does not exist
     |    |    +-- UnknownOrder
     |    +-- InvalidTransition      the entity's state does not allow the move
     |    +-- RiskRejected           a pre-trade risk limit would be breached
     |    +-- DuplicateClOrdID       the client order id is already used by the client
     |    +-- DuplicateRequest       an idempotency key or channel order id was seen before
     |    +-- Conflict               the command conflicts with the current state
     |    +-- Forbidden              the actor may not do this
     +-- ProtocolError               a peer broke a wire protocol
     |    +-- LocalProtocolError
     |    +-- RemoteProtocolError
     +-- StorageError                the journal or read models could not be written or read
          +-- ConcurrencyConflict    two writers tried to write the same stream version

Exceptions carry typed attributes; the message is for people.
"""

from __future__ import annotations


class OmsError(Exception):
    """Base of every error raised on purpose by OpenOMS."""

    code: str = "oms_error"


class DomainError(OmsError):
    """A command was refused by the domain; state is unchanged."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    """A field of a command has a value the domain does not accept."""

    code = "invalid_field"


class NotFound(DomainError):
    """An entity named by a command does not exist."""

    code = "not_found"


class UnknownOrder(NotFound):
    """No order (or child order) has that id."""

    code = "unknown_order"


class InvalidTransition(DomainError):
    """The entity's current status does not allow this event."""

    code = "invalid_transition"

    def __init__(self, entity: str, status: str, event: str) -> None:
        super().__init__(f"{entity} is {status}: {event} is not allowed in that state")
        self.entity = entity
        self.status = status
        self.event = event


class RiskRejected(DomainError):
    """A pre-trade risk limit would be breached."""

    code = "risk_rejected"

    def __init__(self, message: str, *, limit: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.limit = limit


class DuplicateClOrdID(DomainError):
    """The client already used this ClOrdID for another order."""

    code = "duplicate_cl_ord_id"

    def __init__(self, cl_ord_id: str, order_id: str, *, identical: bool) -> None:
        super().__init__(
            f"ClOrdID {cl_ord_id!r} is already used by order {order_id}", field="cl_ord_id"
        )
        self.cl_ord_id = cl_ord_id
        self.order_id = order_id
        self.identical = identical


class DuplicateRequest(DomainError):
    """A request repeats one already taken (same idempotency key or channel order id)."""

    code = "duplicate_request"

    def __init__(self, key: str, order_id: str, *, identical: bool,
                 field: str = "idempotency_key") -> None:
        super().__init__(f"{key} was already used for order {order_id}", field=field)
        self.key = key
        self.order_id = order_id
        self.identical = identical


class Conflict(DomainError):
    """The command conflicts with the entity's current state (other than its status)."""

    code = "conflict"


class Forbidden(DomainError):
    """The actor's role does not allow the command."""

    code = "forbidden"


class ProtocolError(OmsError):
    """A wire protocol was broken."""

    code = "protocol_error"


class LocalProtocolError(ProtocolError):
    """We were asked to send something the protocol does not allow."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something the protocol does not allow."""


class StorageError(OmsError):
    """The journal or a read model could not be read or written."""

    code = "storage_error"


class ConcurrencyConflict(StorageError):
    """Another writer already wrote this stream version: a second engine is running."""

    code = "concurrency_conflict"
