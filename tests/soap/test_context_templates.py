"""Calls with a call context or a method signature read from a template, answers with out values and a context
written from one: exactly what the full parser and writer give.

A Remoting call that carries a ``__CallContext`` (Mono's shape: a slot ``href`` to a plain-field object in the
Header, or a string slot) and/or a ``__MethodSignature`` is read from the template of an earlier call of the
same shape: whatever the values hold, the call, its context (new objects on every call), its header blocks,
its overload fit and its errors are the full parser's. An answer with out values and a context back is the
full writer's byte for byte, or the same refusal.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soap import Int64, MethodReturn, SoapError, SoapFormatter, serializable, wire_type
from soap._headers import not_understood
from soap._request_templates import TemplateCall
from soap._types import VOID

from .test_templates import ENVELOPE, slot_values

NAMESPACE = "http://schemas.microsoft.com/clr/nsassem/Shop.ITraced/Shop"
TAG_NS = "http://schemas.microsoft.com/clr/nsassem/TemplateTests/Shop%2C%20Version%3D1.0.0.0"
CONTENT_TYPE = 'text/xml; charset="utf-8"'
TYPES = [wire_type(str)]
NAMES = ["text"]


@serializable("TemplateTests.Tag", assembly="Shop, Version=1.0.0.0")
@dataclass
class Tag:
    Id: str | None = None
    Hops: int = 0


@serializable("TemplateTests.Other", assembly="Shop, Version=1.0.0.0")
@dataclass
class Other:
    Id: str | None = None
    Hops: int = 0


class Unregistered:
    pass


SIGNATURE = (b'<h4:__MethodSignature SOAP-ENC:root="1" xsi:type="SOAP-ENC:methodSignature" '
             b'xmlns:h4="http://schemas.microsoft.com/clr/soap/messageProperties">xsd:string</h4:__MethodSignature>\n')


def request(tag_id: bytes = b"abc", hops: bytes = b"1", note: bytes | None = b"n", text: bytes = b"t",
            signature: bool = False, context: bool = True, tag_class: bytes = b"Tag", must_understand: bool = False,
            slot_name: bytes = b"trace") -> bytes:
    """Mono's shape of ``Traced(text)`` with ``trace`` = a ``Tag(tag_id, hops)`` and ``note`` = a string slot in
    the call context (these raw bytes as the values), and a ``__MethodSignature`` if ``signature``."""
    blocks = SIGNATURE if signature else b""
    if context:
        understood = b' SOAP-ENV:mustUnderstand="1"' if must_understand else b""
        note_slot = b"" if note is None else b'<note id="ref-5" xsi:type="xsd:string">%s</note>' % note
        blocks += (
            b'<h4:__CallContext SOAP-ENC:root="1" href="#ref-2"%s '
            b'xmlns:h4="http://schemas.microsoft.com/clr/soap/messageProperties" />\n'
            b'<a1:LogicalCallContext id="ref-2" '
            b'xmlns:a1="http://schemas.microsoft.com/clr/ns/System.Runtime.Remoting.Messaging">'
            b'<%s href="#ref-3" />%s</a1:LogicalCallContext>\n'
            b'<a2:%s id="ref-3" xmlns:a2="%s"><Id id="ref-4">%s</Id><Hops>%s</Hops></a2:%s>\n'
        ) % (understood, slot_name, note_slot, tag_class, TAG_NS.encode(), tag_id, hops, tag_class)
    header = b"<SOAP-ENV:Header>\n" + blocks + b"</SOAP-ENV:Header>\n" if blocks else b""
    return (ENVELOPE + header + b"<SOAP-ENV:Body>\n"
            + b'<i2:Traced id="ref-1" xmlns:i2="%s"><text id="ref-6" xsi:type="SOAP-ENC:string">%s</text>'
              b"</i2:Traced>\n</SOAP-ENV:Body>\n</SOAP-ENV:Envelope>" % (NAMESPACE.encode(), text))


def outcome(formatter: SoapFormatter, body: bytes) -> tuple[object, ...]:
    """What reading ``body`` gives: the call, its header blocks, arguments and context, or the fault."""
    try:
        call = formatter.read_call(body, CONTENT_TYPE)
        blocks = [(b.namespace, b.name, b.must_understand, b.actor, b.for_this_node) for b in call.header_blocks]
        args = call.decode_arguments(TYPES, NAMES)
        context = call.call_context()
    except SoapError as exc:
        return ("fault", type(exc).__name__, str(exc))
    typed = None if context is None else [(name, type(value), value) for name, value in context.items()]
    return ("call", call.method_name, call.namespace, call.argument_count, call.signature(),
            call.argument_type_names(), blocks, not_understood(call.header_blocks, ()), args, typed)


def primed(body: bytes) -> SoapFormatter:
    """A formatter that has read ``body`` once, as the server does (arguments, then the context)."""
    formatter = SoapFormatter()
    assert outcome(formatter, body)[0] == "call"
    assert isinstance(formatter.read_call(body, CONTENT_TYPE), TemplateCall)
    return formatter


FULL = SoapFormatter(templates=False)
PRIMED = primed(request())
SIGNED = primed(request(signature=True, note=None))


@settings(max_examples=300, deadline=None)
@given(tag_id=slot_values, hops=slot_values, note=slot_values, text=slot_values)
def test_a_context_call_read_from_its_template_is_what_the_full_parser_reads(
        tag_id: bytes, hops: bytes, note: bytes, text: bytes) -> None:
    body = request(tag_id, hops, note, text)
    assert outcome(PRIMED, body) == outcome(FULL, body)


@settings(max_examples=100, deadline=None)
@given(tag_id=slot_values, hops=slot_values)
def test_a_signed_call_read_from_its_template_is_what_the_full_parser_reads(tag_id: bytes, hops: bytes) -> None:
    body = request(tag_id, hops, None, signature=True)
    assert outcome(SIGNED, body) == outcome(FULL, body)


def test_plain_values_take_the_template_and_every_call_gets_new_objects() -> None:
    first = PRIMED.read_call(request(b"x y", b"-7", b"Z\xc3\xbcrich"), CONTENT_TYPE)
    second = PRIMED.read_call(request(b"x y", b"-7", b"Z\xc3\xbcrich"), CONTENT_TYPE)
    assert isinstance(first, TemplateCall) and isinstance(second, TemplateCall)
    one, two = first.call_context(), second.call_context()
    assert one == two == {"trace": Tag("x y", -7), "note": "Zürich"}
    assert one is not None and two is not None and one["trace"] is not two["trace"]
    assert first.decode_arguments(TYPES, NAMES) == ["t"]


@pytest.mark.parametrize("tampered", [
    request(tag_class=b"Unknown"),  # an unregistered type: refused by the full parser
    request(tag_class=b"Other"),  # another registered class: its own template, if any
    request(slot_name=b"__RemotingData"),
    request(note=None),
    request(must_understand=True),
    request(signature=True),
    request(context=False),
    request().replace(b'<Hops>1</Hops>', b'<Hops xsi:type="xsd:int">1</Hops>'),
    request().replace(b'href="#ref-3" />', b'href="#ref-3" /><again href="#ref-3" />'),
])
def test_a_changed_constant_part_is_read_by_the_full_parser(tampered: bytes) -> None:
    assert PRIMED._requests is not None
    assert PRIMED._requests.read(tampered, CONTENT_TYPE, None) is None
    assert outcome(PRIMED, tampered) == outcome(FULL, tampered)


def test_an_unregistered_type_is_refused_on_every_call() -> None:
    formatter = SoapFormatter()
    body = request(tag_class=b"Unknown")
    first = outcome(formatter, body)
    assert first[0] == "fault" and "Unknown" in str(first[2])
    assert outcome(formatter, body) == first == outcome(FULL, body)


def test_values_the_class_refuses_get_the_full_paths_fault() -> None:
    for hops in (b"x", b"2147483648", b"1.5"):
        body = request(hops=hops)
        assert isinstance(PRIMED.read_call(body, CONTENT_TYPE), TemplateCall)
        result = outcome(PRIMED, body)
        assert result[0] == "fault" and result == outcome(FULL, body)


def test_must_understand_on_the_runtime_headers_is_the_same() -> None:
    body = request(must_understand=True)
    formatter = primed(body)
    call = formatter.read_call(request(b"q", must_understand=True), CONTENT_TYPE)
    assert isinstance(call, TemplateCall)
    assert [b.must_understand for b in call.header_blocks] == [True]
    assert not_understood(call.header_blocks, ()) == []
    assert outcome(formatter, request(b"q", must_understand=True)) == outcome(FULL, request(b"q", must_understand=True))


def test_the_overload_fit_is_the_full_calls() -> None:
    """The signature and the arguments' types are constant bytes: a template answers as the full call."""
    overloads = ([wire_type(str)], [wire_type(int)], [wire_type(str), wire_type(int)], [])
    for formatter, body in ((SIGNED, request(signature=True, note=None)), (PRIMED, request())):
        for _ in range(2):  # (the second call's answers are the ones kept by the template)
            call, full = formatter.read_call(body, CONTENT_TYPE), FULL.read_call(body, CONTENT_TYPE)
            assert isinstance(call, TemplateCall)
            fits = [call.overload_fit(parameters, parameters) for parameters in overloads]
            assert fits == [full.overload_fit(parameters, parameters) for parameters in overloads]
            assert fits[1] == 0 and fits[0] > 0


