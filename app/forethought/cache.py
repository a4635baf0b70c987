"""One small cache for everything this process keeps: scored assessments, verified
publications, the libraries publications carry, and schema checks.

Least recently used items go first once it is full. It is safe across threads (waitress serves
requests on several) and holds only what can be made again, so losing it costs time, not data.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class Cache:
    """At most `size` items by key, the least recently used dropped first."""

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The item, or None."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The item, made and kept the first time. `make` runs outside the lock, so a slow
        make does not hold up other keys; two threads may both make the same new item."""
        found = self.get(key)
        if found is None:
            found = make()
            self.put(key, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
