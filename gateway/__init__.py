"""The runtime: publish Python objects over HTTP the .NET Remoting way, and call remote objects.

Server: :class:`RemotingApp` (an ASGI application) with :class:`MarshalByRefObject` subclasses registered
as :class:`WellKnownObjectMode` SingleCall or Singleton, or for client activation. Client:
:class:`RemotingClient` and :class:`AsyncRemotingClient` hand out transparent proxies.

The package is laid out by role (see docs/architecture.md): ``gateway.model`` is the object model both
sides use (MarshalByRefObject, leases, errors, ObjRefs, the call context, delegates), ``gateway.server`` the
server runtime, ``gateway.client`` the client runtime. Everything a user needs is importable from here, .NET's
own exceptions (``ArgumentException`` ...: :mod:`gateway.model.dotnet_exceptions`) among them.
"""

from soap import Out, Ref  # the method model's declarations, re-exported (docs/guide.md section 2a)
from wsdl import clr_method, one_way, run_inline, soap_headers

from .client.balancing import LoadBalancingProxy
from .client.binding import LiteralBinding
from .client.clients import AsyncRemotingClient, RemotingClient
from .client.proxy import proxy_objref
from .client.real_proxy import MethodCallMessage, RealProxy, ReturnMessage
from .client.sinks import ClientCall, ClientLoggingSink, ClientResponse, ClientSink
from .cluster.node import server_process_id
from .model.call_context import CallContext, ILogicalThreadAffinative
from .model.delegates import RemoteDelegate
from .model.dotnet_exceptions import (
    ArgumentException,
    ArgumentNullException,
    ArgumentOutOfRangeException,
    ArithmeticException,
    DivideByZeroException,
    FormatException,
    InvalidOperationException,
    IOException,
    KeyNotFoundException,
    NotImplementedException,
    NotSupportedException,
    OverflowException,
    SystemException,
    TimeoutException,
    UnauthorizedAccessException,
)
from .model.errors import (
    CallArgumentError,
    ChannelError,
    ClientRequestError,
    RemotingError,
    RemotingException,
    ServerUnreachableError,
)
from .model.lease import ILease, LeaseState, LifetimeSettings, Sponsor
from .model.logs import JsonLogFormatter, configure_logging
from .model.objects import ContextBoundObject, Lease, MarshalByRefObject, WellKnownObjectMode
from .model.persistence import persistent
from .model.principal import Principal, current_principal
from .server.app import RemotingApp
from .server.authentication import HttpAuthenticationSink, StaticTokens, StaticUsers
from .server.authorization import AccessDeniedError, AuthorizationRules
from .server.faults import CustomErrorsMode
from .server.host import ObjectHost
from .server.identity import RegistrationWarning
from .server.inspectors import CallInspector
from .server.marshal import CallOrigin, TypeFilterLevel
from .server.sinks import RequestLoggingSink, ServerRequest, ServerResponse, ServerSink
from .server.wssecurity import ReplayCache, UsernameTokenAuthenticator, WsSecurityError

__all__ = [
    "AccessDeniedError",
    "ArgumentException",
    "ArgumentNullException",
    "ArgumentOutOfRangeException",
    "ArithmeticException",
    "AsyncRemotingClient",
    "AuthorizationRules",
    "CallArgumentError",
    "CallContext",
    "CallInspector",
    "CallOrigin",
    "ChannelError",
    "ClientCall",
    "ClientLoggingSink",
    "ClientRequestError",
    "ClientResponse",
    "ClientSink",
    "ContextBoundObject",
    "CustomErrorsMode",
    "DivideByZeroException",
    "FormatException",
    "HttpAuthenticationSink",
    "ILease",
    "ILogicalThreadAffinative",
    "IOException",
    "InvalidOperationException",
    "JsonLogFormatter",
    "KeyNotFoundException",
    "Lease",
    "LeaseState",
    "LifetimeSettings",
    "LiteralBinding",
    "LoadBalancingProxy",
    "MarshalByRefObject",
    "MethodCallMessage",
    "NotImplementedException",
    "NotSupportedException",
    "ObjectHost",
    "Out",
    "OverflowException",
    "Principal",
    "RealProxy",
    "Ref",
    "RegistrationWarning",
    "RemoteDelegate",
    "RemotingApp",
    "RemotingClient",
    "RemotingError",
    "RemotingException",
    "ReplayCache",
    "RequestLoggingSink",
    "ReturnMessage",
    "ServerRequest",
    "ServerResponse",
    "ServerSink",
    "ServerUnreachableError",
    "Sponsor",
    "StaticTokens",
    "StaticUsers",
    "SystemException",
    "TimeoutException",
    "TypeFilterLevel",
    "UnauthorizedAccessException",
    "UsernameTokenAuthenticator",
    "WellKnownObjectMode",
    "WsSecurityError",
    "clr_method",
    "configure_logging",
    "current_principal",
    "one_way",
    "persistent",
    "proxy_objref",
    "run_inline",
    "server_process_id",
    "soap_headers",
]
