"""Binary calls with a call context, and answers with out values and a context, from templates: exactly what
the full reader and writer give.

A call whose records after the method record (the call array, a ``LogicalCallContext``, the objects in its
slots) repeat a shape read before is read from a template (soap/_nrbf_request_templates.py): its string
values and fixed-size members are slots, everything else constant bytes. An answer with out values and a
context of a shape written before is written from one (soap/_nrbf_response_templates.py). Whatever the
values, the call must decode to what the full reader decodes (arguments and context, or the same error),
any other constant byte sends it to the full reader, and an answer is byte for byte the full writer's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import struct
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from examples.call_model import ICallModel, TraceTag, app
from gateway import AsyncRemotingClient, CallContext
from soap import DEFAULT_REGISTRY, Char, Fault, Limits, MethodReturn, SoapError, TypeRegistry, serializable, wire_type
from soap._binary import BinaryCall, BinaryFormatter
from soap._nrbf_writer import lps, write_method_call, write_method_return
from soap._types import ANY, WireType

TYPE_NAME = "CallModel.ICallModel, CallModelShared"
TYPES = [wire_type(str), ANY]
NAMES = ["text", "length"]


def request(text: str = "t", context: dict[str, object] | None = None, method: str = "TracedLength") -> bytes:
    """``TracedLength(text, out length)`` with ``context``, as our client writes it (the out slot a null)."""
    return write_method_call(method, TYPE_NAME, [text, None], TYPES, DEFAULT_REGISTRY,
                             call_context={"trace": TraceTag("abc", 1)} if context is None else context)


def outcome(formatter: BinaryFormatter, body: bytes, types: list[WireType] = TYPES) -> tuple[object, ...]:
    """What reading ``body`` gives (arguments, then the context, as the dispatcher decodes them), or the error."""
    try:
        call = formatter.read_call(body)
        args = call.decode_arguments(types)
        assert isinstance(call, BinaryCall)
        return ("call", call.method_name, call.namespace, call.argument_count, repr(args), repr(call.call_context()),
                call.signature(), call.argument_type_names())
    except SoapError as exc:
        return ("error", type(exc).__name__, str(exc))


def from_template(formatter: BinaryFormatter, body: bytes) -> bool:
    assert formatter._requests is not None
    return formatter._requests.read(body) is not None


def primed(body: bytes, limits: Limits | None = None, registry: TypeRegistry = DEFAULT_REGISTRY) -> BinaryFormatter:
    formatter = BinaryFormatter(registry, limits) if limits is not None else BinaryFormatter(registry)
    assert outcome(formatter, body)[0] == "call"
    assert from_template(formatter, body)
    return formatter


BODY = request()
FULL = BinaryFormatter(templates=False)
PRIMED = primed(BODY)
SMALL = Limits(max_text_length=300)
FULL_SMALL = BinaryFormatter(limits=SMALL, templates=False)
PRIMED_SMALL = primed(BODY, SMALL)

BOUNDARIES = [0, 1, 127, 128, 300, 301, 16383, 16384]
texts = st.one_of(st.text(max_size=20), st.tuples(st.sampled_from(BOUNDARIES), st.sampled_from(["a", "é", "😀"])).map(
    lambda n: (n[1] * n[0])[:n[0]]))
hops = st.integers(min_value=-2**31, max_value=2**31 - 1)


@settings(max_examples=150, deadline=None)
@given(text=texts, tag_id=texts, tag_hops=hops)
def test_a_context_call_read_from_its_template_is_what_the_full_reader_reads(text: str, tag_id: str,
                                                                              tag_hops: int) -> None:
    body = request(text, {"trace": TraceTag(tag_id, tag_hops)})
    assert from_template(PRIMED, body)
    assert outcome(PRIMED, body) == outcome(FULL, body)
    assert outcome(PRIMED_SMALL, body) == outcome(FULL_SMALL, body)


def _with_id(raw: bytes) -> bytes:
    """BODY with ``raw`` where the tag's Id (its length prefix and bytes) is."""
    at = BODY.rindex(lps("abc"))
    return BODY[:at] + raw + BODY[at + 4:]


