"""One description of what a Python class offers remotely, shared by the dispatcher, the client proxies,
the WSDL writer and the stub generator.

Scope of publication follows .NET Remoting: public instance methods only (or, when a class sets
``__remoting_contract__ = SomeInterface``, only what that interface declares). Names starting with ``_``,
static and class methods, and plain attributes are never callable; neither is anything a base class of the
remoting runtime itself (``MarshalByRefObject``) defines. Properties are ``get_X`` / ``set_X``;
``__str__``, ``__eq__`` and ``__hash__`` are ``ToString``, ``Equals`` and ``GetHashCode`` when the class
overrides them.

The method model (issue 9): parameters have a direction (``soap.Out`` / ``soap.Ref``), and several Python
methods may publish one .NET method name (:func:`clr_method`): overloads, told apart on the wire by their
signatures. An operation's :attr:`Operation.key` is unique in its contract: the Python name of an overload,
the .NET name otherwise. It names the operation in document/literal (which has no overloads) and on
proxies.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from soap import (
    VOID,
    ClrName,
    Direction,
    Int32,
    Kind,
    SoapEncodeError,
    WireType,
    clr_name_of,
    direction_of,
    wire_type,
)

from ._schema import is_optional


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    hint: Any
    wire: WireType
    direction: Direction = Direction.IN
    #: the value an out parameter starts with on the server (its Python default)
    default: Any = None


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
    #: unique in the contract: the document/literal operation name and the proxy attribute ("" = ``name``)
    key: str = ""
    #: other operations of the contract share this .NET name (calls carry a method signature)
    overloaded: bool = False
    #: parameters without a type hint (``"return"`` for a missing return hint): they travel as ``Any``,
    #: which a caller has to guess; the server warns about them when the class is registered
    unhinted: tuple[str, ...] = ()
    #: a one-way method (:func:`one_way`): the caller never waits for it nor hears of its failure
    one_way: bool = False
    #: document/literal SOAP header types the operation reads / writes (:func:`soap_headers`)
    in_headers: tuple[type, ...] = ()
    out_headers: tuple[type, ...] = ()
    #: a plain ``def`` the server may run on its event loop, without a worker thread (:func:`run_inline`)
    inline: bool = False

    #: the parameters' wire types and names, computed once (read on every call)
    parameter_types: list[WireType] = field(init=False, repr=False, compare=False)
    parameter_names: list[str] = field(init=False, repr=False, compare=False)
    #: the out and ref parameters by position (empty for most operations)
    outputs: tuple[tuple[int, Parameter], ...] = field(init=False, repr=False, compare=False)
    #: what a SOAP request carries: the in and ref parameters (the out ones are absent)
    input_types: list[WireType] = field(init=False, repr=False, compare=False)
    input_names: list[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.key or self.name)
        object.__setattr__(self, "parameter_types", [p.wire for p in self.parameters])
        object.__setattr__(self, "parameter_names", [p.name for p in self.parameters])
        outputs = tuple((i, p) for i, p in enumerate(self.parameters) if p.direction is not Direction.IN)
        object.__setattr__(self, "outputs", outputs)
        inputs = [p for p in self.parameters if p.direction is not Direction.OUT]
        object.__setattr__(self, "input_types", [p.wire for p in inputs])
        object.__setattr__(self, "input_names", [p.name for p in inputs])

    def missing_hints(self) -> str:
        """What :attr:`unhinted` names, readably: ``parameter 'x' and the return value``."""
        names = [f"parameter {n!r}" for n in self.unhinted if n != "return"]
        if "return" in self.unhinted:
            names.append("the return value")
        if len(names) < 2:
            return "".join(names)
        return ", ".join(names[:-1]) + " and " + names[-1]

    def signature(self) -> str:
        def show(p: Parameter) -> str:
            prefix = "" if p.direction is Direction.IN else p.direction.value + " "
            return f"{prefix}{p.name}: {_hint_name(p.hint)}"

        params = ", ".join(show(p) for p in self.parameters)
        name = self.name if self.key == self.name else f"{self.key} = {self.name}"
        return f"{name}({params}) -> {_hint_name(self.return_hint)}"


@dataclass(frozen=True, slots=True)
class ServiceContract:
    """The operations of a class (or interface), keyed by name, plus its CLR identity and doc."""

    py_type: type
    clr: ClrName
    #: by :attr:`Operation.key`
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

    #: .NET names that several operations share, with those operations (empty for most contracts)
    overloads: Mapping[str, tuple[Operation, ...]] = field(default_factory=dict)

    def operation(self, name: str) -> Operation | None:
        """The operation with this key (see :attr:`Operation.key`)."""
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
        kind = next((m for m in args[1:] if isinstance(getattr(m, "value", None), str) and m.value in _ALIASES),
                    None)
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

_CLR_METHOD = "__remoting_clr_method__"


def clr_method(name: str) -> typing.Callable[[_F], _F]:
    """Publish a method under the .NET method name ``name``; several methods may share one: overloads.

    ``@clr_method("Add") def AddStrings(self, a: str, b: str) -> str`` is .NET's ``Add(string, string)``.
    Callers tell overloads apart by signature (the SOAP ``__MethodSignature`` header, the binary
    ``MethodSignatureInArray``), else by argument count and wire types; document/literal, which has no
    overloads, calls each by its Python name (``AddStrings``).
    """

    def mark(func: _F) -> _F:
        setattr(func, _CLR_METHOD, name)
        return func

    return mark


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


def run_inline(func: _F) -> _F:
    """Declare a plain ``def`` method quick and non-blocking: the server runs it on its event loop instead of
    handing it to a worker thread, which costs more than a short method itself (tens of microseconds, more
    on a busy machine). Only for methods that never wait (no I/O, no locks, no sleeps): while one runs, the
    server serves nothing else. ``async def`` methods run on the loop anyway."""
    setattr(func, "__remoting_inline__", True)  # noqa: B010
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


_OBJECT_METHODS = {"__str__": "ToString", "__eq__": "Equals", "__hash__": "GetHashCode"}

#: System.Object's own ToString / Equals / GetHashCode, which every .NET object answers: what a server runs
#: for a class that does not override them, and what a proxy calls when its contract does not declare them.
OBJECT_OPERATIONS: Mapping[str, Operation] = {
    "ToString": Operation("ToString", (), str, wire_type(str), False, "The type's full name.", "ToString"),
    "Equals": Operation("Equals", (Parameter("obj", Any, wire_type(Any)),), bool, wire_type(bool), False,
                        "Whether obj is this very object.", "Equals"),
    "GetHashCode": Operation("GetHashCode", (), Int32, wire_type(Int32), False, "The object's identity hash.",
                             "GetHashCode"),
}


def _wire(hint: Any, func: Any, what: str) -> WireType:
    """The wire type of one hint, or an error naming the method and the parameter it belongs to."""
    try:
        return wire_type(hint)
    except SoapEncodeError as exc:
        raise SoapEncodeError(f"{func.__qualname__}: {what}: {exc}") from None


def _accessors(cls: type, name: str, prop: property) -> list[Operation]:
    ops = []
    doc = inspect.getdoc(prop)
    if prop.fget is not None:
        hints = typing.get_type_hints(prop.fget, include_extras=True)
        hint = hints.get("return", Any)
        unhinted = () if "return" in hints else ("return",)
        ops.append(Operation(f"get_{name}", (), hint, _wire(hint, prop.fget, "return value"), False, doc, name,
                             "get", unhinted=unhinted))
    if prop.fset is not None:
        hints = typing.get_type_hints(prop.fset, include_extras=True)
        params = [p for p in inspect.signature(prop.fset).parameters][1:]
        hint = hints.get(params[0], Any) if params else Any
        param = Parameter("value", hint, _wire(hint, prop.fset, "value"))
        unhinted = () if params and params[0] in hints else ("value",)
        ops.append(Operation(f"set_{name}", (param,), None, VOID, False, doc, name, "set", unhinted=unhinted))
    return ops


def _overrides(cls: type, dunder: str) -> bool:
    for klass in cls.__mro__:
        if dunder in klass.__dict__:
            if klass.__dict__[dunder] is None:
                return False  # __hash__ = None: a class that defines __eq__ alone is unhashable
            return not _is_infrastructure(klass) and klass.__module__ != "builtins"
    return False


#: kinds that :func:`soap.wire_type` makes nullable without ``Optional`` (a .NET string or byte[] may be null)
_NULLABLE_BY_DEFAULT = (Kind.STRING, Kind.BYTES)


def _parameter(func: Any, pname: str, param: inspect.Parameter, hint: Any) -> Parameter:
    direction = direction_of(hint)
    default = None if param.default is param.empty else param.default
    if direction is Direction.OUT and param.default is param.empty:
        raise TypeError(f"{func.__qualname__}: out parameter {pname!r} needs a default (the value the method "
                        "starts with, e.g. `value: Out[int] = 0`): callers send nothing for it")
    wire = _wire(hint, func, f"parameter {pname!r}")
    if wire.kind in _NULLABLE_BY_DEFAULT and not is_optional(hint):
        # ``name: str`` promises the method a str: a null from the wire (legal in .NET's dialects, refused by
        # the WSDL, which declares it nillable only for ``str | None``) is a bad argument, never a None
        wire = dataclasses.replace(wire, nullable=False)
    return Parameter(pname, hint, wire, direction, default)


def _return_type(func: Any, ret_hint: Any, params: list[Parameter]) -> tuple[Any, WireType]:
    """The .NET return type; with out/ref parameters the hint is ``tuple[R, *outs]`` (R None for void)."""
    outputs = [p for p in params if p.direction is not Direction.IN]
    if not outputs:
        return ret_hint, VOID if ret_hint is None or ret_hint is type(None) else _wire(ret_hint, func, "return value")
    args = typing.get_args(ret_hint)
    if typing.get_origin(ret_hint) is not tuple or len(args) != len(outputs) + 1 or Ellipsis in args:
        names = ", ".join(p.name for p in outputs)
        raise TypeError(f"{func.__qualname__} has out/ref parameters ({names}): declare its return type as "
                        f"tuple[<return type or None>, <one type per out/ref parameter>], {len(outputs) + 1} "
                        "items, and return them in that order")
    first = args[0]
    return first, VOID if first is None or first is type(None) else _wire(first, func, "return value")


def _operation(name: str, func: Any) -> Operation:
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except NameError as exc:
        raise TypeError(f"cannot resolve the type hints of {func.__qualname__}: {exc}") from None
    sig = inspect.signature(func)
    params: list[Parameter] = []
    unhinted: list[str] = []
    for i, (pname, param) in enumerate(sig.parameters.items()):
        if i == 0:
            continue  # self
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.KEYWORD_ONLY):
            raise TypeError(f"{func.__qualname__}: *args, **kwargs and keyword-only parameters cannot be "
                            "called remotely (calls carry positional arguments)")
        if pname not in hints:
            unhinted.append(pname)
        params.append(_parameter(func, pname, param, hints.get(pname, Any)))
    if "return" not in hints:
        unhinted.append("return")
    ret_hint, returns = _return_type(func, hints.get("return", Any), params)
    doc = inspect.getdoc(func)
    faults = tuple(getattr(func, "__remoting_faults__", ()))
    clr = getattr(func, _CLR_METHOD, None)
    dotnet_name = clr if isinstance(clr, str) else name
    one = bool(getattr(func, "__remoting_one_way__", False))
    if one and (returns.kind is not Kind.VOID or any(p.direction is not Direction.IN for p in params)):
        raise TypeError(f"{func.__qualname__}: a one-way method returns nothing (annotate it -> None, and give it "
                        "no out or ref parameters)")
    ins, outs = getattr(func, "__remoting_headers__", ((), ()))
    return Operation(dotnet_name, tuple(params), ret_hint, returns, inspect.iscoroutinefunction(func), doc, name,
                     None, faults, name, unhinted=tuple(unhinted), one_way=one, in_headers=tuple(ins),
                     out_headers=tuple(outs), inline=bool(getattr(func, "__remoting_inline__", False)))


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
        return ServiceContract(cls, clr_name_of(cls), inner.operations, inner.doc, inner.overloads)
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
            elif dunder == "__hash__":
                op = Operation("GetHashCode", (), Int32, wire_type(Int32), False, op.doc, dunder)
            else:
                op = Operation("ToString", (), str, wire_type(str), False, op.doc, dunder)
            ops[dotnet_name] = op
    keyed, overloads = _overloads(ops)
    return ServiceContract(cls, clr_name_of(cls), keyed, inspect.getdoc(cls) if cls.__doc__ else None, overloads)


def _overloads(ops: dict[str, Operation]) -> tuple[dict[str, Operation], dict[str, tuple[Operation, ...]]]:
    """Key the operations (an overload by its Python name, any other by its .NET name) and group overloads."""
    by_name: dict[str, list[Operation]] = {}
    for op in ops.values():
        by_name.setdefault(op.name, []).append(op)
    keyed: dict[str, Operation] = {}
    overloads: dict[str, tuple[Operation, ...]] = {}
    for name, group in by_name.items():
        if len(group) == 1:
            keyed[name] = group[0] if group[0].key == name else dataclasses.replace(group[0], key=name)
            continue
        marked = tuple(dataclasses.replace(op, overloaded=True) for op in sorted(group, key=lambda o: o.key))
        for op in marked:
            if op.key != name and op.key in by_name:
                raise TypeError(f"overload {op.key!r} of {name!r} has the name of another .NET method: rename it")
            keyed[op.key] = op
        overloads[name] = marked
    return keyed, overloads
