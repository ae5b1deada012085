"""The dispatcher: from a parsed call to the Python method, and back to a return message.

Two steps, so the formatter sink knows the target before the call runs (metrics and logs name it).
:meth:`Dispatcher.resolve`: identity lookup (URI -> entry), the type the caller addressed (a binary call names
one: the object must be of that type, or .NET's "cannot cast from client type" refusal follows), method lookup
on the contract (never ``getattr`` by a wire name on an arbitrary object). :meth:`Dispatcher.call`:
authorization, argument decoding with the declared types, renew-on-call of the object's lease, then the call
itself: ``async def`` methods are awaited on the event loop, plain methods run in a worker thread so they
never block other requests (on a TCP connection thread, :mod:`.off_loop`, they run on that thread and what
belongs to the loop is handed to it). Calls to a ContextBoundObject are serialized per instance.

The method model (issue 9): an overloaded .NET name is resolved to one operation by the call's method
signature, else by its arguments' count and wire types (a clear fault when that is ambiguous); out
parameters start at their Python default and the method's ``(return value, *out/ref values)`` tuple is
split into the return value and the out-arguments; ``ToString`` / ``Equals`` / ``GetHashCode`` that the
class does not override answer as ``System.Object``'s do.

Decoding (:meth:`Dispatcher.prepare`) and running (:meth:`Dispatcher.run`) are separate steps, so that a
one-way call can be answered between them and run afterwards (:meth:`Dispatcher.start_one_way`). Every call
runs in a call context of its own (:mod:`gateway.model.call_context`): what the caller sent, and the
document/literal headers the operation declares; the reply carries the context and headers the method left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from soap import (
    ANY,
    Direction,
    IncomingCall,
    MethodReturn,
    OutgoingHeader,
    ReferenceMarshaller,
    SoapDecodeError,
    clr_name_of,
    wire_type,
)
from wsdl import OBJECT_OPERATIONS, Operation

from ..model.call_context import (
    CURRENT_CONTEXT,
    EMPTY_CONTEXT,
    CallContextState,
    context_left_by,
    run_capturing,
    set_reply_context,
)
from ..model.errors import ClientRequestError, RemotingException
from ..model.objects import ContextBoundObject, MarshalByRefObject, WellKnownObjectMode
from ..model.principal import current_principal
from ..model.workers import WORKERS
from .authorization import AuthorizationRules
from .faults import new_error_id
from .identity import Identity, IdentityTable, ServiceEntry
from .off_loop import handoff_loop, on_loop

#: Methods every MarshalByRefObject answers remotely, whatever its contract: its lease, and System.Object's
#: ToString / Equals / GetHashCode where the class does not override them (.NET proxies send ToString and
#: Equals to the server; GetHashCode only a custom proxy would).
BUILTINS: dict[str, Operation] = {
    "GetLifetimeService": Operation(
        "GetLifetimeService", (), object, ANY, False, "The object's lease (an ObjRef), or null.",
        "GetLifetimeService",
    ),
    **OBJECT_OPERATIONS,
}


#: (globals: an enum member read from its class costs about 750 instructions on Python 3.11, on every call)
_SINGLE_CALL = WellKnownObjectMode.SingleCall
_OUT = Direction.OUT

#: Types every object answering a remote call is, whatever its own classes.
UNIVERSAL_TYPES = frozenset({"System.Object", "System.MarshalByRefObject"})


def _type_name(assembly_qualified: str) -> str:
    """``"Namespace.Type, Assembly, Version=..."`` -> ``"Namespace.Type"`` (a generic type's arguments, in
    brackets, hold commas of their own)."""
    if "[" not in assembly_qualified:
        return assembly_qualified.split(",", 1)[0].strip()
    depth = 0
    for i, ch in enumerate(assembly_qualified):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "," and depth == 0:
            return assembly_qualified[:i].strip()
    return assembly_qualified.strip()


def type_names(cls: type) -> frozenset[str]:
    """The CLR full names of ``cls``, its base classes and the interfaces it implements (its Python bases)."""
    return UNIVERSAL_TYPES | {clr_name_of(klass).full_name for klass in cls.__mro__ if klass is not object}


def _object_method(entry: Identity, op: Operation, args: list[object]) -> object:
    """What ``System.Object`` answers for a method the class does not override."""
    target = entry.target()
    if op.name == "GetLifetimeService":
        return target.GetLifetimeService() if isinstance(target, MarshalByRefObject) else None
    if op.name == "ToString":
        return entry.contract.clr.full_name
    if op.name == "Equals":
        return args[0] is target
    return (object.__hash__(target) & 0x7FFFFFFF)


def _with_outs(op: Operation, args: list[object], all_slots: bool) -> list[object]:
    """Every parameter's argument: out parameters start at their default (whatever a binary slot held)."""
    if all_slots:
        full = list(args)
    else:
        it = iter(args)
        full = [None if p.direction is _OUT else next(it) for p in op.parameters]
    for position, param in op.outputs:
        if param.direction is _OUT:
            full[position] = param.default
    return full


