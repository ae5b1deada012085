"""The remoting object model: what a server publishes and how instances are activated."""

from __future__ import annotations

import enum

from soap import clr_type
from wsdl import EXCLUDED_BASES


@clr_type("System.MarshalByRefObject", "mscorlib")
class MarshalByRefObject:
    """Base class of objects that are reachable remotely by reference (never copied to the caller).

    Subclass it and register the class with :meth:`gateway.RemotingApp.register_well_known`. Every public
    instance method (a name not starting with ``_``) becomes a remote method; its type hints describe the
    wire types of its parameters and return value.
    """


EXCLUDED_BASES.add(MarshalByRefObject)


class WellKnownObjectMode(enum.Enum):
    """How a well-known (server-activated) object is instantiated, as in .NET Remoting."""

    #: A new instance serves each call; no state survives between calls.
    SingleCall = "SingleCall"
    #: One shared instance serves every call from every client; its state persists.
    Singleton = "Singleton"
