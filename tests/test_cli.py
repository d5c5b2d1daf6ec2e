"""``threadx sweep`` (issue 14 §6): ``--walk-forward SPEC`` runs threadx.research.walk_forward with
the sweep's strategy, grid and options and prints the folds and the stitched stats; a bad spec is
argparse's error (exit code 2, no traceback); ``--out``, ``--resume`` and ``--client`` reach
``sweep``/``walk_forward`` as keywords only when given (recorded by a stand-in: the real
keywords are tested where they are implemented)."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import types

import pandas as pd
import pytest

import threadx.backtest
import threadx.research
from threadx import data
from threadx.cli import main, walk_forward_spec
from threadx.research import WalkForward

GRID = ["fast=5,10,20", "slow=30,60"]
WF = "train=504,test=252"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, object]]]:
    """Records the keywords of every sweep/walk_forward the CLI calls, then runs the real one
    without the keywords it does not take yet (out, resume, client)."""
    seen: list[tuple[str, dict[str, object]]] = []

    def recorder(name: str, real):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            seen.append((name, dict(kwargs)))
            for key in ("out", "resume", "client"):
                kwargs.pop(key, None)
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(threadx.backtest, "sweep", recorder("sweep", threadx.backtest.sweep))
    monkeypatch.setattr(threadx.research, "walk_forward", recorder("walk_forward", threadx.research.walk_forward))
    return seen


def test_walk_forward_prints_the_folds_and_the_stitched_stats(capsys: pytest.CaptureFixture[str],
                                                              calls: list[tuple[str, dict[str, object]]]) -> None:
    assert main(["sweep", "sma_cross", *GRID, "--fees", "0.002", "--walk-forward", WF]) == 0
    text = capsys.readouterr().out
    [(name, kwargs)] = calls
    assert name == "walk_forward" and kwargs["fees"] == 0.002 and kwargs["metric"] == "sharpe"
    wf = threadx.research.walk_forward("sma_cross", data.sample(), WalkForward(train=504, test=252),
                                       fast=[5, 10, 20], slow=[30, 60], fees=0.002)
    lines = text.splitlines()
    assert f"{len(wf.folds)} folds" in lines[0]
    for fold, row in wf.folds.iterrows():  # fold, train span, test span, fast, slow, IS metric, OOS metric ...
        [line] = [ln for ln in lines if ln.split()[:1] == [str(fold)]]
        cells = line.split()
        assert cells[1] == f"{row['train_start']:%Y-%m-%d}..{row['train_end']:%Y-%m-%d}"
        assert cells[2] == f"{row['test_start']:%Y-%m-%d}..{row['test_end']:%Y-%m-%d}"
        assert cells[3:6] == [str(row["fast"]), str(row["slow"]), f"{row['in-sample Sharpe Ratio']:,.3f}"]
        assert cells[-1] == str(row["# Trades"])
    stitched = lines[lines.index(next(ln for ln in lines if ln.startswith("stitched out-of-sample"))) + 1:]
    for key in ("Sharpe Ratio", "Return [%]", "Max. Drawdown [%]"):
        [line] = [ln for ln in stitched if ln.startswith(key)]
        assert line.split()[-1] == f"{wf.stats[key]:,.3f}"


def test_time_windows_on_hourly_bars_print_date_and_time(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    bars = data.sample().iloc[:900].copy()
    bars.index = pd.date_range("2024-01-01 09:00", periods=len(bars), freq="h", tz="UTC")
    bars.to_csv(tmp_path / "hourly.csv")
    assert main(["sweep", "sma_cross", *GRID, "--data", str(tmp_path / "hourly.csv"),
                 "--walk-forward", "train=10D,test=5D"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "5 folds" in lines[0]
    fold0 = next(ln for ln in lines if ln.startswith("0 "))
    assert fold0.split()[1:5] == ["2024-01-01", "09:00..2024-01-11", "08:00", "2024-01-11"]


@pytest.mark.parametrize(("spec", "expected"), [
    ("train=504,test=126", WalkForward(train=504, test=126)),
    (" train = 730D , test=182D,step=91D,anchored=1,purge=5,embargo=2,warmup=20",
     WalkForward(train="730D", test="182D", step="91D", anchored=True, purge=5, embargo=2, warmup=20)),
    ("train=504,test=126,anchored=yes", WalkForward(train=504, test=126, anchored=True)),
    ("train=504,test=126,anchored=False", WalkForward(train=504, test=126, anchored=False)),
])
def test_a_spec_is_a_walk_forward(spec: str, expected: WalkForward) -> None:
    assert walk_forward_spec(spec) == expected


@pytest.mark.parametrize(("spec", "message"), [
    ("train=504", "test= missing (given: train;"),
    ("train=504,tset=126", "test= missing (given: train, tset;"),
    ("test=126", "train= missing"),
    ("train504,test=126", "'train504' is not KEY=VALUE"),
    ("train=504,,test=126", "'' is not KEY=VALUE"),
    ("train=504,test=126,train=3", "train= is given twice"),
    ("train=504,test=12x", "1 invalid field: test=12x: must be a positive fixed-length time offset"),
    ("train=12.5,test=126", "1 invalid field: train=12.5: is a number without a unit (pandas would read nanoseconds)"),
    ("train=504,test=126,foo=3", "1 invalid field: foo=3: is not a keyword of threadx.research.splits."
                                 "WalkForward (valid: anchored, embargo, purge, step, test, train, warmup)"),
    ("train=504,test=126,stpe=5", "1 invalid field: stpe=5: is not a keyword of threadx.research.splits."
                                  "WalkForward (did you mean 'step'?)"),
    ("train=504,test=126,anchored=maybe", "1 invalid field: anchored=maybe: must be True or False"),
    ("train=-5,test=0", "2 invalid fields: train=-5: must be >= 1; test=0: must be >= 1"),
    ("train=504,test=126,purge=1.5", "1 invalid field: purge=1.5: must be an integer"),
    ("train=730D,test=126", "1 invalid field: test=126: must be of the same kind as train"),
])
def test_a_bad_spec_is_an_argparse_error(spec: str, message: str, capsys: pytest.CaptureFixture[str],
                                         calls: list[tuple[str, dict[str, object]]]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", "sma_cross", *GRID, "--walk-forward", spec])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"threadx sweep: error: argument --walk-forward: {message}" in err
    assert err.startswith("usage: threadx sweep") and "Traceback" not in err
    assert calls == []  # refused before any work


def test_a_bad_spec_exits_2_without_a_traceback() -> None:
    r = subprocess.run([sys.executable, "-m", "threadx.cli", "sweep", "sma_cross", "fast=5", "slow=30",
                        "--walk-forward", "train=504"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    assert "threadx sweep: error: argument --walk-forward: test= missing" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_spec_the_data_cannot_hold_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "sma_cross", *GRID, "--walk-forward", "train=100000,test=126"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("threadx: error: 1 invalid field: train=100000") and "no whole test window" in err


@pytest.mark.parametrize("walk", [False, True])
@pytest.mark.parametrize(("flags", "expected"), [
    ([], {}),
    (["--out", "results/"], {"out": "results/"}),
    (["--out", "results/", "--resume"], {"out": "results/", "resume": True}),
])
def test_out_and_resume_are_passed_only_when_given(flags: list[str], expected: dict[str, object], walk: bool,
                                                   calls: list[tuple[str, dict[str, object]]]) -> None:
    argv = ["sweep", "sma_cross", *GRID, *flags] + (["--walk-forward", WF] if walk else [])
    assert main(argv) == 0
    [(name, kwargs)] = calls
    assert name == ("walk_forward" if walk else "sweep")
    assert {k: kwargs[k] for k in ("out", "resume", "client") if k in kwargs} == expected


class FakeClient:
    """``distributed.Client`` as far as the CLI uses it: made from an address, closed once."""

    made: list[FakeClient] = []
    status = "running"  # what sweep checks of a client before any work

    def __init__(self, address: str) -> None:
        if address == "tcp://nowhere:1":
            raise OSError("Timed out trying to connect to tcp://nowhere:1")
        self.address = address
        self.closed = 0
        FakeClient.made.append(self)

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def fake_distributed(monkeypatch: pytest.MonkeyPatch) -> type[FakeClient]:
    monkeypatch.setitem(sys.modules, "distributed", types.SimpleNamespace(Client=FakeClient))
    FakeClient.made = []
    return FakeClient


@pytest.mark.parametrize("walk", [False, True])
def test_client_is_made_from_the_address_passed_and_closed(walk: bool, fake_distributed: type[FakeClient],
                                                           calls: list[tuple[str, dict[str, object]]],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    wf = ["--walk-forward", WF] if walk else []
    assert main(["sweep", "sma_cross", *GRID, *wf]) == 0
    assert fake_distributed.made == [] and "client" not in calls[-1][1]  # no --client: no client made

    open_during_call = []
    target = "walk_forward" if walk else "sweep"
    recording = getattr(threadx.research if walk else threadx.backtest, target)

    def check_open(*args, **kwargs):  # type: ignore[no-untyped-def]
        open_during_call.append(kwargs["client"].closed)
        return recording(*args, **kwargs)

    monkeypatch.setattr(threadx.research if walk else threadx.backtest, target, check_open)
    assert main(["sweep", "sma_cross", *GRID, *wf, "--client", "tcp://10.0.0.5:8786"]) == 0
    [client] = fake_distributed.made
    assert calls[-1][1]["client"] is client and client.address == "tcp://10.0.0.5:8786"
    assert open_during_call == [0] and client.closed == 1


def test_client_is_closed_when_the_sweep_fails(fake_distributed: type[FakeClient],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "sma_cross", "fast=1", "slow=20", "--client", "tcp://10.0.0.5:8786"]) == 2
    assert fake_distributed.made[0].closed == 1
    assert capsys.readouterr().err.startswith("threadx: error: ")


def test_client_errors_are_clean(fake_distributed: type[FakeClient], monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str],
                                 calls: list[tuple[str, dict[str, object]]]) -> None:
    assert main(["sweep", "sma_cross", *GRID, "--client", "tcp://nowhere:1"]) == 2
    assert capsys.readouterr().err.startswith("threadx: error: 1 invalid field: client=tcp://nowhere:1: no Dask "
                                              "scheduler reached there: Timed out")
    monkeypatch.setitem(sys.modules, "distributed", None)  # not installed
    assert main(["sweep", "sma_cross", *GRID, "--client", "tcp://10.0.0.5:8786"]) == 2
    err = capsys.readouterr().err
    assert "needs distributed" in err and "pip install 'threadx[dask]'" in err
    assert calls == []


def test_the_sweep_without_new_flags_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "sma_cross", *GRID, "--top", "2"]) == 0
    out = capsys.readouterr().out
    best = threadx.backtest.sweep("sma_cross", data.sample(), fast=[5, 10, 20], slow=[30, 60], fees=0.001, top_k=2)
    assert "top 2 by sharpe" in out.splitlines()[0]
    assert isinstance(best, pd.DataFrame) and f"{best['Sharpe Ratio'].iloc[0]:,.3f}" in out.splitlines()[3]


def test_out_and_resume_for_real(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--out DIR`` streams the sweep's chunks; ``--resume`` finishes it from them (the same table)."""
    out = tmp_path / "results"
    assert main(["sweep", "sma_cross", *GRID, "--out", str(out)]) == 0
    first = capsys.readouterr().out
    chunks = sorted(p.name for p in out.glob("chunk-*.parquet"))
    assert chunks and (out / "manifest.json").exists()
    assert main(["sweep", "sma_cross", *GRID, "--out", str(out)]) == 2  # a sweep is there: --resume or another
    assert "resume=True" in capsys.readouterr().err
    (out / chunks[-1]).unlink()
    assert main(["sweep", "sma_cross", *GRID, "--out", str(out), "--resume"]) == 0
    again = capsys.readouterr().out
    assert again.splitlines()[1:] == first.splitlines()[1:]  # the table (the first line has the time taken)
    assert main(["sweep", "sma_cross", *GRID, "--walk-forward", WF, "--out", str(tmp_path / "wf")]) == 0
    assert sorted(p.name for p in (tmp_path / "wf").iterdir())[0] == "fold-000"


