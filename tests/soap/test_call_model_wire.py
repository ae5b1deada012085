"""The call model on the wire, against what Mono writes: the logical call context (SOAP ``__CallContext``
header, binary ``ContextInArray``), delegates (``DelegateSerializationHolder``), one-way replies, and the
header-block view of SOAP messages.

The fixtures (``tests/fixtures/mono_callmodel``) are bodies Mono's own client and server exchanged
(``CallModelClient.exe`` against ``CallModelServer.exe``, captured on loopback): ``context`` a ``Traced`` call
carrying a ``TraceTag`` in slot ``trace`` and the reply with ``trace`` changed and ``server`` added;
``context_drop`` the same with a ``drop`` slot the server frees; ``no_context`` without one; ``delegate`` a
``Subscribe(new MessageHandler(sink.OnMessage))``; ``oneway`` a ``[OneWay] Notify``; ``overload_ref_out`` a call
of the overload ``string[] Traced(string[] texts, ref int hops, out TraceTag seen)`` with a ``trace`` in the
context and a raw CRLF in ``texts`` (its signature names ``System.String[]``, ``System.Int32&``,
``CallModel.TraceTag&``), and the reply; ``fault_context`` a ``TracedFail`` that changed the context, then
threw: Mono's binary fault carries the changed context, its SOAP fault none.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from examples.call_model import ASSEMBLY, ICallModel, MessageHandler, TraceTag
from gateway import CallContext
from gateway.client.channel import ChannelCore
from soap import (
    ANY,
    SOAP11,
    VOID,
    BinaryFormatter,
    ClrName,
    DelegateEntry,
    DelegateRef,
    Fault,
    LiteralFormatter,
    MethodCall,
    MethodReturn,
    ObjRef,
    OutgoingHeader,
    RemotingSoapFormatter,
    SoapDecodeError,
    SoapEncodeError,
    SoapFormatter,
    TypeRegistry,
    wire_type,
)
from soap._nrbf_records import ClassRecord, MessageFlags, read_message
from soap._nrbf_writer import write_exception_return, write_method_return
from soap._xml import DEFAULT_LIMITS
from wsdl import contract_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_callmodel"
STRING = wire_type(str)
HANDLER = wire_type(MessageHandler)
TYPE_NAME = f"CallModel.ICallModel, {ASSEMBLY}"
METHOD_NS = "http://schemas.microsoft.com/clr/nsassem/CallModel.ICallModel/CallModelShared"
MESSAGE_PROPERTIES = "http://schemas.microsoft.com/clr/soap/messageProperties"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP = SoapFormatter()
REMOTING = RemotingSoapFormatter()
BINARY = BinaryFormatter()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# ------------------------------------------------------------------ Mono's call context, read


@pytest.mark.parametrize("ext", ["xml", "bin"])
def test_mono_call_context_is_read_from_a_call(ext: str) -> None:
    formatter = SOAP if ext == "xml" else BINARY
    call = formatter.read_call(fixture(f"context.request.{ext}"))
    assert call.call_context() == {"trace": TraceTag("abc", 1)}
    assert call.decode_arguments([STRING], ["text"]) == ["t"]
    dropping = formatter.read_call(fixture(f"context_drop.request.{ext}"))
    assert dropping.call_context() == {"trace": TraceTag("f", 5), "drop": TraceTag("gone", 0)}
    assert formatter.read_call(fixture(f"no_context.request.{ext}")).call_context() is None


@pytest.mark.parametrize("ext", ["xml", "bin"])
def test_mono_call_context_is_read_from_a_reply(ext: str) -> None:
    formatter = REMOTING if ext == "xml" else BINARY
    content_type = 'text/xml; charset="utf-8"' if ext == "xml" else ""
    reply = formatter.read_reply(fixture(f"context.response.{ext}"), content_type, "Traced", STRING)
    assert isinstance(reply, MethodReturn)
    assert reply.value == "t|abc|1|trace"
    assert reply.call_context == {"server": TraceTag("server-abc", 0), "trace": TraceTag("abc", 2)}
    dropped = formatter.read_reply(fixture(f"context_drop.response.{ext}"), content_type, "Traced", STRING)
    assert isinstance(dropped, MethodReturn) and dropped.call_context is not None
    assert "drop" not in dropped.call_context  # Mono's server does not send a freed slot back
    plain = formatter.read_reply(fixture(f"no_context.response.{ext}"), content_type, "Traced", STRING)
    assert isinstance(plain, MethodReturn) and plain.call_context is None


def test_the_call_context_header_is_a_header_block_marked_understood_once_read() -> None:
    call = SOAP.read_call(fixture("context.request.xml"))
    blocks = list(call.header_blocks)
    assert [(b.namespace, b.name, b.must_understand, b.understood) for b in blocks] == [
        (MESSAGE_PROPERTIES, "__CallContext", False, False)
    ]  # the LogicalCallContext and TraceTag elements beside it are multi-refs, not blocks
    call.call_context()
    assert blocks[0].understood


def test_a_call_context_naming_an_unregistered_type_is_refused() -> None:
    bare = SoapFormatter(TypeRegistry())  # TraceTag is registered in the default registry only
    with pytest.raises(SoapDecodeError, match=r"slot 'trace'.*CallModel.TraceTag is not a registered"):
        bare.read_call(fixture("context.request.xml")).call_context()
    with pytest.raises(SoapDecodeError, match=r"slot 'trace'.*CallModel.TraceTag is not a registered"):
        BinaryFormatter(TypeRegistry()).read_call(fixture("context.request.bin")).call_context()


# ------------------------------------------------------------------ our call context, shaped as Mono's


def test_our_soap_call_context_is_shaped_as_monos() -> None:
    ret = MethodReturn("Traced", METHOD_NS, "t|abc|1|trace", STRING,
                       call_context={"server": TraceTag("server-abc", 0), "trace": TraceTag("abc", 2)})
    ours = etree.fromstring(REMOTING.write_return(ret))
    mono = etree.fromstring(fixture("context.response.xml"))
    for root in (ours, mono):
        header = root.find(f"{{{SOAP_ENV}}}Header")
        assert header is not None
        block = header[0]
        assert block.tag == f"{{{MESSAGE_PROPERTIES}}}__CallContext"
        assert block.get("{http://schemas.xmlsoap.org/soap/encoding/}root") == "1"
        context = header[1]
        assert context.get("id") == block.get("href", "").lstrip("#")
        assert etree.QName(context).localname == "LogicalCallContext"
        assert [etree.QName(c).localname for c in context] == ["server", "trace"]
        assert [etree.QName(e).localname for e in header[2:]] == ["TraceTag", "TraceTag"]  # values in the Header
    reply = REMOTING.read_reply(REMOTING.write_return(ret), "text/xml", "Traced", STRING)
    assert isinstance(reply, MethodReturn) and reply.call_context == ret.call_context


def test_our_binary_call_context_is_shaped_as_monos() -> None:
    ours = BINARY.write_call("Traced", TYPE_NAME, ["t"], [STRING], call_context={"trace": TraceTag("abc", 1)})
    for body in (ours, fixture("context.request.bin")):
        message = read_message(body, DEFAULT_LIMITS)
        assert message.message.flags == MessageFlags.ArgsInline | MessageFlags.ContextInArray
        assert (message.root_id, message.header_id) == (1, -1)
        array = message.objects[1]
        context = message.objects[array.items[0].id]  # type: ignore[attr-defined]
        assert isinstance(context, ClassRecord)
        assert context.name == "System.Runtime.Remoting.Messaging.LogicalCallContext" and context.library is None
        assert list(context.members) == ["trace"]
    assert len(ours) == len(fixture("context.request.bin"))  # same records, ids aside
    reply = write_method_return("t|abc|1|trace", STRING, 1, BINARY.registry,
                                call_context={"trace": TraceTag("abc", 2)})
    flags = read_message(reply, DEFAULT_LIMITS).message.flags
    assert flags == read_message(fixture("context.response.bin"), DEFAULT_LIMITS).message.flags


def test_binary_arguments_move_into_their_own_array_when_a_context_comes_along() -> None:
    args = [TraceTag("arg", 3)]
    body = BINARY.write_call("Echo", TYPE_NAME, args, [wire_type(TraceTag)], call_context={"n": 5})
    message = read_message(body, DEFAULT_LIMITS)
    assert message.message.flags == MessageFlags.ArgsInArray | MessageFlags.ContextInArray
    call = BINARY.read_call(body)
    assert call.decode_arguments([wire_type(TraceTag)]) == args
    assert call.call_context() == {"n": 5}


def test_slot_names_that_cannot_be_element_names_are_refused() -> None:
    with pytest.raises(SoapEncodeError, match="slot name"):
        REMOTING.write_call(MethodCall("M", METHOD_NS, [], [], [], call_context={"a b": 1}))
    with pytest.raises(SoapEncodeError, match="slot name"):
        BINARY.write_call("M", TYPE_NAME, [], [], call_context={"__RemotingData": 1})


slot_names = st.text(string.ascii_letters + "_", min_size=1, max_size=12).filter(lambda n: not n.startswith("__"))
slot_values = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),
    st.integers(-(2**31), 2**31 - 1),
    st.booleans(),
    st.builds(TraceTag, st.one_of(st.none(), st.text(string.printable.strip(), max_size=10)),
              st.integers(-(2**31), 2**31 - 1)),
)
contexts = st.dictionaries(slot_names, slot_values, min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(context=contexts)
def test_call_contexts_round_trip_in_both_formatters(context: dict[str, object]) -> None:
    soap_call = SOAP.read_call(REMOTING.write_call(MethodCall("Traced", METHOD_NS, ["x"], ["text"], [STRING],
                                                              call_context=context)))
    assert soap_call.call_context() == context
    assert BINARY.read_call(BINARY.write_call("Traced", TYPE_NAME, ["x"], [STRING],
                                              call_context=context)).call_context() == context
    ret = MethodReturn("Traced", METHOD_NS, "r", STRING, call_context=context)
    soap_reply = REMOTING.read_reply(REMOTING.write_return(ret), "text/xml", "Traced", STRING)
    binary_reply = BINARY.read_response(write_method_return("r", STRING, 1, BINARY.registry, call_context=context),
                                        "Traced", STRING)
    assert isinstance(soap_reply, MethodReturn) and soap_reply.call_context == context
    assert isinstance(binary_reply, MethodReturn) and binary_reply.call_context == context


# ------------------------------------------------------------------ delegates


def test_monos_delegate_is_read_in_both_formatters() -> None:
    for formatter, ext in ((SOAP, "xml"), (BINARY, "bin")):
        (ref,) = formatter.read_call(fixture(f"delegate.request.{ext}")).decode_arguments([HANDLER], ["handler"])
        assert isinstance(ref, DelegateRef)
        (entry,) = ref.entries
        assert entry.delegate_type == ClrName("CallModel.MessageHandler", ASSEMBLY)
        assert entry.target_type == ClrName("CallModel.EventSink", ASSEMBLY)  # the type declaring OnMessage
        assert entry.method_name == "OnMessage"
        assert entry.target.server_type.startswith("CallModel.Tests.ClientSink, CallModelClient")
        assert entry.target.url() is not None and entry.target.url().startswith("http://127.0.0.1:")  # type: ignore[union-attr]


def _entry(i: int, uri: str = "x.rem") -> DelegateEntry:
    target = ObjRef(uri, f"CallModel.EventSink, {ASSEMBLY}", ["http://127.0.0.1:9"])
    return DelegateEntry(ClrName("CallModel.MessageHandler", ASSEMBLY), ClrName("CallModel.EventSink", ASSEMBLY),
                         f"On{i}", target)


entries = st.lists(st.integers(0, 99), min_size=1, max_size=4).map(
    lambda ns: DelegateRef(tuple(_entry(n, f"obj{n}.rem") for n in ns)))


@settings(max_examples=40, deadline=None)
@given(delegate=entries)
def test_delegates_round_trip_in_both_formatters(delegate: DelegateRef) -> None:
    soap_body = REMOTING.write_call(MethodCall("Subscribe", METHOD_NS, [delegate], ["handler"], [HANDLER]))
    binary_body = BINARY.write_call("Subscribe", TYPE_NAME, [delegate], [HANDLER])
    for formatter, body in ((SOAP, soap_body), (BINARY, binary_body)):
        (back,) = formatter.read_call(body).decode_arguments([HANDLER], ["handler"])
        assert back == delegate


def _holder_without_target(label: str, member: str) -> bytes:
    """Mono's SOAP delegate, its target label pointing at ``member`` (which may be no ObjRef, or absent)."""
    text = fixture("delegate.request.xml").decode()
    text = text.replace('<target id="ref-8" xsi:type="SOAP-ENC:string">target0</target>',
                        f'<target id="ref-8" xsi:type="SOAP-ENC:string">{label}</target>' if label
                        else '<target xsi:null="1" />')
    return text.replace('<target0 href="#ref-4" />', member).encode()


