"""Grid sharing: parameter sets with a common intermediate (BBANDS' middle band and
deviation, MACD's line) are computed once per asset, and the grid
still equals single calls bit for bit, whatever the number of threads."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import threadx
import threadx.ta as ta
from threadx import _core

# name, grid, expected share groups (count, size)
CASES = [
    ("BBANDS", dict(timeperiod=[10, 20], nbdevup=[1, 2, 2.5], nbdevdn=[1, 3], matype=[0, 1]), (4, 6)),
    ("BBANDS", dict(timeperiod=[5], nbdevup=[1, -2, 2.5], nbdevdn=[1, 2.5], matype=[2, 3, 4, 5, 6, 8]), (6, 6)),
    ("MACD", dict(fastperiod=[8, 12], slowperiod=[26, 30], signalperiod=[5, 9, 12]), (4, 3)),
    ("MACD", dict(fastperiod=[30], slowperiod=[12], signalperiod=[1, 2, 9]), (1, 3)),  # swapped periods
    ("MACDEXT", dict(fastperiod=[8, 12], fastmatype=[1], slowperiod=[26], slowmatype=[0, 1],
                     signalperiod=[1, 5, 9], signalmatype=[0, 1]), (4, 6)),  # all-EMA sets among others
]


@pytest.fixture(scope="module")
def walk() -> np.ndarray:
    rng = np.random.default_rng(7)
    x = 100 + np.cumsum(rng.normal(0, 1, (700, 3)), axis=0)
    x[:40, 1] = np.nan  # a late start
    x[350, 2] = np.nan  # a gap
    return x


@pytest.fixture
def threads():
    before = threadx.get_num_threads()
    yield
    threadx.set_num_threads(before)


def as_tuple(r) -> tuple:
    return r if isinstance(r, tuple) else (r,)


def combos(grid: dict) -> list[dict]:
    return [dict(zip(grid, v)) for v in itertools.product(*grid.values())]


@pytest.mark.parametrize("name,grid,groups", CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_sets_are_grouped_by_share_key(name: str, grid: dict, groups: tuple[int, int]) -> None:
    sets = np.array([list(c.values()) for c in combos(grid)], dtype=np.float64)
    got = _core.ta._share_groups(name, sets)
    assert (len(got), {len(g) for g in got}) == (groups[0], {groups[1]})
    assert sorted(i for g in got for i in g) == list(range(len(sets)))
    for g in got:  # a group's sets differ only in what is not shared
        rows = sets[g]
        differing = {list(grid)[k] for k in range(sets.shape[1]) if len(set(rows[:, k])) > 1}
        assert differing <= {"nbdevup", "nbdevdn", "signalperiod", "signalmatype"}


def test_no_hook_no_groups() -> None:
    assert _core.ta._share_groups("EMA", np.array([[5.0], [5.0], [9.0]])) == [[0], [1], [2]]


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("name,grid,groups", CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_shared_grid_equals_single_calls(walk, threads, n_threads: int, name: str, grid: dict, groups) -> None:
    threadx.set_num_threads(n_threads)
    f = getattr(ta, name)
    sets = combos(grid)
    got = as_tuple(f(walk, **grid))
    for a in range(walk.shape[1]):
        for c, p in enumerate(sets):
            one = as_tuple(f(walk[:, a], **p))
            for g, o in zip(got, one):
                np.testing.assert_array_equal(g[:, a * len(sets) + c], o)
    # one asset: a single group is split across the threads, still the same values
    got1 = as_tuple(f(walk[:, 2], **grid))
    for g1, g in zip(got1, got):
        np.testing.assert_array_equal(g1, g[:, 2 * len(sets):3 * len(sets)])
