"""Fuzz targets: the three readers and the HTTP entry, each fed arbitrary bytes, each with one rule.

* :func:`remoting_soap`, :func:`literal`, :func:`nrbf`: read the bytes as a request (and decode its arguments
  with the declared types of the operation it names, and as ``ANY``) and as a response; each step either
  returns or raises :class:`soap.SoapDecodeError` with a message. Anything else escaping is a bug.
* :func:`http_entry`: the bytes are an HTTP request (method, path, content type, one more header, body: see
  :func:`split_http`) handed to the ASGI app in-process; the app must answer (never raise), with a status
  under 600, and the answer must carry no traceback, file path or module path; :func:`auth_entry`, the same
  behind HTTP Basic/Bearer authentication and a WS-Security UsernameToken check (the fourth byte: the
  Authorization header).
* the TCP channel's frame reader and the whole channel, in process and with a thread per connection over
  loopback (``tcp_frames``, ``tcp_entry``, ``tcp_threads``): :mod:`fuzz.tcp_targets`;
  a client's call answered with the bytes (``client_entry``): :mod:`fuzz.client_targets`; the stub generator
  given the bytes as a WSDL (``wsdl_stub``): :mod:`fuzz.stub_targets`.

The same targets serve the bounded hypothesis tests of the unit suite (``tests/fuzz``) and the long run
(``fuzz/run.py``, atheris). Seeds are the captured Mono requests and responses and our own literal calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import examples.remoting_samples as samples
from examples.interop import InteropService
from gateway import (
    HttpAuthenticationSink,
    Principal,
    RemotingApp,
    StaticTokens,
    StaticUsers,
    UsernameTokenAuthenticator,
    WellKnownObjectMode,
)
from soap import (
    ANY,
    DEFAULT_REGISTRY,
    SOAP11,
    SOAP12,
    BinaryFormatter,
    MethodCall,
    RemotingSoapFormatter,
    SoapDecodeError,
    SoapFormatter,
    WireType,
    parse_xml,
    read_literal_response,
    write_literal_call,
)
from wsdl import Operation, contract_of

from . import client_targets, stub_targets, tcp_targets
from .rules import LEAKS, Finding

WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

CONTRACTS = [contract_of(c) for c in (samples.IRemoteService, samples.IHello, samples.IFactory, samples.ICounter,
                                      InteropService)]  # fmt: skip
OPERATIONS: dict[str, Operation] = {name: op for c in CONTRACTS for name, op in c.operations.items()}

SOAP = SoapFormatter()
REMOTING = RemotingSoapFormatter()
BINARY = BinaryFormatter()


def _steps(incoming_of: Callable[[], Any]) -> list[Callable[[], object]]:
    """Decoding the call's arguments with the declared types of the operation it names, and as ANY."""

    def declared() -> object:
        incoming = incoming_of()
        op = OPERATIONS.get(incoming.method_name)
        if op is None or len(op.parameters) != incoming.argument_count:
            return incoming.decode_arguments([ANY] * incoming.argument_count)
        return incoming.decode_arguments(list(op.parameter_types), [p.name for p in op.parameters]
                                         if getattr(incoming, "overloadable", True) is False else None)

    def untyped() -> object:
        incoming = incoming_of()
        return incoming.decode_arguments([ANY] * incoming.argument_count)

    return [declared, untyped]


def _only_decode_errors(steps: list[Callable[[], object]]) -> int:
    """Run every step; returns how many refused the input. Raises :class:`Finding` for anything but a decode
    error with a message."""
    refused = 0
    for step in steps:
        try:
            step()
        except SoapDecodeError as exc:
            if not str(exc):
                raise Finding("a decode error without a message") from exc
            refused += 1
        except RecursionError as exc:  # (a subclass of RuntimeError: named so the report says which)
            raise Finding("RecursionError") from exc
        except Exception as exc:
            raise Finding(f"{type(exc).__name__}: {exc}") from exc
    return refused


def _returns(formatter_read: Callable[[str, WireType], object]) -> list[Callable[[], object]]:
    return [lambda: formatter_read("Echo", ANY), lambda: formatter_read("GetPerson", OPERATIONS["GetPerson"].returns),
            lambda: formatter_read("Reverse", OPERATIONS["Reverse"].returns)]  # fmt: skip


