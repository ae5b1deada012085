"""External URLs, computed per request from what the ASGI server presents (never cached).

The scheme comes from the ASGI scope (uvicorn rewrites it from ``X-Forwarded-Proto`` for the proxies it
trusts, ``--forwarded-allow-ips``). ``X-Forwarded-Host`` and ``X-Forwarded-Prefix`` are honoured only when
the application is told a trusted reverse proxy sets them (``RemotingApp(trust_forwarded=True)`` or
``GATEWAY_TRUST_FORWARDED=1``): only the deployer knows that a proxy in front overwrites whatever a client
sent in those headers.

A host a caller sent goes into the URLs only when it is one: a name, an IPv4 address or a bracketed IPv6
address, and a port (``valid_authority``); anything else (``[::1``, bytes that are no ASCII) is ignored, as if
absent, so it can neither break the URL's parsing nor ride into a WSDL or an ObjRef.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any


def trust_forwarded_from_env() -> bool:
    return os.environ.get("GATEWAY_TRUST_FORWARDED", "").strip().lower() in ("1", "true", "yes", "on")


#: ``name[:port]``, ``1.2.3.4[:port]`` or ``[v6][:port]``, the strict form (as Django's host validation), with ``_``
_AUTHORITY = re.compile(r"(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?\Z")


def valid_authority(text: str) -> bool:
    """Whether ``text`` (a ``Host`` header, a ``tcp://`` URL's authority) is a host and optional port."""
    return _AUTHORITY.match(text) is not None


def external_base_url(scope: Mapping[str, Any], headers: Mapping[str, str], trust_forwarded: bool = False) -> str:
    """``scheme://host[:port][prefix][root_path]`` as the caller addressed us."""
    scheme = scope.get("scheme", "http")
    host = headers.get("host")
    if host and not valid_authority(host):
        host = None
    prefix = ""
    if trust_forwarded:
        forwarded_host = headers.get("x-forwarded-host", "").split(",")[0].strip()
        if forwarded_host and valid_authority(forwarded_host):
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
