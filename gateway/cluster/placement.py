"""Placement: which worker serves a request, decided from its URI before anything else reads it.

* a SingleCall object, the activator, an object this worker published: here, with no store access;
* a Singleton: its owner (this worker if it holds the lock, else the one that does; elected on first use);
* an object URI naming another worker (``<worker id>/...``): forwarded to it; if that worker is gone the
  request is served here, where nothing is published at that URI, so the caller gets the usual Remoting
  "No receiver for uri" fault at once;
* anything else (pages, unknown URIs): here.

A Singleton whose owner is found gone is taken over by this worker and the call served here (the request
never reached the dead owner, so it runs once). Failures become faults in the caller's dialect: the store
unreachable (:class:`~gateway.store.interface.StoreUnavailable`, naming the store), or an owner that died
during the call.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from starlette.types import Message, Receive, Scope, Send

from ..model.errors import RemotingException
from ..model.objects import WellKnownObjectMode
from ..model.persistence import schema_of
from ..server.endpoint import app_path
from ..server.identity import IdentityTable, ServiceEntry, normalize_uri
from ..store.interface import StoreUnavailable
from .directory import WorkerDirectory, worker_of
from .forwarder import Address, Forwarder, LocalHandler, OwnerFailed, OwnerUnreachable
from .internal import HOPS_KEY
from .singletons import SingletonOwnership

log = logging.getLogger("gateway.cluster")

#: A request is forwarded at most this many times (ownership that moves meanwhile never makes it circle).
MAX_HOPS = 2

#: Answers a request with a fault in its dialect (the application's formatters), without reading its body.
FaultAnswer = Callable[[Scope, Send, BaseException], Awaitable[None]]


class Node(Protocol):
    """What placement needs of the worker it runs in."""

    worker_id: str

    def start_soon(self) -> None:
        """Start in the background if nothing started it yet (an ASGI server without lifespan)."""

    async def ensure_started(self) -> None: ...

    async def ready(self) -> None:
        """The deployment's secret is known (raises StoreUnavailable when it cannot be)."""


def _replaying(first: Message | None, receive: Receive) -> Receive:
    """``receive`` with a message a failed forwarding attempt already took handed out again first."""
    if first is None:
        return receive
    pending = [first]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


class Placement:
    """The hook :class:`~gateway.server.endpoint.ObjectEndpoint` calls for every request."""

    def __init__(self, node: Node, table: IdentityTable, directory: WorkerDirectory, singletons: SingletonOwnership,
                 forwarder: Forwarder, fault: FaultAnswer) -> None:
        self.node = node
        self.table = table
        self.directory = directory
        self.singletons = singletons
        self.forwarder = forwarder
        self.fault = fault
        self._joined = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send, local: LocalHandler) -> None:
        if not self._joined:
            # Without a lifespan the worker joins on its first request, and answers it only once joined: an
            # object it creates now names this worker, and another worker asked for it must find us in the
            # directory, not conclude that we stopped. A start that fails is the node's to log; requests
            # are still served locally, as before.
            with contextlib.suppress(Exception):
                await self.node.ensure_started()
            self._joined = True
        uri = normalize_uri(app_path(scope))
        entry = self.table.lookup(uri)
        if isinstance(entry, ServiceEntry):
            if entry.mode is WellKnownObjectMode.SingleCall:
                await local(scope, receive, send)
            else:
                await self._singleton(entry, scope, receive, send, local)
            return
        owner = worker_of(uri) if entry is None else None
        if owner is None or owner == self.node.worker_id or scope.get(HOPS_KEY, 0) >= MAX_HOPS:
            await local(scope, receive, send)
            return
        await self._elsewhere(owner, uri, scope, receive, send, local)

    # -------------------------------------------------------------- objects owned by another worker

    async def _elsewhere(self, owner: str, uri: str, scope: Scope, receive: Receive, send: Send,
                         local: LocalHandler) -> None:
        try:
            await self.node.ensure_started()
            await self.node.ready()
            address = await self.directory.address_of(owner)
        except StoreUnavailable as exc:
            await self.fault(scope, send, exc)
            return
        if address is None:  # its worker stopped: nothing serves the URI any more
            await local(scope, receive, send)
            return
        try:
            await self.forwarder.forward(address, scope, receive, send, scope.get(HOPS_KEY, 0) + 1)
        except OwnerUnreachable as exc:
            await self._gone(owner, address)
            await local(scope, _replaying(exc.consumed, receive), send)
        except OwnerFailed as exc:
            await self.fault(scope, send, _died_during_call(uri, exc))

    async def _gone(self, owner: str, address: Address) -> None:
        self.forwarder.forget(address)
        with contextlib.suppress(StoreUnavailable):
            await self.directory.gone(owner)

    # -------------------------------------------------------------- Singletons

    async def _singleton(self, entry: ServiceEntry, scope: Scope, receive: Receive, send: Send,
                         local: LocalHandler) -> None:
        if self.singletons.owns(entry):  # the owner's fast path: no store access
            await self._serve_singleton(entry, scope, receive, send, local)
            return
        hops = scope.get(HOPS_KEY, 0)
        dead: str | None = None
        try:
            await self.node.ensure_started()
            for _ in range(3):
                owner = await self.singletons.owner_of(entry, dead)
                if owner == self.node.worker_id:
                    await self._serve_singleton(entry, scope, receive, send, local)
                    return
                if hops >= MAX_HOPS:
                    break
                await self.node.ready()
                address = await self.directory.address_of(owner)
                if address is None:  # the owner's registration is gone: it died
                    dead = owner
                    continue
                try:
                    await self.forwarder.forward(address, scope, receive, send, hops + 1)
                    return
                except OwnerUnreachable as exc:
                    receive = _replaying(exc.consumed, receive)
                    await self._gone(owner, address)
                    self.singletons.forget_owner(entry)
                    dead = owner
                except OwnerFailed as exc:
                    self.singletons.forget_owner(entry)
                    await self.fault(scope, send, _died_during_call(entry.uri, exc))
                    return
        except StoreUnavailable as exc:
            await self.fault(scope, send, exc)
            return
        await self.fault(scope, send, RemotingException(
            f"the Singleton /{entry.uri} is changing owner; call again"))

    async def _serve_singleton(self, entry: ServiceEntry, scope: Scope, receive: Receive, send: Send,
                               local: LocalHandler) -> None:
        schema = schema_of(entry.cls)
        if schema is None:
            await local(scope, receive, send)
            return

        async def send_after_saving(message: Message) -> None:
            if message["type"] == "http.response.start":  # the call has run: save what it changed first
                try:
                    await self.singletons.save(entry, schema)
                except (StoreUnavailable, TypeError) as exc:
                    log.warning("the state of /%s was not saved: %s", entry.uri, exc)
            await send(message)

        await local(scope, receive, send_after_saving)


def _died_during_call(uri: str, exc: BaseException) -> RemotingException:
    return RemotingException(f"the worker serving /{uri} stopped during the call, which may or may not have run "
                             f"({exc})")
