"""Strategies the Stepper tests run in this process and in child processes (importable by
the same module name in both, as the Stepper's database records it)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from threadx import ta
from threadx.backtest import Strategy, crossover

DATA = Path(__file__).parent / "data"
DELAY = 0.0  # seconds per next() (the kill test slows its children down; not a parameter)


def goog() -> pd.DataFrame:
    df = pd.read_csv(DATA / "GOOG.csv", index_col=0, parse_dates=True)
    return df[["Open", "High", "Low", "Close", "Volume"]].astype(float)


def sma(x, n):
    return pd.Series(np.asarray(x, dtype=float)).rolling(n).mean().to_numpy()


class StepCross(Strategy):
    """SMA cross with a stop-loss bracket, a limit re-entry and a moved stop: every kind of
    order the Stepper has to carry across bars."""

    n1 = 10
    n2 = 30

    def init(self):
        self.f = self.I(ta.SMA, self.data.Close, self.n1)  # a stream twin in the Stepper
        self.s = self.I(sma, self.data.Close, self.n2)  # recomputed over the bars so far

    def next(self):
        if DELAY:
            time.sleep(DELAY)
        price = float(self.data.Close[-1])
        for t in self.trades:
            if len(self.data) - 1 - t.entry_bar >= 8 and t.sl < t.entry_price:
                t.sl = t.entry_price
        if crossover(self.f, self.s):
            self.position.close()
            self.buy(size=10, sl=price * 0.95)
        elif crossover(self.s, self.f):
            self.position.close()
            self.sell(size=5, limit=price * 1.01, tif=3)


def run_child(db: str, bars: int, delay: float) -> None:
    """Steps GOOG's first `bars` bars into `db` (what is committed already is skipped)."""
    from threadx.backtest import Stepper

    global DELAY
    DELAY = delay
    df = goog().iloc[:bars]
    with Stepper(StepCross, db=db) as st:
        for t, row in df.iloc[st.bars:].iterrows():
            st.update(row.rename(t))


if __name__ == "__main__":
    import stepper_support  # the same module the parent imports (the database names the class by it)

    stepper_support.run_child(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