def remoting_soap(data: bytes) -> int:
    """The Remoting SOAP dialect (rpc/encoded, .NET's SoapFormatter), as a request and as a response."""
    steps = _steps(lambda: REMOTING.read_call(data))
    steps += _returns(lambda method, returns: REMOTING.read_response(data, method, returns))
    return _only_decode_errors(steps)


def literal(data: bytes) -> int:
    """Document/literal SOAP 1.1 and 1.2, as the server reads a request and as the client reads a response."""
    steps = _steps(lambda: SOAP.read_call(data, "text/xml; charset=utf-8"))
    steps += _steps(lambda: SOAP.read_call(data, "application/soap+xml; charset=utf-8"))

    def response(version: Any, method: str, returns: WireType) -> object:
        root = parse_xml(data)
        body = next((el for el in root if isinstance(el.tag, str) and el.tag.endswith("}Body")), None)
        if body is None:
            raise SoapDecodeError("no Body")
        return read_literal_response(body, version, method, returns, DEFAULT_REGISTRY, BINARY.limits)

    interop = contract_of(InteropService).operations
    steps += [lambda: response(SOAP11, "add", interop["add"].returns),
              lambda: response(SOAP12, "reverse", interop["reverse"].returns),
              lambda: response(SOAP11, "make_person", interop["make_person"].returns)]  # fmt: skip
    return _only_decode_errors(steps)


def nrbf(data: bytes) -> int:
    """MS-NRBF (.NET's BinaryFormatter), as a request and as a response."""
    steps = _steps(lambda: BINARY.read_call(data))
    steps += _returns(lambda method, returns: BINARY.read_response(data, method, returns))
    return _only_decode_errors(steps)


# ------------------------------------------------------------------ the HTTP entry

#: what no answer may contain (the same rule as the hostile corpus)
METHODS = ("POST", "POST", "POST", "GET", "HEAD", "PUT", "OPTIONS", "CONNECT")
PATHS = ("/SayHello.soap", "/SingleCallService.rem", "/FactoryService.rem", "/InteropService.soap", "/",
         "/SayHello.soap?wsdl", "/nope.rem")  # fmt: skip
CONTENT_TYPES = ("text/xml; charset=utf-8", "application/soap+xml", "application/octet-stream", "",
                 "application/json", "text/xml; charset=utf-16")  # fmt: skip

_APP: RemotingApp | None = None
_LOOP: asyncio.AbstractEventLoop | None = None


def _app() -> tuple[RemotingApp, asyncio.AbstractEventLoop]:
    global _APP, _LOOP
    if _APP is None or _LOOP is None:
        app = RemotingApp(lifetime=samples.LIFETIME, formatters=("soap", "binary"))
        samples.register(app)
        app.register_well_known(InteropService, "InteropService.soap", WellKnownObjectMode.SingleCall)
        _APP, _LOOP = app, asyncio.new_event_loop()
    return _APP, _LOOP


#: one more header a request may carry (the fourth byte picks it; most picks add none): what a lenient ASGI
#: server, or a proxy in front of it, could pass on (bytes that are no ASCII, numbers that are not numbers)
EXTRA_HEADERS: tuple[tuple[bytes, bytes] | None, ...] = (
    None, None, None, None, (b"content-length", b"\xb2"), (b"content-length", b"-1"),
    (b"content-length", b"9" * 30), (b"content-length", b" 12"), (b"soapaction", b"\x01\xff"),
    (b"soapaction", b'"' + b"A" * 3000 + b'#HelloMethod"'), (b"host", b"\xff:99999"), (b"host", b"[::1"),
    (b"x-forwarded-for", b"\xff, 1.2.3.4"), (b"accept", b"\x00"), (b"cookie", b"\xff=\xfe"),
    (b"content-type", b"text/xml; charset=\xff"),
)  # fmt: skip


