"""The .NET method model in Python: out and ref parameters, overloads, properties, ToString / Equals.

    uvicorn examples.method_model:app

``ICalculator`` carries the CLR names of ``tests/interop/csharp/methodmodel/Contract.cs``, so an unchanged
Mono client of that contract calls it, and a Python client calls a Mono server of it:

* ``/Calculator.rem`` (and ``.soap``): ``Calculator``, a Singleton whose class overrides ``__str__``,
  ``__eq__`` and ``__hash__`` (published as ``ToString``, ``Equals``, ``GetHashCode``);
* ``/Plain.rem`` (and ``.soap``): ``PlainCalculator``, which overrides none of them (a .NET caller gets
  ``System.Object``'s answers: the type name, identity).

Out and ref parameters are ``soap.Out[T]`` / ``soap.Ref[T]``; a method that has any returns
``(return value or None, *out/ref values)``. Overloads are Python methods published under one .NET name
with ``wsdl.clr_method``; document/literal calls each by its Python name.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from gateway import MarshalByRefObject, RemotingApp
from soap import Out, Ref, clr_type, serializable
from wsdl import clr_method

#: the assembly of the C# contract (tests/interop/csharp/methodmodel/Contract.cs)
METHOD_MODEL = "MethodModel, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"

__all__ = [
    "METHOD_MODEL", "Calculator", "ICalculator", "ICalculatorObject", "Item", "PlainCalculator", "app", "register",
]


@serializable("MethodModel.Item", METHOD_MODEL)
@dataclass
class Item:
    Label: str | None = None
    Count: int = 0


@clr_type("MethodModel.ICalculator", "MethodModel")
class ICalculator:
    """What the calculator offers (the C# ICalculator): the interface clients bind proxies to."""

    def TryParse(self, text: str, value: Out[int] = 0) -> tuple[bool, int]:
        """Parse an integer: (parsed, value); value is 0 when parsing fails."""
        raise NotImplementedError

    def Divide(self, dividend: int, divisor: int, remainder: Out[int] = 0) -> tuple[int, int]:
        """Integer division: (quotient, remainder)."""
        raise NotImplementedError

    def Swap(self, a: Ref[int], b: Ref[int]) -> tuple[None, int, int]:
        """Exchange two values (a void method: its return value is None)."""
        raise NotImplementedError

    def Rename(self, name: Ref[str], suffix: str, length: Out[int] = 0) -> tuple[str, str, int]:
        """Append suffix to name: (old name, new name, its length)."""
        raise NotImplementedError

    def Restock(self, item: Ref[Item], extra: int, previous: Out[Item | None] = None) -> tuple[Item, Item, Item]:
        """Add extra to item.Count: (a copy labelled "!", the restocked item, the item as it was)."""
        raise NotImplementedError

    def Add(self, a: int, b: int) -> int:
        """Add(int, int)."""
        raise NotImplementedError

    @clr_method("Add")
    def AddStrings(self, a: str, b: str) -> str:
        """Add(string, string): concatenation."""
        raise NotImplementedError

    @clr_method("Add")
    def AddThree(self, a: float, b: float, c: float) -> float:
        """Add(double, double, double)."""
        raise NotImplementedError

    @property
    def Name(self) -> str:
        """The calculator's name (get_Name / set_Name)."""
        raise NotImplementedError

    @Name.setter
    def Name(self, value: str) -> None:
        raise NotImplementedError


@clr_type("MethodModel.ICalculator", "MethodModel")
class ICalculatorObject(ICalculator):
    """ICalculator with System.Object's overridable methods declared: on a sync proxy, ``str(proxy)``,
    ``proxy == other`` and ``hash(proxy)`` then ask the server (its ToString, Equals, GetHashCode)."""

    def __str__(self) -> str:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        raise NotImplementedError

    def __hash__(self) -> int:
        raise NotImplementedError


@clr_type("MethodModel.PlainCalculator", "MethodModel")
class PlainCalculator(MarshalByRefObject, ICalculator):
    """The calculator; overrides none of ToString, Equals, GetHashCode."""

    def __init__(self) -> None:
        self._name = "calc"
        self._lock = threading.Lock()

    def TryParse(self, text: str, value: Out[int] = 0) -> tuple[bool, int]:
        try:
            return True, int(text.strip())
        except ValueError:
            return False, 0

    def Divide(self, dividend: int, divisor: int, remainder: Out[int] = 0) -> tuple[int, int]:
        quotient = abs(dividend) // abs(divisor) * (1 if (dividend < 0) == (divisor < 0) else -1)
        return quotient, dividend - quotient * divisor  # C#'s truncating division

    def Swap(self, a: Ref[int], b: Ref[int]) -> tuple[None, int, int]:
        return None, b, a

    def Rename(self, name: Ref[str], suffix: str, length: Out[int] = 0) -> tuple[str, str, int]:
        renamed = name + suffix
        return name, renamed, len(renamed)

    def Restock(self, item: Ref[Item], extra: int, previous: Out[Item | None] = None) -> tuple[Item, Item, Item]:
        before = Item(item.Label, item.Count)
        after = Item(item.Label, item.Count + extra)
        return Item(f"{after.Label}!", after.Count), after, before

    def Add(self, a: int, b: int) -> int:
        return a + b

    @clr_method("Add")
    def AddStrings(self, a: str, b: str) -> str:
        return a + b

    @clr_method("Add")
    def AddThree(self, a: float, b: float, c: float) -> float:
        return a + b + c

    @property
    def Name(self) -> str:
        return self._name

    @Name.setter
    def Name(self, value: str) -> None:
        with self._lock:
            self._name = value


@clr_type("MethodModel.Calculator", "MethodModel")
class Calculator(PlainCalculator):
    """The calculator that overrides ToString, Equals and GetHashCode: .NET callers reach these."""

    def __str__(self) -> str:
        return f"Calculator {self.Name}"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Calculator) and other.Name == self.Name) or other == self.Name

    def __hash__(self) -> int:
        return 4242


def register(app: RemotingApp) -> RemotingApp:
    for uri in ("Calculator.rem", "Calculator.soap"):
        app.marshal(Calculator(), uri)
    for uri in ("Plain.rem", "Plain.soap"):
        app.marshal(PlainCalculator(), uri)
    return app


app = register(RemotingApp(formatters=("soap", "binary")))
