"""Formatter benchmark: each formatter alone, in this process -- no HTTP, no uvicorn, no wrk.

The server benchmarks measure a formatter together with uvicorn, the ASGI app and the dispatcher; this one
shows what the formatter itself costs, so a change to ``soap`` can be judged without a load generator and its
noise. It follows h11's ``bench/``: a tight loop timed with ``time.perf_counter_ns``, several rounds, the
median reported as operations per second and microseconds per operation.

For ``IHello.HelloMethod("Alice")`` (``InteropService.hello`` for document/literal), through ``soap``'s public
API only, as the gateway calls it:

  server  what ``gateway/_formatter_sink.py`` does around the dispatch: ``read_call(body, content_type)``,
          ``decode_arguments(types, names)``, then ``write_return(call, MethodReturn(...))``
  client  what ``gateway/_channel.py`` does around the HTTP exchange: write the call, read the response

in three dialects:

  remoting  .NET Remoting SOAP (rpc/encoded), ``soap.SoapFormatter`` / ``soap.RemotingSoapFormatter``: Mono's
            captured request (``hello_request.xml``) and response (``hello_response.xml``)
  literal   document/literal SOAP 1.1, ``soap.SoapFormatter`` / ``write_literal_call`` +
            ``read_literal_response``: zeep's request for ``hello`` (``_harness.HELLO_LITERAL``) and the
            gateway's own response to it
  binary    MS-NRBF, ``soap.BinaryFormatter``: Mono's captured request and response
            (``tests/fixtures/mono_binary/001_HelloMethod.*``, the bodies of
            ``../shared/peers/mono/captures/binary/raw/001_HelloMethod.*``)

The remoting server row reads the request from the template of the first one and writes the answer from
the template of the first answer (soap/_request_templates.py, soap/_response_templates.py), as the gateway
does for every call of a shape it has read before; ``remoting SOAP, full parser`` is the same case with the
templates off (``SoapFormatter(templates=False)``), the cost of a call of a new shape.

Two more rows time a call that carries a logical call context (``remoting``/``binary`` ``+ call context``):
Mono's captured ``Traced("t")`` with a ``TraceTag`` in slot ``trace``
(``tests/fixtures/mono_callmodel/context.request.*``), answered with the context changed, as the dispatcher
does; the table shows each against its dialect's plain server case read by the full parser, as a call with
a context is (the target is at most 1.3x).

Before timing, every case is checked once: a server answer must hold ``Hi there Alice`` (binary: Mono's
response, byte for byte), a client must read ``Hi there Alice`` and write a call the server side reads back
as ``["Alice"]`` (binary: Mono's request, byte for byte). The process pins itself to core 0.

  .venv/bin/python benchmarks/bench_formatters.py                        # 5 rounds of 0.3 s per case, ~12 s
  .venv/bin/python benchmarks/bench_formatters.py --rounds 9 --seconds 1
  .venv/bin/python benchmarks/bench_formatters.py --check                # exit 1 below the sanity floor
  .venv/bin/python benchmarks/bench_formatters.py --large                # + a 1.4 MB request, LF vs CRLF/raw CR
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from _harness import (
    EXPECT,
    HELLO_BINARY,
    HELLO_LITERAL,
    HELLO_SOAP,
    RESPONSE_BODY,
    ROOT,
    SERVER_CORE,
    Table,
    machine_busy_seconds,
    noise_note,
    pinned_to,
    rounds_note,
    settle,
    spread,
)

from soap import (
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    SOAP11,
    BinaryFormatter,
    Fault,
    IncomingCall,
    MethodCall,
    MethodReturn,
    RemotingSoapFormatter,
    SoapDecodeError,
    SoapError,
    SoapFormatter,
    TypeRegistry,
    WireType,
    parse_xml,
    read_literal_response,
    serializable,
    wire_type,
    write_literal_call,
)

#: --check fails a case below this many operations per second: a sanity floor (1 ms per operation), far
#: below what any formatter does here, that only catches something pathological (an accidental quadratic
#: walk, a parser rebuilt per call), not a slow machine.
FLOOR_OPS = 1_000.0

BINARY_RESPONSE = ROOT / "tests" / "fixtures" / "mono_binary" / "001_HelloMethod.response.bin"
IHELLO_NAMESPACE = "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared"
IHELLO_TYPE = "RemotingPeer.IHello, PeerShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"
INTEROP_NAMESPACE = "urn:interop"
NAME = "Alice"
NAMES = ["name"]
STRING = wire_type(str)
OPTIONAL_STRING = wire_type(str | None)  # InteropService.hello(name: str | None)
CONTEXT_FIXTURES = ROOT / "tests" / "fixtures" / "mono_callmodel"


#: the call context cases' own registry (the default one may hold examples.call_model's TraceTag, same CLR name)
CONTEXT_REGISTRY = TypeRegistry(DEFAULT_REGISTRY)


@serializable("CallModel.TraceTag", assembly="CallModelShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null",
              registry=CONTEXT_REGISTRY)
@dataclass
class TraceTag:
    """The call context's value in the captures (``examples.call_model.TraceTag`` without the gateway)."""

    Id: str | None = None
    Hops: int = 0


