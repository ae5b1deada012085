"""The client's fuzz target (``fuzz/client_targets.py``): its seeds make the calls they answer, its rule finds
what it is meant to find, and what it found stays fixed. (It runs on mutated seeds and random bytes with
every other target in ``test_fuzz_targets.py``.)"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from fuzz import client_targets
from fuzz.client_targets import CALLS, client_entry, seeds, split
from fuzz.rules import Finding

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_every_seed_answers_its_call_as_mono_did() -> None:
    endings = {(CALLS[seed[2]][0], client_targets.FORMATTERS[seed[3]]): client_entry(seed) for seed in seeds()}
    assert endings[("HelloMethod", "soap")] == endings[("HelloMethod", "binary")] == "returned"
    assert endings[("Fail", "soap")] == endings[("Fail", "binary")] == "GreetingException"
    assert endings[("Activate", "binary")] == "returned"


def test_an_answer_that_is_no_message_is_a_remoting_error() -> None:
    assert client_entry(bytes([11, 4, 0, 0]) + b"<html>gone</html>") == "RemotingError"  # HTTP 204, text/html


def test_a_reference_without_a_reachable_url_is_an_unreadable_reply() -> None:
    """Found by the fuzzer: an activation reply whose ObjRef names no HTTP or TCP URL raised a bare
    ``SoapEncodeError`` out of ``create_instance``; it is an unreadable reply, a ``RemotingError``."""
    reply = (FIXTURES / "mono_binary" / "027_Activate.response.bin").read_bytes()
    mangled = reply.replace(b"http://127.0.0.1:8186", b"xttp://127.0.0.1:8186")
    activate = next(n for n, (name, _) in enumerate(CALLS) if name == "Activate")
    head = bytes([0, 1, activate, 1])
    assert split(head + mangled)[2:4] == (activate, "binary")
    assert client_entry(head + mangled) == "RemotingError"


def test_any_other_exception_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(client: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(client_targets, "CALLS", (("crash", crash),))
    with pytest.raises(Finding, match=r"crash .* raised KeyError"):
        client_entry(bytes(4))


def test_an_encoded_answer_is_inflated_by_the_client_within_its_limit() -> None:
    hello = next(seed for seed in seeds() if CALLS[seed[2]][0] == "HelloMethod" and seed[3] == 0)
    gzip_head = bytes([hello[0], hello[1], hello[2], 0b100])  # the fourth byte's upper bits: gzip
    assert split(gzip_head)[4] == "gzip"
    assert client_entry(gzip_head + gzip.compress(hello[4:])) == "returned"
    assert client_entry(gzip_head + gzip.compress(b" " * (8 * 1024 * 1024))) == "RemotingError"  # over 4 MiB
    assert client_entry(gzip_head + b"not gzip") == "RemotingError"