@settings(max_examples=150, deadline=None)
@given(raw=st.one_of(st.binary(max_size=8), st.sampled_from([
    b"\x80\x00", b"\x85\x00abcde", b"\xff\xff\xff\xff\x0f", b"\xff\xff\xff\xff\xff\x01", b"\x02\xed\xa0",
    b"\x01\xff", b"\xad\x02" + b"x" * 301, b"\xac\x02" + b"x" * 300])))
def test_any_bytes_in_a_string_slot_read_as_the_full_reader_reads_them(raw: bytes) -> None:
    body = _with_id(raw)
    assert outcome(PRIMED, body) == outcome(FULL, body)
    assert outcome(PRIMED_SMALL, body) == outcome(FULL_SMALL, body)


_ID = BODY.rindex(lps("abc"))
_HOPS = BODY.rindex(struct.pack("<i", 1))
_TEXT = BODY.index(lps("t"))
_SLOTS = {*range(_ID, _ID + 4), *range(_HOPS, _HOPS + 4), *range(_TEXT, _TEXT + 2)}
_CONSTANT = sorted(set(range(len(BODY))) - _SLOTS)


@pytest.mark.parametrize("position", _CONSTANT)
def test_a_changed_constant_byte_is_read_by_the_full_reader(position: int) -> None:
    tampered = bytearray(BODY)
    tampered[position] ^= 0x41
    assert not from_template(PRIMED, bytes(tampered))
    assert outcome(PRIMED, bytes(tampered)) == outcome(FULL, bytes(tampered))


def test_a_truncated_context_call_gets_the_full_readers_error() -> None:
    for cut in (1, 5, 20, len(BODY) - _ID):
        body = BODY[:-cut]
        assert not from_template(PRIMED, body)
        result = outcome(PRIMED, body)
        assert result[0] == "error" and result == outcome(FULL, body)


@serializable("CallModel.Other", assembly="CallModelShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null")
@dataclasses.dataclass
class Other:
    Id: str | None = None
    Hops: int = 0


@serializable("CallModel.WithChar", assembly="CallModelShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null")
@dataclasses.dataclass
class WithChar:
    Letter: Char
    Hops: int = 0


def test_an_unregistered_class_in_the_context_is_refused_template_or_not() -> None:
    """Its name is constant bytes: a registry that does not know it refuses it, and no template is made of it;
    a primed formatter reads another class's name with the full reader."""
    bare = TypeRegistry()
    unknown = BinaryFormatter(bare)
    for _ in range(2):
        result = outcome(unknown, BODY)
        assert result[0] == "error" and "CallModel.TraceTag" in str(result[2])
        assert not from_template(unknown, BODY)
    other = request(context={"trace": Other("abc", 1)})
    renamed = other.replace(b"CallModel.Other", b"CallModel.Ghost")  # (same length)
    assert not from_template(PRIMED, renamed)
    result = outcome(PRIMED, renamed)
    assert result[0] == "error" and result == outcome(FULL, renamed)


def test_each_call_gets_fresh_context_objects() -> None:
    first, second = (PRIMED.read_call(BODY) for _ in range(2))
    first.decode_arguments(TYPES, NAMES)
    second.decode_arguments(TYPES, NAMES)
    a, b = first.call_context(), second.call_context()
    assert a == b == {"trace": TraceTag("abc", 1)}
    assert a is not None and b is not None and a["trace"] is not b["trace"]


def test_a_string_slot_and_two_objects_of_one_class_are_templated() -> None:
    body = request(context={"trace": TraceTag("abc", 1), "server": TraceTag("x", 2), "where": "here"})
    formatter = primed(body)
    other = request("u" * 200, {"trace": TraceTag("é" * 70, -5), "server": TraceTag("", 0), "where": "there"})
    assert from_template(formatter, other)
    assert outcome(formatter, other) == outcome(FULL, other)


def test_a_context_of_a_shape_not_templated_is_read_in_full_each_time() -> None:
    """A char member's width varies: the record's spans cannot be followed, so no template; the shape is
    remembered as refused (not read twice per call) and each call still reads as the full reader reads it."""
    formatter = BinaryFormatter()
    body = request(context={"trace": WithChar("c", 1)})
    for _ in range(3):
        assert outcome(formatter, body) == outcome(FULL, body)
        assert outcome(formatter, body)[0] == "call"
        assert not from_template(formatter, body)
    assert formatter._requests is not None and len(formatter._requests._refused) == 1


