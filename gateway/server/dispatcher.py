"""The dispatcher: from a parsed call to the Python method, and back to a return message.

Identity lookup (URI -> entry), method lookup on the contract (never ``getattr`` by a wire name on an
arbitrary object), argument decoding with the declared types, renew-on-call of the object's lease, then the
call itself: ``async def`` methods are awaited on the event loop, plain methods run in a worker thread so
they never block other requests. Calls to a ContextBoundObject are serialized per instance.

Decoding (:meth:`Dispatcher.prepare`) and running (:meth:`Dispatcher.run`) are separate steps, so that a
one-way call can be answered between them and run afterwards (:meth:`Dispatcher.start_one_way`). Every call
runs in a call context of its own (:mod:`gateway.model.call_context`): what the caller sent, and the
document/literal headers the operation declares; the reply carries the context and headers the method left.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from soap import ANY, IncomingCall, MethodReturn, OutgoingHeader, ReferenceMarshaller, SoapDecodeError, wire_type
from wsdl import Operation

from ..model import call_context
from ..model.errors import ClientRequestError, RemotingException
from ..model.objects import ContextBoundObject, MarshalByRefObject, WellKnownObjectMode
from ..model.principal import current_principal
from ..model.workers import WORKERS
from .authorization import AuthorizationRules
from .faults import new_error_id
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


log = logging.getLogger("gateway.server")


@dataclass(slots=True)
class PreparedCall:
    """A decoded call, ready to run: its target, operation, arguments and incoming call context."""

    uri: str
    entry: Identity
    op: Operation
    args: list[object]
    namespace: str
    context: dict[str, object] | None
    headers: dict[type, object]


async def _on_worker(fn: Any, *args: Any) -> Any:
    """``fn(*args)`` on a worker thread; the call context it leaves becomes this one's (see call_context)."""
    value, state = await WORKERS.run(call_context.run_capturing, fn, *args)
    call_context.install(state)
    return value


class Dispatcher:
    """Routes calls to published objects. Raises exceptions; turning them into faults is the caller's job."""

    def __init__(self, table: IdentityTable, authorization: AuthorizationRules | None = None) -> None:
        self.table = table
        self.authorization = authorization
        self._one_way: set[asyncio.Task[None]] = set()

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

    async def dispatch(
        self, uri: str, incoming: IncomingCall, marshaller: ReferenceMarshaller | None = None
    ) -> MethodReturn:
        return await self.run(self.prepare(uri, incoming))

    def prepare(self, uri: str, incoming: IncomingCall) -> PreparedCall:
        """Resolve, authorize and decode a call (arguments, call context, declared SOAP headers)."""
        entry, op = self.resolve(uri, incoming)
        if self.authorization is not None:
            self.authorization.check(entry.uri, op.name, current_principal())
        try:
            args = incoming.decode_arguments(op.parameter_types, op.parameter_names)
        except SoapDecodeError as exc:
            raise ClientRequestError(f"bad arguments for {op.name}: {exc}") from None
        try:
            context = incoming.call_context()
        except SoapDecodeError as exc:
            raise ClientRequestError(f"bad call context for {op.name}: {exc}") from None
        headers = _in_headers(entry, op, incoming) if op.in_headers else {}
        return PreparedCall(uri, entry, op, args, incoming.namespace, context, headers)

    async def run(self, call: PreparedCall) -> MethodReturn:
        """Run a prepared call in a call context of its own; the reply carries what the method left there."""
        token = call_context.enter(call.context, call.headers)
        try:
            value = await self.invoke(call.entry, call.op, call.args)
            state = call_context.current()
        finally:
            call_context.leave(token)
        ret = MethodReturn(call.op.name, call.namespace, value, call.op.returns)
        if state.logical or call.context:  # a caller that sent a context hears of slots freed too
            ret.call_context = dict(state.logical)
        if call.op.out_headers:
            namespace = call.entry.contract.literal_namespace
            ret.headers = [OutgoingHeader(namespace, cls.__name__, state.headers[cls], wire_type(cls))
                           for cls in call.op.out_headers if cls in state.headers]
        return ret

    def start_one_way(self, call: PreparedCall) -> None:
        """Run a one-way call in the background: its caller has its answer already, so a failure is only
        logged (at ERROR on ``gateway.server``, with an error id)."""
        task = asyncio.get_running_loop().create_task(self._run_one_way(call))
        self._one_way.add(task)
        task.add_done_callback(self._one_way.discard)

    async def _run_one_way(self, call: PreparedCall) -> None:
        try:
            await self.run(call)
        except Exception as exc:
            log.error("one-way call to /%s %s failed [error id %s]", call.uri.lstrip("/"), call.op.name,
                      new_error_id(), exc_info=exc)

    async def invoke(self, entry: Identity, op: Operation, args: list[object]) -> Any:
        lease = entry.lease
        if lease is not None:
            lease.renew_on_call()
        if BUILTINS.get(op.name) is op:
            target = entry.target()
            return target.GetLifetimeService() if isinstance(target, MarshalByRefObject) else None
        if isinstance(entry, ServiceEntry) and entry.mode is WellKnownObjectMode.SingleCall and not op.is_async:
            return await _on_worker(_perform_single_call, entry, op, args)
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
        return await _on_worker(_perform, target, op, args)


def _in_headers(entry: Identity, op: Operation, incoming: IncomingCall) -> dict[type, object]:
    """The document/literal headers ``op`` declares, found in the request by class name in the service's
    namespace and decoded; each is marked understood."""
    namespace = entry.contract.literal_namespace
    found: dict[type, object] = {}
    for cls in op.in_headers:
        for block in incoming.header_blocks:
            if block.name == cls.__name__ and block.namespace == namespace:
                try:
                    found[cls] = block.value(wire_type(cls))
                except SoapDecodeError as exc:
                    raise ClientRequestError(f"bad {cls.__name__} header for {op.name}: {exc}") from None
                block.mark_understood()
                break
    return found
