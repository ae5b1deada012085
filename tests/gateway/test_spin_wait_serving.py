"""The spin-wait, served by a real uvicorn: after a reply over HTTP or over the TCP channel the app's event
loop polls for the caller's next request and then sleeps again by itself; it stops polling while a plain
method runs on a worker thread (which needs the GIL and, on one core, the CPU); ``spin_wait_us=0`` turns it
off. Nothing here depends on timing: the windows are either far longer than the test or zero."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest

from examples.remoting_samples import LIFETIME, IHello, register
from gateway import MarshalByRefObject, RemotingApp, RemotingClient, WellKnownObjectMode
from gateway.model.spin_wait import SpinWait
from soap import clr_type
from tests.support.server import serve_in_thread


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


def samples_app(spin_wait_us: int) -> RemotingApp:
    """The samples over HTTP and TCP, every TCP connection on the event loop (``threads=False``: a thread per
    connection polls on its own thread, tests/tcp/test_threads.py)."""
    return register(RemotingApp(lifetime=LIFETIME, formatters=("soap", "binary"), tcp_port=0,
                                tcp_options={"threads": False}, spin_wait_us=spin_wait_us))  # fmt: skip


@pytest.mark.parametrize("spin_wait_us", [100_000, 0])
@pytest.mark.parametrize("channel", ["http", "tcp"])
def test_after_replies_the_loop_polls_for_the_next_request_then_sleeps_again(channel: str, spin_wait_us: int) -> None:
    app = samples_app(spin_wait_us)
    with serve_in_thread(app) as http_url, RemotingClient(formatter="binary") as client:
        assert app.tcp is not None
        base = http_url.rstrip("/") + "/" if channel == "http" else app.tcp.url + "/"
        hello = client.get_object(IHello, base + "SayHello.rem")
        for n in range(3):
            assert hello.HelloMethod(f"caller {n}") == f"Hi there caller {n}"
        spin: SpinWait = app.spin_wait
        wait_for(lambda: not spin.spinning, "the loop kept polling long after the last reply")
        assert (spin.steps > 0) == bool(spin_wait_us)
        polled = spin.steps
        # what an operator sees: the turns spent polling, as a counter read when scraped (the last reply's
        # polling may still be starting as the client returns: the count read lies between the two reads)
        scrape = httpx.get(http_url.rstrip("/") + "/metrics", timeout=10).text
        (line,) = [x for x in scrape.splitlines() if x.startswith("gateway_spin_wait_polls_total ")]
        assert polled <= float(line.split()[1]) <= spin.steps
        assert (float(line.split()[1]) > 0) == bool(spin_wait_us)


@clr_type("SpinTests.IGate", "SpinTests")
class IGate:
    def Pass(self) -> str:
        raise NotImplementedError


class Gate(MarshalByRefObject, IGate):
    """A plain method that waits until the test opens the gate (it runs on a worker thread)."""

    entered = threading.Event()
    opened = threading.Event()

    def Pass(self) -> str:
        Gate.entered.set()
        Gate.opened.wait(30)
        return "passed"


def test_no_polling_while_a_plain_method_runs_on_a_worker_thread() -> None:
    app = samples_app(600_000_000)  # ten minutes: only a running method stops the polling within the test
    app.register_well_known(Gate, "Gate.rem", WellKnownObjectMode.SingleCall)
    Gate.entered.clear()
    Gate.opened.clear()
    with serve_in_thread(app) as http_url, RemotingClient(formatter="binary") as client:
        base = http_url.rstrip("/") + "/"
        assert client.get_object(IHello, base + "SayHello.rem").HelloMethod("first") == "Hi there first"
        wait_for(lambda: app.spin_wait.spinning, "the reply did not start the window")  # of ten minutes
        answers: list[str] = []
        caller = threading.Thread(target=lambda: answers.append(client.get_object(IGate, base + "Gate.rem").Pass()))
        caller.start()
        try:
            assert Gate.entered.wait(30)
            wait_for(lambda: not app.spin_wait.spinning, "the loop kept polling while a worker ran a method")
        finally:
            Gate.opened.set()
            caller.join(30)
        assert answers == ["passed"]
        wait_for(lambda: app.spin_wait.spinning, "the method's reply did not start polling again")


def test_a_negative_window_is_refused() -> None:
    with pytest.raises(ValueError, match="spin_wait_us must be 0 or more, not -1"):
        RemotingApp(spin_wait_us=-1)


def test_an_app_built_in_code_takes_the_window_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What an operator sets for ``remoting-gateway serve MODULE:APP`` (``GATEWAY_SPIN_WAIT_US=0``: off); a
    window in code wins; a bad value is a clear error."""
    monkeypatch.setenv("GATEWAY_SPIN_WAIT_US", "")
    assert RemotingApp().spin_wait.window == 100e-6
    monkeypatch.setenv("GATEWAY_SPIN_WAIT_US", "0")
    assert RemotingApp().spin_wait.window == 0.0
    assert RemotingApp(spin_wait_us=50).spin_wait.window == 50e-6
    monkeypatch.setenv("GATEWAY_SPIN_WAIT_US", "soon")
    with pytest.raises(ValueError) as info:
        RemotingApp()
    assert str(info.value) == ("environment variable GATEWAY_SPIN_WAIT_US: must be microseconds, 0-100000 "
                               "(0: off), not 'soon'")
    monkeypatch.setenv("GATEWAY_SPIN_WAIT_US", "²")  # a digit to str.isdigit, not to int: the same clear error
    with pytest.raises(ValueError, match="must be microseconds, 0-100000 \\(0: off\\), not '²'"):
        RemotingApp()
