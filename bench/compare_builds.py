#!/usr/bin/env python
"""Time the signal path of two threadx builds alternately in one session (issue 13 § 5).

    python bench/compare_builds.py BASE_PYTHON NEW_PYTHON                  # cases 1 and 2, full sizes
    python bench/compare_builds.py BASE_PYTHON NEW_PYTHON --bars 100000 --rounds 3   # a quick check

Issue 13 § 5 asks that cases 1 and 2 of ``bench/bench_backtest.py`` (the signal path: one symbol x
1,000,000 bars, and a 1000 x 1000 signal matrix) "stay within 10 % of the pre-change commit's times,
measured in the same bench session (the two builds run alternately)".  The two builds are two Python
executables, each with its own threadx installed (two venvs).  Each round starts one child process
per build and case, in the order BASE, NEW in even rounds and NEW, BASE in odd ones (ABBA: a drift of
the machine's speed during the session weighs on both builds alike).  A child imports threadx, builds
the case's data with ``bench_backtest``'s generators (fixed seeds: the same bars and signals in every
child), makes the call of ``bench_backtest`` case 1/2 once untimed (warm-up), then ``--inner`` timed
calls, and prints its times, where its threadx and its compiled ``_core`` come from, and the result (final equity, closed
trades), so a build that changed the results is reported too.  The call is the same as in
``bench_backtest.py``: ``threadx.backtest.run(bars, entries=, exits=, **TX_OPTS)`` + the final
equity + the number of trades (per column in case 2).

Printed per case: the median ms of each build over all its timed calls, ratio = NEW / BASE of the
medians (< 1.10: within 10 %; < 1: NEW is faster), and the median of the per-round ratios (each
round's NEW child median / BASE child median: a paired estimate, less sensitive to slow drifts).

A second venv with the pre-change commit (``COMMIT``) installed, next to the working one
(``/work/venv`` here; the copy keeps numpy, pandas and the build requirements of ``pyproject.toml``,
which ``--no-build-isolation`` needs; cmake and ninja must be on PATH)::

    git -C /work/main worktree add --detach /work/wt-base COMMIT
    rm -rf /work/venv-base && cp -a /work/venv /work/venv-base
    /work/venv-base/bin/python -m pip install --no-build-isolation /work/wt-base
    /work/venv-base/bin/python -c "import threadx; print(threadx.__file__)"   # must not be /work/main
    python bench/compare_builds.py /work/venv-base/bin/python /work/venv/bin/python

(Call ``venv-base/bin/python -m pip``, not ``venv-base/bin/pip``: a copied venv's scripts keep the
original venv's path in their first line.  The build compiles the C++ core, a few minutes on two
cores; it writes into ``/work/wt-base/build``, apart from the working tree's build.  When done:
``git -C /work/main worktree remove /work/wt-base``.)  The script warns when both executables import
the same threadx files (package and ``_core``): then both rows time one build (useful only to see the noise of the method).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))

CHILD = """
import hashlib, json, sys, time
sys.path.insert(0, {bench_dir!r})
import numpy as np
import threadx
import threadx._core
from bench_backtest import TX_OPTS, random_ohlc, random_signals, txbt
bars, cols, inner = {bars}, {cols}, {inner}
df = random_ohlc(bars)
en, ex = random_signals((bars,) if cols == 1 else (bars, cols))

def call():
    r = txbt.run(df, entries=en, exits=ex, **TX_OPTS)
    if cols == 1:
        return float(r.equity.iloc[-1]), len(r.trades)
    return r.equity.iloc[-1].to_numpy(), np.bincount(r.trades["sim"].to_numpy(), minlength=cols)

final, trades = call()  # warm-up, not timed
ms = []
for _ in range(inner):
    t0 = time.perf_counter()
    call()
    ms.append((time.perf_counter() - t0) * 1e3)
digest = hashlib.sha256(np.ascontiguousarray(final, dtype=np.float64).tobytes()
                        + np.ascontiguousarray(trades, dtype=np.int64).tobytes()).hexdigest()[:16]
print(json.dumps(dict(ms=ms, threadx=threadx.__file__, core=threadx._core.__file__, threads=threadx.get_num_threads(),
                      result=digest, trades=int(np.sum(trades)))))
"""


@dataclass
class Side:
    """One build's timings of one case over the session."""

    python: str
    ms: list[float] = field(default_factory=list)
    child_medians: list[float] = field(default_factory=list)
    origins: set[str] = field(default_factory=set)
    results: set[str] = field(default_factory=set)


