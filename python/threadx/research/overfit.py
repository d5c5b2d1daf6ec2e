"""Overfitting statistics of a sweep's trials, computed by the C++ core.

Definitions (docs/research.md has them in full, with the NaN and tie rules):

* **PSR**, probabilistic Sharpe ratio (Bailey & López de Prado 2012)::

      PSR(SR*) = Φ((SR − SR*)·√(T − 1) / √(1 − γ₃·SR + (γ₄ − 1)/4·SR²))

  ``SR`` the per-period (not annualised) Sharpe ratio ``mean / std`` (ddof=1), ``γ₃`` the skewness
  and ``γ₄`` the non-excess kurtosis (population moments, scipy's ``skew``/``kurtosis(fisher=False)``),
  ``T`` the number of returns.
* **DSR**, deflated Sharpe ratio (Bailey & López de Prado 2014): ``PSR(SR*)`` with
  ``SR* = √V·((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e)))``, ``γ`` the Euler–Mascheroni constant,
  ``N`` the number of trials and ``V`` the variance (ddof=1) of their per-period Sharpe ratios.
* **MinTRL**, minimum track record length (periods)::

      1 + (1 − γ₃·SR + (γ₄ − 1)/4·SR²)·(Φ⁻¹(1 − α) / (SR − SR*))²

  ``inf`` when ``SR <= SR*`` (no track record is long enough).
* **PBO**, probability of backtest overfitting by combinatorially symmetric cross-validation
  (Bailey, Borwein, López de Prado & Zhu 2015), from :class:`PartitionSums`: see :func:`pbo`.

NaN returns are skipped and not counted everywhere (as the rolling statistics do); ±inf is refused.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors, as_cancel, as_int, as_number, as_values, checked_keywords
from threadx.errors import DataError

__all__ = ["PBOResult", "PartitionSums", "deflated_sharpe", "expected_max_sharpe", "min_track_record_length",
           "partition_sums", "pbo", "probabilistic_sharpe"]

_METRICS = {"sharpe": 0, "mean": 1}
FloatArray = npt.NDArray[np.float64]


# ---- PSR, DSR, MinTRL ---------------------------------------------------------------------

def _real(value: Any, field: str, errors: FieldErrors) -> float:
    """``value`` as a float (NaN after an error, which is in ``errors``)."""
    v = as_number(value, field, errors)
    return float("nan") if v is None else v


@dataclass(frozen=True)
class _Moments:
    sharpe: float
    n_obs: float
    skew: float
    kurtosis: float


def _moments(returns: Any, sharpe: Any, n_obs: Any, skew: Any, kurtosis: Any, errors: FieldErrors) -> _Moments:
    """SR, T, γ₃, γ₄ from ``returns`` (the core computes them) or as given (skew 0, kurtosis 3 by default)."""
    given = {k: v for k, v in {"sharpe": sharpe, "n_obs": n_obs, "skew": skew, "kurtosis": kurtosis}.items()
             if v is not None}
    if returns is None:
        num = {k: as_number(v, k, errors) for k, v in given.items()}
        if sharpe is None:
            errors.add("sharpe", None, "give the selected strategy's returns, or its per-period sharpe")
        return _Moments(*(float(v) if v is not None else d for v, d in
                          ((num.get("sharpe"), np.nan), (num.get("n_obs"), np.nan),
                           (num.get("skew"), 0.0), (num.get("kurtosis"), 3.0))))
    for key, value in given.items():
        errors.add(key, value, "give returns or the moments (sharpe, n_obs, skew, kurtosis), not both")
    values = as_values(returns, errors, "returns")
    if values is None or values.array.ndim != 1:
        if values is not None:
            errors.add("returns", f"shape {values.array.shape}", "must be one return series (1-D)")
        return _Moments(np.nan, np.nan, 0.0, 3.0)
    m = _core.research.sharpe_moments(np.ascontiguousarray(values.array))
    if np.isnan(m["sharpe"]):
        errors.add("returns", f"{int(m['n_obs'])} non-NaN values",
                   "needs >= 2 non-NaN returns with a non-zero standard deviation")
    return _Moments(m["sharpe"], m["n_obs"], m["skew"], m["kurtosis"])


@checked_keywords
def probabilistic_sharpe(returns: Any = None, *, sr_benchmark: float = 0.0, sharpe: float | None = None,
                         n_obs: float | None = None, skew: float | None = None,
                         kurtosis: float | None = None) -> float:
    """PSR: the probability that the true Sharpe ratio exceeds ``sr_benchmark`` (per period).

    Give the strategy's per-period ``returns`` (1-D, NaN skipped), or its ``sharpe``, ``n_obs``
    and optionally ``skew`` (default 0) and non-excess ``kurtosis`` (default 3).
    """
    errors = FieldErrors()
    m = _moments(returns, sharpe, n_obs, skew, kurtosis, errors)
    bench = _real(sr_benchmark, "sr_benchmark", errors)
    errors.raise_if_any()
    return float(_core.research.probabilistic_sharpe(m.sharpe, m.n_obs, m.skew, m.kurtosis, bench))


def _trials(trials_sharpe: Any, n_trials: Any, trials_variance: Any, errors: FieldErrors) -> tuple[float, float]:
    """(N, V) from the trials' Sharpe ratios (NaN dropped; V with ddof=1) or as given."""
    if trials_sharpe is None:
        return _real(n_trials, "n_trials", errors), _real(trials_variance, "trials_variance", errors)
    for key, value in (("n_trials", n_trials), ("trials_variance", trials_variance)):
        if value is not None:
            errors.add(key, value, "give trials_sharpe or n_trials and trials_variance, not both")
    values = as_values(trials_sharpe, errors, "trials_sharpe")
    if values is None:
        return np.nan, np.nan
    x = values.array.ravel()
    x = x[~np.isnan(x)]
    if x.size < 2 or not np.all(np.isfinite(x)):
        errors.add("trials_sharpe", f"{x.size} non-NaN values", "needs >= 2 finite Sharpe ratios (NaN skipped)")
        return np.nan, np.nan
    return float(x.size), float(np.var(x, ddof=1))


