"""Calls read from a template, answers written from one: exactly what the full parser and writer give.

``SoapFormatter`` reads a Remoting call of a shape it read before without parsing it (soap/_request_templates.py)
and writes a scalar answer to a method it answered before from the earlier answer's bytes
(soap/_response_templates.py). Whatever a client puts in the values (markup, references, CR, control
characters, invalid UTF-8, numbers out of range, white space, nothing), the call must decode to what the full
parser decodes, or fail with the same fault; a message whose constant part differs in any way is read by the
full parser; and an answer is byte for byte the full writer's, or the same refusal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soap import (
    Byte,
    Int64,
    MethodReturn,
    SoapError,
    SoapFormatter,
    wire_type,
)
from soap._byte_template import MAX_SLOT_BYTES
from soap._request_templates import PER_CONTENT_TYPE, TemplateCall
from soap._types import VOID

NAMESPACE = "http://schemas.microsoft.com/clr/nsassem/Shop.IOrders/Shop"
CONTENT_TYPE = 'text/xml; charset="utf-8"'
TYPES = [wire_type(str), wire_type(int), wire_type(float), wire_type(bool)]
NAMES = ["name", "count", "ratio", "urgent"]
XSI_TYPES = ["SOAP-ENC:string", "xsd:int", "xsd:double", "xsd:boolean"]
ENVELOPE = (
    b'<SOAP-ENV:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    b'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
    b'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:clr="http://schemas.microsoft.com/clr/" '
    b'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">\n'
)
PLAIN = [b"Alice", b"3", b"0.5", b"true"]


def request(slots: list[bytes], method: bytes = b"Order", namespace: str = NAMESPACE, method_id: bool = True,
            head: bytes = ENVELOPE, extra: bytes = b"", body_open: bytes = b"<SOAP-ENV:Body>\n") -> bytes:
    """Mono's shape of a call of ``Order(name, count, ratio, urgent)`` with these raw bytes as the values."""
    params = b"".join(
        b'<%s id="ref-%d" xsi:type="%s">%s</%s>\n' % (n.encode(), i + 2, t.encode(), s, n.encode())
        if n == "name" else b'<%s xsi:type="%s">%s</%s>\n' % (n.encode(), t.encode(), s, n.encode())
        for i, (n, t, s) in enumerate(zip(NAMES, XSI_TYPES, slots, strict=True))
    )
    ident = b' id="ref-1"' if method_id else b""
    return (head + body_open + b'<i2:%s%s xmlns:i2="%s"%s>\n' % (method, ident, namespace.encode(), extra)
            + params + b"</i2:%s>\n</SOAP-ENV:Body>\n</SOAP-ENV:Envelope>" % method)


def outcome(formatter: SoapFormatter, body: bytes, types: list = TYPES) -> tuple[object, ...]:
    """What reading ``body`` gives: the call and its decoded arguments, or the fault."""
    try:
        call = formatter.read_call(body, CONTENT_TYPE)
        args = call.decode_arguments(types, NAMES)
    except SoapError as exc:
        return ("fault", type(exc).__name__, str(exc))
    toolkit = getattr(call, "toolkit", None)
    return ("call", call.method_name, call.namespace, call.argument_count, toolkit, list(call.header_blocks),
            call.call_context(), args)


def primed(body: bytes = request(PLAIN)) -> SoapFormatter:
    """A formatter that has read ``body`` once (so it holds its template)."""
    formatter = SoapFormatter()
    outcome(formatter, body)
    assert isinstance(formatter.read_call(body, CONTENT_TYPE), TemplateCall)
    return formatter


def matches(formatter: SoapFormatter, body: bytes) -> bool:
    """``body`` would be read from one of the formatter's templates."""
    assert formatter._requests is not None
    return formatter._requests.read(body, CONTENT_TYPE, None) is not None


FULL = SoapFormatter(templates=False)
PRIMED = primed()

