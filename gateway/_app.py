"""The ASGI application: a Starlette app whose every path is an object URI.

POSTs are read with a size cap (checked against Content-Length before reading, and while streaming), then
passed through the server sink chain to the formatter sink. GETs serve the WSDL documents
(``<uri>?wsdl``, ``?wsdl=soap12``, ``?wsdl=remoting``) and otherwise the service index: each service with its
operations' signatures and docs and links to its three WSDLs (addresses from the external URL).
"""

from __future__ import annotations

import contextlib
import html
import os
from collections.abc import AsyncIterator, Callable, Iterable, Sequence

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from soap import (
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    BinaryFormatter,
    Limits,
    ObjRef,
    SoapFormatter,
    TypeRegistry,
    WireType,
)

from ._activation import ACTIVATION_URI, RemoteActivator, runtime_registry
from ._dispatcher import Dispatcher
from ._errors import ClientRequestError, CustomErrorsMode
from ._formatter_sink import FormatterSink, ServerFormatter
from ._identity import IdentityTable, InstanceEntry, ServiceEntry
from ._lease import LIFETIME_DEFAULTS, LifetimeSettings
from ._lease_manager import LeaseManager
from ._marshal import ProxyFactory, ServerMarshaller, TypeFilterLevel
from ._objects import MarshalByRefObject, WellKnownObjectMode
from ._sinks import Handler, RequestLoggingSink, ServerRequest, ServerResponse, ServerSink, build_chain
from ._urls import external_base_url, trust_forwarded_from_env
from ._wsdl_cache import WsdlCache


class _BodyTooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def enabled_formatters_from_env(default: Sequence[str]) -> list[str]:
    """``GATEWAY_FORMATTERS=soap,binary`` overrides the formatters an app enables."""
    raw = os.environ.get("GATEWAY_FORMATTERS")
    if not raw:
        return list(default)
    return [name.strip().lower() for name in raw.split(",") if name.strip()]


