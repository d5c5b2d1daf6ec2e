"""One self-contained HTML page: sections of tables and inline SVG charts, a few lines of
inline script (sortable tables, the status the browser test reads), written atomically."""

from __future__ import annotations

import contextlib
import html
import io
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors
from threadx._optional import require

__all__ = ["Page", "check_path", "default_style", "write_atomic"]

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1180px;color:#222}
h1{font-size:24px;margin-bottom:4px} h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:28px}
table{border-collapse:collapse;font-size:13px;margin:8px 0} td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:right}
th{background:#f4f4f4;position:sticky;top:0} td:first-child,th:first-child{text-align:left}
table.sortable th{cursor:pointer} table.sortable th:after{content:" \\2195";color:#aaa}
.grid{display:flex;flex-wrap:wrap;gap:48px;align-items:flex-start} h3{font-size:15px;margin:8px 0} .missing{color:#a33;font-style:italic}
.chart svg{max-width:100%;height:auto} .scroll{max-height:480px;overflow:auto}
.sub{color:#666;font-size:13px}
"""

# Counts uncaught errors and console.error calls before anything else runs.
_HEAD_SCRIPT = """
window.__threadxErrors=0;window.addEventListener('error',function(){window.__threadxErrors++;});
(function(){var e=console.error;console.error=function(){window.__threadxErrors++;return e.apply(console,arguments);};})();
"""

# Sortable tables (click a header) and the status element the browser test reads.
_BODY_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function(t){
 t.querySelectorAll('th').forEach(function(th,k){th.addEventListener('click',function(){
  var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),asc=th.dataset.dir!=='asc';th.dataset.dir=asc?'asc':'desc';
  var key=function(r){var c=r.cells[k],v=c.dataset.v;return v!==undefined&&v!==''?parseFloat(v):c.textContent;};
  rows.sort(function(x,y){var a=key(x),c=key(y);var o=(typeof a==='number'&&typeof c==='number')?a-c:String(a).localeCompare(String(c));return asc?o:-o;});
  rows.forEach(function(r){b.appendChild(r);});});});});
function threadxStatus(){var charts=document.querySelectorAll('.chart svg'),empty=0;
 charts.forEach(function(s){var b=s.getBBox();if(!(b.width>0&&b.height>0))empty++;});
 var el=document.getElementById('threadx-status');el.dataset.errors=window.__threadxErrors;
 el.dataset.charts=charts.length;el.dataset.empty=empty;el.dataset.ready='1';}
threadxStatus();window.addEventListener('load',threadxStatus);
"""


def _fmt(value: Any, kind: str = "") -> tuple[str, str]:
    """A cell's text and its sort key (numbers sort as numbers)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "n/a", ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)), ""
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}", str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isinf(v):
            return ("inf" if v > 0 else "-inf"), ""
        text = f"{v * 100:,.2f}%" if kind == "%" else f"{v:,.4g}" if abs(v) < 1e3 else f"{v:,.2f}"
        return text, repr(v)
    if isinstance(value, pd.Timestamp):  # a midnight stamp (daily bars) as its date
        return (str(value.date()) if value == value.normalize() else str(value)), str(value.value)
    if isinstance(value, pd.Timedelta):
        return str(value), str(value.value)
    return str(value), ""


def _cell(tag: str, value: Any, kind: str = "") -> str:
    text, key = _fmt(value, kind)
    attr = f' data-v="{html.escape(key)}"' if key else ""
    return f"<{tag}{attr}>{html.escape(text)}</{tag}>"


def table_html(frame: pd.DataFrame, *, sortable: bool = False, percent: Iterable[str] = (), index: bool = True,
               max_rows: int | None = None) -> str:
    """An HTML table of ``frame`` (``percent`` columns as %; the first ``max_rows`` rows)."""
    pct = set(percent)
    shown = frame if max_rows is None else frame.head(max_rows)
    cols = list(shown.columns)
    names = shown.index.names if isinstance(shown.index, pd.MultiIndex) else [shown.index.name or ""]
    head = [str(n) for n in names] if index else []
    ths = "".join(f"<th>{html.escape(h)}</th>" for h in head + [str(c) for c in cols])
    body = []
    for label, row in zip(shown.index, shown.itertuples(index=False, name=None), strict=True):
        labels = (list(label) if isinstance(label, tuple) else [label]) if index else []
        cells = "".join(_cell("td", v) for v in labels)
        cells += "".join(_cell("td", v, "%" if c in pct else "") for c, v in zip(cols, row, strict=True))
        body.append(f"<tr>{cells}</tr>")
    cls = ' class="sortable"' if sortable else ""
    more = (f'<p class="sub">{len(frame) - len(shown):,} more rows not shown.</p>'
            if max_rows is not None and len(frame) > len(shown) else "")
    return f"<table{cls}><thead><tr>{ths}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def kv_html(items: Sequence[tuple[str, Any, str]]) -> str:
    """A two-column table of (name, value, kind) items."""
    rows = "".join(f"<tr><td>{html.escape(n)}</td>{_cell('td', v, k)}</tr>" for n, v, k in items)
    return f"<table><tbody>{rows}</tbody></table>"


def svg_of(fig: Any, key: str) -> str:
    """The matplotlib Figure as inline SVG, its ids prefixed with ``key`` (several charts on one
    page), text kept as text; the figure is closed."""
    matplotlib = require("matplotlib", extra="plot", feature="the HTML report")
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "threadx"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    return re.sub(r'(\bid="|url\(#|href="#)', rf"\g<1>{key}-", svg)


class Page:
    """Sections in order: ``add(title, body_html)``, ``chart(title, fig)``, ``missing(title, why)``."""

    def __init__(self, title: str, subtitle: str = "") -> None:
        self.title = title
        self.subtitle = subtitle
        self.sections: list[str] = []
        self._charts = 0

    def add(self, title: str, body: str) -> None:
        self.sections.append(f"<section><h2>{html.escape(title)}</h2>{body}</section>")

    def missing(self, title: str, why: str) -> None:
        """A section that says what is missing and why."""
        self.add(title, f'<p class="missing">{html.escape(why)}</p>')

    def chart_html(self, fig: Any) -> str:
        self._charts += 1
        return f'<div class="chart">{svg_of(fig, f"c{self._charts}")}</div>'

    def chart(self, title: str, fig: Any, note: str = "") -> None:
        extra = f'<p class="sub">{html.escape(note)}</p>' if note else ""
        self.add(title, self.chart_html(fig) + extra)

    def render(self) -> str:
        sub = f'<p class="sub">{html.escape(self.subtitle)}</p>' if self.subtitle else ""
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(self.title)}</title><style>{_CSS}</style><script>{_HEAD_SCRIPT}</script>"
                f"</head><body><h1>{html.escape(self.title)}</h1>{sub}{''.join(self.sections)}"
                '<div id="threadx-status" hidden></div>'
                f"<script>{_BODY_SCRIPT}</script></body></html>\n")


@contextlib.contextmanager
def default_style() -> Iterator[None]:
    """matplotlib's default style while the charts are made and saved (a style set globally,
    such as seaborn's that quantstats sets on import, does not leak into the page)."""
    style = require("matplotlib.style", extra="plot", feature="the HTML report")
    with style.context("default"):
        yield


def check_path(path: Any, errors: FieldErrors) -> Path | None:
    """The report's path: a str or PathLike whose folder exists (checked before any work)."""
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        errors.add("path", path, "must be a file path (str or os.PathLike), e.g. 'report.html'")
        return None
    p = Path(path)
    if p.is_dir():
        errors.add("path", str(p), "is a folder: give the file to write, e.g. 'report.html'")
        return None
    if not p.parent.is_dir():
        errors.add("path", str(p), f"is in a folder that does not exist ({p.parent})")
        return None
    return p


def write_atomic(path: Path, text: str) -> Path:
    """``text`` written to ``path`` through a temporary file in the same folder and a rename:
    ``path`` holds the old content or the new, never half; nothing is left on a failure
    (a ``ValidationError`` naming ``path``)."""
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0o600 would hide the report from other readers
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        errors = FieldErrors()
        errors.add("path", str(path), f"cannot be written ({exc.strerror or exc}); nothing was written")
        errors.raise_if_any()
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return path
