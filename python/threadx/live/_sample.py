"""Synthetic quotes of one instrument on several exchanges, built from real bars plus noise.

Used by the tests, the benchmarks, the notebook and ``threadx live --replay``: every
exchange quotes the same underlying price path (the bundled daily closes of a sample
symbol, stretched over ``duration``; a random walk for other symbols), with its own
small persistent bias, per-tick noise and half-spread, at Poisson arrival times.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors, as_duration, as_number
from threadx.data import SAMPLES, sample

__all__ = ["sample_ticks"]


def sample_ticks(symbols: Sequence[str] = ("GOOG", "NVDA"), exchanges: Sequence[str] = ("binance", "coinbase", "kraken"),
                 *, start: Any = "2024-01-02", duration: Any = "1h", rate: float = 2.0, seed: int = 0,
                 bad: float = 0.0) -> pd.DataFrame:
    """Ticks (``TICK_COLUMNS``) in event-time order.

    ``rate`` is the mean number of quotes per second of each (exchange, symbol).  ``bad`` is
    the fraction of ticks made invalid on purpose (negative, NaN, crossed or out-of-order),
    for tests of what the core counts and skips.
    """
    errors = FieldErrors()
    span = as_duration(duration, "duration", errors, minimum=1)
    r = as_number(rate, "rate", errors)
    b = as_number(bad, "bad", errors)
    if r is not None and not 0 < r <= 1e6:
        errors.add("rate", rate, "must be in (0, 1e6] quotes per second")
    if b is not None and not 0 <= b <= 1:
        errors.add("bad", bad, "must be a fraction in [0, 1]")
    try:
        t0 = pd.Timestamp(start, tz="UTC").value if pd.Timestamp(start).tz is None else pd.Timestamp(start).value
    except (ValueError, TypeError):
        errors.add("start", start, "must be a timestamp")
        t0 = 0
    if (isinstance(symbols, str) or not isinstance(symbols, Sequence) or not symbols
            or not all(isinstance(s, str) and s for s in symbols)):
        errors.add("symbols", symbols, "must be a non-empty sequence of names")
    if (isinstance(exchanges, str) or not isinstance(exchanges, Sequence) or len(set(exchanges)) != len(exchanges)
            or len(exchanges) < 2 or not all(isinstance(e, str) and e for e in exchanges)):
        errors.add("exchanges", exchanges, "must name at least two distinct exchanges")
    errors.raise_if_any()
    assert r is not None and b is not None
    rng = np.random.default_rng(seed)
    seconds = span / 1e9
    frames = []
    for si, sym in enumerate(symbols):
        path = _price_path(sym, rng)
        for ei, ex in enumerate(exchanges):
            n = int(rng.poisson(r * seconds))
            if n == 0:
                continue
            offs = np.sort(rng.integers(0, span, n))
            level = np.interp(offs / span, np.linspace(0, 1, len(path)), path)
            bias = 1 + rng.normal(0, 2e-4)
            mid = level * bias * (1 + rng.normal(0, 1e-4, n))
            half = level * rng.uniform(0.5e-4, 2e-4, n)
            latency = rng.exponential(5e6, n).astype(np.int64)
            frames.append(pd.DataFrame({
                "ts_event": t0 + offs, "ts_recv": t0 + offs + latency, "exchange": ex, "symbol": sym,
                "bid": mid - half, "ask": mid + half}))
    ticks = pd.concat(frames, ignore_index=True).sort_values("ts_event", kind="stable", ignore_index=True)
    if b > 0:
        _spoil(ticks, b, rng)
    return ticks


def _price_path(symbol: str, rng: np.random.Generator) -> np.ndarray:
    if symbol in SAMPLES:
        closes = sample(symbol)["close"].to_numpy()[-250:]
        return np.asarray(closes, dtype=np.float64)
    return 100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, 250)))


def _spoil(ticks: pd.DataFrame, fraction: float, rng: np.random.Generator) -> None:
    n = len(ticks)
    hit = np.flatnonzero(rng.random(n) < fraction)
    kind = rng.integers(0, 4, len(hit))
    bid = ticks["bid"].to_numpy(copy=True)
    ask = ticks["ask"].to_numpy(copy=True)
    ts = ticks["ts_event"].to_numpy(copy=True)
    bid[hit[kind == 0]] = -bid[hit[kind == 0]]
    ask[hit[kind == 1]] = np.nan
    crossed = hit[kind == 2]
    bid[crossed], ask[crossed] = ask[crossed] * 1.001, bid[crossed]
    ts[hit[kind == 3]] -= 3_600_000_000_000  # an hour back: before its exchange's previous tick
    ticks["bid"], ticks["ask"], ticks["ts_event"] = bid, ask, ts
