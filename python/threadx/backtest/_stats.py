"""Summary statistics of one backtest simulation, as backtesting.py 0.6.6 computes them.

:func:`compute_stats` gives the same names, in the same order, and — where a name is
shared — the same definitions as ``backtesting._stats.compute_stats`` (checked to 1e-9
relative against backtesting.py's own runs in ``tests/test_backtest_stats.py``).
:func:`stats_frame` stacks several results (rows = simulations).  The statistics that
``run``, ``sweep`` and ``rebalance`` share (``CORE_STATS``) are computed by the C++ core
(``threadx/backtest/stats.hpp``, formulas in ``STAT_DEFINITIONS``); this module decides what
they are fed and computes the rest (dates, durations, commissions, Alpha and Beta).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors, as_int, as_values, core_array
from threadx.backtest._returns import period_last, period_starts

__all__ = ["CORE_STATS", "STAT_DEFINITIONS", "STAT_NAMES", "compute_stats", "stats_frame", "years_spanned"]

STAT_NAMES: tuple[str, ...] = (
    "Start",
    "End",
    "Duration",
    "Exposure Time [%]",
    "Equity Final [$]",
    "Equity Peak [$]",
    "Commissions [$]",
    "Return [%]",
    "Buy & Hold Return [%]",
    "Return (Ann.) [%]",
    "Volatility (Ann.) [%]",
    "CAGR [%]",
    "Sharpe Ratio",
    "Sortino Ratio",
    "Calmar Ratio",
    "Alpha [%]",
    "Beta",
    "Max. Drawdown [%]",
    "Avg. Drawdown [%]",
    "Max. Drawdown Duration",
    "Avg. Drawdown Duration",
    "# Trades",
    "Win Rate [%]",
    "Best Trade [%]",
    "Worst Trade [%]",
    "Avg. Trade [%]",
    "Max. Trade Duration",
    "Avg. Trade Duration",
    "Profit Factor",
    "Expectancy [%]",
    "SQN",
    "Kelly Criterion",
)

_NAN = float("nan")
_STAT_INDEX = pd.Index(list(STAT_NAMES))

# The statistics the core defines (cpp/include/threadx/backtest/stats.hpp), in its row order;
# run, sweep and rebalance all get them from there.
STAT_DEFINITIONS: dict[str, str] = {d["name"]: d["definition"] for d in _core.backtest.stats_table()}
CORE_STATS: tuple[str, ...] = tuple(STAT_DEFINITIONS)


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else _NAN


def _float_vector(x: Any, field: str, errors: FieldErrors) -> np.ndarray:
    """``x`` as a contiguous 1-D float64 array; numbers only (strings and objects are refused,
    never parsed).  On an error: recorded, and an empty array."""
    v = as_values(x, errors, field)
    if v is not None and v.array.ndim != 1:
        errors.add(field, f"shape {v.array.shape}", "must be 1-D")
    return core_array(v.array, contiguous=True) if v is not None and v.array.ndim == 1 else np.empty(0)


_TRADE_COLUMNS = ("entry_bar", "exit_bar", "pnl", "return", "fees")


def _trade_column(trades: pd.DataFrame | None, name: str, dtype: Any, errors: FieldErrors) -> np.ndarray:
    if trades is None or len(trades) == 0:
        return np.empty(0, dtype=dtype)
    field = f"trades[{name!r}]"
    col = trades[name]
    if dtype is np.int64:
        if not pd.api.types.is_integer_dtype(col.dtype):
            errors.add(field, f"dtype {col.dtype}", "must be an integer dtype (bar positions)")
            return np.empty(0, dtype=dtype)
        return core_array(col.to_numpy(), dtype, contiguous=True)
    return _float_vector(col, field, errors)


def years_spanned(index: pd.Index, n: int, periods_per_year: float | None) -> float:
    """CAGR's span in years: the index's duration in days (seconds included, sub-second
    dropped) / 365.25 with a DatetimeIndex, else ``(n - 1) / periods_per_year``, else NaN."""
    if isinstance(index, pd.DatetimeIndex):
        d = index[-1] - index[0]
        return (d.days + d.seconds / 86400) / 365.25
    if periods_per_year is not None:
        return (n - 1) / float(periods_per_year)
    return _NAN


def compute_stats(
    equity: Any,
    trades: pd.DataFrame | None,
    close: Any,
    *,
    periods_per_year: float | None = None,
    risk_free_rate: float = 0.0,
    index: Any = None,
    first_bar: int = 0,
) -> pd.Series:
    """Statistics of one simulation, named and defined as in backtesting.py 0.6.6.

    Parameters
    ----------
    equity : array or Series, float64, shape (n,)
        Equity per bar, valued at the bar's close.
    trades : DataFrame or None
        Closed trades with at least ``entry_bar``, ``exit_bar``, ``pnl`` (after fees),
        ``return`` (pnl / entry value) and ``fees`` (None or no rows = no trades).
        Trade durations are taken from the index: ``index[exit_bar] - index[entry_bar]``
        (backtesting.py: ``ExitTime - EntryTime``).
    close : array or Series, shape (n,)
        The bars' close prices (for Buy & Hold, Beta and Alpha).
    periods_per_year : float, optional
        None: infer as backtesting.py does (needs a DatetimeIndex, see below).
        Given (e.g. 252 for daily bars, 98280 for minute bars): the returns used for the
        annualised figures are the per-bar returns of ``equity`` (no resampling) and
        ``N = periods_per_year``.
    risk_free_rate : float
        Annual rate in (-1, 1), as a fraction (0.02 = 2 %).
    index : Index, optional
        Bar timestamps (or labels). Default: the index of ``equity`` if it is a Series,
        else that of ``close`` if it is, else ``RangeIndex(n)``.
    first_bar : int
        First trading bar for Buy & Hold (backtesting.py: the indicators' warm-up).

    Returns
    -------
    pandas.Series (dtype object) with the entries of ``STAT_NAMES``, in that order.

    Definitions
    -----------
    The statistics of ``CORE_STATS`` are computed by the C++ core, the one definition that
    ``run``, ``sweep`` and ``rebalance`` share; ``STAT_DEFINITIONS`` gives each formula
    (``E`` = equity, ``c`` = close, ``P`` = the period equity below, ``R = pct_change(P)``
    with NaN dropped, ``r`` and ``pnl`` = the trades' returns and pnl,
    ``gmean(x) = exp(mean(log(1 + x))) - 1`` with NaN in x taken as 0, 0 if any
    ``1 + x <= 0``, NaN when x is empty).  What they are fed is decided here:

    - Periods P and periods per year N for the annualised figures: with
      ``periods_per_year`` given, P = the equity of every bar and N = that value. Else with
      a DatetimeIndex: ``p`` = median spacing of the last 100 timestamps; ``p.days`` = 7 ->
      N = 52, weekly periods ('W'); 31 -> N = 12, 'ME'; 365 -> N = 1, 'YE'; otherwise daily
      ('D') with N = 365 when more than 60 % of 2/7 of the bars fall on a weekend, else
      N = 252; P = the last equity of each non-empty period. Else (no DatetimeIndex): no
      periods, and all annualised figures are NaN.
    - ``years`` for CAGR: :func:`years_spanned`.
    - ``f`` for Buy & Hold: ``first_bar``.

    The statistics defined here, ``t`` = index, ``dd`` = the core's drawdown per bar:

    - Start, End = ``t[0]``, ``t[-1]``; Duration = End - Start.
    - Commissions [$] = sum of the trades' fees (0 with no trades; backtesting.py omits
      the entry when it is 0).
    - Beta = ``cov(a, b) / var(b)`` with ``a = log(E[1:] / E[:-1])``,
      ``b = log(c[1:] / c[:-1])`` (NaN when n < 3);
      Alpha [%] = ``Return [%] - 100 rf - Beta * (Buy & Hold Return [%] - 100 rf)``.
    - Drawdown spells: let ``z`` = the bars with ``dd == 0`` plus bar n-1; each pair of
      consecutive ``z`` values ``(i, j)`` with ``j > i + 1`` is a spell with duration
      ``t[j] - t[i]`` and depth ``max dd[i..j]``. Avg. Drawdown [%] = ``-100 * mean depth``;
      Max./Avg. Drawdown Duration = max/mean spell duration. (No spell at all: the depth
      mean is taken over the bars with ``dd > 0``, as backtesting.py does, and the
      durations are missing.)
    - Max./Avg. Trade Duration = max/mean of ``t[exit_bar] - t[entry_bar]``.
    - Durations are rounded up (``ceil``) to the resolution of the index spacing ``p``
      (e.g. whole days for daily bars) when they are Timedeltas; with a non-datetime
      index they are plain numbers (mean: float).
    Missing values are NaN (NaT for durations with a DatetimeIndex).

    Invalid arguments raise ValidationError naming each field: arrays that are not 1-D
    numbers (strings are refused, not parsed), lengths that differ, an empty ``equity``,
    ``first_bar`` outside the bars, ``periods_per_year`` not a finite number > 0,
    ``risk_free_rate`` not a number in (-1, 1), ``trades`` not a DataFrame with the
    columns above (``_core.backtest.stats_validate`` holds the numeric rules).

    Known differences from backtesting.py: with no DatetimeIndex and no
    ``periods_per_year`` it reports Return (Ann.) and Calmar as 0.0 (``1**nan == 1``) and
    omits CAGR; here they are NaN. Where it reports a missing duration as float NaN (or,
    with no drawdown spell but ``dd > 0`` on the last bar, a drawdown depth in place of a
    duration), here it is NaT (NaN with a non-datetime index).
    """
    eq, c, clock, tr, first_bar = _checked_inputs(equity, trades, close, index, first_bar, periods_per_year,
                                                  risk_free_rate)
    risk_free_rate = float(risk_free_rate)
    periods_per_year = None if periods_per_year is None else float(periods_per_year)
    s: dict[str, Any] = dict(zip(CORE_STATS, _core_row(eq, c, clock, tr, first_bar, periods_per_year,
                                                       risk_free_rate), strict=True))
    s["# Trades"] = int(s["# Trades"])  # a count, as backtesting.py gives it
    _overview(s, clock, tr)
    _alpha_beta(s, eq, c, risk_free_rate)
    _drawdown_spells(s, _core.backtest.stats_drawdown(eq), clock)
    s["Max. Trade Duration"], s["Avg. Trade Duration"] = _trade_durations(tr, clock)
    return pd.Series([s[k] for k in STAT_NAMES], index=_STAT_INDEX, dtype=object)


@dataclass(frozen=True)
class _Clock:
    """The bars' index and, with a DatetimeIndex, its spacing (backtesting.py's ``_data_period``)."""

    idx: pd.Index
    dti: pd.DatetimeIndex | None
    tvals: np.ndarray  # datetime64[ns], UTC (empty without a DatetimeIndex)
    period: Any  # median spacing of the last 100 stamps (None without a DatetimeIndex)
    resolution: str | None

    @classmethod
    def of(cls, idx: pd.Index) -> _Clock:
        dti = idx if isinstance(idx, pd.DatetimeIndex) else None
        period: Any = None
        resolution: str | None = None
        tvals = np.empty(0, dtype="datetime64[ns]")
        if dti is not None:
            tvals = (dti.tz_convert(None) if dti.tz is not None else dti).to_numpy()  # datetime64, UTC
            tail = tvals[-100:]
            period = pd.Series(tail[1:] - tail[:-1]).median() if len(tail) > 1 else pd.NaT
            if isinstance(period, pd.Timedelta):
                resolution = period.resolution_string
        return cls(idx, dti, tvals, period, resolution)

    @property
    def missing_duration(self) -> Any:
        return pd.NaT if self.dti is not None else _NAN

    def rnd(self, value: Any) -> Any:
        """A Timedelta rounded up to the index spacing's resolution."""
        if isinstance(value, pd.Timedelta) and self.resolution is not None:
            return value.ceil(self.resolution)
        return value

    def spans(self, start: np.ndarray, end: np.ndarray) -> tuple[Any, Any]:
        """Max and mean of the times from bars ``start`` to bars ``end`` (DatetimeIndex only), rounded."""
        spans = pd.TimedeltaIndex(self.tvals[end] - self.tvals[start])
        return self.rnd(spans.max()), self.rnd(spans.mean())


