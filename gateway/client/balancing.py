"""A load-balancing, failing-over proxy over several servers publishing the same well-known object.

The seed's use of RealProxy: :class:`LoadBalancingProxy` sees every call made through its transparent proxy
and sends each to the next server URL in turn (round robin), for SingleCall and Singleton objects alike
(each server has its own Singleton: balance Singletons only when their state may differ per server).

Failover follows one rule: a call moves to the next server only when it *certainly did not run*, that is
when no connection could be made to its server (:class:`~gateway.model.errors.ServerUnreachableError`:
connection refused, host unresolvable, connect timeout), so the request was never sent. A call that may
have run is never sent again, and its failure reaches the caller as it is:

* a read timeout or a connection lost after the request was written (:class:`~gateway.model.errors.ChannelError`);
* any answer from the server: a fault (the method's exception), an HTTP error status, an unreadable reply;
* a one-way call whose request was written (its outcome is never known).

Client-activated objects are never moved: :meth:`LoadBalancingProxy.create_instance` activates on the next
reachable server and returns an ordinary proxy bound to that server, and references returned by calls
(``MarshalByRefObject`` results) come back as ordinary proxies bound to the server that made them.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Awaitable, Sequence
from typing import Any

from ..model.errors import ServerUnreachableError
from .clients import AsyncRemotingClient, RemotingClient
from .real_proxy import MethodCallMessage, RealProxy, ReturnMessage


class LoadBalancingProxy(RealProxy):
    """Round robin over ``urls`` (full object URLs), failing over on unreachable servers only.

    >>> balanced = LoadBalancingProxy(IHello, ["http://a:8000/SayHello.rem", "http://b:8000/SayHello.rem"], client)
    >>> hello = balanced.get_transparent_proxy()
    >>> hello.HelloMethod("Caveman")        # a, then b, then a ...

    With an :class:`~gateway.AsyncRemotingClient`, the proxy's methods are awaitable.
    """

    def __init__(self, interface: type | None, urls: Sequence[str],
                 client: RemotingClient | AsyncRemotingClient) -> None:
        if not urls:
            raise ValueError("LoadBalancingProxy needs at least one server URL")
        super().__init__(interface, urls[0], client.default_route)
        self.urls = list(urls)
        self.client = client
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def _order(self) -> list[str]:
        """The servers to try for one call: all of them, starting with the next one's turn."""
        with self._lock:
            start = next(self._turn) % len(self.urls)
        return self.urls[start:] + self.urls[:start]

    def invoke(self, message: MethodCallMessage) -> ReturnMessage | Awaitable[ReturnMessage]:
        if isinstance(self.client, AsyncRemotingClient):
            return self._invoke_async(self.client, message)
        outcome = ReturnMessage()
        for url in self._order():
            outcome = self.client.send(message, url)
            if not isinstance(outcome.exception, ServerUnreachableError):
                return outcome
        return outcome  # every server unreachable: the last one's error

    async def _invoke_async(self, client: AsyncRemotingClient, message: MethodCallMessage) -> ReturnMessage:
        outcome = ReturnMessage()
        for url in self._order():
            outcome = await client.send(message, url)
            if not isinstance(outcome.exception, ServerUnreachableError):
                return outcome
        return outcome

    def create_instance(self, cls: type, *args: object, type_name: str | None = None) -> Any:
        """Activate ``cls`` on the next reachable server (a base URL: each of ``urls`` up to its object URI)
        and return a proxy bound to that server for good (a client-activated object never moves)."""
        if isinstance(self.client, AsyncRemotingClient):
            return self._create_async(self.client, cls, args, type_name)
        error: ServerUnreachableError | None = None
        for url in self._order():
            try:
                return self.client.create_instance(cls, _base(url), *args, type_name=type_name)
            except ServerUnreachableError as exc:
                error = exc
        assert error is not None
        raise error

    async def _create_async(self, client: AsyncRemotingClient, cls: type, args: tuple[object, ...],
                            type_name: str | None) -> Any:
        error: ServerUnreachableError | None = None
        for url in self._order():
            try:
                return await client.create_instance(cls, _base(url), *args, type_name=type_name)
            except ServerUnreachableError as exc:
                error = exc
        assert error is not None
        raise error


def _base(url: str) -> str:
    """``http://a:8000/app/Hello.rem`` -> ``http://a:8000/app/``: where the activator lives."""
    return url.rsplit("/", 1)[0] + "/"
