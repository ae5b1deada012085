"""Client benchmark: how many ``IHello.HelloMethod("Alice")`` calls per second the Python client makes.

The server is ``benchmarks/fixed_response_app.py`` (a bare ASGI app that answers every request with the
canned Mono response) under uvicorn, pinned to core 0. This process pins itself to core 1 and measures, for
``--duration`` seconds each after a short warm-up:

  (1) hand-sync     a hand-written ``httpx.Client`` loop: build the request with lxml, POST, parse the
                    response with lxml, take the return text
  (2) proxy-sync    ``RemotingClient().get_object(IHello, url).HelloMethod("Alice")``
  (3) hand-async16  the hand-written loop on ``httpx.AsyncClient``, 16 calls in flight
  (4) proxy-async16 ``AsyncRemotingClient`` proxy, 16 calls in flight (16 tasks, asyncio.gather)

Targets: proxy-sync / hand-sync >= 0.8 and proxy-async16 / hand-sync >= 1.0; proxy-async16 / hand-async16 is
printed for information. Every call's result is checked. Everything is on 127.0.0.1.

  .venv/bin/python benchmarks/bench_client.py                  # 5 s per measurement
  .venv/bin/python benchmarks/bench_client.py --rounds 3 --check
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
from _harness import (
    CLIENT_CORE,
    CONTENT_TYPE,
    EXPECT,
    HELLO_PATH,
    HELLO_SOAP,
    RESPONSE_BODY,
    SOAP_ACTION,
    Ratio,
    Table,
    add_run_options,
    call_once,
    check_ratios,
    cpu_seconds,
    free_port,
    lower_median,
    machine_busy_seconds,
    noise_note,
    pinned_to,
    preflight,
    progress,
    rounds_note,
    running,
    settle,
    spread,
    uvicorn_command,
    wait_ready,
)
from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
IHELLO_NS = "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared"
ENVELOPE_NSMAP = {"xsi": XSI, "xsd": XSD, "SOAP-ENC": SOAP_ENC, "SOAP-ENV": SOAP_ENV}
HEADERS = {"Content-Type": CONTENT_TYPE, "SOAPAction": SOAP_ACTION}
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
IN_FLIGHT = 16
LoopFactory = Callable[[], asyncio.AbstractEventLoop] | None

RATIOS = (
    Ratio("proxy-sync", "hand-sync", 0.8, label="proxy-sync / hand-sync"),
    Ratio("proxy-async16", "hand-sync", 1.0, label="proxy-async16 / hand-sync"),
    Ratio("proxy-async16", "hand-async16", label="proxy-async16 / hand-async16"),
)


class HelloProxy(Protocol):
    def HelloMethod(self, name: str) -> str: ...


class AsyncHelloProxy(Protocol):
    def HelloMethod(self, name: str) -> Awaitable[str]: ...


# ---- the hand-written client: the least a Python SOAP client must do --------------------------------------


def build_request(name: str) -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=ENVELOPE_NSMAP)
    envelope.set(f"{{{SOAP_ENV}}}encodingStyle", SOAP_ENC)
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    method = etree.SubElement(body, f"{{{IHELLO_NS}}}HelloMethod", nsmap={"i2": IHELLO_NS})
    method.set("id", "ref-1")
    param = etree.SubElement(method, "name")
    param.set("id", "ref-2")
    param.set(f"{{{XSI}}}type", "SOAP-ENC:string")
    param.text = name
    return etree.tostring(envelope)


def parse_return(content: bytes) -> str:
    root = etree.fromstring(content, PARSER)
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise ValueError("no SOAP Body in the response")
    response = next(el for el in body if isinstance(el.tag, str))
    ret = response.find("return")
    if ret is None or ret.text is None:
        raise ValueError("no return value in the response")
    return ret.text


def check(result: str) -> None:
    if result != EXPECT:
        raise AssertionError(f"unexpected result {result!r}")


# ---- measurements ------------------------------------------------------------------------------------------


@dataclass
class Measurement:
    name: str
    calls: int = 0
    seconds: float = 0.0
    client_cpu: float = 0.0  # this process' CPU time / wall time (1.0 = one core)
    server_cpu: float = 0.0
    other_cpu: float = 0.0  # CPU used by anything but this process and the server meanwhile: noise
    failure: str = ""

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0


@dataclass
class Bench:
    url: str
    server_pid: int
    duration: float
    warmup: float
    results: dict[str, list[Measurement]] = field(default_factory=dict)

    def timed(self, name: str, run: Callable[[float], int]) -> Measurement:
        """``run(deadline)`` calls until ``time.perf_counter()`` passes the deadline; returns how many."""
        m = Measurement(name)
        try:
            run(time.perf_counter() + self.warmup)
            s0, c0, b0 = cpu_seconds(self.server_pid), time.process_time(), machine_busy_seconds()
            t0 = time.perf_counter()
            m.calls = run(t0 + self.duration)
            m.seconds = time.perf_counter() - t0
            client, busy = time.process_time() - c0, machine_busy_seconds() - b0
            server = cpu_seconds(self.server_pid) - s0
            m.client_cpu, m.server_cpu = client / m.seconds, server / m.seconds
            m.other_cpu = max(0.0, busy - client - server) / m.seconds
        except Exception as exc:  # a broken variant is reported, the others still run
            m.failure = f"{type(exc).__name__}: {exc}"
        self.results.setdefault(name, []).append(m)
        return m


def hand_sync(url: str) -> Callable[[float], int]:
    def run(deadline: float) -> int:
        n = 0
        with httpx.Client() as client:
            while time.perf_counter() < deadline:
                response = client.post(url, content=build_request("Alice"), headers=HEADERS)
                response.raise_for_status()
                check(parse_return(response.content))
                n += 1
        return n

    return run


def ihello() -> type:
    """The ``IHello`` contract of the examples (imported late: the gateway may not exist yet)."""
    from examples.remoting_samples import IHello

    contract: type = IHello
    return contract


def proxy_sync(url: str) -> Callable[[float], int]:
    from gateway import RemotingClient

    contract = ihello()

    def run(deadline: float) -> int:
        n = 0
        with RemotingClient() as client:
            proxy: HelloProxy = client.get_object(contract, url)
            while time.perf_counter() < deadline:
                check(proxy.HelloMethod("Alice"))
                n += 1
        return n

    return run


async def in_flight(call: Callable[[], Awaitable[str]], deadline: float) -> int:
    async def worker() -> int:
        n = 0
        while time.perf_counter() < deadline:
            check(await call())
            n += 1
        return n

    return sum(await asyncio.gather(*(worker() for _ in range(IN_FLIGHT))))


def run_async(loop_factory: LoopFactory, coro: Coroutine[Any, Any, int]) -> int:
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(coro)


def hand_async(url: str, loop_factory: LoopFactory) -> Callable[[float], int]:
    async def session(deadline: float) -> int:
        limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
        async with httpx.AsyncClient(limits=limits) as client:

            async def call() -> str:
                response = await client.post(url, content=build_request("Alice"), headers=HEADERS)
                response.raise_for_status()
                return parse_return(response.content)

            return await in_flight(call, deadline)

    return lambda deadline: run_async(loop_factory, session(deadline))


def proxy_async(url: str, loop_factory: LoopFactory) -> Callable[[float], int]:
    from gateway import AsyncRemotingClient

    contract = ihello()

    async def session(deadline: float) -> int:
        async with AsyncRemotingClient() as client:
            proxy: AsyncHelloProxy = client.get_object(contract, url)
            return await in_flight(lambda: proxy.HelloMethod("Alice"), deadline)

    return lambda deadline: run_async(loop_factory, session(deadline))


# ---- report ------------------------------------------------------------------------------------------------


def report(bench: Bench, rounds: int) -> bool:
    print(
        f"\nHelloMethod client calls/s, {bench.duration:g} s per measurement{rounds_note(rounds)}; "
        f"fixed-response uvicorn on core 0, client on core {CLIENT_CORE}"
    )
    table = Table("client", ("calls/s", 9), ("client CPU", 11), ("server CPU", 11), ("other CPU", 10), width=15)
    table.header()
    for name, ms in bench.results.items():
        m = lower_median(ms)
        if m.failure:
            table.failed(name, m.failure)
            continue
        table.row(
            name, f"{m.rate:.0f}", f"{m.client_cpu * 100:.0f}%", f"{m.server_cpu * 100:.0f}%",
            f"{m.other_cpu * 100:.0f}%", tail=spread([x.rate for x in ms if not x.failure]),
        )  # fmt: skip
    noise_note(m.other_cpu for ms in bench.results.values() for m in ms if not m.failure)
    print()
    return check_ratios(RATIOS, bench.results)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_options(p, duration=5.0, warmup=1.0, what="client loop")
    p.add_argument("--uvloop", action="store_true", help="run the async clients on uvloop (default: asyncio)")
    p.add_argument("--only", default="", help="comma-separated subset of the client names")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = preflight(("taskset",))
    if problem:
        print(problem, file=sys.stderr)
        return 2
    loop_factory: LoopFactory = None
    if args.uvloop:
        import uvloop

        loop_factory = uvloop.new_event_loop

    port = free_port()
    url = f"http://127.0.0.1:{port}{HELLO_PATH}"
    makers: dict[str, Callable[[], Callable[[float], int]]] = {
        "hand-sync": lambda: hand_sync(url),
        "proxy-sync": lambda: proxy_sync(url),
        "hand-async16": lambda: hand_async(url, loop_factory),
        "proxy-async16": lambda: proxy_async(url, loop_factory),
    }
    only = [n.strip() for n in args.only.split(",") if n.strip()] or list(makers)
    unknown = set(only) - set(makers)
    if unknown:
        print(f"unknown client names: {', '.join(sorted(unknown))}; known: {', '.join(makers)}", file=sys.stderr)
        return 2

    with (
        tempfile.TemporaryDirectory(prefix="bench-client-") as tmp,
        running(uvicorn_command("benchmarks.fixed_response_app:app", port), Path(tmp) / "server.log") as proc,
        pinned_to(CLIENT_CORE),
    ):
        reason = wait_ready(proc, Path(tmp) / "server.log", lambda: probe(port))
        if reason:
            print(f"fixed-response server did not start: {reason}", file=sys.stderr)
            return 1
        bench = Bench(url, proc.pid, args.duration, args.warmup)
        for n in range(args.rounds):
            for name in only:
                try:
                    run = makers[name]()
                except ImportError as exc:  # the gateway is not there (yet)
                    bench.results.setdefault(name, []).append(Measurement(name, failure=f"ImportError: {exc}"))
                    continue
                settle(args.quiet_wait)
                m = bench.timed(name, run)
                progress(n, args.rounds, name, m.failure or f"{m.rate:.0f} calls/s, other CPU {m.other_cpu:.0%}")
        all_met = report(bench, args.rounds)
    failed = any(m.failure for ms in bench.results.values() for m in ms)
    return 1 if args.check and (failed or not all_met) else 0


def probe(port: int) -> str:
    """One call: '' if the server answers with the canned response. Raises OSError until it is up."""
    body, reason = call_once(port, HELLO_SOAP)
    return reason or ("" if body == RESPONSE_BODY else f"unexpected answer: {body[:200]!r}")


if __name__ == "__main__":
    sys.exit(main())
