"""A loopback server that plays a server's part by script: tests of clients' resend rules subclass it.

It accepts connections on 127.0.0.1 (each served on a thread of its own by :meth:`ScriptedListener.serve`,
which the subclass writes), counts connections and requests, and stops accepting on :meth:`close`. A request
whose number (from 1) is in ``drop`` gets its connection closed without a byte of answer (the server read it:
the call may have run); one in ``reset`` gets it reset (RST, as a kernel answers bytes the server never read).
"""

from __future__ import annotations

import socket
import struct
import threading
from typing import Self


class ScriptedListener:
    def __init__(self, drop: frozenset[int] | set[int] = frozenset(), reset: frozenset[int] = frozenset()) -> None:
        self.drop, self.reset = drop, reset
        self.requests = 0
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn: socket.socket) -> None:
        """Serve one connection (then close it)."""
        raise NotImplementedError

    def answer(self, conn: socket.socket) -> bool:
        """Count the request just read; False when the script ends ``conn`` here instead of answering."""
        self.requests += 1
        if self.requests in self.drop:
            return False
        if self.requests in self.reset:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        return True

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

