"""backtrader 1.9.78.123 against the order-level model (docs/orders.md; issue 13 § 4).

backtrader's SMA-crossover strategy (``bt.indicators.CrossOver`` of a fast and a slow SMA of
the close; buy on the cross up when flat, ``close()`` on the cross down; and its long-short
form, which reverses on every cross) runs side by side with the same decisions in our model,
on real daily bars (GOOG, and ORCL from backtrader's own ``datas/``), with a stock-like
broker (commission a fraction of the value; a fixed size, and backtrader's all-in sizer) and
with the futures-like scheme (commission per contract, multiplier, initial margin). Every
trade (entry/exit bar and price, size, net PnL), the refused entries, the open position, the
value at every close and the final cash agree (rtol 1e-9, the parity rule of
docs/design.md; the futures cash with a position open: see below).

``ours(...)`` is the one place that runs our model: today the plain-Python reference
simulator (tests/order_reference.py); point its body at the C++ engine when it exists.

backtrader's rules, read in its source (``cerebro._runnext``, ``brokers/bbroker.py``,
``comminfo.py``, ``sizers/percents_sizer.py``, ``indicators/crossover.py``), and how they map:

- Bar loop: on every bar ``broker.next()`` (fills) runs before ``strategy.next()`` (decisions).
  A market order created in ``next()`` at bar j fills in bar j+1 at ``open[j+1]``
  (``_try_exec_market``: ``exprice = popen``; ``coc``, ``coo`` and ``cheat_on_open`` off, no
  slippage): our ``execution="open"``.
- Commission: ``setcommission(commission=0.001)`` is ``CommInfoBase(percabs=True)``, stock-like,
  ``COMM_PERC``: ``|size| × price × 0.001`` per fill = our ``fees=0.001``. ``COMM_FIXED`` is
  ``|size| × commission`` per fill = our ``unit_fee`` (docs/orders.md § 8.1).
- Cash is checked twice: at submission (``check_submitted``, at the start of bar j+1) by a
  pseudo-execution at the order's *creation* price ``close[j]``, and at the fill at ``open[j+1]``
  (``_execute``: ``cash < 0`` after the opening cost and commission); either refusal is a
  ``Margin`` notification. Our model checks once, at the fill (docs/orders.md § 7). With a
  fixed size the submission check never binds here; backtrader's all-in sizer sizes on
  ``close[j]`` without commission, so it does: the strategy on our side replays that check
  (``ours(..., submit_check=True)``), and ``test_backtrader_differs_checks_cash_at_submission``
  shows the bars where the two rules part.
- All-in: ``AllInSizerInt`` buys ``int(broker.getcash() / close[j])`` units, decided at the close
  of bar j. Our ``size=None`` ("percent" 1.0) sizes at the fill price with the fees taken out
  (docs/orders.md § 5), which backtrader cannot express without ``cheat_on_open``; so our side
  places that many "units".
- Futures-like (``stocklike=False``, ``mult``, ``margin``): opening moves ``|size| × margin``
  out of cash and charges the commission; at every bar's end ``cashadjust`` settles
  ``size × (close − previous close) × mult`` into cash (mark to market); value = cash +
  ``|size| × margin``. Our cash excludes the unrealised PnL (docs/orders.md § 8.4): the values
  agree every bar, the cash agrees once flat, and with a position open at the end
  backtrader's cash = our cash + the unrealised PnL.
- Slippage (``test_slippage``): ``slip_perc`` is our ``slippage``, ``slip_fixed`` half our
  ``spread_abs``, with ``slip_out=True``; by default backtrader caps a slipped fill at the
  bar's high/low (``_slip_up``/``_slip_down``), we do not (docs/orders.md § 8.2).
- Reversal (long-short): backtrader's ``sell(size=held + stake)`` against a long is one fill,
  split into the closing part (commission to the old trade) and the opening part; our "open"
  order against a held position closes every lot, then opens ``stake`` (docs/orders.md § 3).
  Shorts: backtrader (``shortcash=True``) adds the sale's proceeds to cash and values the
  position at ``size × close`` (< 0), as our cash account does.
- Trades: backtrader's closed ``Trade`` (``tradehistory=True``): bars ``baropen − 1`` and
  ``barclose − 1`` (``len(data)`` when updated), entry ``price``, the first event's size, the
  last event's price, ``pnlcomm``.
- Limit and stop entries (``test_limit_and_stop_entries``): ``_try_exec_limit`` /
  ``_try_exec_stop`` fill a buy at the open when it gaps through the level, else at the level:
  docs/orders.md § 3. ``valid=timedelta`` expires the order (``Order.expire``, checked before
  the fill) at the first bar whose time is later than the creation bar's time + the delta: our
  timedelta ``tif`` (§ 2.1). Stop-limit orders differ: backtrader fills some in their
  trigger bar that § 3 rests (``test_backtrader_differs_stop_limit_in_the_trigger_bar``).
- End of data: backtrader leaves the position open. Both sides are run two ways: ``end="open"``
  (our ``close_at_end=False``; the open position, the value and the cash are compared) and
  ``end="flat"`` (both strategies close at bar n−2's close, so the position is closed at the
  last bar's open on both sides, and nothing is bought in the last two bars).
- Crossover: ``CrossOver`` is +1 when the fast SMA is above the slow one and the last non-zero
  difference before was below (``NonZeroDifference``), −1 mirrored, from bar ``slow`` on; SMAs
  are ``math.fsum`` means. ``sma_cross`` computes the same numbers, and each run checks them
  against the indicator's values bar by bar, so the brokers see identical decisions.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from order_reference import simulate

from threadx._inputs import FieldErrors
from threadx.backtest import _orders

bt = pytest.importorskip("backtrader")
BT_TYPES = {"market": bt.Order.Market, "limit": bt.Order.Limit, "stop": bt.Order.Stop}

DATA = Path(__file__).parent / "data"
RTOL = 1e-9
CASH = 10_000.0
ALL_IN = "all_in"                      # size: backtrader's AllInSizerInt
STOCK = {"fees": 0.001}                # our cost settings of the stock-like broker
FUTURES = {"unit_fee": 2.0, "multiplier": 10.0, "margin": 2000.0}
PAIRS = [(10, 20), (5, 30)]            # (fast, slow) SMA periods
DATASETS = {"GOOG": ("GOOG.csv", 0, None), "ORCL": ("orcl-1995-2014.txt", "Date", None),
            # ends in the 2008 fall: the long-short strategy is short at the end
            "GOOG-2008": ("GOOG.csv", 0, "2008-11-28")}
NAMES = ["GOOG", "ORCL"]
ENTRY_LEVELS = {"limit": 0.99, "stop": 1.01}   # entry level / the decision bar's close
VALID = dt.timedelta(days=5)


class Trade(NamedTuple):
    entry_bar: int
    entry_price: float
    exit_bar: int
    exit_price: float
    size: float
    pnl: float                         # net of both commissions (and of borrow fees)


class Outcome(NamedTuple):
    value: float                       # final value (equity) at the last close
    cash: float                        # final cash
    trades: list[Trade]                # closed trades, in exit order
    position: float                    # units held at the end (0 when flat)
    entry_price: float                 # of the open position (NaN when flat)
    refused: list[int]                 # bars where an entry was refused (submission or fill)
    values: np.ndarray                 # value at every bar's close


def load(name: str) -> pd.DataFrame:
    """A real daily OHLCV file of tests/data (up to a last date) as float columns Open, High,
    Low, Close, Volume."""
    fname, index_col, last = DATASETS[name]
    df = pd.read_csv(DATA / fname, index_col=index_col, parse_dates=True)
    return df.loc[:last, ["Open", "High", "Low", "Close", "Volume"]].astype(float)


def sma_cross(close: np.ndarray, fast: int, slow: int) -> np.ndarray:
    """backtrader's ``CrossOver(SMA(fast), SMA(slow))``: +1 / -1 / 0 from bar ``slow``, NaN before."""
    n = len(close)

    def sma(p: int) -> np.ndarray:
        out = np.full(n, np.nan)
        for j in range(p - 1, n):
            out[j] = math.fsum(close[j - p + 1:j + 1]) / p
        return out

    diff = sma(fast) - sma(slow)
    cross = np.full(n, np.nan)
    nzd = diff[slow - 1]               # NonZeroDifference's seed
    for j in range(slow, n):
        up = nzd < 0.0 and diff[j] > 0.0
        down = nzd > 0.0 and diff[j] < 0.0
        cross[j] = float(up) - float(down)
        nzd = diff[j] if diff[j] else nzd
    return cross


