"""Parameter directions: .NET's ``out`` and ``ref`` parameters, spelled as ``Annotated`` markers.

``value: Out[int] = 0`` is an ``int`` to the type checker and an ``out int`` to .NET; ``count: Ref[int]`` a
``ref int``. A method with out or ref parameters returns a tuple: its .NET return value (``None`` for
``void``) followed by the final value of each out and ref parameter, in parameter order::

    def TryParse(self, text: str, value: Out[int] = 0) -> tuple[bool, int]:
        ...
        return True, 42

On the wire, as .NET does it: a SOAP request carries only the in and ref parameters; the response holds
``return`` and then the out and ref values by name; a binary reply carries every argument slot, with the
out and ref values in their positions.
"""

from __future__ import annotations

import enum
import typing
from typing import Annotated, TypeAlias, TypeVar

_T = TypeVar("_T")


class Direction(enum.Enum):
    """Which way a parameter's value travels."""

    IN = "in"
    #: the caller sends nothing (SOAP) or a placeholder (binary); the callee's value comes back
    OUT = "out"
    #: the caller's value goes in, the callee's value comes back
    REF = "ref"


#: ``Out[int]``: an ``out int`` parameter (give it a default: the value the method starts with).
Out: TypeAlias = Annotated[_T, Direction.OUT]
#: ``Ref[int]``: a ``ref int`` parameter.
Ref: TypeAlias = Annotated[_T, Direction.REF]


def direction_of(hint: object) -> Direction:
    """The direction a parameter's type hint declares (``Direction.IN`` when it declares none)."""
    if typing.get_origin(hint) is Annotated:
        for meta in typing.get_args(hint)[1:]:
            if isinstance(meta, Direction):
                return meta
    return Direction.IN
