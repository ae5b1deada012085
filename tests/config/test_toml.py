"""TOML configuration: everything RemotingApp takes in code, from a file; every mistake reported with the
file, the key and what is wrong (all of them at once)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest

from examples.hello import IHello
from examples.remoting_samples import (
    ClientActivatedObject,
    FactoryService,
    IRemoteService,
    SingleCallObject,
    SingletonObject,
)
from examples.secured import ISecureHello
from gateway import (
    AccessDeniedError,
    CustomErrorsMode,
    RemotingApp,
    ServerRequest,
    ServerResponse,
    TypeFilterLevel,
    WellKnownObjectMode,
    current_principal,
)
from gateway.config import ConfigError, build_app, load_config
from gateway.config.sections import ServerSettings
from gateway.server.sinks import Handler
from soap import Limits

from ..support.server import REPO_ROOT
from .calls import call, get

EXAMPLES = REPO_ROOT / "examples"


def write(tmp_path: Path, text: str, name: str = "gateway.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def build(path: Path, **kwargs: object) -> RemotingApp:
    return build_app(load_config(path, environ={}, **kwargs))  # type: ignore[arg-type]


def errors_of(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        build_app(load_config(path, environ=environ or {}))
    return info.value.errors


# ------------------------------------------------------------------ the example files


def test_example_toml_builds_every_example_and_serves_calls() -> None:
    config = load_config(EXAMPLES / "gateway.toml", environ={})
    app = build_app(config)
    published = {e.uri: (e.cls, e.mode) for e in app.identities.well_known()}
    assert published["SingleCallService.rem"] == (SingleCallObject, WellKnownObjectMode.SingleCall)
    assert published["SingletonService.rem"] == (SingletonObject, WellKnownObjectMode.Singleton)
    assert published["FactoryService.rem"] == (FactoryService, WellKnownObjectMode.Singleton)
    assert set(published) == {"SayHello.soap", "SayHello.rem", "SingleCallService.rem", "SingletonService.rem",
                              "FactoryService.rem", "InteropService.soap"}
    assert app.identities.activated_types() == {"RemotingPeer.ClientActivatedObject": ClientActivatedObject}
    assert app.lifetime.lease_manager_poll_time == dt.timedelta(seconds=1)
    assert list(app.formatters) == ["soap", "binary"]
    assert config.get(ServerSettings).port == 8000
    assert call(app, IHello, "SayHello.rem", "HelloMethod", "Toml") == "Hi there Toml"
    assert call(app, IRemoteService, "SingletonService.rem", "Increment", formatter="binary") == 1
    assert call(app, IRemoteService, "SingletonService.rem", "Increment", formatter="binary") == 2


def test_every_app_setting_reaches_the_app(tmp_path: Path) -> None:
    path = write(tmp_path, """
custom_errors = "remoteonly"
type_filter = "Full"
public_url = "https://gw.example.com/remoting/"
trust_forwarded = true
body_timeout = "0"
spin_wait_us = 0
application_name = "PeerServer"
formatters = ["binary", "soap"]

[limits]
max_bytes = 1000
max_depth = 10
max_elements = 500
max_array_length = 20
max_ref_depth = 5

[lifetime]
lease_time = "1H"
renew_on_call_time = "100MS"
sponsorship_timeout = 7
lease_manager_poll_time = "1.5s"

[logging]
requests = false

