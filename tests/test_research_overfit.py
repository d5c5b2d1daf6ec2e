"""Overfitting statistics (threadx.research): PSR, DSR, MinTRL and PBO by CSCV against an
independent numpy/scipy oracle written from the formulas (docs/research.md), the DSR paper's
worked example, synthetic cases with a known answer, NaN and tie rules, cancellation and every
bad input."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.stats as sps
from hypothesis import example, given, settings
from hypothesis import strategies as st

import threadx
from threadx import research
from threadx.errors import CancelledError, DataError, ValidationError

EULER_GAMMA = 0.5772156649015329
RTOL = 1e-12


# ---- the oracle: plain numpy/scipy from the formulas ---------------------------------------

def o_moments(x: np.ndarray) -> tuple[float, float, float, float]:
    """(SR, T, skew, non-excess kurtosis) of the non-NaN values."""
    x = x[~np.isnan(x)]
    return (float(x.mean() / x.std(ddof=1)), float(x.size), float(sps.skew(x)),
            float(sps.kurtosis(x, fisher=False)))


def o_psr(sr: float, t: float, skew: float, kurt: float, bench: float) -> float:
    return float(sps.norm.cdf((sr - bench) * np.sqrt(t - 1) / np.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr**2)))


def o_sr_star(n: float, v: float) -> float:
    return float(np.sqrt(v) * ((1 - EULER_GAMMA) * sps.norm.ppf(1 - 1 / n)
                               + EULER_GAMMA * sps.norm.ppf(1 - 1 / (n * np.e))))


def o_mintrl(sr: float, skew: float, kurt: float, bench: float, alpha: float) -> float:
    if sr <= bench:
        return float("inf")
    with np.errstate(over="ignore"):  # a tiny SR - SR*: inf
        return float(1 + (1 - skew * sr + (kurt - 1) / 4 * sr**2) * (sps.norm.ppf(1 - alpha) / (sr - bench)) ** 2)


def o_metric(x: np.ndarray, metric: str) -> float:
    """A column's metric: NaN skipped; Sharpe NaN below 2 values or with a (numerically) zero std."""
    x = x[~np.isnan(x)]
    if metric == "mean":
        return float(x.mean()) if x.size else float("nan")
    if x.size < 2:
        return float("nan")
    ss = float(((x - x.mean()) ** 2).sum())
    if not ss > 1e-12 * float((x**2).sum()):
        return float("nan")
    return float(x.mean() / np.sqrt(ss / (x.size - 1)))


