"""A TCP listener on loopback that accepts connections and never answers.

Two uses: a *canary* (``hold=False``) that closes each connection at once and only counts them, to prove a
server never connects anywhere; a *hung server* (``hold=True``) that keeps each connection open unread, to
see how clients time out.
"""

from __future__ import annotations

import socket
import threading
from typing import Self


class SilentListener:
    def __init__(self, hold: bool) -> None:
        self.hold = hold
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.2)  # so that close() stops the accept loop promptly
        self.port: int = self.sock.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        #: the peers that connected, in order
        self.connections: list[tuple[str, int]] = []
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="silent-listener", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(peer)
            if self.hold:
                self._held.append(conn)
            else:
                conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._held:
            conn.close()
        self.sock.close()
