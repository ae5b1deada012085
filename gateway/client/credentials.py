"""Credentials a client presents: HTTP Basic (a user name and password) or a Bearer token.

Both become an ``httpx.Auth`` on the client's HTTP client, so they are sent with every request, including
the callback-free first one (no 401 round trip), over the sync and the async transport alike.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` on every request."""

    def __init__(self, token: str) -> None:
        if not token or any(c in token for c in "\r\n"):
            raise ValueError("a bearer token must be a non-empty single line")
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def http_auth(basic_auth: tuple[str, str] | None, bearer_token: str | None) -> httpx.Auth | None:
    """The ``httpx.Auth`` for the credentials a client was given (at most one kind)."""
    if basic_auth is not None and bearer_token is not None:
        raise ValueError("give basic_auth or bearer_token, not both")
    if basic_auth is not None:
        return httpx.BasicAuth(*basic_auth)
    if bearer_token is not None:
        return BearerAuth(bearer_token)
    return None