REFOUT = (Path(__file__).resolve().parents[1] / "fixtures" / "mono_callmodel" / "overload_ref_out.request.bin")
REFOUT_TYPES = [wire_type(list[str]), wire_type(int), ANY]


@pytest.mark.parametrize("change", [(b"", b""), (b"\x01a", b"\x02zz"), (b"\x03arr", b"\x05\xc3\xa9tag"),
                                    (b"\x01a", b"\x02\xed\xa0"), (b"\x01a", b"\x85\x00a")])
def test_monos_overload_call_with_arrays_a_signature_and_a_context(change: tuple[bytes, bytes]) -> None:
    """Mono's ``Traced(string[], ref int, out TraceTag)`` with a context (ArgsInArray, MethodSignatureInArray,
    ContextInArray): its string items and the tag's Id are slots, the rest constant bytes."""
    body = REFOUT.read_bytes()
    formatter = BinaryFormatter()
    assert outcome(formatter, body, REFOUT_TYPES)[0] == "call"
    assert from_template(formatter, body)
    other = body.replace(*change)
    assert outcome(formatter, other, REFOUT_TYPES) == outcome(FULL, other, REFOUT_TYPES)


# ------------------------------------------------------------------ answers


REGISTRY = DEFAULT_REGISTRY


def answer(value: object, length: object, context: dict[str, object] | None) -> MethodReturn:
    return MethodReturn("TracedLength", "", value, wire_type(str), [("length", length, wire_type(int))], [1], 2,
                        context)


def written(formatter: BinaryFormatter, ret: MethodReturn) -> tuple[str, object]:
    try:
        return "bytes", formatter.write_return(formatter.read_call(BODY), ret)[0]
    except SoapError as exc:
        return "error", f"{type(exc).__name__}: {exc}"


def _answered() -> BinaryFormatter:
    formatter = BinaryFormatter()
    for ret in (answer("t|abc", 1, {"trace": TraceTag("abc", 2), "server": TraceTag("server-abc", 0)}),
                MethodReturn("Traced", "", "t", wire_type(str), call_context={"trace": TraceTag("abc", 2)})):
        written(formatter, ret)
    assert formatter._responses is not None and all(formatter._responses._shaped.values())
    return formatter


ANSWERED = _answered()
ANSWER_FULL = BinaryFormatter(templates=False)
ints = st.one_of(hops, st.integers(), st.sampled_from([True, None, 1.5]))
fields = st.one_of(texts, st.sampled_from([None, 3]))


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(texts, st.none()), length=ints, id1=fields, hops1=ints, id2=texts, hops2=hops,
       second=st.sampled_from(["tag", "other", "none", "text", "absent"]))
def test_an_answer_from_its_template_is_the_full_writers(value: str | None, length: object, id1: object,
                                                         hops1: object, id2: str, hops2: int, second: str) -> None:
    context: dict[str, object] = {"trace": TraceTag(id1, hops1)}  # type: ignore[arg-type]
    if second != "absent":
        context["server"] = {"tag": TraceTag(id2, hops2), "other": Other(id2, hops2), "none": None,
                             "text": id2}[second]
    ret = answer(value, length, context)
    assert written(ANSWERED, ret) == written(ANSWER_FULL, ret)
    plain = MethodReturn("Traced", "", value, wire_type(str), call_context=context)
    assert written(ANSWERED, plain) == written(ANSWER_FULL, plain)


