"""``threadx`` command line: ``threadx demo``, ``threadx sweep`` (``--walk-forward``, ``--out``,
``--resume``, ``--client``)."""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from threadx.research import WalkForward, WalkForwardResult

import numpy as np
import pandas as pd


def demo(window: int = 20, levels: Sequence[float] = (0.05, 0.5, 0.95), tail: int = 10) -> str:
    """Rolling quantile bands of the bundled GOOG closes and how often the close broke out."""
    import threadx
    from threadx import data, rolling

    df = data.sample()
    close = df["close"]
    t0 = time.perf_counter()
    bands = rolling.quantile(close, window, list(levels))
    assert isinstance(bands, pd.DataFrame)
    elapsed_ms = (time.perf_counter() - t0) * 1e3
    lo, mid, hi = (bands[q] for q in levels)
    # a breakout compares today's close with the band known at yesterday's close: no look-ahead
    prev_lo, prev_hi = lo.shift(1), hi.shift(1)
    valid = prev_lo.notna()
    above = (close > prev_hi) & valid
    below = (close < prev_lo) & valid
    n = int(valid.sum())

    table = pd.DataFrame({
        "close": close,
        f"q{levels[0]:g}": lo,
        f"q{levels[1]:g}": mid,
        f"q{levels[2]:g}": hi,
        "breakout": np.where(above, "up", np.where(below, "down", "")),
    }).tail(tail)
    table.index = pd.DatetimeIndex(table.index).strftime("%Y-%m-%d")
    lines = [
        f"ThreadX {threadx.__version__} demo: rolling {window}-day quantile bands of the close",
        f"data: {data.sample_path()} (daily NASDAQ:GOOG, {len(df)} bars "
        f"{df.index[0]:%Y-%m-%d}..{df.index[-1]:%Y-%m-%d}; attribution in threadx/data/ATTRIBUTION.md)",
        f"computed {len(levels)} exact quantiles over {len(df)} bars in {elapsed_ms:.2f} ms "
        f"on {threadx.get_num_threads()} thread(s)",
        "",
        table.to_string(float_format=lambda v: f"{v:,.2f}"),
        "",
        f"breakouts vs the previous day's band, over {n} days:",
        f"  above q{levels[2]:g}: {int(above.sum())} days ({above.sum() / n:.1%}); "
        f"below q{levels[0]:g}: {int(below.sum())} days ({below.sum() / n:.1%})",
        f"  (a close outside a {levels[0]:g}/{levels[2]:g} band of i.i.d. draws would happen "
        f"~{1 - (levels[2] - levels[0]):.0%} of days; trends make it cluster)",
    ]
    return "\n".join(lines)


def backtest_demo(fast: int = 10, slow: int = 20, fees: float = 0.002, progress: bool = False) -> str:
    """An SMA-crossover backtest and a small sweep on the bundled bars."""
    import threadx.ta as ta
    from threadx import backtest, data

    df = data.sample()
    close = df["close"]
    f, s = ta.SMA(close, timeperiod=fast), ta.SMA(close, timeperiod=slow)
    up = ((f > s) & (f.shift() <= s.shift())).astype(bool)
    down = ((f < s) & (f.shift() >= s.shift())).astype(bool)
    t0 = time.perf_counter()
    res = backtest.run(df, entries=up, short_entries=down, fees=fees)
    run_ms = (time.perf_counter() - t0) * 1e3
    keys = ["Return [%]", "Buy & Hold Return [%]", "Sharpe Ratio", "Max. Drawdown [%]", "# Trades", "Win Rate [%]"]
    stats = res.stats[keys]
    t0 = time.perf_counter()
    grid = backtest.sweep("sma_cross", df, fast=range(5, 51, 5), slow=range(10, 201, 10), fees=fees, short=True,
                          constraint=lambda p: p.fast < p.slow, top_k=5, progress=progress)
    sweep_ms = (time.perf_counter() - t0) * 1e3
    n_combos = sum(1 for a in range(5, 51, 5) for b in range(10, 201, 10) if a < b)
    lines = [
        f"backtest: SMA({fast}) x SMA({slow}) crossover, long and short, fees {fees:.1%}, fills at the next open "
        f"({run_ms:.1f} ms)",
        stats.to_string(),
        "",
        f"sweep: sma_cross over {n_combos} (fast, slow) pairs in {sweep_ms:.0f} ms; best by Sharpe ratio:",
        grid[["Sharpe Ratio", "Return [%]", "Max. Drawdown [%]", "# Trades"]].to_string(
            float_format=lambda v: f"{v:,.2f}"),
    ]
    return "\n".join(lines)


