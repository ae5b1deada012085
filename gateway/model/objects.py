"""The remoting object model: what a server publishes, how it is instantiated, and its remotable lease."""

from __future__ import annotations

import enum

from soap import clr_type

from .lease import ILease, LeaseBase


@clr_type("System.MarshalByRefObject", "mscorlib")
class MarshalByRefObject:
    """Base class of objects that are reachable remotely by reference (never copied to the caller).

    Subclass it and register the class with :meth:`gateway.RemotingApp.register_well_known`. Every public
    instance method (a name not starting with ``_``) becomes a remote method; its type hints describe the
    wire types of its parameters and return value. Returned from a remote method or passed as an argument,
    an instance travels as an ObjRef: the caller gets a proxy, the object stays here.
    """

    #: this class's own methods are runtime hooks, never part of a published contract (see ``wsdl``)
    __remoting_infrastructure__ = True

    def InitializeLifetimeService(self) -> Lease | None:
        """The lease for this object when it is published; override to change its times.

        Return ``super().InitializeLifetimeService()`` after setting ``InitialLeaseTime``,
        ``RenewOnCallTime`` or ``SponsorshipTimeout`` on it, or None for an object that never expires.
        Called by the runtime, never remotely.
        """
        return Lease()

    def GetLifetimeService(self) -> Lease | None:
        """The lease that currently controls this object's lifetime (None if it is not published or is
        immortal). Remote callers reach the same thing as ``System.MarshalByRefObject#GetLifetimeService``."""
        lease = self.__dict__.get("_remoting_lease")
        return lease if isinstance(lease, Lease) else None


@clr_type("System.Runtime.Remoting.Lifetime.Lease", "mscorlib")
class Lease(LeaseBase, MarshalByRefObject):
    """The lease of one object (see :class:`gateway.model.lease.LeaseBase`), itself a remote object: a
    client reaches it through ``GetLifetimeService`` and may ``Renew`` it or ``Register`` a sponsor."""

    __remoting_contract__ = ILease

    def InitializeLifetimeService(self) -> Lease | None:
        return None  # a lease object lives as long as the object it belongs to


class ContextBoundObject(MarshalByRefObject):
    """A MarshalByRefObject whose remote calls never run concurrently on one instance.

    The runtime serializes calls per instance (like a .NET synchronization context), so the class needs no
    locks of its own; calls to other objects still run concurrently.
    """


class WellKnownObjectMode(enum.Enum):
    """How a well-known (server-activated) object is instantiated, as in .NET Remoting."""

    #: A new instance serves each call; no state survives between calls.
    SingleCall = "SingleCall"
    #: One shared instance serves every call from every client; its state persists.
    Singleton = "Singleton"
