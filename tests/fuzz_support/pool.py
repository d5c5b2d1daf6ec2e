"""A small pool of watched worker processes running fuzz cases over pipes.

Each worker is a long-lived interpreter (``python -m fuzz_support.worker``) fed one case
at a time; the pool records a *crash* when a worker dies during a case and a *hang*
when a case runs past ``timeout`` seconds (the worker's thread stacks are dumped to its
stderr, then it is killed), and replaces the worker.  The replacement never sees the
case that killed its predecessor, so one bad case costs one case.
"""

from __future__ import annotations

import os
import pickle
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

from fuzz_support.case import Case

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/


@dataclass
class Outcome:
    case: Case
    cat: str
    detail: str
    seconds: float


class _Worker:
    def __init__(self, env: dict[str, str]) -> None:
        self.err: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker
        self.proc = subprocess.Popen([sys.executable, "-m", "fuzz_support.worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err, env=env, cwd=HERE,
                                     start_new_session=True)
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.buf = b""
        self.ready = False
        self.case: Case | None = None
        self.started: float | None = None
        self.tainted = 0
        self.spawned = time.monotonic()

    def send(self, case: Case) -> None:
        """Hand ``case`` to this worker (it announces ``START`` before running it)."""
        data = pickle.dumps(case, protocol=pickle.HIGHEST_PROTOCOL)
        assert self.proc.stdin is not None
        self.case, self.started = case, None
        self.proc.stdin.write(len(data).to_bytes(8, "little") + data)
        self.proc.stdin.flush()

    def lines(self) -> list[bytes] | None:
        """Complete protocol lines read now; None at end of file (the worker died)."""
        try:
            chunk = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return []
        if not chunk:
            return None
        self.buf += chunk
        *done, self.buf = self.buf.split(b"\n")
        return done

    def stderr_tail(self, n: int = 1500) -> str:
        self.err.seek(0, os.SEEK_END)
        size = self.err.tell()
        self.err.seek(max(0, size - n))
        return self.err.read().decode("utf-8", "replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass
        self.err.close()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = HERE + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("THREADX_NUM_THREADS", "1")
    env["PYTHONFAULTHANDLER"] = "1"
    return env


class Pool:
    """``workers`` watched processes; ``run(cases)`` returns one ``Outcome`` per case."""

    def __init__(self, workers: int = 2, timeout: float = 10.0, startup: float = 120.0,
                 taint_budget: int = 40) -> None:
        self.size, self.timeout, self.startup = workers, timeout, startup
        self.taint_budget = taint_budget
        self.scratch = tempfile.mkdtemp(prefix="threadx-fuzz-")  # the workers' files, removed by close()
        self.env = {**_env(), "TMPDIR": self.scratch}
        self.sel = selectors.DefaultSelector()
        self.workers: list[_Worker] = []
        self.replaced = 0
        self.orphans: list[str] = []
        for _ in range(workers):
            self._spawn()

    def _spawn(self) -> None:
        w = _Worker(self.env)
        self.sel.register(w.fd, selectors.EVENT_READ, w)
        self.workers.append(w)

    def _replace(self, w: _Worker) -> None:
        self.sel.unregister(w.fd)
        self.workers.remove(w)
        w.kill()
        self.replaced += 1
        self._spawn()

    def close(self) -> None:
        for w in list(self.workers):
            self.sel.unregister(w.fd)
            w.kill()
        self.workers.clear()
        self.sel.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def run(self, cases: Iterable[Case], progress: Callable[[Outcome], Any] | None = None) -> list[Outcome]:
        pending = _Lazy(_taints_last(cases))  # drawn as workers free up: generating overlaps running
        out: list[Outcome] = []

        def record(w: _Worker, cat: str, detail: str) -> None:
            assert w.case is not None
            secs = 0.0 if w.started is None else time.monotonic() - w.started
            o = Outcome(w.case, cat, detail, secs)
            out.append(o)
            w.tainted += o.case.taints
            w.case, w.started = None, None
            if progress is not None:
                progress(o)
            if w.tainted >= self.taint_budget and cat not in ("crash", "hang"):
                self._replace(w)

        while pending or any(w.case is not None for w in self.workers):
            for w in self.workers:
                if w.ready and w.case is None and pending:
                    w.send(pending.popleft())
            for key, _ in self.sel.select(timeout=0.1):
                self._read(key.data, record)
            self._watch(record)
        return out

    def _read(self, w: _Worker, record: Callable[[_Worker, str, str], None]) -> None:
        import json

        lines = w.lines()
        if lines is None:
            self._died(w, record)
            return
        for line in lines:
            if line == b"READY":
                w.ready = True
            elif line.startswith(b"START "):
                w.started = time.monotonic()
            elif line.startswith(b"{"):
                msg = json.loads(line)
                assert w.case is not None and msg["cid"] == w.case.cid
                record(w, msg["cat"], msg["detail"])

    def _died(self, w: _Worker, record: Callable[[_Worker, str, str], None]) -> None:
        code = w.proc.wait()
        tail = w.stderr_tail(1 << 16)
        if w.case is None:
            if not w.ready:
                raise RuntimeError(f"a fuzz worker died before it was ready (exit {code}):\n{tail}")
            self.orphans.append(f"a worker died between cases (exit {code}): {_last_lines(tail)}")
            self._replace(w)
            return
        why = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
        record(w, "crash", f"worker died ({why}); {_fatal(tail)}")
        self._replace(w)

    def _watch(self, record: Callable[[_Worker, str, str], None]) -> None:
        now = time.monotonic()
        for w in list(self.workers):
            if w.case is not None and w.started is not None and now - w.started > self.timeout:
                os.kill(w.proc.pid, signal.SIGUSR1)  # faulthandler: where it hangs, to stderr
                time.sleep(0.3)
                record(w, "hang", f"no answer after {self.timeout:g} s; stacks: {_last_lines(w.stderr_tail(4000), 12)}")
                self._replace(w)
            elif not w.ready and now - w.spawned > self.startup:
                raise RuntimeError(f"a fuzz worker did not start in {self.startup:g} s:\n{w.stderr_tail()}")


def _taints_last(cases: Iterable[Case]) -> Iterable[Case]:
    held = []
    for case in cases:
        if case.taints:
            held.append(case)
        else:
            yield case
    yield from held


class _Lazy:
    """An iterable's items one at a time, with a truth value (any left?)."""

    def __init__(self, items: Iterable[Case]) -> None:
        self.it = iter(items)
        self.head: deque[Case] = deque()

    def __bool__(self) -> bool:
        if not self.head:
            for case in self.it:
                self.head.append(case)
                break
        return bool(self.head)

    def popleft(self) -> Case:
        assert self
        return self.head.popleft()


def _fatal(text: str) -> str:
    """The fatal error and innermost Python frames faulthandler wrote (or the stderr tail)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("Extension modules")]
    start = max((i for i, ln in enumerate(lines) if "Fatal Python error" in ln or "ERROR: AddressSanitizer" in ln
                 or "runtime error:" in ln), default=max(0, len(lines) - 6))
    return " | ".join(lines[start:start + 8])


def _last_lines(text: str, n: int = 6) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-n:])
