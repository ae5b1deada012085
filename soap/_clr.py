"""CLR identities for Python classes.

A .NET peer finds types by their CLR name and assembly, so every class that crosses the wire by name
(by-value types, exceptions, enums, and the interfaces whose namespace goes into SOAPAction) has one.
It is given explicitly with :func:`clr_type` or derived from the Python module and class name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from ._namespaces import data_namespace, method_namespace, simple_assembly_name, split_type_name

_T = TypeVar("_T", bound=type)

_ATTR = "__clr_identity__"


@dataclass(frozen=True, slots=True)
class ClrName:
    """A CLR type identity: full type name (``Namespace.Type``) and assembly (simple or full name)."""

    full_name: str
    assembly: str

    @property
    def short_name(self) -> str:
        return split_type_name(self.full_name)[1]

    @property
    def assembly_simple_name(self) -> str:
        return simple_assembly_name(self.assembly)

    @property
    def method_namespace(self) -> str:
        return method_namespace(self.full_name, self.assembly)

    @property
    def data_namespace(self) -> str:
        return data_namespace(self.full_name, self.assembly)

    @property
    def assembly_qualified_name(self) -> str:
        return f"{self.full_name}, {self.assembly}"


def clr_type(full_name: str, assembly: str = "mscorlib") -> _ClrDecorator:
    """Class decorator giving a Python class the CLR identity that .NET peers know it by.

    ``@clr_type("RemotingPeer.IHello", assembly="PeerShared")``. Use the assembly's full display name
    (``"PeerShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"``) for by-value types that a
    .NET client must load.
    """
    return _ClrDecorator(ClrName(full_name, assembly))


class _ClrDecorator:
    def __init__(self, name: ClrName) -> None:
        self.name = name

    def __call__(self, cls: _T) -> _T:
        setattr(cls, _ATTR, self.name)
        return cls


def clr_name_of(cls: type) -> ClrName:
    """The CLR identity of ``cls``: the declared one (only if declared on ``cls`` itself) or a derived one."""
    declared = cls.__dict__.get(_ATTR)
    if isinstance(declared, ClrName):
        return declared
    module = cls.__module__
    return ClrName(f"{module}.{cls.__qualname__}", module.split(".", 1)[0])