def decide(cross: float, held: float, j: int, n: int, end: str, short: bool) -> str | None:
    """The crossover rule at bar j's close: "buy", "sell", "close" or nothing. Long-only: buy on
    the cross up when flat, "close" on the cross down (cancel a working entry, close the
    position if one is held); ``short``: buy on the cross up unless long, sell on the cross
    down unless short (a reversal when the other side is held). With ``end="flat"`` it is
    "close" at bar n-2's close (the position closes at the last open) and nothing after."""
    if end == "flat" and j >= n - 2:
        return "close" if j == n - 2 else None
    if cross > 0 and held <= 0:
        return "buy"
    if cross < 0 and not short:
        return "close"
    if cross < 0 and held >= 0 and short:
        return "sell"
    return None


def entry_order(entry: str, close: float) -> dict[str, Any]:
    """The entry order's type and level, set at the decision bar's close: a market order, a
    buy limit 1 % below the close or a buy stop 1 % above it; limit and stop orders are good
    for ``VALID`` (backtrader's ``valid=timedelta``, our timedelta ``tif``)."""
    if entry == "market":
        return {"type": "market"}
    level = close * ENTRY_LEVELS[entry]
    return {"type": entry, entry: level, "tif": VALID}


def all_in_units(cash: float, close: float) -> int:
    """backtrader's ``AllInSizerInt``: ``int(cash / close * (100 / 100))``."""
    return int(cash / close * (100 / 100))


