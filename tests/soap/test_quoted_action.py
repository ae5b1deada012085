"""A SOAP action goes on the wire as an HTTP quoted-string (SOAPAction, or SOAP 1.2's ``action`` parameter):
anything a quoted-string cannot carry unescaped is refused before a byte is sent, since no SOAP toolkit
unescapes it and a line break would end the header."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soap import SoapEncodeError
from soap._client_formatter import quoted

UNSAFE = {'"', "\\", "\x7f", *map(chr, range(0x20))}


@given(st.text(max_size=40))
def test_an_action_is_quoted_unless_it_holds_a_quote_backslash_or_control_character(action: str) -> None:
    if UNSAFE & set(action):
        with pytest.raises(SoapEncodeError, match="quote, backslash or control character"):
            quoted(action)
    else:
        assert quoted(action) == f'"{action}"'


@pytest.mark.parametrize("bad", ['urn:a"b', "urn:a\\b", "urn:a\r\nX-Injected: 1", "urn:\x00", "urn:\x7f", "\t"])
def test_each_kind_of_unsafe_character_is_refused(bad: str) -> None:
    with pytest.raises(SoapEncodeError):
        quoted(bad)


def test_other_text_even_beyond_ascii_is_kept_as_it_is() -> None:
    assert quoted("http://tempuri.org/IHello/HelloMethod") == '"http://tempuri.org/IHello/HelloMethod"'
    assert quoted("urn:é\u2028\U0010ffff") == '"urn:é\u2028\U0010ffff"'
