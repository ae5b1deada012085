"""Authentication and authorization: HelloServer behind HTTP Basic and Bearer credentials, with roles.

    uvicorn examples.secured:app

* every request needs credentials (the WSDL and the index too): user ``alice`` / ``wonderland`` (roles
  ``reader``, ``admin``), user ``bob`` / ``builder`` (role ``reader``), or the token ``s3cr3t-token``
  (service ``reporting``, role ``reader``);
* ``/SecureHello.soap`` and ``/SecureHello.rem``: ``HelloMethod`` and ``WhoAmI`` for any authenticated
  caller, ``Reset`` only for the ``admin`` role (others get ``System.UnauthorizedAccessException``);
* ``/metrics``: the Prometheus scrape, behind the same sinks (a scraper sends the token, for instance).

The demo secrets are in the source for the example's sake; a real deployment reads them from its secret
store in the verifier function. A .NET Remoting client sets the ``HttpChannel``'s ``username`` and
``password``; a Python client passes ``RemotingClient(basic_auth=("alice", "wonderland"))``.
"""

from __future__ import annotations

from examples.hello import IHello
from gateway import (
    AuthorizationRules,
    HttpAuthenticationSink,
    MarshalByRefObject,
    Principal,
    RemotingApp,
    RequestLoggingSink,
    StaticTokens,
    StaticUsers,
    WellKnownObjectMode,
    current_principal,
)
from soap import clr_type

PEER_SHARED = "PeerShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"

USERS = StaticUsers({"alice": ("wonderland", ["reader", "admin"]), "bob": ("builder", ["reader"])})
TOKENS = StaticTokens({"s3cr3t-token": Principal.of("reporting", ["reader"])})


@clr_type("RemotingPeer.ISecureHello", PEER_SHARED)
class ISecureHello(IHello):
    def WhoAmI(self) -> str:
        """The name the caller authenticated as."""
        raise NotImplementedError

    def Reset(self) -> str:
        """An administrative operation: callers in the ``admin`` role only."""
        raise NotImplementedError


@clr_type("RemotingPeer.SecureHello", "PeerServer")
class SecureHello(MarshalByRefObject, ISecureHello):
    def HelloMethod(self, name: str) -> str:
        return "Hi there " + name

    def WhoAmI(self) -> str:
        principal = current_principal()
        return principal.name if principal is not None else "(anonymous)"

    def Reset(self) -> str:
        return "reset by " + (current_principal() or Principal("?")).name


def make_app() -> RemotingApp:
    rules = AuthorizationRules(default_roles=())  # every call: an authenticated caller
    for uri in ("SecureHello.soap", "SecureHello.rem"):
        rules.require(uri, "admin", method="Reset")
    app = RemotingApp(
        sinks=[RequestLoggingSink(), HttpAuthenticationSink(basic=USERS, bearer=TOKENS, realm="examples")],
        authorization=rules,
    )
    app.register_well_known(SecureHello, "SecureHello.soap", WellKnownObjectMode.SingleCall)
    app.register_well_known(SecureHello, "SecureHello.rem", WellKnownObjectMode.SingleCall)
    return app


app = make_app()

__all__ = ["ISecureHello", "SecureHello", "app", "make_app"]
