"""The .NET Remoting TCP message frame ([MS-NRTP] 2.2.3), sans-I/O: bytes in, frames out, and back.

A frame is the ``.NET`` preamble, version 1.0, an operation (request, one-way request, reply), how the
content is distributed (one length-prefixed block, or chunks), transport headers (the request URI, the
content type, status code and phrase, close-connection, custom name/value pairs such as ``SOAPAction``),
the end-of-headers marker, then the message content: the same bytes a formatter writes over HTTP. All
integers are little-endian; strings are counted (an encoding byte, UTF-8 or UTF-16, then a byte length).

:class:`FrameReader` is a push parser in the spirit of h11: feed it whatever arrived, ask for the next
complete frame. Every length and count is checked against :class:`FrameLimits` as soon as it is read, before
anything is allocated for it or more bytes are awaited, so a peer can never make it buffer more than one
frame within the limits plus what one read returns. Framing errors are :class:`FrameError`; content larger
than the limit is :class:`ContentTooLarge`, which carries the frame's headers so the caller can still answer
in the request's dialect.
"""

from __future__ import annotations

import dataclasses
import enum
import struct
from dataclasses import dataclass, field

from soap import Limits

PREAMBLE = b".NET"
#: preamble and version 1.0: every frame starts with these six bytes
FRAME_START = PREAMBLE + b"\x01\x00"
CHUNK_DELIMITER = b"\r\n"


class Operation(enum.IntEnum):
    """[MS-NRTP] 2.2.3.1.1 OperationType."""

    Request = 0
    OneWayRequest = 1
    Reply = 2


class ContentDistribution(enum.IntEnum):
    NotChunked = 0
    Chunked = 1


class HeaderToken(enum.IntEnum):
    """[MS-NRTP] 2.2.3.1.3: which transport header follows."""

    EndHeaders = 0
    Custom = 1
    StatusCode = 2
    StatusPhrase = 3
    RequestUri = 4
    CloseConnection = 5
    ContentType = 6


class DataFormat(enum.IntEnum):
    """[MS-NRTP] 2.2.3.1.4 HeaderDataFormat: the type of a well-known header's value."""

    Void = 0
    CountedString = 1
    Byte = 2
    UInt16 = 3
    Int32 = 4


class StatusCode(enum.IntEnum):
    """[MS-NRTP] 2.2.3.1.2 TCPStatusCode: what a reply's StatusCode header says."""

    Success = 0
    Error = 1


_ENCODINGS = ("utf-16-le", "utf-8")  # by encoding byte
_OPERATIONS = tuple(Operation)
#: the data format each well-known header token must carry (index: token; Custom has none)
_FORMATS = (0, -1, 3, 1, 1, 0, 1)  # plain ints (DataFormat values): comparing with enum members costs more
_U16 = struct.Struct("<H")
_I32 = struct.Struct("<i")
_COUNTED = struct.Struct("<Bi")  # a counted string's encoding byte and length


class FrameError(Exception):
    """The peer broke the framing. ``answerable``: the frame started like a .NET Remoting frame, so an error
    frame can be sent back before the connection is closed (otherwise it is closed without a word)."""

    def __init__(self, message: str, answerable: bool = True) -> None:
        super().__init__(message)
        self.answerable = answerable


class ContentTooLarge(FrameError):
    """The content is larger than the limit; ``frame`` holds the headers (its body is empty)."""

    def __init__(self, message: str, frame: TcpFrame) -> None:
        super().__init__(message)
        self.frame = frame


@dataclass(frozen=True, slots=True)
class FrameLimits:
    """Bounds on one frame: content bytes, header count, one string's bytes, all headers' bytes, chunks."""

    max_content: int = 4 * 1024 * 1024
    max_headers: int = 64
    max_string: int = 16 * 1024
    max_header_bytes: int = 64 * 1024
    max_chunks: int = 65536

    @classmethod
    def from_limits(cls, limits: Limits) -> FrameLimits:
        """The frame limits of an application whose messages are bounded by ``limits`` (its ``max_bytes``)."""
        return cls(max_content=limits.max_bytes)


@dataclass(slots=True)
class TcpFrame:
    """One message frame. ``custom`` keeps custom headers in order, with their names as sent."""

    operation: Operation
    body: bytes = b""
    request_uri: str | None = None
    content_type: str | None = None
    status_code: int | None = None
    status_phrase: str | None = None
    close_connection: bool = False
    custom: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """A custom header's value by case-insensitive name (the last one wins), or None."""
        lower = name.lower()
        found = None
        for key, value in self.custom:
            if key.lower() == lower:
                found = value
        return found


