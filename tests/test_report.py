"""issue 15 §2: the HTML tear sheet. quantstats' metrics against quantstats itself (parity rule);
the benchmark aligned by date; the report of every result type, of a sweep and of a
walk-forward; bad input as typed errors or a report that says what is missing; atomic writes."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import threadx
from threadx import backtest, report, research
from threadx.errors import ValidationError

pytest.importorskip("matplotlib")


def _frame(n: int, seed: int = 0, tz: str | None = "UTC", freq: str = "B") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, n)))
    open_ = close * np.exp(rng.normal(0.0, 0.004, n))
    high = np.maximum(open_, close) * (1.0 + rng.uniform(0.0, 0.01, n))
    low = np.minimum(open_, close) * (1.0 - rng.uniform(0.0, 0.01, n))
    idx = pd.date_range("2019-01-01", periods=n, freq=freq, tz=tz, name="time")
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close}, index=idx)


def _run(n: int = 400, **kw: Any) -> Any:
    frame = _frame(n)
    fast = frame["close"].rolling(5).mean()
    slow = frame["close"].rolling(20).mean()
    return backtest.run(frame, entries=(fast > slow).to_numpy(), exits=(fast < slow).to_numpy(), fees=0.001, **kw)


def _field(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [e["field"] for e in exc.value.errors]


# ----------------------------------------------------------------------------- quantstats parity

def _calmar(qs: Any, r: pd.Series) -> float:
    """quantstats' Calmar, except without a drawdown: quantstats divides by zero (a
    ZeroDivisionError), ThreadX says NaN (undefined, as backtesting.py's Calmar Ratio)."""
    try:
        return float(qs.stats.calmar(r))
    except ZeroDivisionError:
        return float("nan")


def _qs_metrics(qs: Any, r: pd.Series, b: pd.Series | None) -> dict[str, float]:
    with warnings.catch_warnings():  # quantstats warns on flat returns (0 / 0); ThreadX must not
        warnings.simplefilter("ignore")
        return _qs_metrics_quietly(qs, r, b)


def _qs_metrics_quietly(qs: Any, r: pd.Series, b: pd.Series | None) -> dict[str, float]:
    s = qs.stats
    out = {
        "Cumulative Return": s.comp(r), "CAGR": s.cagr(r), "Sharpe": s.sharpe(r),
        "Prob. Sharpe Ratio": s.probabilistic_sharpe_ratio(r), "Sortino": s.sortino(r),
        "Volatility (ann.)": s.volatility(r), "Calmar": _calmar(qs, r), "Max Drawdown": s.max_drawdown(r),
        "Daily Value-at-Risk": s.value_at_risk(r), "Expected Shortfall (cVaR)": s.conditional_value_at_risk(r),
        "Tail Ratio": s.tail_ratio(r), "Kelly Criterion": s.kelly_criterion(r), "Skew": s.skew(r),
        "Kurtosis": s.kurtosis(r), "Best Day": s.best(r), "Worst Day": s.worst(r),
        "Best Month": s.best(r, "ME"), "Worst Month": s.worst(r, "ME"), "Best Year": s.best(r, "YE"),
        "Worst Year": s.worst(r, "YE"),
    }
    if b is not None:
        g = s.greeks(r, b)
        out.update({"Alpha": g["alpha"], "Beta": g["beta"], "Information Ratio": s.information_ratio(r, b)})
    return {k: float(v) for k, v in out.items()}


def _random_returns(seed: int, n: int, zeros: float) -> pd.Series:
    rng = np.random.default_rng(seed)
    r = rng.standard_t(4, n) * 0.01 + 0.0004
    r[rng.random(n) < zeros] = 0.0  # flat days, as a strategy out of the market has
    return pd.Series(r, index=pd.bdate_range("2018-03-05", periods=n), name="returns")


@pytest.mark.parametrize("seed, n, zeros", [(0, 30, 0.0), (1, 300, 0.3), (2, 800, 0.6), (3, 5, 0.0)])
@pytest.mark.parametrize("with_benchmark", [False, True])
def test_metrics_match_quantstats(seed: int, n: int, zeros: float, with_benchmark: bool, assert_parity: Any) -> None:
    qs = pytest.importorskip("quantstats")
    r = _random_returns(seed, n, zeros)
    b = _random_returns(seed + 100, n, 0.0).rename("bench") * 0.7 + r * 0.3 if with_benchmark else None
    got = report.metrics(r, b)
    expected = _qs_metrics(qs, r, b)
    assert list(got.index) == list(expected)
    assert_parity(got.to_numpy(), np.array(list(expected.values())), np.r_[r.to_numpy(), 0 if b is None else b],
                  seed=seed, n=n, benchmark=with_benchmark)


@pytest.mark.parametrize("kind", ["flat", "gains only", "losses only"])
def test_metrics_of_degenerate_returns_match_quantstats(kind: str, assert_parity: Any) -> None:
    qs = pytest.importorskip("quantstats")
    base = np.abs(_random_returns(4, 60, 0.0).to_numpy()) + 0.001
    values = {"flat": np.zeros(60), "gains only": base * 0.1, "losses only": -base}[kind]
    r = pd.Series(values, index=pd.bdate_range("2021-01-04", periods=60))
    got = report.metrics(r)
    expected = _qs_metrics(qs, r, None)
    assert_parity(got.to_numpy(), np.array(list(expected.values())), r.to_numpy(), kind=kind)


def test_metrics_of_a_backtest_match_quantstats(assert_parity: Any) -> None:
    qs = pytest.importorskip("quantstats")
    res = _run(600)
    r = res.returns("D")
    assert (r == 0).any() and (r != 0).any()  # in and out of the market
    got = report.metrics(r)
    expected = _qs_metrics(qs, r, None)
    assert_parity(got.to_numpy(), np.array(list(expected.values())), r.to_numpy())


def test_metrics_are_not_tautological() -> None:
    """A changed return moves the metrics (so the parity test could fail)."""
    r = _random_returns(5, 300, 0.2)
    r2 = r.copy()
    r2.iloc[10] += 0.2
    a, b = report.metrics(r), report.metrics(r2)
    assert a["Sharpe"] != b["Sharpe"] and a["Best Day"] != b["Best Day"]


def test_benchmark_on_another_calendar_is_aligned_by_date(assert_parity: Any) -> None:
    qs = pytest.importorskip("quantstats")
    r = _random_returns(7, 250, 0.2)  # business days, tz-naive
    days = pd.date_range(r.index[0] - pd.Timedelta(days=3), r.index[-1] + pd.Timedelta(days=5), freq="D",
                         tz="America/New_York")
    rng = np.random.default_rng(8)
    prices = pd.Series(50 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days)))), index=days)  # every calendar day
    got = report.metrics(r, prices)
    # by hand: the benchmark's daily price returns (weekends included), on the strategy's dates
    daily = prices.tz_localize(None).pct_change()
    bench = daily.reindex(r.index)
    expected = _qs_metrics(qs, r, bench)
    for name in ("Alpha", "Beta", "Information Ratio"):
        assert_parity(got[name], expected[name], np.r_[r.to_numpy(), bench.to_numpy()], metric=name)


