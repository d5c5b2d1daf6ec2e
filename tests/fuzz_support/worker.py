"""A fuzz worker: reads pickled cases from stdin, announces each, runs it, reports its category.

Protocol on the original stdout (the call's own prints go to stderr): ``READY``, then per
case ``START <id>`` before running it and one JSON line ``{"cid", "cat", "detail"}`` after.
A worker that dies or stops answering is replaced by the pool; the case it was running
is recorded as a crash or a hang and never sent again.
"""

from __future__ import annotations

import faulthandler
import importlib
import json
import os
import pickle
import signal
import sys
import warnings


def _limit_memory() -> None:
    if "asan" in os.environ.get("LD_PRELOAD", "") or os.environ.get("THREADX_FUZZ_NO_RLIMIT"):
        return
    try:
        import resource

        gib = int(os.environ.get("THREADX_FUZZ_MEMORY_GIB", "4"))
        resource.setrlimit(resource.RLIMIT_AS, (gib << 30, gib << 30))
    except (ImportError, ValueError, OSError):
        pass


def main() -> None:
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    faulthandler.enable()
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    warnings.simplefilter("ignore")
    _limit_memory()
    for name in ("threadx", "threadx.backtest", "threadx.stream", "threadx.ta"):
        importlib.import_module(name)  # imported once, before the first case is timed

    from fuzz_support.case import classify

    proto.write("READY\n")
    stdin = sys.stdin.buffer
    while True:
        head = stdin.read(8)
        if len(head) < 8:
            return
        case = pickle.loads(stdin.read(int.from_bytes(head, "little")))
        proto.write(f"START {case.cid}\n")
        cat, detail = classify(case)
        proto.write(json.dumps({"cid": case.cid, "cat": cat, "detail": detail}) + "\n")


if __name__ == "__main__":
    main()
