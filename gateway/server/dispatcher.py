"""The dispatcher: from a parsed call to the Python method, and back to a return message.

Two steps, so the formatter sink knows the target before the call runs (metrics and logs name it).
:meth:`Dispatcher.resolve`: identity lookup (URI -> entry), method lookup on the contract (never ``getattr``
by a wire name on an arbitrary object). :meth:`Dispatcher.call`: authorization, argument decoding with the
declared types, renew-on-call of the object's lease, then the call itself: ``async def`` methods are awaited
on the event loop, plain methods run in a worker thread so they never block other requests. Calls to a
ContextBoundObject are serialized per instance.
"""

from __future__ import annotations

import asyncio
from typing import Any

from soap import ANY, IncomingCall, MethodReturn, SoapDecodeError
from wsdl import Operation

from ..model.errors import ClientRequestError, RemotingException
from ..model.objects import ContextBoundObject, MarshalByRefObject, WellKnownObjectMode
from ..model.principal import current_principal
from ..model.workers import WORKERS
from .authorization import AuthorizationRules
from .identity import Identity, IdentityTable, ServiceEntry

#: Methods every MarshalByRefObject answers remotely, whatever its contract.
BUILTINS: dict[str, Operation] = {
    "GetLifetimeService": Operation(
        "GetLifetimeService", (), object, ANY, False, "The object's lease (an ObjRef), or null.",
        "GetLifetimeService",
    ),
}


def _perform(target: object, op: Operation, args: list[object]) -> Any:
    if op.accessor == "get":
        return getattr(target, op.target)
    if op.accessor == "set":
        setattr(target, op.target, args[0])
        return None
    return getattr(target, op.target)(*args)


def _perform_single_call(entry: ServiceEntry, op: Operation, args: list[object]) -> Any:
    return _perform(entry.target(), op, args)


class Dispatcher:
    """Routes calls to published objects. Raises exceptions; turning them into faults is the caller's job."""

    def __init__(self, table: IdentityTable, authorization: AuthorizationRules | None = None) -> None:
        self.table = table
        self.authorization = authorization

    def resolve(self, uri: str, incoming: IncomingCall) -> tuple[Identity, Operation]:
        entry = self.table.lookup(uri)
        if entry is None:
            raise RemotingException(
                f"No receiver for uri /{uri.lstrip('/')}: Requested Service not found (nothing is published "
                "there, or the object was disconnected when its lease expired)"
            )
        name = incoming.method_name
        op = entry.contract.operation(name) or BUILTINS.get(name)
        if op is None:
            raise ClientRequestError(
                f"No method {name!r} on the object at /{entry.uri} ({entry.contract.clr.full_name})"
            )
        return entry, op

    async def call(self, entry: Identity, op: Operation, incoming: IncomingCall) -> MethodReturn:
        """Run a call :meth:`resolve` found a target for: authorization, arguments, the method itself."""
        if self.authorization is not None:
            self.authorization.check(entry.uri, op.name, current_principal())
        try:
            args = incoming.decode_arguments(op.parameter_types, op.parameter_names)
        except SoapDecodeError as exc:
            raise ClientRequestError(f"bad arguments for {op.name}: {exc}") from None
        value = await self.invoke(entry, op, args)
        return MethodReturn(op.name, incoming.namespace, value, op.returns)

    async def invoke(self, entry: Identity, op: Operation, args: list[object]) -> Any:
        lease = entry.lease
        if lease is not None:
            lease.renew_on_call()
        if BUILTINS.get(op.name) is op:
            target = entry.target()
            return target.GetLifetimeService() if isinstance(target, MarshalByRefObject) else None
        if isinstance(entry, ServiceEntry) and entry.mode is WellKnownObjectMode.SingleCall and not op.is_async:
            return await WORKERS.run(_perform_single_call, entry, op, args)
        target = entry.target()
        if isinstance(target, ContextBoundObject):
            lock = target.__dict__.get("_remoting_sync")
            if lock is None:
                lock = target.__dict__["_remoting_sync"] = asyncio.Lock()
            async with lock:
                return await self._call(target, op, args)
        return await self._call(target, op, args)

    async def _call(self, target: object, op: Operation, args: list[object]) -> Any:
        if op.is_async:
            return await getattr(target, op.target)(*args)
        return await WORKERS.run(_perform, target, op, args)
