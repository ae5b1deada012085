"""The store the workers of one deployment share (object directory, Singleton ownership, lease index).

See :mod:`gateway.store.interface`; ``docs/scale-out.md`` explains how it is used.
"""

from .embedded import EmbeddedStore
from .interface import Deployment, Heartbeat, ObjectStore, StoreDataError, StoreUnavailable, WorkerRecord
from .redis_store import RedisStore
from .selection import STORE_VARIABLE, select_store, store_for

__all__ = [
    "STORE_VARIABLE",
    "Deployment",
    "EmbeddedStore",
    "Heartbeat",
    "ObjectStore",
    "RedisStore",
    "StoreDataError",
    "StoreUnavailable",
    "WorkerRecord",
    "select_store",
    "store_for",
]