def _grid_value(text: str) -> list[float] | float:
    """``5:105`` / ``5:105:5`` (a range, end excluded), ``10,20,50`` (a list) or ``14``."""
    if ":" in text:
        parts = [float(v) for v in text.split(":")]
        start, stop = parts[0], parts[1]
        step = parts[2] if len(parts) > 2 else 1.0
        return list(np.arange(start, stop, step))
    if "," in text:
        return [float(v) for v in text.split(",")]
    return float(text)


_WF_USAGE = "KEY=VALUE,...: train=504,test=126[,step=..,anchored=1,purge=..,embargo=..,warmup=..]"
_WF_BOOLS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
_STAT_COLUMNS = ["Sharpe Ratio", "Return [%]", "Max. Drawdown [%]", "# Trades", "Win Rate [%]"]


def _spec_value(key: str, text: str) -> Any:
    """A ``--walk-forward`` value: ``anchored`` 1/0/true/false/yes/no, an integer (bars), else
    the text itself (a pandas offset such as ``730D``); ``WalkForward`` judges the result."""
    if key == "anchored":
        return _WF_BOOLS.get(text.lower(), text)
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else text


def walk_forward_spec(text: str) -> WalkForward:
    """``--walk-forward train=504,test=126[,step=..,anchored=1,purge=..,embargo=..,warmup=..]`` as
    a ``threadx.research.WalkForward`` (the keys are its keywords; ``train``, ``test`` and ``step``
    in bars or as fixed-length pandas offsets such as ``730D``).

    argparse's ``type=``: a spec that is not ``KEY=VALUE,...``, lacks ``train=`` or ``test=``,
    or that ``WalkForward`` refuses (an unknown key, a bad number) is an
    ``argparse.ArgumentTypeError``, which argparse prints with the usage (exit code 2).
    """
    from threadx.errors import ValidationError
    from threadx.research import WalkForward

    kwargs: dict[str, Any] = {}
    for item in text.split(","):
        key, sep, value = (part.strip() for part in item.partition("="))
        if not (sep and key and value):
            raise argparse.ArgumentTypeError(f"{item.strip()!r} is not KEY=VALUE ({_WF_USAGE})")
        if key in kwargs:
            raise argparse.ArgumentTypeError(f"{key}= is given twice")
        kwargs[key] = _spec_value(key, value)
    missing = [f"{k}=" for k in ("train", "test") if k not in kwargs]
    if missing:
        raise argparse.ArgumentTypeError(f"{' and '.join(missing)} missing (given: {', '.join(kwargs)}; {_WF_USAGE})")
    try:
        return WalkForward(**kwargs)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parse_grid(params: Sequence[str]) -> dict[str, Any]:
    """``NAME=VALUES`` arguments as a sweep's grid (ValidationError naming a bad one)."""
    from threadx.errors import ValidationError

    grid: dict[str, Any] = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValidationError([{"field": "param", "value": item, "message": "must be NAME=VALUES"}])
        try:
            grid[name] = _grid_value(value)
        except ValueError:
            raise ValidationError([{"field": name, "value": value,
                                    "message": "must be a number, a list 10,20,50 or a range 5:105[:5]"}]) from None
    return grid


