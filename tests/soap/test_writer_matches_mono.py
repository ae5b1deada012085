"""Our encoder against Mono's: the same calls answered by us must mean what Mono's answers mean.

For every captured exchange the value Mono returned is re-encoded with our writer, and both documents are
parsed with lxml and reduced to a canonical form (hrefs inlined, ids dropped, QName-valued attributes
resolved to namespace + local name, indentation ignored). Those forms must be equal, which pins down the
method response element and its namespace, ``return``, multi-ref siblings, ``SOAP-ENC:arrayType``, the
by-value class element in its CLR data namespace and the member elements. Faults are compared on their
structure (``ServerFault`` and the ISerializable member order). Finally our sample service, given the
arguments Mono's client sent, must return what Mono's server returned.
"""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from examples.hello import HelloServer
from examples.remoting_samples import GreetingException, SingleCallObject
from gateway import CustomErrorsMode, RemotingException
from gateway.server.faults import fault_for
from soap import (
    DEFAULT_REGISTRY,
    SOAP_ENC,
    SOAP_ENV,
    XSI,
    Fault,
    MethodReturn,
    RemotingSoapFormatter,
    WireType,
)

from .test_captured_requests import decode_request, fixture, parameter_types, return_type

FORMATTER = RemotingSoapFormatter()
BODY = f"{{{SOAP_ENV}}}Body"
PEER_SHARED_DATA_NS = (
    "http://schemas.microsoft.com/clr/nsassem/RemotingPeer/"
    "PeerShared%2C%20Version%3D0.0.0.0%2C%20Culture%3Dneutral%2C%20PublicKeyToken%3Dnull"
)
SERVER_FAULT_NS = "http://schemas.microsoft.com/clr/ns/System.Runtime.Serialization.Formatters"
EXCEPTION_MEMBERS = [
    "ClassName", "Message", "Data", "InnerException", "HelpURL", "StackTraceString", "RemoteStackTraceString",
    "RemoteStackIndex", "ExceptionMethod", "HResult", "Source",
]
QNAME_ATTRS = {f"{{{XSI}}}type", f"{{{SOAP_ENC}}}arrayType"}

RESPONSES = [
    "001_HelloMethod", "005_Increment", "014_Echo", "015_Echo", "016_Echo", "017_EchoMore", "018_Reverse",
    "019_Reverse", "020_Reverse", "021_GetPerson", "022_Birthday",
]


# ------------------------------------------------------------------ canonical form


class Doc:
    def __init__(self, data: bytes) -> None:
        self.root = etree.fromstring(data)
        body = self.root.find(BODY)
        assert body is not None
        self.body = body
        self.tops = [el for el in body if isinstance(el.tag, str)]
        self.ids = {el.get("id"): el for el in body.iter() if el.get("id") is not None}

    def resolve(self, el: Any) -> Any:
        href = el.get("href")
        return self.ids[href[1:]] if href is not None else el

    def canonical(self, el: Any) -> tuple[object, ...]:
        attrs: list[tuple[str, object]] = []
        for name, value in sorted(el.attrib.items()):
            if name == "id":
                continue
            if name == "href":
                assert value.startswith("#")
                target = self.ids[value[1:]]
                # multi-ref values are Body siblings of the method element, never nested
                attrs.append(("href", target.getparent() is self.body, self.canonical(target)))
            elif name in QNAME_ATTRS:
                prefix, _, local = value.rpartition(":")
                attrs.append((name, el.nsmap.get(prefix or None), local))
            else:
                attrs.append((name, value))
        text = el.text if el.text is not None and el.text.strip() else None
        children = tuple(self.canonical(c) for c in el if isinstance(c.tag, str))
        return (el.tag, tuple(attrs), text, children)

    def members(self, el: Any) -> list[str]:
        return [etree.QName(c).localname for c in el if isinstance(c.tag, str)]


def ours_for(name: str) -> tuple[bytes, MethodReturn]:
    """Mono's response value, re-encoded by us as the answer to Mono's request."""
    method, namespace, _ = decode_request(name)
    mono = FORMATTER.read_response(fixture(f"{name}.response.xml"), method, return_type(method))
    assert isinstance(mono, MethodReturn)
    body = FORMATTER.write_return(MethodReturn(method, namespace, mono.value, return_type(method)))
    return body, mono


# ------------------------------------------------------------------ successful returns


@pytest.mark.parametrize("name", RESPONSES)
def test_our_response_is_canonically_identical_to_monos(name: str) -> None:
    body, _ = ours_for(name)
    ours, mono = Doc(body), Doc(fixture(f"{name}.response.xml"))
    assert [el.tag for el in ours.tops] == [el.tag for el in mono.tops]
    assert ours.canonical(ours.tops[0]) == mono.canonical(mono.tops[0])


