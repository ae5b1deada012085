"""Our Python client (sync and async) against a real Mono .NET Remoting server.

The server is ``csharp/TestServer.cs``: an HttpChannel with the SOAP formatter
on 127.0.0.1, serving the RemotingPeer contract (HelloServer at SayHello.soap
and SayHello.rem, SingleCallObject at SingleCallService.rem, SingletonObject at
SingletonService.rem, ClientActivatedObject for client activation with a
5 s / 2 s / 2 s lease, FactoryService at FactoryService.rem handing out counters
by reference), CustomErrorsMode Off.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

try:
    from support.peers import have, require_peer
    from support.server import REPO_ROOT, free_port, stop_process, wait_for_ready
except ImportError:  # tests/ imported as a package
    from tests.support.peers import have, require_peer
    from tests.support.server import REPO_ROOT, free_port, stop_process, wait_for_ready

from . import mono_build

pytestmark = pytest.mark.interop

READY_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def mono_server() -> Iterator[str]:
    """Start TestServer.exe on a free port; yield ``http://127.0.0.1:PORT/``."""
    require_peer("mono", have("mono"), "the `mono` runtime is not on PATH (Debian: apt-get install mono-devel)")
    require_peer("mcs", have("mcs"), "the `mcs` C# compiler is not on PATH (Debian: apt-get install mono-devel)")
    binaries = mono_build.build()
    port = free_port()
    proc = subprocess.Popen(
        ["mono", str(binaries.server_exe), str(port)],
        cwd=binaries.bin_dir,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_ready(proc, "TestServer.exe", READY_TIMEOUT)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def api() -> SimpleNamespace:
    """The Python remoting API under test, imported lazily so a missing module fails tests, not collection."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from examples.remoting_samples import (
        ClientActivatedObject,
        GreetingException,
        IFactory,
        IHello,
        IRemoteService,
        Person,
    )
    from gateway import AsyncRemotingClient, LeaseState, RemotingClient, RemotingError

    return SimpleNamespace(
        ClientActivatedObject=ClientActivatedObject,
        IFactory=IFactory,
        LeaseState=LeaseState,
        RemotingClient=RemotingClient,
        AsyncRemotingClient=AsyncRemotingClient,
        RemotingError=RemotingError,
        IHello=IHello,
        IRemoteService=IRemoteService,
        Person=Person,
        GreetingException=GreetingException,
    )


@pytest.fixture
def client(api: SimpleNamespace) -> Iterator[Any]:
    with api.RemotingClient(timeout=10.0) as c:
        yield c


# ---------------------------------------------------------------------- sync


@pytest.mark.parametrize("uri", ["SayHello.soap", "SayHello.rem"])
def test_sync_hello(mono_server: str, api: SimpleNamespace, client: Any, uri: str) -> None:
    hello = client.get_object(api.IHello, mono_server + uri)
    assert hello.HelloMethod("Caveman") == "Hi there Caveman"
    assert hello.HelloMethod("Zoë <&> ✓") == "Hi there Zoë <&> ✓"


def test_sync_singlecall_state_not_kept(mono_server: str, api: SimpleNamespace, client: Any) -> None:
    svc = client.get_object(api.IRemoteService, mono_server + "SingleCallService.rem")
    assert [svc.Increment(), svc.Increment(), svc.Increment()] == [1, 1, 1]
    assert svc.GetRemoteObjectType() == "RemotingPeer.SingleCallObject"


def test_sync_singleton_state_kept(mono_server: str, api: SimpleNamespace, client: Any) -> None:
    svc = client.get_object(api.IRemoteService, mono_server + "SingletonService.rem")
    n = svc.Increment()
    assert [svc.Increment(), svc.Increment()] == [n + 1, n + 2]
    assert svc.GetRemoteObjectType() == "RemotingPeer.SingletonObject"


def test_sync_custom_exception(mono_server: str, api: SimpleNamespace, client: Any) -> None:
    svc = client.get_object(api.IRemoteService, mono_server + "SingletonService.rem")
    before = svc.Increment()
    with pytest.raises(api.GreetingException) as info:
        svc.Fail("No greeting for you")
    exc = info.value
    assert str(exc) == "No greeting for you"
    assert exc.Message == "No greeting for you"
    assert exc.Greeting == "Hi there"
    # the Singleton survives the fault and the client can go on calling
    assert svc.Increment() == before + 1


def test_sync_unknown_uri_is_remoting_error(mono_server: str, api: SimpleNamespace, client: Any) -> None:
    hello = client.get_object(api.IHello, mono_server + "NoSuchService.rem")
    with pytest.raises(api.RemotingError) as info:
        hello.HelloMethod("x")
    assert "NoSuchService.rem" in str(info.value)


def test_sync_echo_primitives(mono_server: str, api: SimpleNamespace, client: Any) -> None:
    import datetime as dt

    svc = client.get_object(api.IRemoteService, mono_server + "SingleCallService.rem")
    when = dt.datetime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=dt.UTC)
    text = "Grüße <&> \"q\" 'a' tab\there\nline ✓"
    fields = svc.Echo(42, 3.141592653589793, True, text, when).split("|")
    assert len(fields) == 6, fields
    assert (fields[0], fields[2], fields[3]) == ("42", "True", text)
    assert float(fields[1]) == 3.141592653589793  # "R" may print 17 digits
    assert fields[4] == "2024-02-29T13:45:30.1234560Z"


def test_sync_reverse(mono_server: str, api: SimpleNamespace, client: Any) -> None:
    svc = client.get_object(api.IRemoteService, mono_server + "SingleCallService.rem")
    assert list(svc.Reverse([1, 2, 3, 4, 5])) == [5, 4, 3, 2, 1]
    assert list(svc.Reverse([])) == []
    assert svc.Reverse(None) is None


def test_sync_person_by_value(mono_server: str, api: SimpleNamespace, client: Any) -> None:
    svc = client.get_object(api.IRemoteService, mono_server + "SingletonService.rem")
    p = svc.GetPerson("Dave", 42)
    assert isinstance(p, api.Person)
    assert (p.Name, p.Age) == ("Dave", 42)
    older = svc.Birthday(api.Person(Name="Erin", Age=29))
    assert isinstance(older, api.Person)
    assert (older.Name, older.Age) == ("Erin", 30)


# --------------------------------------------------------------------- async


def test_async_calls(mono_server: str, api: SimpleNamespace) -> None:
    async def scenario() -> None:
        async with api.AsyncRemotingClient() as client:
            hello = client.get_object(api.IHello, mono_server + "SayHello.soap")
            assert await hello.HelloMethod("x") == "Hi there x"
            hello_rem = client.get_object(api.IHello, mono_server + "SayHello.rem")
            assert await hello_rem.HelloMethod("rem") == "Hi there rem"

            single = client.get_object(api.IRemoteService, mono_server + "SingleCallService.rem")
            assert [await single.Increment() for _ in range(3)] == [1, 1, 1]
            assert await single.GetRemoteObjectType() == "RemotingPeer.SingleCallObject"

            singleton = client.get_object(api.IRemoteService, mono_server + "SingletonService.rem")
            n = await singleton.Increment()
            assert [await singleton.Increment(), await singleton.Increment()] == [n + 1, n + 2]
            assert await singleton.GetRemoteObjectType() == "RemotingPeer.SingletonObject"

    asyncio.run(scenario())


def test_async_custom_exception(mono_server: str, api: SimpleNamespace) -> None:
    async def scenario() -> None:
        async with api.AsyncRemotingClient() as client:
            svc = client.get_object(api.IRemoteService, mono_server + "SingletonService.rem")
            before = await svc.Increment()
            with pytest.raises(api.GreetingException) as info:
                await svc.Fail("async failure")
            assert str(info.value) == "async failure"
            assert info.value.Message == "async failure"
            assert info.value.Greeting == "Hi there"
            assert await svc.Increment() == before + 1

    asyncio.run(scenario())


def test_async_concurrent_calls(mono_server: str, api: SimpleNamespace) -> None:
    async def scenario() -> None:
        async with api.AsyncRemotingClient() as client:
            hello = client.get_object(api.IHello, mono_server + "SayHello.soap")
            replies = await asyncio.gather(*(hello.HelloMethod(f"n{i}") for i in range(20)))
            assert replies == [f"Hi there n{i}" for i in range(20)]
            singleton = client.get_object(api.IRemoteService, mono_server + "SingletonService.rem")
            start = await singleton.Increment()
            values = await asyncio.gather(*(singleton.Increment() for _ in range(20)))
            assert sorted(values) == list(range(start + 1, start + 21))

    asyncio.run(scenario())


# ------------------------------------------------- client-activated objects and leases


def test_sync_client_activated_object(mono_server: str, api: SimpleNamespace, client: Any) -> None:
    alpha = client.create_instance(api.ClientActivatedObject, mono_server, "alpha")
    assert alpha.GetName() == "alpha"
    assert [alpha.Increment(), alpha.Increment()] == [1, 2]
    beta = client.create_instance(api.ClientActivatedObject, mono_server, "beta")
    assert beta.GetName() == "beta"
    assert [beta.Increment(), alpha.Increment(), beta.Increment()] == [1, 3, 2]


def test_sync_client_activated_object_lease(mono_server: str, api: SimpleNamespace, client: Any) -> None:
    cao = client.create_instance(api.ClientActivatedObject, mono_server, "leased")
    assert cao.Increment() == 1
    lease = client.get_lifetime_service(cao)
    assert lease.InitialLeaseTime == dt.timedelta(seconds=5)
    assert lease.RenewOnCallTime == dt.timedelta(seconds=2)
    assert lease.SponsorshipTimeout == dt.timedelta(seconds=2)
    assert lease.CurrentState == api.LeaseState.Active
    assert dt.timedelta(0) < lease.CurrentLeaseTime <= dt.timedelta(seconds=5)
    renewed = lease.Renew(dt.timedelta(seconds=30))
    assert renewed > dt.timedelta(seconds=20)
    assert lease.CurrentLeaseTime > dt.timedelta(seconds=20)
    assert cao.Increment() == 2


def test_sync_client_activated_object_expires(mono_server: str, api: SimpleNamespace, client: Any) -> None:
    """Mono's lease manager (polling every second) disconnects a CAO idle past its 5 s lease."""
    cao = client.create_instance(api.ClientActivatedObject, mono_server, "doomed")
    assert cao.Increment() == 1
    time.sleep(7.5)
    with pytest.raises(api.RemotingError) as info:
        cao.Increment()
    assert "No receiver" in str(info.value) or "not found" in str(info.value).lower(), str(info.value)


def test_async_client_activated_object(mono_server: str, api: SimpleNamespace) -> None:
    async def scenario() -> None:
        async with api.AsyncRemotingClient(timeout=10.0) as client:
            alpha = await client.create_instance(api.ClientActivatedObject, mono_server, "alpha")
            beta = await client.create_instance(api.ClientActivatedObject, mono_server, "beta")
            assert (await alpha.GetName(), await beta.GetName()) == ("alpha", "beta")
            assert [await alpha.Increment(), await alpha.Increment()] == [1, 2]
            assert await beta.Increment() == 1
            # concurrent calls on one instance: each increment counted exactly once
            values = await asyncio.gather(*(alpha.Increment() for _ in range(10)))
            assert sorted(values) == list(range(3, 13))

            lease = await client.get_lifetime_service(alpha)
            assert await lease.get_InitialLeaseTime() == dt.timedelta(seconds=5)
            assert await lease.get_RenewOnCallTime() == dt.timedelta(seconds=2)
            assert await lease.get_SponsorshipTimeout() == dt.timedelta(seconds=2)
            assert await lease.get_CurrentState() == api.LeaseState.Active
            assert await lease.Renew(dt.timedelta(seconds=30)) > dt.timedelta(seconds=20)
            assert await lease.get_CurrentLeaseTime() > dt.timedelta(seconds=20)
            assert await alpha.Increment() == 13

    asyncio.run(scenario())


def test_sync_returned_mbr_and_proxy_passed_back(mono_server: str, api: SimpleNamespace, client: Any) -> None:
    """A counter Mono returns by reference is a proxy here; passed back, Mono gets its own object."""
    factory = client.get_object(api.IFactory, mono_server + "FactoryService.rem")
    counter = factory.CreateCounter("made")
    assert not isinstance(counter, api.ClientActivatedObject)
    assert counter.GetName() == "made"
    assert [counter.Increment(), counter.Increment()] == [1, 2]
    assert factory.Describe(counter) == "made=2|local"
    assert factory.Describe(None) == "<null>"
    other = factory.CreateCounter("other")
    assert other.Increment() == 1
    assert counter.Increment() == 3


def test_async_returned_mbr_and_proxy_passed_back(mono_server: str, api: SimpleNamespace) -> None:
    async def scenario() -> None:
        async with api.AsyncRemotingClient(timeout=10.0) as client:
            factory = client.get_object(api.IFactory, mono_server + "FactoryService.rem")
            counter = await factory.CreateCounter("async")
            assert await counter.Increment() == 1
            assert await factory.Describe(counter) == "async=1|local"

    asyncio.run(scenario())


def test_control_mono_client_cao_checks_pass_against_mono_server(mono_server: str) -> None:
    """Control for TestClient's ``cao`` group: against the real .NET implementation every check passes, so a
    failure of one against our server is our server's."""
    binaries = mono_build.build()
    proc = subprocess.run(
        ["mono", str(binaries.client_exe), mono_server, "--only", "cao"],
        cwd=binaries.bin_dir, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0 and "8 passed, 0 failed" in proc.stdout, proc.stdout + proc.stderr[-4000:]
