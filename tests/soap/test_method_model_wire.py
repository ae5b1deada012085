"""The method model on the wire, against Mono's own bytes (``tests/fixtures/mono_methodmodel/``).

Our client writes requests shaped like Mono's (SOAP: only in and ref parameters, the ``__MethodSignature``
header for overloads; binary: every slot, ``MethodSignatureInArray``) and reads Mono's replies into the
Pythonic shape ``(return value, *out/ref values)``; and hypothesis round trips every shape through each
formatter's server writer and client reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from examples.method_model import METHOD_MODEL, Calculator, ICalculator, Item
from gateway.client.channel import ChannelCore
from soap import (
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    SOAP11,
    BinaryFormatter,
    ClientFormatter,
    LiteralFormatter,
    MethodReturn,
    RemotingSoapFormatter,
    SoapFormatter,
    WireType,
    clr_type,
)
from soap._nrbf_records import MessageFlags, PrimitiveValue, StringRecord, read_message
from wsdl import OBJECT_OPERATIONS, Operation, clr_method, contract_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_methodmodel"
CONTRACT = contract_of(ICalculator)
NAMESPACE = CONTRACT.clr.method_namespace
URL = "http://127.0.0.1:1/Calculator.rem"

#: each capture: the operation the Mono client called, its arguments as our client passes them, and the
#: result our client must read from Mono's reply
CALLS: dict[str, tuple[Operation, tuple[Any, ...], object]] = {
    "001_TryParse": (CONTRACT.operations["TryParse"], ("42",), (True, 42)),
    "002_TryParse": (CONTRACT.operations["TryParse"], ("x",), (False, 0)),
    "003_Divide": (CONTRACT.operations["Divide"], (17, 5), (3, 2)),
    "004_Swap": (CONTRACT.operations["Swap"], (1, 2), (None, 2, 1)),
    "005_Rename": (CONTRACT.operations["Rename"], ("abc", "-x"), ("abc", "abc-x", 5)),
    "006_Restock": (CONTRACT.operations["Restock"], (Item("apple", 3), 2),
                    (Item("apple!", 5), Item("apple", 5), Item("apple", 3))),
    "007_Add": (CONTRACT.operations["Add"], (2, 3), 5),
    "008_Add": (CONTRACT.operations["AddStrings"], ("2", "3"), "23"),
    "009_Add": (CONTRACT.operations["AddThree"], (1.5, 2.5, 3.0), 7.0),
    "010_set_Name": (CONTRACT.operations["set_Name"], ("zed",), None),
    "011_get_Name": (CONTRACT.operations["get_Name"], (), "zed"),
    "013_ToString": (OBJECT_OPERATIONS["ToString"], (), "Calculator calc"),
    "014_Equals": (OBJECT_OPERATIONS["Equals"], ("calc",), True),
    "016_ToString": (OBJECT_OPERATIONS["ToString"], (), "MethodModel.PlainCalculator"),
}


def capture(fmt: str, name: str, direction: str) -> bytes:
    return (FIXTURES / fmt / f"{name}.{direction}.{'xml' if fmt == 'soap' else 'bin'}").read_bytes()


def outputs(op: Operation) -> list[tuple[int, str, WireType]]:
    return [(i, p.name, p.wire) for i, p in op.outputs]


def shaped(op: Operation, ret: MethodReturn) -> object:
    """What the proxy returns: the value, or (value, *out/ref values)."""
    return (ret.value, *(v for _, v, _ in ret.out_args)) if op.outputs else ret.value


def request_of(fmt: str, op: Operation, args: tuple[Any, ...]) -> bytes:
    core = ChannelCore(formatter=fmt)
    namespace = "http://schemas.microsoft.com/clr/ns/System.Object" if op.name in OBJECT_OPERATIONS else NAMESPACE
    return core.prepare(URL, namespace, op, args, core.default_route).body


# ------------------------------------------------------------------ our client reads Mono's replies


@pytest.mark.parametrize("fmt", ["soap", "binary"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_client_reads_monos_reply(fmt: str, name: str) -> None:
    op, _args, expected = CALLS[name]
    formatter: ClientFormatter = RemotingSoapFormatter() if fmt == "soap" else BinaryFormatter()
    content_type = 'text/xml; charset="utf-8"' if fmt == "soap" else ""
    ret = formatter.read_reply(capture(fmt, name, "response"), content_type, op.name, op.returns, None, outputs(op))
    assert isinstance(ret, MethodReturn)
    assert shaped(op, ret) == expected


# ------------------------------------------------------------------ our client writes Mono's requests


def _soap_shape(body: bytes) -> tuple[str, list[tuple[str, str | None]], str | None]:
    root = etree.fromstring(body)
    ns = {"s": "http://schemas.xmlsoap.org/soap/envelope/"}
    method = root.find("s:Body", ns)[0]  # type: ignore[index]
    params = [(etree.QName(c).localname, c.text) for c in method if etree.QName(c).localname and not c.get("href")]
    signature = root.find("s:Header/{http://schemas.microsoft.com/clr/soap/messageProperties}__MethodSignature", ns)
    return etree.QName(method).localname, params, None if signature is None else signature.text


@pytest.mark.parametrize("name", sorted(CALLS))
def test_soap_request_matches_monos(name: str) -> None:
    """Same method element, same parameters (out ones absent), same ``__MethodSignature`` text."""
    op, args, _ = CALLS[name]
    ours, monos = _soap_shape(request_of("soap", op, args)), _soap_shape(capture("soap", name, "request"))
    assert ours[0] == monos[0]
    assert [n for n, _ in ours[1]] == [n for n, _ in monos[1]]
    assert [float(t) if t and t[0].isdigit() else t for _, t in ours[1]] == \
        [float(t) if t and t[0].isdigit() else t for _, t in monos[1]]
    assert ours[2] == monos[2]


def _binary_shape(body: bytes) -> tuple[int, str, list[object], list[str] | None]:
    message = read_message(body, DEFAULT_LIMITS)
    record = message.message
    flags = int(record.flags)  # type: ignore[union-attr]
    values: list[object] = []
    for raw in record.args or []:  # type: ignore[union-attr]
        values.append(raw.value if isinstance(raw, PrimitiveValue | StringRecord) else raw)
    signature = None
    if flags & MessageFlags.MethodSignatureInArray:
        holders = [o for o in message.objects.values() if getattr(o, "name", "") == "System.UnitySerializationHolder"]
        types = {h.members["Data"].value for h in holders}  # type: ignore[attr-defined]
        signature = sorted(types)
    return flags, record.method_name, values, signature  # type: ignore[union-attr]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_binary_request_matches_monos(name: str) -> None:
    """Same flags, every slot present (an out slot's placeholder aside), same signature types."""
    op, args, _ = CALLS[name]
    ours, monos = _binary_shape(request_of("binary", op, args)), _binary_shape(capture("binary", name, "request"))
    assert ours[0] == monos[0], f"flags {MessageFlags(ours[0])!r} != {MessageFlags(monos[0])!r}"
    assert ours[1] == monos[1]
    outs = {i for i, p in enumerate(op.parameters) if p.direction.value == "out"}
    assert len(ours[2]) == len(monos[2])
    assert [v for i, v in enumerate(ours[2]) if i not in outs] == [v for i, v in enumerate(monos[2]) if i not in outs]
    assert ours[3] == monos[3]


def test_overloaded_call_names_every_parameter_type() -> None:
    """A class-typed overload's SOAP signature declares the CLR namespace of its QName."""
    @clr_type("Shop.IStock", "Shop")
    class IStock:
        def Put(self, item: Item) -> int:
            raise NotImplementedError

        @clr_method("Put")
        def PutMany(self, items: list[Item], count: int) -> int:
            raise NotImplementedError

    contract = contract_of(IStock)
    body = ChannelCore().prepare(URL, NAMESPACE, contract.operations["Put"], (Item("a", 1),),
                                 ChannelCore().default_route).body
    call = SoapFormatter().read_call(body)
    fits = [call.overload_fit(op.parameter_types, op.input_types) for op in contract.overloads["Put"]]
    assert fits == [2, 0]
    # an array as .NET names it: SOAP a2:Item[] (not SOAP-ENC:Array), binary MethodModel.Item[] in Item's assembly
    core = ChannelCore(formatter="binary")
    many = contract.operations["PutMany"]
    soap_body = ChannelCore().prepare(URL, NAMESPACE, many, ([Item("a", 1)], 1), ChannelCore().default_route).body
    header = etree.fromstring(soap_body).find(
        "{http://schemas.xmlsoap.org/soap/envelope/}Header/"
        "{http://schemas.microsoft.com/clr/soap/messageProperties}__MethodSignature")
    assert header is not None and header.text is not None
    prefix, _, local = header.text.split()[0].partition(":")
    assert header.nsmap[prefix].startswith("http://schemas.microsoft.com/clr/nsassem/MethodModel/MethodModel")
    assert local == "Item[]"
    message = read_message(core.prepare(URL, NAMESPACE, many, ([Item("a", 1)], 1), core.default_route).body,
                           DEFAULT_LIMITS)
    holders = {o.members["Data"].value: o.members["AssemblyName"].value  # type: ignore[attr-defined]
               for o in message.objects.values() if getattr(o, "name", "") == "System.UnitySerializationHolder"}
    assert holders["MethodModel.Item[]"] == METHOD_MODEL and holders["System.Int32"].startswith("mscorlib")


# ------------------------------------------------------------------ round trips


#: what every dialect carries (Mono's SOAP reader drops whitespace-only strings: none of those either)
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30).filter(lambda s: s.strip() == s)
items = st.builds(Item, st.none() | texts, st.integers(-(2**31), 2**31 - 1))
ints = st.integers(-(2**31), 2**31 - 1)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(fmt=st.sampled_from(["soap", "binary", "literal"]), name=texts, suffix=texts, item=items,
       extra=st.integers(0, 1000), previous=items)
