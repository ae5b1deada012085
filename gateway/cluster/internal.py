"""The internal listener: where a worker receives the calls other workers forward to it.

Under ``uvicorn --workers N`` every worker accepts on the same public socket, so a request cannot be aimed
at one worker there; each worker therefore also listens on an address of its own (``internal_host``, an
ephemeral port) and registers it in the store. It is served by uvicorn's own HTTP protocol on the worker's
event loop (no second server process, no lifespan, no signal handling).

Only other workers of the deployment may use it: a request without the deployment's secret gets 403. A
forwarded request is given back the caller's client address, scheme, server and root path, then served by
the application like any other request (sinks, authentication, formatters), with the number of hops it
took so that it is never forwarded in circles.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.server import ServerState

from .forwarder import ROUTE_HEADER, SECRET_HEADER

log = logging.getLogger("gateway.cluster")

#: Where a forwarded request's hop count travels in the ASGI scope.
HOPS_KEY = "gateway.hops"


def _restore(scope: Scope, meta: dict[str, Any]) -> Scope | None:
    """The scope of the caller's original request, or None if the route header is malformed."""
    client, server = meta.get("client"), meta.get("server")
    scheme, root_path, hops = meta.get("scheme"), meta.get("root_path"), meta.get("hops")
    pair_ok = all(
        value is None or (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
                          and (value[1] is None or isinstance(value[1], int)))
        for value in (client, server)
    )
    if not pair_ok or scheme not in ("http", "https") or not isinstance(root_path, str) or not isinstance(hops, int):
        return None
    restored = dict(scope)
    restored["client"] = tuple(client) if client else None
    restored["server"] = tuple(server) if server else None
    restored["scheme"] = scheme
    restored["root_path"] = root_path
    restored["headers"] = [(k, v) for k, v in scope["headers"] if k not in (SECRET_HEADER, ROUTE_HEADER)]
    restored[HOPS_KEY] = hops
    return restored


class ForwardedApp:
    """The internal listener's ASGI application: checks the secret, restores the scope, serves the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.secret = b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = dict(scope["headers"])
        given = headers.get(SECRET_HEADER, b"")
        if not self.secret or not hmac.compare_digest(given, self.secret):
            await _plain(send, 403, b"this address serves the deployment's own workers only\n")
            return
        try:
            meta = json.loads(headers.get(ROUTE_HEADER, b""))
        except ValueError:
            meta = None
        restored = _restore(scope, meta) if isinstance(meta, dict) else None
        if restored is None:
            await _plain(send, 400, b"malformed forwarding header\n")
            return
        await self.app(restored, receive, send)


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class InternalListener:
    """uvicorn's HTTP protocol on ``host`` (port 0: any free one) in the running loop."""

    def __init__(self, app: ForwardedApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: asyncio.base_events.Server | None = None
        self._state = ServerState()

    async def start(self) -> tuple[str, int]:
        """Listen; returns the (host, port) bound."""
        config = uvicorn.Config(
            self.app, host=self.host, port=self.port, lifespan="off", proxy_headers=False, access_log=False,
            server_header=False, date_header=False, log_config=None, timeout_keep_alive=75,
            http="auto", loop="none",
        )
        config.load()
        state = self._state

        protocol_class: Any = config.http_protocol_class  # uvicorn's H11Protocol or HttpToolsProtocol

        def protocol() -> asyncio.Protocol:
            made: asyncio.Protocol = protocol_class(config=config, server_state=state, app_state={})
            return made

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(protocol, host=self.host, port=self.port, backlog=2048)
        sockets = self._server.sockets
        host, port = sockets[0].getsockname()[:2]
        log.debug("internal listener on %s:%d", host, port)
        return str(host), int(port)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for connection in list(self._state.connections):
            connection.shutdown()
        for task in list(self._state.tasks):
            task.cancel()
