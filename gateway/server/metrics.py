"""The metrics of one application, in Prometheus form: what was called and how it went, what is alive.

Recording must cost next to nothing: a server doing 10,000 calls/s on one core has 100 µs per call, and
prometheus_client's own metric objects cost 5-10 µs for the four series a call touches (measured; 11 µs in
multi-process mode). So :class:`CallStats` adds into plain ints and lists (under 1 µs a call) and nothing
becomes a metric family until a scrape asks: :class:`GatewayCollector` builds them then, and reads the rest
from where it already lives: live objects from the identity table, lease counts from the lease manager,
the worker pool's load.

Multi-process mode (``uvicorn --workers N``, gunicorn): when prometheus_client runs in its multi-process
mode (``PROMETHEUS_MULTIPROC_DIR`` set before it is imported), each worker writes its totals to its own
files in that directory (every ``flush_interval`` seconds, before it answers a scrape, and when it stops),
and a scrape, whichever worker answers it, adds up every worker's files (prometheus_client's
``MultiProcessCollector``). Only one application per process writes there: the first one served (a worker
serves one application; another one in the same process would overwrite its totals).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from ..model.spin_wait import SpinWait
from ..model.workers import WorkerPool
from .identity import IdentityTable
from .lease_manager import LeaseManager
from .metrics_files import SharedFiles, multiprocess_mode

log = logging.getLogger("gateway.metrics")

#: Seconds; the fast end matters here (a local call takes about 1 ms).
DURATION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Bytes, up to the default message limit (4 MiB).
SIZE_BUCKETS = (256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0)
_FIRST_DURATION = DURATION_BUCKETS[0]
_FIRST_SIZE = SIZE_BUCKETS[0]

#: The label value for anything the server does not publish (an unknown URI or method): a hostile caller
#: cannot make new series by inventing names.
UNKNOWN = "(unknown)"

#: (uri, method, formatter, outcome, fault kind) of a call; the fault kind is "" for calls that did not fail.
CallKey = tuple[str, str, str, str, str]


class _Histogram:
    """Counts per bucket (not cumulative; the last one is +Inf) and the sum, for a scrape."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0

    def add(self, counts: list[int], total: float) -> None:
        self.counts = [a + b for a, b in zip(self.counts, counts, strict=True)]
        self.total += total

    def buckets(self) -> list[tuple[str, float]]:
        """Cumulative ``(le, count)`` pairs as Prometheus wants them, ending with ``+Inf``."""
        acc = 0
        out = []
        for bound, count in zip([*map(repr, self.bounds), "+Inf"], self.counts, strict=True):
            acc += count
            out.append((bound, float(acc)))
        return out


class _Series:
    """One call key's counts: per-bucket counts (the last is +Inf) and sums of durations and sizes."""

    __slots__ = ("duration_counts", "duration_sum", "request_counts", "request_sum", "response_counts",
                 "response_sum")

    def __init__(self) -> None:
        self.duration_counts = [0] * (len(DURATION_BUCKETS) + 1)
        self.duration_sum = 0.0
        self.request_counts = [0] * (len(SIZE_BUCKETS) + 1)
        self.request_sum = 0
        self.response_counts = [0] * (len(SIZE_BUCKETS) + 1)
        self.response_sum = 0

    @property
    def count(self) -> int:
        return sum(self.duration_counts)


class ConnectionCounting(Protocol):
    """A channel of the host (the TCP channel) that counts its open connections by what serves them."""

    def connection_counts(self) -> Mapping[str, int]: ...


class CallStats:
    """The calls an application served, per :data:`CallKey`: durations and message sizes, bucketed.

    Written by the metrics sink on the event loop's thread and, with ``TcpChannel(threads=True)``, on TCP
    connection threads: the buckets are found outside the lock, the additions made under it (about 0.1 µs);
    everything is inline here because this runs on every call (about 1 µs).
    """

    def __init__(self) -> None:
        self.series: dict[CallKey, _Series] = {}
        self._lock = threading.Lock()

    def record(self, key: CallKey, seconds: float, request_bytes: int, response_bytes: int) -> None:
        # the first bucket by a comparison, the others by bisection (a bisect_left call costs 900-1,500
        # instructions, the comparison 50; most calls are fast and small): the same bucket either way
        duration = 0 if seconds <= _FIRST_DURATION else bisect_left(DURATION_BUCKETS, seconds)
        request = 0 if request_bytes <= _FIRST_SIZE else bisect_left(SIZE_BUCKETS, request_bytes)
        response = 0 if response_bytes <= _FIRST_SIZE else bisect_left(SIZE_BUCKETS, response_bytes)
        with self._lock:
            series = self.series.get(key)
            if series is None:
                series = self.series[key] = _Series()
            series.duration_counts[duration] += 1
            series.duration_sum += seconds
            series.request_counts[request] += 1
            series.request_sum += request_bytes
            series.response_counts[response] += 1
            series.response_sum += response_bytes


