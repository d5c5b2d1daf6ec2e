"""threadx.backtest.sweep: every row equals run() on signals built from threadx.ta / rolling."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest

import threadx
import threadx.ta as ta
from threadx import backtest
from threadx.backtest._stats import CORE_STATS
from threadx.errors import CancelledError, ValidationError

BARS = threadx.data.sample()
CLOSE = BARS["close"]
PPY = 252.0


def cross_up(a: pd.Series, b: pd.Series | float) -> pd.Series:
    b_prev = b.shift() if isinstance(b, pd.Series) else b
    return ((a > b) & (a.shift() <= b_prev)).fillna(False).astype(bool)


def cross_down(a: pd.Series, b: pd.Series | float) -> pd.Series:
    b_prev = b.shift() if isinstance(b, pd.Series) else b
    return ((a < b) & (a.shift() >= b_prev)).fillna(False).astype(bool)


def signals(strategy: str, p: dict[str, Any], short: bool) -> dict[str, pd.Series]:
    """The strategy's rules written out with pandas (the sweep makes them in C++)."""
    c, h, lo = CLOSE, BARS["high"], BARS["low"]
    out: dict[str, pd.Series] = {}
    if strategy in ("sma_cross", "ema_cross"):
        fn = ta.SMA if strategy == "sma_cross" else ta.EMA
        f, s = fn(c, timeperiod=p["fast"]), fn(c, timeperiod=p["slow"])
        out = {"entries": cross_up(f, s), "exits": cross_down(f, s)}
        if short:
            out |= {"short_entries": out["exits"], "short_exits": out["entries"]}
    elif strategy == "rsi_threshold":
        r = ta.RSI(c, timeperiod=p["timeperiod"])
        prev = r.shift()
        out = {"entries": (prev < p["lower"]) & (r >= p["lower"]), "exits": (prev < p["upper"]) & (r >= p["upper"])}
        if short:
            out |= {"short_entries": (prev > p["upper"]) & (r <= p["upper"]),
                    "short_exits": (prev > p["lower"]) & (r <= p["lower"])}
    elif strategy == "bbands_reversion":
        up, mid, low = ta.BBANDS(c, timeperiod=p["timeperiod"], nbdevup=p["nbdev"], nbdevdn=p["nbdev"])
        out = {"entries": c < low, "exits": c > mid}
        if short:
            out |= {"short_entries": c > up, "short_exits": c < mid}
    elif strategy == "donchian_breakout":
        out = {"entries": c > ta.MAX(h, timeperiod=p["entry"]).shift(), "exits": c < ta.MIN(lo, timeperiod=p["exit"]).shift()}
        if short:
            out |= {"short_entries": c < ta.MIN(lo, timeperiod=p["entry"]).shift(),
                    "short_exits": c > ta.MAX(h, timeperiod=p["exit"]).shift()}
    elif strategy == "quantile_band":
        ql = threadx.rolling.quantile(c, p["window"], p["lower_q"])
        qu = threadx.rolling.quantile(c, p["window"], p["upper_q"])
        out = {"entries": c < ql, "exits": c > qu}
        if short:
            out |= {"short_entries": c > qu, "short_exits": c < ql}
    return {k: v.fillna(False).astype(bool) if v.dtype != bool else v for k, v in out.items()}


GRIDS = {
    "sma_cross": {"fast": [5, 10], "slow": [20, 50]},
    "ema_cross": {"fast": [8, 12], "slow": [26, 40]},
    "rsi_threshold": {"timeperiod": [7, 14], "lower": [25.0, 30.0], "upper": [70.0]},
    "bbands_reversion": {"timeperiod": [10, 20], "nbdev": [1.5, 2.0]},
    "donchian_breakout": {"entry": [20, 55], "exit": [10, 20]},
    "quantile_band": {"window": [20, 60], "lower_q": [0.1], "upper_q": [0.8, 0.9]},
}
COLUMNS = list(CORE_STATS)  # every stat of the sweep row: the core computes them for run() as well


