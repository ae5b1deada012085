"""HTTP clients for tests that talk to live servers.

httpx builds a new TLS context for every ``httpx.Client`` it makes (loading certifi's CA bundle: ~50 ms, far
more than a call to a loopback server). The tests only speak plain HTTP, so their clients share one.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

#: the one TLS context of the tests' clients (never used on the wire: every test URL is http://)
TLS = ssl.create_default_context()


def http_client(**options: Any) -> httpx.Client:
    """An ``httpx.Client(**options)`` that reuses :data:`TLS` instead of building its own context."""
    return httpx.Client(verify=TLS, **options)
