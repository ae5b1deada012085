"""GATEWAY_* environment variables: command line > environment > file > defaults, for both file formats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gateway.config import ConfigError, build_app, load_config
from gateway.config.schema import Raw
from gateway.config.sections import LimitsSettings, LoggingSettings, ServerSettings

from ..support.server import REPO_ROOT

TOML = """
formatters = ["soap"]

[server]
port = 8100
host = "127.0.0.1"

[limits]
max_bytes = 1000

[lifetime]
lease_time = "5M"
"""


@pytest.fixture
def toml(tmp_path: Path) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(TOML)
    return path


def test_the_file_beats_the_defaults(toml: Path) -> None:
    config = load_config(toml, environ={})
    assert config.get(ServerSettings).port == 8100
    assert config.get(LimitsSettings).max_bytes == 1000
    assert config.get(LimitsSettings).max_depth == 64  # not in the file: the default


def test_the_environment_beats_the_file(toml: Path) -> None:
    environ = {"GATEWAY_SERVER_PORT": "8200", "GATEWAY_LIMITS_MAX_BYTES": "2000", "GATEWAY_FORMATTERS": "soap,binary",
               "GATEWAY_LIFETIME_LEASE_TIME": "1H", "GATEWAY_TRUST_FORWARDED": "yes", "GATEWAY_LOGGING_LEVEL": "DEBUG"}
    config = load_config(toml, environ=environ)
    assert config.get(ServerSettings).port == 8200
    assert config.get(LoggingSettings).level == "debug"
    app = build_app(config)
    assert app.limits.max_bytes == 2000
    assert list(app.formatters) == ["soap", "binary"]
    assert app.lifetime.lease_time == dt.timedelta(hours=1)
    assert app.trust_forwarded is True


def test_the_command_line_beats_the_environment(toml: Path) -> None:
    overrides = {("server", "port"): Raw(8300, "command line --port", "command line")}
    config = load_config(toml, environ={"GATEWAY_SERVER_PORT": "8200"}, overrides=overrides)
    assert config.get(ServerSettings).port == 8300


def test_tcp_channel_from_the_environment(toml: Path) -> None:
    app = build_app(load_config(toml, environ={"GATEWAY_TCP_PORT": "8101", "GATEWAY_TCP_FORMATTERS": "soap"}))
    assert app.tcp is not None and (app.tcp.port, app.tcp.formatters) == (8101, ("soap",))


def test_an_empty_variable_counts_as_unset(toml: Path) -> None:
    config = load_config(toml, environ={"GATEWAY_SERVER_PORT": "", "GATEWAY_PUBLIC_URL": "  "})
    assert config.get(ServerSettings).port == 8100
    assert build_app(config).public_url is None


def test_variables_apply_without_a_file() -> None:
    config = load_config(None, environ={"GATEWAY_SERVER_PORT": "8400", "GATEWAY_BODY_TIMEOUT": "2S"})
    assert config.get(ServerSettings).port == 8400
    assert build_app(config).endpoint.body_timeout == 2.0


def test_variables_override_a_dotnet_file_too() -> None:
    config = load_config(REPO_ROOT / "examples" / "App.config", modules=["examples.remoting_samples"],
                         environ={"GATEWAY_SERVER_PORT": "8500", "GATEWAY_FORMATTERS": "soap",
                                  "GATEWAY_LIFETIME_LEASE_MANAGER_POLL_TIME": "250MS"})
    assert config.get(ServerSettings).port == 8500  # <channel port="8000"> in the file
    app = build_app(config)
    assert list(app.formatters) == ["soap"]
    assert app.lifetime.lease_manager_poll_time == dt.timedelta(milliseconds=250)


def test_a_bad_variable_is_named(toml: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(toml, environ={"GATEWAY_SERVER_PORT": "eighty", "GATEWAY_LIMITS_MAX_DEPTH": "0"})
    assert info.value.errors == [
        "environment variable GATEWAY_SERVER_PORT: must be an integer, not 'eighty'",
        "environment variable GATEWAY_LIMITS_MAX_DEPTH: must be an integer ≥ 1, not 0",
    ]


def test_a_variable_that_names_no_key_is_reported(toml: Path) -> None:
    config = load_config(toml, environ={"GATEWAY_LIMITS_MAXBYTES": "1", "GATEWAY_CONFIG_FILE": "x.toml"})
    assert config.notes == ["environment variable GATEWAY_LIMITS_MAXBYTES: names no configuration key "
                            "(did you mean GATEWAY_LIMITS_MAX_BYTES?)"]
    assert config.get(LimitsSettings).max_bytes == 1000


def test_arrays_of_tables_have_no_variables(toml: Path) -> None:
    config = load_config(toml, environ={"GATEWAY_WELLKNOWN": "x"})
    assert "GATEWAY_WELLKNOWN: names no configuration key" in config.notes[0]
