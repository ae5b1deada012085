"""The stub generator's fuzz target (``fuzz/stub_targets.py``): its seeds generate modules, and its rule finds
a WSDL text that became code. (It runs on mutated seeds and random bytes with every other target in
``test_fuzz_targets.py``.)"""

from __future__ import annotations

import pytest

from fuzz.rules import Finding
from fuzz.stub_targets import check_source, seeds, wsdl_stub
from wsdl import _stubgen


def test_the_seeds_generate_modules() -> None:
    assert sum(wsdl_stub(seed) > 0 for seed in seeds()) >= 3  # (orders_main.wsdl imports files not beside it)


def test_a_text_that_became_code_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The generator as it was: a name written into a docstring unescaped (hostile_names.wsdl's service name
    closes the docstring)."""
    monkeypatch.setattr(_stubgen, "_docstring", lambda text, indent: text)
    hostile = next(seed for seed in seeds() if b"PWNED" in seed)
    with pytest.raises(Finding):
        wsdl_stub(hostile)


def test_an_expression_statement_or_a_foreign_import_is_a_finding() -> None:
    with pytest.raises(Finding, match="an expression in A"):
        check_source('class A:\n    """x"""\n    print("y")\n')
    with pytest.raises(Finding, match=r"an expression in the module: 'a' \+ str\(open"):
        check_source('"""a""" + str(open("x"))\n')
    with pytest.raises(Finding, match="imports"):
        check_source("import os\n")
    check_source('"""doc"""\nfrom gateway import RemotingClient\n\n\nclass A:\n    """x"""\n')