def _split_outs(op: Operation, result: object) -> tuple[object, list[tuple[str, object, Any]]]:
    """``(return value, *out/ref values)`` -> the return value and the out-arguments."""
    if not isinstance(result, tuple) or len(result) != len(op.outputs) + 1:
        raise RemotingException(
            f"{op.key} has out/ref parameters: it must return a tuple of {len(op.outputs) + 1} items (the return "
            f"value or None, then {', '.join(p.name for _, p in op.outputs)}), not {type(result).__name__}"
        )
    outs = [(p.name, v, p.wire) for (_, p), v in zip(op.outputs, result[1:], strict=True)]
    return result[0], outs


def _perform(target: object, op: Operation, args: list[object]) -> Any:
    if op.accessor == "get":
        return getattr(target, op.target)
    if op.accessor == "set":
        setattr(target, op.target, args[0])
        return None
    return getattr(target, op.target)(*args)


def _perform_single_call(entry: ServiceEntry, op: Operation, args: list[object]) -> Any:
    return _perform(entry.target(), op, args)


def _choose_overload(name: str, candidates: tuple[Operation, ...], incoming: IncomingCall) -> Operation:
    """The overload the call means: the one its signature names, else the one its arguments fit."""
    fits = [(incoming.overload_fit(op.parameter_types, op.input_types), op) for op in candidates]
    best = max(fit for fit, _ in fits)
    chosen = [op for fit, op in fits if fit == best] if best else []
    if len(chosen) == 1:
        return chosen[0]
    listed = "; ".join(op.signature() for op in candidates)
    if not chosen:
        raise ClientRequestError(f"no overload of {name} fits the call (overloads: {listed})")
    raise ClientRequestError(
        f"the call of {name} fits several overloads ({'; '.join(op.signature() for op in chosen)}): send its "
        "method signature (__MethodSignature header, MethodSignatureInArray) to choose one"
    )


log = logging.getLogger("gateway.server")


@dataclass(slots=True)
class PreparedCall:
    """A decoded call, ready to run: its target, operation, arguments and incoming call context."""

    uri: str
    entry: Identity
    op: Operation
    args: list[object]
    method_name: str
    namespace: str
    context: dict[str, object] | None
    headers: dict[type, object]