@pytest.mark.parametrize("bad, what", [
    (pd.Series([0.01, 0.02], index=pd.date_range("1990-01-01", periods=2)), "no date in common"),
    (pd.Series([0.01, 0.02]), "DatetimeIndex"),
    ([0.01, 0.02], "DatetimeIndex"),
    (pd.Series(["a", "b"], index=pd.date_range("2018-03-05", periods=2)), "numbers"),
])
def test_bad_benchmark_is_a_validation_error_naming_benchmark(bad: Any, what: str, tmp_path: Path) -> None:
    r = _random_returns(1, 50, 0.0)
    with pytest.raises(ValidationError, match=what) as exc:
        report.metrics(r, bad)
    assert _field(exc) == ["benchmark"]
    res = _run(100)
    with pytest.raises(ValidationError) as exc:
        res.report(tmp_path / "r.html", benchmark=bad)
    assert _field(exc) == ["benchmark"]
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- the tear sheets

_SECTIONS = ("Key metrics", "<h3>Returns metrics (quantstats)</h3><table>", "Monthly returns", "Yearly returns",
             "Rolling Sharpe and volatility", "Top 5 drawdown periods", "Trades (", "Trade PnL distribution",
             "Parameters and provenance")


def _self_contained(text: str) -> None:
    assert text.startswith("<!DOCTYPE html>")
    for ref in ("<link", " src=", "@import", "url(http", "<iframe"):
        assert ref not in text, ref  # nothing fetched
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids)), "duplicate ids across the inline SVGs"


