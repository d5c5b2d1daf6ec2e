"""Shared cases for the backtest tests: random OHLC bars, random signals, option sets.

Used by tests/test_backtest_reference.py (engine vs. reference) and by the reference's
own invariant tests in tests/test_backtest_reference_peers.py.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import numpy as np
import pandas as pd

BASE: dict[str, Any] = dict(init_cash=10_000.0, fees=0.0, fixed_fees=0.0, slippage=0.0,
                            size=None, size_type="percent", fractional=False, leverage=1.0,
                            execution="open", order_type="market", expiry=None, sl_stop=None,
                            tp_stop=None, tsl_stop=None, tsl_offset=None, intrabar="backtesting",
                            close_at_end=True)

# every value of every option (besides the base value)
OPTION_VALUES: dict[str, list] = dict(
    fees=[0.001, 0.01],
    fixed_fees=[1.0, 25.0],
    slippage=[0.0005, 0.01],
    size=[("percent", 0.5), ("value", 3_000.0), ("units", 7.0), ("units", 2.5),
          ("percent", 1.0), ("value", 50_000.0), ("target_percent", 0.8)],
    fractional=[True],
    leverage=[2.0, 0.5],
    execution=["close"],
    order_type=["limit", "stop", "stop_limit"],
    expiry=[1, 3, dt.timedelta(days=2)],
    sl_stop=[0.02, 0.05],
    tp_stop=[0.03, 0.08],
    tsl_stop=[0.03],
    tsl_offset=[2.5],
    intrabar=["nearest", "ohlc", "olhc"],
    close_at_end=[False],
    levels=["sl_price", "tp_price", "both"],
)


def ohlc(n: int, seed: int, *, flat: bool = True, tick: float | None = 0.01,
         vol: float = 0.02) -> pd.DataFrame:
    """Random-walk bars with gaps and (optionally) flat stretches; columns open..close,
    a daily DatetimeIndex with a few missing days (weekend-like gaps)."""
    rng = np.random.default_rng(seed)
    c = 100 * np.exp(np.cumsum(rng.normal(0, vol, n)))
    o = np.empty(n)
    o[0] = 100.0
    o[1:] = c[:-1] * np.exp(rng.normal(0, vol / 2, n - 1))
    if flat and n > 30:
        for s in rng.integers(5, n - 12, size=max(1, n // 80)):
            c[s:s + 6] = c[s - 1]
            o[s:s + 6] = c[s - 1]
    hi = np.maximum(o, c) * np.exp(np.abs(rng.normal(0, vol / 2, n)))
    lo = np.minimum(o, c) * np.exp(-np.abs(rng.normal(0, vol / 2, n)))
    if tick:
        o, c, hi, lo = (np.round(x / tick) * tick for x in (o, c, hi, lo))
    hi = np.maximum(hi, np.maximum(o, c))
    lo = np.minimum(lo, np.minimum(o, c))
    if flat:
        same = (o == c) & np.r_[False, c[1:] == c[:-1]]
        hi[same] = o[same]
        lo[same] = o[same]
    days = np.cumsum(1 + (rng.random(n) < 0.15) * 2)  # some 3-day steps
    idx = pd.Timestamp("2020-01-01") + pd.to_timedelta(days - days[0], unit="D")
    return pd.DataFrame({"open": o, "high": hi, "low": lo, "close": c}, index=idx)


def signals(n: int, seed: int, *, p: float = 0.06, short: bool = True) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed + 7919)
    out = dict(entries=rng.random(n) < p, exits=rng.random(n) < p * 0.6)
    if short:
        out.update(short_entries=rng.random(n) < p * 0.8, short_exits=rng.random(n) < p * 0.5)
    return out


def levels(df: pd.DataFrame, sig: dict, seed: int, order_type: str,
           which: str | None) -> dict[str, np.ndarray]:
    """Per-bar entry levels for the order type and absolute sl/tp levels, on the right
    side of the signal bar's close for the side the bar signals (NaN elsewhere, with a
    few NaN on signal bars too)."""
    rng = np.random.default_rng(seed + 104729)
    n = len(df)
    c = df["close"].to_numpy()
    longish = sig["entries"]
    d = np.where(longish, 1.0, -1.0)
    out: dict[str, np.ndarray] = {}
    k1 = rng.uniform(0.002, 0.03, n)
    k2 = rng.uniform(0.002, 0.03, n)
    if order_type == "limit":
        out["limit_price"] = c * (1 - d * k1)
    elif order_type == "stop":
        out["stop_price"] = c * (1 + d * k1)
    elif order_type == "stop_limit":
        out["stop_price"] = c * (1 + d * k1)
        # mostly limit beyond the stop, sometimes below it (rests as a limit)
        out["limit_price"] = out["stop_price"] * (1 + d * np.where(rng.random(n) < 0.7, k2, -k2))
    if which in ("sl_price", "both"):
        out["sl_price"] = c * (1 - d * rng.uniform(0.01, 0.06, n))
    if which in ("tp_price", "both"):
        out["tp_price"] = c * (1 + d * rng.uniform(0.01, 0.10, n))
    for key in out:
        out[key][rng.random(n) < 0.1] = np.nan
    return out


def params_from(choice: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """BASE updated with `choice` (the pseudo-option "size" is a (size_type, size) pair;
    "levels" selects absolute sl/tp arrays)."""
    p = dict(BASE)
    which = None
    for k, v in choice.items():
        if k == "size":
            p["size_type"], p["size"] = v
        elif k == "levels":
            which = v
        else:
            p[k] = v
    if p["tsl_stop"] is not None and p["tsl_offset"] is not None:  # one trailing stop or the other
        p["tsl_offset"] = None
    if p["size_type"] == "target_percent":  # a target within the leverage
        p["size"] = min(p["size"], p["leverage"])
    return p, which


def one_factor_choices() -> list[dict[str, Any]]:
    """The base case, then each option value alone, then each with a few partners."""
    out: list[dict[str, Any]] = [{}]
    for k, vals in OPTION_VALUES.items():
        for v in vals:
            out.append({k: v})
    partners = [dict(execution="close"), dict(order_type="stop", sl_stop=0.02, tp_stop=0.03),
                dict(tsl_stop=0.03, intrabar="ohlc"), dict(fees=0.002, slippage=0.001)]
    for k, vals in OPTION_VALUES.items():
        for v, extra in itertools.product(vals[:1], partners):
            ch = dict(extra)
            if k in ch:
                continue
            ch[k] = v
            out.append(ch)
    return out


def case(seed: int, choice: dict[str, Any], n: int = 250, short: bool = True):
    """(frame, simulate/run keyword arguments) for one case."""
    df = ohlc(n, seed)
    p, which = params_from(choice)
    sig = signals(n, seed, short=short)
    lv = levels(df, sig, seed, p["order_type"], which)
    kw = dict(p)
    kw.update(sig)
    kw.update(lv)
    return df, kw
