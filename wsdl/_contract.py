"""One description of what a Python class offers remotely, shared by the dispatcher, the client proxies,
the WSDL writer and the stub generator.

Scope of publication follows .NET Remoting: public instance methods only. Names starting with ``_``,
static and class methods, and plain attributes are never callable; neither is anything a base class of the
remoting runtime itself (``MarshalByRefObject``) defines.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from soap import VOID, ClrName, WireType, clr_name_of, wire_type


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

    @property
    def parameter_types(self) -> list[WireType]:
        return [p.wire for p in self.parameters]

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

    def operation(self, name: str) -> Operation | None:
        return self.operations.get(name)


def _hint_name(hint: Any) -> str:
    if hint is None or hint is type(None):
        return "None"
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).replace("typing.", "")


#: Classes whose own methods are runtime plumbing, never part of a contract (filled in by the gateway).
EXCLUDED_BASES: set[type] = {object}


def _is_published(cls: type, name: str) -> bool:
    if name.startswith("_"):
        return False
    for klass in cls.__mro__:
        if name in klass.__dict__:
            if klass in EXCLUDED_BASES:
                return False
            raw = klass.__dict__[name]
            return inspect.isfunction(raw)
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
    return Operation(name, tuple(params), ret_hint, returns, inspect.iscoroutinefunction(func), doc)


_CONTRACTS: dict[type, ServiceContract] = {}


def contract_of(cls: type) -> ServiceContract:
    """The contract of ``cls``: every published method along its MRO (interfaces included); cached."""
    cached = _CONTRACTS.get(cls)
    if cached is None:
        cached = _CONTRACTS[cls] = _build_contract(cls)
    return cached


def _build_contract(cls: type) -> ServiceContract:
    ops: dict[str, Operation] = {}
    for name in dir(cls):
        if _is_published(cls, name):
            ops[name] = _operation(name, getattr(cls, name))
    return ServiceContract(cls, clr_name_of(cls), ops, inspect.getdoc(cls) if cls.__doc__ else None)
