"""HTTP authentication sinks: Basic and Bearer credentials checked before anything is served.

:class:`HttpAuthenticationSink` is a server sink (it sees every request: calls, WSDL, the index, refused
bodies). A request without acceptable credentials gets ``401`` with a ``WWW-Authenticate`` challenge per
enabled scheme, which is what .NET's ``HttpWebRequest`` (under a Remoting ``HttpChannel`` with
``username``/``password``) answers by resending with credentials. A request with good credentials runs with
its :class:`~gateway.model.principal.Principal` current (``gateway.current_principal()``), which the
authorization rules and the method itself read.

Verifiers are plain functions (sync or async) or objects with ``__call__``, so credentials can come from
anywhere; :class:`StaticUsers` and :class:`StaticTokens` cover fixed secrets with constant-time compares.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping

from ..model.principal import Principal, reset_principal, set_principal
from .sinks import Handler, ServerRequest, ServerResponse

#: ``verify(username, password) -> Principal | None`` (or an awaitable of it).
BasicVerifier = Callable[[str, str], "Awaitable[Principal | None] | Principal | None"]
#: ``verify(token) -> Principal | None`` (or an awaitable of it).
BearerVerifier = Callable[[str], "Awaitable[Principal | None] | Principal | None"]


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def secrets_equal(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets (hashed first, so their lengths do not show either)."""
    return hmac.compare_digest(_digest(given), _digest(expected))


class StaticUsers:
    """A Basic verifier over a fixed table: ``{"alice": ("secret", ["admin"])}``; :meth:`password_of` is the
    lookup WS-Security's UsernameToken authenticator takes."""

    def __init__(self, users: Mapping[str, tuple[str, Iterable[str]]]) -> None:
        self._users = {name: (password, frozenset(roles)) for name, (password, roles) in users.items()}
        # per user, what every Basic check needs, built once: the password's digest and the (immutable) identity
        self._basic = {name: (_digest(password), Principal(name, roles, "Basic"))
                       for name, (password, roles) in self._users.items()}
        self._nobody = (_digest(""), None)

    def password_of(self, username: str) -> tuple[str, Principal] | None:
        """The password and identity of ``username`` (what a PasswordDigest is checked against), or None."""
        found = self._users.get(username)
        if found is None:
            return None
        return found[0], Principal(username, found[1], "UsernameToken")

    def __call__(self, username: str, password: str) -> Principal | None:
        expected, principal = self._basic.get(username, self._nobody)
        # compare even for an unknown user, so a wrong name costs the same as a wrong password
        matched = hmac.compare_digest(_digest(password), expected)
        return principal if matched else None


class StaticTokens:
    """A Bearer verifier over a fixed table: ``{"token-value": Principal.of("svc", ["reader"])}``."""

    def __init__(self, tokens: Mapping[str, Principal]) -> None:
        self._tokens = dict(tokens)

    def __call__(self, token: str) -> Principal | None:
        found: Principal | None = None
        for candidate, principal in self._tokens.items():
            if secrets_equal(token, candidate):
                found = principal
        if found is None:
            return None
        return Principal(found.name, found.roles, found.scheme or "Bearer")


async def _resolve(result: Awaitable[Principal | None] | Principal | None) -> Principal | None:
    if result is None or type(result) is Principal:  # a plain verifier's answer (the usual case): no await
        return result
    if inspect.isawaitable(result):
        result = await result
    return result if isinstance(result, Principal) else None


def _basic_credentials(value: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def _is_metadata(request: ServerRequest) -> bool:
    """A read of the WSDL or the index: GET/HEAD on ``/`` or an object URI (never the metrics path, which
    cannot end in ``.rem`` or ``.soap``)."""
    return request.method in ("GET", "HEAD") and (not request.uri or request.uri.endswith((".rem", ".soap")))


class HttpAuthenticationSink:
    """Requires HTTP Basic and/or Bearer credentials on every request.

    ``public_metadata=True`` lets anonymous callers read the WSDL and the index (GET/HEAD on an object URI
    or on ``/``); calls still need credentials, and so does the metrics scrape. ``allow_anonymous=True``
    lets any request through without credentials (bad credentials are still refused): the authorization
    rules then decide per object and method.
    """

    def __init__(
        self,
        *,
        basic: BasicVerifier | None = None,
        bearer: BearerVerifier | None = None,
        realm: str = "remoting-gateway",
        public_metadata: bool = False,
        allow_anonymous: bool = False,
    ) -> None:
        if basic is None and bearer is None:
            raise ValueError("HttpAuthenticationSink needs a basic= or a bearer= verifier (or both)")
        if '"' in realm or "\\" in realm:
            raise ValueError("the realm may not contain quotes or backslashes")
        self.basic = basic
        self.bearer = bearer
        self.realm = realm
        self.public_metadata = public_metadata
        self.allow_anonymous = allow_anonymous

    @property
    def off_loop_safe(self) -> bool:
        """Whether this sink finishes without awaiting the event loop, so a TCP channel with ``threads=True``
        may run it on its connection threads: true with the in-process verifiers (:class:`StaticUsers`,
        :class:`StaticTokens`, what the configuration file builds); a verifier of the application's own may
        await anything, so its calls go through the loop."""
        return all(verifier is None or type(verifier) in (StaticUsers, StaticTokens)
                   for verifier in (self.basic, self.bearer))

    async def __call__(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        header = request.headers.get("authorization")
        principal: Principal | None = None
        if header:
            principal = await self._authenticate(header)
            if principal is None:
                return self._challenge("The credentials were not accepted.")
        elif not (self.allow_anonymous or (self.public_metadata and _is_metadata(request))):
            return self._challenge("Authentication is required.")
        if principal is not None:
            request.properties["principal"] = principal
        token = set_principal(principal)
        try:
            return await call_next(request)
        finally:
            reset_principal(token)

    async def _authenticate(self, header: str) -> Principal | None:
        scheme, _, credentials = header.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "basic" and self.basic is not None:
            pair = _basic_credentials(credentials)
            return None if pair is None else await _resolve(self.basic(*pair))
        if scheme == "bearer" and self.bearer is not None and credentials.strip():
            return await _resolve(self.bearer(credentials.strip()))
        return None

    def _challenge(self, message: str) -> ServerResponse:
        headers = []
        if self.basic is not None:
            headers.append(("www-authenticate", f'Basic realm="{self.realm}", charset="UTF-8"'))
        if self.bearer is not None:
            headers.append(("www-authenticate", f'Bearer realm="{self.realm}"'))
        return ServerResponse(401, f"{message}\n".encode(), "text/plain; charset=utf-8", headers)
