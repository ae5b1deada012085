"""Multi-process mode: one worker's totals written where prometheus_client's multi-process collector reads.

Under ``uvicorn --workers N`` or gunicorn every worker counts its own calls. With ``PROMETHEUS_MULTIPROC_DIR``
set (before prometheus_client is imported), prometheus_client keeps each process's values in files of its
own in that directory and its ``MultiProcessCollector`` adds them up at scrape time. The gateway counts in
plain ints (see :mod:`gateway.server.metrics`), so :class:`SharedFiles` copies a worker's totals into its
files now and then; whichever worker answers a scrape then shows every worker's totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import values as prometheus_values
from prometheus_client.metrics_core import Metric


def multiprocess_mode() -> bool:
    """prometheus_client writes its values to per-process files (``PROMETHEUS_MULTIPROC_DIR`` was set)."""
    return bool(getattr(prometheus_values.ValueClass, "_multiprocess", False))


#: How the workers' values of a gauge combine (default: summed over the live workers).
_GAUGE_MODES = {"gateway_lease_sweep_seconds": "livemax"}


class SharedFiles:
    """Writes one process's totals into prometheus_client's per-process files (multi-process mode).

    Each sample is *set* to this process's total (not incremented), so writing again is harmless; only
    values that changed since the last write are written. Histogram buckets are written per bucket (the
    collector reading the files adds them up and makes them cumulative), gauges as ``livesum`` (summed
    over the workers alive; the slowest sweep for the sweep time; a worker removes its gauge files when it
    stops).
    """

    def __init__(self) -> None:
        self._values: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}
        self._written: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}

    def write(self, families: Iterable[Metric]) -> None:
        for family in families:
            mode = _GAUGE_MODES.get(family.name, "livesum") if family.type == "gauge" else ""
            for name, labels, value in _file_samples(family):
                key = (name, tuple(labels.items()))
                if self._written.get(key) == value:
                    continue
                target = self._values.get(key)
                if target is None:
                    target = self._values[key] = prometheus_values.ValueClass(
                        family.type, family.name, name, tuple(labels), tuple(labels.values()), family.documentation,
                        multiprocess_mode=mode,
                    )
                target.set(value)
                self._written[key] = value


def _file_samples(family: Metric) -> Iterator[tuple[str, dict[str, str], float]]:
    """The samples of ``family`` as prometheus_client's files hold them (histogram buckets not cumulative,
    no ``_count``: the reader derives it)."""
    if family.type != "histogram":
        for sample in family.samples:
            yield sample.name, sample.labels, sample.value
        return
    previous: dict[tuple[tuple[str, str], ...], float] = {}
    for sample in family.samples:
        if sample.name.endswith("_bucket"):
            series = tuple((k, v) for k, v in sample.labels.items() if k != "le")
            yield sample.name, sample.labels, sample.value - previous.get(series, 0.0)
            previous[series] = sample.value
        elif sample.name.endswith("_sum"):
            yield sample.name, sample.labels, sample.value
