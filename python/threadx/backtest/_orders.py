"""The order-level core from Python (docs/orders.md): order columns in, records out.

``run_groups`` hands groups of symbols (each group one cash account) to
``_core.backtest.orders_run``; ``order_columns`` turns order specs (dicts keyed as in
docs/orders.md § 1) into the columns the core reads; ``decode`` names the codes of the
records. ``from_orders``, ``run`` and ``Strategy`` build on these.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import _core
from .._inputs import FieldErrors

ENUMS: dict[str, list[str]] = dict(_core.backtest.orders_enums())
_SIDES = {"buy": 1, "sell": -1}
_FLOAT_FIELDS = ("size", "limit", "stop", "sl", "tp", "sl_stop", "tp_stop", "tsl_stop", "tsl_offset")
_FIELDS = frozenset(("bar", "side", "type", "intent", "size_type", "tif", "tag", "lot", *_FLOAT_FIELDS))


def _code(table: str, value: object, field: str, where: str, errors: FieldErrors) -> int:
    names = ENUMS[table]
    if isinstance(value, str) and value in names:
        return names.index(value)
    errors.add(f"{where}: {field}", value, f"must be one of {names[:4] if table == 'kind' else names}")
    return 127


def _tif(value: object, where: str, errors: FieldErrors) -> tuple[int, int]:
    """(tif_bars, tif_ns); -1 = none. The core checks the ranges."""
    if value is None:
        return -1, -1
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), -1
    if isinstance(value, (dt.timedelta, np.timedelta64, pd.Timedelta)):
        return -1, int(pd.Timedelta(value).value)
    errors.add(f"{where}: tif", value, "must be a number of bars, a timedelta or None")
    return -1, -1


def order_columns(specs: Iterable[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """Columns of order specs (docs/orders.md § 1: ``bar``, ``side``, ``type``, ``intent``,
    ``size``/``size_type`` (``size=None``: 1.0 "percent"), ``limit``, ``stop``, ``tif``,
    brackets, ``tag``, ``lot`` (a reduce of that lot only)); a ValidationError lists every bad field."""
    errors = FieldErrors()
    cols: dict[str, list[Any]] = {k: [] for k in (
        "bar", "side", "type", "intent", "size_type", "tif_bars", "tif_ns", "tag", "lot", *_FLOAT_FIELDS)}
    for k, spec in enumerate(specs):
        where = f"order {k}"
        unknown = sorted(set(spec) - _FIELDS)
        if unknown:
            errors.add(f"{where}: {unknown[0]}", spec[unknown[0]], "is not an order field")
        side = spec.get("side")
        cols["side"].append(_SIDES.get(side, 127) if isinstance(side, str) else 127)
        if not (isinstance(side, str) and side in _SIDES):
            errors.add(f"{where}: side", side, "must be 'buy' or 'sell'")
        cols["bar"].append(int(spec.get("bar", -1)))
        cols["type"].append(_code("kind", spec.get("type", "market"), "type", where, errors))
        cols["intent"].append(_code("intent", spec.get("intent", "open"), "intent", where, errors))
        size = spec.get("size")
        cols["size_type"].append(_code("size_type", "percent" if size is None else spec.get("size_type", "percent"),
                                       "size_type", where, errors))
        bars_, ns = _tif(spec.get("tif"), where, errors)
        cols["tif_bars"].append(bars_)
        cols["tif_ns"].append(ns)
        tag = spec.get("tag")
        cols["tag"].append(-1 if tag is None else int(tag))
        lot = spec.get("lot")
        cols["lot"].append(-1 if lot is None else int(lot))
        for f in _FLOAT_FIELDS:
            v = spec.get(f)
            cols[f].append(1.0 if (f == "size" and v is None) else math.nan if v is None else float(v))
    errors.raise_if_any()
    return {k: np.asarray(v, dtype=np.float64 if k in _FLOAT_FIELDS else np.int64) for k, v in cols.items()}


def run_groups(groups: Sequence[Sequence[Mapping[str, Any]]], *, init_cash: float = 10_000.0,
               execution: str = "open", intrabar: str = "backtesting", close_at_end: bool = True,
               cancel: Any = None) -> list[dict[str, Any]]:
    """Runs groups of symbols on the core (in parallel, GIL released). A symbol is a dict
    with ``open``/``high``/``low``/``close`` (float64), ``times`` (int64 ns or None),
    ``orders`` (``order_columns``), ``costs`` (docs/orders.md § 8) and ``name``; or, for a
    Python strategy, ``decider`` (``fn(j, book)`` at each bar's close from bar
    ``decider_from`` on; such groups run one after the other, the GIL held)."""
    params = dict(init_cash=init_cash, execution=execution, intrabar=intrabar, close_at_end=close_at_end)
    return list(_core.backtest.orders_run([[dict(s) for s in g] for g in groups], params, cancel))


def decode(records: Mapping[str, np.ndarray], kind: str) -> pd.DataFrame:
    """A records dict of the core (``kind``: "orders", "trades" or "charges") as a frame
    with names for the codes (side "buy"/"sell" or "long"/"short", kind, status, reason...)."""
    return pd.DataFrame(decoded(records, kind))


def decoded(records: Mapping[str, np.ndarray], kind: str) -> dict[str, Any]:
    """``decode``'s columns as a dict (the caller may add columns before making one frame)."""
    cols: dict[str, Any] = dict(records)
    names = {"kind": "kind", "intent": "intent", "status": "status", "reason": "reason",
             "exit_reason": "reason"}
    for col, table in names.items():
        if col in cols:  # categoricals: no string per record to make
            labels = ENUMS[table if not (kind == "charges" and col == "kind") else "charge"]
            cols[col] = pd.Categorical.from_codes(cols[col], categories=pd.Index(labels))
    if "side" in cols:
        labels = ["buy", "sell"] if kind == "orders" else ["long", "short"]
        cols["side"] = pd.Categorical.from_codes((cols["side"] <= 0).astype(np.int8), categories=pd.Index(labels))
    return cols
