"""What tells a client that a request on a kept-alive connection certainly never reached the server, so that
sending it again cannot run the call twice.

A server closes a connection that stayed idle (uvicorn after 5 s). If our request crosses that close on the
wire, the server never reads it: its kernel answers the request's bytes with a reset (RST), either at once
(the request arrived before the close: the connection is closed with unread data) or after its orderly close
(FIN) reached us (the request arrived after: the socket is gone). A server or proxy that read the request
and then closed (it may have run the call) sends a FIN only. So: a reset before any byte of the answer, or
an end of stream followed by a reset, means "never read"; a bare end of stream does not.
"""

from __future__ import annotations

import select
import socket

#: how many times one request may be sent again (each time after a connection proved stale)
MAX_RESENDS = 4


def reset_after_eof(sock: socket.socket | None) -> bool:
    """After reading the end of stream on ``sock``: whether the peer also reset it (a pending socket error,
    ``EPIPE`` on Linux), i.e. it closed without reading what we sent. Consumes the pending error."""
    if sock is None:
        return False
    try:
        return sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0
    except OSError:
        return False


def idle_socket_closing(sock: socket.socket | None) -> bool:
    """Whether an idle kept-alive socket has anything to read (an end of stream, a reset or stray bytes),
    checked with ``poll`` before the event loop may have noticed: the server is closing it."""
    if sock is None:
        return False
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


__all__ = ["MAX_RESENDS", "idle_socket_closing", "reset_after_eof"]