def test_report_of_a_run(tmp_path: Path) -> None:
    res = _run(400)
    close = res._prep.bars.close
    bench = pd.Series(close, index=res.index)
    out = res.report(tmp_path / "report.html", benchmark=bench, title="SMA cross")
    assert out == tmp_path / "report.html"
    text = out.read_text(encoding="utf-8")
    _self_contained(text)
    for section in (*_SECTIONS, "Benchmark: relative equity", "Costs"):
        assert (section if section.startswith("<h3>") else f"<h2>{section}") in text, section
    for name in ("Sharpe Ratio", "SQN", "Prob. Sharpe Ratio", "Expected Shortfall (cVaR)", "Beta", "Information Ratio",
                 "data_sha256", "<title>SMA cross</title>", 'class="sortable"'):
        assert name in text, name
    assert text.count("<svg") == 6
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left
    assert oct(out.stat().st_mode & 0o777) == oct(0o644)


def test_report_of_from_orders_and_a_strategy_and_rebalance(tmp_path: Path) -> None:
    frame = _frame(300)
    size = np.zeros(len(frame))
    size[10::40], size[30::40] = 5.0, -5.0
    orders = backtest.from_orders(frame, size)
    text = orders.report(tmp_path / "orders.html").read_text(encoding="utf-8")
    assert "<h2>Trades (" in text and "<h2>Parameters and provenance" in text and "from_orders" in text

    class Cross(backtest.Strategy):
        def init(self) -> None:
            self.sma = self.I(lambda c: pd.Series(c).rolling(10).mean().to_numpy(), self.data.Close)

        def next(self) -> None:
            if self.data.Close[-1] > self.sma[-1] and not self.position:
                self.buy()
            elif self.data.Close[-1] < self.sma[-1] and self.position:
                self.position.close()

    strat = backtest.run(frame.rename(columns=str.capitalize), strategy=Cross)
    text = strat.report(tmp_path / "strategy.html").read_text(encoding="utf-8")
    assert "<h2>Key metrics" in text and "<h2>Trades (" in text
    port = backtest.rebalance({"a": _frame(300, 1), "b": _frame(300, 2)}, every=20, fees=0.001)
    text = port.report(tmp_path / "portfolio.html").read_text(encoding="utf-8")
    _self_contained(text)
    assert "<h2>Parameters and provenance" in text and "symbols" in text
    assert len(port.trades) > 1 and port.trades["symbol"].nunique() == 2
    assert f"<h2>Trades ({len(port.trades)})" in text  # every symbol's trades (once: none listed)


