"""A coordinator's observability: counters, latency percentiles, ``stats()``, ``health()``, Prometheus."""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from threadx._optional import require

_LATENCY_WINDOW = 10_000  # latencies kept for the percentiles
_COUNTERS = ("submitted", "succeeded", "failed", "cancelled", "timed_out", "callback_timeouts", "callback_errors")
_PROMETHEUS_COUNTERS = (*_COUNTERS, "cache_hits", "cache_misses", "uncollected_evicted")
_PROMETHEUS_GAUGES = ("queued", "running", "queue_depth", "cache_bytes", "cache_entries", "uncollected",
                      "uncollected_bytes")


@dataclass(frozen=True)
class CoordinatorStats:
    """Counters since the coordinator started (see ``Coordinator.stats``)."""

    submitted: int
    queued: int
    running: int
    succeeded: int
    failed: int
    cancelled: int
    timed_out: int
    callback_timeouts: int
    callback_errors: int
    queue_depth: int
    latency_p50: float | None
    latency_p95: float | None
    latency_p99: float | None
    cache_hits: int
    cache_misses: int
    cache_bytes: int
    cache_entries: int
    uncollected: int  # finished jobs whose result nobody took yet, kept for Coordinator.job(id)
    uncollected_bytes: int  # their results' estimated bytes
    uncollected_evicted: int  # such jobs dropped, oldest first, to stay within the bounds

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Metrics:
    """Event counters and the submit-to-finish latencies of the last jobs (updated on the loop)."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(_COUNTERS, 0)
        self._latencies: deque[float] = deque(maxlen=_LATENCY_WINDOW)

    def count(self, event: str) -> None:
        self.counts[event] += 1

    def finished(self, status: str, latency: float) -> None:
        """A job ended with ``status`` (a JobStatus value) ``latency`` seconds after its submission."""
        self.counts[status] += 1
        self._latencies.append(latency)

    def percentiles(self) -> tuple[float | None, float | None, float | None]:
        """p50, p95, p99 of the kept latencies (None before the first job ends)."""
        lat = np.fromiter(self._latencies, dtype=np.float64, count=len(self._latencies))
        if not lat.size:
            return None, None, None
        p50, p95, p99 = np.percentile(lat, [50, 95, 99]).tolist()
        return p50, p95, p99

    def stats(self, *, queued: int, running: int, cache_hits: int, cache_misses: int, cache_bytes: int,
              cache_entries: int, uncollected: int, uncollected_bytes: int,
              uncollected_evicted: int) -> CoordinatorStats:
        p50, p95, p99 = self.percentiles()
        c = self.counts
        return CoordinatorStats(
            submitted=c["submitted"], queued=queued, running=running,
            succeeded=c["succeeded"], failed=c["failed"], cancelled=c["cancelled"], timed_out=c["timed_out"],
            callback_timeouts=c["callback_timeouts"], callback_errors=c["callback_errors"],
            queue_depth=queued, latency_p50=p50, latency_p95=p95, latency_p99=p99,
            cache_hits=cache_hits, cache_misses=cache_misses, cache_bytes=cache_bytes,
            cache_entries=cache_entries, uncollected=uncollected, uncollected_bytes=uncollected_bytes,
            uncollected_evicted=uncollected_evicted)


def health(*, accepting: bool, queue_full: bool, workers: int, running: int, queue_depth: int, max_queue: int,
           stuck_callback_threads: int, callback_workers: int, tracked_tasks: int) -> dict[str, Any]:
    """``ok``, ``degraded`` (queue full or every callback thread stuck) or ``closed``, with the figures."""
    if not accepting:
        status = "closed"
    elif queue_full or stuck_callback_threads >= callback_workers:
        status = "degraded"
    else:
        status = "ok"
    return {"status": status, "accepting": accepting, "workers": workers,
            "running": running, "queue_depth": queue_depth, "max_queue": max_queue,
            "stuck_callback_threads": stuck_callback_threads, "callback_workers": callback_workers,
            "tracked_tasks": tracked_tasks, "pid": os.getpid()}


def prometheus_collector(stats: Callable[[], CoordinatorStats]) -> Any:
    """A ``prometheus_client`` collector that reads ``stats()`` at every scrape."""
    core = require("prometheus_client.core", extra="prometheus", feature="Coordinator.prometheus_collector()")
    counter, gauge = core.CounterMetricFamily, core.GaugeMetricFamily

    class _Collector:
        def collect(self) -> Iterable[Any]:
            s = stats().as_dict()
            for name in _PROMETHEUS_COUNTERS:
                yield counter(f"threadx_{name}", f"ThreadX coordinator: {name}", value=s[name])
            for name in _PROMETHEUS_GAUGES:
                yield gauge(f"threadx_{name}", f"ThreadX coordinator: {name}", value=s[name])
            lat = gauge("threadx_latency_seconds", "Submit-to-finish latency percentiles", labels=["quantile"])
            for q in ("50", "95", "99"):
                v = s[f"latency_p{q}"]
                lat.add_metric([f"0.{q}"], math.nan if v is None else v)
            yield lat

    return _Collector()