@pytest.mark.parametrize(("label", "member", "what"), [
    ("", "", "a static method"),
    ("target0", '<target0 href="#ref-6" />', "not a MarshalByRefObject"),  # points at a string
    ("target9", "", "not a MarshalByRefObject"),  # points at nothing
])
def test_delegates_that_cannot_call_back_are_refused(label: str, member: str, what: str) -> None:
    call = SOAP.read_call(_holder_without_target(label, member))
    with pytest.raises(SoapDecodeError, match=f"OnMessage of .*{what}.*refused"):
        call.decode_arguments([HANDLER], ["handler"])


def test_a_delegate_is_only_read_where_a_delegate_is_declared() -> None:
    call = SOAP.read_call(fixture("delegate.request.xml"))
    with pytest.raises(SoapDecodeError, match="DelegateSerializationHolder is not a registered"):
        call.decode_arguments([ANY], ["handler"])
    binary = BINARY.read_call(fixture("delegate.request.bin"))
    with pytest.raises(SoapDecodeError, match="DelegateSerializationHolder is not a registered"):
        binary.decode_arguments([ANY])


def test_a_function_is_no_delegate_without_a_runtime() -> None:
    with pytest.raises(SoapEncodeError, match="delegates can only be sent through a remoting client or server"):
        BINARY.write_call("Subscribe", TYPE_NAME, [print], [HANDLER])


