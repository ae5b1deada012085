"""Real Mono .NET Remoting peers and the binary formatter (MS-NRBF over HTTP), both directions.

* ``csharp/TestClient.cs --binary`` (``BinaryClientFormatterSinkProvider`` plus its own reply-buffering
  sink, the workaround for Mono's binary-client hang) against ``examples.remoting_samples:app`` under uvicorn
  with ``GATEWAY_FORMATTERS=soap,binary``: one pytest case per check, all of them as in SOAP mode.
* The reference 40-check client of the shared peers, ``run-client.sh URL --binary``: all 40 must pass,
  the lease-expiry part included.
* Our Python binary client (sync and async) against the reference Mono server, ``run-server.sh PORT --both``:
  SingleCall, Singleton, every IRemoteService method, the custom exception, client-activated objects with
  their lease, and a call after lease expiry.

Controls make a failure point at the right side: TestClient ``--binary`` passes its checks against the real
Mono server too, and refuses to pass against a server without the binary formatter (so ``--binary`` really
switched the formatter).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

try:
    from support.peers import require_peer
    from support.server import REPO_ROOT, free_port, live_server, stop_process, wait_for_ready
except ImportError:  # tests/ imported as a package
    from tests.support.peers import require_peer
    from tests.support.server import REPO_ROOT, free_port, live_server, stop_process, wait_for_ready

from . import mono_build
from .test_mono_client import (
    CLIENT_CHECKS,
    HELLO_CHECKS,
    SAMPLES_APP,
    PeerRun,
    assert_reference_run_passed,
    require_mono,
    run_peer,
)

pytestmark = pytest.mark.interop

PEERS = REPO_ROOT.parent / "shared" / "peers" / "mono"
REFERENCE_CLIENT = PEERS / "run-client.sh"
REFERENCE_SERVER = PEERS / "run-server.sh"
READY_TIMEOUT = 120.0  # the first run builds the peer (a few seconds); a cold Mono start is slow
BINARY_ENV = {"GATEWAY_FORMATTERS": "soap,binary"}
#: TestClient groups that the reference server serves (it has no FactoryService, which ``cao`` needs).
REFERENCE_SERVER_GROUPS = "hello,singlecall,singleton,echo,echomore,arrays,byvalue,exceptions,extras"


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def mono_binaries() -> mono_build.MonoBuild:
    require_mono()
    return mono_build.build()


@pytest.fixture(scope="module")
def binary_samples_url() -> Iterator[str]:
    with live_server(SAMPLES_APP, env=BINARY_ENV) as url:
        yield url


@pytest.fixture(scope="module")
def client_run(mono_binaries: mono_build.MonoBuild, binary_samples_url: str) -> PeerRun:
    return run_peer(["mono", str(mono_binaries.client_exe), binary_samples_url, "--binary"], cwd=mono_binaries.bin_dir)


def _require_reference(path: Path) -> None:
    require_mono()
    require_peer("mono reference peer", path.is_file(),
                 f"{path} not found (the shared peers checkout is expected next to the repository)")  # fmt: skip


@pytest.fixture(scope="module")
def reference_server() -> Iterator[str]:
    """The Mono reference server with the SOAP and the binary formatter (``--both``); yields its base URL."""
    _require_reference(REFERENCE_SERVER)
    port = free_port()
    proc = subprocess.Popen(
        ["bash", str(REFERENCE_SERVER), str(port), "--both"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        ready = wait_for_ready(proc, "run-server.sh", READY_TIMEOUT)
        assert "formatter=both" in ready, ready
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_process(proc)  # run-server.sh exec's mono: this is the server's pid


# -------------------------------------------------------- TestClient --binary against our server


def test_client_check_list_is_the_same_in_binary_mode(mono_binaries: mono_build.MonoBuild) -> None:
    proc = subprocess.run(["mono", str(mono_binaries.client_exe), "--binary", "--list"],
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert [line.split()[1] for line in proc.stdout.splitlines() if line.strip()] == CLIENT_CHECKS


def test_client_ran_every_check_with_the_binary_formatter(client_run: PeerRun) -> None:
    run = client_run
    assert "formatter=binary" in run.stderr, run.describe()
    assert run.summary is not None, f"no 'N passed, M failed' line\n{run.describe()}"
    missing = [n for n in CLIENT_CHECKS if n not in run.results]
    assert not missing and len(run.results) == len(CLIENT_CHECKS), f"missing {missing}\n{run.describe()}"
    passed = sum(1 for s, _ in run.results.values() if s == "PASS")
    assert run.summary == (passed, len(run.results) - passed), run.describe()


@pytest.mark.parametrize("check", CLIENT_CHECKS)
def test_mono_binary_client_check(client_run: PeerRun, check: str) -> None:
    client_run.require_pass(check, "Mono TestClient --binary")


def test_control_binary_client_fails_against_a_soap_only_server(mono_binaries: mono_build.MonoBuild) -> None:
    """``--binary`` really switches the formatter: a server without it makes every hello check fail."""
    with live_server(SAMPLES_APP, env={"GATEWAY_FORMATTERS": ""}) as url:
        run = run_peer(["mono", str(mono_binaries.client_exe), url, "--binary", "--only", "hello"],
                       cwd=mono_binaries.bin_dir)  # fmt: skip
    assert sorted(run.results) == sorted(HELLO_CHECKS), run.describe()
    assert all(status == "FAIL" for status, _ in run.results.values()), run.describe()


def test_control_binary_client_checks_pass_against_the_mono_server(
    mono_binaries: mono_build.MonoBuild, reference_server: str
) -> None:
    """Against the real .NET implementation every selected check passes, so a failure against our server is
    our server's."""
    run = run_peer(["mono", str(mono_binaries.client_exe), reference_server, "--binary", "--only",
                    REFERENCE_SERVER_GROUPS], cwd=mono_binaries.bin_dir)  # fmt: skip
    assert run.summary is not None and run.summary[1] == 0 and run.summary[0] > 50, run.describe()


