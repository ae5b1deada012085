"""References to objects other workers of the deployment serve, received by this worker.

A client may pass an object it got from one worker (a client-activated object) to an object another
worker serves (a Singleton's method). Such a reference names an object of this deployment, so it is the
server's own and is accepted whatever the type filter; it becomes a proxy whose calls this client sink
routes through this worker's own internal listener (reachable whatever the network between the deployment
and its callers), from where they are forwarded to the owner like any other call. The calls keep the
caller's host name, so ObjRefs the owner returns still name the address callers use.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from ..client.sinks import ClientCall, ClientResponse
from .directory import worker_of
from .forwarder import ROUTE_HEADER, SECRET_HEADER


class PeerRoute:
    """A client sink: calls to ``<anything>/<worker id>/<object>.rem`` go to ``internal_address()``."""

    def __init__(self, internal_address: Callable[[], str | None], secret: Callable[[], bytes]) -> None:
        self.internal_address = internal_address
        self.secret = secret

    def process_request(self, call: ClientCall) -> None:
        address = self.internal_address()
        parts = urlsplit(call.url)
        segments = parts.path.split("/")
        start = next((i for i, seg in enumerate(segments) if worker_of(seg + "/") is not None), None)
        if address is None or start is None:
            return  # not an object of the deployment, or no listener yet: the public URL as given
        prefix = "/".join(segments[:start])
        call.url = address + "/" + "/".join(segments[start:]) + (f"?{parts.query}" if parts.query else "")
        call.headers["host"] = parts.netloc
        if prefix.strip("/"):
            call.headers["x-forwarded-prefix"] = prefix
        call.headers[SECRET_HEADER.decode()] = self.secret().decode()
        route = f'{{"client":null,"server":null,"scheme":"{parts.scheme}","root_path":"","hops":0}}'
        call.headers[ROUTE_HEADER.decode()] = route

    def process_response(self, call: ClientCall, response: ClientResponse) -> None:
        return None
