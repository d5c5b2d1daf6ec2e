"""threadx.backtest.Stepper: a Strategy stepped bar by bar gives the batch run's orders; its
state lives in SQLite (one transaction per bar), is checked when reopened, and survives a
process killed at any point (issue 13 §2, "Step a strategy live")."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from stepper_support import StepCross, goog

from threadx.backtest import Stepper, Strategy, run
from threadx.errors import BacktestError, DataError, ValidationError

N = 400
KEYS = ["id", "parent", "kind", "side", "intent", "placed_bar", "status", "fill_bar", "reason"]


def batch_orders(n: int) -> pd.DataFrame:
    r = run(goog().iloc[:n], strategy=StepCross, close_at_end=False)
    o = r.orders.copy()
    return o


def compare(stepped: pd.DataFrame, n: int) -> None:
    b = batch_orders(n)
    # orders still working at the end: the batch cancels them at its last bar ("end_of_data")
    b = b[b["reason"] != "end_of_data"].reset_index(drop=True)
    s = stepped[stepped["status"] != "working"].reset_index(drop=True)
    assert len(b) == len(s) > 10
    def norm(v, k):
        if v is None or (isinstance(v, float) and np.isnan(v)) or (k in ("parent", "fill_bar") and v == -1):
            return None
        return int(v) if isinstance(v, (float, np.floating)) and float(v).is_integer() else v

    for k in KEYS:
        got = [norm(v, k) for v in s[k].astype(object).tolist()]
        exp = [norm(v, k) for v in b[k].astype(object).tolist()]
        assert [str(v) for v in got] == [str(v) for v in exp], k
    np.testing.assert_allclose(s["fill_price"].astype(float), b["fill_price"].astype(float), rtol=1e-12)
    np.testing.assert_allclose(s["size"].astype(float), b["size"].astype(float), rtol=1e-12)


def step_all(db, n: int) -> Stepper:
    st = Stepper(StepCross, db=db)
    for t, row in goog().iloc[st.bars:n].iterrows():
        st.update(row.rename(t))
    return st


def test_stepping_gives_the_batch_orders(tmp_path):
    st = step_all(tmp_path / "s.sqlite", N)
    compare(st.orders(), N)
    b = run(goog().iloc[:N], strategy=StepCross, close_at_end=False)
    assert st.equity == pytest.approx(b.equity.iloc[-1], rel=1e-12)
    assert st.position == b.position.iloc[-1]
    st.close()


def test_update_returns_the_bars_orders_and_a_replayed_bar_the_stored_ones(tmp_path):
    df = goog().iloc[:120]
    with Stepper(StepCross, db=tmp_path / "s.sqlite") as st:
        outs = [st.update(row.rename(t)) for t, row in df.iterrows()]
        placed = [o for out in outs for o in out if o["status"] == "filled"]
        assert placed and all(o["fill_bar"] is not None for o in placed)
        j = next(k for k, out in enumerate(outs) if out)
        again = st.update(df.iloc[j].rename(df.index[j]))
        assert again == outs[j]
        with pytest.raises(ValidationError, match="committed"):
            st.update(df.iloc[j].rename(df.index[j]) * 1.01)
        with pytest.raises(ValidationError):
            st.update({"open": 1.0, "high": 0.5, "low": 1.0, "close": 1.0, "time": df.index[-1] + pd.Timedelta("1D")})
        assert st.bars == 120  # a refused bar changes nothing


def test_reopening_continues_where_it_stopped(tmp_path):
    db = tmp_path / "s.sqlite"
    step_all(db, 150).close()
    st = step_all(db, N)  # replays 150 bars, checks them, goes on
    compare(st.orders(), N)
    st.close()


def test_a_changed_database_is_refused(tmp_path):
    db = tmp_path / "s.sqlite"
    step_all(db, 200).close()
    con = sqlite3.connect(db)
    good = con.execute("SELECT blob FROM state").fetchone()[0]
    blob = bytearray(good)
    blob[20] ^= 0xFF
    con.execute("UPDATE state SET blob = ?", (bytes(blob),))
    con.commit()
    with pytest.raises(DataError, match="checksum"):
        Stepper(StepCross, db=db)
    con.execute("UPDATE state SET blob = ?", (b"garbage",))
    con.commit()
    with pytest.raises(DataError, match="header"):
        Stepper(StepCross, db=db)
    con.execute("UPDATE state SET blob = ?", (good,))
    con.execute("UPDATE orders SET rec = replace(rec, '\"filled\"', '\"expired\"') WHERE rowid = "
                "(SELECT rowid FROM orders WHERE rec LIKE '%\"filled\"%' LIMIT 1)")
    con.commit()
    with pytest.raises(DataError, match="other orders"):
        Stepper(StepCross, db=db)
    con.close()
    with pytest.raises(ValidationError, match="another strategy"):
        Stepper(StepCross, db=db, fees=0.01)


def test_validation():
    with pytest.raises(ValidationError) as ei:
        Stepper(int, db=3, costs={"funding": 1})
    fields = {e["field"] for e in ei.value.errors}
    assert {"strategy", "db", "costs['funding']"} <= fields, fields
    with pytest.raises(ValidationError, match="costs"):  # found by the fuzz: was accepted
        Stepper(StepCross, db=":memory:", costs="x")
    class Timed(Strategy):
        def next(self):
            self.buy(size=1, limit=1.0, tif=pd.Timedelta("2D"))

    df = goog().iloc[:2]
    with Stepper(Timed, db=":memory:") as st:
        st.update(df.iloc[0].rename(df.index[0]))  # next() starts at bar 1
        with pytest.raises(BacktestError) as ei:
            st.update(df.iloc[1].rename(df.index[1]))
        assert isinstance(ei.value.__cause__, ValidationError) and "tif" in str(ei.value.__cause__)
        assert st.bars == 1  # the failed bar is not committed, and the stepper is as before it


def test_killed_at_any_point_restarts_with_nothing_lost_or_duplicated(tmp_path):
    db = str(tmp_path / "k.sqlite")
    script = str(Path(__file__).parent / "stepper_support.py")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    rng = random.Random(7)
    kills = 0
    for _ in range(6):
        p = subprocess.Popen([sys.executable, script, db, str(N), "0.002"], env=env)
        time.sleep(rng.uniform(0.8, 2.0))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait(timeout=60)
        if p.returncode == 0:
            break
    assert kills >= 1
    done = subprocess.run([sys.executable, script, db, str(N), "0"], env=env, timeout=300)
    assert done.returncode == 0
    con = sqlite3.connect(db)
    js = [r[0] for r in con.execute("SELECT j FROM bars ORDER BY j")]
    assert js == list(range(N))  # every bar once
    con.close()
    with Stepper(StepCross, db=db) as st:
        compare(st.orders(), N)