class GatewayCollector(Collector):
    """Turns an application's state into metric families when scraped (see docs/guide.md for the list)."""

    def __init__(
        self, calls: CallStats, identities: IdentityTable, leases: LeaseManager, workers: WorkerPool,
        spin_wait: SpinWait | None = None, channels: Callable[[], Sequence[ConnectionCounting]] | None = None,
    ) -> None:
        self.calls = calls
        self.identities = identities
        self.leases = leases
        self.workers = workers
        self.spin_wait = spin_wait
        self.channels = channels

    def collect(self) -> Iterator[Metric]:
        yield from self._calls()
        yield from self._objects()

    def _calls(self) -> Iterator[Metric]:
        calls = CounterMetricFamily(
            "gateway_calls", "Calls served, by object, method, formatter and outcome (ok, fault, refused).",
            labels=["uri", "method", "formatter", "outcome"],
        )
        faults = CounterMetricFamily(
            "gateway_faults", "Calls answered with a fault, by object, method and kind "
            "(client, remoting, denied, declared, internal).", labels=["uri", "method", "kind"],
        )
        by_call: dict[tuple[str, str, str, str], int] = {}
        by_fault: dict[tuple[str, str, str], int] = {}
        sizes: dict[tuple[str, str, str], tuple[_Histogram, _Histogram, _Histogram]] = {}
        for (uri, method, formatter, outcome, kind), series in list(self.calls.series.items()):
            call = (uri, method, formatter, outcome)
            by_call[call] = by_call.get(call, 0) + series.count
            if kind:
                by_fault[(uri, method, kind)] = by_fault.get((uri, method, kind), 0) + series.count
            hists = sizes.get((uri, method, formatter))
            if hists is None:
                hists = sizes[(uri, method, formatter)] = (
                    _Histogram(DURATION_BUCKETS), _Histogram(SIZE_BUCKETS), _Histogram(SIZE_BUCKETS)
                )
            hists[0].add(series.duration_counts, series.duration_sum)
            hists[1].add(series.request_counts, series.request_sum)
            hists[2].add(series.response_counts, series.response_sum)
        for labels, count in by_call.items():
            calls.add_metric(labels, count)
        for fault_labels, count in by_fault.items():
            faults.add_metric(fault_labels, count)
        yield calls
        yield faults
        names = (
            ("gateway_call_duration_seconds", "Time a call took on the server, from the outermost sink on."),
            ("gateway_request_size_bytes", "Size of call request bodies."),
            ("gateway_response_size_bytes", "Size of call response bodies."),
        )
        for i, (name, doc) in enumerate(names):
            family = HistogramMetricFamily(name, doc, labels=["uri", "method", "formatter"])
            for hist_labels, hists in sizes.items():
                family.add_metric(hist_labels, hists[i].buckets(), sum_value=hists[i].total)
            yield family

    def _objects(self) -> Iterator[Metric]:
        live = GaugeMetricFamily(
            "gateway_live_objects", "Objects alive on the server, by kind "
            "(singleton, client_activated, marshalled, lease).", labels=["kind"],
        )
        for kind, count in self.identities.live_objects().items():
            live.add_metric([kind], count)
        yield live
        leases = self.leases
        yield GaugeMetricFamily("gateway_leases_active", "Leases the lease manager tracks.", value=len(leases))
        yield CounterMetricFamily(
            "gateway_lease_expirations", "Leases that ran out unrenewed (their objects were disconnected).",
            value=leases.expirations,
        )
        sponsors = CounterMetricFamily(
            "gateway_lease_sponsor_calls", "Sponsors asked to renew a lease, by result (renewed, declined, failed).",
            labels=["result"],
        )
        sponsors.add_metric(["renewed"], leases.sponsor_renewals)
        sponsors.add_metric(["declined"], leases.sponsor_declines)
        sponsors.add_metric(["failed"], leases.sponsor_failures)
        yield sponsors
        yield GaugeMetricFamily(
            "gateway_lease_sweep_seconds", "How long the last lease sweep took.", value=leases.last_sweep_seconds
        )
        load = self.workers.load()
        yield GaugeMetricFamily("gateway_worker_threads", "Worker threads started (synchronous methods run there).",
                                value=load.threads)
        yield GaugeMetricFamily("gateway_worker_busy_threads", "Worker threads running a call now.", value=load.busy)
        yield GaugeMetricFamily("gateway_worker_queue_depth", "Calls waiting for a worker thread.", value=load.queued)
        channels = self.channels() if self.channels is not None else []
        if channels:
            tcp = GaugeMetricFamily("gateway_tcp_connections", "Open connections of the TCP channel, by what serves "
                                    "them: a thread of their own, or the event loop.", labels=["served_by"])
            counts: dict[str, int] = {"thread": 0, "event_loop": 0}
            for channel in channels:
                for served_by, count in channel.connection_counts().items():
                    counts[served_by] = counts.get(served_by, 0) + count
            for served_by, count in counts.items():
                tcp.add_metric([served_by], count)
            yield tcp
        if self.spin_wait is not None:
            yield CounterMetricFamily(
                "gateway_spin_wait_polls", "Turns of the event loop spent polling for a next request after a reply "
                "(the spin-wait: a microsecond or two of CPU each).", value=self.spin_wait.steps,
            )


