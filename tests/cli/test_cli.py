"""The remoting-gateway command end to end, in subprocesses as a user runs it: ``serve`` under a real uvicorn
on a free loopback port with real calls through gateway.RemotingClient, ``wsdl`` without a server,
``stub``, ``check``, and every failure as a message with an exit status (never a traceback)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from lxml import etree

from examples.hello import IHello
from examples.remoting_samples import ClientActivatedObject, IRemoteService
from gateway import RemotingClient, proxy_objref
from gateway.cli import main, spin_wait_note
from gateway.config.resolve import import_object

from ..support.server import REPO_ROOT, free_port, live_process

EXAMPLES = REPO_ROOT / "examples"
COMMAND = [sys.executable, "-m", "gateway"]
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"


def run(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=120, check=False)


@contextmanager
def serving(*args: str, port: int | None = None, env: dict[str, str] | None = None) -> Iterator[tuple[str, str]]:
    """``remoting-gateway serve ARGS --port P`` (unless the port comes another way); yields the base URL and,
    once it listens, what it printed so far."""
    listen = port or free_port()
    extra = () if port else ("--port", str(listen))
    with live_process([*COMMAND, "serve", *args, *extra], listen, env, name="remoting-gateway serve") as (url, out):
        yield url, out()


def line_of(text: str, part: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if part in line)


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr


# ------------------------------------------------------------------ the command itself


def test_the_console_script_is_declared_and_resolves() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["remoting-gateway"] == "gateway.cli:main"
    assert import_object("gateway.cli:main") is main
    assert any(dep.startswith("zeep") for dep in pyproject["project"]["dependencies"])


@pytest.mark.parametrize("command", [[], ["serve"], ["wsdl"], ["stub"], ["check"]])
def test_every_subcommand_has_help(command: list[str]) -> None:
    proc = run(*command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: remoting-gateway {' '.join(command)}".rstrip())


# ------------------------------------------------------------------ serve


def test_serve_module_app_prints_its_urls_and_answers_real_calls() -> None:
    with serving("examples.remoting_samples:app") as (url, printed), RemotingClient(timeout=10) as client:
        assert client.get_object(IHello, url + "SayHello.soap").HelloMethod("CLI") == "Hi there CLI"
        counter = client.create_instance(ClientActivatedObject, url, "alpha")
        assert (counter.Increment(), counter.Increment(), counter.GetName()) == (1, 2, "alpha")
    assert f"serving examples.remoting_samples:app at {url} (1 worker)" in printed
    assert f"{url}SayHello.soap" in printed and "HelloServer, SingleCall" in printed
    assert f"{url}RemoteActivationService.rem" in printed and "RemotingPeer.ClientActivatedObject" in printed


def test_serve_config_builds_the_app_from_a_toml_file() -> None:
    # the file enables the binary formatter
    with serving("--config", "examples/gateway.toml") as (url, printed), RemotingClient(formatter="binary") as client:
        service = client.get_object(IRemoteService, url + "SingletonService.rem")
        assert service.Increment() + 1 == service.Increment()
        assert httpx.get(url + "InteropService.soap?wsdl", timeout=10).status_code == 200
    assert f"{url}InteropService.soap" in printed


def test_serve_config_takes_the_port_from_the_file(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(f'modules = ["examples.hello"]\n[server]\nport = {port}\n[[wellknown]]\n'
                      'type = "RemotingPeer.HelloServer, PeerServer"\nuri = "Hello.rem"\nmode = "SingleCall"\n')
    with serving("--config", str(config), port=port) as (url, _), RemotingClient(timeout=10) as client:
        assert client.get_object(IHello, url + "Hello.rem").HelloMethod("file") == "Hi there file"


def test_serve_port_precedence_command_line_over_environment_over_file(tmp_path: Path) -> None:
    file_port, env_port, cli_port = free_port(), free_port(), free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(f"[server]\nport = {file_port}\n")
    with serving("examples.hello:app", "--config", str(config), port=env_port,
                 env={"GATEWAY_SERVER_PORT": str(env_port)}) as (url, _):
        assert httpx.get(url + "SayHello.soap?wsdl", timeout=10).status_code == 200
    with serving("examples.hello:app", "--config", str(config), "--port", str(cli_port), port=cli_port,
                 env={"GATEWAY_SERVER_PORT": str(env_port)}) as (url, _):
        assert httpx.get(url + "SayHello.soap?wsdl", timeout=10).status_code == 200


def logged_call(*args: str) -> list[str]:
    """``serve examples.hello:app ARGS``, one call; the lines it printed for that call, once both showed up."""
    port = free_port()
    with live_process([*COMMAND, "serve", "examples.hello:app", "--port", str(port), *args], port,
                      name="remoting-gateway serve") as (url, output):
        with RemotingClient(timeout=10) as client:
            assert client.get_object(IHello, url + "SayHello.soap").HelloMethod("logs") == "Hi there logs"
        deadline = time.monotonic() + 20
        both = ("POST /SayHello.soap", "gateway.requests")
        while not all(part in output() for part in both) and time.monotonic() < deadline:
            time.sleep(0.05)  # uvicorn's access line comes after the reply was sent
        return [line for line in output().splitlines() if ("/SayHello.soap" in line and "HTTP/1.1" in line)
                or "gateway.requests" in line]


def test_serve_module_app_logs_its_calls_at_the_level_and_format_asked_for(tmp_path: Path) -> None:
    """The level and format reach an application built in code (it is imported before uvicorn starts)."""
    text = logged_call()  # default: info, text
    assert any(" INFO gateway.requests: " in line and "HelloMethod [soap] 200" in line for line in text), text
    config = tmp_path / "gateway.toml"
    config.write_text('[logging]\nformat = "json"\n')
    entries = [json.loads(line) for line in logged_call("--config", str(config))]
    assert {e["logger"] for e in entries} == {"gateway.requests", "uvicorn.access"}, entries  # uvicorn's too


def test_serve_several_workers_from_a_config_file() -> None:
    with serving("--config", "examples/App.config", "--module", "examples.remoting_samples", "--workers", "2",
                 "--log-level", "warning") as (url, printed):
        pids: set[int] = set()
        # a fresh connection per call, so the kernel can hand them to either worker; until both answered (the
        # server listens once the first worker does: on a loaded machine the second may still be importing)
        deadline = time.monotonic() + 60
        while len(pids) < 2 and time.monotonic() < deadline:
            with RemotingClient(timeout=10) as client:
                pids.add(client.get_object(IRemoteService, url + "SingleCallService.rem").GetProcessId())
    assert "(2 workers)" in printed
    assert "2 workers each hold their own objects" in printed  # Singletons and CAOs are per worker
    assert len(pids) == 2, pids


def test_serve_warns_when_polling_workers_outnumber_the_cores() -> None:
    """(``serve`` prints this note on standard error when it applies: checked here for the cases)"""
    note = spin_wait_note(4, 2, 100e-6)
    assert note is not None
    assert note.startswith("4 workers on 2 cores each poll for their next request for 100 us after a reply")
    assert "set spin_wait_us = 0 (GATEWAY_SPIN_WAIT_US=0)" in note
    assert spin_wait_note(2, 2, 100e-6) is None  # a worker per core
    assert spin_wait_note(4, 2, 0.0) is None  # polling off


def test_serve_reports_what_a_dotnet_file_asks_for_and_cannot_have(tmp_path: Path) -> None:
    text = (EXAMPLES / "App.config").read_text().replace(
        "      </channels>", '        <channel ref="ipc" portName="remoting" />\n      </channels>')
    config = tmp_path / "Server.exe.config"
    config.write_text(text)
    with serving("--config", str(config), "--module", "examples.remoting_samples") as (url, printed), \
            RemotingClient(timeout=10) as client:
        assert client.get_object(IHello, url + "SayHello.rem").HelloMethod("net") == "Hi there net"
    line = line_of(text, '<channel ref="ipc"')
    assert f'{config} line {line}: <channel ref="ipc">: not honoured: this gateway has no such channel' in printed
    assert printed.count('<channel ref="ipc">: not honoured') == 1  # said once, not again by the worker


@pytest.mark.parametrize(("args", "status", "expected"), [
    ((), 2, "give the application (MODULE:APP) or a configuration file (--config FILE)"),
    (("examples.hello",), 2, "the application is given as MODULE:APP"),
    (("examples.hello:IHello",), 2, "examples.hello:IHello is type, not a gateway.RemotingApp"),
    (("examples.nope:app",), 1, "no module named 'examples.nope'"),
    (("--config", "missing.toml"), 2, "--config missing.toml: no such file"),
    (("--config", "examples/App.config"), 1,
     "type=\"RemotingPeer.HelloServer, PeerServer\">: the CLR type RemotingPeer.HelloServer is looked up in the "
     "modules given with --module"),
    (("examples.hello:app", "--workers", "2", "--reload"), 2, "--reload runs one process: leave out --workers"),
    (("examples.hello:app", "--config", "examples/gateway.toml"), 1,
     "top-level keys, [lifetime], [limits]: the application comes from examples.hello:app, built in code"),
    (("examples.hello:app", "--tcp-port", "0", "--workers", "2"), 2,
     "the TCP channel runs in one process (its objects and leases live there; docs/tcp.md): leave out --workers"),
    (("examples.hello:app", "--tcp-port", "70000"), 1, "command line --tcp-port: must be an integer 0-65535"),
])
def test_serve_refuses_with_a_message_and_a_status(
    args: tuple[str, ...], status: int, expected: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))  # main() puts --app-dir first
    for variable in ("GATEWAY_TCP_PORT", "GATEWAY_TCP_HOST", "GATEWAY_TCP_THREADS"):  # serve hands --tcp-port to
        # the app through them
        monkeypatch.setenv(variable, "")
    for variable in ("GATEWAY_LOGGING_LEVEL", "GATEWAY_LOGGING_FORMAT"):  # and the logging, before importing it
        monkeypatch.setenv(variable, "")  # recorded, so that what serve sets is undone too
        monkeypatch.delenv(variable)
    gateway_logger = logging.getLogger("gateway")  # an app imported here configures it (from those variables)
    monkeypatch.setattr(gateway_logger, "handlers", gateway_logger.handlers[:])
    monkeypatch.setattr(gateway_logger, "level", gateway_logger.level)
    monkeypatch.setattr(gateway_logger, "propagate", gateway_logger.propagate)
    assert main(["serve", *args]) == status  # in process: these never get as far as starting uvicorn
    err = capsys.readouterr().err
    assert expected in err
    assert err.startswith("remoting-gateway serve: ") and "Traceback" not in err


# ------------------------------------------------------------------ serve: the .NET Remoting TCP channel


def assert_served_over_tcp(tcp_url: str, tcp_port: int) -> None:
    """Calls over ``tcp_url`` (binary, the TCP default), and ObjRefs handed out there carry ``tcp://``."""
    with RemotingClient(timeout=10) as client:
        assert client.get_object(IHello, tcp_url + "SayHello.rem").HelloMethod("tcp") == "Hi there tcp"
        counter = client.create_instance(ClientActivatedObject, tcp_url, "over tcp")
        ref = proxy_objref(counter)
        assert ref is not None and ref.channel_urls == [f"tcp://127.0.0.1:{tcp_port}"]
        assert (counter.Increment(), counter.Increment(), counter.GetName()) == (1, 2, "over tcp")


