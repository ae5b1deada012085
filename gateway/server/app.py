"""The application users deploy: an :class:`~gateway.server.host.ObjectHost` plus routes of their own.

``RemotingApp`` composes Starlette instead of subclassing it: object URIs are served by the host (every
request through the server sink chain), and routes the user adds (``app.add_route("/status", ...)``,
``app.mount("/admin", admin_app)``) are served by a Starlette router consulted first. A path one of
those routes matches (fully, or by path with another method) goes to the router; every other path is an
object URI. User routes are the user's own ASGI code: the server sink chain does not run for them.

Between the two sits one built-in route, ``GET /healthz`` (:mod:`.health`): after the user's routes (a
``/healthz`` of the user's own wins) and before object URIs, outside the sink chain so that load balancers
probe it without credentials.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from soap import DEFAULT_LIMITS, DEFAULT_REGISTRY, Limits, TypeRegistry

from ..cluster.node import ClusterNode, addresses_from_env
from ..model.lease import LifetimeSettings
from ..model.logs import configure_logging_from_env
from ..store.interface import ObjectStore
from ..store.selection import select_store
from ..tcp.server import TcpChannel, tcp_address_from_env, tcp_port_from_env
from .authorization import AuthorizationRules
from .callbacks import CallbackProxies
from .endpoint import app_path
from .faults import CustomErrorsMode
from .health import HEALTH_PATH, answer_health_probe
from .host import ObjectHost
from .identity import RegistrationWarning, ServiceEntry
from .inspectors import CallInspector
from .marshal import ProxyFactory, TypeFilterLevel
from .sinks import ServerSink

log = logging.getLogger("gateway.cluster")


class RemotingApp(ObjectHost):
    """An ASGI application publishing Python objects the .NET Remoting way.

    >>> app = RemotingApp()
    >>> app.register_well_known(HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
    >>> app.add_route("/status", status)   # a route of your own next to the objects

    The keyword arguments are :class:`~gateway.server.host.ObjectHost`'s, plus ``routes`` (Starlette routes
    served before object URIs) and ``health_path`` (where the liveness probe answers ``200 ok`` without
    credentials, default ``/healthz``; None turns it off). ``proxy_factory`` defaults to
    :class:`~gateway.server.callbacks.CallbackProxies` (used only under ``type_filter=TypeFilterLevel.Full``).

    Metrics are on by default (``metrics=False`` turns them off, ``metrics_path`` moves the scrape, which
    unlike the probe goes through the sinks). Creating the app applies ``GATEWAY_LOGGING_LEVEL`` /
    ``GATEWAY_LOGGING_FORMAT`` when set (see :func:`gateway.configure_logging`).
    ``tcp_port``: also serve the objects over the .NET Remoting TCP channel on ``tcp_address:tcp_port`` (0: any
    free port), started and stopped with the app's lifespan (see :class:`gateway.tcp.TcpChannel`, whose other
    options ``tcp_options`` passes on; docs/tcp.md). When they are not given, ``GATEWAY_TCP_PORT``,
    ``GATEWAY_TCP_HOST`` and ``GATEWAY_TCP_THREADS`` decide (what ``remoting-gateway serve --tcp-port N
    [--no-tcp-threads]`` sets for an app built in code); default: no TCP channel, on 127.0.0.1, a thread per
    connection.

    ``store`` is what the workers of a deployment share (docs/scale-out.md): an
    :class:`~gateway.store.interface.ObjectStore`, a URL (``"redis://host:6379/0"``) or None, which reads
    ``GATEWAY_STORE`` (unset or ``embedded``: this process alone, as always). With a shared store the
    application runs as one worker of a deployment (:attr:`cluster`): Singletons are one instance in the
    whole deployment, and calls for objects another worker owns are forwarded to it.
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
        routes: Sequence[BaseRoute] = (),
        authorization: AuthorizationRules | None = None,
        body_timeout: float | None = 30.0,
        health_path: str | None = HEALTH_PATH,
        metrics: bool | None = None,
        metrics_path: str = "/metrics",
        tcp_port: int | None = None,
        tcp_address: str | None = None,
        tcp_options: Mapping[str, Any] | None = None,
        store: ObjectStore | str | None = None,
        inspectors: Iterable[CallInspector] = (),
        spin_wait_us: int | None = None,
    ) -> None:
        configure_logging_from_env()
        if health_path is not None and health_path.rstrip("/") == metrics_path.rstrip("/"):
            raise ValueError(f"health_path and metrics_path are both {metrics_path!r}; move one of them")
        super().__init__(
            custom_errors=custom_errors, limits=limits, registry=registry, sinks=sinks, formatters=formatters,
            lifetime=lifetime, type_filter=type_filter, public_url=public_url, proxy_factory=proxy_factory,
            trust_forwarded=trust_forwarded, authorization=authorization,
            body_timeout=body_timeout, metrics=metrics, metrics_path=metrics_path, inspectors=inspectors,
            spin_wait_us=spin_wait_us,
        )
        self.callbacks: CallbackProxies | None = None
        if proxy_factory is None:
            self.callbacks = CallbackProxies(self.identities, self.registry, self.type_filter)
            self.proxy_factory = self.callbacks
        self.router = Router(routes=list(routes))
        # Starlette routes raise HTTPException (a 405 for another method) when scope["app"] is set; its
        # exception middleware turns those into responses, as in a Starlette application.
        self._user_routes = ExceptionMiddleware(self.router)
        self.health_path = health_path
        self.tcp: TcpChannel | None = None
        if tcp_port is None:
            tcp_port = tcp_port_from_env()
        if tcp_port is not None:
            address = tcp_address or tcp_address_from_env()
            self.tcp = TcpChannel(self, address, tcp_port, **dict(tcp_options or {}))
        self.store = select_store(store)
        #: this worker's part in a deployment sharing :attr:`store` (None: the store is not shared)
        self.cluster: ClusterNode | None = None
        if self.store.shared:
            self.cluster = ClusterNode(self, self.store, *addresses_from_env(), callbacks=self.callbacks)
            self.services.append(self.cluster)

    @property
    def routes(self) -> list[BaseRoute]:
        """The user's routes, matched before object URIs."""
        return self.router.routes

    def add_route(
        self, path: str, endpoint: Callable[..., Any], methods: list[str] | None = None, name: str | None = None,
    ) -> None:
        """Serve ``endpoint`` (a Starlette request handler or an ASGI app) at ``path``, before object URIs."""
        self._add_user_route(Route(path, endpoint, methods=methods, name=name), "add_route")

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        """Serve the ASGI ``app`` under ``path`` (e.g. an admin app at ``/admin``), before object URIs."""
        self._add_user_route(Mount(path, app=app, name=name), "mount")

    def _published(self, entry: ServiceEntry) -> None:
        for route in self.router.routes:
            _warn_if_shadowed(route, entry.uri, "register_well_known", stacklevel=4)

    def _add_user_route(self, route: BaseRoute, call: str) -> None:
        for entry in self.identities.well_known():
            _warn_if_shadowed(route, entry.uri, call, stacklevel=4)
        self.router.routes.append(route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.router.routes and self._user_route(scope):
            scope["app"] = self
            await self._user_routes(scope, receive, send)
            return
        if scope["type"] == "http":
            health = self.health_path
            if health is not None and scope["path"].endswith(health) and app_path(scope) == health:
                await answer_health_probe(scope, send)
            else:
                await self.endpoint(scope, receive, send)  # (ObjectHost.__call__'s http branch, a coroutine less)
            return
        await super().__call__(scope, receive, send)

    def _user_route(self, scope: Scope) -> bool:
        return any(route.matches(scope)[0] is not Match.NONE for route in self.router.routes)

    async def startup(self) -> None:
        await super().startup()
        if self.tcp is not None:
            await self.tcp.start()
            if self.cluster is not None:  # said once per worker: each one's TCP callers see only that worker
                log.warning("the TCP channel at %s takes no part in the deployment sharing %s: its calls are not "
                            "forwarded, so its callers reach this worker's own Singletons and client-activated "
                            "objects (see docs/scale-out.md)", self.tcp.url, self.store.name)

    async def shutdown(self) -> None:
        if self.tcp is not None:
            await self.tcp.close()
        await super().shutdown()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        try:
            await super()._lifespan(receive, send)
        finally:
            if self.callbacks is not None:
                await self.callbacks.aclose()


def _warn_if_shadowed(route: BaseRoute, uri: str, call: str, stacklevel: int) -> None:
    """User routes are matched before object URIs (their own code, outside the sink chain): one that also
    matches an object's URI answers its callers instead of the object, which nobody means, so say so."""
    path = "/" + uri.lstrip("/")
    scope: Scope = {"type": "http", "path": path, "root_path": "", "method": "POST"}
    if route.matches(scope)[0] is Match.NONE:
        return
    shown = getattr(route, "path", "") or "/"  # Starlette keeps a mount at "/" as ""
    warnings.warn(f"{call}: the route {shown!r} also matches the object URI {path}: the route answers its "
                  "callers instead of the object (routes come before object URIs); move one of them",
                  RegistrationWarning, stacklevel=stacklevel)
