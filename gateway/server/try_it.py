"""The help page's try-it forms: which operations get one, their inputs, and what the page sends.

An operation gets a form when it is callable in document/literal SOAP (no object references) and every
parameter is a scalar a text box can hold (strings, every integer width, floats, decimals, booleans, enums,
chars, dates, times, durations, base64 bytes). The server, not the page's script, decides what is sent:
:func:`request_spec` gives the envelope around the parameters exactly as :func:`soap.write_literal_call`
writes it (the wrapper element in the contract's target namespace), each parameter's element, the
SOAPAction of the WSDL binding and the content type. The script only escapes the typed values into those
elements and POSTs the result, so it has nothing to know about SOAP.
"""

from __future__ import annotations

import enum
import html
from typing import Any

from soap import DEFAULT_REGISTRY, SOAP11, Kind, MethodCall, WireType, write_literal_call
from wsdl import Operation, ServiceContract, soap_action

_INTEGERS = frozenset({
    Kind.INT, Kind.INT32, Kind.INT64, Kind.INT16, Kind.SBYTE, Kind.BYTE, Kind.UINT16, Kind.UINT32, Kind.UINT64,
})
_UNSIGNED = frozenset({Kind.BYTE, Kind.UINT16, Kind.UINT32, Kind.UINT64})
_TEXT_KINDS = frozenset({Kind.STRING, Kind.CHAR, Kind.DOUBLE, Kind.SINGLE, Kind.DECIMAL, Kind.BOOL, Kind.ENUM,
                         Kind.DATETIME, Kind.DATE, Kind.DURATION, Kind.BYTES})
SIMPLE_KINDS = _INTEGERS | _TEXT_KINDS

#: the ``pattern`` of a text input per kind (the browser refuses to submit what does not match)
_FLOAT = r"[\-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][\-+]?[0-9]+)?|-?INF|NaN"
_PATTERNS = {
    Kind.DOUBLE: _FLOAT,
    Kind.SINGLE: _FLOAT,
    Kind.DECIMAL: r"[\-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
}
_PLACEHOLDERS = {
    Kind.DOUBLE: "1.5", Kind.SINGLE: "1.5", Kind.DECIMAL: "12.34", Kind.DURATION: "P1DT2H30M",
    Kind.BYTES: "base64, e.g. aGVsbG8=", Kind.CHAR: "one character",
}


def triable(operation: Operation) -> bool:
    """True when the page can offer a form for ``operation``."""
    return all(p.wire.kind in SIMPLE_KINDS for p in operation.parameters)


def type_label(wire: WireType) -> str:
    """The XSD-ish name shown next to an input: ``int``, ``long``, ``dateTime``, ``Color``."""
    if wire.kind is Kind.ENUM and wire.py_type is not None:
        return wire.py_type.__name__
    return "int" if wire.kind is Kind.INT else wire.kind.value


def _envelope(contract: ServiceContract, operation: Operation) -> tuple[str, str]:
    """The request around the parameters: everything before them and everything after."""
    call = MethodCall(operation.name, contract.literal_namespace, [], [], [])
    document = write_literal_call(call, SOAP11, DEFAULT_REGISTRY).decode("utf-8")
    closing = f"</tns:{operation.name}>"
    cut = document.rindex(closing)
    return document[:cut], document[cut:]


def request_spec(contract: ServiceContract, operation: Operation, url: str) -> dict[str, Any]:
    """What the page's script needs to call ``operation`` at ``url`` (a path on the page's own origin)."""
    head, tail = _envelope(contract, operation)
    params = []
    for p in operation.parameters:
        shape = p.wire.xml
        omitted = shape is not None and shape.omit_if_none
        params.append({
            "open": f"<tns:{p.name}>",
            "close": f"</tns:{p.name}>",
            "nil": "" if omitted else f'<tns:{p.name} xsi:nil="true"/>',
            "kind": p.wire.kind.value,
        })
    return {
        "url": url,
        "action": f'"{soap_action(contract.literal_namespace, operation.name)}"',
        "contentType": SOAP11.content_type,
        "head": head,
        "tail": tail,
        "params": params,
    }


def _attrs(**attrs: str | None) -> str:
    return "".join(
        f' {name.rstrip("_").replace("_", "-")}="{html.escape(value, quote=True)}"'
        for name, value in attrs.items() if value is not None
    )


def _input(wire: WireType, name: str, field_id: str) -> str:
    kind = wire.kind
    if kind is Kind.BOOL:
        return f'<select{_attrs(name=name, id=field_id)}><option>false</option><option>true</option></select>'
    if kind is Kind.ENUM and isinstance(wire.py_type, type) and issubclass(wire.py_type, enum.Enum):
        options = "".join(f"<option>{html.escape(m.name)}</option>" for m in wire.py_type)
        return f"<select{_attrs(name=name, id=field_id)}>{options}</select>"
    if kind is Kind.DATETIME:
        return f'<input type="datetime-local" step="1" required{_attrs(name=name, id=field_id)}>'
    if kind is Kind.DATE:
        return f'<input type="date" required{_attrs(name=name, id=field_id)}>'
    if kind in _INTEGERS:
        pattern = "[0-9]+" if kind in _UNSIGNED else "-?[0-9]+"
        return (f'<input type="text" inputmode="numeric" required autocomplete="off"'
                f'{_attrs(name=name, id=field_id, pattern=pattern, placeholder="0")}>')
    required = kind not in (Kind.STRING, Kind.BYTES)
    return (f'<input type="text" autocomplete="off"{" required" if required else ""}'
            f'{_attrs(name=name, id=field_id, pattern=_PATTERNS.get(kind), placeholder=_PLACEHOLDERS.get(kind))}'
            f'{" maxlength=1" if kind is Kind.CHAR else ""}>')


def form_fields(operation: Operation, form_id: str) -> str:
    """The labelled inputs of one form; inputs are named ``p0``, ``p1`` … (a parameter called ``action`` or
    ``submit`` must not shadow the form's own properties in the script), with a ``pN-nil`` box for
    parameters that may be null."""
    rows = []
    for i, p in enumerate(operation.parameters):
        field_id = f"{form_id}-p{i}"
        nil = ""
        if p.wire.nullable:
            nil = (f'<label class="nil"><input type="checkbox"{_attrs(name=f"p{i}-nil", data_for=f"p{i}")}>'
                   "null</label>")
        rows.append(
            f'<div class="field"><label{_attrs(for_=field_id)}><span class="pname">{html.escape(p.name)}</span>'
            f'<span class="ptype">{html.escape(type_label(p.wire))}</span></label>'
            f"{_input(p.wire, f'p{i}', field_id)}{nil}</div>"
        )
    return "".join(rows)