def test_a_header_block_value_is_the_full_parsers() -> None:
    call = SIGNED.read_call(request(signature=True, note=None), CONTENT_TYPE)
    full = FULL.read_call(request(signature=True, note=None), CONTENT_TYPE)
    assert isinstance(call, TemplateCall)

    def value(block: object) -> object:
        try:
            return block.value(wire_type(str))  # type: ignore[attr-defined]
        except SoapError as exc:  # (a method signature is no string: the same refusal)
            return type(exc).__name__, str(exc)

    assert [value(b) for b in call.header_blocks] == [value(b) for b in full.header_blocks]


# ------------------------------------------------------------------ answers

def _written(formatter: SoapFormatter, ret: MethodReturn) -> tuple[object, ...]:
    call = formatter.read_call(request(), CONTENT_TYPE)
    try:
        return ("ok", *formatter.write_return(call, ret))
    except SoapError as exc:
        return ("error", type(exc).__name__, str(exc))


def answer(value: object, length: object, context: dict[str, object] | None) -> MethodReturn:
    return MethodReturn("TracedLength", NAMESPACE, value, wire_type(str), out_args=[("length", length, wire_type(int))],
                        out_positions=[1], parameter_count=2, call_context=context)


texts = st.one_of(st.text(max_size=16), st.sampled_from(["a\rb", "<&>\"'", "]]>", "\x01", "", " ", "\ud800"]))
ints = st.one_of(st.integers(min_value=-(2**31), max_value=2**31 - 1), st.integers(), st.sampled_from([True]))
tags = st.builds(Tag, st.one_of(texts, st.none()), ints)
slots = st.one_of(tags, texts, st.builds(Other, texts, ints), st.sampled_from([None, 3, Unregistered()]))
contexts = st.one_of(st.none(), st.dictionaries(st.sampled_from(["trace", "server", "note"]), slots, max_size=3))


