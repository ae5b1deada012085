"""WS-Security UsernameToken authentication for SOAP toolkit callers (a call inspector).

SOAP toolkits (zeep, JAX-WS, WCF's basicHttpBinding with TransportWithMessageCredential, PHP, ...) prove who
they are with a ``wsse:Security`` header in the SOAP message instead of HTTP credentials. The header can only
be read once the message is decoded, so this is a :class:`~gateway.server.inspectors.CallInspector`, not a
server sink: ``RemotingApp(inspectors=[UsernameTokenAuthenticator(users.password_of)])``. It
"understands" the Security header block (a caller may mark it mustUnderstand), and the identity it proves
becomes the current :class:`~gateway.model.principal.Principal` for the call (scheme ``UsernameToken``), so
:class:`~gateway.server.authorization.AuthorizationRules` apply to it as to an HTTP-authenticated caller.

* ``PasswordText``: the password itself (send it over TLS only); ``PasswordDigest``:
  ``Base64(SHA-1(nonce + created + password))`` with a ``Nonce`` and a ``wsu:Created``, which the server
  must know the plain password to check.
* ``Created`` must lie within ``max_clock_skew`` seconds of the server's clock (both ways); a token with a
  ``Nonce`` is remembered in a :class:`ReplayCache` until its ``Created`` leaves that window, so a captured
  message cannot be replayed. A text token without a nonce cannot be protected against replay (TLS is).
* A bad token gets a SOAP fault with WS-Security 1.0's codes: ``wsse:InvalidSecurity`` (malformed header),
  ``wsse:UnsupportedSecurityToken`` (a password type it does not read) and ``wsse:FailedAuthentication``
  (unknown user, wrong password, stale or replayed token: which one is not said, except for the clock).
* ``required=True`` (default): a call without a token is refused unless a server sink (HTTP Basic/Bearer)
  already authenticated the caller. Binary calls and .NET's own SOAP calls carry no WS-Security header, so
  on a service that also serves them, add such a sink; ``required=False`` leaves tokenless callers
  anonymous, for the authorization rules to decide.
"""

from __future__ import annotations

import heapq
import inspect
import time
from collections.abc import Awaitable, Callable

from soap import SECURITY_HEADER, WSSE_NS, IncomingCall, SecurityHeaderError, UsernameToken, read_username_token

from ..model.errors import ClientRequestError
from ..model.principal import Principal, current_principal
from .authentication import BasicVerifier
from .sinks import ServerRequest

#: ``password_of(username) -> (password, Principal) | None`` (or an awaitable of it): the plain password a
#: digest is checked against, and the identity (roles) of the user.
PasswordLookup = Callable[[str], "Awaitable[tuple[str, Principal] | None] | tuple[str, Principal] | None"]

#: WS-Security 1.0's fault strings (section 12), which its faults carry before any detail of ours.
INVALID_SECURITY = "An error was discovered processing the <wsse:Security> header"
UNSUPPORTED_TOKEN = "An unsupported token was provided"
FAILED_AUTHENTICATION = "The security token could not be authenticated or authorized"


