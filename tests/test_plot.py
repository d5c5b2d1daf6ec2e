"""issue 15 §1: plots. M4 downsampling against a plain-Python reference (no spike lost, NaN gaps
kept, by time); ``res.plot()`` panels, markers and indicators; sweep heatmaps and distributions;
bad input as typed errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import threadx
from threadx import backtest, plot, ta
from threadx.errors import ValidationError

matplotlib = pytest.importorskip("matplotlib")


def m4_reference(y: np.ndarray, x: np.ndarray | None, columns: int) -> list[int]:
    """M4 written from its definition: bucket each point by its own x (or position), keep per
    bucket the first/last non-NaN point, the (first) min and max, and the first NaN."""
    n = len(y)
    if n <= 4 * columns:
        return list(range(n))
    buckets: dict[int, list[int]] = {}
    for i in range(n):
        if x is None:
            b = max(k for k in range(columns) if k * n // columns <= i)
        else:
            lo, span = int(x[0]), int(x[-1]) - int(x[0])
            b = max(k for k in range(columns) if int(x[i]) >= lo + -(-span * k // columns))
        buckets.setdefault(b, []).append(i)
    keep: set[int] = set()
    for idx in buckets.values():
        ok = [i for i in idx if not np.isnan(y[i])]
        nan = [i for i in idx if np.isnan(y[i])]
        if ok:
            keep |= {ok[0], ok[-1], min(ok, key=lambda i: (y[i], i)), max(ok, key=lambda i: (y[i], -i))}
        if nan:
            keep.add(nan[0])
    return sorted(keep)


@pytest.mark.parametrize("n, columns, seed", [(3, 1, 0), (50, 10, 1), (997, 20, 2), (3000, 7, 3), (5000, 64, 4)])
def test_downsample_matches_the_reference(n: int, columns: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = np.cumsum(rng.standard_normal(n))
    y[rng.random(n) < 0.03] = np.nan
    y[rng.integers(0, n, 3)] = 1e3  # spikes
    kept, values = plot.downsample(y, columns)
    assert kept.tolist() == m4_reference(y, None, columns)
    np.testing.assert_array_equal(values, y[kept])
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.cumsum(rng.choice([1, 1, 1, 3], n)), unit="D")
    s = pd.Series(y, index=pd.DatetimeIndex(days))
    by_time = plot.downsample(s, columns)
    assert isinstance(by_time, pd.Series) and by_time.index.isin(s.index).all()
    positions = s.index.get_indexer(by_time.index)
    assert positions.tolist() == m4_reference(y, s.index.as_unit("ns").asi8, columns)
    assert plot.downsample(s, columns, by_time=False).index.equals(s.index[kept])


def test_downsample_keeps_every_spike_and_both_ends() -> None:
    y = np.zeros(1_000_000)
    spikes = [0, 12_345, 500_000, 999_999]
    y[spikes[1]], y[spikes[2]] = 50.0, -50.0
    kept, _ = plot.downsample(y, 500)
    assert set(spikes) <= set(kept.tolist()) and len(kept) <= 5 * 500


@pytest.mark.parametrize("bad, field", [
    ({"values": np.array([1.0, np.inf, 2.0])}, "y"),
    ({"values": np.zeros((3, 2))}, "values"),
    ({"values": ["a", "b"]}, "values"),
    ({"values": np.zeros(10), "columns": 0}, "columns"),
])
def test_downsample_bad_input(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        plot.downsample(**bad)
    assert field in info.value.fields


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return threadx.data.sample().iloc[:600]


def _run(bars: pd.DataFrame, **kw: Any) -> Any:
    f, s = ta.SMA(bars["close"], 10), ta.SMA(bars["close"], 30)
    return backtest.run(bars, entries=f > s, exits=f < s, **kw)


def _scatter_points(ax: Any, label: str) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if c.get_label() == label)


def test_backtest_plot_panels_markers_and_indicators(bars: pd.DataFrame) -> None:
    res = _run(bars, sl_stop=0.03)
    sma = ta.SMA(bars["close"], 10)
    fig = res.plot(indicators={"sma": sma, "rsi": ta.RSI(bars["close"], 14)})
    axes = fig.axes
    assert [a.get_ylabel() for a in axes] == ["price", "equity", "drawdown %", "position", "rsi"]
    trades = res.trades
    stops = int((trades["exit_reason"] == "stop_loss").sum())
    assert 0 < stops < len(trades)
    assert _scatter_points(axes[0], "long entry") == len(trades)
    assert _scatter_points(axes[0], "stop-loss exit") == stops
    assert _scatter_points(axes[0], "exit") == len(trades) - stops
    labels = [line.get_label() for line in axes[0].lines]
    assert "sma" in labels and "close" not in labels  # 600 bars: candles, the SMA overlaid
    equity = next(line for line in axes[1].lines if line.get_label() == "equity")
    np.testing.assert_array_equal(equity.get_ydata(), res.equity.to_numpy())  # 600 points: drawn whole
    hold = next(line for line in axes[1].lines if line.get_label() == "buy & hold")
    close = bars["close"].to_numpy()
    np.testing.assert_allclose(hold.get_ydata(), res.equity.iloc[0] * close / close[0])
    fig.canvas.draw()  # renders without error


def test_long_results_are_drawn_downsampled(bars: pd.DataFrame) -> None:
    n = 200_000
    close = 100 * np.exp(np.cumsum(np.random.default_rng(5).normal(0, 1e-3, n)))
    big = pd.DataFrame({"open": close, "high": close * 1.001, "low": close * 0.999, "close": close},
                       index=pd.date_range("2020", periods=n, freq="min"))
    entries = np.zeros(n, bool)
    entries[::5000] = True
    res = backtest.run(big, entries=entries, exits=np.roll(entries, 2500), periods_per_year=252 * 390)
    fig = res.plot(columns=300)
    price = fig.axes[0]
    line = next(line for line in price.lines if line.get_label() == "close")
    assert len(line.get_xdata()) <= 5 * 300
    assert line.get_ydata().max() == close.max() and line.get_ydata().min() == close.min()  # no spike lost


def test_plot_of_other_results_and_edge_cases(bars: pd.DataFrame) -> None:
    flat = backtest.run(bars, entries=np.zeros(len(bars), bool), exits=np.zeros(len(bars), bool))
    assert len(flat.plot().axes) == 4  # no trade: no marker, still every panel
    one = backtest.run(bars.iloc[:1], entries=np.zeros(1, bool), exits=np.zeros(1, bool))
    one.plot().canvas.draw()
    two = backtest.run(bars, entries=pd.DataFrame({"a": np.zeros(len(bars), bool), "b": np.ones(len(bars), bool)},
                                                  index=bars.index), exits=np.zeros(len(bars), bool))
    with pytest.raises(ValidationError) as info:
        two.plot()
    assert info.value.fields == ["sim"]
    assert two.plot(sim="b").axes[0].get_ylabel() == "price"
    port = backtest.rebalance({"A": bars, "B": bars[["open", "high", "low", "close"]] * 1.1}, "equal")
    assert [a.get_ylabel() for a in port.plot().axes] == ["equity", "drawdown %"]  # no one price to draw


@pytest.mark.parametrize("kwargs, field", [
    ({"indicators": {"short": np.zeros(5)}}, "indicators['short']"),
    ({"indicators": [1, 2]}, "indicators"),
    ({"candles": "yes"}, "candles"),
    ({"columns": 0}, "columns"),
    ({"data": "bars"}, "data"),
])
def test_backtest_plot_bad_input(bars: pd.DataFrame, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        _run(bars).plot(**kwargs)
    assert field in info.value.fields
    with pytest.raises(ValidationError) as info:
        plot.backtest(object())
    assert info.value.fields == ["res"]


def test_heatmap_and_distribution_of_a_sweep(bars: pd.DataFrame) -> None:
    table = backtest.sweep("sma_cross", {"A": bars, "B": bars.iloc[100:]}, fast=[5, 10, 15], slow=[20, 40])
    fig = plot.heatmap(table, "fast", "slow", "sharpe", agg="max")  # the symbols aggregated per cell
    image = fig.axes[0].images[0].get_array()
    expected = table["Sharpe Ratio"].groupby(level=["slow", "fast"]).max().unstack().to_numpy()
    np.testing.assert_array_equal(np.ma.filled(image, np.nan), expected)
    hist = plot.distribution(table, "return", bins=4)
    counts = [p.get_height() for p in hist.axes[0].patches]
    assert sum(counts) == np.isfinite(table["Return [%]"]).sum()
    nan = table.assign(**{"Sharpe Ratio": np.nan})
    for call in (lambda: plot.heatmap(nan, "fast", "slow"), lambda: plot.distribution(nan)):
        with pytest.raises(ValidationError, match="NaN for every one") as info:
            call()
        assert info.value.fields == ["metric"]
    with pytest.raises(ValidationError) as info:
        plot.heatmap(table, "fast", "nope", agg="sum")
    assert {"y", "agg"} <= set(info.value.fields)


def test_without_matplotlib_plots_name_the_extra() -> None:
    from hide_modules import run_without

    run_without(["matplotlib"], """
        import numpy as np
        import pytest

        import threadx
        from threadx import backtest, plot
        from threadx.errors import MissingDependencyError

        bars = threadx.data.sample().iloc[:100]
        res = backtest.run(bars, entries=np.ones(100, bool), exits=np.zeros(100, bool))
        with pytest.raises(MissingDependencyError, match=r"plotting needs matplotlib.*threadx\\[plot\\]"):
            res.plot()
        table = backtest.sweep("sma_cross", bars, fast=[5, 10], slow=[20])
        with pytest.raises(MissingDependencyError, match=r"threadx\\[plot\\]"):
            plot.heatmap(table, "fast", "slow")
        assert len(plot.downsample(np.arange(10_000.0), 10)[0]) <= 50  # the core's part needs nothing
    """)


def test_a_portfolio_keeps_its_trades_when_no_sim_is_picked(bars: pd.DataFrame) -> None:
    """The trades of a result with several symbols are filtered only for a picked ``sim``."""
    from threadx.plot._backtest import _series_of
    from threadx._inputs import FieldErrors

    port = backtest.rebalance({"A": bars, "B": bars[["open", "high", "low", "close"]] * 1.1}, "equal")
    s = _series_of(port, None, None, FieldErrors())
    assert s is not None and s.trades is not None and len(s.trades) == len(port.trades) > 0


def test_stop_levels_are_drawn_where_the_stops_filled(bars: pd.DataFrame) -> None:
    """Each trade's stop-loss level (entry x (1 - 5 %) for a long) spans its bars; a stop-loss
    exit fills at or beyond it (at it, or at a gapped open below it)."""
    res = _run(bars, sl_stop=0.05, tp_stop=0.2)
    ax = res.plot().axes[0]
    trades = res.trades
    sl = next(c for c in ax.collections if c.get_label() == "stop-loss level")
    tp = next(c for c in ax.collections if c.get_label() == "take-profit level")
    sl_y = np.array([seg[0][1] for seg in sl.get_segments()])
    np.testing.assert_allclose(sl_y, trades["entry_price"].to_numpy() * 0.95)
    np.testing.assert_allclose([seg[0][1] for seg in tp.get_segments()], trades["entry_price"].to_numpy() * 1.2)
    assert [seg[0][0] for seg in sl.get_segments()] == trades["entry_bar"].tolist()
    stopped = (trades["exit_reason"] == "stop_loss").to_numpy()
    assert stopped.any() and (trades["exit_price"].to_numpy()[stopped] <= sl_y[stopped] + 1e-9).all()
    flat = _run(bars).plot().axes[0]  # no stops: no levels
    assert not [c for c in flat.collections if "level" in str(c.get_label())]


def test_a_strategys_bracket_levels_are_its_trades_sl_and_tp(bars: pd.DataFrame) -> None:
    class Bracketed(backtest.Strategy):
        def init(self) -> None:
            self.m = self.I(ta.SMA, self.data.Close, 10)

        def next(self) -> None:
            if self.data.Close[-1] > self.m[-1] and not self.position:
                self.buy(sl=self.data.Close[-1] * 0.95, tp=self.data.Close[-1] * 1.1)
    res = backtest.run(bars, strategy=Bracketed)
    ax = res.plot(data=bars).axes[0]
    trades = res.trades
    sl = next(c for c in ax.collections if c.get_label() == "stop-loss level")
    tp = next(c for c in ax.collections if c.get_label() == "take-profit level")
    np.testing.assert_allclose([seg[0][1] for seg in sl.get_segments()], trades["sl"].dropna().to_numpy())
    np.testing.assert_allclose([seg[0][1] for seg in tp.get_segments()], trades["tp"].dropna().to_numpy())
    assert len(trades) > 3


def test_per_bar_stops_of_a_run_are_drawn_at_the_signal_bars_value(bars: pd.DataFrame) -> None:
    stops = pd.Series(np.where(np.arange(len(bars)) % 2 == 0, 0.03, 0.06), index=bars.index)
    for execution in ("open", "close"):
        res = _run(bars, sl_stop=stops, execution=execution)
        trades = res.trades
        sl = next(c for c in res.plot().axes[0].collections if c.get_label() == "stop-loss level")
        signal = trades["entry_bar"].to_numpy() - (1 if execution == "open" else 0)
        expected = trades["entry_price"].to_numpy() * (1 - stops.to_numpy()[signal])
        np.testing.assert_allclose([seg[0][1] for seg in sl.get_segments()], expected)
        stopped = (trades["exit_reason"] == "stop_loss").to_numpy()
        assert stopped.any() and (trades["exit_price"].to_numpy()[stopped] <= expected[stopped] + 1e-9).all()


def test_heatmap_with_other_parameters_fixed(bars: pd.DataFrame) -> None:
    table = backtest.sweep("rsi_threshold", bars, timeperiod=[7, 14], lower=[20, 30], upper=[70, 80])
    fig = plot.heatmap(table, "lower", "upper", "return", fixed={"timeperiod": 14})
    image = np.ma.filled(fig.axes[0].images[0].get_array(), np.nan)
    part = table.xs(14, level="timeperiod")["Return [%]"]
    np.testing.assert_array_equal(image, part.groupby(level=["upper", "lower"]).max().unstack().to_numpy())
    assert not np.array_equal(image, np.ma.filled(plot.heatmap(table, "lower", "upper", "return", fixed={
        "timeperiod": 7}).axes[0].images[0].get_array(), np.nan))
    for fixed, field in (({"nope": 1}, "fixed['nope']"), ({"timeperiod": 99}, "fixed['timeperiod']"),
                         ("x", "fixed")):
        with pytest.raises(ValidationError) as info:
            plot.heatmap(table, "lower", "upper", fixed=fixed)
        assert field in info.value.fields