@settings(max_examples=300, deadline=None)
@given(first=st.tuples(texts, ints, contexts), then=st.tuples(st.one_of(texts, st.none()), ints, contexts))
def test_an_answer_with_outs_and_a_context_written_from_its_template_is_the_full_writers(
        first: tuple[str, int, dict[str, object] | None], then: tuple[str, int, dict[str, object] | None]) -> None:
    formatter = SoapFormatter()
    _written(formatter, answer(*first))  # the template, if it can be one
    ret = answer(*then)
    assert _written(formatter, ret) == _written(FULL, ret)


def test_answers_of_a_known_shape_are_written_from_the_template() -> None:
    formatter = SoapFormatter()
    context: dict[str, object] = {"trace": Tag("abc", 2), "server": Tag("server-abc", 0), "note": "n"}
    _written(formatter, answer("first", 1, context))
    shaped = formatter._shaped
    assert shaped is not None
    later = answer("a\r\n<b> & c", -5, {"trace": Tag("x&y", 7), "server": Tag("", 2**31 - 1), "note": "\u00e9"})
    written = shaped.write(later, False)
    assert written is not None and written == _written(FULL, later)[1]
    for other in (answer(None, 1, context), answer("x", True, context),
                  answer("x", 1, {"trace": Tag(None, 1), "server": Tag("s", 0), "note": "n"}),
                  answer("x", 1, {"trace": Tag("a", 2**31), "server": Tag("s", 0), "note": "n"}),
                  answer("x", 1, {"trace": Other("a", 1), "server": Tag("s", 0), "note": "n"})):
        assert shaped.write(other, False) is None  # not the recorded shape: the full writer writes it
    shared = Tag("same", 1)
    twice = answer("x", 1, {"trace": shared, "server": shared, "note": "n"})
    assert shaped.write(twice, False) is None and _written(formatter, twice) == _written(FULL, twice)