class WsSecurityError(ClientRequestError):
    """A WS-Security failure: a Client fault whose code is the WS-Security one (``wsse:FailedAuthentication``
    ...), as WS-Security 1.0 prescribes (SOAP 1.1: the faultcode; SOAP 1.2: the Subcode of ``Sender``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.fault_subcode = (WSSE_NS, code)


def _failed(reason: str | None = None) -> WsSecurityError:
    return WsSecurityError("FailedAuthentication", FAILED_AUTHENTICATION + (f": {reason}" if reason else ""))


class ReplayCache:
    """The nonces seen within the freshness window: bounded, each forgotten once its token is stale.

    ``add`` returns False for a nonce already held (a replay) and when the cache is full of nonces that are
    all still fresh: then the token is refused rather than an older nonce forgotten (failing closed, as
    WCF's replay cache does), which only a flood of *authenticated* requests can cause.
    """

    def __init__(self, capacity: int = 100_000, clock: Callable[[], float] = time.time) -> None:
        if capacity < 1:
            raise ValueError("a replay cache needs room for at least one nonce")
        self.capacity = capacity
        self.clock = clock
        self._expiry: dict[bytes, float] = {}
        self._heap: list[tuple[float, bytes]] = []

    def __len__(self) -> int:
        self._expire(self.clock())
        return len(self._expiry)

    def _expire(self, now: float) -> None:
        heap, expiry = self._heap, self._expiry
        while heap and heap[0][0] < now:  # at its expiry a token is still fresh (the window is inclusive)
            at, nonce = heapq.heappop(heap)
            if expiry.get(nonce) == at:
                del expiry[nonce]

    def add(self, nonce: bytes, expires: float) -> bool:
        """Remember ``nonce`` until ``expires`` (a clock time); False if it is a replay or there is no room."""
        now = self.clock()
        self._expire(now)
        if nonce in self._expiry or len(self._expiry) >= self.capacity:
            return False
        self._expiry[nonce] = expires
        heapq.heappush(self._heap, (expires, nonce))
        return True


async def _resolve(result: object) -> object:
    return await result if inspect.isawaitable(result) else result


class UsernameTokenAuthenticator:
    """Checks the WS-Security UsernameToken of every call (see the module docstring).

    ``password_of`` looks users up (their plain password and :class:`Principal`; ``StaticUsers.password_of``
    is one); it serves both password types. Where passwords are stored hashed, pass ``verify`` instead (a
    Basic verifier: ``verify(username, password) -> Principal | None``): then only ``PasswordText`` tokens
    can be checked and digest tokens are refused as unsupported. ``allow_text=False`` refuses ``PasswordText``.
    ``clock`` (seconds since the epoch) is injectable for tests.
    """

    understood_headers = frozenset({SECURITY_HEADER})

    def __init__(
        self,
        password_of: PasswordLookup | None = None,
        *,
        verify: BasicVerifier | None = None,
        required: bool = True,
        allow_text: bool = True,
        max_clock_skew: float = 300.0,
        replay_cache_size: int = 100_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if (password_of is None) == (verify is None):
            raise ValueError("UsernameTokenAuthenticator needs password_of= or verify= (one of them)")
        self.password_of = password_of
        self.verify = verify
        self.required = required
        self.allow_text = allow_text
        self.max_clock_skew = max_clock_skew
        self.clock = clock
        self.replays = ReplayCache(replay_cache_size, clock)

    async def inspect(self, call: IncomingCall, request: ServerRequest) -> Principal | None:
        try:
            token = read_username_token(call)
        except SecurityHeaderError as exc:
            if exc.unsupported:
                raise WsSecurityError("UnsupportedSecurityToken", f"{UNSUPPORTED_TOKEN}: {exc}") from None
            raise WsSecurityError("InvalidSecurity", f"{INVALID_SECURITY}: {exc}") from None
        if token is None:
            if self.required and current_principal() is None:
                raise WsSecurityError(
                    "InvalidSecurity", f"{INVALID_SECURITY}: this service requires a wsse:Security header "
                    "with a UsernameToken"
                )
            return None
        if not token.digest and not self.allow_text:
            raise WsSecurityError("UnsupportedSecurityToken", f"{UNSUPPORTED_TOKEN}: PasswordText is not accepted")
        expires = self._check_freshness(token)
        principal = await self._authenticate(token)
        if principal is None:
            raise _failed()
        if token.nonce is not None and not self.replays.add(token.nonce, expires):
            raise _failed("the nonce was seen before")
        return principal

    def _check_freshness(self, token: UsernameToken) -> float:
        """When the token's nonce may be forgotten; raises unless ``Created`` is within the window."""
        now = self.clock()
        try:
            created = token.created_at()
        except SecurityHeaderError as exc:
            raise WsSecurityError("InvalidSecurity", f"{INVALID_SECURITY}: {exc}") from None
        if created is None:
            return now + self.max_clock_skew
        at = created.timestamp()
        if abs(now - at) > self.max_clock_skew:
            raise _failed(f"wsu:Created is more than {self.max_clock_skew:g} s from the server's clock")
        return at + self.max_clock_skew

    async def _authenticate(self, token: UsernameToken) -> Principal | None:
        if self.password_of is not None:
            found = await _resolve(self.password_of(token.username))
            password, principal = found if isinstance(found, tuple) else ("", None)
            # compare even for an unknown user, so that it costs the same as a wrong password
            matched = token.matches(password)
            if not matched or not isinstance(principal, Principal):
                return None
            return Principal(principal.name, principal.roles, "UsernameToken")
        assert self.verify is not None
        if token.digest:
            raise WsSecurityError(
                "UnsupportedSecurityToken", f"{UNSUPPORTED_TOKEN}: PasswordDigest cannot be checked by this server"
            )
        principal = await _resolve(self.verify(token.username, token.password))
        if not isinstance(principal, Principal):
            return None
        return Principal(principal.name, principal.roles, "UsernameToken")