@pytest.mark.parametrize("name", RESPONSES)
def test_our_response_decodes_to_monos_value(name: str) -> None:
    body, mono = ours_for(name)
    method = name.split("_", 1)[1]
    again = FORMATTER.read_response(body, method, return_type(method))
    assert isinstance(again, MethodReturn)
    assert again.value == mono.value
    assert type(again.value) is type(mono.value)


@pytest.mark.parametrize("name", RESPONSES)
def test_response_element_is_in_the_request_namespace(name: str) -> None:
    _, namespace, _ = decode_request(name)
    body, _ = ours_for(name)
    first = Doc(body).tops[0]
    method = name.split("_", 1)[1]
    assert first.tag == f"{{{namespace}}}{method}Response"
    assert first.get("id") == "ref-1"
    assert [etree.QName(c).localname for c in first] == ["return"]


def test_int_array_is_a_sibling_with_an_xsd_int_array_type() -> None:
    body, _ = ours_for("018_Reverse")
    doc = Doc(body)
    ret = doc.tops[0][0]
    assert ret.get("href") is not None and len(doc.tops) == 2
    array = doc.resolve(ret)
    assert array.tag == f"{{{SOAP_ENC}}}Array"
    assert array.getparent() is doc.body
    prefix, _, local = array.get(f"{{{SOAP_ENC}}}arrayType").rpartition(":")
    assert (array.nsmap[prefix], local) == ("http://www.w3.org/2001/XMLSchema", "int[5]")
    assert [item.text for item in array] == ["5", "4", "3", "2", "1"]
    assert all(item.get(f"{{{XSI}}}type") is None for item in array)  # items of a typed array are untyped


def test_empty_and_null_arrays() -> None:
    empty = Doc(ours_for("019_Reverse")[0])
    array = empty.resolve(empty.tops[0][0])
    assert array.get(f"{{{SOAP_ENC}}}arrayType").endswith(":int[0]") and len(array) == 0
    null = Doc(ours_for("020_Reverse")[0])
    assert len(null.tops) == 1
    assert null.tops[0][0].get(f"{{{XSI}}}null") == "1"


@pytest.mark.parametrize("name", ["021_GetPerson", "022_Birthday"])
def test_person_is_a_sibling_in_the_clr_data_namespace(name: str) -> None:
    doc = Doc(ours_for(name)[0])
    person = doc.resolve(doc.tops[0][0])
    assert person.tag == f"{{{PEER_SHARED_DATA_NS}}}Person"
    assert person.getparent() is doc.body
    assert doc.members(person) == ["Name", "Age"]
    name_el, age_el = person
    # fields of a declared type carry no xsi:type; strings are objects with an id
    assert name_el.get(f"{{{XSI}}}type") is None and name_el.get("id") is not None
    assert age_el.get(f"{{{XSI}}}type") is None and age_el.get("id") is None


def test_strings_are_written_literally_with_minimal_escaping() -> None:
    body, _ = ours_for("014_Echo")
    assert "Grüße &lt;&amp;&gt; \"quoted\" 'apos' tab\there line1\nline2 ✓".encode() in body
    assert b'xsi:type="SOAP-ENC:string"' in body
    assert not body.startswith(b"<?xml")  # like Mono: no XML declaration


# ------------------------------------------------------------------ faults


def our_fault(exc: BaseException) -> bytes:
    fault = fault_for(exc, DEFAULT_REGISTRY, CustomErrorsMode.Off, None)
    return FORMATTER.write_fault(fault)


def fault_parts(doc: Doc) -> tuple[Any, Any, Any]:
    fault = doc.tops[0]
    assert fault.tag == f"{{{SOAP_ENV}}}Fault"
    parts = {etree.QName(c).localname: c for c in fault}
    server_fault = doc.resolve(parts["detail"])
    exception = doc.resolve(next(c for c in server_fault if etree.QName(c).localname == "exception"))
    return fault, server_fault, exception