def _checked_inputs(equity: Any, trades: Any, close: Any, index: Any, first_bar: Any, periods_per_year: Any,
                    risk_free_rate: Any) -> tuple[np.ndarray, np.ndarray, _Clock, _Trades, int]:
    """The arrays as the core reads them (ValidationError naming every bad one), then the
    core's rules (``_core.backtest.stats_validate``: lengths, first_bar, the two rates)."""
    if index is None:
        if isinstance(equity, pd.Series):
            index = equity.index
        elif isinstance(close, pd.Series):
            index = close.index
    errors = FieldErrors()
    eq = _float_vector(equity, "equity", errors)
    c = _float_vector(close, "close", errors)
    tr = _Trades.of(trades, errors)
    bar = as_int(first_bar, "first_bar", errors, 0)
    idx = _index_of(index, eq.size, errors)
    errors.raise_if_any()
    _core.backtest.stats_validate(eq, c, bar, periods_per_year, risk_free_rate, tr.entry_bar, tr.exit_bar, tr.pl,
                                  tr.ret)
    assert idx is not None
    return eq, c, _Clock.of(idx), tr, bar


def _index_of(index: Any, n: int, errors: FieldErrors) -> pd.Index | None:
    if index is None:
        return pd.RangeIndex(n)
    try:
        idx: pd.Index = pd.Index(index)
    except (TypeError, ValueError) as exc:
        errors.add("index", index, f"cannot be read as an index ({exc})")
        return None
    if len(idx) != n:
        errors.add("index", f"{len(idx)} entries", f"must have one entry per bar of equity ({n})")
    return idx


