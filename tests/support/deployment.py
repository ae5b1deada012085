"""A scaled-out deployment on loopback, as ``deploy/`` describes it: Redis, two "hosts" (uvicorn instances
with two workers each) and nginx in front, running ``deploy/nginx/gateway.conf`` itself.

nginx gets the deployment's file with only its upstream addresses and listening port replaced (each
replacement must happen exactly once, so a reshaped file fails here rather than being tested half), with an
access log that records which upstream served each request.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis as sync_redis

from .nginx import running_nginx
from .redis import RedisServer
from .server import REPO_ROOT, free_port, live_process

NGINX_CONF = REPO_ROOT / "deploy" / "nginx" / "gateway.conf"
APP = "tests.cluster.deployed_app:app"
#: the access log records which upstream (host) served each request
UPSTREAM_LOG = "$request_method $request_uri $status $upstream_addr"

def site_config(port: int, upstreams: list[int]) -> str:
    """deploy/nginx/gateway.conf with its two upstreams and its port replaced."""
    text = NGINX_CONF.read_text()
    replacements = {"listen 80;": f"listen 127.0.0.1:{port};"}
    for name, upstream in zip(("app1:8000", "app2:8000"), upstreams, strict=True):
        replacements[f"server {name} "] = f"server 127.0.0.1:{upstream} "
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{NGINX_CONF} no longer has exactly one {old!r}"
        text = text.replace(old, new)
    return text


@dataclass
class Deployment:
    redis: RedisServer
    prefix: str
    hosts: list[str]  # each host's own URL (uvicorn, two workers)
    url: str  # nginx
    tmp: Path
    outputs: list[object] = field(default_factory=list)

    @property
    def access_log(self) -> str:
        path = self.tmp / "access.log"
        return path.read_text() if path.exists() else ""

    def workers(self) -> list[dict[str, object]]:
        """The worker records in the store (pid, address, ...)."""
        client = sync_redis.Redis.from_url(self.redis.url, socket_timeout=2)
        try:
            return [json.loads(client.get(key) or b"null") for key in client.keys(f"{self.prefix}:worker:*")]
        finally:
            client.close()

    def singleton_owner(self, uri: str) -> dict[str, object] | None:
        client = sync_redis.Redis.from_url(self.redis.url, socket_timeout=2)
        try:
            owner = client.get(f"{self.prefix}:lock:{uri}")
            record = client.get(f"{self.prefix}:worker:{owner.decode()}") if owner else None
            return json.loads(record) if record else None
        finally:
            client.close()

    def wait_for_workers(self, count: int, timeout: float = 60.0) -> list[dict[str, object]]:
        deadline = time.monotonic() + timeout
        while True:
            found = [w for w in self.workers() if w]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


@contextlib.contextmanager
def deployment(redis: RedisServer, tmp: Path, prefix: str, extra_env: dict[str, str] | None = None) -> Iterator[
        Deployment]:
    """Two hosts of two workers each, sharing ``redis`` under ``prefix``, behind nginx."""
    env = {"GATEWAY_STORE": redis.url, "GATEWAY_STORE_PREFIX": prefix, "GATEWAY_TRUST_FORWARDED": "1",
           "GATEWAY_FORMATTERS": "soap,binary", **(extra_env or {})}
    ports = [free_port(), free_port()]
    with contextlib.ExitStack() as stack:
        hosts = []
        outputs = []
        for port in ports:
            cmd = [sys.executable, "-m", "uvicorn", APP, "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
                   "--log-level", "warning", "--forwarded-allow-ips", "127.0.0.1"]
            url, output = stack.enter_context(live_process(cmd, port, env, name=f"host :{port}"))
            hosts.append(url)
            outputs.append(output)
        nginx_port = free_port()
        stack.enter_context(running_nginx(tmp, nginx_port, site_config(nginx_port, ports), UPSTREAM_LOG))
        url = f"http://127.0.0.1:{nginx_port}/"
        found = Deployment(redis, prefix, hosts, url, tmp, outputs)
        assert len(found.wait_for_workers(4)) == 4, found.workers()
        yield found


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds (a bound for a
    machine under load, not an expectation)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.1)
