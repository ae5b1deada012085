"""The dispatcher: from a parsed call to the Python method, and back to a return message.

Identity lookup (URI -> entry), method lookup on the contract (never ``getattr`` by a wire name on an
arbitrary object), argument decoding with the declared types, then the call itself: ``async def`` methods
are awaited on the event loop, plain methods run in a worker thread so they never block other requests.
"""

from __future__ import annotations

import functools
from typing import Any

import anyio.to_thread

from soap import IncomingCall, MethodReturn, SoapDecodeError
from wsdl import Operation

from ._errors import ClientRequestError, RemotingException
from ._identity import IdentityTable, ServiceEntry


def _call_sync(entry: ServiceEntry, name: str, args: list[object]) -> object:
    return getattr(entry.target(), name)(*args)


class Dispatcher:
    """Routes calls to published objects. Raises exceptions; turning them into faults is the caller's job."""

    def __init__(self, table: IdentityTable) -> None:
        self.table = table

    def resolve(self, uri: str, incoming: IncomingCall) -> tuple[ServiceEntry, Operation]:
        entry = self.table.lookup(uri)
        if entry is None:
            raise RemotingException(f"Requested Service not found: no object is published at /{uri.lstrip('/')}")
        op = entry.contract.operation(incoming.method_name)
        if op is None:
            raise ClientRequestError(
                f"No method {incoming.method_name!r} on the object at /{entry.uri} "
                f"({entry.contract.clr.full_name})"
            )
        return entry, op

    async def dispatch(self, uri: str, incoming: IncomingCall) -> MethodReturn:
        entry, op = self.resolve(uri, incoming)
        try:
            args = incoming.decode_arguments(op.parameter_types)
        except SoapDecodeError as exc:
            raise ClientRequestError(f"bad arguments for {op.name}: {exc}") from None
        value = await self.invoke(entry, op, args)
        return MethodReturn(op.name, incoming.namespace, value, op.returns)

    async def invoke(self, entry: ServiceEntry, op: Operation, args: list[object]) -> Any:
        if op.is_async:
            return await getattr(entry.target(), op.name)(*args)
        return await anyio.to_thread.run_sync(functools.partial(_call_sync, entry, op.name, args))