def split_http(data: bytes) -> tuple[str, str, str, tuple[bytes, bytes] | None, bytes]:
    """(method, path, content type, extra header or None, body) from fuzz bytes: the first four bytes choose
    the first four."""
    head, body = data[:4].ljust(4, b"\x00"), data[4:]
    return (METHODS[head[0] % len(METHODS)], PATHS[head[1] % len(PATHS)],
            CONTENT_TYPES[head[2] % len(CONTENT_TYPES)], EXTRA_HEADERS[head[3] % len(EXTRA_HEADERS)],
            body)  # fmt: skip


async def _call(app: RemotingApp, method: str, path: str, content_type: str, extra: tuple[bytes, bytes] | None,
                body: bytes) -> tuple[int, bytes]:  # fmt: skip
    raw_path, _, query = path.partition("?")
    headers = [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode())]
    if content_type:
        headers.append((b"content-type", content_type.encode()))
    if extra is not None:  # (after the others: where a header comes twice, the last one is the one read)
        headers.append(extra)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": raw_path, "raw_path": raw_path.encode(), "query_string": query.encode(),
             "root_path": "", "headers": headers, "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000)}
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)  # type: ignore[arg-type]
    return status, b"".join(chunks)


def http_entry(data: bytes) -> int:
    """The whole server, in process: returns the HTTP status."""
    app, _ = _app()
    method, path, content_type, extra, body = split_http(data)
    return _answered(app, method, path, content_type, extra, body)


def _answered(app: RemotingApp, method: str, path: str, content_type: str, extra: tuple[bytes, bytes] | None,
              body: bytes) -> int:  # fmt: skip
    """The rule of the HTTP targets: ``app`` answers (never raises), under 600, without a traceback or a path."""
    _, loop = _app()
    try:
        status, answer = loop.run_until_complete(_call(app, method, path, content_type, extra, body))
    except Exception as exc:
        raise Finding(f"the app raised {type(exc).__name__}: {exc}") from exc
    if not 100 <= status < 600:
        raise Finding(f"no answer (status {status}) to {method} {path}")
    leak = LEAKS.search(answer.decode("utf-8", "replace"))
    if leak is not None:
        raise Finding(f"{leak.group(0)!r} leaked in the answer to {method} {path}: {answer[:300]!r}")
    return status


# ------------------------------------------------------------------ the HTTP entry behind authentication

#: what the fourth byte of an ``auth_entry`` input puts in its Authorization header (None: none)
AUTHORIZATIONS: tuple[bytes | None, ...] = (
    None, b"Basic YWxpY2U6c2VjcmV0", b"Basic YWxpY2U6d3Jvbmc=", b"Basic !!!", b"Basic //79Ong=", b"Basic bm9jb2xvbg==",
    b"Basic", b"Bearer", b"Bearer token-1", b"Bearer " + b"t" * 5000, b"Digest realm=x", b"basic YWxpY2U6c2VjcmV0",
    b"\xff\xfe", b"Basic YWxpY2U6c2VjcmV0, Bearer token-1",
)  # fmt: skip
_AUTH_APP: RemotingApp | None = None


def _auth_app() -> RemotingApp:
    """The example services behind HTTP Basic and Bearer authentication (anonymous callers let through, so
    that every call goes on to the formatters) and a WS-Security UsernameToken check (optional)."""
    global _AUTH_APP
    if _AUTH_APP is None:
        users = StaticUsers({"alice": ("secret", ["admin"])})
        tokens = StaticTokens({"token-1": Principal("svc", frozenset({"admin"}), "Bearer")})
        app = RemotingApp(lifetime=samples.LIFETIME, formatters=("soap", "binary"),
                          sinks=[HttpAuthenticationSink(basic=users, bearer=tokens, allow_anonymous=True)],
                          inspectors=[UsernameTokenAuthenticator(users.password_of, required=False)])  # fmt: skip
        samples.register(app)
        app.register_well_known(InteropService, "InteropService.soap", WellKnownObjectMode.SingleCall)
        _AUTH_APP = app
    return _AUTH_APP


def auth_entry(data: bytes) -> int:
    """:func:`http_entry` against the app behind authentication; the fourth byte picks the Authorization
    header (:data:`AUTHORIZATIONS`) instead of another one."""
    method, path, content_type, _, body = split_http(data)
    authorization = AUTHORIZATIONS[data[3] % len(AUTHORIZATIONS)] if len(data) > 3 else None
    extra = (b"authorization", authorization) if authorization is not None else None
    return _answered(_auth_app(), method, path, content_type, extra, body)


