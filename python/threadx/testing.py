"""Assertions for testing strategies with pytest (docs/research.md "Testing a strategy").

``assert_no_lookahead(strategy, data, **params)`` changes every bar after each of a sample
of times ``t`` and fails, naming ``t`` and the first decision that changed, when any
decision at or before ``t`` changes: a strategy that reads the future cannot pass.
``assert_streaming_equals_batch(strategy, data, **params)`` steps a ``Stepper`` through the
bars and fails, naming the first order that differs, unless it places the batch run's
orders.  The pytest plugin (``threadx.pytest_plugin``, registered through the ``pytest11``
entry point) adds the fixture ``threadx_bars`` (the bundled sample bars).

What a *decision* is: for a ``Strategy`` subclass the orders it places (bar, side, kind,
intent, size type and size, limit and stop levels, tag); for a signal function
``(data, **params)`` its signals and per-bar levels; for a built-in strategy name the
signals of the sweep's own code.  Decisions at bar ``t`` may read bars ``0..t`` only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors, as_int

__all__ = ["assert_no_lookahead", "assert_streaming_equals_batch"]

_DECISION = ("placed_bar", "side", "kind", "intent", "size", "limit", "stop", "tag")
_CHILDREN = ("stop_loss", "take_profit", "trailing_stop")


def _perturbed(data: pd.DataFrame, t: int, rng: np.random.Generator) -> pd.DataFrame:
    """``data`` with every bar after position ``t`` changed (prices scaled by a random walk,
    still valid OHLC bars; volume scaled too)."""
    out = data.copy()
    n = len(data) - t - 1
    if n <= 0:
        return out
    factor = np.r_[np.ones(t + 1), np.exp(np.cumsum(rng.normal(0.0, 0.03, n)))]
    for col in out.columns:
        if str(col).lower() in ("open", "high", "low", "close", "volume"):
            out[col] = np.asarray(out[col], dtype=np.float64) * factor
    return out


def _decisions(strategy: Any, data: pd.DataFrame, params: dict[str, Any], options: dict[str, Any]) -> Any:
    """The decisions of ``strategy`` on ``data``: an orders frame (Strategy) or a dict of
    per-bar arrays (signal function, built-in strategy)."""
    from threadx.backtest import Strategy, run
    from threadx.backtest._user_sweep import _signals_of

    if isinstance(strategy, type) and issubclass(strategy, Strategy):
        orders = run(data, strategy=strategy, params=params, close_at_end=False, **options).orders
        # bracket children are consequences of their parent's fill, not decisions of next()
        placed = orders[~orders["kind"].isin(_CHILDREN)]
        return placed[[c for c in _DECISION if c in placed.columns]].reset_index(drop=True)
    if isinstance(strategy, str):
        from threadx import _core
        from threadx.backtest._sweep import prepare

        plan = prepare(strategy, data, **params, **options)
        b = next(iter(plan.bars.values()))
        raw = _core.backtest.sweep_signals(plan.core, b.open, b.high, b.low, b.close, 0)
        return dict(zip(("entries", "exits", "short_entries", "short_exits"), raw, strict=True))
    return {k: np.asarray(v) for k, v in _signals_of(strategy(data, **params)).items()}


def _first_change(a: Any, b: Any, t: int) -> str | None:
    """The first decision at or before bar ``t`` that differs between ``a`` and ``b``, or None."""
    if isinstance(a, pd.DataFrame):
        x, y = a[a["placed_bar"] <= t].reset_index(drop=True), b[b["placed_bar"] <= t].reset_index(drop=True)
        for k in range(max(len(x), len(y))):
            if k >= len(x) or k >= len(y):
                row = (y if k >= len(x) else x).iloc[k]
                return f"order {k} (placed at bar {int(row['placed_bar'])}) exists in one run only"
            rx, ry = x.iloc[k], y.iloc[k]
            diff = [c for c in x.columns if not _same(rx[c], ry[c])]
            if diff:
                return (f"order {k} placed at bar {int(rx['placed_bar'])}: "
                        + ", ".join(f"{c} {rx[c]!r} -> {ry[c]!r}" for c in diff))
        return None
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            return f"{key!r} exists in one run only"
        u, v = np.asarray(a[key])[: t + 1], np.asarray(b[key])[: t + 1]
        bad = np.flatnonzero(~_equal(u, v))
        if bad.size:
            j = int(bad[0])
            return f"{key}[{j}]: {u[j]!r} -> {v[j]!r}"
    return None


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return x == y or (x != x and y != y)
    return bool(x == y)


def _equal(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if x.dtype.kind == "f" and y.dtype.kind == "f":
        return np.asarray((x == y) | (np.isnan(x) & np.isnan(y)))
    return np.asarray(x == y)


def assert_no_lookahead(strategy: Any, data: pd.DataFrame, *, times: int = 8, seed: int = 0,
                        options: dict[str, Any] | None = None, **params: Any) -> None:
    """Fail (``AssertionError`` naming the time and the first changed decision) when a
    decision of ``strategy`` at or before a bar ``t`` changes as the bars after ``t`` change,
    for ``times`` bars ``t`` spread over the data (seeded: reproducible).

    ``strategy``: a ``threadx.backtest.Strategy`` subclass, a signal function
    ``(data, **params)`` or a built-in strategy name; ``params`` its parameters; ``options``
    ``run``'s options (fees, execution...)."""
    errors = FieldErrors()
    n_times = as_int(times, "times", errors, 8, minimum=1)
    rng_seed = as_int(seed, "seed", errors, 0, minimum=0)
    if not isinstance(data, pd.DataFrame) or len(data) < 3:
        errors.add("data", type(data).__name__, "must be an OHLC DataFrame of at least 3 bars")
    if options is not None and not isinstance(options, dict):
        errors.add("options", options, "must be a dict of run()'s options, or None")
    errors.raise_if_any()
    opts = dict(options or {})
    base = _decisions(strategy, data, params, opts)
    rng = np.random.default_rng(rng_seed)
    n = len(data)
    for t in sorted({int(x) for x in np.linspace(n // 10, n - 2, n_times)}):
        other = _decisions(strategy, _perturbed(data, t, rng), params, opts)
        where = _first_change(base, other, t)
        if where is not None:
            raise AssertionError(f"look-ahead: changing the bars after bar {t} ({data.index[t]}) changed a decision "
                                 f"at or before it: {where}")


def assert_streaming_equals_batch(strategy: Any, data: pd.DataFrame, *, options: dict[str, Any] | None = None,
                                  **params: Any) -> None:
    """Fail (``AssertionError`` naming the first differing order) unless stepping a
    ``Stepper(strategy)`` through ``data`` bar by bar places the batch run's orders (the
    orders still working at the end aside: the batch run cancels them at its last bar)."""
    from threadx.backtest import Stepper, run

    opts = dict(options or {})
    batch = run(data, strategy=strategy, params=params, close_at_end=False, **opts).orders
    batch = batch[batch["reason"].astype(str) != "end_of_data"].reset_index(drop=True)
    with Stepper(strategy, db=":memory:", params=params, **opts) as st:
        for t, row in zip(data.index, data.to_dict("records"), strict=True):
            st.update({**row, "time": t} if isinstance(data.index, pd.DatetimeIndex) else row)
        stepped = st.orders()
    stepped = stepped[stepped["status"] != "working"].reset_index(drop=True) if len(stepped) else stepped
    cols = ("id", "placed_bar", "side", "kind", "intent", "status", "fill_bar", "fill_price", "reason")
    for k in range(max(len(batch), len(stepped))):
        if k >= len(batch) or k >= len(stepped):
            raise AssertionError(f"streaming != batch: {len(stepped)} orders stepped, {len(batch)} in the batch run")
        a, b = batch.iloc[k], stepped.iloc[k]
        diff = [c for c in cols if not _same(_plain(a[c]), _plain(b[c]))]
        if diff:
            raise AssertionError(f"streaming != batch at order {k} (placed at bar {int(a['placed_bar'])}): "
                                 + ", ".join(f"{c} batch {_plain(a[c])!r} stepped {_plain(b[c])!r}" for c in diff))


def _plain(v: Any) -> Any:
    """A record value as a plain comparable (None/NaN/-1 for "none" are one value)."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
        return None if int(v) < 0 else int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    return str(v)