class Dispatcher:
    """Routes calls to published objects. Raises exceptions; turning them into faults is the caller's job."""

    def __init__(self, table: IdentityTable, authorization: AuthorizationRules | None = None) -> None:
        self.table = table
        self.authorization = authorization
        self._one_way: set[asyncio.Task[None]] = set()
        self._type_names: dict[type, frozenset[str]] = {}
        #: (class, claimed type) pairs found fine: a client names the same type call after call (bounded)
        self._claims_ok: dict[tuple[type, str], None] = {}

    def check_claimed_type(self, entry: Identity, claimed: str) -> None:
        """Refuse a call addressed to a type (``"Namespace.Type, Assembly"``) the object is not."""
        cls = entry.contract.py_type
        if (cls, claimed) in self._claims_ok:
            return
        names = self._type_names.get(cls)
        if names is None:
            names = self._type_names[cls] = type_names(cls)
        if _type_name(claimed) not in names:
            raise ClientRequestError(
                f"Cannot cast from client type '{claimed[:200]}' to server type '{entry.contract.clr.full_name}': "
                f"the object at /{entry.uri} is not of the type the call names"
            )
        if len(self._claims_ok) >= 256:  # callers choose these strings
            self._claims_ok.clear()
        self._claims_ok[cls, claimed] = None

    def resolve(self, uri: str, incoming: IncomingCall) -> tuple[Identity, Operation]:
        entry = self.table.lookup(uri)
        if entry is None:
            raise RemotingException(
                f"No receiver for uri /{uri.lstrip('/')}: Requested Service not found (nothing is published "
                "there, or the object was disconnected when its lease expired)"
            )
        claimed = incoming.claimed_type
        # (the pair found fine before, checked here: a method call less on every binary call)
        if claimed is not None and (entry.contract.py_type, claimed) not in self._claims_ok:
            self.check_claimed_type(entry, claimed)
        name = incoming.method_name
        contract = entry.contract
        op = contract.operation(name)
        if (op is None or op.overloaded) and incoming.overloadable and name in contract.overloads:
            op = _choose_overload(name, contract.overloads[name], incoming)
        op = op or BUILTINS.get(name)
        if op is None:
            raise ClientRequestError(
                f"No method {name!r} on the object at /{entry.uri} ({entry.contract.clr.full_name})"
            )
        return entry, op

    @staticmethod
    def declared_headers(op: Operation, entry: Identity) -> frozenset[tuple[str, str]]:
        """``(namespace, name)`` of the document/literal header blocks ``op`` declares (``wsdl.soap_headers``):
        the ones :meth:`prepare` decodes, so a caller may mark them mustUnderstand."""
        if not op.in_headers:
            return frozenset()
        namespace = entry.contract.literal_namespace
        return frozenset((namespace, cls.__name__) for cls in op.in_headers)

    async def dispatch(
        self, uri: str, incoming: IncomingCall, marshaller: ReferenceMarshaller | None = None
    ) -> MethodReturn:
        """:meth:`resolve` then :meth:`call` (the formatter sink does the steps itself, to record the target
        between them and to answer a one-way call before it runs)."""
        entry, op = self.resolve(uri, incoming)
        return await self.call(entry, op, incoming)

    async def call(self, entry: Identity, op: Operation, incoming: IncomingCall) -> MethodReturn:
        """Run a call :meth:`resolve` found a target for: :meth:`prepare`, then :meth:`run`."""
        return await self.run(self.prepare(entry, op, incoming))

    def prepare(self, entry: Identity, op: Operation, incoming: IncomingCall) -> PreparedCall:
        """Authorize and decode a call :meth:`resolve` found a target for: its arguments, call context and the
        SOAP headers the operation declares."""
        if self.authorization is not None:
            self.authorization.check(entry.uri, op.name, current_principal())
        try:
            if op.outputs:
                args = self._arguments_with_outs(op, incoming)
            else:
                args = incoming.decode_arguments(op.parameter_types, op.parameter_names)
        except SoapDecodeError as exc:
            raise ClientRequestError(f"bad arguments for {op.name}: {exc}") from None
        try:
            context = incoming.call_context()
        except SoapDecodeError as exc:
            raise ClientRequestError(f"bad call context for {op.name}: {exc}") from None
        headers = _in_headers(entry, op, incoming) if op.in_headers else {}
        return PreparedCall(entry.uri, entry, op, args, incoming.method_name, incoming.namespace, context, headers)

    @staticmethod
    def _arguments_with_outs(op: Operation, incoming: IncomingCall) -> list[object]:
        """The arguments of a method with out/ref parameters: a SOAP request carries the in and ref ones, a
        binary one every slot (its out slots are ignored); the out ones start at their Python default."""
        all_slots = incoming.overloadable and incoming.argument_count == len(op.parameters) != len(op.input_types)
        if all_slots:
            types = [ANY if p.direction is _OUT else p.wire for p in op.parameters]
            args = incoming.decode_arguments(types, op.parameter_names)
        else:
            args = incoming.decode_arguments(op.input_types, op.input_names)
        return _with_outs(op, args, all_slots)

    async def run(self, call: PreparedCall) -> MethodReturn:
        """Run a prepared call in a call context of its own; the reply carries what the method left there."""
        op = call.op
        # a state of its own (the contextvar is set and read directly: this runs on every call)
        fresh = EMPTY_CONTEXT
        if call.context or call.headers:
            fresh = CallContextState(call.context or {}, {}, call.headers)
        token = CURRENT_CONTEXT.set(fresh)
        try:
            value = await self.invoke(call.entry, op, call.args)
            state = CURRENT_CONTEXT.get()
        except Exception as exc:  # the fault carries what the method left too (binary writes it, as .NET)
            left = context_left_by(exc) or CURRENT_CONTEXT.get()
            set_reply_context(exc, dict(left.logical) if left.logical or call.context else None)
            raise
        finally:
            CURRENT_CONTEXT.reset(token)
        if op.outputs:
            value, outs = _split_outs(op, value)
            ret = MethodReturn(call.method_name, call.namespace, value, op.returns, outs,
                               [position for position, _ in op.outputs], len(op.parameters))
        else:
            ret = MethodReturn(call.method_name, call.namespace, value, op.returns)
        if state.logical or call.context:  # a caller that sent a context hears of slots freed too
            ret.call_context = dict(state.logical)
        if op.out_headers:
            namespace = call.entry.contract.literal_namespace
            ret.headers = [OutgoingHeader(namespace, cls.__name__, state.headers[cls], wire_type(cls))
                           for cls in op.out_headers if cls in state.headers]
        return ret

    def start_one_way(self, call: PreparedCall) -> None:
        """Run a one-way call in the background: its caller has its answer already, so a failure is only
        logged (at ERROR on ``gateway.server``, with an error id). From a TCP connection thread it starts on
        the event loop, as one-way calls over HTTP do."""
        loop = handoff_loop()
        if loop is not None:
            loop.call_soon_threadsafe(self.start_one_way, call)  # (in a copy of this thread's context)
            return
        task = asyncio.get_running_loop().create_task(self._run_one_way(call))
        self._one_way.add(task)
        task.add_done_callback(self._one_way.discard)

    async def _run_one_way(self, call: PreparedCall) -> None:
        try:
            await self.run(call)
        except Exception as exc:
            log.error("one-way call to /%s %s failed [error id %s]", call.uri.lstrip("/"), call.op.name,
                      new_error_id(), exc_info=exc)

    def invoke(self, entry: Identity, op: Operation, args: list[object]) -> Awaitable[Any]:
        """The method's result, to await. A plain function handing back what to await (an ``async def``
        method's own coroutine, the worker-thread hand-off of a plain one): no coroutine of its own between
        the call and the method, on every call."""
        lease = entry.lease
        if lease is not None:
            lease.renew_on_call()
        if BUILTINS.get(op.name) is op:
            return _ready(_object_method(entry, op, args))
        loop = handoff_loop()
        if isinstance(entry, ServiceEntry) and entry.mode is _SINGLE_CALL and not op.is_async:
            # @run_inline: on the loop, in this call's context; on a TCP connection thread: there, as Mono runs it
            if op.inline or loop is not None:
                return _ready(_perform_single_call(entry, op, args))
            return _in_worker(_perform_single_call, entry, op, args)
        target = entry.target()
        if loop is not None:  # a TCP connection thread: what belongs to the event loop is handed to it
            if isinstance(target, ContextBoundObject):
                return _ready(on_loop(loop, _serialized, target, op, args))
            if op.is_async:
                return _ready(on_loop(loop, self._call, target, op, args))
            return _ready(_perform(target, op, args))
        if isinstance(target, ContextBoundObject):
            return _serialized(target, op, args)
        return self._call(target, op, args)

    @staticmethod
    def _call(target: object, op: Operation, args: list[object]) -> Awaitable[Any]:
        if op.is_async:
            method: Callable[..., Awaitable[Any]] = getattr(target, op.target)
            return method(*args)
        if op.inline:
            return _ready(_perform(target, op, args))
        return _in_worker(_perform, target, op, args)


async def _ready(value: Any) -> Any:
    """``value``, to await (the answer of a method that ran on the event loop)."""
    return value


async def _in_worker(perform: Callable[..., Any], *args: Any) -> Any:
    """Run a plain method in a worker thread; what it left in the call context comes back with its result."""
    value, state = await WORKERS.run(run_capturing, perform, *args)
    CURRENT_CONTEXT.set(state)  # what the method left in the call context, from its worker thread
    return value


async def _serialized(target: ContextBoundObject, op: Operation, args: list[object]) -> Any:
    """The call, once no other call to ``target`` runs (a ContextBoundObject's calls are serialized)."""
    lock = target.__dict__.get("_remoting_sync")
    if lock is None:
        lock = target.__dict__["_remoting_sync"] = asyncio.Lock()
    async with lock:
        return await Dispatcher._call(target, op, args)


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