slot_values = st.one_of(
    st.text(max_size=12).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.binary(max_size=8),
    st.integers(min_value=-(2**70), max_value=2**70).map(lambda n: str(n).encode()),
    st.floats(allow_nan=True).map(lambda f: repr(f).encode()),
    st.sampled_from([
        b"", b" ", b"   ", b"\t\n", b"\r", b"a\r\nb", b"a&amp;b", b"&#13;", b"&lt;", b"a]]>b", b"a]]b", b"a>b",
        b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\xed\xa0\x80", b"\xf0\x9f\x98\x80", b"\xc2\x85", b"\x7f", b"\x00",
        b"\x0b", b"<x/>", b"a<!--c-->b", b"<![CDATA[x]]>", b"2147483647", b"2147483648", b"-2147483649",
        b" 42 ", b"+7", b"1e308", b"1e309", b"INF", b"NaN", b"1", b"0", b"True", b"yes", b"9" * 50,
    ]),
)


@settings(max_examples=300, deadline=None)
@given(slots=st.lists(slot_values, min_size=4, max_size=4))
def test_a_call_read_from_its_template_is_what_the_full_parser_reads(slots: list[bytes]) -> None:
    body = request(slots)
    assert outcome(PRIMED, body) == outcome(FULL, body)


#: what XML 1.0 allows as text, but the markup and the characters a template slot refuses
_C0 = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n")
plain_texts = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="<&\ufffe\uffff" + _C0),
                      min_size=1, max_size=20).filter(lambda t: "]]>" not in t)


@settings(max_examples=100, deadline=None)
@given(text=plain_texts)
def test_plain_text_is_read_from_the_template(text: str) -> None:
    """Values a client ordinarily sends take the template path (this test fails if it stops being taken)."""
    body = request([text.encode(), b"12", b"1.25", b"false"])
    call = PRIMED.read_call(body, CONTENT_TYPE)
    assert isinstance(call, TemplateCall)
    assert call.decode_arguments(TYPES, NAMES) == [text, 12, 1.25, False]
    assert outcome(PRIMED, body) == outcome(FULL, body)


@pytest.mark.parametrize("slots", [
    [b"a<b", *PLAIN[1:]], [b"a&amp;b", *PLAIN[1:]], [b"a\r\nb", *PLAIN[1:]], [b"a\x01b", *PLAIN[1:]],
    [b"", *PLAIN[1:]], [b"\xff", *PLAIN[1:]], [b"a]]>b", *PLAIN[1:]], [b"\xef\xbf\xbf", *PLAIN[1:]],
])
def test_text_the_parser_would_read_otherwise_is_not_read_from_the_template(slots: list[bytes]) -> None:
    body = request(slots)
    assert not matches(PRIMED, body)
    assert outcome(PRIMED, body) == outcome(FULL, body)


@pytest.mark.parametrize("count", [b"2147483648", b"-2147483649", b"1.5", b" ", b"0x10", b"9" * 41])
def test_a_value_its_parser_refuses_gets_the_full_paths_fault(count: bytes) -> None:
    body = request([PLAIN[0], count, *PLAIN[2:]])
    assert isinstance(PRIMED.read_call(body, CONTENT_TYPE), TemplateCall)
    result = outcome(PRIMED, body)
    assert result[0] == "fault" and "<count>" in str(result[2])
    assert result == outcome(FULL, body)


def test_a_long_text_is_read_by_the_full_parser() -> None:
    """Beyond MAX_SLOT_BYTES the full parser reads it (libxml2 has its own bound on a text node)."""
    body = request([b"x" * (MAX_SLOT_BYTES + 1), *PLAIN[1:]])
    assert not matches(PRIMED, body)
    assert outcome(PRIMED, body) == outcome(FULL, body)
    assert matches(PRIMED, request([b"x" * MAX_SLOT_BYTES, *PLAIN[1:]]))


def test_a_text_over_the_limit_gets_the_full_paths_fault() -> None:
    from soap import Limits

    limits = Limits(max_text_length=10)
    formatter, full = SoapFormatter(limits=limits), SoapFormatter(limits=limits, templates=False)
    outcome(formatter, request(PLAIN))
    body = request([b"x" * 11, *PLAIN[1:]])
    assert isinstance(formatter.read_call(body, CONTENT_TYPE), TemplateCall)
    result = outcome(formatter, body)
    assert result[:2] == ("fault", "LimitExceeded") and result == outcome(full, body)


