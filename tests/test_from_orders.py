"""threadx.backtest.from_orders: vectorbt's ``from_orders`` shape on the order-level core.

Side by side with vectorbt (pinned in the test extra): the same per-bar arrays give the same
fills and the same value, for units, value and target-percent orders, one symbol and
several sharing cash (``call_seq="auto"``). Where the two define a rule differently the
test says so (sizing of value/target orders with fees: ours takes the fees out of the
budget, docs/orders.md § 5; vectorbt adds them on top).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from threadx.backtest import from_orders
from threadx.errors import ValidationError

vbt = pytest.importorskip("vectorbt")


def bars(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.concatenate([[100.0], close[:-1]])
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n))
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close},
                        index=pd.date_range("2024-01-01", periods=n, freq="D"))


def sparse(n: int, seed: int, values: np.ndarray, p: float = 0.1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.full(n, np.nan)
    at = rng.random(n) < p
    out[at] = rng.choice(values, at.sum())
    return out


def per_bar_fills(res_orders: pd.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Signed units and fees filled per bar (a reversal is two of our records, one of vectorbt's)."""
    units, fees = np.zeros(n), np.zeros(n)
    for r in res_orders.itertuples():
        units[r.fill_bar] += r.size * (1 if r.side == "buy" else -1)
        fees[r.fill_bar] += r.fees
    return units, fees


