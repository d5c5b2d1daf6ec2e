"""Shared helpers: the parity rule (docs/design.md), a slow reference oracle, real data."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"

TOL = 1e-9
TOL_ORDER = 1e-12
ORDER_STATS = frozenset({"min", "max", "median", "quantile"})

#: Tests of Parquet files need pyarrow (the ``parquet`` extra); without it they skip.
requires_pyarrow = pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None,
                                      reason="needs pyarrow (the parquet extra)")


# --------------------------------------------------------------------------- parity


def _fmt_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items()) or "(none)"


def parity_failures(got: Any, expected: Any, inputs: Any, order_stat: bool = False) -> str | None:
    """None when ``got`` equals ``expected`` under the parity rule, else a description.

    NaN positions and +-inf positions (with their sign) must be identical; every
    other value must satisfy |got - exp| <= tol * max(|exp|, max|finite input|),
    tol = 1e-9, or 1e-12 for order statistics.
    """
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape:
        return f"shape mismatch: got {g.shape}, expected {e.shape}"
    x = np.asarray(inputs, dtype=np.float64)
    finite_in = np.abs(x[np.isfinite(x)])
    scale = float(finite_in.max()) if finite_in.size else 0.0
    tol = TOL_ORDER if order_stat else TOL

    g_nan, e_nan = np.isnan(g), np.isnan(e)
    g_inf, e_inf = np.isinf(g), np.isinf(e)
    bad_nan = g_nan != e_nan
    bad_inf = (g_inf != e_inf) | (g_inf & e_inf & (np.signbit(g) != np.signbit(e)))
    both = np.isfinite(g) & np.isfinite(e)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(both, np.abs(g - e), 0.0)
        bound = tol * np.maximum(np.abs(np.where(both, e, 0.0)), scale)
    bad_val = both & (diff > bound)
    bad = bad_nan | bad_inf | bad_val
    if not bad.any():
        return None
    where = np.argwhere(bad)
    lines = [
        f"{int(bad.sum())} of {bad.size} values differ "
        f"(NaN mismatches {int(bad_nan.sum())}, inf mismatches {int(bad_inf.sum())}, "
        f"value mismatches {int(bad_val.sum())}; tol {tol:g}, max|input| {scale:g})",
        "first mismatching indices:",
    ]
    for idx in where[:8]:
        t = tuple(int(i) for i in idx)
        key = t[0] if len(t) == 1 else t
        lines.append(f"  [{key}] got {float(g[t])!r} expected {float(e[t])!r} |diff| {float(abs(g[t] - e[t]))!r}")
    return "\n".join(lines)


def assert_parity(got: Any, expected: Any, inputs: Any, order_stat: bool = False, **params: Any) -> None:
    """Assert the parity rule; ``params`` are printed with any failure."""
    problem = parity_failures(got, expected, inputs, order_stat)
    if problem is not None:
        pytest.fail(f"parity failed for {_fmt_params(params)}\n{problem}", pytrace=False)


@pytest.fixture(scope="session", name="assert_parity")
def assert_parity_fixture():
    return assert_parity


# --------------------------------------------------------------------------- oracle


def count_starts(n: int, window: int) -> np.ndarray:
    return np.maximum(0, np.arange(n) - window + 1)


def time_starts(times_ns: np.ndarray, window_ns: int) -> np.ndarray:
    """pandas' closed='right' bounds: rows j <= i with t[j] > t[i] - w."""
    t = np.asarray(times_ns, dtype=np.int64)
    starts = np.empty(len(t), dtype=np.int64)
    for i in range(len(t)):
        j = int(np.searchsorted(t[: i + 1], t[i] - window_ns, side="right"))
        starts[i] = j
    return starts