def test_serve_module_app_with_tcp_port_serves_the_objects_over_tcp_too() -> None:
    tcp_port = free_port()
    with serving("examples.remoting_samples:app", "--tcp-port", str(tcp_port)) as (url, printed):
        assert_served_over_tcp(f"tcp://127.0.0.1:{tcp_port}/", tcp_port)
        with RemotingClient(timeout=10) as client:  # HTTP as before
            assert client.get_object(IHello, url + "SayHello.soap").HelloMethod("http") == "Hi there http"
    assert f"tcp://127.0.0.1:{tcp_port}/  the same objects over the .NET Remoting TCP channel (binary, soap)" in printed


def test_serve_module_app_with_no_tcp_threads_serves_every_connection_on_the_event_loop() -> None:
    tcp_port = free_port()
    with serving("examples.remoting_samples:app", "--tcp-port", str(tcp_port), "--no-tcp-threads") as (_, printed):
        assert_served_over_tcp(f"tcp://127.0.0.1:{tcp_port}/", tcp_port)
    assert f"tcp://127.0.0.1:{tcp_port}/  the same objects over the .NET Remoting TCP channel (binary, soap; every " \
           "connection on the event loop)" in printed


def test_serve_config_toml_tcp_section(tmp_path: Path) -> None:
    tcp_port = free_port()
    config = tmp_path / "gateway.toml"
    config.write_text((EXAMPLES / "gateway.toml").read_text() + f"\n[tcp]\nport = {tcp_port}\n")
    with serving("--config", str(config)), RemotingClient(timeout=10) as client:
        service = client.get_object(IRemoteService, f"tcp://127.0.0.1:{tcp_port}/SingletonService.rem")
        assert service.Increment() + 1 == service.Increment()