# ------------------------------------------------------------------ one-way replies


def test_one_way_replies_are_monos() -> None:
    binary_call = BINARY.read_call(fixture("oneway.request.bin"))
    assert BINARY.write_one_way(binary_call) == (200, fixture("oneway.response.bin"), "")
    soap_call = SOAP.read_call(fixture("oneway.request.xml"))
    status, body, content_type = SOAP.write_one_way(soap_call)
    assert (status, content_type) == (200, 'text/xml; charset="utf-8"')
    reply = REMOTING.read_reply(body, content_type, "Notify", VOID)
    mono = REMOTING.read_reply(fixture("oneway.response.xml"), content_type, "Notify", VOID)
    assert isinstance(reply, MethodReturn) and isinstance(mono, MethodReturn)
    assert (reply.method_name, reply.namespace, reply.value) == (mono.method_name, mono.namespace, mono.value)


def test_a_literal_one_way_call_gets_202_and_no_envelope() -> None:
    request = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
               b'<Notify xmlns="urn:CallModel"><message>x</message></Notify></s:Body></s:Envelope>')
    assert SOAP.write_one_way(SOAP.read_call(request)) == (202, b"", "")


# ------------------------------------------------------------------ header blocks


@pytest.mark.parametrize(("envelope", "understand", "actor"), [
    ("http://schemas.xmlsoap.org/soap/envelope/", "1", "actor"),
    ("http://www.w3.org/2003/05/soap-envelope", "true", "role"),
])
def test_literal_header_blocks(envelope: str, understand: str, actor: str) -> None:
    request = (
        f'<s:Envelope xmlns:s="{envelope}"><s:Header>'
        f'<a:Auth xmlns:a="urn:shop" s:mustUnderstand="{understand}" s:{actor}="urn:gate"><a:User>u</a:User></a:Auth>'
        '<b:Trace xmlns:b="urn:other">t</b:Trace>'
        '</s:Header><s:Body><Buy xmlns="urn:shop"><item>pen</item></Buy></s:Body></s:Envelope>'
    ).encode()
    call = SOAP.read_call(request)
    auth, trace = call.header_blocks
    assert (auth.namespace, auth.name, auth.must_understand, auth.actor) == ("urn:shop", "Auth", True, "urn:gate")
    assert (trace.namespace, trace.name, trace.must_understand, trace.actor) == ("urn:other", "Trace", False, None)
    assert trace.value(STRING) == "t"
    assert call.call_context() is None


