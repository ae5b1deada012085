"""``uvicorn --workers 2`` with the Redis store, as a user deploys it: real processes, fresh connections.

What issue 10 reported (calls to one client-activated object over new connections answered "No receiver"
8 times in 20; the Singleton counting separately in each process) now works, started with plain uvicorn
and with ``remoting-gateway serve --config``.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import httpx
import pytest
import redis as sync_redis

from examples.remoting_samples import ClientActivatedObject, IRemoteService
from gateway import RemotingClient

from ..support.deployment import wait_until
from ..support.redis import RedisServer
from ..support.server import free_port, live_process, live_server

pytestmark = pytest.mark.interop


def fresh_connections() -> RemotingClient:
    """A client that opens a new connection per call: the kernel hands each to either worker."""
    http = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0))
    return RemotingClient(timeout=10, http_client=http)


def check_one_deployment(url: str) -> None:
    with fresh_connections() as client:
        counter = client.create_instance(ClientActivatedObject, url, "issue-10")
        assert [counter.Increment() for _ in range(20)] == list(range(1, 21))
        singleton = client.get_object(IRemoteService, url + "SingletonService.rem")
        first = singleton.Increment()
        assert [singleton.Increment() for _ in range(11)] == list(range(first + 1, first + 12))
        single = client.get_object(IRemoteService, url + "SingleCallService.rem")
        reported = {single.GetProcessId() for _ in range(10)} | {singleton.GetProcessId()}
        assert len(reported) == 1, reported  # one server, as the .NET samples' clients expect


def test_uvicorn_workers_with_gateway_store(redis: RedisServer) -> None:
    env = {"GATEWAY_STORE": redis.url, "GATEWAY_STORE_PREFIX": "uvicorn-workers"}
    with live_server("examples.all:app", env=env, args=("--workers", "2")) as url:
        check_one_deployment(url)
        # each worker registers as it starts: the second may still be starting on a loaded machine
        wait_until(lambda: len(registered_workers(redis, "uvicorn-workers")) == 2, "both workers registered")
        registered = registered_workers(redis, "uvicorn-workers")
    assert len(registered) == 2 and len({r["pid"] for r in registered}) == 2, registered
    assert all(r["address"].startswith("http://127.0.0.1:") for r in registered)
    assert registered_workers(redis, "uvicorn-workers") == []  # a clean stop unregisters


def registered_workers(redis: RedisServer, prefix: str) -> list[dict[str, object]]:
    client = sync_redis.Redis.from_url(redis.url)
    try:
        return [json.loads(client.get(key)) for key in client.keys(f"{prefix}:worker:*")]
    finally:
        client.close()


def test_serve_with_a_store_section_and_workers(redis: RedisServer, tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    port = free_port()
    config.write_text(
        'modules = ["examples.remoting_samples"]\n'
        f'[server]\nport = {port}\nworkers = 2\n'
        f'[store]\nurl = "{redis.url}"\nprefix = "serve-workers"\n'
        '[lifetime]\nlease_manager_poll_time = "1S"\n'
        '[[wellknown]]\ntype = "RemotingPeer.SingletonObject, PeerServer"\nuri = "SingletonService.rem"\n'
        'mode = "Singleton"\n'
        '[[wellknown]]\ntype = "RemotingPeer.SingleCallObject, PeerServer"\nuri = "SingleCallService.rem"\n'
        'mode = "SingleCall"\n'
        '[[activated]]\ntype = "RemotingPeer.ClientActivatedObject, PeerServer"\n'
    )
    cmd = [sys.executable, "-m", "gateway", "serve", "--config", str(config), "--log-level", "warning"]
    with live_process(cmd, port, name="remoting-gateway serve") as (url, output):
        check_one_deployment(url)
        printed = output()
    assert "(2 workers)" in printed
    assert "each hold their own objects" not in printed, printed


def test_a_store_that_is_down_at_start_does_not_stop_the_workers() -> None:
    env = {"GATEWAY_STORE": f"redis://127.0.0.1:{free_port()}/0"}
    with live_server("examples.all:app", env=env, args=("--workers", "2")) as url, fresh_connections() as client:
        assert client.get_object(IRemoteService, url + "SingleCallService.rem").Increment() == 1
        with pytest.raises(Exception, match=r"the object store redis://127\.0\.0\.1:\d+/0 is unavailable"):
            client.get_object(IRemoteService, url + "SingletonService.rem").Increment()


#: Modules that could turn bytes into objects of a class the bytes name.
UNSAFE_MODULES = {"pickle", "cPickle", "marshal", "shelve", "dill", "jsonpickle", "importlib", "pydoc"}


def test_nothing_read_from_the_store_can_pick_a_class() -> None:
    """The code that reads the store (and decodes persistent state) imports nothing that deserializes by class
    name, and decodes no JSON with object hooks."""
    root = Path(__file__).resolve().parents[2] / "gateway"
    paths = [*(root / "store").glob("*.py"), *(root / "cluster").glob("*.py"), root / "model" / "persistence.py"]
    for path in paths:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[0]}
            elif isinstance(node, ast.Call) and any(k.arg in ("object_hook", "cls") for k in node.keywords):
                pytest.fail(f"{path.name}:{node.lineno}: a decoder with a hook")
            else:
                continue
            assert not names & UNSAFE_MODULES, f"{path.name}:{node.lineno} imports {names & UNSAFE_MODULES}"


def test_workers_join_without_lifespan(redis: RedisServer) -> None:
    """An ASGI server that runs no lifespan: each worker joins the deployment on its first request."""
    env = {"GATEWAY_STORE": redis.url, "GATEWAY_STORE_PREFIX": "no-lifespan"}
    with live_server("examples.all:app", env=env, args=("--workers", "2", "--lifespan", "off")) as url:
        with fresh_connections() as client:
            for _ in range(6):  # wake both workers up
                client.get_object(IRemoteService, url + "SingleCallService.rem").Increment()
        check_one_deployment(url)
