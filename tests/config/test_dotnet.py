"""The .NET configuration file, unchanged: ``<system.runtime.remoting>`` as .NET and Mono servers ship it in
App.config. CLR type names resolve to the Python classes that declare them in the ``--module`` modules;
what cannot be honoured is reported by name; what .NET would not accept either is an error with its line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from examples.hello import HelloServer, IHello
from examples.remoting_samples import (
    ClientActivatedObject,
    FactoryService,
    IRemoteService,
    SingleCallObject,
    SingletonObject,
)
from gateway import CustomErrorsMode, TypeFilterLevel, WellKnownObjectMode
from gateway.config import ConfigError, GatewayConfig, build_app, load_config
from gateway.config.sections import ServerSettings, TcpSettings

from ..support.server import REPO_ROOT
from .calls import activate_and_increment, call, get

SAMPLES = "examples.remoting_samples"

#: The seed's HelloServer sample, configured the way its .NET server would ship it (.NET Remoting: A
#: Technical Overview, the configuration-file variant of Appendix A).
HELLO_CONFIG = """<?xml version="1.0" encoding="utf-8" ?>
<configuration>
  <startup>
    <supportedRuntime version="v4.0" sku=".NETFramework,Version=v4.0" />
  </startup>
  <system.runtime.remoting>
    <application>
      <service>
        <wellknown mode="SingleCall" type="RemotingPeer.HelloServer, PeerServer" objectUri="SayHello.soap" />
        <wellknown mode="SingleCall" type="RemotingPeer.HelloServer, PeerServer" objectUri="SayHello.rem" />
      </service>
      <channels>
        <channel ref="http" port="8000" />
      </channels>
    </application>
  </system.runtime.remoting>