def _dask_client(address: str, stack: contextlib.ExitStack) -> Any:
    """``distributed.Client(address)``, closed when ``stack`` closes (``MissingDependencyError``
    without distributed; a ``ValidationError`` naming the address when no scheduler answers)."""
    from threadx._optional import require
    from threadx.errors import ValidationError

    distributed = require("distributed", extra="dask", feature="--client (a sweep on a Dask cluster)")
    try:
        client = distributed.Client(address)
    except (OSError, ValueError) as exc:  # refused, timed out (TimeoutError is an OSError), a malformed address
        raise ValidationError([{"field": "client", "value": address,
                                "message": f"no Dask scheduler reached there: {exc}"}]) from None
    stack.callback(client.close)
    return client


def sweep_command(strategy: str, data_path: str | None, params: Sequence[str], *, fees: float, short: bool,
                  top: int, metric: str, progress: bool, walk_forward: WalkForward | None = None,
                  out: str | None = None, resume: bool = False, client: str | None = None) -> str:
    """``threadx sweep``: a built-in strategy over a grid, best rows first; with ``walk_forward``
    (a ``WalkForward``), a walk-forward of the same strategy, grid and options instead.

    ``out``, ``resume`` and ``client`` (a Dask scheduler address: a ``distributed.Client`` made
    here and closed before this returns) are passed to the sweep or the walk-forward as
    ``out=``, ``resume=True`` and ``client=`` only when given.
    """
    from threadx import data

    bars = data.load(data_path, tz="UTC") if data_path else data.sample()
    grid = _parse_grid(params)
    source = f"{data_path or data.sample_path()} ({len(bars)} bars)"
    with contextlib.ExitStack() as stack:
        extra: dict[str, Any] = {**({"out": out} if out else {}), **({"resume": True} if resume else {}),
                                 **({"client": _dask_client(client, stack)} if client else {})}
        options = {"fees": fees, "metric": metric, **({"short": True} if short else {}), **extra, **grid}
        if walk_forward is not None:
            return _walk_forward_report(strategy, bars, walk_forward, source, {**options, "progress": progress})
        return _sweep_report(strategy, bars, source, top, progress, options)


def backtest_command(strategy: str, data_path: str | None, params: Sequence[str], *, fees: float, short: bool,
                     tz: str | None = None, report: str | None = None, plot: str | None = None) -> str:
    """``threadx backtest``: one run of a built-in strategy with one value per parameter (its
    signals made by the sweep's own code, so the stats are the sweep's row), its stats and the
    last trades; ``report`` writes the HTML tear sheet, ``plot`` a PNG of ``res.plot()``."""
    from threadx import backtest, data
    from threadx.backtest._sweep import builtin_signals
    from threadx.errors import ValidationError

    bars = data.load(data_path, tz=tz or "UTC") if data_path else data.sample()
    grid = _parse_grid(params)
    several = [k for k, v in grid.items() if isinstance(v, list) and len(v) != 1]
    if several:
        raise ValidationError([{"field": several[0], "value": repr(grid[several[0]]),
                                "message": "takes one value in a backtest (threadx sweep takes several)"}])
    one = {k: (v[0] if isinstance(v, list) else v) for k, v in grid.items()}
    options = {"fees": fees, **({"short": True} if short else {})}
    signals: dict[str, Any] = dict(builtin_signals(strategy, bars, one, options))
    if not short:
        signals = {k: v for k, v in signals.items() if not k.startswith("short")}
    t0 = time.perf_counter()
    res = backtest.run(bars, fees=fees, **signals)
    ms = (time.perf_counter() - t0) * 1e3
    lines = [f"backtest {strategy} {' '.join(f'{k}={v:g}' for k, v in one.items())} on "
             f"{data_path or data.sample_path()} ({len(bars)} bars) in {ms:.1f} ms",
             res.stats.to_string()]
    if plot:
        res.plot().savefig(plot)
        lines.append(f"plot: {plot}")
    if report:
        res.report(report)
        lines.append(f"report: {report}")
    return "\n".join(lines)


