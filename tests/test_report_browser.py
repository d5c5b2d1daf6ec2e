"""issue 15 §2: the tear sheet checked in a real browser. Headless Chromium opens the report
from a ``file://`` URL (no network: background networking and component updates off), the
page's own script records uncaught errors, console errors and each chart's drawing area in a
status element that ``--dump-dom`` returns, and a screenshot must not be blank.

``THREADX_SCREENSHOT_DIR=docs`` also copies the screenshot there (``docs/report.png``, the
README's image)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from threadx import backtest
from threadx.report._html import Page

pytest.importorskip("matplotlib")

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not found (Debian: apt-get install chromium; "
                                                         ".ci/run installs it when it can)")
FLAGS = ("--headless", "--disable-gpu", "--no-sandbox", "--disable-background-networking",
         "--disable-component-update")


def _chromium(url: str, profile: Path, *extra: str) -> str:
    cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--window-size=1280,2400", "--hide-scrollbars",
           *extra, url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


def _status(dom: str) -> dict[str, str]:
    m = re.search(r'<div id="threadx-status"([^>]*)>', dom)
    assert m is not None, "the page's status element is missing from the DOM"
    return dict(re.findall(r'data-(\w+)="([^"]*)"', m.group(1)))


def _sample_report(path: Path) -> Path:
    rng = np.random.default_rng(3)
    n = 700
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0004, 0.012, n)))
    idx = pd.bdate_range("2021-01-04", periods=n, tz="UTC", name="time")
    frame = pd.DataFrame({"open": close * np.exp(rng.normal(0, 0.003, n)), "close": close}, index=idx)
    frame["high"] = frame[["open", "close"]].max(axis=1) * 1.004
    frame["low"] = frame[["open", "close"]].min(axis=1) * 0.996
    fast, slow = frame["close"].rolling(10).mean(), frame["close"].rolling(40).mean()
    res = backtest.run(frame, entries=(fast > slow).to_numpy(), exits=(fast < slow).to_numpy(), fees=0.001,
                       sl_stop=0.05)
    bench = pd.Series(100.0 * np.exp(np.cumsum(rng.normal(0.0002, 0.01, n))), index=idx)
    out: Path = res.report(path, benchmark=bench, title="ThreadX tear sheet: SMA cross 10/40")
    return out


def test_report_loads_in_chromium_without_errors_and_draws_every_chart(tmp_path: Path) -> None:
    page = _sample_report(tmp_path / "report.html")
    charts = page.read_text(encoding="utf-8").count('<div class="chart">')
    assert charts == 6
    status = _status(_chromium(page.as_uri(), tmp_path / "profile", "--dump-dom"))
    assert status == {"errors": "0", "charts": str(charts), "empty": "0", "ready": "1"}
    shot = tmp_path / "report.png"
    _chromium(page.as_uri(), tmp_path / "profile", f"--screenshot={shot}")
    image = _read_png(shot)
    assert image.shape[0] >= 2000 and image.shape[1] >= 1200
    assert float(image[..., :3].var()) > 0.001, "the screenshot is blank"
    target = os.environ.get("THREADX_SCREENSHOT_DIR")
    if target:
        shutil.copyfile(shot, Path(target) / "report.png")


def test_the_status_reports_errors_and_empty_charts(tmp_path: Path) -> None:
    """The check can fail: a page with a throwing script, a console error and an empty chart."""
    p = Page("broken")
    p.add("empty chart", '<div class="chart"><svg width="10" height="10"></svg></div>')
    p.add("bad script", "<script>console.error('boom'); undefinedFunction();</script>")
    html = tmp_path / "broken.html"
    html.write_text(p.render(), encoding="utf-8")
    status = _status(_chromium(html.as_uri(), tmp_path / "profile", "--dump-dom"))
    assert status == {"errors": "2", "charts": "1", "empty": "1", "ready": "1"}


def test_tables_sort_numerically_on_click(tmp_path: Path) -> None:
    from threadx.report._html import table_html

    frame = pd.DataFrame({"pnl": [9.0, -2.5, 10.0, 1e3], "side": ["b", "a", "d", "c"]})
    p = Page("sorting")
    p.add("trades", table_html(frame, sortable=True, index=False))
    p.add("probe", """<div id="probe"></div><script>window.addEventListener('load', function () {
      var th = document.querySelectorAll('table.sortable th'), col = function (k) {
        return Array.prototype.map.call(document.querySelectorAll('tbody tr'), function (r) {
          return r.cells[k].textContent; }).join('|'); };
      th[0].click(); var up = col(0); th[0].click(); var down = col(0); th[1].click();
      var probe = document.getElementById('probe');
      probe.dataset.up = up; probe.dataset.down = down; probe.dataset.text = col(1); });</script>""")
    html = tmp_path / "sort.html"
    html.write_text(p.render(), encoding="utf-8")
    dom = _chromium(html.as_uri(), tmp_path / "profile", "--dump-dom")
    m = re.search(r'<div id="probe"([^>]*)>', dom)
    assert m is not None
    probe = dict(re.findall(r'data-(\w+)="([^"]*)"', m.group(1)))
    assert probe == {"up": "-2.5|9|10|1,000.00", "down": "1,000.00|10|9|-2.5", "text": "a|b|c|d"}
    assert _status(dom)["errors"] == "0"


def _read_png(path: Path) -> Any:
    image = pytest.importorskip("matplotlib.image")
    assert path.is_file() and path.stat().st_size > 0, "no screenshot written"
    return image.imread(str(path))
