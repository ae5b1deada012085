"""The [MS-NRTP] frame codec: Mono's captured frames, round trips of any frame split anywhere, and every
malformed or oversized frame refused from the bytes that show it, before anything is allocated for it."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.tcp.framing import (
    ContentTooLarge,
    FrameError,
    FrameLimits,
    FrameReader,
    Operation,
    StatusCode,
    TcpFrame,
    write_chunked,
    write_frame,
)

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_tcp"


def capture(name: str) -> bytes:
    return (CAPTURES / name).read_bytes()


def parse(data: bytes, limits: FrameLimits | None = None) -> TcpFrame:
    reader = FrameReader(limits)
    reader.feed(data)
    frame = reader.next_frame()
    assert frame is not None, "incomplete frame"
    assert reader.buffered == 0, "bytes left over"
    return frame


def refuse(data: bytes, limits: FrameLimits | None = None) -> FrameError:
    reader = FrameReader(limits)
    reader.feed(data)
    with pytest.raises(FrameError) as info:
        reader.next_frame()
    return info.value


HELLO = TcpFrame(Operation.Request, b"\x00body", "tcp://127.0.0.1:9000/SayHello.rem", "application/octet-stream")


# ------------------------------------------------------------------ Mono's frames


def test_mono_binary_request_and_reply() -> None:
    request = parse(capture("binary_HelloMethod.request.bin"))
    assert request.operation is Operation.Request
    assert request.request_uri == "tcp://127.0.0.1:9101/SayHello.soap"
    assert request.content_type == "application/octet-stream"
    assert request.custom == []
    assert b"HelloMethod" in request.body and len(request.body) == 135
    reply = parse(capture("binary_HelloMethod.reply.bin"))
    assert reply.operation is Operation.Reply
    assert (reply.content_type, reply.custom, reply.status_code) == (None, [], None)  # Mono names no type
    assert b"Hi there Alice" in reply.body


def test_mono_soap_request_carries_soapaction_as_a_custom_header() -> None:
    request = parse(capture("soap_HelloMethod.request.bin"))
    assert request.content_type == 'text/xml; charset="utf-8"'
    assert request.custom == [
        ("SOAPAction", '"http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared#HelloMethod"')
    ]
    assert request.body.startswith(b"<SOAP-ENV:Envelope")


def test_mono_soap_fault_is_an_ordinary_reply_with_http_status_headers() -> None:
    reply = parse(capture("soap_Fail.reply.bin"))
    assert reply.operation is Operation.Reply and reply.status_code is None
    assert reply.custom == [("__HttpStatusCode", "500"), ("__HttpReasonPhrase", "Bad Request")]
    assert reply.header("__httpstatuscode") == "500"
    assert b"GreetingException" in reply.body


def test_mono_one_way_request_operation() -> None:
    assert parse(capture("binary_OneWay_Ping.request.bin")).operation is Operation.OneWayRequest


@pytest.mark.parametrize("name", sorted(p.name for p in CAPTURES.glob("*.bin")))
def test_written_frames_are_byte_for_byte_monos(name: str) -> None:
    """Headers go in Mono's order (request URI, custom headers, content type), strings in UTF-8."""
    data = capture(name)
    assert write_frame(parse(data)) == data


# ------------------------------------------------------------------ round trips

TEXT = st.text(max_size=40)
FRAMES = st.builds(
    TcpFrame,
    operation=st.sampled_from(list(Operation)),
    body=st.binary(max_size=3000),
    request_uri=st.none() | TEXT,
    content_type=st.none() | TEXT,
    status_code=st.none() | st.integers(0, 65535),
    status_phrase=st.none() | TEXT,
    close_connection=st.booleans(),
    custom=st.lists(st.tuples(TEXT.filter(bool), TEXT), max_size=5),
)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def _read_pieces(pieces: list[bytes]) -> list[TcpFrame]:
    reader = FrameReader()
    frames = []
    for piece in pieces:
        reader.feed(piece)
        while (frame := reader.next_frame()) is not None:
            frames.append(frame)
    assert reader.buffered == 0 and not reader.in_frame
    return frames


