"""The httpx client channel and its transparent proxies, sync and async.

``client.get_object(IHello, url)`` returns a proxy at once, without any network traffic (like
``Activator.GetObject``); each method call on it is one HTTP request. Both clients share
:class:`~gateway.client.channel.ChannelCore`, so encoding, sinks and fault handling are one code path.

A one-way method (``wsdl.one_way``) returns as soon as its request has been written to the connection: the
reply is read (and dropped) in the background, so neither the method's duration nor its failure ever reaches
the caller. Only a request that could not be sent at all (no connection) raises, as
:class:`~gateway.model.errors.ServerUnreachableError`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, overload

import httpx

from soap import (
    ANY,
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    BinaryFormatter,
    Limits,
    ObjRef,
    TypeRegistry,
    UsernameCredentials,
    WireType,
)
from wsdl import Operation, Parameter, ServiceContract, contract_of

from ..model.activation import ACTIVATION_URI, runtime_registry
from ..model.errors import ChannelError, RemotingError, ServerUnreachableError
from ..model.lease import ILease
from ..model.objects import MarshalByRefObject
from ..server.marshal import CallOrigin, ProxyFactory
from ..tcp.client import AsyncTcpTransport, TcpTransport
from .activation import ACTIVATOR_NAMESPACE, activated_objref, construction_call
from .binding import LiteralBinding
from .channel import ChannelCore, Route
from .cookies import with_response_cookies
from .credentials import http_auth, username_credentials
from .listener import CallbackListener
from .marshal import ClientMarshaller
from .parsed_urls import parsed_url
from .proxy import TransparentProxy, as_operation, proxy_objref
from .real_proxy import MethodCallMessage, ReturnMessage
from .resend import ResendingTransport
from .response_body import ACCEPT_ENCODING, aread_body, read_body
from .sinks import ClientCall, ClientResponse, ClientSink
from .tls import tls_context
from .transport import AsyncPooledTransport

T = TypeVar("T")
log = logging.getLogger("gateway.client")

#: the httpcore trace event after which a request is on the wire (both transports report it)
REQUEST_SENT = "http11.send_request_body.complete"


MBR_NAMESPACE = "http://schemas.microsoft.com/clr/ns/System.MarshalByRefObject"
_ACTIVATE = Operation("Activate", (Parameter("msg", Any, ANY),), Any, ANY, False, None, "Activate")
_GET_LIFETIME = Operation("GetLifetimeService", (), Any, ANY, False, None, "GetLifetimeService")


def _contract_for(interface: type | None) -> ServiceContract | None:
    return contract_of(interface) if interface is not None else None


def _unreachable(op: Operation, call: ClientCall, exc: httpx.HTTPError) -> ChannelError:
    """The error for a failed exchange: a connection that could not be made means the call never ran."""
    kind = ServerUnreachableError if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) else ChannelError
    return kind(f"{op.name} at {call.url}: {type(exc).__name__}: {exc}")


def _raise_if_unsent(call: ClientCall, failure: Exception | None) -> None:
    """A one-way call raises only when its request certainly never left (no connection, a closed client);
    anything after that, the method's own failure included, is the server's business."""
    if isinstance(failure, httpx.ConnectError | httpx.ConnectTimeout):
        raise _unreachable(call.operation, call, failure) from failure
    if isinstance(failure, RuntimeError):  # httpx: the client has been closed
        raise ChannelError(f"{call.operation.name} at {call.url}: {failure}") from failure


def _refuse_settings_for_a_passed_client(
    passed: bool, basic_auth: object, bearer_token: object, verify: object, cert: object
) -> None:
    """Credentials and TLS settings configure the HTTP client a channel makes itself: with the caller's own
    ``http_client`` they would be silently ignored (every call then a 401 or an unverified connection), so
    saying so at once is the only honest answer."""
    if not passed:
        return
    given = [name for name, value, default in (("basic_auth", basic_auth, None), ("bearer_token", bearer_token, None),
                                               ("verify", verify, True), ("cert", cert, None))
             if value != default]
    if given:
        raise ValueError(f"{', '.join(given)} configure the HTTP client this channel makes; with http_client=... "
                         "set them on that client instead (httpx.Client(auth=..., verify=..., cert=...))")


class _ClientBase:
    """What the sync and async clients share: the channel core, the marshaller, the listener."""

    def __init__(self, registry: TypeRegistry, limits: Limits, sinks: Sequence[ClientSink], listen: bool,
                 local_objects: Callable[[MarshalByRefObject], ObjRef] | None = None,
                 formatter: str | None = None, listen_host: str = "127.0.0.1", listen_port: int = 0,
                 listen_url: str | None = None, credentials: UsernameCredentials | None = None) -> None:
        self._registry = runtime_registry(registry)
        self._listen = listen
        self._listen_at = (listen_host, listen_port, listen_url)
        self._listener: CallbackListener | None = None
        marshaller = ClientMarshaller(self._proxy_for_ref, self._get_listener, local_objects)
        self._core = ChannelCore(self._registry, limits, sinks, marshaller, formatter or "soap",
                                 credentials)
        # tcp:// speaks binary unless a formatter was chosen, as a .NET TcpChannel does by default
        self._tcp_route = self._core.default_route if formatter else Route(BinaryFormatter(self._registry, limits))

    def _route_for(self, url: str, binding: LiteralBinding | None = None) -> Route:
        """A proxy's wire format: document/literal with a binding; else the client's formatter, which for
        ``tcp://`` URLs is binary unless one was chosen (as a .NET TcpChannel's default)."""
        if binding is None and url.startswith("tcp://"):
            return self._tcp_route
        return self._core.route(binding)

    @property
    def default_route(self) -> Route:
        """How this client's proxies call by default: its formatter (Remoting SOAP or binary)."""
        return self._core.default_route

    def _one_way_done(self, call: ClientCall, response: ClientResponse | None, error: BaseException | None) -> None:
        """A one-way call's reply (or failure) arrived: sinks see it, nobody else does."""
        if error is not None:
            log.debug("one-way %s to %s: %s", call.operation.name, call.url, error)
            return
        assert response is not None
        try:
            for sink in reversed(self._core.sinks):
                sink.process_response(call, response)
        except Exception:  # a sink's failure on a reply nobody waits for
            log.exception("a client sink failed on the reply to one-way %s", call.operation.name)

    def _proxy_for_ref(self, url: str, contract: ServiceContract | None, ref: ObjRef) -> object:
        raise NotImplementedError

    def proxy_for(self, ref: ObjRef, declared: WireType | None = None) -> Any:
        """A proxy for a received ObjRef, typed by ``declared.py_type`` when given."""
        url = ref.url()
        if url is None:
            raise RemotingError(f"object reference {ref.uri} carries no HTTP or TCP channel URL")
        py_type = declared.py_type if declared is not None else None
        return self._proxy_for_ref(url, contract_of(py_type) if py_type is not None else None, ref)

    def _get_listener(self) -> CallbackListener | None:
        if self._listener is None and self._listen:
            host, port, url = self._listen_at
            self._listener = CallbackListener(self._callback_proxies(), host, port, registry=self._registry,
                                              public_url=url).start()
        return self._listener

    def _callback_proxies(self) -> ProxyFactory:
        """How the listener turns references it receives (the server's lease passed to a sponsor) into
        proxies: synchronous ones, since callback objects are called from worker threads."""
        raise NotImplementedError

    def _stop_listener(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None


#: our HTTP clients' own headers: only the encodings the client inflates itself, within its limit (httpx would
#: also ask for brotli or zstd when installed). A client passed in keeps its own.
_DEFAULT_HEADERS = {"accept-encoding": ACCEPT_ENCODING}


def _raw_limit(limits: Limits) -> int:
    """What our transports may hold of one answer before the body is measured (``Limits.max_bytes``, with room
    for the status line, the headers and a compressed body's few extra bytes): a reply frame, or an HTTP answer
    to the asyncio client, is refused as soon as it is over, not once it arrived."""
    return limits.max_bytes + limits.max_bytes // 16 + 65536


def _response(r: httpx.Response, limit: int, url: str) -> ClientResponse:
    """``r`` (streamed) as the sinks and the formatter see it, its body read within ``limit`` bytes."""
    headers = {k: v for k, v in r.headers.items()}
    return ClientResponse(r.status_code, headers, read_body(r, headers, limit, url))


async def _aresponse(r: httpx.Response, limit: int, url: str) -> ClientResponse:
    headers = {k: v for k, v in r.headers.items()}
    return ClientResponse(r.status_code, headers, await aread_body(r, headers, limit, url))


class RemotingClient(_ClientBase):
    """A synchronous client channel (owns a pooled ``httpx.Client``; use as a context manager).

    ``listen=True`` starts a callback listener on first need, so this client's own MarshalByRefObjects
    can be passed to servers by reference (callbacks, lease sponsors). ``local_objects`` publishes them
    some other way instead (a server calling back into a client uses it to pass its own objects).
    ``formatter="binary"`` speaks MS-NRBF (.NET's binary formatter) instead of the Remoting SOAP dialect
    (by default: SOAP over HTTP, binary over ``tcp://`` URLs, the .NET Remoting TCP channel).
    ``basic_auth=(user, password)`` or ``bearer_token=...`` are sent with every request;
    ``username_token=(user, password)`` is a WS-Security UsernameToken in every document/literal call (a proxy
    with a ``LiteralBinding``), a PasswordDigest with ``password_digest=True``. ``https://`` servers
    are verified against the system's CAs, or the CA bundle ``verify="ca.pem"``; ``cert`` is a client
    certificate for mutual TLS (see :func:`gateway.client.tls.tls_context`). The callback listener binds
    to ``listen_host``:``listen_port`` (default 127.0.0.1 on any free port: callbacks from this machine only)
    and advertises ``listen_url`` in the references it hands out (default: the address it is bound to; for
    a wildcard host, this machine's host name), so servers elsewhere can call back through a NAT or proxy.
    ``http_client`` is the caller's own ``httpx.Client`` (its proxies, hooks, transport; the caller closes
    it): credentials and TLS settings then belong on it, and passing ``basic_auth``, ``bearer_token``,
    ``verify`` or ``cert`` too is refused; ``tcp://`` URLs still go through a TCP client of this channel's.
    """

    def __init__(
        self,
        *,
        timeout: float | httpx.Timeout = 30.0,
        registry: TypeRegistry = DEFAULT_REGISTRY,
        limits: Limits = DEFAULT_LIMITS,
        sinks: Sequence[ClientSink] = (),
        http_client: httpx.Client | None = None,
        listen: bool = False,
        local_objects: Callable[[MarshalByRefObject], ObjRef] | None = None,
        formatter: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        bearer_token: str | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
        listen_url: str | None = None,
        username_token: tuple[str, str] | None = None,
        password_digest: bool = False,
    ) -> None:
        super().__init__(registry, limits, sinks, listen, local_objects, formatter, listen_host, listen_port,
                         listen_url, username_credentials(username_token, password_digest))
        _refuse_settings_for_a_passed_client(http_client is not None, basic_auth, bearer_token, verify, cert)
        auth = http_auth(basic_auth, bearer_token)
        #: a client passed in belongs to the caller, who closes it; ours are closed by close()
        self._owns_http = http_client is None
        if http_client is None:
            # a request that met a kept-alive connection the server had just closed is sent again (resend.py)
            transport = ResendingTransport(verify=tls_context(verify, cert))
            self._http = httpx.Client(timeout=timeout, auth=auth, transport=transport, headers=_DEFAULT_HEADERS,
                                      mounts={"tcp://": TcpTransport(max_response_bytes=_raw_limit(limits))})
            with_response_cookies(self._http)
            self._tcp_http = self._http
        else:
            # the caller's client knows nothing of tcp:// URLs: those go through a TCP-only client of ours
            self._http = http_client
            tcp = TcpTransport(max_response_bytes=_raw_limit(limits))
            self._tcp_http = httpx.Client(timeout=timeout, transport=tcp)
            with_response_cookies(self._tcp_http)

    def _proxy_for_ref(self, url: str, contract: ServiceContract | None, ref: ObjRef) -> object:
        return TransparentProxy(self._bind, url, contract, self._route_for(url), ref)

    def _callback_proxies(self) -> ProxyFactory:
        def make(ref: ObjRef, declared: WireType, origin: CallOrigin) -> object:
            return self.proxy_for(ref, declared)

        return make

    @overload
    def get_object(self, interface: type[T], url: str, binding: LiteralBinding | None = None) -> T: ...

    @overload
    def get_object(self, interface: None, url: str, binding: LiteralBinding | None = None) -> Any: ...

    def get_object(self, interface: type[T] | None, url: str, binding: LiteralBinding | None = None) -> Any:
        """A proxy for the object at ``url`` typed as ``interface`` (None: an untyped, dynamic proxy).

        With a ``binding`` the proxy speaks document/literal SOAP (what WSDL-generated stubs use)."""
        return TransparentProxy(self._bind, url, _contract_for(interface), self._route_for(url, binding))

    def _bind(self, url: str, namespace: str, op: Operation | str, route: Route | None) -> Callable[..., Any]:
        def call(*args: object) -> Any:
            return self.invoke(url, namespace, as_operation(op, args), args, route)

        call.__name__ = op.name if isinstance(op, Operation) else op
        return call

    def invoke(self, url: str, namespace: str, op: Operation, args: tuple[object, ...],
               route: Route | None = None) -> Any:
        """Call ``op`` on the object at ``url`` (what a proxy's method does)."""
        call = self._core.prepare(url, namespace, op, args, route or self._route_for(url))
        if op.one_way:
            self._send_one_way(call)
            return None
        limit = self._core.limits.max_bytes
        try:
            with self._http_for(call.url).stream("POST", parsed_url(call.url), content=call.body,
                                                 headers=call.headers) as r:  # fmt: skip
                response = _response(r, limit, call.url)
        except httpx.HTTPError as exc:
            raise _unreachable(op, call, exc) from exc
        return self._core.finish(call, response)

    def send(self, message: MethodCallMessage, url: str | None = None) -> ReturnMessage:
        """Carry out a :class:`~gateway.client.real_proxy.MethodCallMessage` at ``url`` (default: its own)
        through this client; a failure comes back in the :class:`ReturnMessage` (what a RealProxy forwards)."""
        try:
            return ReturnMessage(self.invoke(url or message.url, message.namespace, message.operation, message.args))
        except Exception as exc:
            return ReturnMessage(exception=exc)

    def _http_for(self, url: str) -> httpx.Client:
        """The HTTP client that carries a call to ``url`` (tcp:// ones: ours, even beside a passed client)."""
        return self._tcp_http if url.startswith("tcp://") else self._http

    def _send_one_way(self, call: ClientCall) -> None:
        """Return once the request is on the wire; a thread of its own reads the reply and drops it."""
        sent = threading.Event()
        failures: list[Exception] = []

        def trace(event: str, info: dict[str, Any]) -> None:
            if event == REQUEST_SENT:
                sent.set()

        def send() -> None:
            response: ClientResponse | None = None
            try:
                with self._http_for(call.url).stream("POST", parsed_url(call.url), content=call.body,
                                                     headers=call.headers, extensions={"trace": trace}) as r:
                    response = _response(r, self._core.limits.max_bytes, call.url)
            except Exception as exc:  # raised to the caller only if nothing was sent (below)
                failures.append(exc)
            finally:
                sent.set()  # also for a transport that reports no trace events: the exchange is over
            self._one_way_done(call, response, failures[0] if failures else None)

        threading.Thread(target=send, name="remoting-one-way", daemon=True).start()
        sent.wait()
        _raise_if_unsent(call, failures[0] if failures else None)

    def create_instance(self, cls: type[T], url: str, *args: object, type_name: str | None = None) -> T:
        """Create a client-activated object on the server at ``url`` (``Activator.CreateInstance``).

        ``cls`` is the class (or a stub with its CLR name); ``type_name`` overrides the assembly-qualified
        name sent to the server. Returns a proxy typed as ``cls``.
        """
        activation = url.rstrip("/") + "/" + ACTIVATION_URI
        result = self.invoke(activation, ACTIVATOR_NAMESPACE, _ACTIVATE, (construction_call(cls, type_name, args),))
        ref = activated_objref(result, cls)
        return self._proxy_for_ref(ref.url() or "", contract_of(cls), ref)  # type: ignore[return-value]

    def get_lifetime_service(self, proxy: object) -> ILease:
        """The remote object's lease, as a proxy (``RemotingServices.GetLifetimeService``)."""
        ref = proxy_objref(proxy)
        if ref is None or ref.url() is None:
            raise TypeError("get_lifetime_service needs a remote object proxy")
        result = self.invoke(ref.url() or "", MBR_NAMESPACE, _GET_LIFETIME, ())
        lease_ref = proxy_objref(result)
        if lease_ref is None:
            raise RemotingError("the object has no lease (it never expires)")
        return self._proxy_for_ref(lease_ref.url() or "", contract_of(ILease), lease_ref)  # type: ignore[return-value]

    def close(self) -> None:
        """Close the connection pool (unless ``http_client`` was passed in) and stop the callback listener."""
        if self._owns_http:
            self._http.close()
        else:
            self._tcp_http.close()
        self._stop_listener()

    def __enter__(self) -> RemotingClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncRemotingClient(_ClientBase):
    """The asyncio client channel (owns a pooled ``httpx.AsyncClient``; ``async with`` it)."""

    def __init__(
        self,
        *,
        timeout: float | httpx.Timeout = 30.0,
        registry: TypeRegistry = DEFAULT_REGISTRY,
        limits: Limits = DEFAULT_LIMITS,
        sinks: Sequence[ClientSink] = (),
        http_client: httpx.AsyncClient | None = None,
        max_connections: int = 100,
        listen: bool = False,
        local_objects: Callable[[MarshalByRefObject], ObjRef] | None = None,
        formatter: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        bearer_token: str | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
        listen_url: str | None = None,
        username_token: tuple[str, str] | None = None,
        password_digest: bool = False,
    ) -> None:
        super().__init__(registry, limits, sinks, listen, local_objects, formatter, listen_host, listen_port,
                         listen_url, username_credentials(username_token, password_digest))
        self._sync_callbacks: RemotingClient | None = None
        self._one_way: set[asyncio.Task[None]] = set()
        _refuse_settings_for_a_passed_client(http_client is not None, basic_auth, bearer_token, verify, cert)
        auth = http_auth(basic_auth, bearer_token)
        tcp = AsyncTcpTransport(max_connections=max_connections, max_response_bytes=_raw_limit(limits))
        self._owns_http = http_client is None
        if http_client is None:
            transport = AsyncPooledTransport(max_connections=max_connections, ssl_context=tls_context(verify, cert),
                                             max_response_bytes=_raw_limit(limits))
            self._http = httpx.AsyncClient(timeout=timeout, transport=transport, auth=auth, mounts={"tcp://": tcp},
                                           headers=_DEFAULT_HEADERS)
            with_response_cookies(self._http)
            self._tcp_http = self._http
        else:  # as RemotingClient: tcp:// URLs through a TCP-only client of ours
            self._http = http_client
            self._tcp_http = httpx.AsyncClient(timeout=timeout, transport=tcp)
            with_response_cookies(self._tcp_http)

    def get_object(self, interface: type | None, url: str, binding: LiteralBinding | None = None) -> Any:
        """A proxy whose methods return awaitables; see :meth:`RemotingClient.get_object`."""
        return TransparentProxy(self._bind, url, _contract_for(interface), self._route_for(url, binding))

    def _bind(
        self, url: str, namespace: str, op: Operation | str, route: Route | None
    ) -> Callable[..., Awaitable[Any]]:
        async def call(*args: object) -> Any:
            return await self.invoke(url, namespace, as_operation(op, args), args, route)

        call.__name__ = op.name if isinstance(op, Operation) else op
        return call

    def _proxy_for_ref(self, url: str, contract: ServiceContract | None, ref: ObjRef) -> object:
        return TransparentProxy(self._bind, url, contract, self._route_for(url), ref)

    def _callback_proxies(self) -> ProxyFactory:
        def make(ref: ObjRef, declared: WireType, origin: CallOrigin) -> object:
            if self._sync_callbacks is None:
                listener = self._listener
                publish = listener.publish if listener is not None else None
                self._sync_callbacks = RemotingClient(registry=self._registry, local_objects=publish)
            return self._sync_callbacks.proxy_for(ref, declared)

        return make

    async def invoke(self, url: str, namespace: str, op: Operation, args: tuple[object, ...],
                     route: Route | None = None) -> Any:
        """Call ``op`` on the object at ``url`` (what a proxy's method does)."""
        call = self._core.prepare(url, namespace, op, args, route or self._route_for(url))
        if op.one_way:
            await self._send_one_way(call)
            return None
        http = self._http_for(call.url)
        try:
            r = await http.send(http.build_request("POST", parsed_url(call.url), content=call.body,
                                                   headers=call.headers), stream=True)  # fmt: skip
            try:
                response = await _aresponse(r, self._core.limits.max_bytes, call.url)
            finally:
                await r.aclose()
        except httpx.HTTPError as exc:
            raise _unreachable(op, call, exc) from exc
        return self._core.finish(call, response)

    async def send(self, message: MethodCallMessage, url: str | None = None) -> ReturnMessage:
        """See :meth:`RemotingClient.send`."""
        try:
            value = await self.invoke(url or message.url, message.namespace, message.operation, message.args)
        except Exception as exc:
            return ReturnMessage(exception=exc)
        return ReturnMessage(value)

    def _http_for(self, url: str) -> httpx.AsyncClient:
        """See :meth:`RemotingClient._http_for`."""
        return self._tcp_http if url.startswith("tcp://") else self._http

    async def _send_one_way(self, call: ClientCall) -> None:
        """Return once the request is on the wire; a task reads the reply and drops it."""
        sent = asyncio.Event()
        failures: list[Exception] = []

        async def trace(event: str, info: dict[str, Any]) -> None:
            if event == REQUEST_SENT:
                sent.set()

        async def send() -> None:
            response: ClientResponse | None = None
            try:
                async with self._http_for(call.url).stream("POST", parsed_url(call.url), content=call.body,
                                                           headers=call.headers, extensions={"trace": trace}) as r:
                    response = await _aresponse(r, self._core.limits.max_bytes, call.url)
            except Exception as exc:  # raised to the caller only if nothing was sent (below)
                failures.append(exc)
            finally:
                sent.set()
            self._one_way_done(call, response, failures[0] if failures else None)

        task = asyncio.get_running_loop().create_task(send())
        self._one_way.add(task)
        task.add_done_callback(self._one_way.discard)
        await sent.wait()
        _raise_if_unsent(call, failures[0] if failures else None)

    async def create_instance(self, cls: type, url: str, *args: object, type_name: str | None = None) -> Any:
        """See :meth:`RemotingClient.create_instance`; the proxy's methods return awaitables."""
        activation = url.rstrip("/") + "/" + ACTIVATION_URI
        call = construction_call(cls, type_name, args)
        result = await self.invoke(activation, ACTIVATOR_NAMESPACE, _ACTIVATE, (call,))
        ref = activated_objref(result, cls)
        return self._proxy_for_ref(ref.url() or "", contract_of(cls), ref)

    async def get_lifetime_service(self, proxy: object) -> Any:
        """See :meth:`RemotingClient.get_lifetime_service`."""
        ref = proxy_objref(proxy)
        if ref is None or ref.url() is None:
            raise TypeError("get_lifetime_service needs a remote object proxy")
        result = await self.invoke(ref.url() or "", MBR_NAMESPACE, _GET_LIFETIME, ())
        lease_ref = proxy_objref(result)
        if lease_ref is None:
            raise RemotingError("the object has no lease (it never expires)")
        return self._proxy_for_ref(lease_ref.url() or "", contract_of(ILease), lease_ref)

    async def aclose(self) -> None:
        for task in list(self._one_way):  # sent already; their replies do not matter
            task.cancel()
        if self._owns_http:
            await self._http.aclose()
        else:
            await self._tcp_http.aclose()
        self._stop_listener()
        if self._sync_callbacks is not None:
            self._sync_callbacks.close()

    async def __aenter__(self) -> AsyncRemotingClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
