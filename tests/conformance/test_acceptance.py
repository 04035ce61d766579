"""The QuickFIX server acceptance suite, each script against a real acceptor over TCP.

Every ``.def`` script of shared/fix/acceptance/server/fix42 and fix44 runs against a fresh
``FixGateway`` configured as QuickFIX's test acceptor is (ISLD talking to TW42 / TW44,
ResetOnLogon, the data dictionary validated) with the echo application behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest
from echo import EchoApplication
from runner import load_patterns, run_script

from openoms.adapters.fix.config import SessionConfig
from openoms.adapters.fix.gateway import FixGateway
from openoms.adapters.fix.journal import MemoryJournal

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
ACCEPTANCE = SHARED / "fix" / "acceptance"
VERSIONS = {"fix42": ("FIX.4.2", "TW42"), "fix44": ("FIX.4.4", "TW44")}
# Scripts that wait for real heartbeat intervals (about 35 s and 12 s). They start together in a
# background event loop when the module's first test starts, so they overlap each other and the
# quick scripts; their own tests, last in the module, then wait for their results.
SLOW = ("6_SendTestRequest.def", "4a_NoDataSentDuringHeartBtInt.def")

assert ACCEPTANCE.is_dir(), f"the acceptance suite is missing: {ACCEPTANCE}"


def _scripts() -> list[Path]:
    scripts = [path for version in VERSIONS
               for path in sorted((ACCEPTANCE / "server" / version).glob("*.def"))]
    return sorted(scripts, key=lambda path: path.name in SLOW)


SCRIPTS = _scripts()
# One worker plays the whole suite, so the slow scripts run once, behind the quick ones.
pytestmark = pytest.mark.xdist_group("fix_conformance")
# A deliberate difference, not a bug: after a BodyLength (9) that runs past the real end of a
# message, QuickFIX's parser takes everything up to the next CheckSum, so the *following*
# message is swallowed too, and the script goes on to resend that one without PossDupFlag.
# Our codec resynchronises on the next "8=FIX", so the following message arrives intact, is
# seen as too high (ResendRequest 7=4), and the script's later plain repeat of it would be
# "MsgSeqNum too low". Recovering the intact message is the behaviour we want to keep.
BODY_LENGTH_FRAMING = pytest.mark.xfail(
    strict=True, reason="QuickFIX-specific framing after a too-long BodyLength: it swallows "
    "the next message; our codec keeps it (resync on 8=FIX) and asks for the gap instead")


def _param(script: Path) -> object:
    marks = [BODY_LENGTH_FRAMING] if script.name == "2m_BodyLengthValueNotCorrect.def" else []
    return pytest.param(script, id=f"{script.parent.name}/{script.stem}", marks=marks)


async def _play(script: Path) -> None:
    begin_string, client = VERSIONS[script.parent.name]
    config = SessionConfig(begin_string=begin_string, sender_comp_id="ISLD",
                           target_comp_id=client, reset_on_logon=True, validate=True,
                           logon_timeout=5.0)
    gateway = FixGateway([config], MemoryJournal(), EchoApplication(), log_dir=None)
    try:
        port = await gateway.start_acceptor("127.0.0.1", 0)
        await run_script(script, "127.0.0.1", port, load_patterns(ACCEPTANCE / "fields.fmt"))
    finally:
        await gateway.stop()


class _Background:
    """An event loop in a thread playing the slow scripts while the quick ones run."""

    def __init__(self, scripts: list[Path]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.runs: dict[Path, Future[None]] = {
            script: asyncio.run_coroutine_threadsafe(_play(script), self._loop)
            for script in scripts}

    def close(self) -> None:
        """Cancel what still runs and wait until it has cleaned up (gateways stopped): a
        concurrent future is cancelled at once, long before its task has finished."""

        async def cancel_all() -> None:
            # Only the scripts: each one's finally stops its gateway, which closes its own
            # connections and tasks.
            plays = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "_play"]
            for task in plays:
                task.cancel()
            await asyncio.gather(*plays, return_exceptions=True)
            await asyncio.sleep(0.1)  # let the closed transports finish closing

        asyncio.run_coroutine_threadsafe(cancel_all(), self._loop).result(timeout=30)
        for run in self.runs.values():
            with contextlib.suppress(BaseException):
                run.result(timeout=0)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@pytest.fixture(scope="module", autouse=True)
def background() -> Iterator[_Background]:
    runs = _Background([script for script in SCRIPTS if script.name in SLOW])
    yield runs
    runs.close()


@pytest.mark.parametrize("script", [_param(script) for script in SCRIPTS])
def test_acceptance_script_against_acceptor_passes(script: Path,
                                                   background: _Background) -> None:
    run = background.runs.get(script)
    if run is None:
        asyncio.run(_play(script))
    else:
        run.result(timeout=120)