def submit_refuses(units: int, close: float, cash: float, fees: float) -> bool:
    """backtrader's ``check_submitted`` for a stock-like market buy when flat: pseudo-executed at
    the creation price (the decision bar's close), refused when the cash would go below 0."""
    return cash - units * close - units * fees * close < 0.0


# ------------------------------------------------------------------------------ our model

def ours(df: pd.DataFrame, cross: np.ndarray, *, size: int | str, end: str,
         short: bool = False, entry: str = "market", submit_check: bool = True,
         **costs: Any) -> Outcome:
    """The SMA crossover in our model: the reference simulator (tests/order_reference.py) and
    the C++ order core run the same strategy function and must agree (1e-12), so every
    comparison with backtrader holds for both.

    ``size``: units per entry, or ``ALL_IN`` (backtrader's all-in sizer, replayed with its
    submission check when ``submit_check``; long-only). ``short``: the long-short form.
    ``entry``: "market", "limit" or "stop" entries (``entry_order``; long-only).
    ``costs``: our cost settings. Market orders fill at the next open; nothing is closed at
    the end (``close_at_end=False``)."""
    o, h, lo, c = (df[k].to_numpy() for k in ("Open", "High", "Low", "Close"))
    n = len(c)
    last: dict[str, Any] = {}
    at_submit: list[int] = []          # backtrader refuses these in bar j+1, before the open

    def strategy(ctx: Any) -> None:
        j = ctx.j
        action = decide(cross[j], ctx.position, j, n, end, short)
        if action == "close":
            for order in ctx.working:                  # a working limit/stop entry
                ctx.cancel(order)
            if ctx.position:
                ctx.place(side="sell" if ctx.position > 0 else "buy", type="market",
                          intent="close")
        elif action is not None:
            units = size if size != ALL_IN else all_in_units(ctx.cash, c[j])
            refused = size == ALL_IN and submit_check and submit_refuses(
                int(units), c[j], ctx.cash, costs.get("fees", 0.0))
            if refused:
                at_submit.append(j + 1)
            elif units > 0:
                ctx.place(side=action, intent="open", size=float(units), size_type="units",
                          **entry_order(entry, c[j]))
        if j == n - 1:
            last["lots"] = ctx.lots

    res = simulate(o, h, lo, c, index=df.index, strategy=strategy, init_cash=CASH,
                   close_at_end=False, **costs)
    # the same strategy on the C++ order core: it must give the reference's results, so
    # every comparison with backtrader below holds for the engine too
    ref_refused = list(at_submit)
    at_submit.clear()
    eng = engine_simulate(df, strategy, costs)
    np.testing.assert_allclose(eng["equity"], res["equity"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(eng["position"], res["position"], rtol=1e-12, atol=1e-12)
    assert len(eng["trades"]) == len(res["trades"])
    for a, b in zip(eng["trades"], res["trades"]):
        assert (a["entry_bar"], a["exit_bar"]) == (b["entry_bar"], b["exit_bar"])
        assert math.isclose(a["pnl"], b["pnl"], rel_tol=1e-12, abs_tol=1e-9)
    assert at_submit == ref_refused
    trades = [Trade(t["entry_bar"], t["entry_price"], t["exit_bar"], t["exit_price"],
                    t["size"], t["pnl"]) for t in res["trades"]]
    refused = sorted(at_submit + [r["fill_bar"] for r in res["orders"]
                                  if r["reason"] == "insufficient_cash"])
    lots = last["lots"]
    assert len(lots) <= 1              # one position, no pyramiding
    return Outcome(float(res["equity"][-1]), float(res["cash"][-1]), trades,
                   float(res["position"][-1]), lots[0]["entry_price"] if lots else math.nan,
                   refused, res["equity"])


class _EngineCtx:
    """The reference's strategy context (ctx.j, position, cash, lots, working, place, cancel)
    over the C++ core's order book, so one strategy function runs on both."""

    def __init__(self, book: Any, j: int) -> None:
        self._b, self.j = book, j

    @property
    def position(self) -> float:
        return float(self._b.position)

    @property
    def cash(self) -> float:
        return float(self._b.cash)

    @property
    def lots(self) -> list[dict[str, Any]]:
        return [dict(id=r[0], dir=r[1], size=r[2], entry_bar=r[3], entry_price=r[4]) for r in self._b.lots()]

    @property
    def working(self) -> list[int]:
        return list(self._b.working())

    def cancel(self, oid: int, reason: str = "user") -> None:
        self._b.cancel(oid, self.j)

    def place(self, *, side: str, type: str = "market", intent: str = "open", size: float = 1.0,
              size_type: str = "percent", limit: float = math.nan, stop: float = math.nan,
              tif: Any = None) -> int:
        e = _orders.ENUMS
        tif_bars, tif_ns = _orders._tif(tif, "order", FieldErrors())
        return int(self._b.place(self.j, 1 if side == "buy" else -1, e["kind"].index(type),
                                 e["intent"].index(intent), e["size_type"].index(size_type), size, limit, stop,
                                 tif_bars, tif_ns, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, -1))


def engine_simulate(df: pd.DataFrame, strategy: Any, costs: dict[str, Any]) -> dict[str, Any]:
    """``strategy(ctx)`` on the C++ order core (what ``threadx.backtest.Strategy`` runs on)."""
    sym = dict(open=df["Open"].to_numpy(float), high=df["High"].to_numpy(float), low=df["Low"].to_numpy(float),
               close=df["Close"].to_numpy(float), times=pd.DatetimeIndex(df.index).as_unit("ns").asi8,
               costs=dict(costs), decider=lambda j, book: strategy(_EngineCtx(book, j)))
    g = _orders.run_groups([[sym]], init_cash=CASH, close_at_end=False)[0]
    s = g["symbols"][0]
    return dict(equity=g["equity"], position=s["position"],
                trades=_orders.decode(s["trades"], "trades").to_dict("records"))


# ------------------------------------------------------------------------------ backtrader

class SmaCross(bt.Strategy):  # type: ignore[misc]
    """backtrader's SMA crossover, recording its trades, refusals, values and crossover values.
    Entries from flat are sized by the sizer; a reversal sells/buys the held size + ``stake``."""

    params = (("fast", 10), ("slow", 20), ("end", "open"), ("n", 0), ("short", False),
              ("stake", 0), ("entry", "market"))

    def __init__(self) -> None:
        fast = bt.indicators.SMA(self.data.close, period=self.p.fast)
        slow = bt.indicators.SMA(self.data.close, period=self.p.slow)
        self.crossover = bt.indicators.CrossOver(fast, slow)
        self.trades: list[Trade] = []
        self.refused: list[int] = []
        self.working: Any = None       # the last entry order
        self.seen: dict[int, float] = {}
        self.values: list[float] = []  # broker value at each bar's close

    def prenext(self) -> None:
        self.values.append(self.broker.getvalue())

    def notify_order(self, order: Any) -> None:
        if order.status in (order.Margin, order.Rejected):
            self.refused.append(len(self) - 1)  # notified in the bar the broker refused it

    def notify_trade(self, trade: Any) -> None:
        if trade.isclosed:
            first, last = trade.history[0].event, trade.history[-1].event
            self.trades.append(Trade(trade.baropen - 1, trade.price, trade.barclose - 1,
                                     last.price, abs(first.size), trade.pnlcomm))

    def next(self) -> None:
        j = len(self) - 1
        self.values.append(self.broker.getvalue())
        self.seen[j] = self.crossover[0]
        held = self.position.size
        action = decide(self.crossover[0], held, j, self.p.n, self.p.end, self.p.short)
        if action == "close":
            if self.working is not None and self.working.alive():
                self.cancel(self.working)
            if held:
                self.close()
        elif action is not None:
            send = self.buy if action == "buy" else self.sell
            if held:
                send(size=abs(held) + self.p.stake)   # a reversal
            else:                                     # sized by the sizer
                kind = entry_order(self.p.entry, self.data.close[0])
                self.working = send(exectype=BT_TYPES[kind["type"]], price=kind.get("limit",
                                    kind.get("stop")), valid=kind.get("tif"))


def backtrader(df: pd.DataFrame, *, fast: int, slow: int, size: int | str, end: str,
               costs: dict[str, float], short: bool = False, entry: str = "market",
               slip: dict[str, Any] | None = None, interest_on: str = "previous_close",
               ) -> tuple[Outcome, dict[int, float]]:
    """Runs ``SmaCross`` in backtrader with the commission scheme of our ``costs``; ``slip``:
    the keywords of ``broker.set_slippage_perc`` (with ``perc``) or ``set_slippage_fixed``
    (with ``fixed``); ``interest_on``: see ``commission_scheme``. Returns the outcome and the
    crossover value seen at each bar."""
    cerebro = bt.Cerebro(stdstats=False, tradehistory=True)
    cerebro.adddata(bt.feeds.PandasData(dataname=df))
    cerebro.addstrategy(SmaCross, fast=fast, slow=slow, end=end, n=len(df), short=short,
                        stake=0 if size == ALL_IN else size, entry=entry)
    cerebro.broker.setcash(CASH)
    commission_scheme(cerebro.broker, costs, interest_on)
    if slip is not None:
        setter = "set_slippage_perc" if "perc" in slip else "set_slippage_fixed"
        getattr(cerebro.broker, setter)(**slip)
    if size == ALL_IN:
        cerebro.addsizer(bt.sizers.AllInSizerInt)
    else:
        cerebro.addsizer(bt.sizers.FixedSize, stake=size)
    strat = cerebro.run()[0]
    pos = strat.position
    return Outcome(cerebro.broker.getvalue(), cerebro.broker.getcash(), strat.trades,
                   float(pos.size), float(pos.price) if pos.size else math.nan,
                   strat.refused, np.asarray(strat.values)), strat.seen


class PreviousCloseInterest(bt.CommInfoBase):  # type: ignore[misc]
    """backtrader's credit interest charged on the previous close, our borrow basis
    (docs/orders.md § 8.3), instead of the position's entry price. ``BackBroker.next`` calls
    it at the start of bar j (before the fills), when ``data.close[-1]`` is ``close[j-1]``."""

    def _get_credit_interest(self, data: Any, size: float, price: float, days: int,
                             dt0: Any, dt1: Any) -> float:
        return float(days * self._creditrate * abs(size) * data.close[-1])


def commission_scheme(broker: Any, costs: dict[str, float],
                      interest_on: str = "previous_close") -> None:
    """backtrader's scheme for our cost settings: stock-like ``fees`` (a fraction of the value)
    with ``borrow_rate`` as the yearly ``interest`` on shorts (charged on the previous close, or
    on backtrader's own basis, the position's price, with ``interest_on="entry"``), or
    futures-like ``unit_fee`` per contract, ``multiplier`` and ``margin``."""
    if "margin" not in costs:
        scheme = PreviousCloseInterest if interest_on == "previous_close" else bt.CommInfoBase
        broker.addcommissioninfo(scheme(commission=costs["fees"], percabs=True,
                                        commtype=bt.CommInfoBase.COMM_PERC, stocklike=True,
                                        interest=costs.get("borrow_rate", 0.0)))
        return
    broker.setcommission(commission=costs["unit_fee"], commtype=bt.CommInfoBase.COMM_FIXED,
                         mult=costs["multiplier"], margin=costs["margin"], stocklike=False)


# ------------------------------------------------------------------------------ comparison

def close_to(got: float, exp: float, scale: float) -> bool:
    """The parity rule: |got - exp| <= 1e-9 * max(|exp|, scale)."""
    return abs(got - exp) <= RTOL * max(abs(exp), scale)


def assert_same_trades(got: list[Trade], exp: list[Trade], px: float) -> None:
    assert len(got) == len(exp), (len(got), len(exp))
    for g, e in zip(got, exp):
        assert (g.entry_bar, g.exit_bar, g.size) == (e.entry_bar, e.exit_bar, e.size), (g, e)
        assert close_to(g.entry_price, e.entry_price, px), (g, e)
        assert close_to(g.exit_price, e.exit_price, px), (g, e)
        assert close_to(g.pnl, e.pnl, CASH), (g, e)


def side_by_side(name: str, fast: int, slow: int, size: int | str, end: str,
                 costs: dict[str, float], short: bool = False, entry: str = "market",
                 slip: dict[str, Any] | None = None, our_slip: dict[str, float] | None = None,
                 ) -> tuple[Outcome, Outcome, pd.DataFrame]:
    """Runs both (``slip`` for backtrader, ``our_slip`` our slippage/spread settings); checks
    the crossover values, the trades, the refusals, the open position and the value at every
    close. Returns (ours, backtrader, bars)."""
    df = load(name)
    cross = sma_cross(df["Close"].to_numpy(), fast, slow)
    theirs, seen = backtrader(df, fast=fast, slow=slow, size=size, end=end, costs=costs,
                              short=short, entry=entry, slip=slip)
    assert sorted(seen) == list(range(slow, len(df)))
    assert [seen[j] for j in sorted(seen)] == cross[slow:].tolist()
    got = ours(df, cross, size=size, end=end, short=short, entry=entry, **costs,
               **(our_slip or {}))
    assert_same_trades(got.trades, theirs.trades, float(df["High"].max()))
    assert len(got.trades) >= 10
    assert got.refused == theirs.refused
    assert got.position == theirs.position
    if got.position:
        assert close_to(got.entry_price, theirs.entry_price, float(df["High"].max()))
    assert len(theirs.values) == len(df)
    bad = np.abs(got.values - theirs.values) > RTOL * np.maximum(np.abs(theirs.values), CASH)
    assert not bad.any(), f"value differs first at bar {int(np.argmax(bad))}"
    return got, theirs, df


@pytest.mark.parametrize("end", ["open", "flat"])
@pytest.mark.parametrize("fast,slow", PAIRS)
@pytest.mark.parametrize("name", NAMES)
def test_stock_like_fixed_size(name: str, fast: int, slow: int, end: str) -> None:
    """10 shares per entry, commission 0.1 % of the value on each fill."""
    got, theirs, _ = side_by_side(name, fast, slow, 10, end, STOCK)
    assert got.refused == []
    assert close_to(got.value, theirs.value, CASH)
    assert close_to(got.cash, theirs.cash, CASH)
    if end == "flat":
        assert got.position == 0 and got.value == got.cash


@pytest.mark.parametrize("end", ["open", "flat"])
@pytest.mark.parametrize("name", NAMES)
def test_stock_like_all_in(name: str, end: str) -> None:
    """backtrader's AllInSizerInt: every entry buys int(cash / close) units at the next open;
    entries that the cash cannot pay (at submission or at the fill) are refused on both sides."""
    got, theirs, _ = side_by_side(name, 10, 20, ALL_IN, end, STOCK)
    assert close_to(got.value, theirs.value, CASH)
    assert close_to(got.cash, theirs.cash, CASH)


def test_backtrader_differs_checks_cash_at_submission() -> None:
    """backtrader refuses an all-in buy already at submission when the units at the decision
    bar's close plus the commission exceed the cash; docs/orders.md § 7 checks only at the fill.
    Without replaying that check our model fills the first such entry (the next open is lower),
    and the runs part from there."""
    df = load("GOOG")
    c, o = df["Close"].to_numpy(), df["Open"].to_numpy()
    cross = sma_cross(c, 10, 20)
    theirs, _ = backtrader(df, fast=10, slow=20, size=ALL_IN, end="open", costs=STOCK)
    plain = ours(df, cross, size=ALL_IN, end="open", submit_check=False, **STOCK)
    k = min(set(theirs.refused) - set(plain.refused))
    before = [t for t in theirs.trades if t.exit_bar < k]
    assert_same_trades([t for t in plain.trades if t.exit_bar < k], before, float(o.max()))
    cash = CASH + sum(t.pnl for t in before)       # flat at bar k-1's close
    units = all_in_units(cash, c[k - 1])
    assert submit_refuses(units, c[k - 1], cash, STOCK["fees"])    # backtrader, at close[k-1]
    entry = next(t for t in plain.trades if t.entry_bar == k)       # ours, at open[k]
    assert entry.size == units and entry.entry_price == o[k]
    assert units * o[k] * (1 + STOCK["fees"]) <= cash
    assert not close_to(plain.value, theirs.value, CASH)


@pytest.mark.parametrize("end", ["open", "flat"])
@pytest.mark.parametrize("fast,slow", PAIRS)
@pytest.mark.parametrize("contracts", [1, 2])
def test_futures_like(contracts: int, fast: int, slow: int, end: str) -> None:
    """GOOG as a future: 2.0 per contract per fill, multiplier 10, initial margin 2,000.
    backtrader settles the PnL into cash every bar: the values agree; the cash agrees when
    flat, and with a position open at the end backtrader's cash holds its unrealised PnL."""
    got, theirs, df = side_by_side("GOOG", fast, slow, contracts, end, FUTURES)
    assert close_to(got.value, theirs.value, CASH)
    if got.position:
        unrealised = got.position * (float(df["Close"].iloc[-1]) - got.entry_price) \
            * FUTURES["multiplier"]
        assert close_to(got.cash + unrealised, theirs.cash, CASH)
        assert not close_to(got.cash, theirs.cash, CASH)
        assert close_to(got.value, got.cash + got.position * FUTURES["margin"] + unrealised,
                        CASH)
    else:
        assert close_to(got.cash, theirs.cash, CASH)
        assert got.value == got.cash


def test_futures_like_margin_check() -> None:
    """Both sides refuse an entry whose margin and commission exceed the cash (4 contracts at
    a margin of 2,450 on ORCL: once the first trades' losses and commissions bring the cash
    below 4 x 2,450 + 4 x 2.0 = 9,808, every entry is refused, in the bar it would fill)."""
    costs = {**FUTURES, "margin": 2450.0}
    got, theirs, _ = side_by_side("ORCL", 10, 20, 4, "open", costs)
    assert len(got.refused) >= 10
    assert got.position == 0 and close_to(got.cash, theirs.cash, CASH)



@pytest.mark.parametrize("slip,our_slip", [
    ({"perc": 0.002, "slip_out": True}, {"slippage": 0.002}),
    ({"fixed": 0.25, "slip_out": True}, {"spread_abs": 0.5}),
    ({"perc": 0.002, "slip_open": False}, {}),
], ids=["perc", "fixed", "not-at-open"])
def test_slippage(slip: dict[str, Any], our_slip: dict[str, float]) -> None:
    """backtrader's ``slip_perc`` is our ``slippage`` and its ``slip_fixed`` half our
    ``spread_abs`` (docs/orders.md § 8.2) when a slipped price may leave the bar's range
    (``slip_out=True``); with ``slip_open=False`` market orders at the open are not slipped."""
    got, theirs, df = side_by_side("GOOG", 10, 20, 10, "open", STOCK, slip=slip,
                                   our_slip=our_slip)
    o = df["Open"].to_numpy()
    slipped = [t.entry_price != o[t.entry_bar] for t in got.trades]
    assert all(slipped) if our_slip else not any(slipped)
    assert close_to(got.cash, theirs.cash, CASH)


def test_backtrader_differs_caps_slippage_at_the_bar() -> None:
    """With ``set_slippage_perc``'s defaults (``slip_match=True``, ``slip_out=False``)
    backtrader caps a slipped fill at the bar's high (a buy) or low (a sell); our slippage is
    not capped (docs/orders.md § 8.2). Trades where the cap binds differ by exactly that."""
    df = load("GOOG")
    o, h, lo = (df[k].to_numpy() for k in ("Open", "High", "Low"))
    cross = sma_cross(df["Close"].to_numpy(), 10, 20)
    s = 0.002
    theirs, _ = backtrader(df, fast=10, slow=20, size=10, end="open", costs=STOCK,
                           slip={"perc": s})
    got = ours(df, cross, size=10, end="open", slippage=s, **STOCK)
    assert [(t.entry_bar, t.exit_bar) for t in got.trades] == \
        [(t.entry_bar, t.exit_bar) for t in theirs.trades]
    px, capped = float(h.max()), 0
    for g, e in zip(got.trades, theirs.trades):
        assert g.entry_price == o[g.entry_bar] * (1 + s)
        assert g.exit_price == o[g.exit_bar] * (1 - s)
        assert close_to(e.entry_price, min(g.entry_price, h[g.entry_bar]), px)
        assert close_to(e.exit_price, max(g.exit_price, lo[g.exit_bar]), px)
        capped += g.entry_price > h[g.entry_bar] or g.exit_price < lo[g.exit_bar]
    assert capped >= 5


@pytest.mark.parametrize("end", ["open", "flat"])
@pytest.mark.parametrize("costs,size", [(STOCK, 10), (FUTURES, 2)], ids=["stock", "futures"])
@pytest.mark.parametrize("name", list(DATASETS))
def test_long_short_reversals(name: str, costs: dict[str, float], size: int, end: str) -> None:
    """The long-short crossover: every cross reverses the position (backtrader: one order of
    the held size + stake; ours: an "open" order against the held side, docs/orders.md § 3).
    Short trades, reversals and (futures) short positions marked to market agree."""
    got, theirs, df = side_by_side(name, 10, 20, size, end, costs, short=True)
    assert any(t.exit_bar == u.entry_bar for t, u in zip(got.trades, got.trades[1:]))
    assert got.position == (0 if end == "flat" else -size if name == "GOOG-2008" else size)
    assert close_to(got.value, theirs.value, CASH)
    if not got.position or "margin" not in costs:
        assert close_to(got.cash, theirs.cash, CASH)
    else:
        unrealised = got.position * (float(df["Close"].iloc[-1]) - got.entry_price) \
            * costs["multiplier"]
        assert close_to(got.cash + unrealised, theirs.cash, CASH)


def test_borrow_fee_on_shorts() -> None:
    """A yearly borrow rate of 5 % on the long-short crossover's shorts. backtrader charges its
    ``interest`` at the start of every bar a short is held, for the calendar days since the
    last charge (``BackBroker.next``), takes it from cash and adds it to the trade's commission
    (``int2pnl``); ours charges ``borrow_rate`` at bar j's open for the short held at bar j-1's
    close and puts it in the trade's PnL (docs/orders.md § 8.3, § 6.2). On the same price basis
    (the previous close) every trade, the value and the cash agree; on backtrader's own basis
    (the position's entry price) they do not (the documented deviation)."""
    costs = {**STOCK, "borrow_rate": 0.05}
    got, theirs, df = side_by_side("GOOG", 10, 20, 10, "open", costs, short=True)
    assert close_to(got.value, theirs.value, CASH)
    assert close_to(got.cash, theirs.cash, CASH)
    free = ours(df, sma_cross(df["Close"].to_numpy(), 10, 20), size=10, end="open", short=True,
                **STOCK)
    assert got.value < free.value - 100            # the fee is charged
    entry, _ = backtrader(df, fast=10, slow=20, size=10, end="open", costs=costs, short=True,
                          interest_on="entry")
    assert not close_to(entry.value, got.value, CASH)


@pytest.mark.parametrize("end", ["open", "flat"])
@pytest.mark.parametrize("entry", ["limit", "stop"])
@pytest.mark.parametrize("name", NAMES)
def test_limit_and_stop_entries(name: str, entry: str, end: str) -> None:
    """Entries as a buy limit 1 % below / a buy stop 1 % above the cross bar's close, good for
    5 calendar days; a working entry is cancelled on the cross down. backtrader's
    ``_try_exec_limit`` / ``_try_exec_stop`` fill at the open when it gaps through the level,
    else at the level (docs/orders.md § 3); its ``valid`` expires the order at the first bar
    later than creation + 5 days, our timedelta ``tif`` (§ 2.1)."""
    got, theirs, df = side_by_side(name, 10, 20, 10, end, STOCK, entry=entry)
    o = df["Open"].to_numpy()
    at_open = sum(t.entry_price == o[t.entry_bar] for t in got.trades)
    assert 0 < at_open < len(got.trades)          # gap fills and fills at the level
    assert close_to(got.value, theirs.value, CASH)
    assert close_to(got.cash, theirs.cash, CASH)


class OneOrder(bt.Strategy):  # type: ignore[misc]
    """Places one buy (``order`` keywords) at bar 0's close; records its fills (bar, price)."""

    params = (("order", None),)

    def __init__(self) -> None:
        self.fills: list[tuple[int, float]] = []

    def notify_order(self, order: Any) -> None:
        if order.status == order.Completed:
            self.fills.append((len(self) - 1, order.executed.price))

    def next(self) -> None:
        if len(self) == 1:
            self.buy(**self.p.order)


@pytest.mark.parametrize("bar1,limit,price", [
    ((106, 107, 103, 105), 104.0, 104.0),     # gap through the stop, the limit below it
    ((104, 106, 101, 102), 103.0, 103.0),     # in the bar, the close below the open and limit
    ((104, 106, 103, 105.5), 105.0, 105.0),   # in the bar, the limit at the stop
], ids=["gap", "in-bar", "limit-at-stop"])
def test_backtrader_differs_stop_limit_in_the_trigger_bar(
        bar1: tuple[float, ...], limit: float, price: float) -> None:
    """A buy stop-limit (stop 105) whose limit is not above the stop: backtrader's
    ``_try_exec_stoplimit`` fills it in the trigger bar (after a gap, at the limit when the low
    reaches it; in the bar, at the stop when the limit equals it, else at the limit when the
    bar closes below its open and at or below the limit), guessing the path from open and
    close; docs/orders.md § 3 fills in the trigger bar only when the limit is above the stop,
    and otherwise rests the order as a limit from the next bar (here: never filled)."""
    rows = [(100.0, 100.0, 100.0, 100.0), bar1, (110.0, 110.0, 110.0, 110.0)]
    df = pd.DataFrame(rows, columns=["Open", "High", "Low", "Close"],
                      index=pd.date_range("2024-01-01", periods=3, freq="D"))
    df["Volume"] = 1.0
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=df))
    cerebro.addstrategy(OneOrder, order={"exectype": bt.Order.StopLimit, "price": 105.0,
                                         "plimit": limit, "size": 1})
    assert cerebro.run()[0].fills == [(1, price)]
    res = simulate(*(df[k].to_numpy() for k in ("Open", "High", "Low", "Close")),
                   orders=[{"bar": 0, "side": "buy", "type": "stop_limit", "stop": 105.0,
                            "limit": limit, "size": 1, "size_type": "units"}],
                   close_at_end=False)
    order, = res["orders"]
    assert (order["status"], order["reason"]) == ("cancelled", "end_of_data")