@pytest.mark.parametrize("tampered", [
    request(PLAIN, method=b"Cancel"),
    request(PLAIN, namespace=NAMESPACE.replace("Shop", "Shop2")),
    request(PLAIN, extra=b' x="1"'),
    request(PLAIN, method_id=False),
    b'<!DOCTYPE x [<!ENTITY e "Alice">]>' + request(PLAIN),
    request(PLAIN, body_open=b"<SOAP-ENV:Body></SOAP-ENV:Body>\n<SOAP-ENV:Body>\n"),
    request(PLAIN, body_open=b"<SOAP-ENV:Header></SOAP-ENV:Header>\n<SOAP-ENV:Body>\n"),
    request(PLAIN, body_open=b"<SOAP-ENV:Body>\n<!-- hi -->\n"),
    request(PLAIN, head=ENVELOPE.replace(b"xmlns:xsd=", b"xmlns:xsd2=")),
    request(PLAIN, head=ENVELOPE.replace(b"encoding/", b"encodings/", 1)),
    request(PLAIN, head=b'<?xml version="1.0" encoding="iso-8859-1"?>' + ENVELOPE),
    request(PLAIN).replace(b'xsi:type="xsd:int"', b'xsi:type="xsd:long"'),
    request(PLAIN).replace(b"</SOAP-ENV:Envelope>", b"</SOAP-ENV:Envelope>\n"),
    request(PLAIN) + b"<x/>",
    request(PLAIN)[:-1],
])
def test_a_changed_constant_part_is_read_by_the_full_parser(tampered: bytes) -> None:
    assert not matches(PRIMED, tampered)
    assert outcome(PRIMED, tampered) == outcome(FULL, tampered)


def test_other_declared_types_are_decoded_by_the_full_path() -> None:
    body = request([b"42", *PLAIN[1:]])
    assert isinstance(PRIMED.read_call(body, CONTENT_TYPE), TemplateCall)
    wider = [TYPES[0], wire_type(Int64), *TYPES[2:]]  # xsd:int widens to a long
    assert outcome(PRIMED, body, wider) == outcome(FULL, body, wider)
    assert outcome(PRIMED, body, wider)[-1] == ["42", 3, 0.5, True]
    restated = [wire_type(int), *TYPES[1:]]  # the name's xsi:type says string
    assert outcome(PRIMED, body, restated) == outcome(FULL, body, restated)
    assert "is not the declared type int" in str(outcome(PRIMED, body, restated)[-1])


def test_another_content_type_has_its_own_templates() -> None:
    body = request(PLAIN)
    assert PRIMED._requests is not None and PRIMED._requests.read(body, "application/soap+xml", None) is None
    with pytest.raises(SoapError, match=r"SOAP 1.1 envelope sent as application/soap\+xml"):
        PRIMED.read_call(body, "application/soap+xml")


def test_a_toolkit_call_keeps_its_dialect() -> None:
    """A call without the .NET method id (suds, Axis ...) is answered with standard SOAP nulls: its template too."""
    body = request(PLAIN, method_id=False)
    formatter = primed(body)
    call = formatter.read_call(request([b"Bob", *PLAIN[1:]], method_id=False), CONTENT_TYPE)
    assert isinstance(call, TemplateCall) and call.toolkit
    full_call = FULL.read_call(request([b"Bob", *PLAIN[1:]], method_id=False), CONTENT_TYPE)
    ret = MethodReturn("Order", NAMESPACE, "Hi Bob", wire_type(str))
    assert formatter.write_return(call, ret) == FULL.write_return(full_call, ret)
    assert b'xsi:type="xsd:string"' in formatter.write_return(call, ret)[0]


def test_an_xml_declaration_naming_utf8_is_part_of_the_template() -> None:
    head = b'<?xml version="1.0" encoding="utf-8"?>\n' + ENVELOPE
    formatter = primed(request(PLAIN, head=head))
    body = request([b"Z\xc3\xbcrich", *PLAIN[1:]], head=head)
    assert isinstance(formatter.read_call(body, CONTENT_TYPE), TemplateCall)
    assert outcome(formatter, body)[-1] == ["Zürich", 3, 0.5, True]


