""".NET's own shapes served by Python: typed arrays, strings with CR, and mscorlib's exceptions.

    uvicorn examples.dotnet_types:app            # customErrors On (the default)
    uvicorn examples.dotnet_types:app_details    # customErrors Off: Python's exceptions as .NET's

``DotnetService`` (Singleton) at ``/DotnetService.soap`` and ``/DotnetService.rem``, SOAP and binary, is the
``DotnetInterop.IDotnetService`` contract of ``tests/interop/csharp/dotnet/DotnetContract.cs``:

* ``list[Person]``, ``list[str]``, ``list[int]``, ``list[Color]`` ... travel as .NET's ``Person[]``,
  ``string[]``, ``int[]``, ``Color[]`` (return values, arguments and members of ``Team``);
* ``Throw(kind, message)`` raises the .NET exception named by ``kind`` (``gateway.ArgumentException`` with
  ``param_name``, ...), which every caller catches as that type, or a Python built-in exception
  (``"ValueError"`` ...), which callers see as its .NET counterpart only where customErrors shows details.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from gateway import (
    ArgumentException,
    ArgumentNullException,
    ArgumentOutOfRangeException,
    CustomErrorsMode,
    Lease,
    MarshalByRefObject,
    RemotingApp,
    RemotingException,
    WellKnownObjectMode,
)
from gateway.model.dotnet_exceptions import DOTNET_EXCEPTIONS
from soap import Int64, clr_type, serializable

DOTNET_SHARED = "DotnetShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"

__all__ = ["DOTNET_SHARED", "Color", "DotnetService", "IDotnetService", "Person", "Team", "app", "app_details"]


@serializable("DotnetInterop.Color", DOTNET_SHARED)
class Color(enum.Enum):
    Red = 0
    Green = 1
    Blue = 2


@serializable("DotnetInterop.Person", DOTNET_SHARED)
@dataclass
class Person:
    Name: str | None
    Age: int


@serializable("DotnetInterop.Team", DOTNET_SHARED)
@dataclass
class Team:
    """Every kind of typed array as a member."""

    Name: str | None
    Members: list[Person | None] | None
    Tags: list[str | None] | None
    Scores: list[int] | None
    Ratings: list[float] | None
    Ids: list[Int64] | None
    Flags: list[bool] | None
    Prices: list[Decimal] | None
    Spans: list[dt.timedelta] | None
    Colors: list[Color] | None


def sample_team() -> Team:
    """The team both sides of the Mono tests build (``Samples.Team()`` in DotnetContract.cs)."""
    return Team(
        "Blue", [Person("Ann", 30), Person("Bob", 40)], ["x", None, "y"], [3, 1, 2], [0.5, -1.25], [1 << 40],
        [True, False], [Decimal("1.5"), Decimal("-0.01")], [dt.timedelta(minutes=90)], [Color.Blue, Color.Red],
    )


def code_units(text: str | None) -> str:
    """The UTF-16 code units of ``text`` in upper-case hex (``Samples.CodeUnits`` in DotnetContract.cs)."""
    if text is None:
        return "<null>"
    raw = text.encode("utf-16-le", "surrogatepass")
    return " ".join(f"{int.from_bytes(raw[i:i + 2], 'little'):02X}" for i in range(0, len(raw), 2))


@clr_type("DotnetInterop.IDotnetService", DOTNET_SHARED)
class IDotnetService:
    def GetPeople(self) -> list[Person | None]:
        """``[Ann (30), None, Bob (40)]``"""
        raise NotImplementedError

    def EchoPeople(self, people: list[Person | None] | None) -> list[Person | None] | None:
        raise NotImplementedError

    def GetStrings(self) -> list[str | None]:
        raise NotImplementedError

    def EchoStrings(self, items: list[str | None] | None) -> list[str | None] | None:
        raise NotImplementedError

    def GetInts(self) -> list[int]:
        raise NotImplementedError

    def EchoInts(self, items: list[int] | None) -> list[int] | None:
        raise NotImplementedError

    def EchoDoubles(self, items: list[float] | None) -> list[float] | None:
        raise NotImplementedError

    def EchoColors(self, items: list[Color] | None) -> list[Color] | None:
        raise NotImplementedError

    def EchoDates(self, items: list[dt.datetime] | None) -> list[dt.datetime] | None:
        raise NotImplementedError

    def GetTeam(self) -> Team | None:
        raise NotImplementedError

    def EchoTeam(self, team: Team | None) -> Team | None:
        raise NotImplementedError

    def EchoText(self, text: str | None) -> str | None:
        raise NotImplementedError

    def CodeUnits(self, text: str | None) -> str:
        """The UTF-16 code units of ``text`` (shows whether a CR arrived as CR)."""
        raise NotImplementedError

    def Throw(self, kind: str | None, message: str | None) -> None:
        """Raises the exception named by ``kind`` with ``message``."""
        raise NotImplementedError


#: .NET's exceptions by name, as DotnetContract.cs's ``Samples.Exception`` throws them.
DOTNET_KINDS: dict[str, Callable[[str | None], BaseException]] = {
    **{cls.__name__: cls for cls in DOTNET_EXCEPTIONS},
    "ArgumentException": lambda m: ArgumentException(m, param_name="name"),
    "ArgumentNullException": lambda m: ArgumentNullException(m, param_name="name"),
    "ArgumentOutOfRangeException": lambda m: ArgumentOutOfRangeException(m, param_name="name", actual_value=42),
    "RemotingException": lambda m: RemotingException(m or ""),
}

#: Python's own exceptions by name: undeclared, so what a caller sees follows customErrors.
PYTHON_KINDS: dict[str, type[BaseException]] = {
    cls.__name__: cls
    for cls in (ValueError, KeyError, IndexError, NotImplementedError, TimeoutError, PermissionError,
                ZeroDivisionError, OverflowError, OSError, TypeError)
}


class DotnetService(MarshalByRefObject, IDotnetService):
    def InitializeLifetimeService(self) -> Lease | None:
        return None

    def GetPeople(self) -> list[Person | None]:
        return [Person("Ann", 30), None, Person("Bob", 40)]

    def EchoPeople(self, people: list[Person | None] | None) -> list[Person | None] | None:
        return people

    def GetStrings(self) -> list[str | None]:
        return ["a", None, "b"]

    def EchoStrings(self, items: list[str | None] | None) -> list[str | None] | None:
        return items

    def GetInts(self) -> list[int]:
        return [1, -2, 2**31 - 1]

    def EchoInts(self, items: list[int] | None) -> list[int] | None:
        return items

    def EchoDoubles(self, items: list[float] | None) -> list[float] | None:
        return items

    def EchoColors(self, items: list[Color] | None) -> list[Color] | None:
        return items

    def EchoDates(self, items: list[dt.datetime] | None) -> list[dt.datetime] | None:
        return items

    def GetTeam(self) -> Team | None:
        return sample_team()

    def EchoTeam(self, team: Team | None) -> Team | None:
        return team

    def EchoText(self, text: str | None) -> str | None:
        return text

    def CodeUnits(self, text: str | None) -> str:
        return code_units(text)

    def Throw(self, kind: str | None, message: str | None) -> None:
        if kind in PYTHON_KINDS:
            raise PYTHON_KINDS[kind](message)
        raise DOTNET_KINDS.get(kind or "", Exception)(message)


def register(app: RemotingApp) -> RemotingApp:
    app.register_well_known(DotnetService, "DotnetService.soap", WellKnownObjectMode.Singleton)
    app.register_well_known(DotnetService, "DotnetService.rem", WellKnownObjectMode.Singleton)
    return app


app = register(RemotingApp(formatters=("soap", "binary")))
app_details = register(RemotingApp(formatters=("soap", "binary"), custom_errors=CustomErrorsMode.Off))
