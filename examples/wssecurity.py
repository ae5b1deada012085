"""WS-Security: the interop service for SOAP toolkits, behind UsernameToken authentication.

    uvicorn examples.wssecurity:app

* ``/InteropService.soap`` is :mod:`examples.interop`'s service (document/literal, SOAP 1.1 and 1.2) plus
  ``whoami``; every call needs a ``wsse:Security`` header with a UsernameToken, PasswordText or
  PasswordDigest: user ``alice`` / ``wonderland`` (roles ``reader``, ``admin``) or ``bob`` / ``builder``
  (role ``reader``). ``fail`` is for the ``admin`` role only (others get ``System.UnauthorizedAccessException``).
* The WSDL stays public (a toolkit reads it before it has anything to authenticate with); calls without a
  token, with a wrong password, a stale ``Created`` or a replayed nonce get a SOAP fault
  (``wsse:InvalidSecurity`` / ``wsse:FailedAuthentication``).

zeep: ``Client(url + "?wsdl", wsse=UsernameToken("alice", "wonderland", use_digest=True))``; a Python proxy:
``RemotingClient(username_token=("alice", "wonderland"), password_digest=True)`` with a ``LiteralBinding``.
The demo secrets are in the source for the example's sake.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from examples.interop import InteropService
from gateway import (
    AuthorizationRules,
    RemotingApp,
    StaticUsers,
    UsernameTokenAuthenticator,
    WellKnownObjectMode,
    current_principal,
)

USERS = StaticUsers({"alice": ("wonderland", ["reader", "admin"]), "bob": ("builder", ["reader"])})


class SecureInteropService(InteropService):
    """The interop service, plus who is calling."""

    def whoami(self) -> str:
        """The name the caller authenticated as, and how."""
        principal = current_principal()
        return "(anonymous)" if principal is None else f"{principal.name} ({principal.scheme})"


def make_app(clock: Callable[[], float] = time.time) -> RemotingApp:
    """The app; ``clock`` (seconds since the epoch) is what token creation times are checked against."""
    rules = AuthorizationRules(default_roles=())  # every call: an authenticated caller
    rules.require("InteropService.soap", "admin", method="fail")
    app = RemotingApp(inspectors=[UsernameTokenAuthenticator(USERS.password_of, clock=clock)], authorization=rules)
    app.register_well_known(SecureInteropService, "InteropService.soap", WellKnownObjectMode.SingleCall)
    return app


app = make_app()

__all__ = ["SecureInteropService", "app", "make_app"]