def o_pbo(r: np.ndarray, s: int, metric: str = "sharpe") -> dict[str, Any]:
    """CSCV by an explicit loop over itertools.combinations on the full returns matrix."""
    t, n = r.shape
    bounds = [p * t // s for p in range(s + 1)]
    parts = [r[bounds[p]:bounds[p + 1]] for p in range(s)]
    out: dict[str, list[float]] = {"logit": [], "is": [], "oos": [], "best": []}
    for combo in itertools.combinations(range(s), s // 2):
        ins = np.concatenate([parts[p] for p in combo])
        oos = np.concatenate([parts[p] for p in range(s) if p not in combo])
        is_m = np.array([o_metric(ins[:, j], metric) for j in range(n)])
        oos_m = np.array([o_metric(oos[:, j], metric) for j in range(n)])
        if np.isnan(is_m).all():
            out["best"].append(-1)
            out["is"].append(np.nan)
            out["oos"].append(np.nan)
            out["logit"].append(np.nan)
            continue
        best = int(np.nanargmax(is_m))
        out["best"].append(best)
        out["is"].append(is_m[best])
        out["oos"].append(oos_m[best])
        if np.isnan(oos_m[best]):
            out["logit"].append(np.nan)
            continue
        valid = oos_m[~np.isnan(oos_m)]
        ranks = sps.rankdata(valid, method="average")
        rank = ranks[np.flatnonzero(valid == oos_m[best])[0]]
        w = rank / (valid.size + 1)
        out["logit"].append(float(np.log(w / (1 - w))))
    lam = np.array(out["logit"])
    ok = ~np.isnan(lam)
    return {"pbo": float(np.mean(lam[ok] <= 0)) if ok.any() else float("nan"), "logit": lam, "is": np.array(out["is"]),
            "oos": np.array(out["oos"]), "best": np.array(out["best"])}


def returns_matrix(seed: int, t: int, n: int, nan_share: float = 0.0, edge: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0, 0.01, size=(t, n))
    r[:, 0] += edge
    if nan_share:
        r[rng.random(size=r.shape) < nan_share] = np.nan
    return r


def assert_close(got: Any, want: Any, rtol: float = RTOL, atol: float = 0.0) -> None:
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


# Probabilities below this are the far tail (erfc's subnormal results, which scipy rounds to 0).
TINY = 1e-300


def assert_metrics_close(got: Any, want: Any) -> None:
    """1e-12 relative to the metrics' scale (max |want|): a Sharpe ratio near 0 is a difference of
    sums that nearly cancel, whose own relative error is not bounded (the parity rule's form)."""
    want = np.asarray(want, dtype=float)
    scale = float(np.nanmax(np.abs(want))) if np.any(~np.isnan(want)) else 0.0
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * scale, equal_nan=True)


# ---- PSR, DSR, MinTRL ---------------------------------------------------------------------

@pytest.mark.parametrize("seed,nan_share", [(0, 0.0), (1, 0.0), (2, 0.2), (3, 0.5)])
def test_psr_dsr_mintrl_from_returns_match_the_oracle(seed: int, nan_share: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_t(5, size=500) * 0.01 + 0.001
    x[rng.random(500) < nan_share] = np.nan
    sr, t, skew, kurt = o_moments(x)
    assert_close(research.probabilistic_sharpe(x), o_psr(sr, t, skew, kurt, 0.0))
    assert_close(research.probabilistic_sharpe(pd.Series(x), sr_benchmark=0.02), o_psr(sr, t, skew, kurt, 0.02))
    trials = rng.normal(0, 0.05, size=40)
    want = o_psr(sr, t, skew, kurt, o_sr_star(40, float(np.var(trials, ddof=1))))
    assert_close(research.deflated_sharpe(x, trials_sharpe=trials), want)
    assert_close(research.min_track_record_length(x, alpha=0.01), o_mintrl(sr, skew, kurt, 0.0, 0.01))


@settings(max_examples=200, deadline=None)
@example(sr=-0.34375, t=836, skew=0.0, excess=0.0, bench=0.0, n=81089.0, v=0.048828125, alpha=0.5)  # DSR ~ 6e-311
@given(sr=st.floats(-0.5, 0.5), t=st.integers(2, 2000), skew=st.floats(-2, 2), excess=st.floats(0, 10),
       bench=st.floats(-0.3, 0.3), n=st.floats(2, 1e5), v=st.floats(0, 0.05), alpha=st.floats(1e-4, 0.5))
def test_statistics_equal_the_oracle_on_any_moments(sr: float, t: int, skew: float, excess: float, bench: float,
                                                    n: float, v: float, alpha: float) -> None:
    kurt = 1 + skew**2 + excess  # the smallest kurtosis a distribution with this skew can have, + excess
    if not 1 - skew * sr + (kurt - 1) / 4 * sr**2 > 1e-9:
        return
    m = {"sharpe": sr, "skew": skew, "kurtosis": kurt}
    assert_close(research.probabilistic_sharpe(n_obs=t, sr_benchmark=bench, **m), o_psr(sr, t, skew, kurt, bench),
                 rtol=1e-11, atol=TINY)
    assert_close(research.expected_max_sharpe(n, v), o_sr_star(n, v))
    assert_close(research.deflated_sharpe(n_obs=t, n_trials=n, trials_variance=v, **m),
                 o_psr(sr, t, skew, kurt, o_sr_star(n, v)), rtol=1e-11, atol=TINY)
    assert_close(research.min_track_record_length(sr_benchmark=bench, alpha=alpha, **m),
                 o_mintrl(sr, skew, kurt, bench, alpha), rtol=1e-11)


def test_dsr_reproduces_the_papers_numerical_example() -> None:
    # Bailey & López de Prado (2014), "The Deflated Sharpe Ratio", numerical example: annualised
    # SR 2.5 and variance of the trials' annualised SRs 0.5 over N = 100 trials, T = 1250 daily
    # returns (250 a year), skew -3, kurtosis 10: SR* ≈ 0.1132 per period and DSR ≈ 0.9004.
    sr, v = 2.5 / np.sqrt(250), 0.5 / 250
    assert research.expected_max_sharpe(100, v) == pytest.approx(0.1132, abs=5e-5)
    dsr = research.deflated_sharpe(sharpe=sr, n_obs=1250, skew=-3, kurtosis=10, n_trials=100, trials_variance=v)
    assert dsr == pytest.approx(0.9004, abs=5e-5)


def test_psr_at_its_own_sharpe_is_one_half_and_mintrl_is_inf_below_the_benchmark() -> None:
    x = returns_matrix(4, 300, 1)[:, 0] + 0.002
    sr = o_moments(x)[0]
    assert research.probabilistic_sharpe(x, sr_benchmark=sr) == pytest.approx(0.5, abs=1e-12)
    assert research.min_track_record_length(x, sr_benchmark=sr + 0.01) == float("inf")
    assert research.min_track_record_length(x, sr_benchmark=sr) == float("inf")


# ---- partition sums ----------------------------------------------------------------------

@pytest.mark.parametrize("t,n,s,nan_share", [(100, 3, 4, 0.0), (103, 7, 6, 0.1), (16, 2, 16, 0.3), (50, 4, 2, 0.0)])
def test_partition_sums_equal_sums_of_each_partition(t: int, n: int, s: int, nan_share: float) -> None:
    r = returns_matrix(t + n, t, n, nan_share)
    sums = research.partition_sums(r, s)
    bounds = [p * t // s for p in range(s + 1)]
    for p in range(s):
        block = r[bounds[p]:bounds[p + 1]]
        np.testing.assert_array_equal(sums.count[p], (~np.isnan(block)).sum(axis=0))
        assert_close(sums.sum[p], np.nansum(block, axis=0), rtol=1e-13)
        assert_close(sums.sumsq[p], np.nansum(block**2, axis=0), rtol=1e-13)
    assert sums.n_rows == t and sums.n_partitions == s and sums.n_trials == n


def test_partition_sums_keep_a_frames_trial_labels() -> None:
    frame = pd.DataFrame(returns_matrix(5, 40, 3), columns=["a", "b", "c"])
    sums = research.partition_sums(frame, 4)
    assert list(sums.trial_sharpe().index) == ["a", "b", "c"]
    assert_close(sums.trial_sharpe().to_numpy(), [o_metric(frame[c].to_numpy(), "sharpe") for c in frame])


# ---- PBO against the oracle ----------------------------------------------------------------

@pytest.mark.parametrize("seed,t,n,s,nan_share,metric", [
    (0, 120, 6, 4, 0.0, "sharpe"),
    (1, 203, 9, 8, 0.1, "sharpe"),
    (2, 64, 5, 6, 0.3, "sharpe"),
    (3, 90, 4, 2, 0.0, "sharpe"),
    (4, 150, 7, 8, 0.05, "mean"),
    (5, 12, 3, 12, 0.0, "sharpe"),   # one row per partition: in-sample metrics from 6 rows
])
def test_pbo_equals_the_oracle(seed: int, t: int, n: int, s: int, nan_share: float, metric: str) -> None:
    r = returns_matrix(seed, t, n, nan_share)
    got = research.pbo(research.partition_sums(r, s), metric=metric)
    want = o_pbo(r, s, metric)
    np.testing.assert_array_equal(got.best, want["best"])
    assert_close(got.logit, want["logit"])
    assert_metrics_close(got.is_metric, want["is"])
    assert_metrics_close(got.oos_metric, want["oos"])
    assert got.pbo == want["pbo"]
    assert got.n_combinations == len(list(itertools.combinations(range(s), s // 2)))
    np.testing.assert_array_equal(got.combinations, list(itertools.combinations(range(s), s // 2)))
    assert_close(np.log(got.oos_rank / (1 - got.oos_rank)), got.logit)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), t=st.integers(8, 80), n=st.integers(2, 6), half=st.integers(1, 4),
       nan_share=st.sampled_from([0.0, 0.1, 0.4]))
def test_pbo_equals_the_oracle_on_any_shape(seed: int, t: int, n: int, half: int, nan_share: float) -> None:
    s = 2 * half
    if t < s:
        return
    r = returns_matrix(seed, t, n, nan_share)
    if np.isnan([o_metric(r[:, j], "sharpe") for j in range(n)]).all():
        return
    try:
        got = research.pbo(research.partition_sums(r, s))
    except DataError:  # no combination with a ranked best trial: the oracle has none either
        assert np.isnan(o_pbo(r, s)["logit"]).all()
        return
    want = o_pbo(r, s)
    np.testing.assert_array_equal(got.best, want["best"])
    assert_close(got.logit, want["logit"])
    assert got.pbo == want["pbo"]


def o_pbo_columns(r: np.ndarray, s: int) -> dict[str, Any]:
    """o_pbo's Sharpe rules vectorised over the columns (for many trials), still on the full matrix."""
    t, n = r.shape
    bounds = [p * t // s for p in range(s + 1)]
    parts = [r[bounds[p]:bounds[p + 1]] for p in range(s)]

    def sharpe(x: np.ndarray) -> np.ndarray:
        c = (~np.isnan(x)).sum(axis=0)
        mean = np.nansum(x, axis=0) / c
        ss = np.nansum((x - mean) ** 2, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = mean / np.sqrt(ss / (c - 1))
        out[(c < 2) | ~(ss > 1e-12 * np.nansum(x**2, axis=0))] = np.nan
        return out

    logit, best_all = [], []
    for combo in itertools.combinations(range(s), s // 2):
        is_m = sharpe(np.concatenate([parts[p] for p in combo]))
        oos_m = sharpe(np.concatenate([parts[p] for p in range(s) if p not in combo]))
        best = int(np.nanargmax(is_m))
        valid = oos_m[~np.isnan(oos_m)]
        w = sps.rankdata(valid)[np.flatnonzero(valid == oos_m[best])[0]] / (valid.size + 1)
        logit.append(np.log(w / (1 - w)))
        best_all.append(best)
    return {"logit": np.array(logit), "best": np.array(best_all)}


def test_pbo_with_many_trials_uses_narrower_tables_and_still_equals_the_oracle() -> None:
    # 12,000 trials, S = 10: the 8-partition tables would pass the core's 64 MiB budget (75 MB),
    # so it tabulates groups of 7 and 3 partitions instead
    r = returns_matrix(13, 30, 12_000, 0.02)
    got = research.pbo(research.partition_sums(r, 10))
    want = o_pbo_columns(r, 10)
    np.testing.assert_array_equal(got.best, want["best"])
    assert_close(got.logit, want["logit"])


def test_pbo_ties_take_the_first_trial_in_sample_and_the_average_rank_out_of_sample() -> None:
    base = returns_matrix(6, 80, 1)[:, 0]
    other = returns_matrix(60, 80, 1)[:, 0]
    r = np.column_stack([base, base, other])  # trials 0 and 1 tie everywhere
    got = research.pbo(research.partition_sums(r, 4))
    want = o_pbo(r, 4)
    assert set(got.best) <= {0, 2}  # never 1: ties go to the first trial
    np.testing.assert_array_equal(got.best, want["best"])
    assert_close(got.logit, want["logit"])
    tied = got.best == 0
    assert tied.any()
    # trial 0 ranks with trial 1: midrank 1.5 or 2.5 of 3 (trial 2 above or below), ω = midrank / 4
    assert np.all(np.isin(got.oos_rank[tied] * 4, [1.5, 2.5]))
    assert (got.best == 2).any()


def test_nan_rules_an_all_nan_trial_is_never_selected_nor_ranked() -> None:
    r = returns_matrix(7, 100, 4)
    r[:, 2] = np.nan            # no returns at all: metric NaN everywhere
    r[:50, 3] = np.nan          # returns only in the second half
    got = research.pbo(research.partition_sums(r, 4))
    want = o_pbo(r, 4)
    assert 2 not in set(got.best)
    np.testing.assert_array_equal(got.best, want["best"])
    assert_close(got.logit, want["logit"])
    assert got.n_valid == int((~np.isnan(want["logit"])).sum())
    assert np.isnan(research.partition_sums(r, 4).trial_sharpe().iloc[2])


def test_no_valid_combination_is_a_data_error() -> None:
    # each trial has returns in one half only: its in-sample winner never has an out-of-sample metric
    r = returns_matrix(12, 40, 2)
    r[20:, 0] = np.nan
    r[:20, 1] = np.nan
    assert np.isnan(o_pbo(r, 2)["logit"]).all()
    with pytest.raises(DataError, match="no combination"):
        research.pbo(research.partition_sums(r, 2))


# ---- synthetic cases with a known answer ---------------------------------------------------

# Pure noise: every trial is i.i.d. N(0, 0.01²), so which trial wins in sample says nothing about
# out of sample: λ is symmetric about 0 and E[PBO] = 1/2 (λ = 0 exactly is impossible with
# continuous returns).  One dataset's PBO is noisy (its combinations share data: over 200 other
# seeds of this size, mean 0.52 and standard deviation 0.18), so the test averages 24 independent
# datasets: the mean's standard deviation is about 0.18/√24 ≈ 0.037, and ±0.15 is 4 of them.
# The DSR at a 0.95 threshold is a test at about the 5 % level, and a conservative one here (over
# those 200 seeds: median 0.46, none above 0.95; 1 of the 24 below), so "does not reject" is: the
# median DSR is well below 0.95 and at most 5 of 24 datasets reject (P(X >= 6) for
# X ~ Binomial(24, 0.05) is about 0.0012).
NOISE_SEEDS = range(100, 124)


def test_pure_noise_gives_pbo_near_one_half_and_a_dsr_that_does_not_reject() -> None:
    pbos, dsrs = [], []
    for seed in NOISE_SEEDS:
        r = returns_matrix(seed, 400, 30)
        sums = research.partition_sums(r, 8)
        pbos.append(research.pbo(sums).pbo)
        sharpe = sums.trial_sharpe()
        best = int(np.argmax(sharpe.to_numpy()))
        dsrs.append(research.deflated_sharpe(r[:, best], trials_sharpe=sharpe))
    assert abs(np.mean(pbos) - 0.5) < 0.15, np.mean(pbos)
    assert np.median(dsrs) < 0.8, dsrs
    assert np.sum(np.array(dsrs) > 0.95) <= 5, dsrs


@pytest.mark.parametrize("seed", [200, 201, 202])
def test_a_planted_edge_gives_pbo_near_zero_and_a_high_dsr(seed: int) -> None:
    # trial 0 earns 0.2 standard deviations a period more than 49 noise trials
    r = returns_matrix(seed, 1000, 50, edge=0.002)
    sums = research.partition_sums(r, 10)
    res = research.pbo(sums)
    assert res.pbo <= 0.02, res.pbo
    assert np.mean(res.best == 0) > 0.95
    sharpe = sums.trial_sharpe()
    assert int(np.argmax(sharpe.to_numpy())) == 0
    assert research.deflated_sharpe(r[:, 0], trials_sharpe=sharpe) > 0.95
    frame = res.degradation()
    assert list(frame.columns) == ["trial", "is", "oos"] and len(frame) == res.n_combinations


def test_pbo_is_the_same_whatever_the_thread_count() -> None:
    sums = research.partition_sums(returns_matrix(11, 300, 40, 0.05), 12)
    before = threadx.get_num_threads()
    try:
        threadx.set_num_threads(1)
        one = research.pbo(sums)
        threadx.set_num_threads(max(2, before))
        many = research.pbo(sums)
    finally:
        threadx.set_num_threads(before)
    for field in ("logit", "is_metric", "oos_metric", "best"):
        np.testing.assert_array_equal(getattr(one, field), getattr(many, field))


# ---- cancellation ----------------------------------------------------------------------------

def test_a_long_pbo_is_cancelled_within_a_fraction_of_its_run() -> None:
    rng = np.random.default_rng(8)
    s, n = 20, 2000  # 184,756 combinations: seconds of work
    count = np.full((s, n), 50.0)
    total = rng.normal(0, 0.5, size=(s, n))
    sumsq = total**2 / 50 + rng.uniform(0.004, 0.006, size=(s, n))
    sums = research.PartitionSums(count, total, sumsq, 1000, pd.RangeIndex(n))
    token = threadx.CancelToken()
    timer = threading.Timer(0.1, token.cancel)
    start = time.perf_counter()
    timer.start()
    with pytest.raises(CancelledError):
        research.pbo(sums, cancel=token)
    timer.join()
    assert time.perf_counter() - start < 1.0


def test_a_cancelled_token_stops_partition_sums() -> None:
    token = threadx.CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        research.partition_sums(returns_matrix(9, 100, 3), 4, cancel=token)


# ---- bad input: ValidationError naming the field and the value -----------------------------

R = returns_matrix(10, 40, 3)
SUMS = research.partition_sums(R, 4)


def _flat_sums() -> research.PartitionSums:
    return research.partition_sums(np.zeros((40, 3)), 4)


def _bad_count() -> research.PartitionSums:
    count = SUMS.count.copy()
    count[1, 2] = -1.0
    return research.PartitionSums(count, SUMS.sum, SUMS.sumsq, 40, SUMS.trials)


BAD = [
    ("odd S", lambda: research.partition_sums(R, 5), "n_partitions", "5"),
    ("S < 2", lambda: research.partition_sums(R, 0), "n_partitions", "0"),
    ("S too large", lambda: research.partition_sums(returns_matrix(0, 100, 2), 26), "n_partitions", "26"),
    ("fewer rows than S", lambda: research.partition_sums(R[:3], 4), "n_rows", "3"),
    ("one row", lambda: research.partition_sums(R[:1], 2), "n_rows", "1"),
    ("N < 2", lambda: research.partition_sums(R[:, :1], 4), "n_trials", "1"),
    ("1-D returns", lambda: research.partition_sums(R[:, 0], 4), "returns", "shape (40,)"),
    ("inf return", lambda: research.partition_sums(np.where(R > 0.02, np.inf, R), 4), "returns[", "inf"),
    ("S not an int", lambda: research.partition_sums(R, 4.5), "n_partitions", "4.5"),
    ("metric NaN for every trial", lambda: research.pbo(_flat_sums()), "returns", "every trial"),
    ("negative count", lambda: research.pbo(_bad_count()), "count[1, 2]", "-1"),
    ("not sums", lambda: research.pbo(R), "sums", "<float64 array (40, 3)>"),
    ("unknown metric", lambda: research.pbo(SUMS, metric="sortino"), "metric", "sortino"),
    ("bad cancel", lambda: research.pbo(SUMS, cancel=1), "cancel", "1"),
    ("T <= 1", lambda: research.probabilistic_sharpe(sharpe=0.1, n_obs=1), "n_obs", "1"),
    ("T missing", lambda: research.probabilistic_sharpe(sharpe=0.1), "n_obs", "nan"),
    ("no sharpe", lambda: research.probabilistic_sharpe(n_obs=10), "sharpe", "None"),
    ("returns and moments", lambda: research.probabilistic_sharpe(R[:, 0], sharpe=0.1), "sharpe", "0.1"),
    ("one return", lambda: research.probabilistic_sharpe([0.01]), "returns", "1 non-NaN values"),
    ("constant returns", lambda: research.probabilistic_sharpe([0.01] * 5), "returns", "5 non-NaN values"),
    ("inf in returns", lambda: research.probabilistic_sharpe([0.01, np.inf, 0.02]), "returns[1]", "inf"),
    ("impossible kurtosis", lambda: research.probabilistic_sharpe(sharpe=0.5, n_obs=10, skew=2, kurtosis=1),
     "kurtosis", "1"),
    ("sharpe a string", lambda: research.probabilistic_sharpe(sharpe="1", n_obs=10), "sharpe", "1"),
    ("N < 2", lambda: research.deflated_sharpe(sharpe=0.1, n_obs=100, n_trials=1, trials_variance=0.1),
     "n_trials", "1"),
    ("negative V", lambda: research.deflated_sharpe(sharpe=0.1, n_obs=100, n_trials=10, trials_variance=-1),
     "trials_variance", "-1"),
    ("one trial sharpe", lambda: research.deflated_sharpe(sharpe=0.1, n_obs=100, trials_sharpe=[0.1, np.nan]),
     "trials_sharpe", "1 non-NaN values"),
    ("trials twice", lambda: research.deflated_sharpe(sharpe=0.1, n_obs=100, trials_sharpe=[0.1, 0.2],
                                                      n_trials=3), "n_trials", "3"),
    ("alpha = 0", lambda: research.min_track_record_length(sharpe=0.1, alpha=0), "alpha", "0"),
    ("alpha = 1", lambda: research.min_track_record_length(sharpe=0.1, alpha=1.0), "alpha", "1"),
    ("alpha NaN", lambda: research.min_track_record_length(sharpe=0.1, alpha=float("nan")), "alpha", "nan"),
    ("typo", lambda: research.pbo(SUMS, metrc="sharpe"), "metrc", "sharpe"),
]


@pytest.mark.parametrize("call,field,value", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_a_validation_error_naming_field_and_value(call: Any, field: str, value: str) -> None:
    with pytest.raises(ValidationError) as info:
        call()
    hits = [e for e in info.value.errors if e["field"].startswith(field)]
    assert hits, info.value.errors
    assert any(value in e["value"] for e in hits), info.value.errors


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        research.deflated_sharpe(sharpe=float("nan"), n_obs=0, n_trials=1, trials_variance=-1)
    assert {e["field"] for e in info.value.errors} == {"sharpe", "n_obs", "n_trials", "trials_variance"}


def test_direct_core_calls_with_bad_input_raise() -> None:
    core = threadx._core.research
    with pytest.raises(ValidationError):
        core.pbo(np.zeros((3, 2)), np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValidationError):
        core.pbo(np.zeros((4, 2)), np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValidationError):
        core.pbo(SUMS.count, SUMS.sum, SUMS.sumsq, metric=7)
    with pytest.raises(ValidationError):
        core.partition_sums(np.zeros((10, 3), dtype=np.float32), 2)
