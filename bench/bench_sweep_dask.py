#!/usr/bin/env python
"""A 100,000-combination built-in sweep on a 2-worker Dask ``LocalCluster`` against the same sweep
run here (issue 14 §5), side by side in one run.

    python bench/bench_sweep_dask.py            # sma_cross, 100,000 combinations on the bundled GOOG bars
    python bench/bench_sweep_dask.py --quick    # 10,000 combinations

- local: ``backtest.sweep("sma_cross", bars, fast=..., slow=...)`` on this process's TBB threads (2 here).
- cluster: the same call with ``client=`` a ``LocalCluster(n_workers=2, threads_per_worker=1,
  processes=True, host="127.0.0.1", dashboard_address=None)``: each worker runs its chunks on one
  thread. The cluster is started before the timing (a long-lived cluster is how it is used); the
  timed call includes scattering the data, the tasks, and gathering and ordering the table.
- per-chunk overhead: the same cluster sweep cut into about 200 chunks against the default
  chunking: ``(t_many - t_default) / (chunks_many - chunks_default)``.

Parity first: the cluster's table equals the local one (``DataFrame.equals``).  Target: the cluster
run loses at most 25 % to the local run on this 2-core machine (ratio local / cluster >= 0.8).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

from bench_backtest import bench

import threadx
from threadx import backtest, data
from threadx.backtest._sweep import builtin_chunk_size

ROW = "{:<46} {:>12} {:>11} {:>9} {:>9} {:>7}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 combinations")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    bars = data.sample()
    grid = {"fast": range(2, 102), "slow": range(2, 102 if args.quick else 1002)}
    n = len(grid["fast"]) * len(grid["slow"])
    print(f"ThreadX {threadx.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"{threadx.get_num_threads()} TBB threads here; sma_cross, {n:,} combinations x {len(bars):,} bars")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False}) as cluster, \
            Client(cluster) as client:
        local = backtest.sweep("sma_cross", bars, **grid)
        remote = backtest.sweep("sma_cross", bars, **grid, client=client)
        if not local.equals(remote):
            print("PARITY FAILED: the cluster's table differs from the local one")
            return 1
        default = builtin_chunk_size(n, 2)  # the sweep's default for 2 workers
        small = max(256, n // 200)
        chunks_default, chunks_small = -(-n // default), -(-n // small)
        t_local, t_cluster, t_small = bench([
            lambda: backtest.sweep("sma_cross", bars, **grid),
            lambda: backtest.sweep("sma_cross", bars, **grid, client=client),
            lambda: backtest.sweep("sma_cross", bars, **grid, client=client, chunk_size=small),
        ], args.repeats)
    ratio = t_local / t_cluster
    per_chunk = (t_small - t_cluster) / (chunks_small - chunks_default)
    print(ROW.format("command", "combos", "median ms", "chunks", "ratio", "target"))
    print(ROW.format("sweep(...) here (2 TBB threads)", f"{n:,}", f"{t_local:,.1f}", "", "", ""))
    print(ROW.format("sweep(..., client=) 2 workers x 1 thread", f"{n:,}", f"{t_cluster:,.1f}", chunks_default,
                     f"{ratio:.2f}", ">=0.80"))
    print(ROW.format(f"sweep(..., client=, chunk_size={small})", f"{n:,}", f"{t_small:,.1f}", chunks_small, "", ""))
    print(f"per-chunk overhead on the cluster: {per_chunk:.2f} ms "
          f"(({t_small:.1f} - {t_cluster:.1f}) ms / ({chunks_small} - {chunks_default}) chunks)")
    met = ratio >= 0.8
    lost = t_cluster / t_local - 1  # the time the cluster takes beyond the local run's
    print(f"cluster vs local: {'met' if met else 'MISSED'} (takes {lost:+.0%} of the local time; target: at most +25 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