def test_report_of_shared_cash_orders_lists_every_symbols_trades(tmp_path: Path) -> None:
    size = np.zeros(300)
    size[10::40], size[30::40] = 5.0, -5.0
    res = backtest.from_orders({"a": _frame(300, 1), "b": _frame(300, 2)}, size, cash_sharing=True)
    assert res.trades["symbol"].nunique() == 2
    with pytest.raises(ValidationError) as exc:  # the overview's price panel needs a symbol, as res.plot()
        res.report(tmp_path / "orders.html")
    assert _field(exc) == ["sim"]
    text = res.report(tmp_path / "orders.html", sim="a").read_text(encoding="utf-8")
    assert f"<h2>Trades ({len(res.trades)})" in text  # the account's trades: both symbols'


def test_report_without_trades_says_so(tmp_path: Path) -> None:
    frame = _frame(120)
    res = backtest.run(frame, entries=np.zeros(len(frame), dtype=bool))
    text = res.report(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No closed trades" in text and "<h2>Trade PnL distribution" not in text
    assert "<h3>Returns metrics (quantstats)</h3><table>" in text  # the flat equity still has its metrics


def test_report_of_one_bar_says_what_is_missing(tmp_path: Path) -> None:
    frame = _frame(1)
    res = backtest.run(frame, entries=np.ones(1, dtype=bool))
    text = res.report(tmp_path / "r.html", benchmark=frame["close"]).read_text(encoding="utf-8")
    assert "0 daily return(s)" in text and "need at least two days" in text
    assert "<h2>Key metrics" in text and "<h2>Monthly returns" not in text


def test_report_without_a_datetime_index_says_what_is_missing(tmp_path: Path) -> None:
    frame = _frame(60).reset_index(drop=True)
    res = backtest.run(frame, entries=np.arange(60) % 10 == 0, exits=np.arange(60) % 10 == 5)
    text = res.report(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "not on a DatetimeIndex" in text and "<h2>Trades (" in text


def test_report_of_several_simulations_needs_sim(tmp_path: Path) -> None:
    frame = _frame(200)
    entries = pd.DataFrame({"a": np.arange(200) % 20 == 0, "b": np.arange(200) % 30 == 0}, index=frame.index)
    res = backtest.run(frame, entries=entries, exits=entries.shift(5, fill_value=False))
    with pytest.raises(ValidationError) as exc:
        res.report(tmp_path / "r.html")
    assert _field(exc) == ["sim"]
    text = res.report(tmp_path / "r.html", sim="b").read_text(encoding="utf-8")
    assert ", b</p>" in text
    assert f"<h2>Trades ({int((res.trades['sim'] == 'b').sum())})" in text


@pytest.mark.parametrize("kw, field", [({"rolling": 1}, "rolling"), ({"max_trades": -1}, "max_trades"),
                                       ({"title": 3}, "title")])
def test_bad_options_are_validation_errors(kw: dict[str, Any], field: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as exc:
        _run(100).report(tmp_path / "r.html", **kw)
    assert field in _field(exc)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["missing", "folder", "empty", "number"])
def test_bad_path_is_a_validation_error_naming_path(where: str, tmp_path: Path) -> None:
    path: Any = {"missing": tmp_path / "nope" / "r.html", "folder": tmp_path, "empty": "", "number": 3}[where]
    with pytest.raises(ValidationError) as exc:
        _run(60).report(path)
    assert _field(exc) == ["path"]
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.html"
    target.write_text("old", encoding="utf-8")

    def refuse(src: Any, dst: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("threadx.report._html.os.replace", refuse)
    with pytest.raises(ValidationError, match="cannot be written") as exc:
        _run(60).report(target)
    assert _field(exc) == ["path"]
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_a_validation_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ValidationError) as exc:
            _run(60).report(folder / "r.html")
        assert _field(exc) == ["path"]
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_a_global_matplotlib_style_does_not_leak_into_the_report(tmp_path: Path) -> None:
    import matplotlib

    with matplotlib.rc_context({"axes.facecolor": "#123456", "axes.grid": True}):
        text = _run(120).report(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "#123456" not in text
    assert "<svg" in text


def test_report_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text("old", encoding="utf-8")
    _run(60).report(str(target))
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_drawdown_periods_are_the_deepest_five() -> None:
    from threadx.report._metrics import drawdown_periods

    eq = pd.Series([1, 2, 1, 2, 3, 1.5, 3, 4, 3.9, 4, 4, 3, 2], dtype=float,
                   index=pd.date_range("2020-01-01", periods=13))
    dd = drawdown_periods(eq)
    assert dd["depth"].tolist() == pytest.approx([-0.5, -0.5, -0.5, -0.025], rel=1e-12)
    assert dd["start"].tolist()[:3] == [eq.index[1], eq.index[4], eq.index[10]]
    assert dd["end"].isna().tolist() == [False, False, True, False]
    assert dd["bars"].tolist() == [1, 1, 2, 1]


def test_sweep_report_with_and_without_partition_sums(tmp_path: Path) -> None:
    frame = _frame(300)
    table = backtest.sweep("sma_cross", frame, fast=[3, 5, 8], slow=[20, 30], partitions=4)
    text = report.sweep(table, tmp_path / "s.html").read_text(encoding="utf-8")
    _self_contained(text)
    assert "Deflated Sharpe ratio" in text and "PBO (probability of backtest overfitting)" in text
    assert text.count("<svg") == 2
    plain = backtest.sweep("sma_cross", frame, fast=[3, 5, 8], slow=[20, 30])
    text = report.sweep(plain, tmp_path / "p.html", metric="return").read_text(encoding="utf-8")
    assert "kept no partition sums" in text and "Return [%]" in text
    with pytest.raises(ValidationError) as exc:
        report.sweep(plain, tmp_path / "x.html", x="nope", y="slow")
    assert _field(exc) == ["x"]
    with pytest.raises(ValidationError) as exc:  # found by the fuzz: a frame as x was an untyped ValueError
        report.sweep(plain, tmp_path / "x.html", x=plain, y=None)
    assert _field(exc) == ["x", "y"]
    with pytest.raises(ValidationError) as exc:
        report.sweep("table", tmp_path / "x.html")
    assert _field(exc) == ["table"]


def test_walk_forward_report(tmp_path: Path) -> None:
    frame = _frame(500)
    wf = research.walk_forward("sma_cross", frame, research.WalkForward(train=200, test=100), fast=[3, 5],
                               slow=[20, 30])
    table = backtest.sweep("sma_cross", frame, fast=[3, 5], slow=[20, 30], partitions=4)
    text = report.walk_forward(wf, tmp_path / "wf.html", table=table).read_text(encoding="utf-8")
    _self_contained(text)
    assert "<h2>Chosen parameters per fold" in text and "in-sample" in text and "Deflated Sharpe ratio" in text
    assert "<h2>Stitched out-of-sample equity" in text
    with pytest.raises(ValidationError) as exc:
        report.walk_forward("wf", tmp_path / "x.html", table=3)
    assert sorted(_field(exc)) == ["table", "wf"]


def test_report_is_exported() -> None:
    assert threadx.report.backtest is report.backtest
    assert set(report.__all__) == {"backtest", "metrics", "sweep", "walk_forward"}


def test_without_matplotlib_the_report_names_the_extra(tmp_path: Path) -> None:
    from hide_modules import run_without

    run_without(["matplotlib"], f"""
        import numpy as np
        import pytest
        from pathlib import Path

        import threadx
        from threadx import backtest, report
        from threadx.errors import MissingDependencyError

        bars = threadx.data.sample().iloc[:100]
        res = backtest.run(bars, entries=np.ones(100, bool), exits=np.zeros(100, bool))
        with pytest.raises(MissingDependencyError, match=r"the HTML report needs matplotlib.*threadx\\[plot\\]"):
            res.report(Path({str(tmp_path)!r}) / "r.html")
        assert list(Path({str(tmp_path)!r}).iterdir()) == []
        assert report.metrics(res.returns("D")).notna().any()  # the numbers need nothing
    """)