class ServerFormatter(Protocol):
    """What the server side needs of a formatter (as ``gateway.server.formatters.ServerFormatter``)."""

    def read_call(self, body: bytes, content_type: str = "") -> IncomingCall: ...

    def write_return(self, call: IncomingCall, ret: MethodReturn) -> tuple[bytes, str]: ...


@dataclass(frozen=True)
class Dialect:
    """One wire format, both sides: the server's read-and-answer and the client's write-and-read, plus how the
    server side reads a call (to check what the client writes)."""

    name: str
    server: Callable[[], tuple[bytes, str]]  # read the request, decode the arguments, write the return
    client: Callable[[], tuple[bytes, MethodReturn | Fault]]  # write the call, read the response
    read_args: Callable[[bytes], list[object]]  # the server side's reading of a request's arguments
    exact_request: bytes | None = None  # what the client must write, byte for byte, if known
    exact_response: bytes | None = None  # what the server must answer, byte for byte, if known


def serve(formatter: ServerFormatter, body: bytes, content_type: str, types: list[WireType]) -> tuple[bytes, str]:
    """The server's part of a call around the dispatch; the method is ``"Hi there " + name``."""
    call = formatter.read_call(body, content_type)
    (name,) = call.decode_arguments(types, NAMES)
    return formatter.write_return(call, MethodReturn(call.method_name, call.namespace, f"Hi there {name}", STRING))


def read_args(formatter: ServerFormatter, content_type: str, types: list[WireType]) -> Callable[[bytes], list[object]]:
    return lambda body: formatter.read_call(body, content_type).decode_arguments(types, NAMES)


def remoting(templates: bool = True) -> Dialect:
    """``templates=False``: the full parser and writer every time (soap/_request_templates.py is off)."""
    server, client = SoapFormatter(templates=templates), RemotingSoapFormatter()
    request, content_type = HELLO_SOAP.body, HELLO_SOAP.headers["Content-Type"]
    call = MethodCall("HelloMethod", IHELLO_NAMESPACE, [NAME], NAMES, [STRING])

    def client_side() -> tuple[bytes, MethodReturn | Fault]:
        return client.write_call(call), client.read_response(RESPONSE_BODY, "HelloMethod", STRING)

    name = "remoting SOAP" if templates else "remoting SOAP, full parser"
    return Dialect(name, lambda: serve(server, request, content_type, [STRING]), client_side,
                   read_args(server, content_type, [STRING]))  # fmt: skip


def literal() -> Dialect:
    server = SoapFormatter()
    request, content_type = HELLO_LITERAL.body, HELLO_LITERAL.headers["Content-Type"]
    try:  # the gateway's own answer is what the client reads
        response, _ = serve(server, request, content_type, [OPTIONAL_STRING])
    except SoapError:
        response = b""  # the server case reports why; the client case fails on the empty answer
    call = MethodCall("hello", INTEROP_NAMESPACE, [NAME], NAMES, [OPTIONAL_STRING])

    def client_side() -> tuple[bytes, MethodReturn | Fault]:
        written = write_literal_call(call, SOAP11, DEFAULT_REGISTRY)
        root = parse_xml(response, DEFAULT_LIMITS)
        body = next((c for c in root if isinstance(c.tag, str) and c.tag.endswith("}Body")), None)
        if body is None:
            raise SoapDecodeError("SOAP envelope has no Body")
        return written, read_literal_response(body, SOAP11, "hello", STRING, DEFAULT_REGISTRY, DEFAULT_LIMITS)

    return Dialect("literal SOAP 1.1", lambda: serve(server, request, content_type, [OPTIONAL_STRING]),
                   client_side, read_args(server, content_type, [OPTIONAL_STRING]))  # fmt: skip