def run_child(python: str, bars: int, cols: int, inner: int, timeout: float) -> dict[str, object]:
    """One child process of one build: warm-up + ``inner`` timed calls; its JSON line."""
    code = CHILD.format(bench_dir=BENCH_DIR, bars=bars, cols=cols, inner=inner)
    p = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=timeout, check=False,
                       cwd=BENCH_DIR)
    if p.returncode != 0:
        raise RuntimeError(f"{python} failed ({p.returncode}): {p.stderr.strip()[-2000:]}")
    out: dict[str, object] = json.loads(p.stdout.strip().splitlines()[-1])
    return out


def record(side: Side, out: dict[str, object]) -> None:
    ms = [float(v) for v in out["ms"]]  # type: ignore[attr-defined]
    side.ms.extend(ms)
    side.child_medians.append(statistics.median(ms))
    side.origins.add(f"{out['threadx']}, core {out['core']} ({out['threads']} threads)")
    side.results.add(f"{out['result']} ({out['trades']:,} trades)")


def report(name: str, base: Side, new: Side, tolerance: float) -> None:
    m_base, m_new = statistics.median(base.ms), statistics.median(new.ms)
    paired = statistics.median(n / b for n, b in zip(new.child_medians, base.child_medians))
    ratio = m_new / m_base
    verdict = "within" if ratio <= 1 + tolerance else "OUTSIDE"
    print(f"{name:<22} BASE {m_base:9.2f} ms   NEW {m_new:9.2f} ms   NEW/BASE {ratio:5.3f} "
          f"(paired per round {paired:5.3f})   {verdict} {tolerance:.0%}   "
          f"[{len(base.ms)} + {len(new.ms)} timed calls]", flush=True)
    if base.results != new.results or len(base.results) != 1:
        print(f"{'':<22} RESULTS DIFFER: BASE {sorted(base.results)} vs NEW {sorted(new.results)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base", help="python executable of the reference build (the pre-change commit)")
    ap.add_argument("new", help="python executable of the build under test")
    ap.add_argument("--cases", default="1,2", help="1: one symbol x --bars; 2: --matrix x --matrix (default 1,2)")
    ap.add_argument("--bars", type=int, default=1_000_000, help="bars of case 1 (default 1,000,000)")
    ap.add_argument("--matrix", type=int, default=1000, help="bars = columns of case 2 (default 1000)")
    ap.add_argument("--rounds", type=int, default=7, help="child processes per build and case (default 7)")
    ap.add_argument("--inner", type=int, default=3, help="timed calls per child after its warm-up (default 3)")
    ap.add_argument("--tolerance", type=float, default=0.10, help="allowed slowdown NEW/BASE - 1 (default 0.10)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per child (default 600)")
    args = ap.parse_args()
    if args.rounds < 1 or args.inner < 1 or args.bars < 2 or args.matrix < 2:
        ap.error("--rounds and --inner must be >= 1, --bars and --matrix >= 2")
    for python in (args.base, args.new):
        if shutil.which(python) is None:
            ap.error(f"not an executable: {python}")
    shapes = {"1": (args.bars, 1), "2": (args.matrix, args.matrix)}
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in cases if c not in shapes]
    if unknown:
        ap.error(f"--cases: unknown case(s) {unknown}; this script runs cases 1 and 2")

    sides = {c: (Side(args.base), Side(args.new)) for c in cases}
    print(f"# BASE {args.base}\n# NEW  {args.new}\n# {args.rounds} rounds (ABBA order), warm-up + {args.inner} "
          f"timed calls per child; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    for rnd in range(args.rounds):
        for c in cases:
            bars, cols = shapes[c]
            pair = sides[c] if rnd % 2 == 0 else sides[c][::-1]
            for side in pair:
                record(side, run_child(side.python, bars, cols, args.inner, args.timeout))
    for c in cases:
        base, new = sides[c]
        bars, cols = shapes[c]
        report(f"case {c} ({bars:,}" + (")" if cols == 1 else f"x{cols})"), base, new, args.tolerance)
        for label, side in (("BASE", base), ("NEW", new)):
            print(f"{'':<22} {label} threadx: {', '.join(sorted(side.origins))}")
        if base.origins == new.origins:
            print(f"{'':<22} WARNING: both executables import the same threadx: both rows time one build")
    print(f"# load average now {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
