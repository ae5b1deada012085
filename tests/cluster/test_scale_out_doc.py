"""docs/scale-out.md as written: its first command runs a deployment (with a real redis-server), its
configuration file builds an app with the Redis store, its persistent Singleton keeps the declared state, and
every shell block parses.

The command is run as the page shows it, except what a test must change: the Redis URL (a test server on a
free port), two workers instead of four (this machine has two cores) and a loopback address and free port.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from gateway.config import build_app, load_config
from gateway.model.persistence import schema_of
from gateway.store import RedisStore

from ..support.docs import assert_shell_parses, code_blocks
from ..support.redis import RedisServer
from ..support.server import REPO_ROOT, free_port, live_process
from .test_workers import check_one_deployment, registered_workers

DOC = REPO_ROOT / "docs" / "scale-out.md"


def blocks(language: str) -> list[str]:
    return code_blocks(DOC, language)


def test_shell_blocks_parse() -> None:
    for block in blocks("sh"):
        assert_shell_parses(block)


@pytest.mark.interop
def test_the_first_command_runs_a_deployment(redis: RedisServer) -> None:
    words = shlex.split(blocks("sh")[0].strip())
    env = dict(word.split("=", 1) for word in words if re.fullmatch(r"[A-Z_]+=\S+", word))
    argv = [word for word in words if not re.fullmatch(r"[A-Z_]+=\S+", word)]
    assert env.keys() == {"GATEWAY_STORE"} and env["GATEWAY_STORE"].startswith("redis://"), env
    assert argv[0] == "uvicorn" and argv[-2:] == ["--workers", "4"], argv
    port = free_port()
    cmd = [sys.executable, "-m", *argv[:-1], "2", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning"]
    env = {"GATEWAY_STORE": redis.url, "GATEWAY_STORE_PREFIX": "scale-out-doc"}
    with live_process(cmd, port, env, name="the documented command") as (url, _output):
        check_one_deployment(url)  # one client-activated object and one Singleton over fresh connections
    assert registered_workers(redis, "scale-out-doc") == []  # both stopped cleanly


def test_the_configuration_block_selects_redis(tmp_path: Path) -> None:
    (toml,) = blocks("toml")
    path = tmp_path / "gateway.toml"
    path.write_text(toml, encoding="utf-8")
    app = build_app(load_config(path, environ={}))
    assert isinstance(app.store, RedisStore) and app.store.name == "redis://redis.internal:6379/0"
    assert app.cluster is not None


def test_the_persistent_singleton_keeps_its_declared_state() -> None:
    (example,) = blocks("python")
    scope: dict[str, object] = {"__name__": "scale_out_doc"}
    exec(compile(example, str(DOC), "exec"), scope)  # the page's own code
    registry_class = scope["Registry"]
    assert isinstance(registry_class, type)
    schema = schema_of(registry_class)
    assert schema is not None
    before = registry_class()
    before.count = 2
    before.names.append("ada")
    after = registry_class()  # the new owner's instance, restored from what the old one saved
    schema.restore(after, schema.encode(before))
    assert (after.count, after.names) == (2, ["ada"])
