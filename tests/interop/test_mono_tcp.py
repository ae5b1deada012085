"""The .NET Remoting TCP channel against real Mono, both directions.

* ``csharp/TestClient.cs`` with a ``tcp://`` base URL (a Mono ``TcpChannel`` that also listens on a free
  loopback port, for callbacks) against ``tests.interop.tcp_app:app`` (the reference samples over HTTP and
  TCP, type filter Full; its TCP connections served on the event loop, and each on a thread of its own as
  Mono's server does, ``GATEWAY_TCP_THREADS=1``): every check, with the binary formatter (the TCP default)
  and with the SOAP formatter over TCP, plus the ``sponsor`` group: a sponsor living in the Mono client,
  registered on a client-activated object's lease, is called back over the client's own TCP channel and
  keeps the object alive.
* Our Python clients (sync and async, binary by default, SOAP on request) against ``TestServer.exe --tcp``,
  a Mono ``TcpChannel`` server: hello, SingleCall/Singleton, echo, arrays, by-value objects, the custom
  exception with its field, client-activated objects with their lease and expiry, ObjRefs returned and
  passed back.
* Operations: ``remoting-gateway serve`` in a subprocess, given its TCP channel by a .NET App.config
  (``<channel ref="tcp" port="...">``, its formatters with ``typeFilterLevel="Full"``) and by ``--tcp-port``
  for an app built in code: the Mono TCP client's checks pass against both.
* Controls: TestClient over TCP passes its checks against the Mono TCP server too (so a failure against ours
  is ours); a Mono HTTP client gets ObjRefs that also carry our TCP address and still works; a Mono TCP
  client gets ObjRefs that carry our HTTP address first and still calls over TCP.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    from support.server import REPO_ROOT, free_port, live_process, live_server, stop_process, wait_for_ready
except ImportError:  # tests/ imported as a package
    from tests.support.server import (
        REPO_ROOT,
        free_port,
        live_process,
        live_server,
        stop_process,
        wait_for_ready,
    )

from examples.remoting_samples import ClientActivatedObject, GreetingException, IFactory, IHello, IRemoteService, Person
from gateway import AsyncRemotingClient, LeaseState, RemotingClient, RemotingError

from . import mono_build
from .test_mono_client import CLIENT_CHECKS, PeerRun, require_mono, run_peer

pytestmark = pytest.mark.interop

TCP_APP = "tests.interop.tcp_app:app"
SPONSOR_CHECKS = ["sponsor_registered", "sponsor_called_back", "sponsor_kept_object_alive"]
TCP_CHECKS = CLIENT_CHECKS + SPONSOR_CHECKS
READY_TIMEOUT = 60.0


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def mono_binaries() -> mono_build.MonoBuild:
    require_mono()
    return mono_build.build()


@pytest.fixture(scope="module", params=["loop", "threads"])
def gateway_tcp(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """Our app over HTTP and TCP, its TCP connections served on the event loop or each on a thread of its own
    (``TcpChannel(threads=True)``, Mono's model); yields (``http://…/``, ``tcp://…/``)."""
    port = free_port()
    env = {"GATEWAY_TCP_PORT": str(port), "GATEWAY_TCP_THREADS": "1" if request.param == "threads" else "0"}
    with live_server(TCP_APP, env=env) as http_url:
        yield http_url, f"tcp://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def mono_tcp_server(mono_binaries: mono_build.MonoBuild) -> Iterator[str]:
    """``TestServer.exe PORT --tcp``: a Mono TcpChannel server (binary, then SOAP); yields ``tcp://…/``."""
    port = free_port()
    proc = subprocess.Popen(
        ["mono", str(mono_binaries.server_exe), str(port), "--tcp"], cwd=mono_binaries.bin_dir,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        ready = wait_for_ready(proc, "TestServer.exe --tcp", READY_TIMEOUT)
        assert "channel=tcp" in ready, ready
        yield f"tcp://127.0.0.1:{port}/"
    finally:
        stop_process(proc)


def _run_client(binaries: mono_build.MonoBuild, url: str, *args: str) -> PeerRun:
    return run_peer(["mono", str(binaries.client_exe), url, *args], cwd=binaries.bin_dir)


@pytest.fixture(scope="module", params=["binary", "soap"])
def client_run(request: pytest.FixtureRequest, mono_binaries: mono_build.MonoBuild,
               gateway_tcp: tuple[str, str]) -> PeerRun:  # fmt: skip
    args = ("--binary",) if request.param == "binary" else ()
    run = _run_client(mono_binaries, gateway_tcp[1], *args)
    assert f"formatter={request.param} channel=tcp" in run.stderr, run.describe()
    return run


# -------------------------------------------------------- Mono TcpChannel client -> our listener


def test_client_lists_the_sponsor_checks_over_tcp(mono_binaries: mono_build.MonoBuild) -> None:
    proc = subprocess.run(["mono", str(mono_binaries.client_exe), "tcp://127.0.0.1:1/", "--list"],
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert [line.split()[1] for line in proc.stdout.splitlines() if line.strip()] == TCP_CHECKS


def test_client_ran_every_check_over_tcp(client_run: PeerRun) -> None:
    run = client_run
    assert run.summary is not None, f"no 'N passed, M failed' line\n{run.describe()}"
    assert sorted(run.results) == sorted(TCP_CHECKS), run.describe()
    assert (run.returncode == 0) == (run.summary[1] == 0), run.describe()


@pytest.mark.parametrize("check", TCP_CHECKS)
def test_mono_tcp_client_check(client_run: PeerRun, check: str) -> None:
    client_run.require_pass(check, "Mono TCP client")


def test_mono_http_client_follows_objrefs_that_also_carry_tcp(
    mono_binaries: mono_build.MonoBuild, gateway_tcp: tuple[str, str]
) -> None:
    """Over HTTP our ObjRefs list the TCP address too (a second ChannelDataStore): an HTTP-only Mono client
    skips it and calls client-activated and returned objects over HTTP."""
    run = _run_client(mono_binaries, gateway_tcp[0], "--only", "cao")
    assert run.summary == (8, 0), run.describe()


def test_mono_tcp_client_skips_the_http_address_listed_first(mono_binaries: mono_build.MonoBuild) -> None:
    """With ``public_url`` set, ObjRefs handed out over TCP carry the HTTP address first (as .NET lists an
    http channel before a tcp one); a TCP-only Mono client skips it and stays on TCP."""
    port = free_port()
    env = {"GATEWAY_TCP_PORT": str(port), "GATEWAY_PUBLIC_URL": "http://127.0.0.1:1"}  # nothing listens there
    with live_server(TCP_APP, env=env):
        run = _run_client(mono_binaries, f"tcp://127.0.0.1:{port}/", "--binary", "--only", "cao")
    assert run.summary == (8, 0), run.describe()


# -------------------------------------------------------- remoting-gateway serve with a TCP channel


def _tcp_app_config(tcp_port: int) -> str:
    """``examples/App.config`` plus the TCP channel a .NET server registers beside HTTP, every formatter at
    type filter Full (a lease sponsor in the client is an ObjRef the server must accept)."""
    text = (REPO_ROOT / "examples" / "App.config").read_text()
    for formatter in ("soap", "binary"):
        full = f'<formatter ref="{formatter}" typeFilterLevel="Full" />'
        text = text.replace(f'<formatter ref="{formatter}" />', full)
    tcp = (f'<channel ref="tcp" port="{tcp_port}"><serverProviders><formatter ref="binary" typeFilterLevel="Full" />'
           '<formatter ref="soap" typeFilterLevel="Full" /></serverProviders></channel>')
    return text.replace("      </channels>", f"        {tcp}\n      </channels>")


def test_mono_tcp_client_against_serve_with_a_dotnet_app_config(
    mono_binaries: mono_build.MonoBuild, tmp_path: Path
) -> None:
    tcp_port, http_port = free_port(), free_port()
    config = tmp_path / "Server.exe.config"
    config.write_text(_tcp_app_config(tcp_port))
    command = [sys.executable, "-m", "gateway", "serve", "--config", str(config), "--module",
               "examples.remoting_samples", "--port", str(http_port), "--log-level", "warning"]
    with live_process(command, http_port, name="remoting-gateway serve --config (tcp)") as (_, output):
        groups = "hello,singlecall,singleton,echo,exceptions,cao,sponsor"
        run = _run_client(mono_binaries, f"tcp://127.0.0.1:{tcp_port}/", "--binary", "--only", groups)
        assert "not honoured" not in output(), output()
    assert run.summary is not None and run.summary[1] == 0 and run.summary[0] > 30, run.describe()
    for check in SPONSOR_CHECKS:
        run.require_pass(check, "Mono TCP client against serve --config")


@pytest.mark.parametrize("threads", [(), ("--tcp-threads",)], ids=["loop", "threads"])
def test_mono_tcp_client_against_serve_tcp_port(mono_binaries: mono_build.MonoBuild, threads: tuple[str, ...]) -> None:
    tcp_port, http_port = free_port(), free_port()
    command = [sys.executable, "-m", "gateway", "serve", "examples.remoting_samples:app", "--tcp-port",
               str(tcp_port), *threads, "--port", str(http_port), "--log-level", "warning"]
    with live_process(command, http_port, name="remoting-gateway serve --tcp-port"):
        run = _run_client(mono_binaries, f"tcp://127.0.0.1:{tcp_port}/", "--binary", "--only", "hello,cao")
        soap = _run_client(mono_binaries, f"tcp://127.0.0.1:{tcp_port}/", "--only", "hello")
    for each in (run, soap):
        assert each.summary is not None and each.summary[1] == 0 and each.summary[0] > 0, each.describe()
    assert "formatter=soap channel=tcp" in soap.stderr, soap.describe()


def test_control_mono_tcp_client_passes_against_mono_tcp_server(
    mono_binaries: mono_build.MonoBuild, mono_tcp_server: str
) -> None:
    """Control: the same checks pass against Mono's own TcpChannel server (it has no FactoryService, so
    ``cao`` is left out), so a failure against ours is ours."""
    groups = "hello,singlecall,singleton,echo,echomore,arrays,byvalue,exceptions,extras,sponsor"
    run = _run_client(mono_binaries, mono_tcp_server, "--binary", "--only", groups)
    assert run.summary is not None and run.summary[1] == 0 and run.summary[0] > 60, run.describe()


# -------------------------------------------------------- our Python clients -> Mono TcpChannel server


@pytest.fixture
def client() -> Iterator[RemotingClient]:
    with RemotingClient(timeout=10.0) as c:
        yield c


@pytest.mark.parametrize("formatter", [None, "soap"])
def test_python_hello_over_tcp(mono_tcp_server: str, formatter: str | None) -> None:
    """Binary by default over tcp:// (Mono's TcpChannel default), SOAP over TCP when asked for."""
    with RemotingClient(timeout=10.0, formatter=formatter) as client:
        for uri in ("SayHello.soap", "SayHello.rem"):
            hello = client.get_object(IHello, mono_tcp_server + uri)
            assert hello.HelloMethod("Caveman") == "Hi there Caveman"
            assert hello.HelloMethod("Zoë <&> ✓") == "Hi there Zoë <&> ✓"


def test_python_services_over_tcp(mono_tcp_server: str, client: RemotingClient) -> None:
    single = client.get_object(IRemoteService, mono_tcp_server + "SingleCallService.rem")
    assert [single.Increment() for _ in range(3)] == [1, 1, 1]
    assert single.GetRemoteObjectType() == "RemotingPeer.SingleCallObject"
    singleton = client.get_object(IRemoteService, mono_tcp_server + "SingletonService.rem")
    n = singleton.Increment()
    assert [singleton.Increment(), singleton.Increment()] == [n + 1, n + 2]
    when = dt.datetime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=dt.UTC)
    fields = single.Echo(42, 3.141592653589793, True, "Grüße <&> ✓", when).split("|")
    assert (fields[0], float(fields[1]), fields[2], fields[3]) == ("42", 3.141592653589793, "True", "Grüße <&> ✓")
    assert fields[4] == "2024-02-29T13:45:30.1234560Z"
    assert list(single.Reverse([1, 2, 3])) == [3, 2, 1] and single.Reverse(None) is None
    older = single.Birthday(Person(Name="Erin", Age=29))
    assert isinstance(older, Person) and (older.Name, older.Age) == ("Erin", 30)


def test_python_exception_with_fields_over_tcp(mono_tcp_server: str, client: RemotingClient) -> None:
    svc = client.get_object(IRemoteService, mono_tcp_server + "SingletonService.rem")
    before = svc.Increment()
    with pytest.raises(GreetingException) as info:
        svc.Fail("No greeting for you")
    assert (info.value.Message, info.value.Greeting) == ("No greeting for you", "Hi there")
    assert svc.Increment() == before + 1  # the pooled connection goes on after the fault
    with pytest.raises(RemotingError, match=r"NoSuchService\.rem"):
        client.get_object(IHello, mono_tcp_server + "NoSuchService.rem").HelloMethod("x")


def test_python_client_activated_objects_over_tcp(mono_tcp_server: str, client: RemotingClient) -> None:
    alpha = client.create_instance(ClientActivatedObject, mono_tcp_server, "alpha")
    beta = client.create_instance(ClientActivatedObject, mono_tcp_server, "beta")
    assert (alpha.GetName(), beta.GetName()) == ("alpha", "beta")
    assert [alpha.Increment(), alpha.Increment(), beta.Increment()] == [1, 2, 1]
    lease = client.get_lifetime_service(alpha)
    assert (lease.InitialLeaseTime, lease.RenewOnCallTime) == (dt.timedelta(seconds=5), dt.timedelta(seconds=2))
    assert lease.CurrentState == LeaseState.Active
    assert lease.Renew(dt.timedelta(seconds=30)) > dt.timedelta(seconds=20)
    doomed = client.create_instance(ClientActivatedObject, mono_tcp_server, "doomed")
    assert doomed.Increment() == 1
    time.sleep(7.5)  # Mono's lease manager polls every second; doomed's 5 s lease runs out
    with pytest.raises(RemotingError, match=re.compile("no receiver|not found", re.I)):
        doomed.Increment()
    assert alpha.Increment() == 3  # renewed to 30 s: alive


def test_python_objref_returned_and_passed_back_over_tcp(mono_tcp_server: str, client: RemotingClient) -> None:
    factory = client.get_object(IFactory, mono_tcp_server + "FactoryService.rem")
    counter: Any = factory.CreateCounter("made")
    assert counter.__remoting_objref__.channel_urls[0].startswith("tcp://")
    assert [counter.Increment(), counter.Increment()] == [1, 2]
    assert factory.Describe(counter) == "made=2|local"


def test_python_async_over_tcp(mono_tcp_server: str) -> None:
    async def scenario() -> None:
        async with AsyncRemotingClient(timeout=10.0) as client:
            hello = client.get_object(IHello, mono_tcp_server + "SayHello.rem")
            replies = await asyncio.gather(*(hello.HelloMethod(f"n{i}") for i in range(20)))
            assert replies == [f"Hi there n{i}" for i in range(20)]
            singleton = client.get_object(IRemoteService, mono_tcp_server + "SingletonService.rem")
            start = await singleton.Increment()
            values = await asyncio.gather(*(singleton.Increment() for _ in range(20)))
            assert sorted(values) == list(range(start + 1, start + 21))
            with pytest.raises(GreetingException):
                await singleton.Fail("async")
            cao = await client.create_instance(ClientActivatedObject, mono_tcp_server, "async")
            assert [await cao.Increment(), await cao.Increment()] == [1, 2]
            factory = client.get_object(IFactory, mono_tcp_server + "FactoryService.rem")
            counter = await factory.CreateCounter("async")
            assert await counter.Increment() == 1
            assert await factory.Describe(counter) == "async=1|local"

    asyncio.run(scenario())
