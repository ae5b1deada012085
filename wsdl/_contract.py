"""One description of what a Python class offers remotely, shared by the dispatcher, the client proxies,
the WSDL writer and the stub generator.

Scope of publication follows .NET Remoting: public instance methods only (or, when a class sets
``__remoting_contract__ = SomeInterface``, only what that interface declares). Names starting with ``_``,
static and class methods, and plain attributes are never callable; neither is anything a base class of the
remoting runtime itself (``MarshalByRefObject``) defines.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from soap import VOID, ClrName, Kind, WireType, clr_name_of, wire_type


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    hint: Any
    wire: WireType


@dataclass(frozen=True, slots=True)
class Operation:
    """One remotely callable method."""

    name: str
    parameters: tuple[Parameter, ...]
    return_hint: Any
    returns: WireType
    is_async: bool
    doc: str | None
    #: the Python attribute behind the operation (differs for ``get_X``/``set_X`` and ``ToString``/``Equals``)
    target: str = ""
    #: "get" or "set" for a property accessor, None for a method call
    accessor: str | None = None
    #: exception types the operation declares (:func:`throws`): its fault contract
    faults: tuple[type, ...] = ()
    #: a one-way method (:func:`one_way`): the caller never waits for it nor hears of its failure
    one_way: bool = False
    #: document/literal SOAP header types the operation reads / writes (:func:`soap_headers`)
    in_headers: tuple[type, ...] = ()
    out_headers: tuple[type, ...] = ()

    #: the parameters' wire types and names, computed once (read on every call)
    parameter_types: list[WireType] = field(init=False, repr=False, compare=False)
    parameter_names: list[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameter_types", [p.wire for p in self.parameters])
        object.__setattr__(self, "parameter_names", [p.name for p in self.parameters])

    def signature(self) -> str:
        params = ", ".join(f"{p.name}: {_hint_name(p.hint)}" for p in self.parameters)
        return f"{self.name}({params}) -> {_hint_name(self.return_hint)}"


@dataclass(frozen=True, slots=True)
class ServiceContract:
    """The operations of a class (or interface), keyed by name, plus its CLR identity and doc."""

    py_type: type
    clr: ClrName
    operations: Mapping[str, Operation]
    doc: str | None

    @property
    def name(self) -> str:
        """The service name in WSDL (the class name)."""
        return self.py_type.__name__

    @property
    def literal_namespace(self) -> str:
        """The target namespace of the document/literal contract: ``__soap_namespace__`` or ``urn:<CLR name>``."""
        declared = getattr(self.py_type, "__soap_namespace__", None)
        return declared if isinstance(declared, str) else f"urn:{self.clr.full_name}"

    def operation(self, name: str) -> Operation | None:
        return self.operations.get(name)


_ALIASES = {
    "long": "Int64", "int32": "Int32", "short": "Int16", "byte": "SByte", "unsignedByte": "Byte",
    "unsignedShort": "UInt16", "unsignedInt": "UInt32", "unsignedLong": "UInt64", "float": "Single", "char": "Char",
}


def _hint_name(hint: Any) -> str:
    """A readable rendering of a type hint: ``Int64``, ``Person | None``, ``list[int]``."""
    if hint is None or hint is type(None):
        return "None"
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        kind = next((m for m in args[1:] if hasattr(m, "value") and m.value in _ALIASES), None)
        return _ALIASES[kind.value] if kind is not None else _hint_name(args[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_hint_name(a) for a in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(_hint_name(a) for a in args)}]"
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).replace("typing.", "")


#: A class that sets this attribute to True in its own body is runtime plumbing (the gateway's
#: MarshalByRefObject): its own methods (InitializeLifetimeService ...) are never part of a contract. A marker
#: the class declares, rather than a registry another package fills in at import time.
INFRASTRUCTURE_MARKER = "__remoting_infrastructure__"


def _is_infrastructure(klass: type) -> bool:
    return klass is object or bool(klass.__dict__.get(INFRASTRUCTURE_MARKER, False))


def _is_plumbing_name(cls: type, name: str) -> bool:
    """``name`` is defined by an infrastructure base of ``cls`` (a runtime hook, never a user method)."""
    return any(name in klass.__dict__ for klass in cls.__mro__ if _is_infrastructure(klass))


def _is_published(cls: type, name: str) -> bool:
    if name.startswith("_"):
        return False
    if _is_plumbing_name(cls, name):
        return False  # runtime hooks (InitializeLifetimeService ...) are never callable as user methods
    for klass in cls.__mro__:
        if name in klass.__dict__:
            if _is_infrastructure(klass):
                return False
            raw = klass.__dict__[name]
            return inspect.isfunction(raw)
    return False


_F = typing.TypeVar("_F")


def throws(*exception_types: type[BaseException]) -> typing.Callable[[_F], _F]:
    """Declare the exceptions a method may raise (its fault contract, like WCF's ``FaultContract``).

    They appear as ``wsdl:fault`` messages in the WSDL. Register them as by-value types
    (``@soap.serializable``) so they reach callers with their fields.
    """

    def mark(func: _F) -> _F:
        setattr(func, "__remoting_faults__", tuple(exception_types))  # noqa: B010
        return func

    return mark


def one_way(func: _F) -> _F:
    """Declare a one-way method (.NET's ``[OneWay]``): it returns nothing and its caller does not wait.

    The server answers at once and runs the method afterwards; a failure is logged on the server, never
    reported to the caller. Python proxies return as soon as the request is sent. Document/literal WSDL
    declares the operation without an output message.
    """
    setattr(func, "__remoting_one_way__", True)  # noqa: B010
    return func


def soap_headers(
    in_header: type | tuple[type, ...] = (), out_header: type | tuple[type, ...] = ()
) -> typing.Callable[[_F], _F]:
    """Declare the document/literal SOAP headers a method reads (``in_header``) and writes (``out_header``).

    Each is a registered by-value class (``@soap.serializable`` dataclass); its header element is named
    after the class, in the service's target namespace (or the class's ``__soap_namespace__``), and the
    WSDL declares it on the operation's input or output. The method reads a received header with
    ``gateway.CallContext.get_header(AuthHeader)`` and sets one for the reply with
    ``gateway.CallContext.set_header(value)`` (spyne's ``in_header`` / ``out_header``).
    """
    ins = in_header if isinstance(in_header, tuple) else (in_header,)
    outs = out_header if isinstance(out_header, tuple) else (out_header,)
    for cls in (*ins, *outs):
        if not isinstance(cls, type) or wire_type(cls).kind is not Kind.OBJECT:
            raise TypeError(f"SOAP header type {cls!r} must be a by-value class (a @soap.serializable dataclass)")

    def mark(func: _F) -> _F:
        setattr(func, "__remoting_headers__", (ins, outs))  # noqa: B010
        return func

    return mark


_OBJECT_METHODS = {"__str__": "ToString", "__eq__": "Equals"}


def _accessors(cls: type, name: str, prop: property) -> list[Operation]:
    ops = []
    doc = inspect.getdoc(prop)
    if prop.fget is not None:
        hint = typing.get_type_hints(prop.fget, include_extras=True).get("return", Any)
        ops.append(Operation(f"get_{name}", (), hint, wire_type(hint), False, doc, name, "get"))
    if prop.fset is not None:
        hints = typing.get_type_hints(prop.fset, include_extras=True)
        params = [p for p in inspect.signature(prop.fset).parameters][1:]
        hint = hints.get(params[0], Any) if params else Any
        param = Parameter("value", hint, wire_type(hint))
        ops.append(Operation(f"set_{name}", (param,), None, VOID, False, doc, name, "set"))
    return ops


def _overrides(cls: type, dunder: str) -> bool:
    for klass in cls.__mro__:
        if dunder in klass.__dict__:
            return not _is_infrastructure(klass) and klass.__module__ != "builtins"
    return False


def _operation(name: str, func: Any) -> Operation:
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except NameError as exc:
        raise TypeError(f"cannot resolve the type hints of {func.__qualname__}: {exc}") from None
    sig = inspect.signature(func)
    params: list[Parameter] = []
    for i, (pname, param) in enumerate(sig.parameters.items()):
        if i == 0:
            continue  # self
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.KEYWORD_ONLY):
            raise TypeError(f"{func.__qualname__}: *args, **kwargs and keyword-only parameters cannot be "
                            "called remotely (calls carry positional arguments)")
        hint = hints.get(pname, Any)
        params.append(Parameter(pname, hint, wire_type(hint)))
    ret_hint = hints.get("return", Any)
    returns = VOID if ret_hint is None or ret_hint is type(None) else wire_type(ret_hint)
    doc = inspect.getdoc(func)
    faults = tuple(getattr(func, "__remoting_faults__", ()))
    one = bool(getattr(func, "__remoting_one_way__", False))
    if one and returns.kind is not Kind.VOID:
        raise TypeError(f"{func.__qualname__}: a one-way method returns nothing (annotate it -> None)")
    ins, outs = getattr(func, "__remoting_headers__", ((), ()))
    return Operation(name, tuple(params), ret_hint, returns, inspect.iscoroutinefunction(func), doc, name,
                     None, faults, one, tuple(ins), tuple(outs))


_CONTRACTS: dict[type, ServiceContract] = {}


def contract_of(cls: type) -> ServiceContract:
    """The contract of ``cls``: every published method along its MRO (interfaces included); cached."""
    cached = _CONTRACTS.get(cls)
    if cached is None:
        cached = _CONTRACTS[cls] = _build_contract(cls)
    return cached


def _build_contract(cls: type) -> ServiceContract:
    exposed = cls.__dict__.get("__remoting_contract__")
    if isinstance(exposed, type):
        # The class publishes only what this interface declares (as a .NET type exposing one interface).
        inner = contract_of(exposed)
        return ServiceContract(cls, clr_name_of(cls), inner.operations, inner.doc)
    ops: dict[str, Operation] = {}
    for name in dir(cls):
        if _is_published(cls, name):
            ops[name] = _operation(name, getattr(cls, name))
        elif not name.startswith("_") and not _is_plumbing_name(cls, name):
            prop = inspect.getattr_static(cls, name, None)
            if isinstance(prop, property):
                for op in _accessors(cls, name, prop):
                    ops[op.name] = op
    for dunder, dotnet_name in _OBJECT_METHODS.items():
        if _overrides(cls, dunder) and dotnet_name not in ops:
            op = _operation(dunder, getattr(cls, dunder))
            if dunder == "__eq__":  # Equals(object) -> bool, whatever the Python hints say
                param = Parameter("obj", Any, wire_type(Any))
                op = Operation("Equals", (param,), bool, wire_type(bool), False, op.doc, dunder)
            else:
                op = Operation("ToString", (), str, wire_type(str), False, op.doc, dunder)
            ops[dotnet_name] = op
    return ServiceContract(cls, clr_name_of(cls), ops, inspect.getdoc(cls) if cls.__doc__ else None)