@settings(max_examples=200, deadline=None)
@given(FRAMES, st.lists(st.integers(0, 10_000), max_size=8))
def test_round_trip_in_any_pieces(frame: TcpFrame, cuts: list[int]) -> None:
    assert _read_pieces(_split(write_frame(frame), cuts)) == [frame]


@settings(max_examples=100, deadline=None)
@given(FRAMES, st.integers(1, 500), st.lists(st.integers(0, 10_000), max_size=8))
def test_chunked_round_trip_in_any_pieces(frame: TcpFrame, chunk: int, cuts: list[int]) -> None:
    assert _read_pieces(_split(write_chunked(frame, chunk), cuts)) == [frame]


@settings(max_examples=50, deadline=None)
@given(st.lists(FRAMES, min_size=2, max_size=4))
def test_frames_back_to_back_on_one_connection(frames: list[TcpFrame]) -> None:
    assert _read_pieces([b"".join(write_frame(f) for f in frames)]) == frames


def test_utf16_strings_are_read() -> None:
    """[MS-NRTP] CountedString: encoding 0 is UTF-16LE (Mono and .NET write UTF-8, encoding 1)."""
    uri = "Grüße.rem".encode("utf-16-le")
    data = (b".NET\x01\x00\x00\x00\x00\x00" + struct.pack("<i", 0)
            + b"\x04\x00\x01\x00" + struct.pack("<i", len(uri)) + uri + b"\x00\x00")  # fmt: skip
    assert parse(data).request_uri == "Grüße.rem"


def test_error_frame_fields() -> None:
    frame = TcpFrame(Operation.Reply, status_code=StatusCode.Error, status_phrase="no", close_connection=True)
    assert parse(write_frame(frame)) == frame


# ------------------------------------------------------------------ refused input

LIMITS = FrameLimits(max_content=1000, max_headers=8, max_string=100, max_header_bytes=400, max_chunks=10)


def _head(operation: int = 0, distribution: int = 0, length: int = 0) -> bytes:
    content = struct.pack("<i", length) if distribution == 0 else b""
    return b".NET\x01\x00" + struct.pack("<HH", operation, distribution) + content


def _string(text: bytes, encoding: int = 1) -> bytes:
    return bytes([encoding]) + struct.pack("<i", len(text)) + text


def test_wrong_preamble_is_refused_from_the_first_byte_without_an_answer() -> None:
    assert not refuse(b"G").answerable
    assert not refuse(b"GET / HTTP/1.1\r\n\r\n").answerable
    assert not refuse(b".NEX\x01\x00").answerable


def test_wrong_version_is_refused_with_an_answer() -> None:
    error = refuse(b".NET\x02\x00")
    assert error.answerable and "version 2.0" in str(error)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_head(operation=7), "unknown operation type 7"),
        (_head(distribution=5), "unknown content distribution 5"),
        (_head(length=-1), "negative content length"),
        (_head() + b"\x09\x00\x01" + _string(b"x"), "unknown header token 9"),
        (_head() + b"\x04\x00\x03\x00\x00", "data format 3"),
        (_head() + b"\x04\x00\x01" + _string(b"x", encoding=7), "unknown string encoding 7"),
        (_head() + b"\x04\x00\x01" + _string(b"\xff\xfe"), "not valid utf-8"),
        (_head() + b"\x04\x00\x01" + struct.pack("<bi", 1, -5), "header string of -5 bytes"),
        (_head() + b"\x04\x00\x01" + struct.pack("<bi", 1, 101), "header string of 101 bytes"),
        (_head() + (b"\x04\x00\x01" + _string(b"a")) * 2, "RequestUri appears twice"),
        (_head() + (b"\x01\x00" + _string(b"n") + _string(b"v")) * 9, "more than 8 headers"),
        (_head() + (b"\x01\x00" + _string(b"n" * 90) + _string(b"v" * 90)) * 3, "headers exceed 400 bytes"),
        (_head(distribution=1) + b"\x00\x00" + struct.pack("<i", 2) + b"ab--", "does not end with CR LF"),
        (_head(distribution=1) + b"\x00\x00" + struct.pack("<i", -2), "negative chunk size"),
        (_head(distribution=1) + b"\x00\x00" + (struct.pack("<i", 1) + b"a\r\n") * 11, "more than 10 chunks"),
    ],
)
def test_malformed_frames_are_refused(data: bytes, message: str) -> None:
    error = refuse(data, LIMITS)
    assert message in str(error)
    assert error.answerable


