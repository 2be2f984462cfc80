"""An in-process tile cache, bounded in bytes, checked against the data's version.

Entries are never trusted on age: each hit is checked against the current
version under the tile (one indexed query), so new data shows without restart.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class TileCache:
    """Least-recently-used map from a tile key to (etag, bytes)."""

    def __init__(self, max_bytes: int = 64 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def has(self, key: str) -> bool:
        return key in self._items

    def get(self, key: str, etag: str) -> bytes | None:
        """The cached tile if it is still the one ``etag`` names."""
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != etag:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: str, etag: str, data: bytes) -> None:
        if not self.max_bytes or len(data) > self.max_bytes // 8:  # nor flush it for one tile
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            self._items[key] = (etag, data)
            self._size += len(data)
            while self._size > self.max_bytes:
                _, (_, evicted) = self._items.popitem(last=False)
                self._size -= len(evicted)
