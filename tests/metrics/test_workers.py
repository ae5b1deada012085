"""Multi-process mode: two real uvicorn workers, one scrape that adds up what both served.

With ``PROMETHEUS_MULTIPROC_DIR`` set, each worker writes its totals to its own files there (within a
second of a call, and before it answers a scrape), and whichever worker answers ``/metrics`` reads all of
them. Calls go over fresh connections so that both workers serve some (each call reports the pid that
served it); the scraped totals must equal the calls made, whichever worker is asked.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from gateway import RemotingClient

from ..support.probe import IProbe
from ..support.server import live_server
from .scrape import Scrape


def test_scraped_totals_add_up_across_two_workers(tmp_path: Path) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    with live_server("tests.support.probe:app", env=env, args=("--workers", "2")) as url:
        served_by: dict[int, int] = {}
        calls = 0
        # until both workers answered (the server listens once its first worker does; on a loaded machine the
        # second may still be importing for hundreds of calls), within a deadline, not a number of calls
        deadline = time.monotonic() + 60
        while (len(served_by) < 2 or calls < 10) and time.monotonic() < deadline:
            with RemotingClient() as client:  # a new client: a new connection, either worker may take it
                pid = client.get_object(IProbe, url + "Probe.soap").Pid()
            served_by[pid] = served_by.get(pid, 0) + 1
            calls += 1
        assert len(served_by) == 2, f"one worker served all {calls} calls: {served_by}"

        labels = {"uri": "Probe.soap", "method": "Pid", "formatter": "soap"}
        deadline = time.monotonic() + 10
        while True:
            scrape = Scrape(httpx.get(url + "metrics", timeout=5).text)  # a new connection each time
            if scrape.value("gateway_calls_total", **labels, outcome="ok") == calls or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert scrape.value("gateway_calls_total", **labels, outcome="ok") == calls, served_by
        assert scrape.value("gateway_call_duration_seconds_count", **labels) == calls
        assert scrape.value("gateway_call_duration_seconds_bucket", **labels, le="+Inf") == calls
        assert (scrape.value("gateway_request_size_bytes_sum", **labels) or 0) > 100 * calls
        # gauges are summed over the live workers: each ran Pid (a sync method) on a worker thread of its own
        assert (scrape.value("gateway_worker_threads") or 0) >= 2
        assert scrape.value("gateway_live_objects", kind="client_activated") == 0
        assert scrape.value("gateway_lease_sweep_seconds") is not None  # the slowest worker's (livemax)
    counter_files = sorted(p.name for p in tmp_path.glob("counter_*.db"))
    assert len(counter_files) == 2, counter_files
    assert not list(tmp_path.glob("gauge_livesum_*.db")), "a stopped worker leaves no live gauges behind"
