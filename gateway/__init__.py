"""The runtime: publish Python objects over HTTP the .NET Remoting way, and call remote objects.

Server: :class:`RemotingApp` (an ASGI/Starlette app) with :class:`MarshalByRefObject` subclasses registered
as :class:`WellKnownObjectMode` SingleCall or Singleton. Client: :class:`RemotingClient` and
:class:`AsyncRemotingClient` hand out transparent proxies.
"""

from ._app import RemotingApp
from ._client import AsyncRemotingClient, ChannelError, RemotingClient
from ._client_sinks import ClientCall, ClientLoggingSink, ClientResponse, ClientSink
from ._errors import ClientRequestError, CustomErrorsMode, RemotingError, RemotingException
from ._objects import MarshalByRefObject, WellKnownObjectMode
from ._sinks import RequestLoggingSink, ServerRequest, ServerResponse, ServerSink

__all__ = [
    "AsyncRemotingClient", "ChannelError", "ClientCall", "ClientLoggingSink", "ClientRequestError",
    "ClientResponse", "ClientSink", "CustomErrorsMode", "MarshalByRefObject", "RemotingApp", "RemotingClient",
    "RemotingError", "RemotingException", "RequestLoggingSink", "ServerRequest", "ServerResponse",
    "ServerSink", "WellKnownObjectMode",
]