@checked_keywords
def expected_max_sharpe(n_trials: float, trials_variance: float) -> float:
    """SR*, the DSR's benchmark: ``√V·((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e)))``."""
    errors = FieldErrors()
    n, v = _trials(None, n_trials, trials_variance, errors)
    errors.raise_if_any()
    return float(_core.research.expected_max_sharpe(n, v))


@checked_keywords
def deflated_sharpe(returns: Any = None, *, trials_sharpe: Any = None, n_trials: float | None = None,
                    trials_variance: float | None = None, sharpe: float | None = None,
                    n_obs: float | None = None, skew: float | None = None,
                    kurtosis: float | None = None) -> float:
    """DSR: the PSR of the selected strategy against SR* (:func:`expected_max_sharpe`).

    The selected strategy as in :func:`probabilistic_sharpe`; the trials as ``trials_sharpe`` (every
    trial's per-period Sharpe ratio, e.g. ``PartitionSums.trial_sharpe()``: ``N`` = their count, ``V``
    = their variance, ddof=1) or as ``n_trials`` (>= 2, may be an effective number) and ``trials_variance``.
    """
    errors = FieldErrors()
    m = _moments(returns, sharpe, n_obs, skew, kurtosis, errors)
    n, v = _trials(trials_sharpe, n_trials, trials_variance, errors)
    errors.raise_if_any()
    return float(_core.research.deflated_sharpe(m.sharpe, m.n_obs, m.skew, m.kurtosis, n, v))


@checked_keywords
def min_track_record_length(returns: Any = None, *, sr_benchmark: float = 0.0, alpha: float = 0.05,
                            sharpe: float | None = None, skew: float | None = None,
                            kurtosis: float | None = None) -> float:
    """MinTRL: the number of returns needed for PSR(sr_benchmark) >= 1 − alpha (``inf`` when
    ``sharpe <= sr_benchmark``).  The strategy as in :func:`probabilistic_sharpe` (no ``n_obs``)."""
    errors = FieldErrors()
    m = _moments(returns, sharpe, None, skew, kurtosis, errors)
    bench = _real(sr_benchmark, "sr_benchmark", errors)
    a = _real(alpha, "alpha", errors)
    errors.raise_if_any()
    return float(_core.research.min_track_record_length(m.sharpe, m.skew, m.kurtosis, bench, a))


# ---- partition sums and PBO ---------------------------------------------------------------

@dataclass(frozen=True)
class PartitionSums:
    """Per-partition sums of every trial's returns: ``count``, ``sum``, ``sumsq``, each of shape
    ``(n_partitions, n_trials)``.  Partition ``p`` is rows ``[floor(p·T/S), floor((p+1)·T/S))``;
    NaN returns are skipped and not counted.  Memory is O(S·N) whatever the number of rows ``T``."""

    count: FloatArray
    sum: FloatArray
    sumsq: FloatArray
    n_rows: int
    trials: pd.Index

    @property
    def n_partitions(self) -> int:
        return int(self.count.shape[0])

    @property
    def n_trials(self) -> int:
        return int(self.count.shape[1])

    def trial_metric(self, metric: str = "sharpe") -> pd.Series:
        """Every trial's metric over all its returns (NaN where undefined), by trial."""
        errors = FieldErrors()
        code = _metric_code(metric, errors)
        errors.raise_if_any()
        values = _core.research.trial_metrics(self.count, self.sum, self.sumsq, code)
        return pd.Series(values, index=self.trials, name=metric)

    def trial_sharpe(self) -> pd.Series:
        """Every trial's per-period Sharpe ratio (mean / std, ddof=1): ``deflated_sharpe(trials_sharpe=...)``."""
        return self.trial_metric("sharpe")


def _metric_code(metric: Any, errors: FieldErrors) -> int:
    """The core's code of ``metric`` (0 after an error, which is in ``errors``)."""
    if not isinstance(metric, str) or metric not in _METRICS:
        errors.add("metric", metric, f"must be one of {', '.join(map(repr, _METRICS))}")
        return 0
    return _METRICS[metric]