@pytest.mark.parametrize("short", [False, True], ids=["long", "long_short"])
@pytest.mark.parametrize("strategy", list(GRIDS))
def test_each_row_equals_run_on_the_same_signals(strategy: str, short: bool) -> None:
    opts = {"fees": 0.001, "slippage": 0.0005}
    got = backtest.sweep(strategy, BARS, short=short, periods_per_year=PPY, **GRIDS[strategy], **opts)
    names = list(GRIDS[strategy])
    combos = list(itertools.product(*GRIDS[strategy].values()))
    assert len(got) == len(combos) and got.index.names == names
    for combo in combos:
        p = dict(zip(names, combo, strict=True))
        res = backtest.run(BARS, **signals(strategy, p, short), **opts)
        want = backtest.compute_stats(res.equity, res.trades, CLOSE, periods_per_year=PPY)
        row = got.loc[combo]
        assert row["# Trades"] == want["# Trades"], p
        for col in COLUMNS:  # one definition: equal bit for bit, not merely close
            np.testing.assert_array_equal(float(row[col]), float(want[col]), err_msg=f"{strategy} {p} {col}")


def test_sorted_by_metric_top_k_constraint_and_equity() -> None:
    grid = {"fast": range(5, 30, 5), "slow": range(10, 60, 10)}
    full = backtest.sweep("sma_cross", BARS, **grid, constraint=lambda p: p.fast < p.slow, metric="sortino")
    assert all(f < s for f, s in full.index) and full["Sortino Ratio"].is_monotonic_decreasing
    top, equity = backtest.sweep("sma_cross", BARS, **grid, constraint=lambda p: p.fast < p.slow,
                                 metric="sortino", top_k=3, keep="equity")
    pd.testing.assert_frame_equal(top, full.iloc[:3])
    assert list(equity.columns) == list(top.index) and equity.index.equals(BARS.index)
    np.testing.assert_allclose(equity.iloc[-1].to_numpy(), top["Equity Final [$]"].to_numpy(), rtol=0)
    _, trades = backtest.sweep("sma_cross", BARS, fast=10, slow=20, keep="trades")
    assert len(trades) == full.loc[(10, 20), "# Trades"]


def test_many_symbols_and_thread_count() -> None:
    data = {"A": BARS, "B": BARS.iloc[::-1].set_axis(BARS.index)}
    got = backtest.sweep("donchian_breakout", data, entry=[10, 20], exit=[5, 10])
    assert got.index.names == ["entry", "exit", "symbol"] and len(got) == 8
    threadx.set_num_threads(1)
    try:
        one = backtest.sweep("donchian_breakout", data, entry=[10, 20], exit=[5, 10])
    finally:
        threadx.set_num_threads(2)
    pd.testing.assert_frame_equal(got, one)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"strategy": "magic"}, "strategy"), ({"fast": 1}, "fast"), ({"slow": 10**6}, "slow"),
     ({"fees": 2}, "fees"), ({"colour": "red"}, "colour"), ({"metric": "luck"}, "metric"),
     ({"keep": "all"}, "keep"), ({"top_k": 0}, "top_k"), ({"constraint": lambda p: p.fast > 100}, "constraint")],
)
def test_bad_arguments_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    args = {"strategy": "sma_cross", "fast": [5, 10], "slow": 20} | kwargs
    with pytest.raises(ValidationError) as exc:
        backtest.sweep(args.pop("strategy"), BARS, **args)
    assert field in exc.value.fields


def test_rsi_levels_are_checked_and_periods_per_year_needs_an_index() -> None:
    with pytest.raises(ValidationError) as exc:
        backtest.sweep("rsi_threshold", BARS, timeperiod=14, lower=[30, 80], upper=70)
    assert exc.value.fields == ["upper"]
    with pytest.raises(ValidationError) as exc:
        backtest.sweep("sma_cross", BARS.reset_index(drop=True), fast=5, slow=20)
    assert exc.value.fields == ["periods_per_year"]


def test_progress_and_cancel() -> None:
    seen: list[tuple[int, int]] = []
    backtest.sweep("sma_cross", BARS, fast=range(5, 25), slow=range(30, 50), progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1] == (400, 400)
    token = threadx.CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        backtest.sweep("sma_cross", BARS, fast=range(5, 25), slow=range(30, 50), cancel=token)