# -------------------------------------------------------- the reference client --binary against our server


def test_reference_client_binary_all_pass(binary_samples_url: str) -> None:
    """All 40 checks of the reference client with the binary formatter, lease expiry included."""
    _require_reference(REFERENCE_CLIENT)
    run = run_peer(["bash", str(REFERENCE_CLIENT), binary_samples_url, "--binary"])
    assert "SETUP FAILED" not in run.stdout, run.describe()
    assert_reference_run_passed(run, "reference Mono client --binary")


# -------------------------------------------------------- our binary client against the Mono server


@pytest.fixture(scope="module")
def api() -> Any:
    from types import SimpleNamespace

    from examples.remoting_samples import (
        ClientActivatedObject,
        DayOfWeek,
        GreetingException,
        IHello,
        IRemoteService,
        Person,
    )
    from gateway import AsyncRemotingClient, LeaseState, RemotingClient, RemotingError
    from soap import ClrDateTime

    return SimpleNamespace(
        ClientActivatedObject=ClientActivatedObject, DayOfWeek=DayOfWeek, GreetingException=GreetingException,
        IHello=IHello, IRemoteService=IRemoteService, Person=Person, AsyncRemotingClient=AsyncRemotingClient,
        LeaseState=LeaseState, RemotingClient=RemotingClient, RemotingError=RemotingError, ClrDateTime=ClrDateTime,
    )  # fmt: skip


@pytest.fixture
def client(api: Any) -> Iterator[Any]:
    with api.RemotingClient(formatter="binary", timeout=15.0) as c:
        yield c


@pytest.mark.parametrize("uri", ["SayHello.soap", "SayHello.rem"])
def test_python_binary_hello(reference_server: str, api: Any, client: Any, uri: str) -> None:
    hello = client.get_object(api.IHello, reference_server + uri)
    assert hello.HelloMethod("Caveman") == "Hi there Caveman"
    assert hello.HelloMethod("Zoë <&> ✓ 😀") == "Hi there Zoë <&> ✓ 😀"


def test_python_binary_singlecall_and_singleton(reference_server: str, api: Any, client: Any) -> None:
    single = client.get_object(api.IRemoteService, reference_server + "SingleCallService.rem")
    assert [single.Increment(), single.Increment(), single.Increment()] == [1, 1, 1]
    assert single.GetRemoteObjectType() == "RemotingPeer.SingleCallObject"
    singleton = client.get_object(api.IRemoteService, reference_server + "SingletonService.rem")
    n = singleton.Increment()
    assert [singleton.Increment(), singleton.Increment()] == [n + 1, n + 2]
    assert singleton.GetRemoteObjectType() == "RemotingPeer.SingletonObject"
    assert single.GetProcessId() == singleton.GetProcessId() > 0