</configuration>
"""


def write(tmp_path: Path, text: str, name: str = "Server.exe.config") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def remoting(body: str, application: str = "") -> str:
    """A configuration file around ``<application>`` content (``body``) and other remoting children."""
    return (f'<?xml version="1.0"?>\n<configuration>\n  <system.runtime.remoting>\n'
            f"    <application>\n{application}\n    </application>\n{body}\n  </system.runtime.remoting>\n"
            "</configuration>\n")


def load(path: Path, modules: tuple[str, ...] = (SAMPLES,)) -> GatewayConfig:
    return load_config(path, modules=modules, environ={})


def errors_of(path: Path, modules: tuple[str, ...] = (SAMPLES,)) -> list[str]:
    with pytest.raises(ConfigError) as info:
        build_app(load(path, modules))
    return info.value.errors


# ------------------------------------------------------------------ what it honours


def test_example_app_config_is_what_remoting_samples_registers_in_code() -> None:
    config = load(REPO_ROOT / "examples" / "App.config")
    assert config.format == "dotnet" and config.notes == []
    app = build_app(config)
    published = {e.uri: (e.cls, e.mode) for e in app.identities.well_known()}
    assert published == {
        "SayHello.soap": (HelloServer, WellKnownObjectMode.SingleCall),
        "SayHello.rem": (HelloServer, WellKnownObjectMode.SingleCall),
        "SingleCallService.rem": (SingleCallObject, WellKnownObjectMode.SingleCall),
        "SingletonService.rem": (SingletonObject, WellKnownObjectMode.Singleton),
        "FactoryService.rem": (FactoryService, WellKnownObjectMode.Singleton),
    }
    assert app.identities.activated_types() == {"RemotingPeer.ClientActivatedObject": ClientActivatedObject}
    assert app.lifetime.lease_manager_poll_time == dt.timedelta(seconds=1)
    assert list(app.formatters) == ["soap", "binary"]
    assert app.custom_errors is CustomErrorsMode.On
    assert app.type_filter is TypeFilterLevel.Low
    assert config.get(ServerSettings).port == 8000
    assert call(app, IRemoteService, "SingleCallService.rem", "GetRemoteObjectType") == \
        "RemotingPeer.SingleCallObject"
    assert call(app, IHello, "SayHello.rem", "HelloMethod", "binary", formatter="binary") == "Hi there binary"


def test_the_seed_hello_sample_config_resolves_in_examples_hello(tmp_path: Path) -> None:
    config = load(write(tmp_path, HELLO_CONFIG, "HelloServer.exe.config"), ("examples.hello",))
    assert config.notes == []  # <startup> is not Remoting configuration: not read, nothing to report
    app = build_app(config)
    assert {e.uri: e.cls for e in app.identities.well_known()} == {"SayHello.soap": HelloServer,
                                                                     "SayHello.rem": HelloServer}
    assert list(app.formatters) == ["soap", "binary"]  # no <serverProviders>: .NET's HTTP channel takes both
    assert call(app, IHello, "SayHello.soap", "HelloMethod", "Caveman") == "Hi there Caveman"


def test_dotnet_time_syntax_and_any_letter_case(tmp_path: Path) -> None:
    path = write(tmp_path, remoting('<customErrors mode="remoteonly" />', """
      <lifetime LeaseTime="1D" sponsorshipTimeOut="100ms" renewOnCallTime="2h" leaseManagerPollTime="30" />
      <service>
        <wellknown MODE="singleton" type="RemotingPeer.SingletonObject, PeerServer, Version=1.0.0.0, Culture=neutral"
                   objectUri="SingletonService.rem" displayName="the singleton" />
      </service>"""))
    app = build_app(load(path))
    assert (app.lifetime.lease_time, app.lifetime.sponsorship_timeout, app.lifetime.renew_on_call_time,
            app.lifetime.lease_manager_poll_time) == (dt.timedelta(days=1), dt.timedelta(milliseconds=100),
                                                      dt.timedelta(hours=2), dt.timedelta(seconds=30))
    assert app.identities.lookup("SingletonService.rem").mode is WellKnownObjectMode.Singleton  # type: ignore[union-attr]
    assert app.custom_errors is CustomErrorsMode.RemoteOnly


BINARY_PROVIDER = "System.Runtime.Remoting.Channels.BinaryServerFormatterSinkProvider, System.Runtime.Remoting"


def test_channel_and_formatter_by_type_name_bind_to_and_a_namespaced_configuration(tmp_path: Path) -> None:
    text = f"""<?xml version="1.0"?>
<configuration xmlns="http://schemas.microsoft.com/.NetConfiguration/v2.0">
  <system.runtime.remoting>
    <application>
      <channels>
        <channel type="System.Runtime.Remoting.Channels.Http.HttpServerChannel, System.Runtime.Remoting"
                 port="8123" bindTo="127.0.0.2" name="server" priority="2">
          <serverProviders>
            <formatter type="{BINARY_PROVIDER}" typeFilterLevel="Full" />
          </serverProviders>
        </channel>
      </channels>
    </application>
  </system.runtime.remoting>
