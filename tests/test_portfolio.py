"""threadx.backtest.rebalance / target_weights against plain numpy references, on real files."""

from __future__ import annotations

import pathlib
from typing import Any

import numpy as np
import pandas as pd
import pytest

import threadx
from threadx import backtest
from threadx.errors import ValidationError

DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def stocks() -> dict[str, pd.DataFrame]:
    """NVDA, ORCL and YHOO daily bars on their common dates (real files)."""
    frames = {s: threadx.data.load(DATA / f"{s.lower()}-{y}-2014.txt", tz="UTC")
              for s, y in (("NVDA", 1999), ("ORCL", 1995), ("YHOO", 1996))}
    common = frames["NVDA"].index
    for f in frames.values():
        common = common.intersection(f.index)
    common = common[-1500:]
    return {s: f.loc[common, ["open", "high", "low", "close"]] for s, f in frames.items()}


def reference(data: dict[str, pd.DataFrame], w: np.ndarray, *, init_cash: float, fees: float, fixed_fees: float,
              slippage: float, leverage: float, fractional: bool, execution: str) -> dict[str, np.ndarray]:
    """The documented rebalancing rule, one obvious loop."""
    syms = list(data)
    o = np.column_stack([data[s]["open"] for s in syms])
    c = np.column_stack([data[s]["close"] for s in syms])
    n, k = c.shape
    cash, units = init_cash, np.zeros(k)
    eq, cash_out, pos = np.zeros(n), np.zeros(n), np.zeros((n, k))
    pending = None

    def trade(target_w: np.ndarray, px: np.ndarray) -> None:
        nonlocal cash
        equity = cash + float(np.sum(units * px))
        if not equity > 0:
            return
        tw = np.where(np.isfinite(target_w), target_w, 0.0)
        target = tw * equity / px
        if not fractional:
            target = np.trunc(target)
        delta = target - units
        for j in range(k):
            if delta[j] < 0:
                f = px[j] * (1 - slippage)
                u = -delta[j]
                cash += u * f - (fees * u * f + fixed_fees)
                units[j] -= u
        buys = [j for j in range(k) if delta[j] > 0]
        cost = sum(delta[j] * px[j] * (1 + slippage) * (1 + fees) for j in buys)
        fixed = fixed_fees * len(buys)
        power = cash + (leverage - 1) * equity
        scale = max(power - fixed, 0.0) / cost if cost + fixed > power else 1.0
        for j in range(k):
            if delta[j] > 0:
                u = delta[j] * scale
                if not fractional:
                    u = np.floor(u)
                if u > 0:
                    f = px[j] * (1 + slippage)
                    cash -= u * f + fees * u * f + fixed_fees
                    units[j] += u

    for i in range(n):
        if pending is not None:
            trade(pending, o[i])
            pending = None
        if np.isfinite(w[i]).any():
            if execution == "close":
                trade(w[i], c[i])
            else:
                pending = w[i]
        eq[i] = cash + float(np.sum(units * c[i]))
        cash_out[i] = cash
        pos[i] = units
    return {"equity": eq, "cash": cash_out, "positions": pos}


CASES = [
    {"fees": 0.001, "slippage": 0.0005, "execution": "open", "fractional": False},
    {"fees": 0.0, "fixed_fees": 2.0, "execution": "close", "fractional": True},
    {"fees": 0.002, "leverage": 2.0, "execution": "open", "fractional": True},
]