# ------------------------------------------------------------------ writing


def _counted(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"\x01" + _I32.pack(len(data)) + data


def write_frame(frame: TcpFrame) -> bytes:
    """The bytes of ``frame``: one length-prefixed block of content, strings in UTF-8. Request headers go
    in the order Mono's client writes them (request URI, custom headers, content type); status headers first."""
    parts = [FRAME_START, _U16.pack(frame.operation), b"\x00\x00", _I32.pack(len(frame.body))]
    if frame.status_code is not None:
        parts.append(b"\x02\x00\x03" + _U16.pack(frame.status_code))
    if frame.status_phrase is not None:
        parts.append(b"\x03\x00\x01" + _counted(frame.status_phrase))
    if frame.request_uri is not None:
        parts.append(b"\x04\x00\x01" + _counted(frame.request_uri))
    for name, value in frame.custom:
        parts.append(b"\x01\x00" + _counted(name) + _counted(value))
    if frame.content_type is not None:
        parts.append(b"\x06\x00\x01" + _counted(frame.content_type))
    if frame.close_connection:
        parts.append(b"\x05\x00\x00")
    parts.append(b"\x00\x00")
    parts.append(frame.body)
    return b"".join(parts)


def write_chunked(frame: TcpFrame, chunk_size: int) -> bytes:
    """``frame`` with its content in chunks of ``chunk_size`` bytes ([MS-NRTP] 2.2.3.3.2); for tests and
    peers that want it (this package always sends one block)."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    plain = write_frame(dataclasses.replace(frame, body=b""))
    head = plain[: len(FRAME_START) + 2] + _U16.pack(ContentDistribution.Chunked) + plain[len(FRAME_START) + 8:]
    body = frame.body
    chunks = [
        _I32.pack(len(body[i : i + chunk_size])) + body[i : i + chunk_size] + CHUNK_DELIMITER
        for i in range(0, len(body), chunk_size)
    ]
    return head + b"".join(chunks) + _I32.pack(0) + CHUNK_DELIMITER


# ------------------------------------------------------------------ reading


class _Incomplete(Exception):
    """More bytes are needed; ``at_least`` is the buffer length worth waiting for."""

    def __init__(self, at_least: int) -> None:
        self.at_least = at_least


class FrameReader:
    """Push parser: :meth:`feed` bytes as they arrive, take frames with :meth:`next_frame`.

    The head of a frame (preamble to end of headers) is parsed once it is complete; a frame whose headers
    are not complete after ``max_header_bytes`` is refused without waiting for more.
    """

    def __init__(self, limits: FrameLimits | None = None) -> None:
        self.limits = limits or FrameLimits()
        self._buf = bytearray()
        self._need = 1  # don't try to parse before the buffer holds this many bytes
        self._head: tuple[TcpFrame, int, int, int] | None = None  # frame, content start, distribution, length
        self._chunks: list[bytes] = []
        self._chunk_pos = 0
        self._chunked_total = 0
        #: the last head of one block of content: its first 10 bytes (preamble, version, operation, content
        #: distribution), its header bytes, the frame they made
        self._last_head: tuple[bytes, bytes, TcpFrame] | None = None

    @property
    def buffered(self) -> int:
        """Bytes received and not yet returned as part of a frame."""
        return len(self._buf)

    @property
    def in_frame(self) -> bool:
        """True once a frame has begun and is not complete yet."""
        return bool(self._buf)

    @property
    def pending_head(self) -> TcpFrame | None:
        """The current frame's headers once they are complete and only content is missing (body empty)."""
        return self._head[0] if self._head is not None else None

    def check_start(self) -> None:
        """Raise :class:`FrameError` unless what is buffered starts like a frame this reader can answer."""
        _check_start(self._buf)

    def feed(self, data: bytes) -> None:
        self._buf += data

    def take(self, data: bytes) -> TcpFrame | None:
        """:meth:`feed` then :meth:`next_frame`, with a shortcut for the common case: when nothing is buffered
        and ``data`` is exactly one whole frame of one block of content, it is parsed in one pass straight from
        ``data``, without being copied into the buffer first (the content is the one copy made)."""
        if self._buf or len(data) < 14:
            self._buf += data
            return self.next_frame()
        try:
            head = self._parse_head(data)
        except _Incomplete:
            head = None
        except FrameError:
            self._buf += data  # as if fed: what was buffered stays visible (in_frame, check_start)
            raise
        if head is not None:
            frame, start, distribution, length = head
            if distribution == 0 and start + length == len(data):
                frame.body = data[start:]
                return frame
        self._buf += data
        self._head = head
        return self.next_frame()

    def next_frame(self) -> TcpFrame | None:
        """The next complete frame, or None until more bytes arrive; raises :class:`FrameError`."""
        buf = self._buf
        if len(buf) < self._need:
            if self._head is None and buf:
                _check_start(buf)  # refuse a wrong preamble from its first bytes
            return None
        try:
            if self._head is None:
                self._head = self._parse_head(buf)
            frame, start, distribution, length = self._head
            if distribution == ContentDistribution.NotChunked:
                end = start + length
                if len(buf) < end:
                    raise _Incomplete(end)
                frame.body = bytes(buf[start:end])
            else:
                end = self._read_chunks(buf, start)
                frame.body = b"".join(self._chunks)
        except _Incomplete as more:
            self._need = more.at_least
            return None
        del buf[:end]
        self._head = None
        self._chunks = []
        self._chunk_pos = 0
        self._chunked_total = 0
        self._need = 1
        return frame

    # -------------------------------------------------------------- head

    def _parse_head(self, buf: bytes | bytearray) -> tuple[TcpFrame, int, int, int]:
        """The head of the frame at the start of ``buf``: (frame without content, content start, distribution,
        content length). A client sends the same headers call after call (the same object, the same content
        type), so the last head of one block of content is remembered: a frame whose operation and header
        bytes are the same is not parsed again (only its content length is read and checked)."""
        last = self._last_head
        if last is not None:
            start, header_bytes, template = last
            end = 14 + len(header_bytes)
            if len(buf) >= end and buf.startswith(start) and buf.startswith(header_bytes, 14):
                length = _I32.unpack_from(buf, 10)[0]
                frame = TcpFrame(template.operation, b"", template.request_uri, template.content_type,
                                 template.status_code, template.status_phrase, template.close_connection,
                                 list(template.custom))  # fmt: skip
                if length < 0:
                    raise FrameError(f"negative content length {length}")
                if length > self.limits.max_content:
                    raise ContentTooLarge(f"content of {length} bytes exceeds the limit of {self.limits.max_content} "
                                          "bytes", frame)  # fmt: skip
                return frame, end, 0, length
        head = self._parse_new_head(buf)
        frame, end, distribution, _ = head
        if distribution == 0:
            template = TcpFrame(frame.operation, b"", frame.request_uri, frame.content_type, frame.status_code,
                                frame.status_phrase, frame.close_connection, list(frame.custom))  # fmt: skip
            self._last_head = (bytes(buf[:10]), bytes(buf[14:end]), template)
        return head

    def _parse_new_head(self, buf: bytes | bytearray) -> tuple[TcpFrame, int, int, int]:
        # plain ints, no enum lookups, tokens read as two bytes, the limits read once
        limits = self.limits
        max_header_bytes = limits.max_header_bytes
        max_string = limits.max_string
        available = len(buf)
        if available < 14 or not buf.startswith(FRAME_START):
            _check_start(buf)
            if available < 10:
                raise _Incomplete(10)
        operation = buf[6] | buf[7] << 8
        distribution = buf[8] | buf[9] << 8
        if operation > 2:
            raise FrameError(f"unknown operation type {operation}")
        length = 0
        if distribution == 0:
            if available < 14:
                raise _Incomplete(14)
            length = _I32.unpack_from(buf, 10)[0]
            if length < 0:
                raise FrameError(f"negative content length {length}")
            pos = headers_start = 14
        elif distribution == 1:
            pos = headers_start = 10
        else:
            raise FrameError(f"unknown content distribution {distribution}")
        frame = TcpFrame(_OPERATIONS[operation])
        count = 0
        seen = 0
        while True:
            if pos - headers_start > max_header_bytes:
                raise FrameError(f"the headers exceed {max_header_bytes} bytes")
            if available < pos + 2:
                raise _Incomplete(pos + 2)
            token = buf[pos] | buf[pos + 1] << 8
            pos += 2
            if token == 0:  # EndHeaders
                break
            count += 1
            if count > limits.max_headers:
                raise FrameError(f"more than {limits.max_headers} headers")
            if token == 1:  # Custom: name and value, no data format
                name, pos = self._string(buf, pos, headers_start)
                value, pos = self._string(buf, pos, headers_start)
                frame.custom.append((name, value))
                continue
            if token > 6:
                raise FrameError(f"unknown header token {token}")
            if seen & (1 << token):
                raise FrameError(f"header {HeaderToken(token).name} appears twice")
            seen |= 1 << token
            if available < pos + 1:
                raise _Incomplete(pos + 1)
            data_format = buf[pos]
            pos += 1
            if data_format != _FORMATS[token]:
                raise FrameError(f"header {HeaderToken(token).name} with data format {data_format}, "
                                 f"not {DataFormat(_FORMATS[token]).name}")
            if token == 4 or token == 6:  # RequestUri, ContentType: the counted string inline (every request)
                if available < pos + 5:
                    raise _Incomplete(pos + 5)
                code, size = _COUNTED.unpack_from(buf, pos)
                if code > 1:
                    raise FrameError(f"unknown string encoding {code}")
                if size < 0 or size > max_string:
                    raise FrameError(f"header string of {size} bytes (the limit is {max_string})")
                start = pos + 5
                pos = start + size
                if pos - headers_start > max_header_bytes:
                    raise FrameError(f"the headers exceed {max_header_bytes} bytes")
                if available < pos:
                    raise _Incomplete(pos)
                try:
                    text = str(buf[start:pos], _ENCODINGS[code])
                except UnicodeDecodeError:
                    raise FrameError(f"a header string is not valid {_ENCODINGS[code]}") from None
                if token == 4:
                    frame.request_uri = text
                else:
                    frame.content_type = text
            elif token == 5:  # CloseConnection
                frame.close_connection = True
            elif token == 2:  # StatusCode
                if available < pos + 2:
                    raise _Incomplete(pos + 2)
                frame.status_code = buf[pos] | buf[pos + 1] << 8
                pos += 2
            else:  # StatusPhrase
                frame.status_phrase, pos = self._string(buf, pos, headers_start)
        if pos - headers_start > max_header_bytes:
            raise FrameError(f"the headers exceed {max_header_bytes} bytes")
        if length > limits.max_content:
            raise ContentTooLarge(f"content of {length} bytes exceeds the limit of {limits.max_content} bytes", frame)
        return frame, pos, distribution, length

    def _string(self, buf: bytes | bytearray, pos: int, headers_start: int) -> tuple[str, int]:
        if len(buf) < pos + 5:
            raise _Incomplete(pos + 5)
        code = buf[pos]
        if code > 1:
            raise FrameError(f"unknown string encoding {code}")
        size = _I32.unpack_from(buf, pos + 1)[0]
        limits = self.limits
        if size < 0 or size > limits.max_string:
            raise FrameError(f"header string of {size} bytes (the limit is {limits.max_string})")
        start = pos + 5
        end = start + size
        if end - headers_start > limits.max_header_bytes:
            raise FrameError(f"the headers exceed {limits.max_header_bytes} bytes")
        if len(buf) < end:
            raise _Incomplete(end)
        try:
            return str(buf[start:end], _ENCODINGS[code]), end
        except UnicodeDecodeError:
            raise FrameError(f"a header string is not valid {_ENCODINGS[code]}") from None

    # -------------------------------------------------------------- chunked content

    def _read_chunks(self, buf: bytearray, start: int) -> int:
        """Collect chunks from where the last call stopped; returns the end of the frame."""
        limits = self.limits
        pos = self._chunk_pos or start
        while True:
            if len(buf) < pos + 4:
                self._chunk_pos = pos
                raise _Incomplete(pos + 4)
            size: int = _I32.unpack_from(buf, pos)[0]
            if size < 0:
                raise FrameError(f"negative chunk size {size}")
            if self._chunked_total + size > limits.max_content:
                assert self._head is not None
                raise ContentTooLarge(
                    f"chunked content exceeds the limit of {limits.max_content} bytes", self._head[0]
                )
            end = pos + 4 + size + 2
            if len(buf) < end:
                self._chunk_pos = pos
                raise _Incomplete(end)
            if buf[end - 2 : end] != CHUNK_DELIMITER:
                raise FrameError("a chunk does not end with CR LF")
            if size == 0:
                return end
            if len(self._chunks) >= limits.max_chunks:
                raise FrameError(f"more than {limits.max_chunks} chunks")
            self._chunks.append(bytes(buf[pos + 4 : pos + 4 + size]))
            self._chunked_total += size
            pos = end


def _check_start(buf: bytes | bytearray) -> None:
    prefix = bytes(buf[:4])
    if not PREAMBLE.startswith(prefix):
        raise FrameError("not a .NET Remoting frame (wrong preamble)", answerable=False)
    if len(buf) >= 6 and (buf[4], buf[5]) != (1, 0):
        raise FrameError(f"unsupported protocol version {buf[4]}.{buf[5]} (1.0 is spoken here)")


