"""float64 input of any layout reaches the core without a copy; outputs keep the layout."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import threadx
from threadx import _core


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    """The value arrays handed to the core, captured on the way."""
    captured: list[np.ndarray] = []
    original = _core.rolling.compute

    def spy(plan: Any, values: np.ndarray, *args: Any, **kw: Any) -> None:
        captured.append(values)
        original(plan, values, *args, **kw)

    monkeypatch.setattr(_core.rolling, "compute", spy)
    return captured


BASE = np.cumsum(np.random.default_rng(2).standard_normal((400, 6)), axis=0)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: BASE.copy(order="C"), id="C"),
        pytest.param(lambda: BASE.copy(order="F"), id="F"),
        pytest.param(lambda: BASE[::3, ::2], id="strided-2d"),
        pytest.param(lambda: BASE[::-1, 0], id="reversed-1d"),
        pytest.param(lambda: BASE[:, 2], id="column-of-C"),
    ],
)
def test_ndarray_layouts_are_not_copied(seen: list[np.ndarray], make: Any) -> None:
    x = make()
    got = threadx.rolling.mean(x, 7)
    assert len(seen) == 1 and np.shares_memory(seen[0], x)
    expected = pd.DataFrame(x).rolling(7).mean().to_numpy()
    np.testing.assert_allclose(np.asarray(got).reshape(expected.shape), expected, rtol=0, atol=1e-9)


def test_frame_and_series_blocks_are_not_copied(seen: list[np.ndarray]) -> None:
    df = pd.DataFrame(BASE, columns=list("abcdef"))
    block = df.to_numpy()
    out = threadx.rolling.quantile(df, 9, 0.5)
    assert np.shares_memory(seen[-1], block)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list("abcdef")
    # column-major in, column-major out: pandas wraps it without a copy
    assert out.to_numpy().flags.f_contiguous
    s = df["c"]
    threadx.rolling.median(s, 9)
    assert np.shares_memory(seen[-1], s.to_numpy())


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint16, np.float32])
def test_other_numeric_dtypes_convert_once(seen: list[np.ndarray], dtype: type) -> None:
    x = (BASE[:, 0] * 10).astype(dtype)
    got = threadx.rolling.max(x, 5)
    assert seen[-1].dtype == np.float64
    np.testing.assert_array_equal(got, pd.Series(x.astype(np.float64)).rolling(5).max().to_numpy())