def test_greeting_exception_fault_has_monos_shape() -> None:
    ours = Doc(our_fault(GreetingException("No greeting for you", "Hi there")))
    mono = Doc(fixture("023_Fail.response.xml"))
    for doc in (ours, mono):
        fault, server_fault, exception = fault_parts(doc)
        assert doc.members(fault) == ["faultcode", "faultstring", "detail"]
        assert fault.find("faultcode").text == "SOAP-ENV:Server"
        assert fault.find("faultstring").text == " **** RemotingPeer.GreetingException - No greeting for you"
        assert server_fault.tag == f"{{{SERVER_FAULT_NS}}}ServerFault"
        assert server_fault.getparent() is doc.body and exception.getparent() is doc.body
        assert doc.members(server_fault) == ["exceptionType", "message", "stackTrace", "exception"]
        assert all(c.get(f"{{{XSI}}}null") == "1" for c in server_fault[:3])
        assert exception.tag == f"{{{PEER_SHARED_DATA_NS}}}GreetingException"
        assert doc.members(exception) == [*EXCEPTION_MEMBERS, "Greeting"]
        values = {etree.QName(c).localname: c for c in exception}
        assert values["ClassName"].text == "RemotingPeer.GreetingException"
        assert values["Message"].text == "No greeting for you"
        assert values["Greeting"].text == "Hi there"
        assert values["HResult"].text == "-2146233088"
        assert values["RemoteStackIndex"].text == "0"
        for null in ("Data", "InnerException", "HelpURL", "RemoteStackTraceString", "ExceptionMethod"):
            assert values[null].get(f"{{{XSI}}}null") == "1"
    assert [el.tag for el in ours.tops] == [el.tag for el in mono.tops]


def test_greeting_exception_fault_decodes_like_monos() -> None:
    ours = FORMATTER.read_response(our_fault(GreetingException("No greeting for you")), "Fail", return_type("Fail"))
    mono = FORMATTER.read_response(fixture("023_Fail.response.xml"), "Fail", return_type("Fail"))
    assert isinstance(ours, Fault) and isinstance(mono, Fault)
    assert (ours.code, ours.message) == (mono.code, mono.message)
    assert ours.exception is not None and mono.exception is not None
    for info in (ours.exception, mono.exception):
        assert (info.type_name, info.message, info.hresult) == (
            "RemotingPeer.GreetingException", "No greeting for you", -2146233088
        )
        assert [(n, v) for n, v, _ in info.fields] == [("Greeting", "Hi there")]
        assert isinstance(info.value, GreetingException) and info.value.Greeting == "Hi there"
    assert ours.exception.assembly == mono.exception.assembly


def test_remoting_exception_fault_has_monos_shape() -> None:
    uri = "/159de443_7823_47a9_87d5_54376e015431/154337_2.rem"
    ours = Doc(our_fault(RemotingException(f"No receiver for uri {uri}")))
    mono = Doc(fixture("056_Increment.response.xml"))
    for doc in (ours, mono):
        fault, _server_fault, exception = fault_parts(doc)
        assert fault.find("faultcode").text == "SOAP-ENV:Server"
        assert fault.find("faultstring").text == (
            f" **** System.Runtime.Remoting.RemotingException - No receiver for uri {uri}"
        )
        assert exception.tag == "{http://schemas.microsoft.com/clr/ns/System.Runtime.Remoting}RemotingException"
        assert doc.members(exception) == EXCEPTION_MEMBERS
        values = {etree.QName(c).localname: c for c in exception}
        assert values["HResult"].text == "-2146233087"
        assert values["Message"].text == f"No receiver for uri {uri}"


# ------------------------------------------------------------------ our service answers like Mono's


SERVICE_CASES = [
    "001_HelloMethod", "005_Increment", "017_EchoMore", "018_Reverse", "019_Reverse", "020_Reverse",
    "021_GetPerson", "022_Birthday",
]


@pytest.mark.parametrize("name", SERVICE_CASES)
def test_our_service_returns_what_monos_returned(name: str) -> None:
    method, namespace, args = decode_request(name)
    target = HelloServer() if method == "HelloMethod" else SingleCallObject()
    value = getattr(target, method)(*args)
    ret_type: WireType = return_type(method)
    ours = FORMATTER.read_response(
        FORMATTER.write_return(MethodReturn(method, namespace, value, ret_type)), method, ret_type
    )
    mono = FORMATTER.read_response(fixture(f"{name}.response.xml"), method, ret_type)
    assert isinstance(ours, MethodReturn) and isinstance(mono, MethodReturn)
    assert ours.value == mono.value


def test_our_service_fails_like_monos() -> None:
    _, _, args = decode_request("023_Fail")
    assert len(args) == len(parameter_types("Fail"))
    with pytest.raises(GreetingException) as raised:
        SingleCallObject().Fail(*args)  # type: ignore[func-returns-value]
    ours = FORMATTER.read_response(our_fault(raised.value), "Fail", return_type("Fail"))
    mono = FORMATTER.read_response(fixture("023_Fail.response.xml"), "Fail", return_type("Fail"))
    assert isinstance(ours, Fault) and isinstance(mono, Fault)
    assert ours.message == mono.message