def test_serve_dotnet_app_config_with_a_tcp_channel(tmp_path: Path) -> None:
    """The App.config of a .NET server that registers ``<channel ref="tcp" port="...">`` beside HTTP."""
    tcp_port = free_port()
    text = (EXAMPLES / "App.config").read_text().replace(
        "      </channels>", f'        <channel ref="tcp" port="{tcp_port}" />\n      </channels>')
    config = tmp_path / "Server.exe.config"
    config.write_text(text)
    with serving("--config", str(config), "--module", "examples.remoting_samples") as (_, printed):
        assert_served_over_tcp(f"tcp://127.0.0.1:{tcp_port}/", tcp_port)
    assert "not honoured" not in printed


def test_serve_module_app_takes_the_tcp_port_but_not_other_tcp_keys_from_a_file(tmp_path: Path) -> None:
    tcp_port = free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(f"[tcp]\nport = {tcp_port}\n")
    with serving("examples.remoting_samples:app", "--config", str(config)):
        assert_served_over_tcp(f"tcp://127.0.0.1:{tcp_port}/", tcp_port)
    config.write_text(f"[tcp]\nport = {tcp_port}\nformatters = ['soap']\n")
    proc = run("serve", "examples.hello:app", "--config", str(config))
    assert proc.returncode == 1 and "[tcp] formatters: the application comes from examples.hello:app" in proc.stderr
    assert_no_traceback(proc)


