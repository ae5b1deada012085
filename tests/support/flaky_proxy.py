"""A loopback HTTP/1.1 proxy that drops connections at random points, reproducibly, and remembers what it did.

The client soak test (``tests/gateway/test_client_soak.py``) puts it in front of a real uvicorn to play a
server that closes connections at random. Each request it reads carries a call key (``soakkey-R-N`` in its
body); what happens to it is drawn from a generator seeded by ``(seed, key, attempt number)``, so a run
is reproducible whatever order the calls arrive in, and a resent call draws afresh:

* ``pass``: forwarded, and the whole answer sent back;
* ``reset_before``: never forwarded; the connection is reset (RST), as a server's kernel does when it
  closes a kept-alive connection with a request it never read;
* ``close_after``: forwarded, the server's answer awaited, then the client connection closed (FIN) without
  any byte of it: the call ran, the client cannot know;
* ``cut_answer``: forwarded, then a random prefix of the answer sent and the connection closed (FIN).

``attempts[key]`` lists each attempt's fate and whether it came on a reused client connection (not the
first request on it); ``forwarded[key]`` counts the requests that reached the server. Each request goes to
the server on a fresh connection: a kept-alive one could be closed by the server's keep-alive timeout just as
a request goes out (on a loaded machine, when the client connection idled that long), and the server would
never read a request counted as forwarded.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import socket
import struct
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

FATES = ("reset_before", "close_after", "cut_answer")
KEY = re.compile(rb"soakkey-[0-9]+-[0-9]+")


@dataclass(frozen=True)
class Attempt:
    fate: str
    reused: bool


@dataclass
class FlakyProxy:
    upstream_port: int
    seed: int
    drop_share: float
    url: str = ""
    attempts: defaultdict[str, list[Attempt]] = field(default_factory=lambda: defaultdict(list))
    forwarded: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    handlers: set[asyncio.Task[None]] = field(default_factory=set)

    def fate(self, key: str, attempt: int) -> tuple[str, random.Random]:
        rng = random.Random(f"{self.seed}:{key}:{attempt}")
        return ("pass" if rng.random() >= self.drop_share else rng.choice(FATES)), rng

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        served = 0
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            while (request := await _read_message(reader)) is not None:
                found = KEY.search(request)
                key = found.group().decode() if found else ""
                fate, rng = self.fate(key, len(self.attempts[key])) if key else ("pass", random.Random())
                self.attempts[key].append(Attempt(fate, served > 0))
                served += 1
                if fate == "reset_before":
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
                upstream[1].write(request)
                self.forwarded[key] += 1
                answer = await _read_message(upstream[0])
                upstream[1].close()
                upstream = None
                if answer is None:
                    return
                if fate == "close_after":
                    return
                if fate == "cut_answer":
                    writer.write(answer[: rng.randrange(1, len(answer))])
                    await writer.drain()
                    return
                writer.write(answer)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.handlers.discard(task)
            writer.close()
            if upstream is not None:
                upstream[1].close()


async def _read_message(reader: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 message delimited by Content-Length (the clients and uvicorn's answers here all are), or
    ``None`` at a clean end of the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    match = re.search(rb"(?im)^content-length:\s*([0-9]+)\s*$", head)
    assert match, f"no Content-Length in {head!r}"
    return head + await reader.readexactly(int(match.group(1)))


@contextlib.contextmanager
def flaky_proxy(upstream_port: int, seed: int, drop_share: float = 0.3) -> Iterator[FlakyProxy]:
    """Run a :class:`FlakyProxy` to ``upstream_port`` on a thread with its own loop; stopped on exit."""
    proxy = FlakyProxy(upstream_port, seed, drop_share)
    ready = threading.Event()
    loop = asyncio.new_event_loop()
    stop = loop.create_future()

    async def serve() -> None:
        server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
        proxy.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        ready.set()
        async with server:
            await stop
            server.close()
            pending = list(proxy.handlers)
            for handler in pending:
                handler.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), name="flaky-proxy", daemon=True)
    thread.start()
    assert ready.wait(10), "the flaky proxy did not start"
    try:
        yield proxy
    finally:
        loop.call_soon_threadsafe(stop.set_result, None)
        thread.join(timeout=10)
        loop.close()
