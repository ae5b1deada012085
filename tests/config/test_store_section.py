"""The ``[store]`` section: the embedded store by default, Redis from the file or ``GATEWAY_STORE``, bad URLs
reported with where they came from (and never with their password)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway import RemotingApp
from gateway.config import ConfigError, build_app, load_config
from gateway.config.sections import StoreSection
from gateway.store import EmbeddedStore, RedisStore

TOML = """
[store]
url = "redis://127.0.0.1:6399/2"
prefix = "shop"
internal_host = "0.0.0.0"
advertise_host = "app1.internal"
timeout = "500MS"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    return path


def test_default_is_the_embedded_store_and_no_deployment(tmp_path: Path) -> None:
    app = build_app(load_config(write(tmp_path, ""), environ={}))
    assert isinstance(app.store, EmbeddedStore) and not app.store.shared
    assert app.cluster is None


def test_redis_from_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TOML), environ={})
    section = config.get(StoreSection)
    assert section.url == "redis://127.0.0.1:6399/2" and section.prefix == "shop"
    app = build_app(config)
    assert isinstance(app.store, RedisStore)
    assert app.store.prefix == "shop" and app.store.timeout == 0.5 and app.store.name == "redis://127.0.0.1:6399/2"
    assert app.cluster is not None
    assert (app.cluster.internal_host, app.cluster.advertise_host) == ("0.0.0.0", "app1.internal")


def test_gateway_store_overrides_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TOML), environ={"GATEWAY_STORE": "redis://10.0.0.9:6380/0"})
    assert config.get(StoreSection).url == "redis://10.0.0.9:6380/0"
    assert not config.notes  # GATEWAY_STORE is a key's variable, not a stray
    config = load_config(write(tmp_path, TOML), environ={"GATEWAY_STORE": "embedded"})
    assert build_app(config).cluster is None


def test_the_url_may_come_from_another_variable(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\nurl = { env = "REDIS_URL" }\n')
    config = load_config(path, environ={"REDIS_URL": "redis://:pw@redis:6379/0"})
    assert config.get(StoreSection).url == "redis://:pw@redis:6379/0"
    app = build_app(config)
    assert app.store.name == "redis://redis:6379/0"


def test_a_bad_url_names_the_key_and_hides_the_password(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\nurl = "memcached://admin:hunter2@cache:11211"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    message = str(info.value)
    assert "[store] url" in message and "expected 'embedded' or a Redis URL" in message
    assert "hunter2" not in message
    with pytest.raises(ConfigError, match="environment variable GATEWAY_STORE"):
        load_config(write(tmp_path, ""), environ={"GATEWAY_STORE": "mysql://db"})


def test_code_built_apps_read_gateway_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_STORE", "redis://127.0.0.1:6399/0")
    monkeypatch.setenv("GATEWAY_STORE_INTERNAL_HOST", "127.0.0.2")
    app = RemotingApp()
    assert isinstance(app.store, RedisStore) and app.cluster is not None
    assert app.cluster.internal_host == "127.0.0.2"
    monkeypatch.setenv("GATEWAY_STORE", "nonsense")
    with pytest.raises(ValueError, match="environment variable GATEWAY_STORE: store 'nonsense'"):
        RemotingApp()
    assert RemotingApp(store="embedded").cluster is None
