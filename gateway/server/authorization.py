"""Authorization: which callers may call which object URIs and methods (roles, as .NET's ``IsInRole``).

Rules are checked by the dispatcher once the call is decoded (the method name is known only then), with
the principal an authentication sink made current. A call that a rule refuses gets an access fault: .NET's
``System.UnauthorizedAccessException``, which a .NET client catches as that type. Without rules every call
is allowed (what authentication lets through).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.dotnet_exceptions import UnauthorizedAccessException
from ..model.principal import Principal

#: What a refused call raises: .NET's ``System.UnauthorizedAccessException`` (one class under two names).
AccessDeniedError = UnauthorizedAccessException


@dataclass(frozen=True)
class _Rule:
    roles: frozenset[str]
    anonymous: bool


class AuthorizationRules:
    """Roles required per object URI, and per method of it.

    >>> rules = AuthorizationRules()
    >>> rules.require("Admin.rem", "admin")                      # every method: role admin
    >>> rules.require("Orders.soap", "clerk", "admin")          # any of the roles
    >>> rules.require("Orders.soap", method="Read")              # any authenticated caller
    >>> rules.allow_anonymous("Public.soap")

    The most specific rule wins (URI and method, then URI, then ``default``). ``default`` is None (allow
    everything a sink let through) unless set, e.g. ``AuthorizationRules(default_roles=())`` to require an
    authenticated caller everywhere.
    """

    def __init__(self, default_roles: tuple[str, ...] | None = None) -> None:
        self._rules: dict[tuple[str, str | None], _Rule] = {}
        self._default = None if default_roles is None else _Rule(frozenset(default_roles), False)

    def require(self, uri: str, *roles: str, method: str | None = None) -> AuthorizationRules:
        """Calls to ``uri`` (``method`` only, when given) need an authenticated caller in any of ``roles``
        (any authenticated caller when no role is named)."""
        self._rules[(uri.lstrip("/"), method)] = _Rule(frozenset(roles), False)
        return self

    def allow_anonymous(self, uri: str, method: str | None = None) -> AuthorizationRules:
        self._rules[(uri.lstrip("/"), method)] = _Rule(frozenset(), True)
        return self

    def check(self, uri: str, method: str, principal: Principal | None) -> None:
        """Raise :class:`AccessDeniedError` unless ``principal`` may call ``method`` at ``uri``."""
        key = uri.lstrip("/")
        rule = self._rules.get((key, method)) or self._rules.get((key, None)) or self._default
        if rule is None or rule.anonymous:
            return
        if principal is None:
            raise AccessDeniedError(f"Access to {method} on /{key} requires an authenticated caller.")
        if rule.roles and not (rule.roles & principal.roles):
            raise AccessDeniedError(
                f"Access to {method} on /{key} is denied: {principal.name} is not in a permitted role."
            )