[[wellknown]]
type = "examples.hello:HelloServer"
uri = "/SayHello.soap"
mode = "SingleCall"
""")
    app = build(path)
    assert app.custom_errors is CustomErrorsMode.RemoteOnly
    assert app.type_filter is TypeFilterLevel.Full
    assert app.public_url == "https://gw.example.com/remoting"
    assert app.trust_forwarded is True
    assert app.endpoint.body_timeout is None
    assert app.spin_wait.window == 0.0
    assert list(app.formatters) == ["binary", "soap"]
    assert app.limits == Limits(1000, 10, 500, 20, 5)
    assert (app.lifetime.lease_time, app.lifetime.renew_on_call_time, app.lifetime.sponsorship_timeout,
            app.lifetime.lease_manager_poll_time) == (dt.timedelta(hours=1), dt.timedelta(milliseconds=100),
                                                      dt.timedelta(seconds=7), dt.timedelta(seconds=1.5))
    assert app.sinks == []  # no request logging
    # the application name serves every object under /PeerServer/ too, as .NET does
    assert call(app, IHello, "PeerServer/SayHello.soap", "HelloMethod", "prefixed") == "Hi there prefixed"
    assert call(app, IHello, "SayHello.soap", "HelloMethod", "plain") == "Hi there plain"
    wsdl = get(app, "/SayHello.soap?wsdl").text
    assert 'location="https://gw.example.com/remoting/SayHello.soap"' in wsdl


def test_defaults_without_a_file_are_remoting_apps_defaults() -> None:
    app = build_app(load_config(None, environ={}))
    code = RemotingApp()
    assert (app.custom_errors, app.type_filter, app.limits, list(app.formatters), app.public_url) == (
        code.custom_errors, code.type_filter, code.limits, list(code.formatters), code.public_url)
    assert app.lifetime == code.lifetime
    assert app.endpoint.body_timeout == code.endpoint.body_timeout == 30.0
    assert app.spin_wait.window == code.spin_wait.window == 100e-6


class StampSink:
    """A sink of the user's own: stamps every response with the principal authentication made current."""

    async def __call__(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        response = await call_next(request)
        principal = current_principal()
        response.headers.append(("x-stamp", principal.name if principal else "anonymous"))
        return response


async def tag_sink(request: ServerRequest, call_next: Handler) -> ServerResponse:
    response = await call_next(request)
    response.headers.append(("x-tag", "tagged"))
    return response


def test_tcp_section_gives_the_app_its_tcp_channel(tmp_path: Path) -> None:
    path = write(tmp_path, "[tcp]\nport = 8001\nhost = '127.0.0.2'\nformatters = ['binary']\n"
                           "public_url = 'tcp://gw.example.com:18001'\nidle_timeout = '3M'\nmax_connections = 10\n")
    tcp = build(path).tcp
    assert tcp is not None
    assert (tcp.address, tcp.port, tcp.formatters, tcp.url) == ("127.0.0.2", 8001, ("binary",),
                                                                "tcp://gw.example.com:18001")
    assert (tcp.idle_timeout, tcp.max_connections, tcp.threads) == (180.0, 10, True)  # a thread per connection
    assert build(write(tmp_path, "")).tcp is None  # no port: no TCP channel
    on_the_loop = build(write(tmp_path, "[tcp]\nport = 0\nthreads = false\n")).tcp
    assert on_the_loop is not None and not on_the_loop.threads


def test_sinks_of_your_own_run_inside_authentication(tmp_path: Path) -> None:
    path = write(tmp_path, """
sinks = ["tests.config.test_toml:StampSink", "tests.config.test_toml:tag_sink"]

[[wellknown]]
type = "examples.hello:HelloServer"
uri = "SayHello.soap"
mode = "SingleCall"

[[authentication.users]]
name = "bob"
password = "builder"
""")
    app = build(path)
    response = get(app, "/SayHello.soap?wsdl", auth=httpx.BasicAuth("bob", "builder"))
    assert (response.headers["x-stamp"], response.headers["x-tag"]) == ("bob", "tagged")
    refused = get(app, "/SayHello.soap?wsdl")
    assert refused.status_code == 401 and "x-stamp" not in refused.headers  # authentication answered first


# ------------------------------------------------------------------ secrets, authentication, authorization


def test_secured_example_takes_its_secrets_from_the_environment_and_a_file(tmp_path: Path) -> None:
    text = (EXAMPLES / "secured.toml").read_text().replace("/tmp/reporting-token", "reporting-token")
    path = write(tmp_path, text, "secured.toml")
    (tmp_path / "reporting-token").write_text("s3cr3t-token\n")  # a relative path: next to the file
    app = build_app(load_config(path, environ={"ALICE_PASSWORD": "wonderland"}))
    alice = httpx.BasicAuth("alice", "wonderland")
    token = _Bearer("s3cr3t-token")  # the trailing newline of the file is not part of the token
    assert call(app, ISecureHello, "SecureHello.soap", "WhoAmI", auth=alice) == "alice"
    assert call(app, ISecureHello, "SecureHello.soap", "WhoAmI", auth=token) == "reporting"
    assert call(app, ISecureHello, "SecureHello.soap", "Reset", auth=alice) == "reset by alice"
    with pytest.raises(AccessDeniedError, match="not in a permitted role"):
        call(app, ISecureHello, "SecureHello.soap", "Reset", auth=token)
    assert get(app, "/SecureHello.soap?wsdl").status_code == 401
    assert get(app, "/SecureHello.soap?wsdl", auth=httpx.BasicAuth("alice", "wrong")).status_code == 401
    assert get(app, "/SecureHello.soap?wsdl", auth=alice).status_code == 200


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def test_inline_secrets_and_anonymous_rules(tmp_path: Path) -> None:
    path = write(tmp_path, """
modules = ["examples.secured"]

[[wellknown]]
type = "RemotingPeer.SecureHello, PeerServer"
uri = "SecureHello.soap"
mode = "SingleCall"

[authentication]
allow_anonymous = true
public_metadata = true

[[authentication.users]]
name = "bob"
password = "builder"
roles = ["reader"]

[authorization]
default_roles = ["reader"]

[[authorization.rules]]
uri = "SecureHello.soap"
method = "HelloMethod"
anonymous = true
""")
    app = build(path)
    assert call(app, ISecureHello, "SecureHello.soap", "HelloMethod", "anon") == "Hi there anon"
    with pytest.raises(AccessDeniedError, match="requires an authenticated caller"):
        call(app, ISecureHello, "SecureHello.soap", "WhoAmI")
    assert call(app, ISecureHello, "SecureHello.soap", "WhoAmI", auth=httpx.BasicAuth("bob", "builder")) == "bob"


# ------------------------------------------------------------------ every mistake, named


ERROR_CASES = [
    ("not toml", 'formatters = "soap" "binary"\n', ["not valid TOML", "line 1"]),
    ("unknown section", "[lifetme]\nlease_time = 1\n",
     ["[lifetme]: unknown section (did you mean lifetime?)"]),
    ("unknown key", "[limits]\nmax_byte = 10\n", ["[limits] max_byte: unknown key (did you mean max_bytes?)"]),
    ("unknown top-level key", "formatter = ['soap']\n", ["formatter: unknown key (did you mean formatters?)"]),
    ("integer", "[limits]\nmax_depth = 'deep'\n", ["[limits] max_depth: must be an integer, not 'deep'"]),
    ("integer range", "[limits]\nmax_depth = 0\n", ["[limits] max_depth: must be an integer ≥ 1, not 0"]),
    ("port range", "[server]\nport = 70000\n", ["[server] port: must be an integer 1-65535, not 70000"]),
    ("boolean", "trust_forwarded = 'maybe'\n", ["trust_forwarded: must be true or false, not 'maybe'"]),
    ("duration", "[lifetime]\nlease_time = '5X'\n", ["[lifetime] lease_time: must be a duration", "not '5X'"]),
    ("negative duration", "[lifetime]\nlease_time = -1\n", ["[lifetime] lease_time: must be a duration"]),
    ("zero poll", "[lifetime]\nlease_manager_poll_time = '0S'\n",
     ["[lifetime] lease_manager_poll_time: must be longer than zero"]),
    ("choice", "custom_errors = 'Sometimes'\n",
     ["custom_errors: must be one of Off, On, RemoteOnly, not 'Sometimes'"]),
    ("formatter", "formatters = ['soap', 'json']\n", ["formatters: may contain only soap, binary, not 'json'"]),
    ("no formatter", "formatters = []\n", ["formatters: must not be empty"]),
    ("string", "public_url = 42\n", ["public_url: must be a non-empty string, not 42"]),
    ("application name", "application_name = 'a/b'\n", ["application_name: must be one path segment"]),
    ("log level", "[logging]\nlevel = 'loud'\n", ["[logging] level: must be one of critical, error, warning"]),
    ("tables", "wellknown = 'SayHello.soap'\n", ["wellknown: must be an array of tables"]),
    ("missing key", "[[wellknown]]\ntype = 'examples.hello:HelloServer'\nmode = 'SingleCall'\n",
     ["[[wellknown]] #1: missing key 'uri'"]),
    ("mode", "[[wellknown]]\ntype = 'examples.hello:HelloServer'\nuri = 'a.soap'\nmode = 'PerCall'\n",
     ["[[wellknown]] #1 mode: must be one of SingleCall, Singleton, not 'PerCall'"]),
    ("no module", "[[wellknown]]\ntype = 'examples.nope:HelloServer'\nuri = 'a.soap'\nmode = 'SingleCall'\n",
     ["[[wellknown]] #1 type: no module named 'examples.nope'"]),
    ("no attribute", "[[wellknown]]\ntype = 'examples.hello:Nope'\nuri = 'a.soap'\nmode = 'SingleCall'\n",
     ["[[wellknown]] #1 type: module 'examples.hello' has no attribute 'Nope'"]),
    ("not a class", "[[wellknown]]\ntype = 'examples.hello:PEER_SHARED'\nuri = 'a.soap'\nmode = 'SingleCall'\n",
     ["[[wellknown]] #1 type: 'examples.hello:PEER_SHARED' is str", "not a class"]),
    ("clr name without modules",
     "[[wellknown]]\ntype = 'RemotingPeer.HelloServer, PeerServer'\nuri = 'a.soap'\nmode = 'SingleCall'\n",
     ["[[wellknown]] #1 type: the CLR type RemotingPeer.HelloServer is looked up in the modules given"]),
    ("clr name unknown",
     "modules = ['examples.hello']\n[[wellknown]]\ntype = 'RemotingPeer.HelloServr, PeerServer'\nuri = 'a.soap'\n"
     "mode = 'SingleCall'\n",
     ["[[wellknown]] #1 type: no class in examples.hello declares the CLR type RemotingPeer.HelloServr "
      "(did you mean RemotingPeer.HelloServer"]),
    ("clr assembly",
     "modules = ['examples.hello']\n[[wellknown]]\ntype = 'RemotingPeer.HelloServer, Other'\nuri = 'a.soap'\n"
     "mode = 'SingleCall'\n",
     ["examples.hello.HelloServer declares RemotingPeer.HelloServer in assembly PeerServer, not Other"]),
    ("modules", "modules = ['examples.nope']\n", ["modules: cannot import module 'examples.nope'"]),
    ("duplicate uri",
     "[[wellknown]]\ntype = 'examples.hello:HelloServer'\nuri = 'a.soap'\nmode = 'SingleCall'\n"
     "[[wellknown]]\ntype = 'examples.hello:HelloServer'\nuri = '/a.soap'\nmode = 'Singleton'\n",
     ["the object URI 'a.soap' is given to more than one [[wellknown]] entry"]),
    ("registration: uri", "[[wellknown]]\ntype = 'examples.hello:HelloServer'\nuri = 'Hello'\nmode = 'SingleCall'\n",
     ["[[wellknown]] #1: register_well_known(HelloServer, 'Hello', WellKnownObjectMode.SingleCall): "
      "object URI 'Hello' must end in .rem or .soap"]),
    ("registration: constructor",
     "[[wellknown]]\ntype = 'examples.remoting_samples:ClientActivatedObject'\nuri = 'C.rem'\nmode = 'Singleton'\n",
     ["[[wellknown]] #1: register_well_known(ClientActivatedObject, 'C.rem', WellKnownObjectMode.Singleton): "
      "ClientActivatedObject.__init__ needs the argument 'name'"]),
    ("registration: not remotable", "[[activated]]\ntype = 'examples.remoting_samples:Person'\n",
     ["[[activated]] #1: register_activated(Person)", "must be a subclass of gateway.MarshalByRefObject"]),
    ("secret env", "[[authentication.users]]\nname = 'a'\npassword = { env = 'GATEWAY_TEST_UNSET' }\n",
     ["[[authentication.users]] #1 password: the environment variable GATEWAY_TEST_UNSET is not set"]),
    ("secret file", "[[authentication.tokens]]\nname = 'a'\ntoken = { file = 'missing-token' }\n",
     ["[[authentication.tokens]] #1 token: cannot read the secret file", "missing-token"]),
    ("secret shape", "[[authentication.users]]\nname = 'a'\npassword = { vault = 'x' }\n",
     ["[[authentication.users]] #1 password: must be a string, { env = \"VARIABLE\" } or { file = \"path\" }"]),
    ("authentication without users", "[authentication]\npublic_metadata = true\n",
     ["[authentication]: authentication needs at least one [[authentication.users]]"]),
    ("duplicate user", "[[authentication.users]]\nname = 'a'\npassword = 'x'\n"
     "[[authentication.users]]\nname = 'a'\npassword = 'y'\n", ["[authentication]: the user 'a' is given twice"]),
    ("sink module", "sinks = ['examples.nope:Sink']\n", ["sinks: no module named 'examples.nope'"]),
    ("sink not callable", "sinks = ['examples.hello:PEER_SHARED']\n",
     ["sinks: 'PeerShared, Version=", "is not callable"]),
    ("tcp port", "[tcp]\nport = 70000\n", ["[tcp] port: must be an integer 0-65535, not 70000"]),
    ("tcp public_url", "[tcp]\nport = 8001\npublic_url = 'http://gw:8001'\n",
     ["[tcp]: public_url: must start with tcp://, not 'http://gw:8001'"]),
    ("rule", "[[authorization.rules]]\nuri = 'a.soap'\nroles = ['x']\nanonymous = true\n",
     ["[[authorization.rules]] #1: anonymous = true and roles exclude each other"]),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in ERROR_CASES])
