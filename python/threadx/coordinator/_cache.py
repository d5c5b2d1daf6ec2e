"""What a coordinator keeps of finished jobs: a result cache and the uncollected jobs.

``ResultCache`` is a thread-safe LRU of job results with a byte limit.  Keys are
request fingerprints (``Request.fingerprint()``: a hash of the data and the
parameters).  Values are stored as private copies and handed out as fresh copies, so
no caller can change what another one gets.  Only results made of numpy arrays and
pandas objects (in tuples, lists or dicts) are cached; anything else is passed through.

``Uncollected`` holds finished jobs whose result nobody took yet, oldest first, bounded
by count and by the estimated bytes of their results (``estimate_nbytes``).
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd

__all__ = ["ResultCache", "Uncollected", "copy_result", "estimate_nbytes", "result_nbytes"]

_T = TypeVar("_T")
_WALK_DEPTH = 4  # levels of containers and result objects estimate_nbytes looks into
_WALK_ITEMS = 64  # items of a container it looks at (the rest are assumed alike)


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


def estimate_nbytes(value: Any) -> int:
    """Bytes a result holds, estimated cheaply (no data is read).

    numpy arrays count ``nbytes``, pandas objects ``memory_usage(deep=False)`` (their
    index included); tuples, lists, dicts and the attributes of result objects (such
    as a ``BacktestResult``) are summed, each object once, down to a few levels (a
    long container: its first items' mean times its length); anything else counts
    ``sys.getsizeof``.  Never raises: a result whose inspection fails counts 0.
    """
    try:
        return _estimate(value, _WALK_DEPTH, set())
    except Exception:  # noqa: BLE001 - a user's result object may raise from anything
        return 0


def _estimate(value: Any, depth: int, seen: set[int]) -> int:
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=True, deep=False).sum())
    if isinstance(value, (pd.Series, pd.Index)):
        return int(value.memory_usage(deep=False))
    size = sys.getsizeof(value, 0)
    if depth <= 0 or isinstance(value, (str, bytes, bytearray, int, float, complex, bool)) or value is None:
        return size
    if isinstance(value, (tuple, list, set, frozenset)):
        return size + _estimate_all(value, len(value), depth, seen)
    if isinstance(value, dict):
        return size + _estimate_all(value.values(), len(value), depth, seen)
    attrs = getattr(value, "__dict__", None)
    if isinstance(attrs, dict):
        return size + _estimate_all(attrs.values(), len(attrs), depth, seen)
    return size


def _estimate_all(values: Any, count: int, depth: int, seen: set[int]) -> int:
    """The items' sum; past ``_WALK_ITEMS`` items, the first ones' mean times ``count``."""
    total = 0
    for i, v in enumerate(values):
        if i == _WALK_ITEMS:
            return total * count // _WALK_ITEMS
        total += _estimate(v, depth - 1, seen)
    return total


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


class Uncollected(Generic[_T]):
    """Finished jobs nobody collected yet, oldest first, at most ``max_count`` of them and
    ``max_bytes`` of results in all; the oldest are evicted first (and counted).

    Evicting a job drops only the coordinator's reference: whoever holds the job still
    gets its result.  Thread-safe (a job's result may be taken on any thread).
    """

    def __init__(self, max_count: int, max_bytes: int) -> None:
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._items: OrderedDict[int, tuple[_T, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        self.evicted = 0

    def add(self, key: int, item: _T, nbytes: int) -> None:
        """Keep ``item`` (holding ``nbytes``), then evict the oldest while over a bound."""
        with self._lock:
            self._items[key] = (item, nbytes)
            self.bytes += nbytes
            while self._items and (len(self._items) > self.max_count or self.bytes > self.max_bytes):
                _, (_, n) = self._items.popitem(last=False)
                self.bytes -= n
                self.evicted += 1

    def pop(self, key: int) -> None:
        """Forget ``key`` (its result was taken); nothing happens when it is not kept."""
        with self._lock:
            entry = self._items.pop(key, None)
            if entry is not None:
                self.bytes -= entry[1]

    def get(self, key: int) -> _T | None:
        with self._lock:
            entry = self._items.get(key)
        return None if entry is None else entry[0]

    def __len__(self) -> int:
        return len(self._items)
