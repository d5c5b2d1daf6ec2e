"""A thread-safe LRU of job results with a byte limit.

Keys are request fingerprints (``Request.fingerprint()``: a hash of the data and the
parameters).  Values are stored as private copies and handed out as fresh copies, so
no caller can change what another one gets.  Only results made of numpy arrays and
pandas objects (in tuples, lists or dicts) are cached; anything else is passed through.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ResultCache", "copy_result", "result_nbytes"]


def result_nbytes(value: Any) -> int | None:
    """Bytes held by a cacheable result; None when the result cannot be cached."""
    if isinstance(value, np.ndarray):
        return None if value.dtype.hasobject else int(value.nbytes)
    if isinstance(value, (pd.Series, pd.DataFrame)):
        if isinstance(value, pd.DataFrame):
            if any(dt == object for dt in value.dtypes):
                return None
        elif value.dtype == object:
            return None
        return int(value.memory_usage(index=True, deep=False).sum()) if isinstance(value, pd.DataFrame) \
            else int(value.memory_usage(index=True, deep=False))
    if isinstance(value, (tuple, list)):
        total = 0
        for v in value:
            n = result_nbytes(v)
            if n is None:
                return None
            total += n
        return total
    if isinstance(value, dict):
        return result_nbytes(list(value.values())) if all(isinstance(k, str) for k in value) else None
    if value is None or isinstance(value, (bool, int, float, str)):
        return 0
    return None


def copy_result(value: Any) -> Any:
    """A deep copy of a cacheable result (arrays and pandas objects copied)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (pd.Series, pd.DataFrame)):
        return value.copy(deep=True)
    if isinstance(value, tuple):
        return tuple(copy_result(v) for v in value)
    if isinstance(value, list):
        return [copy_result(v) for v in value]
    if isinstance(value, dict):
        return {k: copy_result(v) for k, v in value.items()}
    return value


class ResultCache:
    """Least-recently-used results, at most ``max_bytes`` in all (0 turns it off)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> tuple[bool, Any]:
        """(True, a copy of the result) on a hit, (False, None) on a miss."""
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                self.misses += 1
                return False, None
            self._items.move_to_end(key)
            self.hits += 1
            value = entry[0]
        return True, copy_result(value)

    def put(self, key: str, value: Any) -> None:
        """Keep a copy of ``value`` unless it cannot be cached or is larger than the limit."""
        size = result_nbytes(value)
        if size is None or size > self.max_bytes:
            return
        stored = copy_result(value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._items[key] = (stored, size)
            self.bytes += size
            while self.bytes > self.max_bytes and self._items:
                _, (_, n) = self._items.popitem(last=False)
                self.bytes -= n

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0