#: The application writing this process's files in multi-process mode (the first one to write).
_writer: Metrics | None = None


class Metrics:
    """An application's metrics: the call stats its sink records, and the scrape.

    In one process, a scrape shows this application's metrics and prometheus_client's default registry
    (process and Python metrics, and any metric of your own registered there). In multi-process mode, it
    shows what every worker wrote to ``PROMETHEUS_MULTIPROC_DIR``.
    """

    def __init__(
        self, identities: IdentityTable, leases: LeaseManager, workers: WorkerPool, flush_interval: float = 1.0,
        spin_wait: SpinWait | None = None, channels: Callable[[], Sequence[ConnectionCounting]] | None = None,
    ) -> None:
        self.calls = CallStats()
        self.collector = GatewayCollector(self.calls, identities, leases, workers, spin_wait, channels)
        self.flush_interval = flush_interval
        self.shared = multiprocess_mode()
        self.registry = CollectorRegistry()
        self._files: SharedFiles | None = None
        self._task: asyncio.Task[None] | None = None
        if self.shared:
            MultiProcessCollector(self.registry)  # type: ignore[no-untyped-call]
        else:
            self.registry.register(self.collector)
            self.registry.register(REGISTRY)

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The scrape: text in the format the ``Accept`` header asks for (Prometheus text or OpenMetrics)."""
        if self.shared:
            self.flush()
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type

    # ------------------------------------------------------------ multi-process mode

    def ensure_running(self) -> None:
        """In multi-process mode, start writing this process's totals every ``flush_interval`` seconds
        (idempotent; called on startup and on each request). Nothing to do in one process."""
        if not self.shared:
            return
        task = self._task
        if task is None or task.done():
            self._task = asyncio.get_running_loop().create_task(self._flush_every(), name="gateway-metrics")

    async def _flush_every(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            try:
                self.flush()
            except Exception:  # a failed write must not stop the next ones
                log.exception("writing metrics to PROMETHEUS_MULTIPROC_DIR failed")

    def flush(self) -> None:
        """Write this process's totals to its files now (multi-process mode; one application per process)."""
        global _writer
        if _writer is None:
            _writer = self
        if _writer is not self:
            return
        if self._files is None:
            self._files = SharedFiles()
        self._files.write(self.collector.collect())

    async def stop(self) -> None:
        """Last write, and this worker's gauge files removed (a stopped worker has nothing alive)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.shared and _writer is self:
            self.flush()
            mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def metrics_enabled_from_env(default: bool = True) -> bool:
    """``GATEWAY_METRICS=0`` (or ``false``, ``off``, ``no``) turns metrics off; ``1``/``true``/``on``/``yes`` on."""
    raw = os.environ.get("GATEWAY_METRICS", "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "on", "yes"):
        return True
    if raw in ("0", "false", "off", "no"):
        return False
    raise ValueError(f"GATEWAY_METRICS={raw!r}: use 1/true/on/yes or 0/false/off/no")


def metrics_uri(path: str) -> str:
    """The request URI (relative, as the router sees it) of the metrics path ``/metrics``; a path that an
    object URI or the index could use is refused, so the scrape never hides an object and no object hides it."""
    uri = path.strip().lstrip("/")
    if not path.startswith("/") or not uri or uri.endswith((".rem", ".soap")) or any(c in uri for c in "?#"):
        raise ValueError(
            f"metrics_path {path!r} must start with '/', name something, have no query, and not end in "
            ".rem or .soap (those are object URIs)"
        )
    return uri
