"""The interop contract of ``peers/clients`` (eight SOAP toolkits), served by the gateway.

    uvicorn examples.interop:app

The service is at ``/InteropService.soap``; toolkits import ``/InteropService.soap?wsdl`` (SOAP 1.1,
document/literal wrapped) or ``?wsdl=soap12``. The same object also answers the .NET Remoting dialect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode
from soap import serializable


@serializable("Interop.EchoStruct", "Interop")
@dataclass
class EchoStruct:
    """Every primitive the contract exercises, echoed back."""

    i: int
    d: float
    b: bool
    s: str | None
    t: dt.datetime
    raw: bytes | None


@serializable("Interop.Person", "Interop")
@dataclass
class Person:
    """A person with a list of tags."""

    name: str | None
    age: int
    tags: list[str] = field(default_factory=list)


@serializable("Interop.InteropError", "Interop")
class InteropError(Exception):
    """Raised by ``fail``: a registered exception, so its message reaches every caller as the faultstring.

    (It is deliberately not declared with ``wsdl.throws``: the toolkit harness expects ``fail`` to raise an
    undeclared SOAP fault, e.g. JAX-WS's ``SOAPFaultException`` rather than a generated exception class.)
    """


class InteropService(MarshalByRefObject):
    """The reference interop service: one operation per check of the toolkit harness."""

    __soap_namespace__ = "urn:interop"

    def hello(self, name: str | None) -> str:
        """Greets ``name``."""
        return "Hi there " + (name or "")

    def add(self, a: int, b: int) -> int:
        """The sum of two 32-bit integers."""
        return a + b

    def echo_all(self, i: int, d: float, b: bool, s: str | None, t: dt.datetime, raw: bytes | None) -> EchoStruct:
        """Returns its arguments as a struct."""
        return EchoStruct(i, d, b, s, t, raw)

    def reverse(self, items: list[int] | None) -> list[int]:
        """The items in reverse order."""
        return list(reversed(items or []))

    def make_person(self, name: str | None, age: int) -> Person:
        """A new person tagged ``new`` and ``person``."""
        return Person(name, age, ["new", "person"])

    def older(self, p: Person, years: int) -> Person:
        """A copy of ``p``, ``years`` older."""
        return Person(p.name, p.age + years, list(p.tags))

    def fail(self, message: str | None) -> None:
        """Always raises :class:`InteropError` with ``message``."""
        raise InteropError(message or "")

    def nothing(self) -> None:
        """Does nothing and returns nothing."""


def register(app: RemotingApp) -> RemotingApp:
    """Publish the interop service on ``app``."""
    app.register_well_known(InteropService, "InteropService.soap", WellKnownObjectMode.SingleCall)
    return app


app = register(RemotingApp())