class RemotingApp(Starlette):
    """An ASGI application publishing Python objects the .NET Remoting way.

    >>> app = RemotingApp()
    >>> app.register_well_known(HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)

    ``custom_errors`` decides who sees exception details (default RemoteOnly: loopback callers only);
    ``limits`` bounds every message; ``sinks`` are server sinks run outermost-first before the formatter;
    ``registry`` holds the by-value types that may cross the wire; ``lifetime`` the lease defaults and the
    lease manager's poll time; ``type_filter`` whether references to foreign objects (callbacks, remote
    sponsors) are accepted; ``public_url`` the external base URL for ObjRefs and WSDL addresses (default:
    from each request); ``trust_forwarded`` whether a trusted reverse proxy sets ``X-Forwarded-Host`` /
    ``X-Forwarded-Proto`` / ``X-Forwarded-Prefix`` (default: ``GATEWAY_TRUST_FORWARDED``).
    """

    def __init__(
        self,
        *,
        custom_errors: CustomErrorsMode = CustomErrorsMode.RemoteOnly,
        limits: Limits = DEFAULT_LIMITS,
        registry: TypeRegistry = DEFAULT_REGISTRY,
        sinks: Iterable[ServerSink] | None = None,
        formatters: Sequence[str] = ("soap",),
        lifetime: LifetimeSettings | None = None,
        type_filter: TypeFilterLevel = TypeFilterLevel.Low,
        public_url: str | None = None,
        proxy_factory: ProxyFactory | None = None,
        trust_forwarded: bool | None = None,
        debug: bool = False,
    ) -> None:
        self.trust_forwarded = trust_forwarded_from_env() if trust_forwarded is None else trust_forwarded
        self.lifetime = lifetime or LIFETIME_DEFAULTS
        self.leases = LeaseManager(self.lifetime.lease_manager_poll_time, self._lease_expired)
        self.identities = IdentityTable(self.leases, self.lifetime)
        self.registry = runtime_registry(registry)
        self.limits = limits
        self.custom_errors = custom_errors
        self.type_filter = type_filter
        self.public_url = public_url.rstrip("/") if public_url else None
        self.proxy_factory = proxy_factory or self._callback_proxy
        self._callback_clients: dict[str, object] = {}
        self.dispatcher = Dispatcher(self.identities)
        self.formatters = self._make_formatters(enabled_formatters_from_env(formatters))
        self.sinks: list[ServerSink] = list(sinks) if sinks is not None else [RequestLoggingSink()]
        self._terminal = FormatterSink(
            self.formatters, self.dispatcher, self.registry, custom_errors, self._marshaller_for
        )
        self._chain: Handler | None = None
        self.endpoint = _Endpoint(self)
        self.identities.publish(RemoteActivator(self.identities), ACTIVATION_URI)
        self.wsdl_cache = WsdlCache()
        super().__init__(
            debug=debug,
            routes=[Route("/{path:path}", self.endpoint, methods=["GET", "POST"])],
            lifespan=self._lifespan,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """HTTP goes straight to the endpoint unless middleware was added (the catch-all route takes every
        path anyway); this skips Starlette's routing and error middleware on the hot path."""
        if scope["type"] == "http" and not self.user_middleware:
            scope["app"] = self
            await self.endpoint(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: object) -> AsyncIterator[None]:
        self.leases.ensure_running()
        try:
            yield
        finally:
            await self.leases.stop()

    def _lease_expired(self, lease: object) -> None:
        from ._lease import Lease

        assert isinstance(lease, Lease)
        self.identities.lease_expired(lease)

    def external_url(self, request: ServerRequest) -> str:
        """The base URL callers use to reach this app (for ObjRefs and WSDL addresses): computed, not cached."""
        return self.public_url or external_base_url(request.scope, request.headers, self.trust_forwarded)

    def _callback_proxy(self, ref: ObjRef, declared: WireType, base_url: str) -> object:
        """A proxy for an object that lives elsewhere (type filter Full only). Its methods are synchronous:
        call them from sync methods (which run in worker threads), or via ``anyio.to_thread`` from async
        ones. This server's own objects passed to it (a lease handed to a sponsor's ``Renewal``) travel as
        ObjRefs at ``base_url``, the address the caller used to reach us."""
        from ._client import RemotingClient

        client = self._callback_clients.get(base_url)
        if client is None:
            def publish(obj: MarshalByRefObject) -> ObjRef:
                return ServerMarshaller(self.identities, base_url, self.type_filter).marshal(obj) or ObjRef("", "", [])

            client = self._callback_clients[base_url] = RemotingClient(
                registry=self.registry, timeout=30.0, local_objects=publish
            )
        assert isinstance(client, RemotingClient)
        return client.proxy_for(ref, declared)

    def _marshaller_for(self, request: ServerRequest) -> ServerMarshaller:
        return ServerMarshaller(
            self.identities, lambda: self.external_url(request), self.type_filter, self.proxy_factory
        )

    def _make_formatters(self, names: Sequence[str]) -> dict[str, ServerFormatter]:
        available: dict[str, Callable[[], ServerFormatter]] = {
            "soap": lambda: SoapFormatter(self.registry, self.limits),
            "binary": lambda: BinaryFormatter(self.registry, self.limits),
        }
        unknown = [n for n in names if n not in available]
        if unknown:
            raise ValueError(f"unknown formatter(s) {unknown}; available: {sorted(available)}")
        if not names:
            raise ValueError("at least one formatter must be enabled")
        return {name: available[name]() for name in names}

    # ------------------------------------------------------------ registration

    def register_well_known(self, cls: type, uri: str, mode: WellKnownObjectMode) -> ServiceEntry:
        """Publish ``cls`` at ``uri`` (ending in ``.rem`` or ``.soap``, may contain ``/``) as SingleCall or
        Singleton, like ``RemotingConfiguration.RegisterWellKnownServiceType``."""
        return self.identities.register(cls, uri, mode)

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

    def add_sink(self, sink: ServerSink) -> None:
        """Append a server sink (innermost, just before the formatter). Only before the first request."""
        if self._chain is not None:
            raise RuntimeError("sinks cannot be added after the application has served a request")
        self.sinks.append(sink)

    # ------------------------------------------------------------ ASGI

    def chain(self) -> Handler:
        if self._chain is None:
            self._chain = build_chain(self.sinks, self._terminal)
        return self._chain


class _Endpoint:
    """The raw ASGI endpoint behind the catch-all route (an object, so Starlette passes ASGI through)."""

    def __init__(self, app: RemotingApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        path: str = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        uri = path.lstrip("/")
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        client = scope.get("client")
        request = ServerRequest(
            scope["method"], uri, scope.get("query_string", b"").decode("latin-1"), headers, b"",
            client[0] if client else None, scope,
        )
        if request.method == "GET":
            query = request.query.lower()
            if query == "wsdl" or query.startswith("wsdl="):
                await _send(send, self._wsdl(request, query.partition("=")[2]))
            else:
                await _send(send, self._index(request))
            return
        app.leases.ensure_running()
        declared = headers.get("content-length")
        limit = app.limits.max_bytes
        try:
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise _BodyTooLarge
            request.body = await _read_body(receive, limit)
        except _Disconnected:
            return
        except _BodyTooLarge:
            error = ClientRequestError(f"message body exceeds the limit of {limit} bytes")
            # answer in the dialect of the request (a binary client cannot read a SOAP fault)
            formatter = app._terminal.select(request) or next(iter(app.formatters.values()))
            response = app._terminal._fault_response(formatter, error, request, status=413)
            response.headers.append(("connection", "close"))
            await _send(send, response)
            return
        await _send(send, await app.chain()(request))

    def _wsdl(self, request: ServerRequest, variant: str) -> ServerResponse:
        entry = self.app.identities.lookup(request.uri)
        if not isinstance(entry, ServiceEntry):
            return ServerResponse(404, b"No service is published at this URI.\n", "text/plain; charset=utf-8")
        base = self.app.external_url(request)
        try:
            document = self.app.wsdl_cache.get(entry, variant or "soap11", base)
        except ValueError as exc:
            return ServerResponse(400, f"{exc}\n".encode(), "text/plain; charset=utf-8")
        return ServerResponse(200, document, "text/xml; charset=utf-8")

    def _index(self, request: ServerRequest) -> ServerResponse:
        entries = self.app.identities.well_known()
        if request.uri:
            entries = [e for e in entries if e.uri == request.uri]
            if not entries:
                return ServerResponse(404, b"No object is published at this URI.\n", "text/plain; charset=utf-8")
        base = self.app.external_url(request)
        rows = []
        for entry in entries:
            contract = entry.contract
            ops = "".join(
                f"<li><code>{html.escape(op.signature())}</code>"
                + (f"<p>{html.escape(op.doc)}</p>" if op.doc else "")
                + "</li>"
                for op in sorted(contract.operations.values(), key=lambda o: o.name)
            )
            address = html.escape(f"{base}/{entry.uri}", quote=True)
            links = " | ".join(
                f'<a href="{address}?{query}">{label}</a>'
                for query, label in (("wsdl", "WSDL (SOAP 1.1)"), ("wsdl=soap12", "WSDL (SOAP 1.2)"),
                                     ("wsdl=remoting", "WSDL (.NET Remoting)"))
            )
            doc = f"<p>{html.escape(contract.doc)}</p>" if contract.doc else ""
            rows.append(
                f"<h2>/{html.escape(entry.uri)}</h2><p>{html.escape(contract.clr.full_name)} "
                f"({entry.mode.value})</p>{doc}<p>{links}</p><ul>{ops}</ul>"
            )
        page = f"<!DOCTYPE html><html><head><title>Remoting services</title></head><body>{''.join(rows)}</body></html>"
        return ServerResponse(200, page.encode(), "text/html; charset=utf-8")


async def _send(send: Send, response: ServerResponse) -> None:
    headers = [(b"content-length", str(len(response.body)).encode("latin-1"))]
    if response.content_type:
        headers.append((b"content-type", response.content_type.encode("latin-1")))
    headers.extend((k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers)
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
