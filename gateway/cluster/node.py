"""One worker of a scaled-out deployment: the pieces of :mod:`gateway.cluster` put together for one host.

An application whose store is shared (``RemotingApp(store="redis://...")`` or ``GATEWAY_STORE``) gets a
``ClusterNode``. It plugs into the host at four points: the endpoint's placement hook (which worker serves
a request), the lease manager's index (deadlines in the store), the marshaller's peer proxies (references to
other workers' objects) and the host's start and stop. On start it
opens an internal listener for forwarded calls and registers it in the store; a heartbeat (every third of
the lease manager's poll time) keeps the registration and the Singleton locks alive, with a TTL of one poll
time: a worker that dies is replaced as Singleton owner within one poll. On stop it frees its locks and
unregisters, so the others take over at once.

The store may be away at any moment, at start too: the worker still serves everything that needs no store
(SingleCall objects, objects it owns, Singletons while its claim holds), answers the rest with a fault naming
the store, and resumes by itself when the store is back (re-registering and re-recording its lease index if
the store lost them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Mapping

from starlette.types import Scope, Send

from soap import ObjRef, WireType

from ..model.objects import WellKnownObjectMode
from ..model.persistence import schema_of
from ..server.callbacks import CallbackProxies
from ..server.endpoint import request_from_scope, send_response
from ..server.host import ObjectHost
from ..server.identity import ServiceEntry
from ..server.marshal import CallOrigin
from ..store.interface import Deployment, ObjectStore, StoreUnavailable, WorkerRecord
from .directory import WorkerDirectory, worker_of
from .forwarder import Forwarder
from .internal import ForwardedApp, InternalListener
from .lease_index import StoreLeaseIndex
from .peers import PeerRoute
from .placement import Placement
from .singletons import SingletonOwnership

log = logging.getLogger("gateway.cluster")

#: Where the internal listener binds, and the name other workers reach it by (``ClusterNode`` arguments).
INTERNAL_HOST_VARIABLE = "GATEWAY_STORE_INTERNAL_HOST"
ADVERTISE_HOST_VARIABLE = "GATEWAY_STORE_ADVERTISE_HOST"

#: Shortest registration/lock TTL, whatever the poll time (a heartbeat every third of it).
MIN_TTL = 0.5

_WILDCARDS = ("", "0.0.0.0", "::")


#: The process id this process reports as its server's (see server_process_id), once a deployment told it.
_SERVER_PROCESS_ID: int | None = None


def server_process_id() -> int:
    """The id of "the server process", as a remote method reports it (``GetProcessId`` of the .NET samples).

    For one process, its own id. For a worker of a deployment (several processes sharing a store), the id
    the whole deployment reports: its first worker's, the same in every worker, so that clients written for
    one .NET server process (which check that two objects live in the same process) see one server.
    """
    return os.getpid() if _SERVER_PROCESS_ID is None else _SERVER_PROCESS_ID


def addresses_from_env(environ: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """``(internal_host, advertise_host)`` from ``GATEWAY_STORE_INTERNAL_HOST`` and
    ``GATEWAY_STORE_ADVERTISE_HOST`` (defaults: 127.0.0.1, and None)."""
    env = os.environ if environ is None else environ
    internal = env.get(INTERNAL_HOST_VARIABLE, "").strip() or "127.0.0.1"
    advertise = env.get(ADVERTISE_HOST_VARIABLE, "").strip() or None
    return internal, advertise


class ClusterNode:
    """This worker in the deployment ``store`` is shared by (see the module docstring).

    ``internal_host`` is where the internal listener binds (127.0.0.1: workers of one host; an address the
    other hosts reach, or 0.0.0.0, for several hosts); ``advertise_host`` the name other workers connect to
    (default: ``internal_host``, or this host's name when that is a wildcard); ``callbacks`` makes proxies
    for objects other workers serve when this worker receives references to them.
    """

    def __init__(self, host: ObjectHost, store: ObjectStore, internal_host: str = "127.0.0.1",
                 advertise_host: str | None = None, callbacks: CallbackProxies | None = None) -> None:
        self.host = host
        self.store = store
        self.internal_host = internal_host
        self.advertise_host = advertise_host
        self.worker_id = host.identities.app_guid
        self.ttl = max(host.lifetime.lease_manager_poll_time.total_seconds(), MIN_TTL)
        self.interval = self.ttl / 3
        self.forwarder = Forwarder()
        self.directory = WorkerDirectory(store, self.interval)
        self.singletons = SingletonOwnership(store, self.worker_id, self.ttl, self.interval)
        self.index = StoreLeaseIndex(store, self.worker_id, host.leases.indexed)
        self.forwarded = ForwardedApp(host)
        self.placement = Placement(self, host.identities, self.directory, self.singletons, self.forwarder,
                                   self._fault)
        self.record: WorkerRecord | None = None
        #: what the workers agree on, once the store told us (None until then)
        self.deployment: Deployment | None = None
        #: the workers of the deployment alive at the last heartbeat
        self.workers: frozenset[str] = frozenset()
        self._listener: InternalListener | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._starting: asyncio.Task[None] | None = None
        self._registered = False
        self._store_error: str | None = None
        self._proposal = secrets.token_urlsafe(32)
        self._tasks: set[asyncio.Task[None]] = set()
        self.callbacks = callbacks
        self.peer_route = PeerRoute(lambda: self.record.address if self.record else None,
                                    lambda: self.forwarder.secret)
        host.leases.index = self.index
        host.endpoint.placement = self.placement
        host.peer_proxies = self.peer_proxy

    # -------------------------------------------------------------- start and stop

    def start_soon(self) -> None:
        """Start once, in the background (lifespan starts the node; this covers ASGI servers without it)."""
        if self._starting is None:
            self._starting = asyncio.get_running_loop().create_task(self._start(), name="gateway-node-start")

    async def ensure_started(self) -> None:
        starting = self._starting
        if starting is not None and starting.done():  # the usual case: nothing to wait for
            starting.result()
            return
        self.start_soon()
        assert self._starting is not None
        await asyncio.shield(self._starting)

    async def start(self) -> None:
        await self.ensure_started()

    async def _start(self) -> None:
        for entry in self.host.identities.well_known():
            if entry.mode is WellKnownObjectMode.Singleton and schema_of(entry.cls) is not None:
                entry.on_dropped = self._singleton_dropped
        with contextlib.suppress(StoreUnavailable):
            await self.store.open()
        self._listener = InternalListener(self.forwarded, self.internal_host)
        bound, port = await self._listener.start()
        advertised = self.advertise_host or (socket.gethostname() if bound in _WILDCARDS else bound)
        shown = f"[{advertised}]" if ":" in advertised else advertised
        self.record = WorkerRecord(self.worker_id, f"http://{shown}:{port}", os.getpid(), socket.gethostname(),
                                   time.time())
        await self._beat_logged()
        self._heartbeat = asyncio.get_running_loop().create_task(self._heartbeats(), name="gateway-heartbeat")
        log.info("worker %s (pid %d) joined the deployment in %s; forwarded calls reach it at %s",
                 self.worker_id, os.getpid(), self.store.name, self.record.address)

    async def stop(self) -> None:
        task, self._heartbeat = self._heartbeat, None
        if task is not None:
            task.cancel()
        if self._starting is None:
            return
        with contextlib.suppress(StoreUnavailable):
            await self.singletons.release_all()
            await self.store.remove_worker(self.worker_id)
        if self._listener is not None:
            await self._listener.stop()
        await self.forwarder.close()
        await self.store.close()

    # -------------------------------------------------------------- heartbeat

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self._beat_logged()

    async def _beat_logged(self) -> None:
        try:
            await self.beat()
        except StoreUnavailable as exc:
            if self._store_error is None:
                log.warning("worker %s: %s", self.worker_id, exc)
            self._store_error = str(exc)
        except Exception:  # a bug in one heartbeat must not stop the next ones
            log.exception("heartbeat failed")
        else:
            if self._store_error is not None:
                log.warning("worker %s: the object store %s is back", self.worker_id, self.store.name)
            self._store_error = None

    async def beat(self) -> None:
        """One heartbeat: register, renew the Singleton locks, learn the secret."""
        record = self.record
        if record is None:
            return
        asked = time.monotonic()
        known = self.deployment or Deployment(self._proposal, os.getpid())
        beat = await self.store.heartbeat(record, self.ttl, self.singletons.owned_uris(), known)
        self._use(beat.deployment)
        self.singletons.renewed(beat.held, asked)
        self.workers = beat.workers
        if not beat.was_registered and self._registered:
            log.warning("worker %s was not registered in %s any more (the store lost its data, or this worker "
                        "could not reach it for longer than %.1f s): registered again", self.worker_id,
                        self.store.name, self.ttl)
            self.index.resync()
        self._registered = True

    def _use(self, deployment: Deployment) -> None:
        global _SERVER_PROCESS_ID
        if deployment != self.deployment:
            self.deployment = deployment
            self.forwarder.secret = self.forwarded.secret = deployment.secret.encode()
            _SERVER_PROCESS_ID = deployment.pid

    async def ready(self) -> None:
        if self.deployment is None:
            await self.beat()

    # -------------------------------------------------------------- helpers

    def peer_proxy(self, ref: ObjRef, declared: WireType, origin: CallOrigin) -> object | None:
        """A proxy for an object another worker of the deployment serves (None for other references: a client's
        callback listener names its objects the same way, but is no worker of the deployment)."""
        owner = worker_of(ref.uri)
        if owner is None or owner == self.worker_id or owner not in self.workers or self.callbacks is None:
            return None
        return self.callbacks.through(ref, declared, origin, self.peer_route)

    async def _fault(self, scope: Scope, send: Send, error: BaseException) -> None:
        request = request_from_scope(scope)
        response = self.host.refuse(request, error, status=500)
        await send_response(send, response, head=request.method == "HEAD")

    def _singleton_dropped(self, entry: ServiceEntry) -> None:
        async def forget() -> None:
            with contextlib.suppress(StoreUnavailable):
                await self.singletons.instance_dropped(entry)

        with contextlib.suppress(RuntimeError):  # no running loop: nothing to forget
            task = asyncio.get_running_loop().create_task(forget())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
