"""What the TCP channel's connections share: request frames as the sinks' requests, responses as reply frames.

Both ways of serving a connection (the event loop's :class:`~gateway.tcp.server.Connection` and the thread of
:mod:`gateway.tcp.threaded`) build their requests with :class:`FrameRequests` and their answers with
:func:`reply_bytes`, :func:`reply_for` and :func:`error_frame`, so a caller sees the same replies whichever
serves it.
"""

from __future__ import annotations

import http
import struct
from typing import Any, Protocol

from ..server.endpoint import BodyRefused
from ..server.formatters import media_type
from ..server.sinks import ServerRequest, ServerResponse
from ..server.urls import valid_authority
from .framing import FRAME_START, FrameError, FrameReader, Operation, StatusCode, TcpFrame, write_frame

#: Content types of formatter messages: a response carrying one is an ordinary reply, faults included.
MESSAGE_TYPES = frozenset({"application/octet-stream", "text/xml", "application/soap+xml"})
#: Custom headers that mean something only over HTTP (and would change the ObjRef addresses): dropped.
_DROPPED = frozenset({"host", "content-length", "content-type", "connection", "transfer-encoding"})
_MAX_PHRASE = 512
_I32 = struct.Struct("<i")
#: an ordinary reply frame up to its content length: preamble, version 1.0, Reply, one block of content
_REPLY_START = FRAME_START + b"\x02\x00\x00\x00"
_END_HEADERS = b"\x00\x00"
#: (an enum member read from its class costs about 750 instructions on Python 3.11, a global a few: per call)
_REPLY = Operation.Reply


class ChannelSettings(Protocol):
    """What building a request needs of the channel."""

    public_url: str | None
    default_type: str | None


def split_request_uri(request_uri: str) -> tuple[str, str | None]:
    """``tcp://host:port/obj.rem`` -> (``obj.rem``, ``host:port``); a bare ``/obj.rem`` -> (``obj.rem``, None).

    Mono's client sends the full URL for well-known objects and activation, and only the object URI for
    calls on client-activated objects."""
    if request_uri.startswith("tcp://"):
        authority, _, path = request_uri[6:].partition("/")
        return path.lstrip("/"), authority or None
    return request_uri.lstrip("/"), None


class FrameRequests:
    """The sinks' view of one connection's request frames (see :mod:`gateway.tcp.server`): POST, the object URI
    and host of the ``RequestUri`` header, the content type and custom headers lower-cased, the caller's
    address and the connection's scope (computed once a connection). The object URI and host of the last
    request URI are remembered (a connection nearly always calls the same object; a host that is no host and
    port is taken as none), and a frame without custom headers (Mono's binary calls) costs no header work."""

    def __init__(self, channel: ChannelSettings, local: tuple[str, int], peer: Any) -> None:
        self.channel = channel
        self.local = local
        self.peer: str | None = str(peer[0]) if peer else None
        self.scope: dict[str, Any] = {"type": "tcp", "scheme": "tcp", "server": local,
                                      "client": tuple(peer[:2]) if peer else None, "root_path": ""}  # fmt: skip
        self._last_uri: str | None = None
        self._last_target: tuple[str, str] = ("", "")  # (object URI, host header) of _last_uri

    def request(self, frame: TcpFrame) -> ServerRequest:
        text = frame.request_uri or ""
        if text != self._last_uri:
            uri, authority = split_request_uri(text)
            public = self.channel.public_url
            valid = authority if authority and valid_authority(authority) else None
            host = public[len("tcp://"):] if public else valid or host_port(*self.local)
            self._last_uri, self._last_target = text, (uri, host)
        uri, host = self._last_target
        headers = _custom_headers(frame.custom) if frame.custom else {}
        content_type = frame.content_type or self.channel.default_type
        if content_type is not None:
            headers["content-type"] = content_type
        headers["host"] = host
        return ServerRequest("POST", uri, "", headers, frame.body, self.peer, self.scope)