def report_command(folder: str, html: str, *, title: str | None = None) -> str:
    """``threadx report DIR --html OUT``: the tear sheet of a saved result (``res.save``), a saved
    sweep table or a finished ``sweep(..., out=DIR)`` folder, or a saved walk-forward."""
    import pandas as pd

    from threadx import backtest, report
    from threadx.research import WalkForwardResult

    obj = backtest.load(folder)
    kw: dict[str, Any] = {"title": title} if title else {}
    if isinstance(obj, pd.DataFrame):
        path = report.sweep(obj, html, **kw)
    elif isinstance(obj, WalkForwardResult):
        path = report.walk_forward(obj, html, **kw)
    else:
        path = report.backtest(obj, html, **kw)
    return f"report of {folder} ({type(obj).__name__}): {path}"


def _sweep_report(strategy: str, bars: pd.DataFrame, source: str, top: int, progress: bool,
                  options: dict[str, Any]) -> str:
    from threadx import backtest

    t0 = time.perf_counter()
    out: pd.DataFrame = backtest.sweep(strategy, bars, top_k=top, progress=progress, **options)
    ms = (time.perf_counter() - t0) * 1e3
    return (f"sweep {strategy} on {source} in {ms:.0f} ms; top {len(out)} by {options['metric']}:\n"
            + out[_STAT_COLUMNS].to_string(float_format=lambda v: f"{v:,.3f}"))


def _walk_forward_report(strategy: str, bars: pd.DataFrame, splits: WalkForward, source: str,
                         options: dict[str, Any]) -> str:
    """The per-fold table (train and test spans, the chosen parameters, the in-sample metric, the
    out-of-sample metric, return and trades) and the stitched out-of-sample stats."""
    from threadx import research

    t0 = time.perf_counter()
    wf: WalkForwardResult = research.walk_forward(strategy, bars, splits, **options)
    ms = (time.perf_counter() - t0) * 1e3
    folds = wf.folds.copy()
    for side in ("train", "test"):
        folds[side] = _spans(list(folds.pop(f"{side}_start")), list(folds.pop(f"{side}_end")))
    key = wf.metric
    folds = folds.rename(columns={f"in-sample {key}": f"IS {key}", f"out-of-sample {key}": f"OOS {key}",
                                  "out-of-sample Return [%]": "OOS Return [%]"})
    folds = folds[["train", "test"] + [c for c in folds.columns if c not in ("train", "test")]]
    stats = wf.stats[["Start", "End", *dict.fromkeys([key, *_STAT_COLUMNS])]]
    return "\n".join([
        f"walk-forward {strategy} on {source}, {splits!r}: {len(folds)} folds in {ms:.0f} ms",
        f"per fold: parameters chosen by {key} on the train bars (IS, in-sample), traded on the test bars "
        "(OOS, out-of-sample)",
        folds.to_string(float_format=lambda v: f"{v:,.3f}"),
        "",
        f"stitched out-of-sample equity ({len(wf.equity)} bars, the cash carried from fold to fold):",
        stats.to_string(float_format=lambda v: f"{v:,.3f}"),
    ])


def live_command(config: str | None, *, replay: str | None = None, speed: float | None = None,
                 exchanges: str | None = None, port: int | None = None, out: str | None = None) -> str:
    """``threadx live --config live.toml`` (or ``--replay ticks.parquet``): the spread monitor until
    SIGINT/SIGTERM (or the replay's end); prints the stop report as JSON."""
    import asyncio
    import json
    import logging

    from threadx.live import load_config, run_monitor

    cfg: dict[str, Any] = load_config(config) if config else {}
    if replay:
        cfg.setdefault("feeds", []).append({"name": "replay", "adapter": "replay", "path": replay, "speed": speed})
    if exchanges:
        cfg.setdefault("monitor", {})["exchanges"] = [e.strip() for e in exchanges.split(",") if e.strip()]
    if port is not None:
        cfg.setdefault("server", {})["port"] = port
    if out:
        cfg.setdefault("sink", {})["directory"] = out
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    report = asyncio.run(run_monitor(cfg))
    return json.dumps(report, indent=1)


