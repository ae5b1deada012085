"""Who is calling: the authenticated identity of the current call (.NET's ``Thread.CurrentPrincipal``).

An authentication sink sets it for the duration of one request; the method reads it with
:func:`current_principal`. It lives in a context variable, so it is the caller's in ``async def`` methods
on the event loop and in plain methods on worker threads (each call runs in a copy of the caller's
context) alike, and never leaks from one request into another.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: its name, its roles, and the scheme that proved it (``Basic``, ``Bearer``,
    ``UsernameToken``)."""

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    scheme: str = ""

    @classmethod
    def of(cls, name: str, roles: Iterable[str] = (), scheme: str = "") -> Principal:
        return cls(name, frozenset(roles), scheme)

    def is_in_role(self, role: str) -> bool:
        """``IPrincipal.IsInRole``."""
        return role in self.roles


_CURRENT: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("remoting_principal", default=None)


def current_principal() -> Principal | None:
    """The identity of the caller of the method now running, None for an anonymous call."""
    return _CURRENT.get()


def set_principal(principal: Principal | None) -> contextvars.Token[Principal | None]:
    """Make ``principal`` current (an authentication sink does this); undo with :func:`reset_principal`."""
    return _CURRENT.set(principal)


def reset_principal(token: contextvars.Token[Principal | None]) -> None:
    _CURRENT.reset(token)
