"""The rules a loaded row must meet: prices, volume, OHLC order, adjustment, time order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from threadx.data._columns import OHLCV, PRICES
from threadx.data._rows import Rows, problem

Problems = list[dict[str, Any]]


def value_rules(rows: Rows, out: dict[str, np.ndarray], structural: set[int], problems: Problems,
                *, adjust: bool) -> np.ndarray | None:
    """Report NaN, infinite and negative values and broken OHLC bars; the adjustment ratio (or None)."""
    reported = {(p["row"] - 1, p["column"]) for p in problems} | {(i, None) for i in structural}
    for name in PRICES:
        _nan_prices(rows, name, out[name], structural, reported, problems)
    with np.errstate(invalid="ignore", divide="ignore"):
        for name in OHLCV:
            _negatives(rows, name, out[name], problems)
        _ohlc(rows, out["open"], out["high"], out["low"], out["close"], problems)
        ratio = out["adj_close"] / out["close"] if adjust else None
    if ratio is not None:
        _adjust_ratio(rows, ratio, out, structural, problems)
    return ratio


def _nan_prices(rows: Rows, name: str, arr: np.ndarray, structural: set[int],
                reported: set[tuple[int, str | None]], problems: Problems) -> None:
    for i in np.flatnonzero(np.isnan(arr)):
        if i not in structural and (int(i), name) not in reported:
            problems.append(problem(rows, int(i), "nan", "NaN price", name))
    for i in np.flatnonzero(np.isinf(arr)):
        problems.append(problem(rows, int(i), "nan", f"infinite price {float(arr[i])!r}", name,
                                float(arr[i])))


def _negatives(rows: Rows, name: str, arr: np.ndarray, problems: Problems) -> None:
    what = "volume" if name == "volume" else "price"
    for i in np.flatnonzero(arr < 0):
        problems.append(problem(rows, int(i), "negative", f"negative {what} {float(arr[i])!r}", name,
                                float(arr[i])))


def _ohlc(rows: Rows, o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, problems: Problems) -> None:
    finite = np.isfinite(o) & np.isfinite(h) & np.isfinite(lo) & np.isfinite(c)
    broken = finite & ~((lo <= np.minimum(o, c)) & (np.maximum(o, c) <= h))
    for i in np.flatnonzero(broken):
        problems.append(problem(
            rows, int(i), "ohlc",
            f"low <= min(open, close) <= max(open, close) <= high does not hold "
            f"(open {float(o[i])!r}, high {float(h[i])!r}, low {float(lo[i])!r}, close {float(c[i])!r})"))


def _adjust_ratio(rows: Rows, ratio: np.ndarray, out: dict[str, np.ndarray], structural: set[int],
                  problems: Problems) -> None:
    bad_ratio = ~(np.isfinite(ratio) & (ratio > 0))
    for i in np.flatnonzero(bad_ratio):
        if i not in structural:
            problems.append(problem(rows, int(i), "adjust", "adj_close / close is not a positive number "
                                    f"(adj_close {float(out['adj_close'][i])!r}, close {float(out['close'][i])!r})",
                                    "adj_close"))


@dataclass
class Order:
    """Duplicate and out-of-order timestamps: their problems and the rows involved (positions)."""

    problems: Problems
    dup_rows: list[int]
    kept_for: dict[int, int]  # duplicate row -> the row kept in its place
    unsorted_rows: list[int]


def order_rules(rows: Rows, idx: pd.DatetimeIndex, cand: np.ndarray, *, drop_duplicates: bool) -> Order:
    """Duplicate and out-of-order timestamps among the candidate rows (positions, file order)."""
    def at(k: int) -> str:
        return f"row {k + 1}" + (f" (line {rows.lines[k]})" if rows.lines is not None else "")

    found: Problems = []
    t = idx.asi8[cand]
    dup_rows: list[int] = []
    kept_for: dict[int, int] = {}
    dup_mask = np.asarray(pd.Index(t).duplicated(keep="first"))
    if dup_mask.any():
        first_of = pd.Series(cand).groupby(t).transform("min").to_numpy()
        for j in np.flatnonzero(dup_mask):
            i, k = int(cand[j]), int(first_of[j])
            dup_rows.append(i)
            kept_for[i] = k
            found.append(problem(rows, i, "duplicate", f"timestamp {idx[i]} repeats {at(k)}", "time"))
    if drop_duplicates and dup_rows:
        cand, t = cand[~dup_mask], t[~dup_mask]
    unsorted_rows: list[int] = []
    if len(t) > 1:
        runmax = np.maximum.accumulate(t)
        setter = np.maximum.accumulate(np.where(t == runmax, np.arange(len(t)), 0))
        for j in np.flatnonzero(t[1:] < runmax[:-1]) + 1:
            i, k = int(cand[j]), int(cand[setter[j - 1]])
            unsorted_rows.append(i)
            found.append(problem(rows, i, "unsorted",
                                 f"timestamp {idx[i]} is earlier than {idx[k]} of {at(k)}", "time"))
    return Order(found, dup_rows, kept_for, unsorted_rows)

