"""run() over several symbols (issue 13 §2): a dict of frames with signals per symbol, each
on its own account (equal to one run per symbol, bit for bit) or on one shared account
(equal to the order-level reference, tests/order_reference.py's simulate_many, with run's
signal rules as each symbol's strategy)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import backtest_cases
from order_reference import simulate_many
from signals_to_orders import signal_strategy

from threadx.backtest import run
from threadx.errors import ValidationError

SYMS = ("A", "B", "C")


def _case(seed: int, n: int = 150):
    idx = backtest_cases.ohlc(n, seed).index  # one index for every symbol
    frames = {s: backtest_cases.ohlc(n, seed + k).set_axis(idx) for k, s in enumerate(SYMS)}
    rng = np.random.default_rng(seed)
    entries = pd.DataFrame({s: rng.random(n) < 0.07 for s in SYMS}, index=idx)
    exits = pd.DataFrame({s: rng.random(n) < 0.07 for s in SYMS}, index=idx)
    return frames, entries, exits


@pytest.mark.parametrize("seed", range(3))
def test_independent_symbols_equal_one_run_each(seed):
    frames, e, x = _case(seed)
    r = run(frames, entries=e, exits=x, short_entries=x & ~e, fees=0.001, size=0.5)
    for s in SYMS:
        one = run(frames[s], entries=e[s], exits=x[s], short_entries=x[s] & ~e[s], fees=0.001, size=0.5)
        np.testing.assert_array_equal(r.equity[s].to_numpy(), one.equity.to_numpy())
        np.testing.assert_array_equal(r.position[s].to_numpy(), one.position.to_numpy())
        assert (r.trades["symbol"] == s).sum() == len(one.trades)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("execution", ["open", "close"])
def test_shared_cash_equals_the_order_reference(seed, execution):
    frames, e, x = _case(seed)
    kw = dict(size=0.4, fees=0.001, execution=execution, fractional=seed % 2 == 1)
    r = run(frames, entries=e, exits=x, cash_sharing=True, sl_stop=0.04, **kw)
    n = len(e)
    bars = {s: tuple(frames[s][c].to_numpy() for c in ("open", "high", "low", "close")) for s in SYMS}
    strats = {s: signal_strategy(n, entries=e[s].to_numpy(), exits=x[s].to_numpy(), size=0.4, sl_stop=0.04,
                                 execution=execution) for s in SYMS}
    costs = {s: dict(fees=0.001, fractional=kw["fractional"]) for s in SYMS}
    exp = simulate_many(bars, index=frames["A"].index, strategies=strats, costs=costs, execution=execution)
    np.testing.assert_allclose(r.equity.to_numpy(), exp["equity"], rtol=1e-9)
    np.testing.assert_allclose(r.cash.to_numpy(), exp["cash"], rtol=1e-9, atol=1e-6)
    for s in SYMS:
        np.testing.assert_allclose(r.position[s].to_numpy(), exp[s]["position"], rtol=1e-9, atol=1e-12)
        assert (r.trades["symbol"] == s).sum() == len(exp[s]["trades"])
    assert r.trades["exit_reason"].isin(["stop_loss", "signal", "end_of_data"]).all()


def test_bad_symbol_signals_are_refused_naming_the_symbol():
    frames, e, x = _case(1, 30)
    with pytest.raises(ValidationError) as ei:
        run(frames, entries=e.drop(columns="B"), exits=x, size={"A": 0.5, "B": 2.0, "C": 0.5})
    fields = [err["field"] for err in ei.value.errors]
    assert "entries" in fields and any(f.startswith("B: size") for f in fields), fields
    other = dict(frames, C=frames["C"].iloc[:20])
    with pytest.raises(ValidationError, match="same index"):
        run(other, entries=e, exits=x)


def test_a_strategy_on_several_symbols_sharing_cash_equals_the_signals():
    """An instance per symbol (``self.symbol``), one shared account: the same as the
    signals of the same rules (long-only: close on an exit, buy 30 % of the cash on an entry)."""
    from threadx.backtest import Strategy

    frames, e, x = _case(2, 200)

    class Sig(Strategy):
        def next(self):
            j, sym = len(self.data) - 1, self.symbol
            if x[sym].iloc[j] and not e[sym].iloc[j] and self.position:
                self.position.close()
            elif e[sym].iloc[j] and not x[sym].iloc[j] and not self.position:
                self.buy(size=0.3)

    assert not (e.iloc[0].any() or x.iloc[0].any())  # next() starts at bar 1 (no indicators)
    for sharing in (False, True):
        sig = run(frames, entries=e, exits=x, size=0.3, fees=0.001, cash_sharing=sharing)
        strat = run(frames, strategy=Sig, fees=0.001, cash_sharing=sharing)
        np.testing.assert_allclose(strat.equity.to_numpy(), sig.equity.to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(strat.position.to_numpy(), sig.position.to_numpy(), rtol=1e-12)
        assert len(strat.trades) == len(sig.trades) > 5