def test_python_binary_every_value_type(reference_server: str, api: Any, client: Any) -> None:
    svc = client.get_object(api.IRemoteService, reference_server + "SingleCallService.rem")
    when = api.ClrDateTime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=dt.UTC)
    when.hundred_nanoseconds = 7  # the binary formatter keeps .NET's 7th digit and the Kind
    text = "Grüße <&> \"quoted\" 'apos' tab\there line1\nline2 ✓"
    assert svc.Echo(42, 3.141592653589793, True, text, when) == (
        f"42|3.1415926535897931|True|{text}|2024-02-29T13:45:30.1234567Z|Utc"
    )
    assert svc.Echo(1, 0.5, False, None, dt.datetime(2020, 1, 2, 3, 4, 5)).endswith(
        "|<null>|2020-01-02T03:04:05.0000000Z|Unspecified"
    )
    span = dt.timedelta(days=1, hours=2, minutes=3, seconds=4, milliseconds=5)
    assert svc.EchoMore(2**63 - 1, 0.1, Decimal("12345.6789"), "Ω", 255, -32768, span, b"\x00\x01\x02\xfe\xff",
                        None, api.DayOfWeek.Friday) == (
        "9223372036854775807|0.1|12345.6789|937|255|-32768|937840050000|000102feff|<null>|Friday"
    )  # fmt: skip
    assert svc.Reverse([1, 2, 3, 4, 5]) == [5, 4, 3, 2, 1]
    assert svc.Reverse([]) == [] and svc.Reverse(None) is None
    dave = svc.GetPerson("Dave", 42)
    assert isinstance(dave, api.Person) and dave == api.Person("Dave", 42)
    assert svc.Birthday(api.Person("Erin", 29)) == api.Person("Erin", 30)
    assert svc.Birthday(None) is None


def test_python_binary_custom_exception(reference_server: str, api: Any, client: Any) -> None:
    svc = client.get_object(api.IRemoteService, reference_server + "SingletonService.rem")
    before = svc.Increment()
    with pytest.raises(api.GreetingException) as info:
        svc.Fail("No greeting for you")
    assert str(info.value) == "No greeting for you" and info.value.Greeting == "Hi there"
    assert svc.Increment() == before + 1


def test_python_binary_unknown_uri(reference_server: str, api: Any, client: Any) -> None:
    with pytest.raises(api.RemotingError) as info:
        client.get_object(api.IHello, reference_server + "NoSuchService.rem").HelloMethod("x")
    assert "NoSuchService.rem" in str(info.value)


def test_python_binary_client_activated_object_and_lease(reference_server: str, api: Any, client: Any) -> None:
    alpha = client.create_instance(api.ClientActivatedObject, reference_server, "alpha")
    assert alpha.GetName() == "alpha"
    assert [alpha.Increment(), alpha.Increment()] == [1, 2]
    beta = client.create_instance(api.ClientActivatedObject, reference_server, "beta")
    assert [beta.Increment(), alpha.Increment(), beta.Increment()] == [1, 3, 2]
    lease = client.get_lifetime_service(alpha)
    assert lease.InitialLeaseTime == dt.timedelta(seconds=5)
    assert lease.RenewOnCallTime == dt.timedelta(seconds=2)
    assert lease.SponsorshipTimeout == dt.timedelta(seconds=2)
    assert lease.CurrentState == api.LeaseState.Active
    assert dt.timedelta(0) < lease.CurrentLeaseTime <= dt.timedelta(seconds=5)
    assert lease.Renew(dt.timedelta(seconds=30)) > dt.timedelta(seconds=20)
    assert lease.CurrentLeaseTime > dt.timedelta(seconds=20)
    assert alpha.Increment() == 4


def test_python_binary_call_after_lease_expiry(reference_server: str, api: Any, client: Any) -> None:
    doomed = client.create_instance(api.ClientActivatedObject, reference_server, "doomed")
    assert doomed.Increment() == 1
    time.sleep(7.5)  # 5 s lease, Mono's lease manager polls every second
    with pytest.raises(api.RemotingError) as info:
        doomed.Increment()
    assert "No receiver" in str(info.value) or "not found" in str(info.value).lower(), str(info.value)


def test_python_binary_async_client(reference_server: str, api: Any) -> None:
    async def scenario() -> None:
        async with api.AsyncRemotingClient(formatter="binary", timeout=15.0) as client:
            hello = client.get_object(api.IHello, reference_server + "SayHello.rem")
            replies = await asyncio.gather(*(hello.HelloMethod(f"n{i}") for i in range(10)))
            assert replies == [f"Hi there n{i}" for i in range(10)]
            single = client.get_object(api.IRemoteService, reference_server + "SingleCallService.rem")
            assert [await single.Increment() for _ in range(3)] == [1, 1, 1]
            with pytest.raises(api.GreetingException):
                await single.Fail("async")
            cao = await client.create_instance(api.ClientActivatedObject, reference_server, "async")
            assert (await cao.GetName(), await cao.Increment()) == ("async", 1)
            lease = await client.get_lifetime_service(cao)
            assert await lease.get_InitialLeaseTime() == dt.timedelta(seconds=5)
            assert await lease.get_CurrentState() == api.LeaseState.Active

    asyncio.run(scenario())