</configuration>"""
    config = load(write(tmp_path, text))
    assert config.notes == []
    server = config.get(ServerSettings)
    assert (server.host, server.port) == ("127.0.0.2", 8123)
    app = build_app(config)
    assert list(app.formatters) == ["binary"]
    assert app.type_filter is TypeFilterLevel.Full


def test_reject_remote_requests_listens_on_loopback(tmp_path: Path) -> None:
    path = write(tmp_path, remoting("", '<channels><channel ref="http" port="9000" rejectRemoteRequests="true" />'
                                        "</channels>"))
    assert load(path).get(ServerSettings).host == "127.0.0.1"


def test_tcp_channel_of_the_seed_sample_serves_tcp_beside_http(tmp_path: Path) -> None:
    """The seed's sample registers ``new TcpChannel(8085)``: in a file, ``<channel ref="tcp" port="8085">``
    gives the TCP channel its port (HTTP keeps its default); ``bindTo`` its address."""
    text = HELLO_CONFIG.replace('<channel ref="http" port="8000" />',
                                '<channel ref="tcp" port="8085" bindTo="127.0.0.2" />')
    config = load(write(tmp_path, text), ("examples.hello",))
    assert config.notes == []
    tcp = config.get(TcpSettings)
    assert (tcp.port, tcp.host, tcp.formatters) == (8085, "127.0.0.2", ("binary", "soap"))
    app = build_app(config)
    assert app.tcp is not None and (app.tcp.address, app.tcp.port, app.tcp.formatters) == (
        "127.0.0.2", 8085, ("binary", "soap"))
    assert config.get(ServerSettings).port == 8000


def test_tcp_channel_formatters_and_type_filter_with_an_http_channel(tmp_path: Path) -> None:
    path = write(tmp_path, remoting("", """<channels>
        <channel ref="http" port="9000"><serverProviders><formatter ref="soap" typeFilterLevel="Full" />
          </serverProviders></channel>
        <channel type="System.Runtime.Remoting.Channels.Tcp.TcpChannel, System.Runtime.Remoting" port="9001"
                 rejectRemoteRequests="true">
          <serverProviders><formatter ref="binary" typeFilterLevel="Full" /></serverProviders>
        </channel></channels>"""))
    config = load(path)
    app = build_app(config)
    assert config.notes == []
    assert app.tcp is not None and (app.tcp.address, app.tcp.port, app.tcp.formatters) == (
        "127.0.0.1", 9001, ("binary",))
    assert list(app.formatters) == ["soap"] and app.type_filter is TypeFilterLevel.Full


def test_type_filter_full_on_tcp_only_is_reported_when_http_stays_low(tmp_path: Path) -> None:
    path = write(tmp_path, remoting("", """<channels><channel ref="http" port="9000" />
        <channel ref="tcp" port="9001"><serverProviders><formatter ref="binary" typeFilterLevel="Full" />
        </serverProviders></channel></channels>"""))
    config = load(path)
    assert build_app(config).type_filter is TypeFilterLevel.Low
    assert any('<formatter typeFilterLevel="Full">: not honoured: one type filter level' in note
               for note in config.notes), config.notes


def test_application_name_serves_objects_under_it_too(tmp_path: Path) -> None:
    text = HELLO_CONFIG.replace("<application>", '<application name="HelloApp">')
    app = build_app(load(write(tmp_path, text), ("examples.hello",)))
    assert call(app, IHello, "HelloApp/SayHello.soap", "HelloMethod", "app") == "Hi there app"
    assert 'location="http://testserver/HelloApp/SayHello.soap"' in get(app, "/HelloApp/SayHello.soap?wsdl").text


def test_activated_types_are_registered_under_the_name_the_file_gives(tmp_path: Path) -> None:
    path = write(tmp_path, remoting("", """<service>
        <activated type="RemotingPeer.ClientActivatedObject, PeerServer" />
      </service>"""))
    app = build_app(load(path))
    assert app.identities.activated_type("RemotingPeer.ClientActivatedObject, PeerServer") is ClientActivatedObject
    assert activate_and_increment(app, ClientActivatedObject, "alpha") == ([1, 2], "alpha")


# ------------------------------------------------------------------ what it cannot honour: reported by name


NOT_HONOURED = [
    ('<channel ref="ipc" portName="remoting" />',
     'line 5: <channel ref="ipc">: not honoured: this gateway has no such channel'),
    ('<channel ref="tcp" port="8085" /><channel ref="tcp" port="8086" />',
     '<channel ref="tcp">: not honoured: the gateway serves one TCP channel'),
    ('<channel ref="tcp" port="8085" secure="true" />', '<channel secure="true">: not honoured'),
    ('<channel ref="http client" />', '<channel ref="http client">: not honoured: a client channel serves nothing'),
    ('<channel ref="http" port="8000" /><channel ref="http" port="8001" />',
     '<channel ref="http">: not honoured: the gateway serves one HTTP port'),
    ('<channel ref="http" port="8000" machineName="gw.example.com" useIpAddress="false" clientConnectionLimit="4" />',
     '<channel machineName="gw.example.com">: not honoured: set public_url'),
    ('<channel ref="http" port="8000"><clientProviders><formatter ref="binary" /></clientProviders></channel>',
     "<clientProviders>: not honoured: client sink providers"),
    ('<channel ref="http" port="8000"><serverProviders><provider type="My.Sink, My" /><formatter ref="soap" />'
     "</serverProviders></channel>", '<provider type="My.Sink, My">: not honoured: custom channel sink providers'),
    ('<channel ref="http" port="8000"><serverProviders><formatter ref="soap" typeFilterLevel="Full" '
     'includeVersions="false" /><formatter ref="binary" typeFilterLevel="Low" /></serverProviders></channel>',
     '<formatter typeFilterLevel="Full">: not honoured: one type filter level applies to every formatter'),
]


@pytest.mark.parametrize(("channels", "expected"), NOT_HONOURED)
def test_channel_settings_that_cannot_be_honoured_are_reported(tmp_path: Path, channels: str, expected: str) -> None:
    path = write(tmp_path, remoting("", f"<channels>{channels}</channels>"))
    config = load(path)
    build_app(config)
    assert any(expected in note and note.startswith(f"{path} line ") for note in config.notes), config.notes


def test_client_section_and_templates_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, remoting(
        '<channels><channel id="custom" type="My.Channel, My" /></channels><debug loadTypes="true" />',
        '<client url="http://other:8080/"><wellknown type="RemotingPeer.IHello, PeerShared" '
        'url="http://other:8080/SayHello.soap" /></client><soapInterop><preLoad assembly="PeerShared" /></soapInterop>',
    ))
    notes = load(path).notes
    assert len(notes) == 4, notes
    assert any("<client>: not honoured: a <client> section configures objects this application calls" in n
               for n in notes)
    assert any("<soapInterop>: not honoured" in n for n in notes)
    assert any("<channels>: not honoured: channel templates" in n for n in notes)
    assert any("<debug>: not honoured" in n for n in notes)


def test_typefilterlevel_with_the_binary_formatter_of_the_peer_sample(tmp_path: Path) -> None:
    # the Mono reference server gives both formatter providers TypeFilterLevel.Full
    channels = ('<channels><channel ref="http" port="8085"><serverProviders><provider ref="wsdl" />'
                '<formatter ref="soap" typeFilterLevel="Full" /><formatter ref="binary" typeFilterLevel="Full" />'
                "</serverProviders></channel></channels>")
    config = load(write(tmp_path, remoting('<customErrors mode="Off" />', channels)))
    assert config.notes == []
    app = build_app(config)
    assert (list(app.formatters), app.type_filter, app.custom_errors) == (
        ["soap", "binary"], TypeFilterLevel.Full, CustomErrorsMode.Off)


# ------------------------------------------------------------------ what .NET would refuse too: errors


ERRORS = [
    ("<service><wellknwon /></service>", "line 5: <wellknwon>: unknown element (did you mean <wellknown>?)"),
    ('<lifetime LeaseManagePollTime="10s" />',
     "line 5: <lifetime>: unknown attribute LeaseManagePollTime (did you mean leaseManagerPollTime?)"),
    ('<lifetime leaseTime="5X" />', 'line 5: <lifetime leaseTime="5X">: must be a duration'),
    ('<service><wellknown mode="SingleCall" type="RemotingPeer.HelloServer, PeerServer" /></service>',
     "line 5: <wellknown>: missing attribute objectUri"),
    ('<service><wellknown mode="PerCall" type="RemotingPeer.HelloServer, PeerServer" objectUri="a.soap" />'
     "</service>", 'line 5: <wellknown mode="PerCall">: must be one of SingleCall, Singleton'),
    ('<service><wellknown mode="SingleCall" type="RemotingPeer.HelloServr, PeerServer" objectUri="a.soap" />'
     "</service>", 'type="RemotingPeer.HelloServr, PeerServer">: no class in examples.remoting_samples declares'),
    ('<service><wellknown mode="SingleCall" type="RemotingPeer.HelloServer, PeerServer" objectUri="Hello" />'
     "</service>", "line 5: <wellknown>: register_well_known(HelloServer, 'Hello', WellKnownObjectMode.SingleCall): "
     "object URI 'Hello' must end in .rem or .soap"),
    ('<service><wellknown mode="Singleton" type="RemotingPeer.ClientActivatedObject, PeerServer" '
     'objectUri="C.rem" /></service>', "ClientActivatedObject.__init__ needs the argument 'name'"),
    ('<channels><channel port="8000" /></channels>', "line 5: <channel>: missing attribute ref or type"),
    ('<channels><channel ref="http" port="eighty" /></channels>',
     'line 5: <channel port="eighty">: must be an integer, not \'eighty\''),
    ('<channels><channel ref="http" port="8000" rejectRemoteRequests="maybe" /></channels>',
     '<channel rejectRemoteRequests="maybe">: must be true or false'),
    ('<channels><channel ref="http" port="8000"><serverProviders><provider ref="wsdl" /></serverProviders>'
     "</channel></channels>", "<serverProviders>: no <formatter>"),
    ('<channels><channel ref="http" port="8000"><serverProviders><formatter ref="soap" typeFilterLevel="Medium" />'
     '<formatter ref="binary" /></serverProviders></channel></channels>',
     '<formatter typeFilterLevel="Medium">: must be one of Low, Full'),
    ("<channels><channel ref=\"http\" port=\"8000\"><serverProvider /></channel></channels>",
     "<serverProvider>: unknown element (did you mean <serverProviders>?)"),
]


@pytest.mark.parametrize(("application", "expected"), ERRORS)
def test_each_mistake_names_the_line_element_and_attribute(tmp_path: Path, application: str, expected: str) -> None:
    path = write(tmp_path, remoting("", application))
    errors = errors_of(path)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{path} line "), errors
    assert expected in errors[0], errors


def test_clr_names_need_the_modules(tmp_path: Path) -> None:
    errors = errors_of(write(tmp_path, HELLO_CONFIG), ())
    assert len(errors) == 2, errors
    assert "the CLR type RemotingPeer.HelloServer is looked up in the modules given with --module" in errors[0]


def test_custom_errors_needs_a_valid_mode(tmp_path: Path) -> None:
    errors = errors_of(write(tmp_path, remoting('<customErrors mode="sometimes" />')))
    assert errors == [f'{tmp_path / "Server.exe.config"} line 7: <customErrors mode="sometimes">: must be one of '
                      "Off, On, RemoteOnly, not 'sometimes'"]


@pytest.mark.parametrize(("text", "expected"), [
    ("<configuration><appSettings /></configuration>", "no <system.runtime.remoting> section in <configuration>"),
    ("<system.runtime.remoting />", "line 1: <system.runtime.remoting>: the root element must be <configuration>"),
    ("<configuration><system.runtime.remoting>", "not a readable XML configuration file: malformed XML"),
    ('<?xml version="1.0"?>\n<!DOCTYPE configuration [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
     "<configuration><system.runtime.remoting><application name=\"&xxe;\" /></system.runtime.remoting>"
     "</configuration>", "DOCTYPE and entity declarations are not allowed"),
    ("<configuration><system.runtime.remoting><application /><application /></system.runtime.remoting>"
     "</configuration>", "line 1: <application>: a second <application> element"),
])
def test_files_that_are_not_remoting_configuration(tmp_path: Path, text: str, expected: str) -> None:
    errors = errors_of(write(tmp_path, text))
    assert len(errors) == 1 and expected in errors[0], errors