def test_each_mistake_names_file_key_and_problem(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write(tmp_path, text)
    errors = errors_of(path)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{path}: "), errors
    for part in expected:
        assert part in errors[0], errors


def test_a_file_that_is_not_utf8_is_named_as_not_valid_toml(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_bytes(b'public_url = "http://h\xff"\n')  # (Latin-1 saved by an editor: TOML is UTF-8)
    assert errors_of(path) == [f"{path}: not valid TOML: not UTF-8 (byte 0xff at offset 22)"]


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, """
formatters = ["soap", "xml"]
custom_errors = "Maybe"

[[wellknown]]
type = "examples.hello:HelloServer"
mode = "PerCall"

[limits]
max_byte = 10
""")
    errors = errors_of(path, {"GATEWAY_LIMITS_MAX_ELEMENTS": "many"})
    assert len(errors) == 6, errors
    assert "environment variable GATEWAY_LIMITS_MAX_ELEMENTS: must be an integer, not 'many'" in errors


def test_config_errors_are_values_not_tracebacks(tmp_path: Path) -> None:
    path = write(tmp_path, "[limits]\nmax_depth = 'deep'\n")
    with pytest.raises(ValueError) as info:
        load_config(path, environ={})
    assert str(info.value) == f"{path}: [limits] max_depth: must be an integer, not 'deep'"


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"gone.toml: cannot read the file: No such file"):
        load_config(tmp_path / "gone.toml", environ={})