RSS_SCRIPT = """
import resource, sys
import threadx
from threadx import backtest, data
bars = data.sample().iloc[:600]
side = int(sys.argv[1])
out = backtest.sweep("sma_cross", bars, fast=range(2, 2 + side), slow=range(3, 3 + side), fees=0.001)
table = int(out.memory_usage(index=True, deep=True).sum())
print(len(out), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, table)
"""


@pytest.mark.skipif(not hasattr(__import__("resource"), "getrusage"), reason="needs resource.getrusage")
def test_memory_stays_flat_with_the_number_of_combinations() -> None:
    import subprocess
    import sys

    def peak(side: int) -> tuple[int, int, int]:
        r = subprocess.run([sys.executable, "-c", RSS_SCRIPT, str(side)], capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        n, rss, table = (int(v) for v in r.stdout.split())
        return n, rss, table

    n_small, rss_small, _ = peak(32)  # 1,024 combinations
    n_big, rss_big, table = peak(317)  # 100,489 combinations
    assert (n_small, n_big) == (32 * 32, 317 * 317)
    # beyond the result table (and pandas' copies of it while sorting and indexing)
    # nothing may grow with the number of combinations
    assert rss_big - rss_small < 4 * table + 16 * 2**20, (rss_big - rss_small) / 2**20


def test_sweep_request_validates_runs_round_trips_and_goes_through_the_coordinator() -> None:
    import asyncio
    import json

    req = threadx.SweepRequest(strategy="sma_cross", data=BARS, grid={"fast": [5, 10], "slow": [20, 50]},
                               options={"fees": 0.001}, top_k=3)
    assert req.validate() is req
    direct = backtest.sweep("sma_cross", BARS, fast=[5, 10], slow=[20, 50], fees=0.001, top_k=3)
    pd.testing.assert_frame_equal(req.run(), direct)
    again = threadx.SweepRequest.from_dict(json.loads(json.dumps(req.to_dict())))
    pd.testing.assert_frame_equal(again.run(), direct)

    async def main() -> Any:
        async with threadx.Coordinator(max_workers=1) as co:
            return await (await co.submit(req))

    pd.testing.assert_frame_equal(asyncio.run(main()), direct)
    with pytest.raises(ValidationError) as exc:  # an invalid request cannot be built
        threadx.SweepRequest(strategy="sma_cross", data=BARS, grid={"fast": [1, 10], "slow": 10**7},
                             options={"fees": 2.0, "slippage": -1}, metric="luck")
    assert set(exc.value.fields) == {"fast", "slow", "fees", "slippage", "metric"}
    with pytest.raises(ValidationError) as exc:
        threadx.SweepRequest(strategy="magic", data=BARS)
    assert exc.value.fields == ["strategy"]


def test_start_and_end_are_options_of_a_sweep_as_of_run() -> None:
    """issue 14: sweep(..., start=, end=) was refused although sweep takes run's options."""
    data = threadx.data.sample()
    cut = backtest.sweep("sma_cross", data, fast=[5, 10], slow=[30], start="2010-01-01", end="2012-01-01")
    sliced = backtest.sweep("sma_cross", data.loc["2010-01-01":"2011-12-31"], fast=[5, 10], slow=[30])
    pd.testing.assert_frame_equal(cut, sliced)
    whole = backtest.sweep("sma_cross", data, fast=[5, 10], slow=[30])
    assert not np.allclose(whole["Return [%]"].to_numpy(), cut["Return [%]"].to_numpy())
    with pytest.raises(ValidationError) as ei:
        backtest.sweep("sma_cross", data, fast=[5], slow=[30], start="2013-01-01", end="2012-01-01")
    assert "end" in {e["field"] for e in ei.value.errors}


def test_partitions_keep_every_combinations_returns_as_partition_sums() -> None:
    """issue 14 §3: the sweep keeps per-partition sums of each combination's per-bar returns as it
    runs (memory O(S x combinations)); they equal partition_sums of the equity curves' returns."""
    from threadx.research import partition_sums, pbo

    data = threadx.data.sample().iloc[:800]
    grid = {"fast": [5, 10, 20], "slow": [30, 60]}
    table = backtest.sweep("sma_cross", data, partitions=8, top_k=2, constraint=lambda p: p.fast != 20, **grid)
    sums = table.attrs["partition_sums"]
    assert len(table) == 2 and sums.n_trials == 4 and sums.n_rows == len(data) - 1
    assert list(sums.trials) == [(5, 30), (5, 60), (10, 30), (10, 60)]
    _, equity = backtest.sweep("sma_cross", data, keep="equity", constraint=lambda p: p.fast != 20, **grid)
    returns = equity[list(sums.trials)].pct_change().iloc[1:]
    ref = partition_sums(returns.to_numpy(), 8)
    for name in ("count", "sum", "sumsq"):
        np.testing.assert_allclose(getattr(sums, name), getattr(ref, name), rtol=1e-12, atol=1e-15)
    assert 0.0 <= pbo(sums).pbo <= 1.0


def test_partitions_bad_input() -> None:
    data = threadx.data.sample().iloc[:300]
    with pytest.raises(ValidationError, match="partitions"):
        backtest.sweep("sma_cross", data, fast=[5, 10], slow=[30], partitions=1)
    with pytest.raises(ValidationError, match="one symbol"):
        backtest.sweep("sma_cross", {"A": data, "B": data}, fast=[5, 10], slow=[30], partitions=4)
    with pytest.raises(ValidationError):  # odd: the core's rule
        backtest.sweep("sma_cross", data, fast=[5, 10], slow=[30], partitions=5)
    signal = lambda d, n: (d["close"] > n, d["close"] < n)  # noqa: E731
    with pytest.raises(ValidationError, match="partitions=5"):  # the core's rule, for user code too
        backtest.sweep(signal, data, n=[1, 2], partitions=5, workers=1)
    with pytest.raises(ValidationError, match="one symbol"):
        backtest.sweep(signal, {"A": data, "B": data}, n=[1, 2], partitions=4, workers=1)
    with pytest.raises(ValidationError, match="2 or more combinations"):
        backtest.sweep(signal, data, n=[1], partitions=4, workers=1)


def test_partitions_of_user_code_are_the_equity_curves_returns() -> None:
    """A signal function's sweep keeps the per-partition sums of each run's returns (built-in rules)."""
    from threadx.research import partition_sums

    data = threadx.data.sample().iloc[:400]

    def signal(d: pd.DataFrame, fast: int, slow: int) -> tuple[pd.Series, pd.Series]:
        f, s = d["close"].rolling(fast).mean(), d["close"].rolling(slow).mean()
        return f > s, f < s

    grid = {"fast": [5, 10], "slow": [30, 60]}
    table = backtest.sweep(signal, data, partitions=8, workers=2, **grid)
    sums = table.attrs["partition_sums"]
    assert list(sums.trials) == [(5, 30), (5, 60), (10, 30), (10, 60)] and sums.n_rows == len(data) - 1
    _, equity = backtest.sweep(signal, data, keep="equity", workers=2, **grid)
    returns = equity[list(sums.trials)].pct_change().iloc[1:]
    ref = partition_sums(returns.to_numpy(), 8)
    for name in ("count", "sum", "sumsq"):
        np.testing.assert_allclose(getattr(sums, name), getattr(ref, name), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("with_tqdm", [True, False])
def test_progress_true_draws_a_bar_on_stderr(with_tqdm: bool, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """``progress=True``: a tqdm bar when tqdm is installed, else ThreadX's text bar; both reach 100 %."""
    if with_tqdm:
        pytest.importorskip("tqdm")
    else:
        monkeypatch.setitem(__import__("sys").modules, "tqdm.auto", None)  # as if tqdm were not installed
    data = threadx.data.sample().iloc[:300]
    backtest.sweep("sma_cross", data, fast=[5, 10, 20], slow=[30, 60], progress=True)
    err = capsys.readouterr().err
    if with_tqdm:
        assert "sweep" in err and "100%" in err and "6/6" in err
    else:
        assert "sweep [" + "#" * 30 + "] 6/6" in err