def vbt_fills(pf, n: int) -> tuple[np.ndarray, np.ndarray]:
    rec = pf.orders.values
    units, fees = np.zeros(n), np.zeros(n)
    np.add.at(units, rec["idx"], np.where(rec["side"] == 0, rec["size"], -rec["size"]))
    np.add.at(fees, rec["idx"], rec["fees"])
    return units, fees


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("size_type", "values", "fees"), [
    ("units", np.array([-7.0, -3.0, -1.0, 1.0, 2.0, 5.0]), 0.001),
    ("value", np.array([-900.0, -300.0, 250.0, 800.0]), 0.0),
    ("target_percent", np.array([-0.8, -0.3, 0.0, 0.2, 0.5, 0.9]), 0.0),
])
def test_one_symbol_matches_vectorbt(seed, size_type, values, fees):
    df = bars(300, seed)
    size = sparse(300, seed + 10, values)
    ours = from_orders(df, size, size_type=size_type, fees=fees, init_cash=100_000.0)
    pf = vbt.Portfolio.from_orders(df["close"], size, size_type={"units": "amount"}.get(size_type, size_type.replace("_", "")),
                                   fees=fees, init_cash=100_000.0, freq="D")
    u, f = per_bar_fills(ours.orders[ours.orders["status"] == "filled"], 300)
    vu, vf = vbt_fills(pf, 300)
    np.testing.assert_allclose(u, vu, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(f, vf, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours.equity.to_numpy(), pf.value().to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(ours.cash.to_numpy(), pf.cash().to_numpy(), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(ours.position.to_numpy(), pf.assets().to_numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_shared_cash_matches_vectorbt_call_seq_auto(seed):
    # targets of at most 0.3 on three symbols: no order is limited by cash (vectorbt fills
    # such an order in part, allow_partial=True; ours rejects it "insufficient_cash", § 7)
    frames = {s: bars(200, seed * 7 + k) for k, s in enumerate("ABC")}
    size = pd.DataFrame({s: sparse(200, seed * 7 + 20 + k, np.array([0.0, 0.1, 0.2, 0.3]), p=0.15)
                         for k, s in enumerate("ABC")}, index=frames["A"].index)
    ours = from_orders(frames, size, size_type="target_percent", cash_sharing=True, init_cash=10_000.0)
    close = pd.DataFrame({s: f["close"] for s, f in frames.items()})
    pf = vbt.Portfolio.from_orders(close, size, size_type="targetpercent", init_cash=10_000.0, cash_sharing=True,
                                   group_by=True, call_seq="auto", freq="D")
    np.testing.assert_allclose(ours.equity.to_numpy(), pf.value().to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(ours.position.to_numpy(), pf.assets().to_numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("cash_sharing", [False, True])
@pytest.mark.parametrize("as_frame", [False, True])
def test_one_frame_with_2d_size_matches_vectorbt(cash_sharing, as_frame):
    """vectorbt's shape: one close, a 2-D size, one simulation per column (or one shared
    account); the columns named by the DataFrame (or 0, 1, ...)."""
    df = bars(200, 5)
    # targets of at most 0.2 on four columns: shared cash never limits an order (vectorbt would
    # fill it in part, ours rejects it: see test_shared_cash_matches_vectorbt_call_seq_auto)
    block = np.column_stack([sparse(200, 30 + k, np.array([0.0, 0.1, 0.2]), p=0.15) for k in range(4)])
    names = ["w", "x", "y", "z"] if as_frame else ["0", "1", "2", "3"]
    size = pd.DataFrame(block, index=df.index, columns=names) if as_frame else block
    ours = from_orders(df, size, size_type="target_percent", cash_sharing=cash_sharing, init_cash=10_000.0,
                       fees=0.0)
    pf = vbt.Portfolio.from_orders(df["close"], pd.DataFrame(block, index=df.index, columns=names),
                                   size_type="targetpercent", init_cash=10_000.0, fees=0.0, freq="D",
                                   cash_sharing=cash_sharing, group_by=True if cash_sharing else None,
                                   call_seq="auto" if cash_sharing else "default")
    assert list(ours.position.columns) == names
    np.testing.assert_allclose(ours.position.to_numpy(), pf.assets().to_numpy(), rtol=1e-9, atol=1e-9)
    value = pf.value().to_numpy()
    np.testing.assert_allclose(ours.equity.to_numpy().reshape(value.shape), value, rtol=1e-9)
    # the same as a dict of the same frame per column
    same = from_orders({k: df for k in names}, pd.DataFrame(block, index=df.index, columns=names),
                       size_type="target_percent", cash_sharing=cash_sharing, init_cash=10_000.0, fees=0.0)
    np.testing.assert_array_equal(ours.equity.to_numpy(), same.equity.to_numpy())


def test_per_bar_arrays_must_be_on_the_datas_index_and_shape():
    df = bars(20, 2)
    with pytest.raises(ValidationError, match="data's index"):
        from_orders(df, pd.Series(np.ones(20)))  # a RangeIndex: misaligned, not silently by position
    with pytest.raises(ValidationError, match=r"\(20, 3\)"):
        from_orders(df, np.ones((20, 3)), limit_price=np.ones((20, 2)), order_type="limit")
    with pytest.raises(ValidationError, match="each named once"):
        from_orders(df, pd.DataFrame(np.ones((20, 2)), index=df.index, columns=["a", "a"]))


def test_records_and_accounting():
    df = bars(120, 3)
    size = sparse(120, 4, np.array([-4.0, 2.0, 3.0]), p=0.2)
    r = from_orders(df, size, fees=0.002, fixed_fees=1.0, close_at_end=True, fractional=False)
    assert r.position.iloc[-1] == 0
    np.testing.assert_allclose(r.equity, r.cash + r.position * df["close"], rtol=1e-12)
    filled = r.orders[r.orders["status"] == "filled"]
    assert r.trades["fees"].sum() == pytest.approx(filled["fees"].sum())
    assert r.equity.iloc[-1] == pytest.approx(10_000 + r.trades["pnl"].sum())
    assert {"symbol", "kind", "side", "intent", "status", "reason", "fill_time"} <= set(r.orders.columns)
    assert isinstance(r.stats, pd.Series) and r.stats["# Trades"] == len(r.trades)


def test_target_zero_goes_flat_and_is_rejected_when_flat():
    df = bars(10, 1)
    size = np.array([0.5, np.nan, 0.0, 0.0, -0.5, np.nan, 0.0, np.nan, np.nan, np.nan])
    r = from_orders(df, size, size_type="target_percent")
    o = r.orders
    assert r.position.iloc[1] > 0 and r.position.iloc[2] == 0 and r.position.iloc[4] < 0 and r.position.iloc[6] == 0
    rej = o[o["status"] == "rejected"]
    assert list(rej["placed_bar"]) == [3] and list(rej["reason"]) == ["no_position"]


def test_limit_orders_with_time_in_force():
    df = bars(60, 5)
    size = sparse(60, 6, np.array([-2.0, 2.0]), p=0.3)
    lim = (df["close"] * np.where(size > 0, 0.99, 1.01)).to_numpy()
    r = from_orders(df, size, order_type="limit", limit_price=lim, tif=2)
    o = r.orders
    assert set(o["status"]) <= {"filled", "expired", "cancelled", "rejected"}
    assert (o["status"] == "expired").any() and (o["status"] == "filled").any()
    f = o[o["status"] == "filled"]
    assert ((f["fill_bar"] > f["placed_bar"]) & (f["fill_bar"] <= f["placed_bar"] + 2)).all()


def test_bad_arguments_are_reported_together():
    df = bars(10, 1)
    with pytest.raises(ValidationError) as ei:
        from_orders(df, np.ones(9), size_type="shares", order_type="iceberg", fees=-0.1, tif=0)
    fields = {e["field"] for e in ei.value.errors}
    assert {"size", "size_type", "order_type"} <= fields, fields
    with pytest.raises(ValidationError) as ei:
        from_orders(df, np.ones(10), fees=-0.1, max_lots=0)
    fields = {e["field"] for e in ei.value.errors}
    assert {"0: fees", "0: max_lots"} <= fields, fields
    with pytest.raises(ValidationError, match="tp_stop"):  # found by the fuzz: NaN was taken as "none"
        from_orders(df, np.ones(10), tp_stop=float("nan"))
    with pytest.raises(ValidationError):
        from_orders({"A": df, "B": df.iloc[:5]}, 1.0)
    with pytest.raises(ValidationError):
        from_orders({"A": df}, pd.DataFrame({"B": np.ones(10)}, index=df.index))


def test_per_bar_size_types_and_stop_levels_give_runs_trades():
    """Units in at the entries, target 0 out at the exits (one size type per bar) and a
    stop-loss level per entry: the same trades as run() with the same decisions."""
    from threadx.backtest import run

    df = bars(300, 11)
    rng = np.random.default_rng(3)
    sig = run(df, entries=rng.random(300) < 0.06, exits=rng.random(300) < 0.06, size=7.0, size_type="units",
              sl_price=df["close"].to_numpy() * 0.97, fees=0.001)
    t = sig.trades
    assert (t["exit_reason"] == "stop_loss").any() and (t["exit_reason"] == "signal").any()
    size = np.full(300, np.nan)
    kinds = np.full(300, "units", dtype=object)
    size[t["entry_bar"] - 1] = 7.0
    out = t[t["exit_reason"] == "signal"]["exit_bar"] - 1
    size[out] = 0.0
    kinds[out] = "target_percent"
    r = from_orders(df, size, size_type=kinds, sl_price=df["close"].to_numpy() * 0.97, fees=0.001,
                    execution="open", fractional=False, close_at_end=True)
    for k in ("entry_bar", "exit_bar", "size", "exit_reason"):
        assert list(r.trades[k]) == list(t[k]), k
    np.testing.assert_allclose(r.equity.to_numpy(), sig.equity.to_numpy(), rtol=1e-12)
    with pytest.raises(ValidationError, match="size_type"):
        from_orders(df, size, size_type=np.where(kinds == "units", "shares", kinds))
