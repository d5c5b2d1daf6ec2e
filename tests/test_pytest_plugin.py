"""The pytest plugin (issue 14 §1): registered through the ``pytest11`` entry point, it gives
``threadx_bars`` and ``threadx_coordinator``, a started coordinator shut down after the test
(no job, task or thread left), also when the test fails.  Run with ``pytester``: a pytest
session inside this one, whose items a spy plugin inspects after their teardown."""

from __future__ import annotations

import threading

import pytest

pytest_plugins = ["pytester"]

INNER = """
import asyncio
import time

import numpy as np
import pytest

import threadx
import threadx.pytest_plugin

JOBS = []   # the jobs and tasks a test leaves behind, for the spy to look at after the teardown
TASKS = []


class UntilCancelled:
    '''Runs until its cancel token is set.'''

    def validate(self):
        return self

    def run(self, cancel):
        while not cancel.cancelled:
            time.sleep(0.002)
        cancel.check()


class IgnoresCancel:
    def validate(self):
        return self

    def run(self):
        time.sleep(0.8)


def test_a_job_runs(threadx_coordinator):
    co = threadx_coordinator.coordinator
    x = np.arange(50.0)
    job = threadx_coordinator.run(co.submit(threadx.RollingRequest(values=x, window=5)))
    np.testing.assert_allclose(threadx_coordinator.run(job)[4:], np.arange(2.0, 48.0))
    assert threadx_coordinator.run(asyncio.sleep(0, "ok")) == "ok"


def test_fails_with_a_job_running_and_a_task_pending(threadx_coordinator):
    co = threadx_coordinator.coordinator
    job = threadx_coordinator.run(co.submit(UntilCancelled()))
    JOBS.append(job)

    async def pending():
        TASKS.append(asyncio.get_running_loop().create_task(asyncio.sleep(3600)))
        await asyncio.sleep(0.05)

    threadx_coordinator.run(pending())
    assert job.status.value == "running"
    assert False, "this test fails while its job runs"


@pytest.fixture
def threadx_coordinator_options():
    return {"max_workers": 1, "max_queue": 3}


def test_options_come_from_the_overridable_fixture(threadx_coordinator):
    co = threadx_coordinator.coordinator
    assert (co.max_workers, co.max_queue) == (1, 3)
    JOBS.extend(threadx_coordinator.run(co.submit(UntilCancelled())) for _ in range(3))  # one runs, two wait


def test_work_that_ignores_its_cancellation_fails_the_teardown(monkeypatch, threadx_coordinator):
    monkeypatch.setattr(threadx.pytest_plugin, "SHUTDOWN_TIMEOUT", 0.05)
    co = threadx_coordinator.coordinator
    threadx_coordinator.run(co.submit(IgnoresCancel()))
    threadx_coordinator.run(asyncio.sleep(0.05))
"""


class Spy:
    """Records, after each item's teardown, what its ``threadx_coordinator`` left behind."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, object]] = {}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):  # type: ignore[no-untyped-def]
        runner = item.funcargs.get("threadx_coordinator")
        try:
            return (yield)
        finally:
            if runner is not None:
                co = runner.coordinator
                pools = (co._pool, co._callback_pool, co._validate_pool)
                self.seen[item.name] = {
                    "closed": co.closed, "loop_closed": runner.loop.is_closed(),
                    "tracked_tasks": co.health()["tracked_tasks"], "running": co.stats().running,
                    "queued": co.stats().queued, "active": len(co._active),
                    "threads": [t.name for p in pools for t in p._threads if t.is_alive()],
                    "jobs": [j.status.value for j in item.module.JOBS],
                    "tasks_pending": [t for t in item.module.TASKS if not t.done()],
                }
                item.module.JOBS.clear()


@pytest.fixture
def inner_run(pytester: pytest.Pytester):  # type: ignore[no-untyped-def]
    pytester.makepyfile(test_inner=INNER)
    spy = Spy()
    before = set(threading.enumerate())
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning",
                                plugins=[spy])
    for t in set(threading.enumerate()) - before:  # the ignoring job's thread ends in about a second
        if t.name.startswith("threadx-"):
            t.join(5.0)
    return result, spy


def test_the_coordinator_is_shut_down_after_each_test_passed_or_failed(inner_run):
    result, spy = inner_run
    result.assert_outcomes(passed=3, failed=1, errors=1)
    clean = {"closed": True, "loop_closed": True, "tracked_tasks": 0, "running": 0, "queued": 0, "active": 0,
             "threads": [], "tasks_pending": []}
    for name in ("test_a_job_runs", "test_fails_with_a_job_running_and_a_task_pending",
                 "test_options_come_from_the_overridable_fixture"):
        got = spy.seen[name]
        assert {k: got[k] for k in clean} == clean, name
    assert spy.seen["test_fails_with_a_job_running_and_a_task_pending"]["jobs"] == ["cancelled"]
    assert spy.seen["test_options_come_from_the_overridable_fixture"]["jobs"] == ["cancelled"] * 3
    # work that ignores its cancellation outlives the shutdown: the teardown fails, naming it
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_work_that_ignores_its_cancellation*",
                                 "*left 1 thread(s) running*IgnoresCancel*"])
    assert spy.seen["test_work_that_ignores_its_cancellation_fails_the_teardown"]["closed"] is True


def test_installing_threadx_is_enough(pytester: pytest.Pytester):
    """A fresh interpreter: the fixtures come from the ``pytest11`` entry point, nothing else."""
    pytester.makepyfile(test_fixtures="def test_it(threadx_bars, threadx_coordinator):\n"
                                      "    assert len(threadx_bars) and not threadx_coordinator.coordinator.closed\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
