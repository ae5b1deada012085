"""The TCP channel's fuzz targets (``fuzz/tcp_targets.py``) find what they are meant to find: their rules are
not vacuous. (Every target, these two included, runs on its seeds, mutated seeds and random bytes in
``test_fuzz_targets.py``.)"""

from __future__ import annotations

import pytest

from fuzz import tcp_targets
from fuzz.rules import Finding
from fuzz.tcp_targets import seeds, tcp_entry, tcp_frames, tcp_threads
from gateway.tcp import framing, server, threaded
from gateway.tcp.framing import FrameReader, TcpFrame


def test_the_seeds_hold_the_captured_frames_whole_and_in_pieces() -> None:
    assert [tcp_frames(seed) for seed in seeds("tcp_frames")][:2] == [1, 1]
    assert sum(tcp_entry(seed) for seed in seeds("tcp_entry")) >= 8  # every request but the one-way ones


def test_an_error_other_than_a_frame_error_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(self: FrameReader, data: bytes) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(FrameReader, "take", crash)
    with pytest.raises(Finding, match="KeyError"):
        tcp_frames(seeds("tcp_frames")[0])


def test_a_reading_that_depends_on_the_pieces_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader whose one-pass shortcut read a whole frame differently from the buffered path is found."""
    shortcut = FrameReader.take

    def wrong_when_whole(self: FrameReader, data: bytes) -> TcpFrame | None:
        frame = shortcut(self, data)
        if frame is not None and len(data) > 100:
            frame.request_uri = "elsewhere"
        return frame

    monkeypatch.setattr(FrameReader, "take", wrong_when_whole)
    with pytest.raises(Finding, match="read in pieces"):
        tcp_frames(seeds("tcp_frames")[1])  # the first capture, cut in pieces of 7


def test_a_frame_that_does_not_read_back_once_written_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tcp_targets, "write_frame", lambda frame: framing.write_frame(TcpFrame(frame.operation)))
    with pytest.raises(Finding, match="did not read back"):
        tcp_frames(seeds("tcp_frames")[0])


def test_a_broken_reply_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "reply_bytes", lambda response: b".NET\x01\x00\x02\x00")
    with pytest.raises(Finding, match="part of a frame"):
        tcp_entry(seeds("tcp_entry")[0])


def test_a_call_the_channel_fails_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sink chain that raises is answered (a generic error frame, the connection closed) but logged as the
    channel's failure: the target reports it."""
    channel, _, _ = tcp_targets._channel()

    async def failing(request: object) -> None:
        raise RuntimeError("a broken sink")

    monkeypatch.setattr(channel, "_chain", failing)
    with pytest.raises(Finding, match="failed a call"):
        tcp_entry(seeds("tcp_entry")[0])


def test_a_leak_in_a_reply_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "error_frame", lambda message, close=True: TcpFrame(
        framing.Operation.Reply, b"", status_code=1, status_phrase='File "/srv/gateway/tcp/server.py", line 1'))
    with pytest.raises(Finding, match="leaked"):
        tcp_entry(bytes([0]) + b".NET\x01\x00\x00\x00\x00\x00\x05\x00\x00\x00\x07\x07")  # an unknown header


def test_a_listener_that_stops_answering_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The new connection after each input must still be answered."""
    hello = seeds("tcp_entry")[0]
    monkeypatch.setattr(tcp_targets, "_HELLO", b".NET\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
    with pytest.raises(Finding, match="new connection"):
        tcp_entry(hello)


def test_a_client_failing_on_a_reply_frame_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(frame: TcpFrame, request: object) -> None:
        raise UnicodeEncodeError("ascii", "é", 0, 1, "ordinal not in range(128)")

    monkeypatch.setattr(tcp_targets, "response_from", crash)
    with pytest.raises(Finding, match="the client failed on a reply frame: UnicodeEncodeError"):
        tcp_frames(seeds("tcp_frames")[0])


def test_the_threaded_channel_is_held_to_the_same_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """``tcp_threads`` runs the inputs against a thread per connection over loopback: a broken reply written
    by a connection thread, or a call it fails, is found as on the event loop's channel."""
    assert sum(tcp_threads(seed) for seed in seeds("tcp_threads")) >= 8
    monkeypatch.setattr(threaded, "reply_bytes", lambda response: b".NET\x01\x00\x02\x00")
    with pytest.raises(Finding, match="part of a frame"):
        tcp_threads(seeds("tcp_threads")[0])
    monkeypatch.undo()

    def failing(self: threaded.ThreadedConnection, request: object) -> None:
        raise RuntimeError("a broken sink")

    monkeypatch.setattr(threaded.ThreadedConnection, "_call", failing)
    with pytest.raises(Finding, match="failed a call"):
        tcp_threads(seeds("tcp_threads")[0])
