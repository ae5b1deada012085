"""Fuzz target of the client: a proxy's call answered with arbitrary bytes, by a server that may be anyone's.

:func:`client_entry`: the first four bytes choose the HTTP status, the content type, the call (a string, an
object, a struct, an array, a declared fault, a returned reference used afterwards, an activation) and the
formatter (Remoting SOAP or binary) with the content encoding; the rest is the answer's body (inflated by the
client when an encoding is named), streamed to every request the call makes (through an
``httpx.MockTransport``). Rule: the call returns, or raises a :class:`gateway.RemotingError`
(a :class:`gateway.ChannelError` among them) or an exception type the client has registered (a fault
decoded into its declared exception). Anything else (a ``KeyError``, a ``UnicodeError``, a bare
``SoapDecodeError``) is a bug: a caller of a remote object must be able to catch what a broken or hostile
server causes.

It serves the bounded hypothesis tests (``tests/fuzz``) and the long run (``fuzz/run.py``), as the other
targets do; seeds are the captured Mono responses (``tests/fixtures/mono_soap``, ``mono_binary``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

import examples.remoting_samples as samples
from gateway import RemotingClient, RemotingError
from soap import DEFAULT_REGISTRY

from .rules import Finding

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
BASE = "http://127.0.0.1:8085/"

STATUSES = (200, 200, 200, 200, 500, 500, 400, 404, 413, 415, 302, 204)
CONTENT_TYPES = ("text/xml; charset=utf-8", "application/octet-stream", "application/soap+xml", "", "text/html",
                 "text/xml; charset=utf-16", "text/xml; charset=nope")  # fmt: skip
FORMATTERS = ("soap", "binary")
#: the answer's Content-Encoding (the fourth byte's upper bits): the body is then what the client inflates
ENCODINGS = ("", "", "gzip", "deflate", "br")


def _counter(client: RemotingClient) -> object:
    factory = client.get_object(samples.IFactory, BASE + "FactoryService.rem")
    counter: Any = factory.CreateCounter("made")
    return counter.Increment() if counter is not None else None  # a call through the reference it returned


#: (name, call): each makes one or more requests through ``client``
CALLS: tuple[tuple[str, Callable[[RemotingClient], object]], ...] = (
    ("HelloMethod", lambda c: c.get_object(samples.IHello, BASE + "SayHello.soap").HelloMethod("Alice")),
    ("Echo", lambda c: c.get_object(samples.IRemoteService, BASE + "SingleCallService.rem").Echo(
        42, 3.5, True, "héllo", dt.datetime(2024, 1, 2, 3, 4, 5))),
    ("Reverse", lambda c: c.get_object(samples.IRemoteService, BASE + "SingleCallService.rem").Reverse([1, 2, 3])),
    ("GetPerson", lambda c: c.get_object(samples.IRemoteService, BASE + "SingleCallService.rem").GetPerson(
        "Bob", 42)),
    ("Birthday", lambda c: c.get_object(samples.IRemoteService, BASE + "SingleCallService.rem").Birthday(
        samples.Person("Bob", 42))),
    ("Fail", lambda c: c.get_object(samples.IRemoteService, BASE + "SingleCallService.rem").Fail("x")),
    ("CreateCounter", _counter),
    ("Activate", lambda c: c.create_instance(samples.ClientActivatedObject, BASE, "alpha")),
)  # fmt: skip

_answer: tuple[int, str, str, bytes] = (200, "", "", b"")


def _respond(request: httpx.Request) -> httpx.Response:
    """The answer, streamed as a network transport hands it over (the client reads and inflates it itself)."""
    status, content_type, encoding, body = _answer
    headers = {"content-type": content_type} if content_type else {}
    if encoding:
        headers["content-encoding"] = encoding
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))


_CLIENTS: dict[str, RemotingClient] = {}


def _client(formatter: str) -> RemotingClient:
    client = _CLIENTS.get(formatter)
    if client is None:
        client = RemotingClient(http_client=httpx.Client(transport=httpx.MockTransport(_respond)),
                                formatter=formatter)  # fmt: skip
        _CLIENTS[formatter] = client
    return client


def split(data: bytes) -> tuple[int, str, int, str, str, bytes]:
    """(status, content type, call's index, formatter, content encoding, body): the first four bytes choose the
    first five (the fourth: the formatter by its lowest bit, the encoding by the others)."""
    head, body = data[:4].ljust(4, b"\x00"), data[4:]
    return (STATUSES[head[0] % len(STATUSES)], CONTENT_TYPES[head[1] % len(CONTENT_TYPES)], head[2] % len(CALLS),
            FORMATTERS[head[3] % 2], ENCODINGS[(head[3] >> 1) % len(ENCODINGS)], body)  # fmt: skip


def client_entry(data: bytes) -> str:
    """A call answered with ``data``: returns how it ended (``"returned"`` or the exception's type)."""
    global _answer
    status, content_type, index, formatter, encoding, body = split(data)
    name, call = CALLS[index]
    _answer = (status, content_type, encoding, body)
    try:
        call(_client(formatter))
    except RemotingError as exc:
        return type(exc).__name__
    except Exception as exc:
        if DEFAULT_REGISTRY.is_registered(type(exc)):
            return type(exc).__name__
        raise Finding(f"{name} ({formatter}, HTTP {status} {content_type!r} {encoding!r}) raised {type(exc).__name__}: "
                      f"{exc}") from exc  # fmt: skip
    return "returned"


def seeds() -> list[bytes]:
    """Mono's captured answers to the calls above, each with the head that makes the call it answers."""
    ok, soap, binary = 0, 0, 1
    out = []
    for index, (name, _) in enumerate(CALLS):
        for formatter, folder, content_type in ((0, "mono_soap", soap), (1, "mono_binary", binary)):
            for path in sorted((FIXTURES / folder).glob(f"*_{name}.response.*"))[:1]:
                out.append(bytes([ok, content_type, index, formatter]) + path.read_bytes())
    return out


__all__ = ["CALLS", "client_entry", "seeds", "split"]
