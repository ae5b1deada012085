"""External URLs, computed per request from what the ASGI server presents (never cached).

The scheme comes from the ASGI scope (uvicorn rewrites it from ``X-Forwarded-Proto`` for the proxies it
trusts, ``--forwarded-allow-ips``). ``X-Forwarded-Host`` and ``X-Forwarded-Prefix`` are honoured only when
the application is told a trusted reverse proxy sets them (``RemotingApp(trust_forwarded=True)`` or
``GATEWAY_TRUST_FORWARDED=1``): only the deployer knows that a proxy in front overwrites whatever a client
sent in those headers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


def trust_forwarded_from_env() -> bool:
    return os.environ.get("GATEWAY_TRUST_FORWARDED", "").strip().lower() in ("1", "true", "yes", "on")


def external_base_url(scope: Mapping[str, Any], headers: Mapping[str, str], trust_forwarded: bool = False) -> str:
    """``scheme://host[:port][prefix][root_path]`` as the caller addressed us."""
    scheme = scope.get("scheme", "http")
    host = headers.get("host")
    prefix = ""
    if trust_forwarded:
        forwarded_host = headers.get("x-forwarded-host", "").split(",")[0].strip()
        if forwarded_host:
            host = forwarded_host
        forwarded_proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        if forwarded_proto in ("http", "https"):
            scheme = forwarded_proto
        prefix = headers.get("x-forwarded-prefix", "").split(",")[0].strip().rstrip("/")
        if prefix and not prefix.startswith("/"):
            prefix = "/" + prefix
    if not host:
        server = scope.get("server")
        if server:
            name, port = server[0], server[1]
            default = (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
            host = name if default or port is None else f"{name}:{port}"
        else:
            host = "localhost"
    return f"{scheme}://{host}{prefix}{scope.get('root_path', '')}".rstrip("/")
