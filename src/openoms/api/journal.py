"""Reading one journal stream for a request (an entity's history), desk and retail alike."""

from __future__ import annotations

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from openoms.core.events import Recorded


async def history(request: Request, stream_id: str) -> list[Recorded]:
    """Read one journal stream once everything decided so far is durable."""
    runtime = request.app.state.runtime
    await runtime.engine.barrier()
    records: list[Recorded] = await run_in_threadpool(runtime.store.read_journal,
                                                      stream_id=stream_id)
    return records