@dataclass(frozen=True)
class _Trades:
    entry_bar: np.ndarray
    exit_bar: np.ndarray
    pl: np.ndarray
    ret: np.ndarray
    fees: np.ndarray

    @classmethod
    def of(cls, trades: Any, errors: FieldErrors) -> _Trades:
        """The trade columns; None, or a frame without rows, is no trades."""
        if trades is not None and not isinstance(trades, pd.DataFrame):
            errors.add("trades", trades, "must be a DataFrame of closed trades, or None")
            trades = None
        missing = [c for c in _TRADE_COLUMNS if trades is not None and len(trades) and c not in trades.columns]
        if missing:
            errors.add("trades", f"columns {[str(c) for c in trades.columns][:10]}", f"lacks the columns {missing}")
            trades = None
        return cls(*(_trade_column(trades, c, np.int64 if c.endswith("_bar") else np.float64, errors)
                     for c in _TRADE_COLUMNS))

    @property
    def n(self) -> int:
        return int(self.entry_bar.size)


def _core_row(eq: np.ndarray, c: np.ndarray, clock: _Clock, tr: _Trades, first_bar: int,
              periods_per_year: float | None, risk_free_rate: float) -> list[float]:
    """The core's statistics (``CORE_STATS``), fed by backtesting.py's rules."""
    period_eq, n_per = _period_equity(eq, clock, periods_per_year)
    years = years_spanned(clock.idx, eq.size, periods_per_year)
    row = _core.backtest.stats_compute(eq, period_eq, n_per, float(risk_free_rate), years, c, int(first_bar),
                                       tr.entry_bar, tr.exit_bar, tr.pl, tr.ret)
    return [float(v) for v in row]