def test_check_shows_the_tcp_channel_a_dotnet_file_asks_for(tmp_path: Path) -> None:
    text = (EXAMPLES / "App.config").read_text().replace(
        "      </channels>", '        <channel ref="tcp" port="8085" bindTo="127.0.0.1" />\n      </channels>')
    config = tmp_path / "Server.exe.config"
    config.write_text(text)
    proc = run("check", "--config", str(config), "--module", "examples.remoting_samples", "--strict")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "tcp://127.0.0.1:8085/  the same objects over the .NET Remoting TCP channel (binary, soap)" in proc.stdout


def test_serve_refuses_a_bad_file_naming_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text("[limits]\nmax_depth = 0\n[server]\nport = 'x'\n")
    proc = run("serve", "--config", str(config))
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "remoting-gateway serve: the configuration is not valid:",
        f"  {config}: [server] port: must be an integer, not 'x'",
        f"  {config}: [limits] max_depth: must be an integer ≥ 1, not 0",
    ]


# ------------------------------------------------------------------ wsdl


@pytest.mark.parametrize(("dialect", "binding"), [
    ("literal", "http://schemas.xmlsoap.org/wsdl/soap/"),
    ("soap12", "http://schemas.xmlsoap.org/wsdl/soap12/"),
    ("remoting", "http://schemas.xmlsoap.org/wsdl/soap/"),
])
def test_wsdl_is_printed_without_a_server(dialect: str, binding: str) -> None:
    proc = run("wsdl", "examples.hello:app", "SayHello.soap", "--dialect", dialect, "--url",
               "https://gw.example.com/remoting/")
    assert proc.returncode == 0, proc.stderr
    root = etree.fromstring(proc.stdout.encode())
    assert root.tag == f"{{{WSDL_NS}}}definitions"
    address = root.find(f".//{{{WSDL_NS}}}port/{{{binding}}}address")
    assert address is not None and address.get("location") == "https://gw.example.com/remoting/SayHello.soap"
    assert ("rpc" in proc.stdout) is (dialect == "remoting")