def test_outgoing_literal_headers_are_written_in_their_namespace() -> None:
    call = MethodCall("Buy", "urn:shop", ["pen"], ["item"], [STRING],
                      headers=[OutgoingHeader("urn:shop", "TraceTag", TraceTag("h", 1), wire_type(TraceTag), True)])
    request = LiteralFormatter(SOAP11).write_request(call)
    (block,) = SOAP.read_call(request.body).header_blocks
    assert (block.namespace, block.name, block.must_understand) == ("urn:shop", "TraceTag", True)
    assert block.value(wire_type(TraceTag)) == TraceTag("h", 1)


# ------------------------------------------------------------------ with the rest of the method model


INT = wire_type(int)


def test_a_call_context_travels_with_a_method_signature() -> None:
    context = {"trace": TraceTag("sig", 1)}
    soap_call = SOAP.read_call(REMOTING.write_call(MethodCall("Add", METHOD_NS, [1, 2], ["a", "b"], [INT, INT],
                                                              signature=[INT, INT], call_context=context)))
    assert soap_call.call_context() == context
    assert soap_call.overload_fit([INT, INT], [INT, INT]) == 2  # the __MethodSignature header still read
    assert [b.name for b in soap_call.header_blocks] == ["__MethodSignature", "__CallContext"]
    request = BINARY.write_request(MethodCall("Add", METHOD_NS, [1, 2], ["a", "b"], [INT, INT],
                                              signature=[INT, INT], call_context=context))
    binary_call = BINARY.read_call(request.body)
    assert binary_call.call_context() == context
    assert binary_call.overload_fit([INT, INT], [INT, INT]) == 2
    assert binary_call.decode_arguments([INT, INT]) == [1, 2]


