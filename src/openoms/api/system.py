"""Health and Prometheus metrics: engine throughput, batch sizes, commit time, open orders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.responses import JSONResponse, Response

router = APIRouter(tags=["system"])


class EngineCollector(Collector):
    """Reads the engine's counters at scrape time (no locking: the counters only grow)."""

    def __init__(self, runtime: Any) -> None:
        self._runtime = runtime

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        stats = self._runtime.engine.stats
        yield CounterMetricFamily("openoms_commands", "Commands decided", value=stats.commands)
        yield CounterMetricFamily("openoms_commands_rejected",
                                  "Commands refused with a domain error", value=stats.rejected)
        yield CounterMetricFamily("openoms_events", "Events journaled", value=stats.events)
        yield CounterMetricFamily("openoms_group_commits", "Group commits", value=stats.batches)
        yield CounterMetricFamily("openoms_commit_seconds", "Time spent in group commits",
                                  value=stats.commit_seconds)
        yield GaugeMetricFamily("openoms_last_batch_events", "Events in the last group commit",
                                value=stats.last_batch_size)
        yield GaugeMetricFamily("openoms_journal_position", "Durable journal position",
                                value=self._runtime.engine.durable_position)
        tickets = self._runtime.trading.state.tickets.values()
        yield GaugeMetricFamily("openoms_open_orders", "Open client orders",
                                value=sum(1 for t in tickets if t.is_open))


def metrics_registry(runtime: Any) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(EngineCollector(runtime))
    return registry


@router.get("/healthz", summary="Liveness and readiness")
async def healthz(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    failed = runtime.engine.failed
    body = {"status": "failed" if failed else "ok",
            "journal_position": runtime.engine.durable_position,
            "database": runtime.settings.db_url.split("://")[0]}
    if failed:
        body["error"] = str(failed)
    return JSONResponse(body, status_code=503 if failed else 200)


@router.get("/metrics", summary="Prometheus metrics")
async def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)