def test_options_and_parameters_in_any_order(capsys: pytest.CaptureFixture[str]) -> None:
    """issue 15 §4: ``threadx sweep rsi_threshold --data F timeperiod=7,14`` (options between the
    parameters) is the same run as with the options last."""
    path = str(data.sample_path())
    orders = [["sweep", "rsi_threshold", "--data", path, "timeperiod=7,14", "lower=30", "upper=70", "--top", "2"],
              ["sweep", "--top", "2", "rsi_threshold", "timeperiod=7,14", "--data", path, "lower=30", "upper=70"],
              ["sweep", "rsi_threshold", "timeperiod=7,14", "lower=30", "upper=70", "--data", path, "--top", "2"]]
    tables = []
    for argv in orders:
        assert main(argv) == 0
        tables.append(capsys.readouterr().out.splitlines()[1:])
    assert tables[0] == tables[1] == tables[2] and len(tables[0]) == 4


def test_data_info(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "info", str(data.sample_path()), "--tz", "UTC"]) == 0
    out = capsys.readouterr().out
    frame = data.sample()
    assert f"{len(frame):,} rows" in out and "bar: 1 day" in out and "problems: none" in out
    assert f"span: {frame.index[0]} .. {frame.index[-1]}" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("date,open,high,low,close,volume\n2020-01-01,1,2,0.5,1.5,10\n2020-01-03,1,2,0.5,1.5,10\n"
                   "2020-01-02,1,2,0.5,1.5,10\n2020-01-06,1,0.2,0.5,1.5,10\n2020-01-07,1,2,0.5,1.5,10\n")
    assert main(["data", "info", str(bad), "--tz", "UTC"]) == 0
    out = capsys.readouterr().out
    assert "problems: 2 rows refused" in out and "unsorted: 1" in out and "ohlc: 1" in out
    assert "4 rows" in out and "gap of 4 days after 2020-01-03" in out
    assert main(["data", "info", str(bad)]) == 2  # naive times without --tz: load's error, exit 2
    assert "tz= is required" in capsys.readouterr().err
    assert main(["data", "info", str(tmp_path / "missing.csv")]) == 2
    assert capsys.readouterr().err.startswith("threadx: error: ")


