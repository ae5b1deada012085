"""Credentials a client presents: HTTP Basic (a user name and password), a Bearer token, or a WS-Security
UsernameToken.

The HTTP ones become an ``httpx.Auth`` on the client's HTTP client, so they are sent with every request,
including the callback-free first one (no 401 round trip), over the sync and the async transport alike. A
UsernameToken travels inside the SOAP message instead, so only document/literal calls (proxies with a
``LiteralBinding``) carry it; the formatter writes it (``soap.UsernameCredentials``).
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

from soap import UsernameCredentials


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` on every request."""

    def __init__(self, token: str) -> None:
        if not token or any(c in token for c in "\r\n"):
            raise ValueError("a bearer token must be a non-empty single line")
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def username_credentials(pair: tuple[str, str] | None, digest: bool) -> UsernameCredentials | None:
    """The WS-Security credentials for ``(username, password)``: a PasswordDigest token when ``digest``."""
    if pair is None:
        return None
    username, password = pair
    if not username:
        raise ValueError("a UsernameToken needs a user name")
    return UsernameCredentials(username, password, digest)


def http_auth(basic_auth: tuple[str, str] | None, bearer_token: str | None) -> httpx.Auth | None:
    """The ``httpx.Auth`` for the credentials a client was given (at most one kind)."""
    if basic_auth is not None and bearer_token is not None:
        raise ValueError("give basic_auth or bearer_token, not both")
    if basic_auth is not None:
        return httpx.BasicAuth(*basic_auth)
    if bearer_token is not None:
        return BearerAuth(bearer_token)
    return None
