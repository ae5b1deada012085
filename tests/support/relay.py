"""A TCP relay on loopback that forwards to another port and remembers what went through it.

Tests use it where a peer must be reached at an address other than the one it listens on (a callback
listener advertising a public URL), and to see the bytes of requests they cannot otherwise observe.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Relay:
    """``url`` forwards to the target; ``requests`` holds the first bytes of each connection's traffic."""

    url: str
    requests: list[bytearray] = field(default_factory=list)

    def request_headers(self) -> list[dict[str, str]]:
        """The HTTP request headers (lower-case names) of each connection's first request."""
        found = []
        for raw in self.requests:
            head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
            found.append({k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head)})
        return found


def _pump(source: socket.socket, target: socket.socket, seen: bytearray | None) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            if seen is not None and len(seen) < 65536:
                seen += chunk
            target.sendall(chunk)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def relay_to(port: int) -> Iterator[Relay]:
    """Listen on a free loopback port and forward every connection to ``port`` on loopback."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    relay = Relay(f"http://127.0.0.1:{listener.getsockname()[1]}")
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", port))
            seen = bytearray()
            threading.Thread(target=_pump, args=(client, upstream, seen), daemon=True).start()
            threading.Thread(target=_pump, args=(upstream, client, None), daemon=True).start()
            relay.requests.append(seen)  # filled as bytes arrive

    thread = threading.Thread(target=serve, name="test-relay", daemon=True)
    thread.start()
    try:
        yield relay
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)