def test_exit_code_1_for_a_failure_not_the_input(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from threadx.errors import BacktestError

    def failing(*args: object, **kwargs: object) -> None:
        raise BacktestError("a sweep worker process died")
    monkeypatch.setattr(threadx.backtest, "sweep", failing)
    assert main(["sweep", "sma_cross", *GRID]) == 1
    assert capsys.readouterr().err == "threadx: failed: BacktestError: a sweep worker process died\n"


@pytest.mark.parametrize("strategy, params, short", [
    ("sma_cross", ["fast=10", "slow=30"], False),
    ("rsi_threshold", ["timeperiod=14", "lower=30", "upper=70"], True),
])
def test_backtest_command_is_the_sweeps_row(strategy: str, params: list[str], short: bool, tmp_path: pathlib.Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """``threadx backtest`` runs the strategy's own signals: its stats are the sweep's row."""
    png = tmp_path / "bt.png"
    argv = ["backtest", strategy, *params, "--fees", "0.002", "--plot", str(png), *(["--short"] if short else [])]
    assert main(argv) == 0
    out = capsys.readouterr().out
    grid = {k: float(v) for k, v in (p.split("=") for p in params)}
    row = threadx.backtest.sweep(strategy, data.sample(), fees=0.002, short=short, **grid).iloc[0]
    for key in ("Sharpe Ratio", "Return [%]", "# Trades"):
        line = next(ln for ln in out.splitlines() if ln.startswith(key))
        assert float(line.split()[-1]) == pytest.approx(float(row[key]), rel=1e-6), key
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("argv, message", [
    (["backtest", "sma_cross", "fast=10,20", "slow=30"], "fast=[10.0, 20.0]: takes one value"),
    (["backtest", "sma_cross", "fast=10", "slow=30", "nope=3"], "nope"),
    (["backtest", "sma_cross", "fast=10"], "slow"),
])
def test_backtest_command_bad_input(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("threadx: error: ") and message in err


def test_sweep_out_then_report_and_backtest_report(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    """issue 15 §4: ``threadx sweep ... --out dir/``, ``threadx report dir/ --html``, and
    ``threadx backtest ... --report``: each page written whole, of the right kind."""
    out = tmp_path / "grid"
    assert main(["sweep", "sma_cross", *GRID, "--out", str(out)]) == 0
    html = tmp_path / "grid.html"
    assert main(["report", str(out), "--html", str(html), "--title", "My grid"]) == 0
    assert "DataFrame" in capsys.readouterr().out
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and "My grid" in page and "</html>" in page
    bt = tmp_path / "bt.html"
    assert main(["backtest", "sma_cross", "fast=10", "slow=30", "--report", str(bt)]) == 0
    assert "<svg" in bt.read_text()
    saved = tmp_path / "saved"
    threadx.backtest.run(data.sample(), entries=data.sample()["close"].diff() > 0,
                         exits=data.sample()["close"].diff() < 0).save(saved)
    assert main(["report", str(saved), "--html", str(tmp_path / "saved.html")]) == 0
    assert "BacktestResult" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nothing"), "--html", str(tmp_path / "x.html")]) == 2
    assert not (tmp_path / "x.html").exists()
