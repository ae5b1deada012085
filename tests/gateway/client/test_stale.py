"""The rule both clients resend by (``gateway.client.stale``), on real loopback sockets: a request that crossed
the server's close on the wire reads as an end of stream *and* a reset; one the server read before closing
reads as a bare end of stream; an idle socket the server closed is seen before use."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from gateway.client.stale import idle_socket_closing, reset_after_eof


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected (client, server) pair on loopback."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    with client, server:
        yield client, server


def test_a_request_sent_after_the_server_closed_reads_as_end_of_stream_and_reset(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    client, server = pair
    server.close()
    client.sendall(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")  # the server's kernel resets it: unread
    assert client.recv(10) == b""
    deadline = time.monotonic() + 5
    while not reset_after_eof(client):  # the reset follows the end of stream at once on loopback
        assert time.monotonic() < deadline, "no reset after the end of stream"
        time.sleep(0.01)


def test_a_request_the_server_read_before_closing_reads_as_a_bare_end_of_stream(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    client, server = pair
    client.sendall(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
    assert server.recv(100).startswith(b"POST")
    server.close()
    assert client.recv(10) == b""
    time.sleep(0.05)  # a reset, were one coming, would be here by now: none is
    assert not reset_after_eof(client)


def test_an_idle_socket_the_server_closed_is_seen_closing(pair: tuple[socket.socket, socket.socket]) -> None:
    client, server = pair
    assert not idle_socket_closing(client)
    server.close()
    deadline = time.monotonic() + 5
    while not idle_socket_closing(client):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert not reset_after_eof(None) and not idle_socket_closing(None)
