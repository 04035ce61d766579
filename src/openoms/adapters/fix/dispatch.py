"""One gateway, two businesses: client sessions go to the desk, venue sessions to the router."""

from __future__ import annotations

from openoms.adapters.fix.application import Application, SessionHandle
from openoms.adapters.fix.codec import FixMessage
from openoms.adapters.fix.config import Role


class ByRole:
    """An Application that hands each session to the application of its role."""

    def __init__(self, *, acceptors: Application, initiators: Application) -> None:
        self._apps = {Role.ACCEPTOR: acceptors, Role.INITIATOR: initiators}

    def on_logon(self, session: SessionHandle) -> None:
        self._apps[session.config.role].on_logon(session)

    def on_logout(self, session: SessionHandle) -> None:
        self._apps[session.config.role].on_logout(session)

    def on_message(self, session: SessionHandle, message: FixMessage) -> None:
        self._apps[session.config.role].on_message(session, message)