@pytest.mark.parametrize("value", [None, 7, TraceTag("ret", 0)], ids=["void", "inline", "object"])
@pytest.mark.parametrize("out", [5, TraceTag("out", 1)], ids=["primitive", "object"])
def test_a_call_context_travels_with_out_parameters(value: object, out: object) -> None:
    context = {"trace": TraceTag("outs", 2)}
    value_type = wire_type(type(value)) if value is not None else VOID
    out_type = wire_type(type(out))
    body = write_method_return(value, value_type, 2, BINARY.registry, outs=[(1, ("result", out, out_type))],
                               call_context=context)
    reply = BINARY.read_response(body, "Split", value_type, outputs=[(1, "result", out_type)])
    assert isinstance(reply, MethodReturn)
    assert (reply.value, reply.out_args[0][1], reply.call_context) == (value, out, context)
    soap_reply = REMOTING.read_response(
        REMOTING.write_return(MethodReturn("Split", METHOD_NS, value, value_type, [("result", out, out_type)],
                                           call_context=context)),
        "Split", value_type, [("result", out_type)])
    assert isinstance(soap_reply, MethodReturn)
    assert (soap_reply.value, soap_reply.out_args[0][1], soap_reply.call_context) == (value, out, context)


# ------------------------------------------------------------------ an overload with ref, out, an array and a context

TRACED_ALL = contract_of(ICallModel).operations["TracedAll"]
MONOS_ANSWER = (["a|arr", "b\r\nc|arr"], 2, TraceTag("arr", 3))


def _soap_signature(body: bytes) -> list[tuple[str, str]]:
    """The ``__MethodSignature`` header's type QNames, resolved: (namespace, local name)."""
    header = etree.fromstring(body).find(f"{{{SOAP_ENV}}}Header/{{{MESSAGE_PROPERTIES}}}__MethodSignature")
    assert header is not None and header.text is not None
    resolved = []
    for qname in header.text.split():
        prefix, _, local = qname.partition(":")
        resolved.append((header.nsmap[prefix], local))
    return resolved


def _binary_signature(body: bytes) -> tuple[MessageFlags, list[str | None] | None]:
    return MessageFlags(read_message(body, DEFAULT_LIMITS).message.flags), BINARY.read_call(body).signature()


def _our_request(fmt: str) -> bytes:
    core = ChannelCore(formatter=fmt)
    CallContext.set_data("trace", TraceTag("arr", 3))
    try:
        return core.prepare("http://h/CallModel", METHOD_NS, TRACED_ALL, (["a", "b\r\nc"], 1),
                            core.default_route).body
    finally:
        CallContext.free_named_data_slot("trace")