def binary(templates: bool = True) -> Dialect:
    """``templates=False``: the full reader and writer every time (soap/_nrbf_request_templates.py is off)."""
    formatter = BinaryFormatter(templates=templates)
    request, content_type = HELLO_BINARY.body, HELLO_BINARY.headers["Content-Type"]
    response = BINARY_RESPONSE.read_bytes()

    def client_side() -> tuple[bytes, MethodReturn | Fault]:
        written = formatter.write_call("HelloMethod", IHELLO_TYPE, [NAME], [STRING])
        return written, formatter.read_response(response, "HelloMethod", STRING)

    name = "binary MS-NRBF" if templates else "binary MS-NRBF, full parser"
    return Dialect(name, lambda: serve(formatter, request, content_type, [STRING]), client_side,
                   read_args(formatter, content_type, [STRING]), exact_request=request,
                   exact_response=response)  # fmt: skip


def serve_with_context(formatter: ServerFormatter, body: bytes, content_type: str) -> tuple[bytes, str]:
    """A call with a call context: arguments and context decoded, the answer carries the context changed."""
    call = formatter.read_call(body, content_type)
    (text,) = call.decode_arguments([STRING], ["text"])
    context = call.call_context() or {}
    tag = context["trace"]
    assert isinstance(tag, TraceTag)
    ret = MethodReturn(call.method_name, call.namespace, f"Hi there {text}", STRING,
                       call_context={**context, "trace": TraceTag(tag.Id, tag.Hops + 1)})
    return formatter.write_return(call, ret)


def context_cases() -> list[Case]:
    """The server side of Mono's ``Traced("t")`` with a call context, in both formatters that carry one."""
    rows = []
    for label, formatter, name, content_type in (
        ("remoting SOAP + call context, server", SoapFormatter(CONTEXT_REGISTRY), "context.request.xml",
         'text/xml; charset="utf-8"'),
        ("binary MS-NRBF + call context, server", BinaryFormatter(CONTEXT_REGISTRY), "context.request.bin",
         "application/octet-stream"),
    ):
        body = (CONTEXT_FIXTURES / name).read_bytes()
        op = partial(serve_with_context, formatter, body, content_type)

        def check(op: Callable[[], tuple[bytes, str]] = op) -> str:
            answer, _ = op()
            return "" if b"Hi there t" in answer and b"TraceTag" in answer else f"bad answer {answer[:200]!r}"

        rows.append(Case(label, op, check, []))
    return rows


def check_server(d: Dialect) -> str:
    """'' if the server side answers right, else what is wrong."""
    body, _ = d.server()
    if d.exact_response is not None and body != d.exact_response:
        return f"answer differs from the captured one: {body!r}"
    return "" if EXPECT.encode() in body else f"answer lacks {EXPECT!r}: {body[:200]!r}"


def check_client(d: Dialect) -> str:
    """'' if the client side writes a call the server reads as ``["Alice"]`` and reads the right result."""
    written, result = d.client()
    if d.exact_request is not None and written != d.exact_request:
        return f"call differs from the captured one: {written!r}"
    args = d.read_args(written)
    if args != [NAME]:
        return f"the server side reads the written call as {args!r}"
    if not isinstance(result, MethodReturn) or result.value != EXPECT:
        return f"read {result!r}"
    return ""


@dataclass
class Case:
    """One row: an operation, its check, and the rate of each round."""

    label: str
    op: Callable[[], object]
    check: Callable[[], str]
    rates: list[float]
    other_cpu: float = 0.0  # the most any other process used meanwhile, in cores (noise)
    failure: str = ""

    @property
    def rate(self) -> float:
        ok = [r for r in self.rates if r > 0]
        return statistics.median(ok) if ok else 0.0