def _overview(s: dict[str, Any], clock: _Clock, tr: _Trades) -> None:
    """Start, End, Duration, Commissions."""
    s["Start"] = clock.idx[0]
    s["End"] = clock.idx[-1]
    s["Duration"] = s["End"] - s["Start"]
    s["Commissions [$]"] = float(tr.fees.sum())


def _period_equity(eq: np.ndarray, clock: _Clock, periods_per_year: float | None) -> tuple[np.ndarray, float]:
    """The equity at the end of each period of the annualised figures, and the periods per
    year N (no periods, NaN: unknown)."""
    if periods_per_year is not None:
        return eq, float(periods_per_year)
    dti = clock.dti
    if dti is None:
        return np.empty(0), _NAN
    freq_days = clock.period.days if isinstance(clock.period, pd.Timedelta) else _NAN
    days = period_starts(dti, "D").astype("datetime64[D]").astype(np.int64)  # calendar day, local time
    have_weekends = float(((days + 3) % 7 >= 5).mean()) > 2 / 7 * 0.6  # 1970-01-01: Thu
    N = (
        52.0 if freq_days == 7 else
        12.0 if freq_days == 31 else
        1.0 if freq_days == 365 else
        (365.0 if have_weekends else 252.0)
    )
    period = "W" if freq_days == 7 else "ME" if freq_days == 31 else "YE" if freq_days == 365 else "D"
    # backtesting.py's resample(period).last().dropna(): periods whose equity is all NaN are left out
    return period_last(pd.Series(eq, index=dti), period).dropna().to_numpy(dtype=np.float64), N


