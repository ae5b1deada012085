"""Which store an application uses: an :class:`~gateway.store.interface.ObjectStore`, a URL, or
``GATEWAY_STORE``.

``embedded`` (the default) keeps everything in the process, as always; ``redis://host:port/db`` (also
``rediss://`` and ``unix://``) shares the object directory, Singleton ownership and lease index between
every worker of a deployment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .embedded import EmbeddedStore
from .interface import ObjectStore
from .redis_store import RedisStore

#: The variable ``RemotingApp()`` reads when no ``store`` is given (and ``[store] url`` in a configuration).
STORE_VARIABLE = "GATEWAY_STORE"
PREFIX_VARIABLE = "GATEWAY_STORE_PREFIX"

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def store_for(url: str, *, prefix: str = "gateway", timeout: float = 2.0) -> ObjectStore:
    """The store a URL names; a ValueError that says what is accepted otherwise."""
    text = url.strip()
    if text in ("", "embedded"):
        return EmbeddedStore()
    if text.lower().startswith(REDIS_SCHEMES):
        return RedisStore(text, prefix=prefix, timeout=timeout)
    shown = text.split("@")[-1]  # never echo a password
    raise ValueError(f"store {shown!r}: expected 'embedded' or a Redis URL (redis://host:port/db, rediss://..., "
                     "unix:///path/redis.sock)")


def select_store(store: ObjectStore | str | None, environ: Mapping[str, str] | None = None) -> ObjectStore:
    """``store`` itself, the store its URL names, or (None) the one ``GATEWAY_STORE`` names."""
    if store is not None and not isinstance(store, str):
        return store
    env = os.environ if environ is None else environ
    url = store if store is not None else env.get(STORE_VARIABLE, "")
    prefix = env.get(PREFIX_VARIABLE, "").strip() or "gateway"
    try:
        return store_for(url, prefix=prefix)
    except ValueError as exc:
        where = f"environment variable {STORE_VARIABLE}: " if store is None else ""
        raise ValueError(f"{where}{exc}") from None