def reply_for(response: ServerResponse) -> TcpFrame:
    """A reply frame for ``response``: an ordinary reply when it holds a formatter message (faults too; a
    binary one has no content type, as from Mono), else the spec's error frame (status code 1 and a phrase)."""
    media = media_type(response.content_type)
    if response.body and (media in MESSAGE_TYPES or not media):  # the binary formatter names no content type
        frame = TcpFrame(Operation.Reply, response.body, content_type=response.content_type or None)
        if response.status != 200:
            status = str(response.status)
            frame.custom = [("__HttpStatusCode", status), ("__HttpReasonPhrase", _phrase(response.status))]
        return frame
    text = response.body.decode("utf-8", "replace").strip().splitlines()
    detail = f"{response.status} {_phrase(response.status)}" + (f": {text[0]}" if text else "")
    return error_frame(detail, close=False)


def reply_bytes(response: ServerResponse) -> bytes:
    """The bytes of :func:`reply_for`'s frame, built in one join for an ordinary 200 reply (every call that
    does not fail), the content type's header encoded once per content type."""
    body = response.body
    if response.status == 200 and body:
        content_type = response.content_type
        header = _CONTENT_TYPE_HEADERS.get(content_type)
        if header is None and len(_CONTENT_TYPE_HEADERS) < 64:
            media = media_type(content_type)
            if media in MESSAGE_TYPES or not media:
                header = b"" if not content_type else b"\x06\x00\x01\x01" + _I32.pack(len(
                    encoded := content_type.encode("utf-8"))) + encoded  # fmt: skip
                _CONTENT_TYPE_HEADERS[content_type] = header
        if header is not None:
            return b"".join((_REPLY_START, _I32.pack(len(body)), header, _END_HEADERS, body))
    return write_frame(reply_for(response))


#: content type of a 200 reply -> its ContentType header's bytes (b"": none); only message types (bounded)
_CONTENT_TYPE_HEADERS: dict[str | None, bytes] = {}


def error_frame(message: str, close: bool = True) -> TcpFrame:
    """The [MS-NRTP] error reply: status code Error, the message as status phrase, and close-connection."""
    return TcpFrame(Operation.Reply, b"", status_code=StatusCode.Error, status_phrase=message[:_MAX_PHRASE],
                    close_connection=close)


def refusal_for(frame: TcpFrame) -> TcpFrame | None:
    """The error frame a request frame gets instead of a call (None: it is a call): a reply frame sent to the
    server (the error ends the connection), a request without a ``RequestUri`` (the connection goes on)."""
    if frame.operation == _REPLY:
        return error_frame("a reply frame was sent to the server")
    if frame.request_uri is None:
        return error_frame("the request frame has no RequestUri header", close=False)
    return None


def late_frame_answer(frames: FrameReader, timeout: float | None) -> BodyRefused | TcpFrame | None:
    """How to answer a frame that did not arrive within ``timeout`` seconds: a 408 for the request whose
    headers came (``frames.pending_head``, answered through the chain as a fault), an error frame when what
    came starts like a frame, else nothing (the connection is closed without a word)."""
    if frames.pending_head is not None:
        return BodyRefused(f"the message content did not arrive within {timeout:g} s", 408)
    try:
        frames.check_start()
    except FrameError:
        return None
    return error_frame(f"the message frame did not arrive within {timeout:g} s")


def _custom_headers(custom: list[tuple[str, str]]) -> dict[str, str]:
    """A request frame's custom headers as the sinks' headers: lower-case names, HTTP-only ones dropped
    (see ``_DROPPED``), an HTTP proxy's ``X-Forwarded-*`` never taken from a TCP caller."""
    headers = {}
    for name, value in custom:
        lower = name.lower()
        if lower not in _DROPPED and not lower.startswith("x-forwarded-"):
            headers[lower] = value
    return headers


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def host_port(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"
