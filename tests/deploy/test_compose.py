"""deploy/docker-compose.yml, checked without a container engine: parsed, and held against the Dockerfile,
the nginx configuration it mounts, and the gateway's own configuration loader (each app's environment must
load with no error and no variable the gateway does not know)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.config import load_config
from gateway.config.sections import StoreSection
from gateway.store import RedisStore, store_for

from ..support.server import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
APPS = ("app1", "app2")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def test_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"redis", "app1", "app2", "nginx"}


def test_redis_keeps_nothing_and_reports_health(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    assert redis["image"].startswith("redis:")
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    command = redis["command"]
    assert command[:1] == ["redis-server"] and "--appendonly" in command


@pytest.mark.parametrize("name", APPS)
def test_app_builds_the_repository_image_and_runs_several_workers(compose: dict[str, Any], name: str) -> None:
    app = compose["services"][name]
    context = (COMPOSE.parent / app["build"]).resolve()
    assert context == REPO_ROOT and (context / "Dockerfile").is_file()
    command = app["command"]
    assert command[0] == "uvicorn"
    module, _, attribute = command[1].partition(":")
    assert (REPO_ROOT / (module.replace(".", "/") + ".py")).is_file() and attribute == "app"
    assert f"COPY {module.split('.')[0]} " in (REPO_ROOT / "Dockerfile").read_text()  # the image has the module
    options = dict(zip(command[2::2], command[3::2], strict=False))
    assert int(options["--workers"]) >= 2
    assert options["--host"] == "0.0.0.0" and options["--port"] == "8000"
    assert "--forwarded-allow-ips" in options
    assert app["hostname"] == name
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", APPS)
def test_app_environment_is_a_valid_gateway_configuration(compose: dict[str, Any], name: str) -> None:
    env = {key: str(value) for key, value in compose["services"][name]["environment"].items()}
    config = load_config(None, environ=env)
    assert config.notes == [], config.notes  # every GATEWAY_* variable names a key
    store = config.get(StoreSection)
    assert isinstance(store_for(store.url), RedisStore)
    host = re.match(r"redis://([^:/]+):(\d+)/\d+$", store.url)
    assert host is not None and host.group(1) == "redis" and host.group(2) == "6379"
    assert store.internal_host == "0.0.0.0" and store.advertise_host == name  # reachable by the other host
    assert env["GATEWAY_TRUST_FORWARDED"] in ("1", "true")  # nginx sets X-Forwarded-*


def test_nginx_mounts_the_tested_configuration(compose: dict[str, Any]) -> None:
    nginx = compose["services"]["nginx"]
    assert nginx["image"].startswith("nginx:")
    (volume,) = nginx["volumes"]
    source, target, mode = volume.split(":")
    assert (COMPOSE.parent / source).resolve() == DEPLOY / "nginx" / "gateway.conf"
    assert target == "/etc/nginx/conf.d/default.conf" and mode == "ro"
    assert set(nginx["depends_on"]) == set(APPS)
    published, _, inner = nginx["ports"][0].partition(":")
    assert inner == "80" and published.isdigit()


def test_nginx_upstreams_are_the_apps(compose: dict[str, Any]) -> None:
    text = (DEPLOY / "nginx" / "gateway.conf").read_text()
    servers = re.findall(r"^\s*server\s+([\w.]+):(\d+)", text, re.M)
    expected = []
    for name in APPS:
        app = compose["services"][name]
        options = dict(zip(app["command"][2::2], app["command"][3::2], strict=False))
        expected.append((app["hostname"], options["--port"]))
    assert servers == expected
    assert re.search(r"^\s*listen 80;", text, re.M)
    assert "keepalive" not in re.sub(r"#.*", "", text)  # upstream keep-alive off, as tested
    for header in ("X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-For"):
        assert f"proxy_set_header {header}" in text


def test_the_compose_file_documents_how_to_run_it() -> None:
    head = COMPOSE.read_text().split("\nname:")[0]
    assert "docker compose -f deploy/docker-compose.yml up --build" in head


def test_docs_point_to_the_files() -> None:
    text = (REPO_ROOT / "docs" / "scale-out.md").read_text()
    for path in ("deploy/docker-compose.yml", "deploy/nginx/gateway.conf"):
        assert path in text and Path(REPO_ROOT / path).is_file()