def test_content_larger_than_the_limit_is_refused_before_it_arrives_headers_kept() -> None:
    data = _head(length=1001) + b"\x04\x00\x01" + _string(b"Big.rem") + b"\x06\x00\x01" + _string(b"text/xml")
    error = refuse(data + b"\x00\x00", LIMITS)
    assert isinstance(error, ContentTooLarge)
    assert (error.frame.request_uri, error.frame.content_type) == ("Big.rem", "text/xml")


def test_chunked_content_larger_than_the_limit_is_refused() -> None:
    data = _head(distribution=1) + b"\x00\x00" + struct.pack("<i", 600) + b"a" * 600 + b"\r\n" + struct.pack("<i", 600)
    assert isinstance(refuse(data, LIMITS), ContentTooLarge)


def test_a_declared_length_is_not_allocated_before_its_bytes_arrive() -> None:
    """A frame announcing the maximum content and sending a little of it holds only what arrived."""
    reader = FrameReader(FrameLimits(max_content=1 << 30))
    reader.feed(_head(length=1 << 30) + b"\x00\x00" + b"x" * 100)
    assert reader.next_frame() is None
    assert reader.buffered == 116 and reader.pending_head is not None


def test_incomplete_headers_wait_without_error() -> None:
    data = write_frame(HELLO)
    reader = FrameReader()
    for i in range(len(data) - 1):
        reader.feed(data[i : i + 1])
        assert reader.next_frame() is None
    reader.feed(data[-1:])
    assert reader.next_frame() == HELLO


def test_a_repeated_head_is_checked_like_a_new_one() -> None:
    """A reader remembers the last head it parsed (a client repeats its headers call after call): frames with
    the same headers still get their own content and length checks, and other headers are parsed afresh."""
    reader = FrameReader(LIMITS)
    headers = b"\x04\x00\x01" + _string(b"SayHello.rem") + b"\x06\x00\x01" + _string(b"application/octet-stream")
    for body in (b"first", b"a second body"):
        frame = reader.take(_head(length=len(body)) + headers + b"\x00\x00" + body)
        assert frame is not None and (frame.request_uri, frame.body) == ("SayHello.rem", body)
    other = reader.take(write_frame(HELLO))
    assert other == HELLO
    reader.take(_head(length=3) + headers + b"\x00\x00" + b"abc")
    with pytest.raises(ContentTooLarge) as too_large:
        reader.take(_head(length=1001) + headers + b"\x00\x00")
    assert too_large.value.frame.request_uri == "SayHello.rem"
    reader = FrameReader(LIMITS)
    reader.take(_head(length=1) + headers + b"\x00\x00" + b"x")
    with pytest.raises(FrameError, match="negative content length"):
        reader.take(_head(length=-5) + headers + b"\x00\x00")


def test_a_whole_frame_taken_in_one_read_equals_one_fed_in_pieces() -> None:
    data = write_frame(HELLO) + write_frame(HELLO)[:20]
    reader = FrameReader()
    assert reader.take(data) == HELLO  # two frames' worth in one read: the first now, the rest buffered
    assert reader.buffered == 20
    assert reader.take(write_frame(HELLO)[20:]) == HELLO and reader.buffered == 0
