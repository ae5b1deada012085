"""A served binary call read from a template (soap/_nrbf_request_templates.py) answers as one read in full.

Mono's captured ``HelloMethod("Alice")`` is sent again with other names: each answer carries its own name
(strings across the length prefix's 7-bit boundary, non-ASCII), an argument the reader refuses gets the
same binary RemotingException a fresh server gives, and the server's own checks (the object's URI) still run.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from examples.remoting_samples import LIFETIME, register
from gateway import RemotingApp
from soap import ANY, BINARY_CONTENT_TYPE, BinaryFormatter, Fault, MethodReturn
from soap._nrbf_writer import lps

from .asgi import http

HELLO = (Path(__file__).resolve().parents[2] / "fixtures" / "mono_binary" / "001_HelloMethod.request.bin").read_bytes()
READER = BinaryFormatter(templates=False)
HEADERS = {"content-type": BINARY_CONTENT_TYPE}


def hello(name_slot: bytes) -> bytes:
    """The capture with these bytes (length prefix and UTF-8) in place of ``Alice``'s."""
    return HELLO.replace(b"\x05Alice", name_slot)


def served() -> RemotingApp:
    return register(RemotingApp(formatters=("soap", "binary"), lifetime=LIFETIME))


async def post(client: httpx.AsyncClient, body: bytes, uri: str = "/SayHello.rem") -> MethodReturn | Fault:
    reply = await client.post(uri, content=body, headers=HEADERS)
    assert reply.status_code == 200
    return READER.read_response(reply.content, "HelloMethod", ANY)


def test_repeated_binary_calls_answer_with_their_own_values_and_the_same_faults() -> None:
    invalid = hello(b"\x02\xc3\x28")  # invalid UTF-8
    fresh: dict[str, MethodReturn | Fault] = {}

    async def first_call(client: httpx.AsyncClient) -> None:  # on a new server: read by the full reader
        fresh["invalid"] = await post(client, invalid)

    http(served(), first_call)

    async def scenario(client: httpx.AsyncClient) -> None:
        assert await post(client, HELLO) == MethodReturn("HelloMethod", "", "Hi there Alice", ANY)
        formatter = app.formatters["binary"]
        assert isinstance(formatter, BinaryFormatter) and formatter._requests is not None
        assert formatter._requests.read(hello(lps("Bob"))) is not None  # the next calls are the template's
        for name in ("Bob", "", "Zürich", "é" * 100, "x" * 200, "😀" * 5000):
            assert await post(client, hello(lps(name))) == MethodReturn("HelloMethod", "", f"Hi there {name}", ANY)
        again, first = await post(client, invalid), fresh["invalid"]
        assert isinstance(again, Fault) and isinstance(first, Fault)
        assert again.exception is not None and first.exception is not None
        assert (again.exception.type_name, again.exception.message) == (first.exception.type_name,
                                                                         first.exception.message)
        assert "UTF-8" in (again.exception.message or "")
        other = await post(client, hello(lps("Bob")), uri="/Nowhere.rem")
        assert isinstance(other, Fault)

    app = served()
    http(app, scenario)