def test_out_and_ref_values_round_trip(fmt: str, name: str, suffix: str, item: Item, extra: int,
                                       previous: Item) -> None:
    """Whatever the values, the server's reply reads back into the same (return, *outs) on the client."""
    for op, result in (
        (CONTRACT.operations["Rename"], (name, name + suffix, len(name + suffix))),
        (CONTRACT.operations["Restock"], (Item(item.Label, extra), item, previous)),
        (CONTRACT.operations["Swap"], (None, extra, len(suffix))),
    ):
        outs = [(p.name, v, p.wire) for (_, p), v in zip(op.outputs, result[1:], strict=True)]
        ret = MethodReturn(op.key, NAMESPACE, result[0], op.returns, outs, [i for i, _ in op.outputs],
                           len(op.parameters))
        body = _server_reply(fmt, op, ret)
        client: ClientFormatter = {"soap": RemotingSoapFormatter(), "binary": BinaryFormatter(),
                                   "literal": LiteralFormatter(SOAP11)}[fmt]
        content_type = {"soap": "text/xml", "binary": "", "literal": "text/xml"}[fmt]
        name_read = op.key if fmt == "literal" else op.name
        back = client.read_reply(body, content_type, name_read, op.returns, None, outputs(op))
        assert isinstance(back, MethodReturn)
        assert shaped(op, back) == result