def _with_username_token(call: bytes, password: str) -> bytes:
    """A literal call with a WS-Security UsernameToken (PasswordText) header for alice."""
    block = (f'<wsse:Security xmlns:wsse="{WSSE_NS}"><wsse:UsernameToken><wsse:Username>alice</wsse:Username>'
             f"<wsse:Password>{password}</wsse:Password></wsse:UsernameToken></wsse:Security>")  # fmt: skip
    return call.replace(b"<soap:Body>", b"<soap:Header>" + block.encode() + b"</soap:Header><soap:Body>", 1)


# ------------------------------------------------------------------ seeds


def _interop_calls() -> list[bytes]:
    ops = contract_of(InteropService).operations
    calls: list[tuple[str, list[object]]] = [("add", [1, 2]), ("reverse", [[1, 2, 3]]), ("hello", ["Alice"]),
                                             ("make_person", ["Bob", 42])]
    out = []
    for version in (SOAP11, SOAP12):
        for name, args in calls:
            op = ops[name]
            call = MethodCall(op.name, "urn:interop", args, [p.name for p in op.parameters],
                              [p.wire for p in op.parameters])
            out.append(write_literal_call(call, version, DEFAULT_REGISTRY))
    return out


def seeds(target: str) -> list[bytes]:
    """Starting inputs for ``target`` (``remoting_soap``, ``literal``, ``nrbf``, ``http_entry``)."""
    soap_files = sorted((FIXTURES / "mono_soap").glob("*.xml"))
    binary_files = sorted((FIXTURES / "mono_binary").glob("*.bin"))
    if target == "remoting_soap":
        return [p.read_bytes() for p in soap_files]
    if target == "literal":
        return [*_interop_calls(), (FIXTURES / "mono_soap" / "asmx_hello.request.xml").read_bytes()]
    if target == "nrbf":
        return [p.read_bytes() for p in binary_files]
    if target == "http_entry":
        hello = (FIXTURES / "mono_soap" / "001_HelloMethod.request.xml").read_bytes()
        echo = (FIXTURES / "mono_soap" / "014_Echo.request.xml").read_bytes()
        bin_hello = (FIXTURES / "mono_binary" / "001_HelloMethod.request.bin").read_bytes()
        add11, add12 = _interop_calls()[0], _interop_calls()[4]
        return [bytes([0, 0, 0, 0]) + hello, bytes([0, 1, 0, 0]) + echo, bytes([0, 0, 2, 0]) + bin_hello,
                bytes([0, 3, 0, 0]) + add11, bytes([0, 3, 1, 0]) + add12, bytes([3, 5, 3, 0]),
                bytes([0, 0, 0, 4]) + hello, bytes([0, 0, 2, 8]) + bin_hello]  # fmt: skip
    if target == "auth_entry":
        hello = (FIXTURES / "mono_soap" / "001_HelloMethod.request.xml").read_bytes()
        token11, token12 = _with_username_token(_interop_calls()[2], "secret"), _interop_calls()[6]
        return [bytes([0, 0, 0, 1]) + hello, bytes([0, 0, 0, 8]) + hello, bytes([0, 3, 0, 0]) + token11,
                bytes([0, 3, 1, 0]) + _with_username_token(token12, "wrong"), bytes([3, 5, 3, 3])]  # fmt: skip
    if target in tcp_targets.TCP_TARGETS:
        return tcp_targets.seeds(target)
    if target == "client_entry":
        return client_targets.seeds()
    if target == "wsdl_stub":
        return stub_targets.seeds()
    raise ValueError(f"unknown target {target!r}")


TARGETS: dict[str, Callable[[bytes], object]] = {
    "remoting_soap": remoting_soap, "literal": literal, "nrbf": nrbf, "http_entry": http_entry,
    "auth_entry": auth_entry, **tcp_targets.TCP_TARGETS, "client_entry": client_targets.client_entry,
    "wsdl_stub": stub_targets.wsdl_stub,
}

__all__ = ["LEAKS", "TARGETS", "Finding", "http_entry", "literal", "nrbf", "remoting_soap", "seeds", "split_http"]
