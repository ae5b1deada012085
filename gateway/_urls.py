"""External URLs, computed per request from what the ASGI server presents (never cached)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def external_base_url(scope: Mapping[str, Any], headers: Mapping[str, str]) -> str:
    """``scheme://host[:port][root_path]`` as the caller addressed us.

    The scheme is what the ASGI server reports (uvicorn rewrites it from ``X-Forwarded-Proto`` for trusted
    proxies); the host comes from the ``Host`` header, or the server address when there is none.
    """
    scheme = scope.get("scheme", "http")
    host = headers.get("host")
    if not host:
        server = scope.get("server")
        if server:
            name, port = server[0], server[1]
            default = (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
            host = name if default or port is None else f"{name}:{port}"
        else:
            host = "localhost"
    return f"{scheme}://{host}{scope.get('root_path', '')}".rstrip("/")
