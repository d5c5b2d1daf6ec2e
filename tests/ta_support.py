"""Datasets and helpers for the indicator tests (and tools/ta_check.py).

Every dataset is a dict of float64 arrays open/high/low/close/volume (plus `real`,
`real0`, `real1` aliases of close/high/low for single- and two-input functions).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"

REAL_FILES = [
    "GOOG.csv",
    "EURUSD.csv",
    "BTCUSD.csv",
    "2006-day-001.txt",
    "2006-week-001.txt",
    "2006-min-005.txt",
    "orcl-1995-2014.txt",
    "nvda-1999-2014.txt",
    "yhoo-1996-2014.txt",
]


def _ohlcv(close: np.ndarray, rng: np.random.Generator, volume_scale: float = 1e5) -> dict[str, np.ndarray]:
    n = close.size
    spread = np.abs(rng.normal(0, 0.6, n))
    open_ = np.r_[close[0], close[:-1]] + rng.normal(0, 0.2, n)
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - np.abs(rng.normal(0, 0.6, n))
    volume = np.round(rng.lognormal(0, 0.5, n) * volume_scale)
    return finish({"open": open_, "high": high, "low": low, "close": close, "volume": volume})


def finish(d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    d = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in d.items()}
    d["real"], d["real0"], d["real1"] = d["close"], d["high"], d["low"]
    d["session"] = (np.arange(d["close"].size) // 24).astype(np.float64)  # VWAP_SESSION
    # MAVP's periods: fractional, below 1 and above any maxperiod of the cases
    d["periods"] = ((np.arange(d["close"].size) * 37) % 89) * 0.75 - 3.0
    return d


def random_walk(n: int = 600, seed: int = 0) -> dict[str, np.ndarray]:
    """A walk around 100 with flat stretches (equal closes, zero ranges) and price gaps."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 1, n)
    steps[rng.random(n) < 0.01] *= 15  # gaps
    close = 100 + np.cumsum(steps)
    d = _ohlcv(close, rng)
    for start in (n // 5, n // 2):  # flat stretches: everything equal for 40 bars
        sl = slice(start, start + 40)
        v = d["close"][start]
        for k in ("open", "high", "low", "close"):
            d[k][sl] = v
    return finish(d)


def leading_nan(d: dict[str, np.ndarray], k: int = 7) -> dict[str, np.ndarray]:
    out = {key: v.copy() for key, v in d.items() if key not in ("real", "real0", "real1", "session", "periods")}
    out["close"][:k] = np.nan
    out["high"][: k // 2] = np.nan
    return finish(out)


def interior_nan(d: dict[str, np.ndarray], at: int = 300) -> dict[str, np.ndarray]:
    out = {key: v.copy() for key, v in d.items() if key not in ("real", "real0", "real1", "session", "periods")}
    for k in ("open", "high", "low", "close", "volume"):
        out[k][at] = np.nan
    return finish(out)


@functools.lru_cache(maxsize=None)
def real(name: str) -> dict[str, np.ndarray]:
    import threadx.data

    df = threadx.data.load(DATA / name, tz="UTC")
    cols = {c.lower(): df[c].to_numpy(dtype=np.float64) for c in df.columns}
    if "volume" not in cols or not np.any(cols["volume"]):
        cols["volume"] = np.full(len(df), 1000.0)
    return finish({k: cols[k] for k in ("open", "high", "low", "close", "volume")})


def synthetic() -> dict[str, dict[str, np.ndarray]]:
    walk = random_walk()
    return {
        "walk": walk,
        "walk_seed1": random_walk(seed=1),
        "leading_nan": leading_nan(walk),
        "short": finish({k: v[:5] for k, v in walk.items() if k not in ("real", "real0", "real1")}),
    }
