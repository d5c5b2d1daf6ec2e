"""The named sources a ``threadx.requests.DataRequest`` refers to."""

from __future__ import annotations

import threading

import pandas as pd

from threadx._inputs import FieldErrors
from threadx.data import sample
from threadx.errors import DataError, ValidationError
from threadx.sources._checks import names_list
from threadx.sources._resilience import CircuitBreaker, Retry
from threadx.sources._resilient import ResilientSource
from threadx.sources._sources import CallableSource, DataSource


_REGISTRY: dict[str, ResilientSource] = {}
_REGISTRY_LOCK = threading.Lock()


def register_source(name: str, source: DataSource, *, retry: Retry | None = None,
                    breaker: CircuitBreaker | None = None, replace: bool = False) -> ResilientSource:
    """Make ``source`` known as ``name`` (wrapped in a ResilientSource unless it is one); return it."""
    errors = FieldErrors()
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        errors.add("name", name, "must be a non-empty string without surrounding whitespace")
    if not callable(getattr(source, "fetch", None)):
        errors.add("source", source, "must have a fetch(symbol, start, end, timeframe) method")
    if isinstance(source, ResilientSource) and (retry is not None or breaker is not None):
        errors.add("source", source, "is already a ResilientSource: give retry/breaker to it, not here")
    errors.raise_if_any()
    wrapped = source if isinstance(source, ResilientSource) else ResilientSource(
        source, retry=retry, breaker=breaker, name=name)
    with _REGISTRY_LOCK:
        if name in _REGISTRY and not replace:
            raise ValidationError([{"field": "name", "value": repr(name),
                                    "message": "is already registered (pass replace=True to replace it)"}])
        _REGISTRY[name] = wrapped
    return wrapped


def get_source(name: str) -> ResilientSource:
    """The source registered as ``name``; ValidationError (field 'source') when there is none."""
    with _REGISTRY_LOCK:
        found = _REGISTRY.get(name) if isinstance(name, str) else None
        known = sorted(_REGISTRY)
    if found is None:
        raise ValidationError([{"field": "source", "value": repr(name),
                                "message": f"unknown source; registered: {names_list(known)}"}])
    return found


def unregister_source(name: str) -> ResilientSource | None:
    """Forget ``name``; return what was registered under it (None if nothing, as for a non-string)."""
    if not isinstance(name, str):
        return None
    with _REGISTRY_LOCK:
        return _REGISTRY.pop(name, None)


def source_names() -> list[str]:
    """Names of the registered sources, sorted."""
    with _REGISTRY_LOCK:
        return sorted(_REGISTRY)


def _sample(symbol: str, start: pd.Timestamp, end: pd.Timestamp, timeframe: str) -> pd.DataFrame:
    if symbol != "GOOG":
        raise DataError(f"the 'sample' source holds only 'GOOG', not {symbol!r}")
    if timeframe != "1d":
        raise DataError(f"the 'sample' source holds daily bars ('1d'), not {timeframe!r}")
    return sample()


register_source("sample", CallableSource(_sample, name="sample"))