def test_our_overload_call_with_by_ref_and_array_parameters_is_signed_as_monos() -> None:
    # a .NET server finds no overload for a signature without the "&" of a by-ref parameter, or with
    # SOAP-ENC:Array for a string[]
    mono_soap = fixture("overload_ref_out.request.xml")
    assert _soap_signature(_our_request("soap")) == _soap_signature(mono_soap)
    assert [local for _, local in _soap_signature(mono_soap)] == ["String[]", "Int32&", "TraceTag&"]
    ours, monos = _binary_signature(_our_request("binary")), _binary_signature(fixture("overload_ref_out.request.bin"))
    assert ours == monos
    assert monos == (MessageFlags.ArgsInArray | MessageFlags.ContextInArray | MessageFlags.MethodSignatureInArray,
                     ["System.String[]", "System.Int32&", "CallModel.TraceTag&"])


@pytest.mark.parametrize("ext", ["xml", "bin"])
def test_monos_overload_call_with_ref_out_array_and_context_is_read(ext: str) -> None:
    formatter = SOAP if ext == "xml" else BINARY
    call = formatter.read_call(fixture(f"overload_ref_out.request.{ext}"))
    traced = contract_of(ICallModel).operations["Traced"]
    assert call.overload_fit(TRACED_ALL.parameter_types, TRACED_ALL.input_types) == 2
    assert call.overload_fit(traced.parameter_types, traced.input_types) == 0
    args = call.decode_arguments(TRACED_ALL.input_types if ext == "xml" else TRACED_ALL.parameter_types)
    assert args[:2] == [["a", "b\r\nc"], 1]  # Mono's raw CR kept
    assert call.call_context() == {"trace": TraceTag("arr", 3)}


@pytest.mark.parametrize("ext", ["xml", "bin"])
def test_monos_reply_with_a_context_after_ref_and_out_values_is_read(ext: str) -> None:
    formatter = REMOTING if ext == "xml" else BINARY
    outputs = [(i, p.name, p.wire) for i, p in TRACED_ALL.outputs]
    reply = formatter.read_reply(fixture(f"overload_ref_out.response.{ext}"), "text/xml" if ext == "xml" else "",
                                 "Traced", TRACED_ALL.returns, None, outputs)
    assert isinstance(reply, MethodReturn)
    assert (reply.value, *(v for _, v, _ in reply.out_args)) == MONOS_ANSWER
    assert reply.call_context == {"trace": TraceTag("arr", 4), "server": TraceTag("server-arr", 0)}


# ------------------------------------------------------------------ a fault after the method changed the context


def test_monos_binary_fault_carries_the_changed_context_and_its_soap_fault_none() -> None:
    binary = BINARY.read_response(fixture("fault_context.response.bin"), "TracedFail", STRING)
    assert isinstance(binary, Fault) and binary.exception is not None
    assert binary.exception.type_name == "System.InvalidOperationException" and binary.message == "no"
    assert binary.call_context == {"trace": TraceTag("bad", 2), "server": TraceTag("server-bad", 0)}
    soap = REMOTING.read_response(fixture("fault_context.response.xml"), "TracedFail", STRING)
    assert isinstance(soap, Fault) and soap.call_context is None


def test_our_binary_fault_with_a_context_is_shaped_as_monos() -> None:
    monos = read_message(fixture("fault_context.response.bin"), DEFAULT_LIMITS)
    mono_fault = BINARY.read_response(fixture("fault_context.response.bin"), "TracedFail", STRING)
    assert isinstance(mono_fault, Fault) and mono_fault.exception is not None
    context = {"trace": TraceTag("bad", 2), "server": TraceTag("server-bad", 0)}
    ours = write_exception_return(mono_fault.exception, BINARY.registry, context)
    message = read_message(ours, DEFAULT_LIMITS)
    assert message.message.flags == monos.message.flags == (
        MessageFlags.ExceptionInArray | MessageFlags.ContextInArray | MessageFlags.NoReturnValue | MessageFlags.NoArgs)
    fault = BINARY.read_response(ours, "TracedFail", STRING)
    assert isinstance(fault, Fault) and fault.call_context == context and fault.message == "no"
    plain = BINARY.read_response(write_exception_return(mono_fault.exception, BINARY.registry), "TracedFail", STRING)
    assert isinstance(plain, Fault) and plain.call_context is None