def test_wsdl_from_a_config_file_uses_its_address() -> None:
    proc = run("wsdl", "--config", "examples/App.config", "--module", "examples.remoting_samples",
               "SingletonService.rem", env={"GATEWAY_SERVER_PORT": "9123"})
    assert proc.returncode == 0, proc.stderr
    assert 'location="http://127.0.0.1:9123/SingletonService.rem"' in proc.stdout


def test_wsdl_of_an_unknown_uri_lists_the_published_ones() -> None:
    proc = run("wsdl", "examples.hello:app", "Nope.soap")
    assert proc.returncode == 2
    assert "no well-known object at 'Nope.soap'; published: SayHello.rem, SayHello.soap" in proc.stderr


# ------------------------------------------------------------------ stub


def test_stub_writes_a_typed_client_that_calls_the_server(tmp_path: Path) -> None:
    wsdl = tmp_path / "hello.wsdl"
    with serving("examples.hello:app") as (url, _):
        printed = run("wsdl", "examples.hello:app", "SayHello.soap", "--url", url)
        assert printed.returncode == 0, printed.stderr
        wsdl.write_text(printed.stdout)
        proc = run("stub", str(wsdl), "-o", str(tmp_path / "hello_client.py"))
        assert proc.returncode == 0, proc.stderr
        script = textwrap.dedent("""
            import hello_client
            from gateway import RemotingClient
            with RemotingClient(timeout=10) as client:
                print(hello_client.connect(client).HelloMethod("stub"))
        """)
        called = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, timeout=60, check=False)
    assert called.returncode == 0, called.stderr
    assert called.stdout.strip() == "Hi there stub"


def test_stub_of_something_that_is_not_a_wsdl_fails_cleanly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wsdl"
    bad.write_text("<nope/>")
    proc = run("stub", str(bad), "-o", str(tmp_path / "x.py"))
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"remoting-gateway stub: {bad}: ")
    assert not (tmp_path / "x.py").exists()
    assert_no_traceback(proc)


# ------------------------------------------------------------------ check


def test_check_lists_endpoints_operations_and_what_is_not_published() -> None:
    proc = run("check", "examples.remoting_samples:app")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "  /FactoryService.rem  examples.remoting_samples.FactoryService, Singleton" in out
    assert "      CreateCounter(name: str | None) -> ICounter\n          only in the Remoting dialect" in out
    assert "the return value is an object reference, which document/literal SOAP cannot carry" in out
    assert "parameter 'counter' is an object reference" in out
    assert "  (activated) RemotingPeer.ClientActivatedObject  examples.remoting_samples.ClientActivatedObject" in out
    assert "      Echo(i: int, d: float, b: bool, s: str | None, t: datetime) -> str" in out
    assert out.rstrip().endswith("OK: 5 well-known object(s), 1 client-activated type(s), formatters soap; "
                                 "0 error(s), 0 warning(s)")


