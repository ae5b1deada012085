"""The call context's one-step paths (remembered classes, layouts and field plans) read and write exactly what
the general paths do, on the second message as on the first, and refuse what they refuse.

Mono's captures (``tests/fixtures/mono_callmodel``) are read and written twice each, so the second time goes
through what the first remembered; a value or a message the one-step paths do not take is checked against the
general path's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from examples.call_model import TraceTag
from soap import BinaryFormatter, ClrName, MethodReturn, SoapDecodeError, SoapFormatter, TypeRegistry, wire_type
from soap._encoded_writer import write_return
from soap._nrbf_writer import write_method_return
from soap._types import DEFAULT_REGISTRY, serializable

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_callmodel"
STRING = wire_type(str)


@serializable("FastPaths.Tag", assembly="FastPathsShared, Version=1.0.0.0")
@dataclass
class Tag:
    Id: str | None = None
    Hops: int = 0


@dataclass
class NotRegistered:
    Id: str = ""


def soap_reply(context: dict[str, object], registry: TypeRegistry = DEFAULT_REGISTRY) -> bytes:
    ret = MethodReturn("Traced", "urn:fast", "t", STRING)
    ret.call_context = context
    return write_return(ret, registry)


def test_captured_contexts_read_the_same_the_second_time() -> None:
    soap, binary = SoapFormatter(), BinaryFormatter()
    xml = (FIXTURES / "context.request.xml").read_bytes()
    nrbf = (FIXTURES / "context.request.bin").read_bytes()
    for _ in range(2):
        assert soap.read_call(xml, "text/xml").call_context() == {"trace": TraceTag("abc", 1)}
        assert binary.read_call(nrbf).call_context() == {"trace": TraceTag("abc", 1)}


def test_a_remembered_binary_layout_still_needs_its_library_declared() -> None:
    binary = BinaryFormatter()
    nrbf = (FIXTURES / "context.request.bin").read_bytes()
    binary.read_call(nrbf).call_context()  # the records' layouts are remembered now, library id 3 in them
    # the same records, byte for byte, but the library they name declared as id 7
    library = b"\x0c\x03\x00\x00\x00FCallModelShared"
    assert nrbf.count(library) == 1
    broken = nrbf.replace(library, b"\x0c\x07\x00\x00\x00FCallModelShared")
    with pytest.raises(SoapDecodeError, match="undeclared library id 3"):
        binary.read_call(broken)


def test_one_object_in_two_slots_is_one_object_read_back() -> None:
    xml = (FIXTURES / "context.request.xml").read_text()
    shared = xml.replace('<trace href="#ref-2" />', '<trace href="#ref-2" /><again href="#ref-2" />').encode()
    for _ in range(2):
        context = SoapFormatter().read_call(shared, "text/xml").call_context()
        assert context is not None and context["trace"] is context["again"]


def test_an_unregistered_type_is_refused_after_registered_ones_were_read() -> None:
    xml = (FIXTURES / "context.request.xml").read_text()
    SoapFormatter().read_call(xml.encode(), "text/xml").call_context()
    unknown = xml.replace("TraceTag", "Unknown").encode()
    with pytest.raises(SoapDecodeError, match=r"CallModel\.Unknown is not a registered by-value type"):
        SoapFormatter().read_call(unknown, "text/xml").call_context()


def test_written_twice_the_same_and_a_field_of_another_type_as_the_general_path_writes_it() -> None:
    first = soap_reply({"a": Tag("x<&", 1), "b": Tag("y", 2)})
    assert soap_reply({"a": Tag("x<&", 1), "b": Tag("y", 2)}) == first
    assert b'<Id id="ref-5">x&lt;&amp;</Id><Hops>1</Hops>' in first
    assert b'<Id xsi:null="1" /><Hops>3</Hops>' in soap_reply({"a": Tag(None, 3)})
    context = {"a": Tag("x", 1), "b": Tag("y", 2)}
    binary = [write_method_return("t", STRING, 1, DEFAULT_REGISTRY, call_context=dict(context)) for _ in range(2)]
    assert binary[0] == binary[1]
    reply = BinaryFormatter().read_response(binary[0], "Traced", STRING)
    assert isinstance(reply, MethodReturn) and reply.call_context == context


def test_an_unregistered_value_is_refused_after_registered_ones_were_written() -> None:
    soap_reply({"a": Tag("x", 1)})
    write_method_return("t", STRING, 1, DEFAULT_REGISTRY, call_context={"a": Tag("x", 1)})
    with pytest.raises(Exception, match="not a registered by-value type"):
        soap_reply({"a": NotRegistered("x")})
    with pytest.raises(Exception, match="not a registered by-value type"):
        write_method_return("t", STRING, 1, DEFAULT_REGISTRY, call_context={"a": NotRegistered("x")})


def test_each_registry_writes_its_own_name_for_a_class() -> None:
    other = TypeRegistry()
    other.register(Tag, ClrName("Elsewhere.Tag", "ElsewhereShared"))
    soap_reply({"a": Tag("x", 1)})  # remembered under the default registry's name
    assert b"Elsewhere/ElsewhereShared" in soap_reply({"a": Tag("x", 1)}, other)
    assert b"FastPaths/FastPathsShared" in soap_reply({"a": Tag("x", 1)})
    written = write_method_return("t", STRING, 1, other, call_context={"a": Tag("x", 1)})
    assert b"Elsewhere.Tag" in written and b"FastPaths.Tag" not in written
