"""The runtime: publish Python objects over HTTP the .NET Remoting way, and call remote objects.

Server: :class:`RemotingApp` (an ASGI/Starlette app) with :class:`MarshalByRefObject` subclasses registered
as :class:`WellKnownObjectMode` SingleCall or Singleton. Client: :class:`RemotingClient` and
:class:`AsyncRemotingClient` hand out transparent proxies.
"""

from ._app import RemotingApp
from ._binding import LiteralBinding
from ._client import AsyncRemotingClient, ChannelError, RemotingClient, proxy_objref
from ._client_sinks import ClientCall, ClientLoggingSink, ClientResponse, ClientSink
from ._errors import ClientRequestError, CustomErrorsMode, RemotingError, RemotingException
from ._lease import ILease, Lease, LeaseState, LifetimeSettings, Sponsor
from ._marshal import TypeFilterLevel
from ._objects import ContextBoundObject, MarshalByRefObject, WellKnownObjectMode
from ._sinks import RequestLoggingSink, ServerRequest, ServerResponse, ServerSink

__all__ = [
    "AsyncRemotingClient",
    "ChannelError",
    "ClientCall",
    "ClientLoggingSink",
    "ClientRequestError",
    "ClientResponse",
    "ClientSink",
    "ContextBoundObject",
    "CustomErrorsMode",
    "ILease",
    "Lease",
    "LeaseState",
    "LifetimeSettings",
    "LiteralBinding",
    "MarshalByRefObject",
    "RemotingApp",
    "RemotingClient",
    "RemotingError",
    "RemotingException",
    "RequestLoggingSink",
    "ServerRequest",
    "ServerResponse",
    "ServerSink",
    "Sponsor",
    "TypeFilterLevel",
    "WellKnownObjectMode",
    "proxy_objref",
]
