"""A small thread-safe LRU cache for documents generated on demand (WSDL, help pages).

Generation runs outside the lock: two requests racing for the same missing key may both build it (the
documents are deterministic, so either result is right), but no request waits behind another's build.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most ``max_entries`` values; the least recently used one goes first."""

    def __init__(self, max_entries: int = 256) -> None:
        self._values: OrderedDict[K, V] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, key: K, build: Callable[[], V]) -> V:
        """The cached value of ``key``, or ``build()`` stored under it."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = build()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self._max:
                self._values.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._values)