def loop_ns(op: Callable[[], object], n: int) -> int:
    """Nanoseconds ``n`` back-to-back calls of ``op`` take: the loop is all there is to time."""
    t0 = time.perf_counter_ns()
    for _ in range(n):
        op()
    return time.perf_counter_ns() - t0


def loops_for(op: Callable[[], object], seconds: float) -> int:
    """How many calls take about ``seconds`` (doubling until a run lasts 20 ms, then scaling), as timeit's
    autorange: long enough that the clock's resolution and the loop's own overhead do not matter."""
    n = 1
    while True:
        elapsed = loop_ns(op, n)
        if elapsed >= 20_000_000:
            return max(1, round(n * seconds * 1e9 / elapsed))
        n *= 2


def measure(case: Case, rounds: int, seconds: float) -> None:
    """Check the case once, then time ``rounds`` rounds; the other CPU is what the rest of the machine used."""
    try:
        case.failure = case.check()
        if case.failure:
            return
        n = loops_for(case.op, seconds)
        for _ in range(rounds):
            gc.collect()  # a round does not pay for the garbage of the one before
            busy0, cpu0 = machine_busy_seconds(), time.process_time()
            elapsed = loop_ns(case.op, n)
            busy, cpu = machine_busy_seconds() - busy0, time.process_time() - cpu0
            case.rates.append(n * 1e9 / elapsed)
            case.other_cpu = max(case.other_cpu, max(0.0, busy - cpu) / (elapsed / 1e9))
    except Exception as exc:  # a broken formatter is reported, the others still run
        case.failure = f"{type(exc).__name__}: {exc}"


def cases() -> list[Case]:
    rows = []
    for d in (remoting(), literal(), binary()):
        rows.append(Case(f"{d.name}, server", d.server, partial(check_server, d), []))
        rows.append(Case(f"{d.name}, client", d.client, partial(check_client, d), []))
    full = remoting(templates=False)
    rows.insert(1, Case(f"{full.name}, server", full.server, partial(check_server, full), []))
    full = binary(templates=False)  # (after the templated binary server row)
    at = next(i for i, row in enumerate(rows) if row.label == "binary MS-NRBF, server") + 1
    rows.insert(at, Case(f"{full.name}, server", full.server, partial(check_server, full), []))
    return rows + context_cases()


#: --large: one Remoting SOAP request of LARGE_ITEMS strings, written as each peer writes it.
LARGE_ITEMS = 20_000
LARGE_TEXT = "first line of a value\r\nsecond line"
LIST_OF_STRINGS = [wire_type(list[str])]


def large_request(indent: str, text: str) -> bytes:
    """A call with one ``string[]`` argument: Mono on Linux indents with LF, .NET on Windows with CRLF, and
    both write CR raw inside values (our writer escapes it; the raw form is the one to measure)."""
    call = MethodCall("Take", IHELLO_NAMESPACE, [[f"{text} {i}" for i in range(LARGE_ITEMS)]], ["items"],
                      LIST_OF_STRINGS)  # fmt: skip
    body = RemotingSoapFormatter().write_call(call).replace(b"&#xD;", b"\r")
    return body.replace(b">\n", b">" + indent.encode())  # the line ends between elements


def large_cases() -> list[Case]:
    """Reading a large message (read_call + decode_arguments): what keeping raw CRs costs (soap/_eol.py)."""
    server = SoapFormatter()
    rows = []
    for label, indent, text in (
        ("LF indentation, no CR (Mono on Linux)", "\n", LARGE_TEXT.replace("\r", "")),
        ("CRLF indentation, no CR in values", "\r\n", LARGE_TEXT.replace("\r", "")),
        ("LF indentation, CRLF in every value", "\n", LARGE_TEXT),
        ("CRLF indentation, CRLF in every value", "\r\n", LARGE_TEXT),
    ):
        body = large_request(indent, text)
        expected = [f"{text} {i}" for i in range(LARGE_ITEMS)]

        def op(body: bytes = body) -> object:
            return server.read_call(body, "text/xml").decode_arguments(LIST_OF_STRINGS, ["items"])

        def check(op: Callable[[], object] = op, expected: list[str] = expected) -> str:
            return "" if op() == [expected] else "values differ from what was sent"

        rows.append(Case(f"{label}, {len(body) / 1e6:.1f} MB", op, check, []))
    return rows


