"""The async client's own HTTP/1.1 transport, against small raw asyncio servers on loopback."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable

import httpx
import pytest

from gateway import AsyncRemotingClient, ChannelError
from gateway.client.transport import AsyncPooledTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def serve(handler: Handler) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/x.rem"


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await reader.readexactly(length)


def run(coro: Awaitable[None]) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def test_keep_alive_connections_are_reused() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                await read_request(reader)
            except asyncio.IncompleteReadError:
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    async def scenario() -> None:
        server, url = await serve(handler)
        async with server, httpx.AsyncClient(transport=AsyncPooledTransport()) as client:
            bodies = [(await client.post(url, content=b"x")).content for _ in range(20)]
        assert bodies == [b"ok"] * 20
        assert connections == 1

    run(scenario())


def test_a_connection_the_server_closed_is_retried_once() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")  # keep-alive promised...
        await writer.drain()
        writer.close()  # ...then closed: the next request on it must go out on a new connection

    async def scenario() -> None:
        server, url = await serve(handler)
        async with server, httpx.AsyncClient(transport=AsyncPooledTransport()) as client:
            for _ in range(5):
                assert (await client.post(url, content=b"x")).content == b"ok"

    run(scenario())


def scripted(on_second: str) -> tuple[Handler, list[int]]:
    """A server that answers the first request on a connection; on the second it ``"close"``-s the connection
    after reading it (FIN: it may have run the call) or ``"reset"``-s it (RST: as a kernel answers a request the
    server never read). Counts the requests it read (list of one)."""
    requests = [0]

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served = 0
        while True:
            try:
                await read_request(reader)
            except asyncio.IncompleteReadError:
                return
            requests[0] += 1
            served += 1
            if served == 2:
                if on_second == "reset":
                    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                                               struct.pack("ii", 1, 0))  # fmt: skip
                    writer.transport.abort()
                else:
                    writer.close()
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    return handler, requests


@pytest.mark.parametrize("on_second", ["reset", "close"])
def test_a_request_on_a_reused_connection_is_sent_again_only_when_reset_unread(on_second: str) -> None:
    """Reset: the server never read it, so it goes again on a new connection. Closed after the server read it:
    the call may have run, so it is not sent again."""
    handler, requests = scripted(on_second)

    async def scenario() -> None:
        server, url = await serve(handler)
        async with server, httpx.AsyncClient(transport=AsyncPooledTransport()) as client:
            assert (await client.post(url, content=b"1")).content == b"ok"
            if on_second == "reset":
                assert (await client.post(url, content=b"2")).content == b"ok"
            else:
                with pytest.raises(httpx.RemoteProtocolError, match="closed before answering"):
                    await client.post(url, content=b"2")
        assert requests == [3 if on_second == "reset" else 2]

    run(scenario())


def test_chunked_and_read_until_close_bodies() -> None:
    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        await writer.drain()

    async def until_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it")
        await writer.drain()
        writer.close()

    async def scenario() -> None:
        for handler, expected in ((chunked, b"abcde"), (until_close, b"all of it")):
            server, url = await serve(handler)
            async with server, httpx.AsyncClient(transport=AsyncPooledTransport()) as client:
                assert (await client.post(url, content=b"x")).content == expected

    run(scenario())


def test_read_timeout_and_refused_connection_surface_as_channel_errors() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)

    async def scenario() -> None:
        server, url = await serve(silent)
        async with server, AsyncRemotingClient(timeout=0.3) as client:
            with pytest.raises(ChannelError, match="ReadTimeout"):
                await client.get_object(None, url).Anything()
        async with AsyncRemotingClient(timeout=2) as client:
            with pytest.raises(ChannelError, match="ConnectError"):
                await client.get_object(None, "http://127.0.0.1:9/x.rem").Anything()

    run(scenario())


def test_oversized_and_malformed_responses_are_refused() -> None:
    async def huge(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000)
        await writer.drain()

    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await writer.drain()

    async def scenario() -> None:
        server, url = await serve(huge)
        async with server, httpx.AsyncClient(transport=AsyncPooledTransport(max_response_bytes=1000)) as client:
            with pytest.raises(httpx.RemoteProtocolError, match="larger than"):
                await client.post(url, content=b"x")
        server, url = await serve(garbage)
        async with server, httpx.AsyncClient(transport=AsyncPooledTransport()) as client:
            with pytest.raises(httpx.RemoteProtocolError, match="malformed"):
                await client.post(url, content=b"x")

    run(scenario())


def test_concurrent_calls_are_bounded_by_max_connections() -> None:
    open_now = peak = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_now, peak
        open_now += 1
        peak = max(peak, open_now)
        try:
            while True:
                try:
                    await read_request(reader)
                except asyncio.IncompleteReadError:
                    return
                await asyncio.sleep(0.01)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        finally:
            open_now -= 1

    async def scenario() -> None:
        server, url = await serve(handler)
        async with server, httpx.AsyncClient(transport=AsyncPooledTransport(max_connections=4)) as client:
            results = await asyncio.gather(*[client.post(url, content=b"x") for _ in range(40)])
        assert all(r.content == b"ok" for r in results)
        assert peak == 4

    run(scenario())