def test_the_templates_are_bounded() -> None:
    formatter = SoapFormatter()
    for i in range(PER_CONTENT_TYPE + 10):
        outcome(formatter, request(PLAIN, method=b"Order%d" % i))
    templates = formatter._requests
    assert templates is not None
    assert len(templates._by_type[CONTENT_TYPE]) == PER_CONTENT_TYPE
    newest = request([b"Bob", *PLAIN[1:]], method=b"Order%d" % (PER_CONTENT_TYPE + 9))
    assert isinstance(formatter.read_call(newest, CONTENT_TYPE), TemplateCall)
    oldest = request([b"Bob", *PLAIN[1:]], method=b"Order0")
    assert not isinstance(formatter.read_call(oldest, CONTENT_TYPE), TemplateCall)


# ------------------------------------------------------------------ answers

RETURNS = [
    (wire_type(str), st.text(max_size=20)),
    (wire_type(int), st.integers(min_value=-(2**40), max_value=2**40)),
    (wire_type(Int64), st.integers(min_value=-(2**70), max_value=2**70)),
    (wire_type(Byte), st.integers(min_value=-5, max_value=300)),
    (wire_type(float), st.floats()),
    (wire_type(bool), st.booleans()),
    (wire_type(Decimal), st.decimals(allow_nan=False, places=3)),
    (wire_type(dt.datetime), st.datetimes()),
    (wire_type(dt.date), st.dates()),
    (wire_type(dt.timedelta), st.timedeltas()),
]


def _written(formatter: SoapFormatter, ret: MethodReturn) -> tuple[object, ...]:
    call = formatter.read_call(request(PLAIN), CONTENT_TYPE)
    try:
        return ("ok", *formatter.write_return(call, ret))
    except SoapError as exc:
        return ("error", type(exc).__name__, str(exc))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), which=st.integers(min_value=0, max_value=len(RETURNS) - 1))
def test_an_answer_written_from_its_template_is_the_full_writers(data: st.DataObject, which: int) -> None:
    wt, values = RETURNS[which]
    formatter = SoapFormatter()
    first = data.draw(values)
    _written(formatter, MethodReturn("Order", NAMESPACE, first, wt))  # the template, if it can be one
    value = data.draw(st.one_of(values, st.sampled_from(["a\rb", "<&>", "\x01", "\ud800", None, 1, 1.5, True])))
    ret = MethodReturn("Order", NAMESPACE, value, wt)
    assert _written(formatter, ret) == _written(FULL, ret)


def test_answers_are_written_from_the_template() -> None:
    formatter = SoapFormatter()
    _written(formatter, MethodReturn("Order", NAMESPACE, "first", wire_type(str)))
    answers = formatter._responses
    assert answers is not None
    ret = MethodReturn("Order", NAMESPACE, "a\r\n<b> & c", wire_type(str))
    assert answers.write(ret, False) == _written(FULL, ret)[1]
    assert b"a&#xD;\n&lt;b&gt; &amp; c</return>" in _written(FULL, ret)[1]  # type: ignore[operator]
    void = MethodReturn("Order", NAMESPACE, None, VOID)
    _written(formatter, void)
    assert answers.write(void, False) == _written(FULL, void)[1]


def test_answers_with_more_than_a_value_are_written_in_full() -> None:
    formatter = SoapFormatter()
    _written(formatter, MethodReturn("Order", NAMESPACE, "first", wire_type(str)))
    answers = formatter._responses
    assert answers is not None
    with_out = MethodReturn("Order", NAMESPACE, "x", wire_type(str), out_args=[("n", 1, wire_type(int))])
    with_context = MethodReturn("Order", NAMESPACE, "x", wire_type(str), call_context={"k": "v"})
    assert answers.write(with_out, False) is None and answers.write(with_context, False) is None
    for ret in (with_out, with_context):
        assert _written(formatter, ret) == _written(FULL, ret)
