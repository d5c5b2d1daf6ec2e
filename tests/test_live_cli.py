"""``threadx live``: a SIGTERM mid-stream stops the service within 5 s with every accepted tick
in the Parquet output (counted), and bad configs exit 2 naming the fields."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("websockets")
pytest.importorskip("pyarrow")
pytest.importorskip("prometheus_client")

from threadx.live import read_sink, sample_ticks  # noqa: E402

EXCHANGES = ["binance", "coinbase", "kraken"]


def _threadx(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "threadx.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def test_sigterm_mid_stream_flushes_every_accepted_tick(tmp_path: Path) -> None:
    ticks = sample_ticks(duration="30min", rate=2.0, seed=5)
    path = tmp_path / "ticks.parquet"
    ticks.to_parquet(path)
    out = tmp_path / "out"
    config = tmp_path / "live.toml"
    config.write_text(f"""
[monitor]
exchanges = {json.dumps(EXCHANGES)}
window = "5min"

[sink]
directory = "{out}"
raw_ticks = true
flush_interval = 60.0

[server]
port = 0

[[feeds]]
name = "replay"
adapter = "replay"
path = "{path}"
speed = 120.0
""")
    proc = _threadx("live", "--config", str(config))
    try:
        time.sleep(3.0)  # a 30-minute file at 120x takes 15 s: stop it in the middle
        assert proc.poll() is None, proc.communicate()
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=10)
        elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    assert elapsed < 5.0
    report = json.loads(stdout)
    assert 0 < report["accepted"] < len(ticks) and report["in_time"] and report["task_errors"] == 0
    raw = read_sink(out, "ticks")
    assert len(raw) == report["accepted"] - report["dropped"] == report["processed"]
    assert len(read_sink(out, "spreads")) == report["rows"] > 0


def test_replay_option_runs_to_the_end(tmp_path: Path) -> None:
    ticks = sample_ticks(duration="2min", rate=2.0, seed=6)
    path = tmp_path / "ticks.csv"
    ticks.to_csv(path, index=False)
    proc = _threadx("live", "--replay", str(path), "--exchanges", ",".join(EXCHANGES), "--out", str(tmp_path / "o"))
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    report = json.loads(stdout)
    assert report["accepted"] == report["processed"] == len(ticks)
    assert len(read_sink(tmp_path / "o", "spreads")) == report["rows"] > 0


@pytest.mark.parametrize(("args", "words"), [
    (["live"], ["--config"]),
    (["live", "--config", "/no/such.toml"], ["cannot read"]),
    (["live", "--replay", "/no/such.parquet", "--exchanges", "a,b"], ["feeds[0]"]),
])
def test_bad_live_invocations_exit_2(args: list[str], words: list[str]) -> None:
    proc = _threadx(*args)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2, stderr
    for w in words:
        assert w in stderr
