"""threadx.testing (issue 14 §1): assert_no_lookahead fails, naming the bar and the decision,
for strategies that read the future, and passes for those that do not; assert_streaming_equals_batch
compares a Stepper with the batch run; the pytest plugin's fixture."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from threadx import ta
from threadx.backtest import Strategy, crossover
from threadx.testing import assert_no_lookahead, assert_streaming_equals_batch


def sma(x, n):
    return pd.Series(np.asarray(x, dtype=float)).rolling(n).mean().to_numpy()


class Fair(Strategy):
    fast = 10
    slow = 30

    def init(self):
        self.f = self.I(ta.SMA, self.data.Close, self.fast)
        self.s = self.I(sma, self.data.Close, self.slow)

    def next(self):
        if not self.position and crossover(self.f, self.s):
            self.buy(size=10, sl=float(self.data.Close[-1]) * 0.95)
        elif self.position and crossover(self.s, self.f):
            self.position.close()


class PeeksAhead(Strategy):
    """Keeps the whole close in init() and reads tomorrow's in next()."""

    def init(self):
        self.all_closes = np.asarray(self.data.Close)

    def next(self):
        j = len(self.data) - 1
        if j + 1 < len(self.all_closes) and self.all_closes[j + 1] > self.all_closes[j] and not self.position:
            self.buy(size=1)
        elif self.position:
            self.position.close()


class CentredIndicator(Strategy):
    """A centred moving average (a classic accidental look-ahead)."""

    def init(self):
        self.m = self.I(lambda c: pd.Series(np.asarray(c)).rolling(21, center=True).mean().to_numpy(), self.data.Close)

    def next(self):
        if not self.position and self.data.Close[-1] < self.m[-1]:
            self.buy(size=1)
        elif self.position and self.data.Close[-1] > self.m[-1]:
            self.position.close()


def fair_signals(data, n):
    c = data["close"]
    return c > c.rolling(n).mean(), c < c.rolling(n).mean()


def peeking_signals(data, n):
    c = data["close"]
    return c.shift(-1) > c, c.shift(-1) < c


@pytest.fixture(scope="module")
def bars():
    from threadx.data import sample

    return sample().iloc[:600]


@pytest.mark.parametrize(("strategy", "params"), [(Fair, {}), (fair_signals, {"n": 20}),
                                                 ("sma_cross", {"fast": 10, "slow": 30})])
def test_a_causal_strategy_passes(bars, strategy, params):
    assert_no_lookahead(strategy, bars, **params)


@pytest.mark.parametrize(("strategy", "params", "what"), [
    (PeeksAhead, {}, "order"), (CentredIndicator, {}, "order"), (peeking_signals, {"n": 1}, "entries")])
def test_a_strategy_that_reads_the_future_fails_naming_the_bar(bars, strategy, params, what):
    with pytest.raises(AssertionError, match=rf"look-ahead: changing the bars after bar \d+ .*{what}"):
        assert_no_lookahead(strategy, bars, **params)


def test_streaming_equals_batch(bars):
    assert_streaming_equals_batch(Fair, bars.iloc[:300])
    with pytest.raises(AssertionError, match="streaming != batch"):
        assert_streaming_equals_batch(PeeksAhead, bars.iloc[:120])


def test_bad_arguments_are_validation_errors(bars):
    from threadx.errors import ValidationError

    with pytest.raises(ValidationError) as ei:
        assert_no_lookahead(Fair, "bars", times=0, seed=-1)
    assert {"data", "times", "seed"} <= {e["field"] for e in ei.value.errors}


def test_the_plugin_gives_the_sample_bars(threadx_bars):
    assert {"open", "high", "low", "close"} <= set(threadx_bars.columns) and len(threadx_bars) > 1000
