"""A Stepper advances ``self.I`` indicators bar by bar: threadx.ta functions as their
threadx.stream twins, rolling quantiles as RollingQuantile, the other rolling statistics
over their last window, anything else recomputed; every way gives the batch values and
the batch run's orders (issue 13 §2, docs/orders.md § 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from threadx import rolling
from threadx import ta
from threadx.backtest import Stepper, Strategy, run


def bars(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = close * np.exp(rng.normal(0, 0.005, n))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n))
    index = pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC")
    return pd.DataFrame({"Open": open_, "High": high, "Low": low, "Close": close,
                         "Volume": rng.uniform(1e3, 1e4, n)}, index=index)


def user_mean(x, n):
    return pd.Series(np.asarray(x, dtype=float)).rolling(n).mean().to_numpy()


# (label, kind the Stepper must pick, how init() declares it, the batch values from the frame)
CASES = [
    ("sma", b"S", lambda s: s.I(ta.SMA, s.data.Close, 10), lambda d: ta.SMA(d.Close.to_numpy(), 10)),
    ("rsi", b"S", lambda s: s.I(ta.RSI, s.data.Close, timeperiod=14), lambda d: ta.RSI(d.Close.to_numpy(), 14)),
    ("macd", b"S", lambda s: s.I(ta.MACD, s.data.Close, 5, 13, 4), lambda d: ta.MACD(d.Close.to_numpy(), 5, 13, 4)),
    ("atr", b"S", lambda s: s.I(ta.ATR, s.data.High, s.data.Low, s.data.Close, 7),
     lambda d: ta.ATR(d.High.to_numpy(), d.Low.to_numpy(), d.Close.to_numpy(), 7)),
    ("maxindex", b"S", lambda s: s.I(ta.MAXINDEX, s.data.Close, 6), lambda d: ta.MAXINDEX(d.Close.to_numpy(), 6)),
    ("cci", b"S", lambda s: s.I(ta.CCI, s.data.High, s.data.Low, s.data.Close, timeperiod=9),
     lambda d: ta.CCI(d.High.to_numpy(), d.Low.to_numpy(), d.Close.to_numpy(), 9)),
    ("q90", b"Q", lambda s: s.I(rolling.quantile, s.data.Close, 20, 0.9),
     lambda d: rolling.quantile(d.Close.to_numpy(), 20, 0.9)),
    ("median", b"Q", lambda s: s.I(rolling.median, s.data.Close, 15, min_periods=3),
     lambda d: rolling.median(d.Close.to_numpy(), 15, min_periods=3)),
    ("mean", b"T", lambda s: s.I(rolling.mean, s.data.Close, 12), lambda d: rolling.mean(d.Close.to_numpy(), 12)),
    ("max", b"T", lambda s: s.I(rolling.max, s.data.High, window=8), lambda d: rolling.max(d.High.to_numpy(), 8)),
    ("std", b"T", lambda s: s.I(rolling.std, s.data.Close, 12, ddof=0),
     lambda d: rolling.std(d.Close.to_numpy(), 12, ddof=0)),
    ("user", b"F", lambda s: s.I(user_mean, s.data.Close, 7), lambda d: user_mean(d.Close, 7)),
    ("vwap", b"S", lambda s: s.I(ta.VWAP, s.data.High, s.data.Low, s.data.Close, s.data.Volume),
     lambda d: ta.VWAP(d.High.to_numpy(), d.Low.to_numpy(), d.Close.to_numpy(), d.Volume.to_numpy())),
    ("vwap5", b"F", lambda s: s.I(ta.VWAP, s.data.High, s.data.Low, s.data.Close, s.data.Volume, timeperiod=5),
     lambda d: ta.VWAP(d.High.to_numpy(), d.Low.to_numpy(), d.Close.to_numpy(), d.Volume.to_numpy(),
                       timeperiod=5)),  # a ThreadX keyword the stream twin does not take: recomputed
]
BIT_EXACT = {"sma", "rsi", "macd", "atr", "maxindex", "cci", "q90", "median", "mean", "max", "user", "vwap", "vwap5"}


class Declares(Strategy):
    """Declares every case; its next() trades on the RSI of the SMA (an indicator of an
    indicator) and on the quantile, so the orders depend on the stepped values."""

    def init(self):
        self.got = {label: declare(self) for label, _, declare, _ in CASES}
        self.rsi_sma = self.I(ta.RSI, self.got["sma"], 5)

    def next(self):
        if self.rsi_sma[-1] > 70 and not self.position:
            self.buy(size=3, sl=float(self.data.Close[-1]) * 0.97)
        elif self.rsi_sma[-1] < 30 and self.position:
            self.position.close()
        elif float(self.data.Close[-1]) > self.got["q90"][-1] and self.position.size < 6:
            self.buy(size=1, limit=float(self.data.Close[-1]) * 0.995, tif=2)


def step(df: pd.DataFrame) -> Stepper:
    st = Stepper(Declares, db=":memory:")
    for t, row in df.iterrows():
        st.update(row.rename(t))
    return st


@pytest.fixture(scope="module")
def stepped():
    df = bars(300, 3)
    st = step(df)
    yield df, st
    st.close()


def test_each_indicator_is_advanced_the_cheapest_exact_way(stepped):
    _, st = stepped
    kinds = [live.kind for live, _ in st._strategy._specs]
    assert kinds == [k for _, k, _, _ in CASES] + [b"S"]


@pytest.mark.parametrize("label", [c[0] for c in CASES])
def test_stepped_values_equal_the_batch_values(stepped, label):
    df, st = stepped
    got = st._strategy.got[label]
    got = got if isinstance(got, tuple) else (got,)
    exp = next(batch for name, _, _, batch in CASES if name == label)(df)
    exp = exp if isinstance(exp, tuple) else (exp,)
    assert len(got) == len(exp)
    for g, e in zip(got, exp, strict=True):
        g, e = np.asarray(g, dtype=float), np.asarray(e, dtype=float)
        assert g.shape == e.shape == (len(df),)
        if label in BIT_EXACT:
            np.testing.assert_array_equal(g, e)
        else:  # running sums that depend on where the pass started: the parity rule
            np.testing.assert_array_equal(np.isnan(g), np.isnan(e))
            np.testing.assert_allclose(g, e, rtol=0, atol=1e-12 * df.Close.abs().max())


def test_stepping_gives_the_batch_runs_orders(stepped):
    df, st = stepped
    b = run(df, strategy=Declares, close_at_end=False).orders
    b = b[b["reason"] != "end_of_data"].reset_index(drop=True)
    s = st.orders()
    s = s[s["status"] != "working"].reset_index(drop=True)
    assert len(s) == len(b) >= 5
    assert s["id"].tolist() == b["id"].tolist()
    assert s["status"].tolist() == b["status"].astype(str).tolist()
    np.testing.assert_array_equal(s["fill_price"].astype(float), b["fill_price"].astype(float))


def test_a_restart_restores_the_indicator_states(tmp_path):
    """The state record holds each stream's checkpoint; reopening replays the bars and
    must arrive at the same record (a changed checkpoint would be refused)."""
    df = bars(120, 5)
    db = tmp_path / "s.sqlite"
    with Stepper(Declares, db=db) as st:
        for t, row in df.iloc[:80].iterrows():
            st.update(row.rename(t))
        saved = [live.state() for live, _ in st._strategy._specs]
    assert sum(1 for s in saved if s) == 8  # the eight stream twins carry a checkpoint
    with Stepper(Declares, db=db) as st:
        assert st.bars == 80
        assert [live.state() for live, _ in st._strategy._specs] == saved
        for t, row in df.iloc[80:].iterrows():
            st.update(row.rename(t))
        resumed = st.orders()
    with step(df) as straight:
        pd.testing.assert_frame_equal(resumed, straight.orders())