def report_large(rows: Sequence[Case]) -> None:
    base = rows[0].rate
    print(f"\nA Remoting SOAP request of {LARGE_ITEMS:,} strings, read by the server (read_call + decode_arguments)")
    table = Table("case", ("ms/op", 8), ("vs LF", 7), ("other CPU", 10), width=max(len(c.label) for c in rows))
    table.header()
    for c in rows:
        if c.failure:
            table.failed(c.label, c.failure)
            continue
        table.row(c.label, f"{1e3 / c.rate:.1f}", f"{base / c.rate:.2f}x", f"{c.other_cpu * 100:.0f}%",
                  tail=spread(c.rates))  # fmt: skip
    noise_note(c.other_cpu for c in rows if not c.failure)


def report(rows: Sequence[Case], args: argparse.Namespace) -> bool:
    """The table; False if a case failed or, with ``--check``, fell below the floor."""
    print(
        f'\nHelloMethod("Alice") through each formatter alone, {args.seconds:g} s per round'
        f"{rounds_note(args.rounds)}; in process, pinned to core {SERVER_CORE}"
    )
    print("  server = read_call + decode_arguments + write_return; client = write the call + read the response")
    table = Table("case", ("ops/s", 9), ("µs/op", 8), ("other CPU", 10), width=max(len(c.label) for c in rows))
    table.header()
    ok = True
    for c in rows:
        if c.failure:
            table.failed(c.label, c.failure)
            ok = False
            continue
        slow = c.rate < FLOOR_OPS
        ok &= not slow
        # (a call with a context is read by the full parser: against the plain call read so too)
        rated = {p.label: p for p in rows if p.rate}
        plain = None if " + call context" not in c.label else (
            rated.get(c.label.replace(" + call context", ", full parser"))
            or rated.get(c.label.replace(" + call context", "")))
        ratio = f"  {plain.rate / c.rate:.2f}x the plain call (target <= 1.3)" if plain is not None else ""
        table.row(c.label, f"{c.rate:,.0f}", f"{1e6 / c.rate:.1f}", f"{c.other_cpu * 100:.0f}%",
                  tail=spread(c.rates) + ratio
                  + (f"  BELOW THE FLOOR ({FLOOR_OPS:,.0f} ops/s)" if slow else ""))  # fmt: skip
    noise_note(c.other_cpu for c in rows if not c.failure)
    return ok


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=5, help="timed rounds per case, median reported (default 5)")
    p.add_argument("--seconds", type=float, default=0.3, help="seconds per round (default 0.3)")
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="before each case, wait up to N s until other processes use < 10%% of a core (default 0)",
    )
    p.add_argument(
        "--large",
        action="store_true",
        help="also read one large Remoting SOAP request with LF/CRLF line ends and raw CRs in values",
    )
    p.add_argument("--check", action="store_true",
                   help=f"exit 1 if a case fails its check or runs below {FLOOR_OPS:,.0f} ops/s")  # fmt: skip
    args = p.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0:
        p.error("--rounds must be >= 1 and --seconds > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = HELLO_BINARY.missing() or ("" if BINARY_RESPONSE.is_file() else f"missing {BINARY_RESPONSE}")
    if problem:
        print(problem, file=sys.stderr)
        return 2
    rows = cases()
    with pinned_to(SERVER_CORE):
        for c in rows:
            settle(args.quiet_wait)
            measure(c, args.rounds, args.seconds)
            state = c.failure or f"{c.rate:,.0f} ops/s, {1e6 / c.rate:.1f} µs/op"
            print(f"{c.label}: {state}", flush=True)
    ok = report(rows, args)
    if args.large:
        large = large_cases()
        with pinned_to(SERVER_CORE):
            for c in large:
                settle(args.quiet_wait)
                measure(c, args.rounds, args.seconds)
        report_large(large)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