MODULE = '''
from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode


class Helpers(MarshalByRefObject):
    version = "1.0"

    def Add(self, a: int, b: int) -> int:
        return a + b

    def Loose(self, value):
        return value

    @staticmethod
    def Util() -> int:
        return 1


app = RemotingApp()
app.register_well_known(Helpers, "Helpers.soap", WellKnownObjectMode.SingleCall)
'''


def test_check_warns_about_missing_hints_and_names_what_is_not_remote(tmp_path: Path) -> None:
    (tmp_path / "helpers_service.py").write_text(MODULE)
    proc = run("check", "--app-dir", str(tmp_path), "helpers_service:app")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "      Loose(value: Any) -> Any\n          warning: Loose: no type hint for parameter 'value' and the " \
           "return value: published as Any" in out
    assert "      not published: Util: a static method (only instance methods are remote)" in out
    assert "      not published: version: a plain attribute (only methods and properties are remote)" in out
    assert "0 error(s), 1 warning(s)" in out
    strict = run("check", "--strict", "--app-dir", str(tmp_path), "helpers_service:app")
    assert strict.returncode == 1


def test_check_stops_at_a_registration_mistake_naming_class_and_method(tmp_path: Path) -> None:
    (tmp_path / "broken_service.py").write_text(MODULE.replace('"Helpers.soap", WellKnownObjectMode.SingleCall',
                                                               '"Helpers.soap", "SingleCall"'))
    proc = run("check", "--app-dir", str(tmp_path), "broken_service:app")
    assert proc.returncode == 1
    assert ("importing 'broken_service' failed: TypeError: register_well_known(Helpers, 'Helpers.soap', "
            "'SingleCall'): the mode must be WellKnownObjectMode.SingleCall") in proc.stderr
    assert_no_traceback(proc)


def test_check_a_dotnet_file_reports_what_is_not_honoured(tmp_path: Path) -> None:
    text = (EXAMPLES / "App.config").read_text().replace(
        "    </application>", '      <client url="http://other/"><wellknown type="X, Y" url="http://other/X.rem" />'
        "</client>\n    </application>")
    config = tmp_path / "App.config"
    config.write_text(text)
    proc = run("check", "--config", str(config), "--module", "examples.remoting_samples")
    assert proc.returncode == 0, proc.stderr
    line = line_of(text, "<client ")
    assert f"warning: {config} line {line}: <client>: not honoured: a <client> section" in proc.stdout
    assert "5 well-known object(s), 1 client-activated type(s), formatters soap, binary; 0 error(s), 1 warning(s)" \
        in proc.stdout
    assert run("check", "--strict", "--config", str(config), "--module", "examples.remoting_samples").returncode == 1


def test_check_needs_something_to_check() -> None:
    proc = run("check")
    assert proc.returncode == 2
    assert "give the application (MODULE:APP), a configuration file (--config FILE), or both" in proc.stderr


# ------------------------------------------------------------------ the factory under another server


def test_the_factory_serves_under_plain_uvicorn_and_reports_what_is_not_honoured(tmp_path: Path) -> None:
    text = (EXAMPLES / "App.config").read_text().replace(
        "      </channels>", '        <channel ref="ipc" portName="remoting" />\n      </channels>')
    config = tmp_path / "App.config"
    config.write_text(text)
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "gateway.config.app_factory:create_app",
               "--port", str(port)]
    env = {"GATEWAY_CONFIG_FILE": str(config), "GATEWAY_CONFIG_MODULES": "examples.remoting_samples"}
    with live_process(command, port, env, name="uvicorn --factory") as (url, output), \
            RemotingClient(timeout=10) as client:
        assert client.get_object(IHello, url + "SayHello.soap").HelloMethod("factory") == "Hi there factory"
        printed = output()
    line = line_of(text, '<channel ref="ipc"')
    assert f'{config} line {line}: <channel ref="ipc">: not honoured' in printed
