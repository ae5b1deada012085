"""gateway.server.dispatcher: from a parsed call to the Python method and back, without HTTP or XML.

Calls are small :class:`soap.IncomingCall` stand-ins carrying already decoded arguments.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Sequence

import pytest

from gateway import (
    ClientRequestError,
    ContextBoundObject,
    Lease,
    LifetimeSettings,
    MarshalByRefObject,
    RemotingException,
    WellKnownObjectMode,
)
from gateway.server.dispatcher import Dispatcher
from gateway.server.identity import IdentityTable
from gateway.server.lease_manager import LeaseManager
from soap import SoapDecodeError, WireType, clr_type

from ...support.clock import ManualClock


class Call:
    """An IncomingCall whose arguments are already Python values (naming a unique operation, as a
    document/literal call does: no overloads to choose between)."""

    overloadable = False
    header_blocks = ()

    def __init__(self, method_name: str, *args: object, namespace: str = "urn:test") -> None:
        self.method_name = method_name
        self.namespace = namespace
        self.args = list(args)
        self.argument_count = len(args)
        self.decoded_with: tuple[list[WireType], list[str] | None] | None = None

    def overload_fit(self, parameters: Sequence[WireType], inputs: Sequence[WireType]) -> int:
        raise AssertionError("only asked for overloadable calls")

    def call_context(self) -> dict[str, object] | None:
        return None

    def decode_arguments(self, types: Sequence[WireType], names: Sequence[str] | None = None) -> list[object]:
        self.decoded_with = (list(types), None if names is None else list(names))
        if len(types) != len(self.args):
            raise SoapDecodeError(f"{self.method_name} takes {len(types)} argument(s), got {len(self.args)}")
        return self.args


@clr_type("DispatcherTests.Counter", "DispatcherTests")
class Counter(MarshalByRefObject):
    created = 0

    def __init__(self) -> None:
        type(self).created += 1
        self.count = 0
        self._name = "counter"

    def InitializeLifetimeService(self) -> Lease | None:
        lease = super().InitializeLifetimeService()
        assert lease is not None
        lease.InitialLeaseTime = dt.timedelta(seconds=10)
        lease.RenewOnCallTime = dt.timedelta(seconds=4)
        return lease

    def Increment(self, by: int) -> int:
        self.count += by
        return self.count

    def Thread(self) -> int:
        return threading.get_ident()

    async def AsyncThread(self) -> int:
        return threading.get_ident()

    async def AsyncIncrement(self, by: int) -> int:
        await asyncio.sleep(0)
        self.count += by
        return self.count

    def Fail(self) -> None:
        raise KeyError("nope")

    @property
    def Name(self) -> str:
        return self._name

    @Name.setter
    def Name(self, value: str) -> None:
        self._name = value


class Overlap:
    """Counts how many calls run at once."""

    def __init__(self) -> None:
        self.active = 0
        self.most = 0

    async def run(self) -> None:
        self.active += 1
        self.most = max(self.most, self.active)
        for _ in range(5):  # yield to the loop: every other call that can start, starts
            await asyncio.sleep(0)
        self.active -= 1


@clr_type("DispatcherTests.Serialized", "DispatcherTests")
class Serialized(ContextBoundObject):
    def __init__(self) -> None:
        self.overlap = Overlap()

    async def Work(self) -> int:
        await self.overlap.run()
        return self.overlap.most


@clr_type("DispatcherTests.Concurrent", "DispatcherTests")
class Concurrent(MarshalByRefObject):
    def __init__(self) -> None:
        self.overlap = Overlap()

    async def Work(self) -> int:
        await self.overlap.run()
        return self.overlap.most


def make(clock: ManualClock | None = None) -> tuple[Dispatcher, IdentityTable]:
    clock = clock or ManualClock()
    manager = LeaseManager(dt.timedelta(hours=1), lambda lease: table.lease_expired(lease), clock)
    table = IdentityTable(manager, LifetimeSettings(clock=clock))
    table.register(Counter, "SingleCall.rem", WellKnownObjectMode.SingleCall)
    table.register(Counter, "Singleton.rem", WellKnownObjectMode.Singleton)
    return Dispatcher(table), table


def dispatch(dispatcher: Dispatcher, uri: str, call: Call) -> object:
    async def go() -> object:
        ret = await dispatcher.dispatch(uri, call)
        assert (ret.method_name, ret.namespace) == (call.method_name, call.namespace)
        return ret.value

    return asyncio.run(go())


# ------------------------------------------------------------------ resolve


def test_resolve_finds_the_entry_and_the_operation() -> None:
    dispatcher, table = make()
    entry, op = dispatcher.resolve("/Singleton.rem", Call("Increment", 1))  # a leading slash is ignored
    assert entry is table.lookup("Singleton.rem")
    assert (op.name, op.parameter_names) == ("Increment", ["by"])
    _, getter = dispatcher.resolve("Singleton.rem", Call("get_Name"))
    assert (getter.target, getter.accessor) == ("Name", "get")
    _, builtin = dispatcher.resolve("Singleton.rem", Call("GetLifetimeService"))  # not in the contract
    assert builtin.name == "GetLifetimeService"


def test_unknown_uri_is_no_receiver() -> None:
    dispatcher, _ = make()
    with pytest.raises(RemotingException, match=r"No receiver for uri /Nowhere\.rem") as info:
        dispatcher.resolve("Nowhere.rem", Call("Increment", 1))
    assert not isinstance(info.value, ClientRequestError)  # a Server fault, as .NET answers it
    with pytest.raises(RemotingException, match="No receiver"):
        dispatcher.resolve("singleton.rem", Call("Increment", 1))  # URIs are case-sensitive


@pytest.mark.parametrize("name", ["Missing", "_private", "__init__", "InitializeLifetimeService", "count"])
def test_unknown_method_is_a_client_error(name: str) -> None:
    dispatcher, _ = make()
    with pytest.raises(ClientRequestError, match="No method") as info:
        dispatcher.resolve("Singleton.rem", Call(name))
    assert repr(name) in str(info.value)
    assert "DispatcherTests.Counter" in str(info.value) and "/Singleton.rem" in str(info.value)


def test_bad_arguments_are_a_client_error_and_nothing_runs() -> None:
    dispatcher, _ = make()
    with pytest.raises(ClientRequestError, match="bad arguments for Increment"):
        dispatch(dispatcher, "Singleton.rem", Call("Increment", 1, 2))
    call = Call("Increment", 5)
    assert dispatch(dispatcher, "Singleton.rem", call) == 5  # the first call that reached the object
    assert call.decoded_with is not None and call.decoded_with[1] == ["by"]  # decoded with the declared names


# ------------------------------------------------------------------ targets


def test_single_call_gets_a_new_instance_per_call_singleton_one_for_all() -> None:
    dispatcher, _ = make()
    before = Counter.created
    assert [dispatch(dispatcher, "SingleCall.rem", Call("Increment", 2)) for _ in range(3)] == [2, 2, 2]
    assert Counter.created == before + 3
    assert [dispatch(dispatcher, "Singleton.rem", Call("Increment", 2)) for _ in range(3)] == [2, 4, 6]
    assert Counter.created == before + 4


def test_published_instance_is_the_target() -> None:
    dispatcher, table = make()
    obj = Counter()
    uri = table.publish(obj, "Mine.rem").uri
    assert dispatch(dispatcher, uri, Call("Increment", 7)) == 7
    assert obj.count == 7
    dispatch(dispatcher, uri, Call("set_Name", "renamed"))
    assert obj.Name == "renamed"
    assert dispatch(dispatcher, uri, Call("get_Name")) == "renamed"
    assert dispatch(dispatcher, uri, Call("GetLifetimeService")) is obj.GetLifetimeService()


def test_exceptions_of_the_method_reach_the_caller_unchanged() -> None:
    dispatcher, _ = make()
    with pytest.raises(KeyError, match="nope"):
        dispatch(dispatcher, "Singleton.rem", Call("Fail"))


@pytest.mark.parametrize("uri", ["SingleCall.rem", "Singleton.rem"])
def test_sync_methods_run_in_worker_threads_async_ones_on_the_loop(uri: str) -> None:
    dispatcher, _ = make()

    async def go() -> tuple[int, int, int]:
        loop_thread = threading.get_ident()
        sync = await dispatcher.dispatch(uri, Call("Thread"))
        async_ = await dispatcher.dispatch(uri, Call("AsyncThread"))
        return loop_thread, int(str(sync.value)), int(str(async_.value))

    loop_thread, sync_thread, async_thread = asyncio.run(go())
    assert sync_thread != loop_thread
    assert async_thread == loop_thread


def test_async_method_result_is_awaited() -> None:
    dispatcher, _ = make()
    assert dispatch(dispatcher, "Singleton.rem", Call("AsyncIncrement", 3)) == 3


@pytest.mark.parametrize(("cls", "most"), [(Serialized, 1), (Concurrent, 4)], ids=["context-bound", "plain"])
def test_context_bound_object_runs_one_call_at_a_time(cls: type, most: int) -> None:
    dispatcher, table = make()
    uri = table.publish(cls(), "Shared.rem").uri

    async def go() -> list[object]:
        returns = await asyncio.gather(*(dispatcher.dispatch(uri, Call("Work")) for _ in range(4)))
        return [r.value for r in returns]

    assert max(int(str(v)) for v in asyncio.run(go())) == most


def test_context_bound_objects_are_serialized_per_instance() -> None:
    dispatcher, table = make()
    one, two = Serialized(), Serialized()
    shared = Overlap()
    one.overlap = two.overlap = shared  # one counter across both instances
    table.publish(one, "One.rem")
    table.publish(two, "Two.rem")

    async def go() -> None:
        await asyncio.gather(dispatcher.dispatch("One.rem", Call("Work")), dispatcher.dispatch("Two.rem", Call("Work")))

    asyncio.run(go())
    assert shared.most == 2  # two instances: their calls overlap


# ------------------------------------------------------------------ leases


def test_a_call_renews_the_lease_of_its_target() -> None:
    clock = ManualClock()
    dispatcher, table = make(clock)
    obj = Counter()
    table.publish(obj, "Leased.rem")
    lease = obj.GetLifetimeService()
    assert lease is not None
    clock.advance(8)  # 2 s left, less than the 4 s RenewOnCallTime
    dispatch(dispatcher, "Leased.rem", Call("Increment", 1))
    assert lease.CurrentLeaseTime == dt.timedelta(seconds=4)
    dispatch(dispatcher, "Singleton.rem", Call("Increment", 1))  # creates the Singleton: its own lease
    singleton = table.lookup("Singleton.rem")
    assert singleton is not None and singleton.lease is not None and singleton.lease is not lease
    assert singleton.lease.CurrentLeaseTime == dt.timedelta(seconds=10)
    clock.advance(7)
    dispatch(dispatcher, "Singleton.rem", Call("Increment", 1))
    assert singleton.lease.CurrentLeaseTime == dt.timedelta(seconds=4)


def test_expired_lease_makes_the_uri_unknown() -> None:
    clock = ManualClock()
    dispatcher, table = make(clock)
    table.publish(Counter(), "Leased.rem")
    clock.advance(10)
    assert table.leases.sweep() == 1
    with pytest.raises(RemotingException, match="No receiver"):
        dispatch(dispatcher, "Leased.rem", Call("Increment", 1))