def _interp(how: str, pos: float, lo: float, hi: float) -> float:
    idx = math.floor(pos)
    frac = pos - idx
    if frac == 0 or lo == hi:
        return lo
    if how == "lower":
        return lo
    if how == "higher":
        return hi
    if how == "nearest":
        return lo if (frac == 0.5 and idx % 2 == 0) or frac < 0.5 else hi
    if how == "midpoint":
        return (lo + hi) / 2.0  # (-inf + inf) / 2 is NaN: undefined
    # linear: lo * (1 - f) + hi * f with 0 < f < 1
    if math.isinf(lo) or math.isinf(hi):
        if math.isinf(lo) and math.isinf(hi):
            return math.nan  # -inf .. +inf
        return lo if math.isinf(lo) else hi
    return lo + (hi - lo) * frac


def oracle(
    x: np.ndarray,
    starts: np.ndarray,
    stat: str,
    *,
    min_periods: int,
    q: float = 0.5,
    interpolation: str = "linear",
    ddof: int = 1,
) -> np.ndarray:
    """Slow reference: window i is rows [starts[i], i]; NaN skipped, +-inf are values.

    ``min_periods`` must already be resolved (pandas' defaults applied).
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.full(len(x), np.nan)
    with np.errstate(all="ignore"):
        for i in range(len(x)):
            w = x[starts[i] : i + 1]
            v = w[~np.isnan(w)]
            nobs = len(v)
            if nobs < min_periods:
                continue
            if stat == "sum":
                out[i] = _sum(v)
                continue
            if nobs == 0:
                continue
            if stat == "mean":
                out[i] = _sum(v) / nobs
            elif stat in ("var", "std", "zscore"):
                if nobs <= ddof:
                    continue
                if np.isinf(v).any():
                    var = math.nan
                    mean = _sum(v) / nobs
                else:
                    mean = math.fsum(v) / nobs
                    var = math.fsum((v - mean) ** 2) / (nobs - ddof)
                    if np.all(v == v[0]):
                        var, mean = 0.0, v[0]
                if stat == "var":
                    out[i] = var
                elif stat == "std":
                    out[i] = math.sqrt(var) if not math.isnan(var) else math.nan
                else:
                    sd = np.float64(math.sqrt(var) if not math.isnan(var) else math.nan)
                    out[i] = (np.float64(x[i]) - np.float64(mean)) / sd
            elif stat == "min":
                out[i] = v.min()
            elif stat == "max":
                out[i] = v.max()
            elif stat in ("median", "quantile"):
                s = np.sort(v)
                qq, how = (0.5, "midpoint") if stat == "median" else (q, interpolation)
                pos = qq * (nobs - 1)
                idx = math.floor(pos)
                lo = float(s[idx])
                hi = float(s[min(idx + 1, nobs - 1)])
                out[i] = _interp(how, pos, lo, hi)
            else:
                raise AssertionError(stat)
    return out


def _sum(v: np.ndarray) -> float:
    pos, neg = bool(np.isposinf(v).any()), bool(np.isneginf(v).any())
    if pos and neg:
        return math.nan
    if pos:
        return math.inf
    if neg:
        return -math.inf
    return math.fsum(v)


# --------------------------------------------------------------------------- real data


def _read_close(name: str) -> pd.Series:
    path = DATA / name
    if name in ("GOOG.csv", "EURUSD.csv"):
        df = pd.read_csv(path, index_col=0, parse_dates=True)
    elif name == "orcl-1995-2014.txt":
        df = pd.read_csv(path, index_col="Date", parse_dates=True)
    elif name == "2006-min-005.txt":
        df = pd.read_csv(path)
        df.index = pd.DatetimeIndex(pd.to_datetime(df.pop("Date") + " " + df.pop("Time")), name="Datetime")
    else:  # pragma: no cover
        raise KeyError(name)
    s = df["Close"].astype(np.float64)
    s.name = name
    return s


REAL_FILES = ("GOOG.csv", "EURUSD.csv", "orcl-1995-2014.txt", "2006-min-005.txt")


@pytest.fixture(scope="session")
def real_close() -> dict[str, pd.Series]:
    """Close prices of a few real files, indexed by their timestamps."""
    out = {name: _read_close(name) for name in REAL_FILES}
    for name, s in out.items():
        assert isinstance(s.index, pd.DatetimeIndex), name
        assert s.index.is_monotonic_increasing, name
        assert len(s) > 1000, name
        assert s.notna().all(), name
    return out