def test_a_void_answer_with_a_context_is_written_from_its_template() -> None:
    formatter = SoapFormatter()
    void = MethodReturn("Traced", NAMESPACE, None, VOID, call_context={"note": "a"})
    _written(formatter, void)
    later = MethodReturn("Traced", NAMESPACE, None, VOID, call_context={"note": "b<"})
    assert formatter._shaped is not None and formatter._shaped.write(later, False) == _written(FULL, later)[1]


def test_two_shapes_under_one_method_and_slot_names_are_each_written_from_their_template() -> None:
    formatter = SoapFormatter()
    shaped = formatter._shaped
    assert shaped is not None
    _written(formatter, answer("a", 1, {"trace": Tag("x", 1)}))
    _written(formatter, answer("a", 1, {"trace": Other("x", 1)}))  # (another class in the same slot)
    for context in ({"trace": Tag("y", 2)}, {"trace": Other("z<", 3)}):
        later = answer("b", 4, context)
        written = shaped.write(later, False)
        assert written is not None and written == _written(FULL, later)[1]


def test_an_object_that_carries_an_objref_is_written_by_the_full_writer() -> None:
    formatter = SoapFormatter()
    _written(formatter, answer("a", 1, {"trace": Tag("x", 1)}))
    carrying = Tag("y", 2)
    carrying.__dict__["__remoting_objref__"] = object()
    assert formatter._shaped is not None and formatter._shaped.write(answer("a", 1, {"trace": carrying}), False) is None


OTHER_KINDS = [(float, [1.5, -0.0, float("nan"), float("inf"), 7, True, None, "1"]),
               (bool, [True, False, 1, None]),
               (Int64, [2**40, -(2**63), 2**63, True, None, 1.0]),
               (Decimal, [Decimal("1.25"), Decimal("1e40"), 3, None, 1.5]),
               (datetime.datetime, [datetime.datetime(2024, 1, 2, 3, 4, 5), datetime.date(2024, 1, 2), None])]


@pytest.mark.parametrize(("hint", "values"), OTHER_KINDS)
def test_out_values_of_other_kinds_are_the_full_writers(hint: object, values: list[object]) -> None:
    """A return and an out value of a kind written by the writer's ``scalar`` (not a string or an Int32)."""
    def ret(value: object) -> MethodReturn:
        return MethodReturn("Kinds", NAMESPACE, value, wire_type(hint), out_args=[("other", value, wire_type(hint))],
                            out_positions=[0], parameter_count=1, call_context={"trace": Tag("a", 1)})

    formatter = SoapFormatter()
    _written(formatter, ret(values[0]))
    assert formatter._shaped is not None and formatter._shaped.write(ret(values[0]), False) is not None
    for value in values:
        assert _written(formatter, ret(value)) == _written(FULL, ret(value))