def _server_reply(fmt: str, op: Operation, ret: MethodReturn) -> bytes:
    """The reply the server writes for a call of ``op`` made in ``fmt``."""
    request = request_of("binary" if fmt == "binary" else "soap", op, _placeholder_args(op))
    if fmt == "literal":
        ns = CONTRACT.literal_namespace
        inner = "".join(f"<tns:{n}>1</tns:{n}>" for n in op.input_names)
        request = (f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
                   f'<tns:{op.key} xmlns:tns="{ns}">{inner}</tns:{op.key}></s:Body></s:Envelope>').encode()
        ret.namespace = ns
    server = BinaryFormatter() if fmt == "binary" else SoapFormatter()
    incoming = server.read_call(request)
    return server.write_return(incoming, ret)[0]


def _placeholder_args(op: Operation) -> tuple[Any, ...]:
    samples: dict[str, Any] = {"str": "a", "int": 1, "Item": Item("a", 1)}
    return tuple(samples.get(getattr(p.wire.py_type, "__name__", "")) or
                 samples[{"string": "str", "int": "int"}.get(p.wire.kind.value, "int")]
                 for p in op.parameters if p.direction.value != "out")


@settings(max_examples=40, deadline=None)
@given(fmt=st.sampled_from(["soap", "binary"]), key=st.sampled_from(["Add", "AddStrings", "AddThree"]),
       data=st.data())
def test_signature_names_the_overload(fmt: str, key: str, data: st.DataObject) -> None:
    """The signature our client sends makes the server pick that overload and no other."""
    op = CONTRACT.operations[key]
    strategy = {"Add": ints, "AddStrings": texts, "AddThree": st.floats(allow_nan=False)}[key]
    args = tuple(data.draw(strategy) for _ in op.parameters)
    server = BinaryFormatter() if fmt == "binary" else SoapFormatter()
    incoming = server.read_call(request_of(fmt, op, args))
    fits = {o.key: incoming.overload_fit(o.parameter_types, o.input_types) for o in CONTRACT.overloads["Add"]}
    assert fits == {o.key: 2 if o.key == key else 0 for o in CONTRACT.overloads["Add"]}


def test_calculator_and_interface_publish_the_same_overloads() -> None:
    mine = {k: op.signature() for k, op in contract_of(Calculator).operations.items() if k in CONTRACT.operations}
    assert mine == {k: op.signature() for k, op in CONTRACT.operations.items()}
    assert DEFAULT_REGISTRY.name_of(Item).full_name == "MethodModel.Item"