@pytest.mark.parametrize("length", [0, 1, 127, 128, 16383, 16384])
def test_string_length_prefix_boundaries_in_an_answer(length: int) -> None:
    ret = answer("r" * length, length, {"trace": TraceTag("é" * (length // 2), length),
                                        "server": TraceTag("s" * length, -length)})
    assert ANSWERED._responses is not None
    assert ANSWERED._responses.write(ret, 2) is not None  # (from the template)
    assert written(ANSWERED, ret) == written(ANSWER_FULL, ret)


def test_an_answer_of_another_shape_is_written_in_full() -> None:
    assert ANSWERED._responses is not None
    for ret in (answer("x", 1, {"trace": TraceTag(None, 1), "server": TraceTag("a", 0)}),
                answer("x", 1, {"trace": TraceTag("a", True), "server": TraceTag("a", 0)}),  # type: ignore[arg-type]
                answer("x", 1, {"trace": TraceTag("a", 2**31), "server": TraceTag("a", 0)}),
                answer("x", 1, {"trace": Other("a", 1), "server": TraceTag("a", 0)})):
        assert ANSWERED._responses.write(ret, 2) is None
        assert written(ANSWERED, ret) == written(ANSWER_FULL, ret)
    same = TraceTag("a", 1)
    twice = answer("x", 1, {"trace": same, "server": same})
    assert ANSWERED._responses.write(twice, 2) is None
    assert written(ANSWERED, twice) == written(ANSWER_FULL, twice)



@serializable("CallModel.Fresh", assembly="CallModelShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null")
@dataclasses.dataclass
class NeverWritten:
    Id: str | None = None
    Hops: int = 0


def test_an_answer_that_first_writes_a_class_makes_its_template() -> None:
    """The first answer of a shape may be the writer's first object of a class (which the writer learns to
    write in one step only then): that answer still makes the template, and the next one is written from it."""
    formatter = BinaryFormatter()
    first = MethodReturn("Traced", "", "t", wire_type(str), call_context={"trace": NeverWritten("a", 1)})
    assert written(formatter, first) == written(ANSWER_FULL, first)
    assert formatter._responses is not None and list(formatter._responses._shaped.values()) != [None]
    later = MethodReturn("Traced", "", "u", wire_type(str), call_context={"trace": NeverWritten("bc", 2)})
    assert formatter._responses.write(later, 2) is not None  # (from the template)
    assert written(formatter, later) == written(ANSWER_FULL, later)


def test_the_recorded_answer_is_the_full_writers() -> None:
    ret = answer("t|abc", 1, {"trace": TraceTag("abc", 2), "server": TraceTag("server-abc", 0)})
    full = write_method_return("t|abc", wire_type(str), 2, REGISTRY, None,
                               [(1, ("length", 1, wire_type(int)))], ret.call_context)
    assert written(ANSWERED, ret) == ("bytes", full)


# ------------------------------------------------------------------ served


def test_context_calls_through_the_app_from_the_template() -> None:
    asyncio.run(_context_calls())


async def _context_calls() -> None:
    """Our client calls ``TracedLength`` with a context three times: the second and third are read from the
    template and answered from one, with the right context and out value; then a call of the same shape whose
    context names an unregistered class, and a truncated one, are refused cleanly and the app keeps serving."""
    sent: list[bytes] = []

    async def keep(request: httpx.Request) -> None:
        sent.append(await request.aread())

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), event_hooks={"request": [keep]}) as http, \
            AsyncRemotingClient(formatter="binary", http_client=http) as client:
        service = client.get_object(ICallModel, "http://127.0.0.1/CallModel.rem")
        for hops, text in ((1, "t"), (5, "é" * 130), (7, "")):
            CallContext.set_data("trace", TraceTag(f"id{hops}", hops))
            try:
                assert await service.TracedLength(text) == (f"{text}|id{hops}|{hops}|trace", len(text))
                assert CallContext.get_data("trace") == TraceTag(f"id{hops}", hops + 1)
                assert CallContext.get_data("server") == TraceTag(f"server-id{hops}", 0)
            finally:
                CallContext.free_named_data_slot("trace")
                CallContext.free_named_data_slot("server")
        good = sent[-1]
        ghost = good.replace(b"CallModel.TraceTag", b"CallModel.GhostTag")
        for bad in (ghost, good[:-10]):
            reply = await http.post("http://127.0.0.1/CallModel.rem", content=bad,
                                    headers={"content-type": "application/octet-stream"})
            fault = BinaryFormatter().read_response(reply.content, "TracedLength", wire_type(str))
            assert reply.status_code == 200 and isinstance(fault, Fault)  # .NET's way: the exception inside
            assert ("not a registered by-value type" if bad is ghost else "truncated") in fault.message
        served = app.formatters["binary"]
        assert isinstance(served, BinaryFormatter) and from_template(served, good)
        CallContext.set_data("trace", TraceTag("again", 1))
        try:
            assert await service.TracedLength("ok") == ("ok|again|1|trace", 2)
        finally:
            CallContext.free_named_data_slot("trace")
            CallContext.free_named_data_slot("server")
