"""The object host: everything a server needs to publish objects, as one ASGI application.

It owns the identity table, the lease manager, the dispatcher, the formatters and the server sink chain;
every HTTP request goes through :class:`~gateway.server.endpoint.ObjectEndpoint` and the chain. It makes no
outbound calls of its own: references to objects elsewhere become proxies through the injected
``proxy_factory`` (so this layer never imports the client). :class:`gateway.RemotingApp` is this host plus
user routes and callback proxies; a client's callback listener is a bare host.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from starlette.types import Receive, Scope, Send

from soap import (
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    DelegateRef,
    Limits,
    ObjRef,
    ReferenceMarshaller,
    TypeRegistry,
    WireType,
)

from ..model.activation import ACTIVATION_URI, runtime_registry
from ..model.lease import LIFETIME_DEFAULTS, LeaseBase, LifetimeSettings
from ..model.objects import MarshalByRefObject, WellKnownObjectMode
from ..model.spin_wait import SpinWait, spin_wait_from_env
from ..model.workers import WORKERS
from .activation import RemoteActivator
from .authorization import AuthorizationRules
from .dispatcher import Dispatcher
from .endpoint import ObjectEndpoint
from .faults import CustomErrorsMode
from .formatter_sink import FormatterSink
from .formatters import ServerFormatter, enabled_formatters_from_env, make_formatters
from .identity import IdentityTable, InstanceEntry, ServiceEntry
from .inspectors import CallInspector
from .lease_manager import LeaseManager
from .marshal import PeerProxies, ProxyFactory, ServerMarshaller, TypeFilterLevel
from .metrics import Metrics, metrics_enabled_from_env, metrics_uri
from .metrics_sink import CallMetricsSink
from .off_loop import off_loop_obstacle
from .pages import ServicePages
from .routing import QuietChain, RequestRouter
from .sinks import Handler, RequestLoggingSink, ServerRequest, ServerResponse, ServerSink, build_chain
from .urls import external_base_url, trust_forwarded_from_env
from .wsdl_cache import WsdlCache


class Channel(Protocol):
    """Another channel serving this host's objects (the TCP channel, :mod:`gateway.tcp`): it tells the base
    URL under which a caller of ``request`` reaches it, for the ObjRefs this host hands out."""

    def url_for(self, request: ServerRequest) -> str | None: ...

    def connection_counts(self) -> Mapping[str, int]:
        """Its open connections by what serves them (``thread``, ``event_loop``), for the metrics."""
        ...


class HostService(Protocol):
    """Something that runs as long as the host does (started and stopped with the ASGI lifespan): a
    deployment's worker runtime (:mod:`gateway.cluster`)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class ObjectHost:
    """Publishes Python objects the .NET Remoting way over HTTP (an ASGI application).

    ``custom_errors`` decides who sees exception details (default On: nobody; see :class:`CustomErrorsMode`);
    ``limits`` bounds every message; ``sinks`` are server sinks run outermost-first before anything is
    served; ``registry`` holds the by-value types that may cross the wire; ``lifetime`` the lease defaults,
    the lease manager's poll time and the clock; ``type_filter`` whether references to foreign objects
    (callbacks, remote sponsors) are accepted, made into proxies by ``proxy_factory``; ``public_url`` the
    external base URL for ObjRefs and WSDL addresses (default: from each request); ``trust_forwarded``
    whether a trusted reverse proxy sets ``X-Forwarded-Host`` / ``X-Forwarded-Proto`` /
    ``X-Forwarded-Prefix`` (default: ``GATEWAY_TRUST_FORWARDED``); ``authorization`` the roles required per
    object URI and method (see :class:`~gateway.server.authorization.AuthorizationRules`); ``body_timeout``
    the seconds a request body may take to arrive (slow senders get 408; None: no limit); ``metrics``
    whether calls are measured and Prometheus metrics served at ``metrics_path`` (through the sinks, like
    everything else; default: ``GATEWAY_METRICS``, on unless set to 0); ``inspectors`` the call inspectors
    run on every decoded call before it is dispatched (WS-Security's
    :class:`~gateway.server.wssecurity.UsernameTokenAuthenticator`; see :mod:`~gateway.server.inspectors`);
    ``spin_wait_us`` for how long after a reply (HTTP or TCP) the event loop polls for the next request
    instead of sleeping (default: ``GATEWAY_SPIN_WAIT_US``, else 100; 0: off; see :mod:`~gateway.model.spin_wait`).
    """

    def __init__(
        self,
        *,
        custom_errors: CustomErrorsMode = CustomErrorsMode.On,
        limits: Limits = DEFAULT_LIMITS,
        registry: TypeRegistry = DEFAULT_REGISTRY,
        sinks: Iterable[ServerSink] | None = None,
        formatters: Sequence[str] = ("soap",),
        lifetime: LifetimeSettings | None = None,
        type_filter: TypeFilterLevel = TypeFilterLevel.Low,
        public_url: str | None = None,
        proxy_factory: ProxyFactory | None = None,
        trust_forwarded: bool | None = None,
        authorization: AuthorizationRules | None = None,
        body_timeout: float | None = 30.0,
        inspectors: Iterable[CallInspector] = (),
        metrics: bool | None = None,
        metrics_path: str = "/metrics",
        spin_wait_us: int | None = None,
    ) -> None:
        self.trust_forwarded = trust_forwarded_from_env() if trust_forwarded is None else trust_forwarded
        self.lifetime = lifetime or LIFETIME_DEFAULTS
        self.leases = LeaseManager(self.lifetime.lease_manager_poll_time, self._lease_expired, self.lifetime.clock)
        self.identities = IdentityTable(self.leases, self.lifetime)
        self.registry = runtime_registry(registry)
        self.limits = limits
        self.custom_errors = custom_errors
        self.type_filter = type_filter
        self.public_url = public_url.rstrip("/") if public_url else None
        self.proxy_factory = proxy_factory
        self.dispatcher = Dispatcher(self.identities, authorization)
        self.formatters = make_formatters(enabled_formatters_from_env(formatters), self.registry, self.limits)
        self.sinks: list[ServerSink] = list(sinks) if sinks is not None else [RequestLoggingSink()]
        self.inspectors: list[CallInspector] = list(inspectors)
        self.wsdl_cache = WsdlCache()
        if spin_wait_us is None:
            spin_wait_us = spin_wait_from_env()
        if spin_wait_us < 0:
            raise ValueError(f"spin_wait_us must be 0 or more, not {spin_wait_us}")
        #: kicked by every reply of this host's channels (HTTP and TCP): one poller for the event loop
        self.spin_wait = SpinWait(spin_wait_us / 1e6)
        enabled = metrics_enabled_from_env() if metrics is None else metrics
        self.metrics = Metrics(self.identities, self.leases, WORKERS, spin_wait=self.spin_wait,
                               channels=lambda: self.channels) if enabled else None
        self.metrics_path = metrics_path
        self.channels: list[Channel] = []
        #: started after the lease manager and stopped before it
        self.services: list[HostService] = []
        #: proxies for objects other workers of a deployment serve (set by the scale-out runtime)
        self.peer_proxies: PeerProxies | None = None
        self._terminal = self._router(self.formatters)
        self._chain: Handler | None = None
        self._sinks_fixed = False
        self.endpoint = ObjectEndpoint(self.chain, lambda: self.limits.max_bytes, self._on_request, body_timeout,
                                       self.spin_wait)
        self.identities.publish(RemoteActivator(self.identities), ACTIVATION_URI, kind=None)

    # ------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.endpoint(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _on_request(self) -> None:
        """Background work starts with the first request (or at startup): the lease manager, metric writes."""
        self.leases.ensure_running()
        metrics = self.metrics
        if metrics is not None and metrics.shared:  # (only multi-process mode has a task to run)
            metrics.ensure_running()

    async def startup(self) -> None:
        """Run at the ASGI lifespan's startup: the lease manager and metric writes start, then the services."""
        self._on_request()
        for service in self.services:
            await service.start()

    async def shutdown(self) -> None:
        """Run at the ASGI lifespan's shutdown: the services, the lease manager and metric writes stop."""
        for service in reversed(self.services):
            await service.stop()
        await self.leases.stop()
        if self.metrics is not None:
            await self.metrics.stop()

    def chain(self) -> Handler:
        """The server sink chain around the request router (built on the first request); with metrics on,
        the call-measuring sink runs outermost, before the application's sinks."""
        if self._chain is None:
            self._chain = self._build_chain(self._terminal)
            self._sinks_fixed = True
        return self._chain

    def add_inspector(self, inspector: CallInspector) -> None:
        """Append a call inspector (run after those already there, on every later call)."""
        self.inspectors.append(inspector)

    def channel_chain(self, formatters: Sequence[str]) -> Handler:
        """The sink chain of another channel that reads its own set of formatters (the TCP channel: binary
        and SOAP): the same sinks, dispatcher, identities, leases, limits and customErrors as HTTP."""
        self._sinks_fixed = True
        return self._build_chain(self._router(make_formatters(formatters, self.registry, self.limits)))

    def _build_chain(self, router: RequestRouter) -> Handler:
        """The sinks (the call-measuring one outermost when metrics are on) around ``router``; when the
        application's sinks are only request-logging ones, as by default, a :class:`QuietChain` that skips
        them while their loggers are off."""
        sinks = list(self.sinks)
        measuring = CallMetricsSink(self.metrics.calls, self.identities) if self.metrics is not None else None
        full = build_chain(sinks if measuring is None else [measuring, *sinks], router)
        quiet = [sink for sink in sinks if type(sink) is RequestLoggingSink]
        return QuietChain(full, quiet, measuring, router) if len(quiet) == len(sinks) else full

    def off_loop_obstacle(self) -> str | None:
        """Why this host's sink chain cannot run on a TCP connection thread (None: it can; see
        :mod:`~gateway.server.off_loop`)."""
        scaled_out = bool(self.services) or self.peer_proxies is not None or self.leases.index is not None
        return off_loop_obstacle(self.sinks, self.inspectors, scaled_out)

    def add_sink(self, sink: ServerSink) -> None:
        """Append a server sink (innermost, just before the router). Only before the first request."""
        if self._sinks_fixed:
            raise RuntimeError("sinks cannot be added after the application has served a request")
        self.sinks.append(sink)

    def refuse(self, request: ServerRequest, error: BaseException, status: int) -> ServerResponse:
        """A fault for ``error`` in the dialect of ``request`` (its body unread), as the HTTP channel answers."""
        return self._terminal.calls.refuse(request, error, status)

    def _router(self, formatters: Mapping[str, ServerFormatter]) -> RequestRouter:
        calls = FormatterSink(formatters, self.dispatcher, self.registry, self.custom_errors, self._marshaller_for,
                              self.inspectors)
        pages = ServicePages(self.identities, self.wsdl_cache, self.external_url)
        return RequestRouter(pages, calls, self.metrics, metrics_uri(self.metrics_path))

    # ------------------------------------------------------------ URLs and marshalling

    def external_url(self, request: ServerRequest) -> str:
        """The base URL callers use to reach this app (for ObjRefs and WSDL addresses): computed, not cached.

        ``public_url`` is the HTTP address; a request that came over another channel (TCP) is answered with
        that channel's address, which its synthetic scope describes."""
        if self.public_url and request.scope.get("type", "http") == "http":
            return self.public_url
        return external_base_url(request.scope, request.headers, self.trust_forwarded)

    def channel_urls(self, request: ServerRequest) -> list[str]:
        """The base URLs an ObjRef handed out to ``request`` carries, one per channel: HTTP first, then the
        other channels (TCP) in the order they started, as .NET lists an ``http`` channel registered before a
        ``tcp`` one. A request over another channel carries the HTTP address only when ``public_url`` says
        it (the HTTP side's address is otherwise known only from HTTP requests)."""
        http = self.external_url(request) if request.scope.get("type", "http") == "http" else self.public_url
        urls = [http] if http else []
        for channel in self.channels:
            url = channel.url_for(request)
            if url and url not in urls:
                urls.append(url)
        return urls

    def marshaller_for(self, request: ServerRequest, formatter: str = "soap") -> ServerMarshaller:
        """The reference marshaller of one request (ObjRefs carry the URL the caller used to reach us, and
        the other channels' URLs when this host serves more than HTTP; callbacks go out with the request's
        ``formatter``)."""
        channel_urls = (lambda: self.channel_urls(request)) if self.channels else None
        return ServerMarshaller(
            self.identities, lambda: self.external_url(request), self.type_filter, self.proxy_factory, channel_urls,
            formatter, self.peer_proxies,
        )

    def _marshaller_for(self, request: ServerRequest, formatter: str) -> ReferenceMarshaller:
        """:meth:`marshaller_for`, made when the call first marshals something (most calls marshal nothing)."""
        return _LazyMarshaller(self, request, formatter)

    def _lease_expired(self, lease: LeaseBase) -> None:
        self.identities.lease_expired(lease)

    # ------------------------------------------------------------ registration

    def register_well_known(self, cls: type, uri: str, mode: WellKnownObjectMode) -> ServiceEntry:
        """Publish ``cls`` at ``uri`` (ending in ``.rem`` or ``.soap``, may contain ``/``) as SingleCall or
        Singleton, like ``RemotingConfiguration.RegisterWellKnownServiceType``."""
        entry = self.identities.register(cls, uri, mode)
        self._published(entry)
        return entry

    def _published(self, entry: ServiceEntry) -> None:
        """A hook for what else must know of a new well-known URI (the app's own routes)."""

    def register_activated(self, cls: type, type_name: str | None = None) -> str:
        """Allow clients to create instances of ``cls`` (``RegisterActivatedServiceType``).

        ``type_name`` is the CLR name .NET clients activate it by (``"Namespace.Type, Assembly"``; the
        assembly part is ignored); by default the class's CLR name. Returns the name it is registered under.
        """
        return self.identities.register_activated(cls, type_name)

    def marshal(self, obj: MarshalByRefObject, uri: str | None = None) -> str:
        """Publish a live object (``RemotingServices.Marshal``) at ``uri`` or a fresh unguessable one; its
        lease starts now. Returns the object URI."""
        entry: InstanceEntry = self.identities.publish(obj, uri)
        return entry.uri

    def disconnect(self, obj: MarshalByRefObject) -> bool:
        """Stop serving ``obj`` (``RemotingServices.Disconnect``); later calls get "No receiver for uri"."""
        return self.identities.disconnect(obj)


class _LazyMarshaller:
    """A request's :class:`ServerMarshaller`, made by the first method called on it; from then on its methods
    are the marshaller's own (instance attributes), so only the first use passes through here."""

    def __init__(self, host: ObjectHost, request: ServerRequest, formatter: str) -> None:
        self._host = host
        self._request = request
        self._formatter = formatter

    def _made(self) -> ServerMarshaller:
        real = self._host.marshaller_for(self._request, self._formatter)
        self.marshal = real.marshal  # type: ignore[method-assign]
        self.unmarshal = real.unmarshal  # type: ignore[method-assign]
        self.marshal_delegate = real.marshal_delegate  # type: ignore[method-assign]
        self.unmarshal_delegate = real.unmarshal_delegate  # type: ignore[method-assign]
        return real

    def marshal(self, value: object) -> ObjRef | None:
        return self._made().marshal(value)

    def unmarshal(self, ref: ObjRef, declared: WireType) -> object:
        return self._made().unmarshal(ref, declared)

    def marshal_delegate(self, value: object, declared: WireType) -> DelegateRef:
        return self._made().marshal_delegate(value, declared)

    def unmarshal_delegate(self, ref: DelegateRef, declared: WireType) -> object:
        return self._made().unmarshal_delegate(ref, declared)