def _alpha_beta(s: dict[str, Any], eq: np.ndarray, c: np.ndarray, risk_free_rate: float) -> None:
    beta = _beta(eq, c)
    s["Alpha [%]"] = (
        s["Return [%]"] - risk_free_rate * 100 - beta * (s["Buy & Hold Return [%]"] - risk_free_rate * 100)
    )
    s["Beta"] = beta


def _beta(eq: np.ndarray, c: np.ndarray) -> float:
    """``cov(a, b) / var(b)`` of the log returns of equity (a) and close (b); NaN when n < 3."""
    if eq.size <= 2:
        return _NAN
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.log(eq[1:] / eq[:-1])
        b = np.log(c[1:] / c[:-1])
        cov = np.cov(a, b)
        return float(cov[0, 1] / cov[1, 1])


def _drawdown_spells(s: dict[str, Any], dd: np.ndarray, clock: _Clock) -> None:
    """Avg. Drawdown, Max./Avg. Drawdown Duration over the spells between bars at a peak."""
    n = dd.size
    z = np.unique(np.r_[np.flatnonzero(dd == 0), n - 1])
    i0, j0 = z[:-1], z[1:]
    keep = j0 > i0 + 1
    i0, j0 = i0[keep], j0[keep]
    if not i0.size:
        pos = dd[(dd != 0) & ~np.isnan(dd)]
        s["Avg. Drawdown [%]"] = -_mean(pos) * 100
        s["Max. Drawdown Duration"] = clock.missing_duration
        s["Avg. Drawdown Duration"] = clock.missing_duration
        return
    padded = np.r_[dd, 0.0]
    bounds = np.empty(2 * i0.size, dtype=np.int64)
    bounds[0::2] = i0
    bounds[1::2] = j0 + 1
    depth = np.fmax.reduceat(padded, bounds)[0::2]
    depth = depth[~np.isnan(depth)]
    s["Avg. Drawdown [%]"] = -_mean(depth) * 100
    if clock.dti is not None:
        s["Max. Drawdown Duration"], s["Avg. Drawdown Duration"] = clock.spans(i0, j0)
    else:
        idx = clock.idx
        spell_num = np.asarray(idx[j0], dtype=np.float64) - np.asarray(idx[i0], dtype=np.float64)
        s["Max. Drawdown Duration"] = float(spell_num.max())
        s["Avg. Drawdown Duration"] = float(spell_num.mean())


def _trade_durations(tr: _Trades, clock: _Clock) -> tuple[Any, Any]:
    if not tr.n:
        return clock.missing_duration, clock.missing_duration
    if clock.dti is not None:
        return clock.spans(tr.entry_bar, tr.exit_bar)
    dur = clock.idx[tr.exit_bar].to_numpy() - clock.idx[tr.entry_bar].to_numpy()
    return dur.max(), float(np.mean(dur))


def stats_frame(stats: Sequence[pd.Series]) -> pd.DataFrame:
    """Stack :func:`compute_stats` results into a DataFrame (one row per simulation).

    Columns are ``STAT_NAMES``; each column gets the narrowest dtype that holds it
    (float64, int64, datetime64, timedelta64, or object).
    """
    if len(stats) == 0:
        return pd.DataFrame(columns=list(STAT_NAMES))
    df = pd.DataFrame([list(x.reindex(list(STAT_NAMES))) for x in stats], columns=list(STAT_NAMES))
    return df.infer_objects()
