"""A real nginx for tests: the configuration under test inside an ``http {}`` of its own, every path
(pid, logs, temporary files) in a temporary directory, ``daemon off``, stopped at the end.

Missing nginx skips locally and fails under ``CI=true`` (``support.peers``).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from .peers import require_peer
from .server import port_accepts, stop_process

WRAPPER = """\
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 1024; }}
http {{
{log_format}
    access_log {tmp}/access.log{log_name};
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{site}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin:/usr/local/sbin")


def write_config(tmp: Path, site: str, log_format: str | None = None) -> Path:
    """``tmp/nginx.conf``: ``site`` inside the wrapper's ``http {}``, every path under ``tmp``."""
    conf = tmp / "nginx.conf"
    conf.write_text(WRAPPER.format(
        tmp=tmp, site=site, log_format=f"    log_format tested '{log_format}';" if log_format else "",
        log_name=" tested" if log_format else "",
    ))
    return conf


@contextlib.contextmanager
def running_nginx(tmp: Path, port: int, site: str, log_format: str | None = None) -> Iterator[Path]:
    """nginx serving ``site`` (server blocks, upstreams: what goes inside ``http {}``), which listens on
    ``port``; ``log_format`` replaces the access log's. Yields ``tmp``, where ``access.log`` is written."""
    binary = nginx_binary()
    require_peer("nginx", binary is not None, "nginx (apt-get install nginx-light)")
    assert binary is not None
    conf = write_config(tmp, site, log_format)
    with (tmp / "stderr.log").open("wb") as errlog:
        proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(tmp)], stdin=subprocess.DEVNULL,
                                stdout=errlog, stderr=errlog)
        try:
            deadline = time.monotonic() + 15
            while not port_accepts(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    errors = (tmp / "stderr.log").read_text() + (
                        (tmp / "error.log").read_text() if (tmp / "error.log").exists() else "")
                    raise RuntimeError(f"nginx did not start (exit {proc.poll()}):\n{errors}")
                time.sleep(0.05)
            yield tmp
        finally:
            stop_process(proc)
    assert proc.poll() is not None, "nginx is still running"
