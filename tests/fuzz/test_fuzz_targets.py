"""Bounded fuzzing of the three readers and the HTTP entry (``fuzz/targets.py``; the long run is ``fuzz/run.py``).

Hypothesis mutates the seeds of each target (captured Mono requests and responses, our own literal calls)
with byte and token insertions, deletions, replacements, duplications and truncations; each target's rule
must hold for every input: a reader returns or raises ``SoapDecodeError`` with a message, the app answers
every request without a traceback or path. No wall-clock bounds (they flake on a busy machine): a hang
would show as the test not finishing. ``FUZZ_EXAMPLES`` sets the examples per target (default 150, 300
under ``CI=true``).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz import targets
from fuzz.targets import TARGETS, Finding, seeds, split_http

from ..soap.test_hostile_input import mutated
from ..support.peers import in_ci

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300" if in_ci() else "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
SEEDS = {name: {f"{n}_{name}": seed for n, seed in enumerate(seeds(name))} for name in TARGETS}


@pytest.mark.parametrize("name", list(TARGETS))
def test_every_seed_passes_its_target(name: str) -> None:
    for seed in SEEDS[name].values():
        TARGETS[name](seed)


@pytest.mark.parametrize("name", list(TARGETS))
def test_mutated_inputs_keep_the_rule(name: str) -> None:
    @FUZZ
    @given(case=mutated(SEEDS[name]), cut=st.one_of(st.none(), st.integers(0, 4096)))
    def run(case: tuple[str, bytes], cut: int | None) -> None:
        _, data = case
        TARGETS[name](data if cut is None else data[:cut])

    run()


@FUZZ
@given(st.binary(max_size=1024))
def test_random_bytes_keep_every_rule(data: bytes) -> None:
    for target in TARGETS.values():
        target(data)


@FUZZ
@given(head=st.binary(min_size=4, max_size=4), body=st.sampled_from(list(SEEDS["http_entry"].values())))
def test_every_method_path_content_type_and_header_is_answered(head: bytes, body: bytes) -> None:
    """Every combination the HTTP target knows, with a real body from another combination."""
    TARGETS["http_entry"](head + body[4:])


def test_a_broken_rule_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules are not vacuous: a reader raising something else, or an answer with a traceback, is found."""
    def crash(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(targets.BINARY, "read_call", crash)
    with pytest.raises(Finding, match="KeyError"):
        targets.nrbf(seeds("nrbf")[0])
    assert split_http(bytes([0, 0, 0])) == ("POST", "/SayHello.soap", "text/xml; charset=utf-8", None, b"")
    assert split_http(bytes([0, 0, 0, 4, 1]))[3:] == ((b"content-length", b"\xb2"), b"\x01")
    assert targets.LEAKS.search('Traceback (most recent call last):\n  File "/x/soap/_xml.py", line 1')
