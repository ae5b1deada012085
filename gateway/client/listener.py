"""A client-side listener: lets a client pass its own objects by reference (callbacks, lease sponsors).

It is a bare :class:`~gateway.server.host.ObjectHost` served by uvicorn on a background thread: the server
half of the client's channel. Objects the client passes as arguments are published there, and the server
receives ObjRefs pointing at it (it accepts them only when it runs with type filter Full). References the
listener itself receives (the server's lease handed to a sponsor) become proxies through the owning
client's ``proxy_factory``.

It binds to ``host``:``port`` (default 127.0.0.1, any free port) and advertises ``public_url`` in the ObjRefs
it hands out (default ``http://host:port``; for a wildcard host, this machine's host name, as .NET's
HttpChannel does), so a server on another machine, or behind NAT or a reverse proxy, can call back. It reads
both formatters, so a server calling back in binary (its caller's formatter) is understood.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn

from soap import DEFAULT_REGISTRY, ObjRef, TypeRegistry

from ..model.objects import MarshalByRefObject
from ..model.objref import objref_for
from ..server.host import ObjectHost
from ..server.marshal import ProxyFactory, TypeFilterLevel


class CallbackListener:
    """Serves objects passed by reference from this process; start it with :meth:`start`."""

    def __init__(
        self, proxy_factory: ProxyFactory, host: str = "127.0.0.1", port: int = 0,
        registry: TypeRegistry = DEFAULT_REGISTRY, public_url: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.public_url = public_url.rstrip("/") if public_url else None
        # Full: the servers this client calls pass their own objects back to it (a lease to a sponsor).
        self.app = ObjectHost(
            registry=registry, type_filter=TypeFilterLevel.Full, proxy_factory=proxy_factory, metrics=False,
            formatters=("soap", "binary"), public_url=self.public_url,
        )
        self._server: object | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def start(self, timeout: float = 10.0) -> CallbackListener:
        config = uvicorn.Config(self.app, host=self.host, port=self.port, log_level="warning", lifespan="on")
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=lambda: asyncio.run(server.serve()), name="remoting-listener",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"callback listener on {self.host}:{self.port} did not start")
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        host = socket.gethostname() if self.host in ("0.0.0.0", "::", "") else self.host
        if ":" in host:
            host = f"[{host}]"  # an IPv6 literal
        self.base_url = self.public_url or f"http://{host}:{port}"
        return self

    def publish(self, obj: MarshalByRefObject) -> ObjRef:
        entry = self.app.identities.publish(obj)
        return objref_for(entry.uri, obj, self.base_url, self.app.identities.app_guid)

    def stop(self) -> None:
        server = self._server
        if server is not None:
            server.should_exit = True  # type: ignore[attr-defined]
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