@checked_keywords
def partition_sums(returns: Any, n_partitions: int = 16, *, cancel: _core.CancelToken | None = None) -> PartitionSums:
    """The :class:`PartitionSums` of a ``(T, N)`` matrix of per-period returns, one column per
    trial (a DataFrame's columns label the trials).  ``n_partitions`` (S) is even, in [2, 24], and
    at most ``T``; ``N >= 2``.  Parallel over the partitions in the core; ``cancel`` stops it."""
    errors = FieldErrors()
    values = as_values(returns, errors, "returns")
    s = as_int(n_partitions, "n_partitions", errors, 2)
    token = as_cancel(cancel, errors)
    if values is not None and values.array.ndim != 2:
        errors.add("returns", f"shape {values.array.shape}", "must be a (T, N) matrix: one column per trial")
    errors.raise_if_any()
    assert values is not None
    arr = np.ascontiguousarray(values.array)
    count, total, sumsq = _core.research.partition_sums(arr, s, cancel=token)
    trials = values.columns if values.columns is not None else pd.RangeIndex(arr.shape[1])
    return PartitionSums(count, total, sumsq, int(arr.shape[0]), trials)


@dataclass(frozen=True)
class PBOResult:
    """PBO by CSCV and what the paper's figures are drawn from.

    One entry per combination (in the order of ``combinations``, the in-sample partitions of each,
    lexicographic, made on first access): ``best`` the in-sample best trial's position (-1: none), ``is_metric`` and
    ``oos_metric`` its metric in and out of sample (the performance degradation pairs),
    ``oos_rank`` ω its relative out-of-sample rank and ``logit`` λ = ln(ω / (1 − ω)).
    """

    pbo: float
    logit: FloatArray
    is_metric: FloatArray
    oos_metric: FloatArray
    oos_rank: FloatArray
    best: npt.NDArray[np.int64]
    n_partitions: int
    n_valid: int
    trials: pd.Index
    metric: str

    @property
    def n_combinations(self) -> int:
        return int(self.logit.shape[0])

    @property
    def combinations(self) -> npt.NDArray[np.int8]:
        """``(n_combinations, S/2)``: the in-sample partitions of each combination (read-only)."""
        return _combinations(self.n_partitions)

    @property
    def prob_oos_loss(self) -> float:
        """Share of the combinations whose selected trial has a negative out-of-sample metric."""
        ok = ~np.isnan(self.logit)
        return float(np.mean(self.oos_metric[ok] < 0)) if ok.any() else float("nan")

    def degradation(self) -> pd.DataFrame:
        """The performance degradation pairs: one row per combination, the selected trial's label,
        its in-sample and its out-of-sample metric."""
        labels = np.asarray(self.trials, dtype=object)[np.maximum(self.best, 0)]
        labels[self.best < 0] = None
        return pd.DataFrame({"trial": labels, "is": self.is_metric, "oos": self.oos_metric})


@functools.lru_cache(maxsize=4)
def _combinations(n_partitions: int) -> npt.NDArray[np.int8]:
    """The in-sample partitions of every combination, in the core's (lexicographic) order; read-only."""
    half = n_partitions // 2
    flat = itertools.chain.from_iterable(itertools.combinations(range(n_partitions), half))
    combos = np.fromiter(flat, dtype=np.int8).reshape(-1, half)
    combos.flags.writeable = False
    return combos


@checked_keywords
def pbo(sums: PartitionSums, *, metric: str = "sharpe", cancel: _core.CancelToken | None = None) -> PBOResult:
    """Probability of backtest overfitting by combinatorially symmetric cross-validation.

    For each of the C(S, S/2) ways of taking S/2 partitions as in-sample (IS) and the rest as
    out-of-sample (OOS): ``n*`` is the trial with the highest IS ``metric`` ("sharpe": mean / std
    with ddof=1; "mean"), ω its OOS midrank among the trials with a non-NaN OOS metric divided by
    their count + 1, λ = ln(ω / (1 − ω)).  PBO is the share of combinations with λ <= 0.

    Rules: a trial's metric is NaN with fewer than 2 returns (1 for "mean") or a zero standard
    deviation; NaN metrics are never selected and never ranked; IS ties go to the first trial;
    OOS ties take the average rank; a combination whose IS metrics are all NaN, or whose n* has a
    NaN OOS metric, has λ = NaN and is left out of PBO (``n_valid`` counts the rest).  Parallel
    over the combinations in the core; ``cancel`` stops it (``CancelledError``).
    """
    errors = FieldErrors()
    if not isinstance(sums, PartitionSums):
        errors.add("sums", sums, "must be the PartitionSums of threadx.research.partition_sums")
    token = as_cancel(cancel, errors)
    code = _metric_code(metric, errors)
    errors.raise_if_any()
    raw = _core.research.pbo(sums.count, sums.sum, sums.sumsq, code, cancel=token)
    if raw["n_valid"] == 0:
        raise DataError("no combination has a selectable in-sample best trial with a ranked out-of-sample metric")
    return PBOResult(float(raw["pbo"]), raw["logit"], raw["is_metric"], raw["oos_metric"], raw["oos_rank"],
                     raw["best"], sums.n_partitions, int(raw["n_valid"]), sums.trials, metric)