def _spans(starts: list[Any], ends: list[Any]) -> list[str]:
    """``start..end`` per fold: dates when every boundary is midnight (daily bars), else date and
    time; positions (data without a DatetimeIndex) as they are."""
    stamps = [v for v in starts + ends if isinstance(v, pd.Timestamp)]
    fmt = "%Y-%m-%d" if all(v == v.normalize() for v in stamps) else "%Y-%m-%d %H:%M"

    def text(v: Any) -> str:
        return v.strftime(fmt) if isinstance(v, pd.Timestamp) else str(v)

    return [f"{text(a)}..{text(b)}" for a, b in zip(starts, ends, strict=True)]


# exit codes: 0 done, 2 bad input (a refused argument, option or file: the typed error's message), 1 a failure
BAD_INPUT, FAILURE = 2, 1


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The command line's parser and each command's own (parsed with options and positionals
    in any order: ``threadx sweep rsi_threshold --data F timeperiod=7,14``)."""
    parser = argparse.ArgumentParser(prog="threadx", description="ThreadX command line")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="quantile bands, a backtest and a sweep on the bundled daily data")
    p_demo.add_argument("--window", type=int, default=20, help="window in bars (default 20)")
    p_demo.add_argument("--tail", type=int, default=10, help="rows to print (default 10)")
    p_sweep = sub.add_parser("sweep", help="a built-in strategy over a parameter grid")
    p_sweep.add_argument("strategy", help="sma_cross, ema_cross, rsi_threshold, bbands_reversion, "
                         "donchian_breakout or quantile_band")
    p_sweep.add_argument("params", nargs="*", help="NAME=VALUES: 14, 10,20,50 or 5:105[:5] (end excluded)")
    p_sweep.add_argument("--data", help="an OHLC(V) file threadx.data.load reads (default: the bundled GOOG)")
    p_sweep.add_argument("--fees", type=float, default=0.001)
    p_sweep.add_argument("--short", action="store_true", help="add the mirrored short side")
    p_sweep.add_argument("--top", type=int, default=10, help="rows to print (default 10; not with --walk-forward)")
    p_sweep.add_argument("--metric", default="sharpe", help="the column to rank by (default sharpe)")
    p_sweep.add_argument("--walk-forward", type=walk_forward_spec, metavar="SPEC",
                         help="a walk-forward instead: train=504,test=126[,step=..,anchored=1,purge=..,embargo=..,"
                         "warmup=..], windows in bars or pandas offsets (train=730D); prints each fold's chosen "
                         "parameters and its in-sample and out-of-sample results, then the stitched out-of-sample "
                         "stats")
    p_sweep.add_argument("--out", metavar="DIR", help="stream the results to Parquet chunks in DIR (out=DIR)")
    p_sweep.add_argument("--resume", action="store_true", help="compute only the chunks missing in --out (resume=True)")
    p_sweep.add_argument("--client", metavar="ADDRESS",
                         help="run on a Dask cluster: its scheduler's address (client=distributed.Client(ADDRESS))")
    p_bt = sub.add_parser("backtest", help="one run of a built-in strategy: its stats (and a report or a plot)")
    p_bt.add_argument("strategy", help="sma_cross, ema_cross, rsi_threshold, bbands_reversion, "
                      "donchian_breakout or quantile_band")
    p_bt.add_argument("params", nargs="*", help="NAME=VALUE, one value each: fast=10 slow=30")
    p_bt.add_argument("--data", help="an OHLC(V) file threadx.data.load reads (default: the bundled GOOG)")
    p_bt.add_argument("--tz", help="the zone of the file's naive timestamps (default UTC)")
    p_bt.add_argument("--fees", type=float, default=0.001)
    p_bt.add_argument("--short", action="store_true", help="add the mirrored short side")
    p_bt.add_argument("--report", metavar="HTML", help="write the HTML tear sheet there (res.report)")
    p_bt.add_argument("--plot", metavar="PNG", help="write res.plot() there (matplotlib, threadx[plot])")
    p_rep = sub.add_parser("report", help="the HTML tear sheet of a saved result, sweep or walk-forward")
    p_rep.add_argument("folder", help="a folder written by res.save / threadx.backtest.save, or a finished "
                       "sweep(..., out=DIR)")
    p_rep.add_argument("--html", required=True, metavar="OUT", help="the HTML file to write")
    p_rep.add_argument("--title", help="the page's title")
    p_data = sub.add_parser("data", help="data files: threadx data info FILE")
    p_data.add_argument("action", choices=["info"], help="info: rows, span, bar size, gaps, validation problems")
    p_data.add_argument("file", help="an OHLC(V) file threadx.data.load reads (CSV, TXT, JSON, Parquet)")
    p_data.add_argument("--tz", help="the zone of naive timestamps (as threadx.data.load's tz=)")
    p_live = sub.add_parser("live", help="the live spread monitor (threadx[live]): threadx live --config live.toml")
    p_live.add_argument("--config", metavar="TOML", help="the monitor's config file (see docs/live.md)")
    p_live.add_argument("--replay", metavar="FILE", help="add a replay feed of a recorded tick file (CSV/Parquet)")
    p_live.add_argument("--speed", type=float, help="replay time compression (60: a minute a second; default: "
                        "as fast as possible)")
    p_live.add_argument("--exchanges", help="the exchanges of the replayed ticks: a,b,c")
    p_live.add_argument("--port", type=int, help="serve subscribers, /health and /metrics on 127.0.0.1:PORT")
    p_live.add_argument("--out", metavar="DIR", help="write the spreads (and the config's sink options) to DIR")
    return parser, {"demo": p_demo, "sweep": p_sweep, "backtest": p_bt, "report": p_rep, "data": p_data,
                    "live": p_live}


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser, commands = _parser()
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in commands:
        return parser.parse_args(args)  # the usage, or --help / an unknown command (exit 2)
    ns = commands[args[0]].parse_intermixed_args(args[1:])
    ns.command = args[0]
    return ns


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    from threadx.errors import DataError, MissingDependencyError, ThreadXError, ValidationError

    try:
        if args.command == "demo":
            print(demo(window=args.window, tail=args.tail))
            print()
            print(backtest_demo(progress=sys.stderr.isatty()))
        elif args.command == "sweep":
            print(sweep_command(args.strategy, args.data, args.params, fees=args.fees, short=args.short,
                                top=args.top, metric=args.metric, progress=sys.stderr.isatty(),
                                walk_forward=args.walk_forward, out=args.out, resume=args.resume, client=args.client))
        elif args.command == "backtest":
            print(backtest_command(args.strategy, args.data, args.params, fees=args.fees, short=args.short,
                                   tz=args.tz, report=args.report, plot=args.plot))
        elif args.command == "report":
            print(report_command(args.folder, args.html, title=args.title))
        elif args.command == "data":
            from threadx.data._info import info, info_text

            print(info_text(args.file, info(args.file, tz=args.tz)))
        elif args.command == "live":
            if not args.config and not args.replay:
                print("threadx: error: live needs --config FILE or --replay FILE", file=sys.stderr)
                return BAD_INPUT
            print(live_command(args.config, replay=args.replay, speed=args.speed, exchanges=args.exchanges,
                               port=args.port, out=args.out))
    except (ValidationError, DataError, MissingDependencyError) as exc:
        print(f"threadx: error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except ThreadXError as exc:  # a run that failed (a worker died, cancelled, ...), not the input
        print(f"threadx: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return FAILURE
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
