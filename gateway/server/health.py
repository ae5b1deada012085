"""``GET /healthz``: the liveness probe for load balancers and orchestrators.

It answers ``200 ok`` (``text/plain``) whenever the application is up and serving requests, and ``HEAD``
gets the same headers without the body. It is a built-in route of :class:`~gateway.server.app.RemotingApp`
answered *before* the server sink chain, deliberately: probes come without credentials (an authentication
sink would turn every probe into a 401 and take the instance out of rotation), the answer reveals nothing
but "up", and it costs no logging line per probe. It checks nothing deeper than the event loop answering;
an application that needs a readiness check of its own (a database, a downstream service) adds a route
with ``app.add_route("/healthz", ...)``, which takes precedence, or at another path.
"""

from __future__ import annotations

from starlette.types import Scope, Send

from .endpoint import send_response
from .sinks import ServerResponse

HEALTH_PATH = "/healthz"
_ALLOWED = "GET, HEAD"


async def answer_health_probe(scope: Scope, send: Send) -> None:
    """Answer one probe: 200 ``ok`` to GET and HEAD, 405 to anything else."""
    method = scope["method"]
    if method in ("GET", "HEAD"):
        response = ServerResponse(200, b"ok", "text/plain; charset=utf-8", [("cache-control", "no-store")])
    else:
        response = ServerResponse.method_not_allowed(method, _ALLOWED)
    await send_response(send, response, head=method == "HEAD")