@pytest.mark.parametrize("opts", CASES)
def test_rebalance_equals_the_reference(stocks: dict[str, pd.DataFrame], opts: dict[str, Any]) -> None:
    n, k = len(next(iter(stocks.values()))), len(stocks)
    rng = np.random.default_rng(1)
    w = np.full((n, k), np.nan)
    rows = rng.choice(n, 40, replace=False)
    raw = rng.random((40, k)) - 0.2  # some shorts
    lev = opts.get("leverage", 1.0)
    w[rows] = raw / np.abs(raw).sum(axis=1, keepdims=True) * lev * 0.95
    params = {"init_cash": 100_000.0, "fees": 0.0, "fixed_fees": 0.0, "slippage": 0.0, "leverage": 1.0} | opts
    res = backtest.rebalance(stocks, w, **params)
    ref = reference(stocks, w, **params)
    np.testing.assert_allclose(res.equity.to_numpy(), ref["equity"], rtol=1e-9)
    np.testing.assert_allclose(res.cash.to_numpy(), ref["cash"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(res.positions.to_numpy(), ref["positions"], rtol=1e-9, atol=1e-9)
    assert len(res.orders) > 40 and set(res.orders.symbol) == set(stocks)


@pytest.mark.parametrize("fractional", [False, True])
def test_cash_never_goes_negative_without_leverage(stocks: dict[str, pd.DataFrame], fractional: bool) -> None:
    n = len(stocks["NVDA"])
    rng = np.random.default_rng(2)
    w = np.full((n, 3), np.nan)
    rows = rng.choice(n, 60, replace=False)
    raw = rng.random((60, 3))
    w[rows] = raw / raw.sum(axis=1, keepdims=True)  # fully invested, long only
    res = backtest.rebalance(stocks, w, fees=0.003, fixed_fees=1.0, slippage=0.002, fractional=fractional)
    assert res.cash.min() >= -1e-9 * res.equity.max()
    assert (res.positions.to_numpy() >= 0).all()


def test_weight_rules_equal_numpy(stocks: dict[str, pd.DataFrame]) -> None:
    close = np.column_stack([f["close"] for f in stocks.values()])
    window, every, ridge = 60, 21, 1e-4
    for rule in backtest.WEIGHT_RULES:
        w = backtest.target_weights(stocks, rule, window=window, every=every, ridge=ridge)
        rows = np.flatnonzero(w.notna().any(axis=1).to_numpy())
        assert rows[0] == window and (np.diff(rows) == every).all()
        for i in rows[:5]:
            r = close[i - window + 1: i + 1] / close[i - window: i] - 1
            s = np.cov(r, rowvar=False, ddof=1)
            if rule == "equal":
                want = np.full(3, 1 / 3)
            elif rule == "inverse_vol":
                inv = 1 / np.sqrt(np.diag(s))
                want = inv / inv.sum()
            else:
                s = s + ridge * np.trace(s) / 3 * np.eye(3)
                x = np.linalg.solve(s, np.ones(3))
                want = x / x.sum()
                if rule == "min_variance_long" and (want < 0).any():
                    continue  # checked below
            np.testing.assert_allclose(w.iloc[i].to_numpy(), want, rtol=1e-9)
        got = w.dropna().to_numpy()
        np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-12)
        if rule == "min_variance_long":
            assert (got >= 0).all()


def test_min_variance_long_drops_negative_assets() -> None:
    rng = np.random.default_rng(3)
    n = 300
    base = rng.normal(0, 0.01, n)
    rets = np.column_stack([base + rng.normal(0, 0.002, n), base * 1.5 + rng.normal(0, 0.002, n),
                            rng.normal(0, 0.02, n)])
    close = 100 * np.exp(np.cumsum(rets, axis=0))
    idx = pd.date_range("2020-01-01", periods=n, freq="D", tz="UTC")
    data = {s: pd.DataFrame({"open": close[:, j], "high": close[:, j], "low": close[:, j], "close": close[:, j]},
                            index=idx) for j, s in enumerate("ABC")}
    free = backtest.target_weights(data, "min_variance", window=100, every=50).dropna()
    long = backtest.target_weights(data, "min_variance_long", window=100, every=50).dropna()
    assert (free.to_numpy() < 0).any() and (long.to_numpy() >= 0).all()


@pytest.mark.parametrize("fractional", [False, True])
def test_trades_account_for_the_whole_pnl(stocks: dict[str, pd.DataFrame], fractional: bool) -> None:
    n = len(stocks["NVDA"])
    rng = np.random.default_rng(4)
    w = np.full((n, 3), np.nan)
    rows = np.sort(rng.choice(n - 1, 30, replace=False))
    raw = rng.random((30, 3)) - 0.3  # longs and shorts, flipping
    w[rows] = raw / np.abs(raw).sum(axis=1, keepdims=True)
    w[-1] = 0.0  # everything closed at the last close
    res = backtest.rebalance(stocks, w, fees=0.002, fixed_fees=1.0, execution="close", fractional=fractional)
    t = res.trades
    assert set(t.side) == {"long", "short"} and (t["size"] > 0).all() and (t.exit_bar >= t.entry_bar).all()
    assert (res.positions.iloc[-1] == 0).all()
    # every fill's fees and every price move end up in some trade
    assert t.pnl.sum() == pytest.approx(res.equity.iloc[-1] - 10_000, rel=1e-9, abs=1e-6)
    assert t.fees.sum() == pytest.approx(res.orders.fees.sum(), rel=1e-9)
    assert res.stats["# Trades"] == len(t)


def test_stats_and_orders(stocks: dict[str, pd.DataFrame]) -> None:
    res = backtest.rebalance(stocks, "inverse_vol", window=60, every=21, fees=0.001)
    s = res.stats
    assert s["# Trades"] == len(res.trades) and np.isfinite(s["Sharpe Ratio"])
    assert s["Equity Final [$]"] == pytest.approx(res.equity.iloc[-1])
    first = res.orders.iloc[0]
    assert first.placed_bar == 60 and first.fill_bar == 61  # decided at a close, filled at the next open
    assert list(res.weights.index) == list(res.equity.index[60::21])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"weights": "risk_parity"}, "weights"), ({"weights": "equal", "window": 1}, "window"),
     ({"weights": "equal", "every": 0}, "every"), ({"fees": 1.5}, "fees"), ({"leverage": 20}, "leverage"),
     ({"weights": np.ones((3, 3))}, "weights")],
)
def test_bad_arguments(stocks: dict[str, pd.DataFrame], kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        backtest.rebalance(stocks, **kwargs)
    assert field in exc.value.fields


def test_weights_above_leverage_and_misaligned_data(stocks: dict[str, pd.DataFrame]) -> None:
    n = len(stocks["NVDA"])
    w = np.full((n, 3), np.nan)
    w[10] = [0.6, 0.6, 0.0]
    with pytest.raises(ValidationError, match="row 10"):
        backtest.rebalance(stocks, w)
    shifted = dict(stocks, ORCL=stocks["ORCL"].iloc[1:])
    with pytest.raises(ValidationError, match="same index"):
        backtest.rebalance(shifted, "equal")


def test_weights_index_in_another_time_zone(stocks: dict[str, pd.DataFrame]) -> None:
    """The same instants in another zone line up; a tz-naive index is refused as a time-zone mismatch."""
    rule = backtest.target_weights(stocks, "equal", window=20, every=50)
    base = backtest.rebalance(stocks, rule)
    pd.testing.assert_series_equal(backtest.rebalance(stocks, rule.tz_convert("America/New_York")).equity, base.equity)
    with pytest.raises(ValidationError, match="time zones differ") as exc:
        backtest.rebalance(stocks, rule.tz_localize(None))
    assert exc.value.fields == ["weights"]
    naive = dict(stocks, ORCL=stocks["ORCL"].tz_localize(None))
    with pytest.raises(ValidationError, match="tz-naive but .* time zones differ.*'NVDA'"):
        backtest.rebalance(naive, "equal")
