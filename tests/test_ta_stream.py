"""threadx.stream: every indicator's streaming twin equals the batch function at every
bar (bit for bit), snapshots resume identically, bad use is a typed error."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ta_support
import threadx.ta as ta
from ta_cases import CASES
from threadx import stream
from threadx.errors import ValidationError
from threadx.ta._api import SPECS, TALIB_NAMES

CASE_IDS = [(name, kw) for name, kws in sorted(CASES.items()) for kw in kws]
FUNCS = ta.get_functions()


def _id(case: tuple[str, dict]) -> str:
    name, kw = case
    return name + ("(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")" if kw else "")


def batch(name: str, kwargs: dict, d: dict) -> np.ndarray:
    res = getattr(ta, name)(*[d[k] for k in ta.describe(name)["inputs"]], **kwargs)
    return np.column_stack(res) if isinstance(res, tuple) else np.asarray(res)[:, None]


def streamed(obj, d: dict, name: str, start: int = 0, stop: int | None = None) -> np.ndarray:
    cols = [d[k] for k in ta.describe(name)["inputs"]]
    stop = len(cols[0]) if stop is None else stop
    rows = []
    for i in range(start, stop):
        r = obj.update(*[float(c[i]) for c in cols])
        rows.append(r if isinstance(r, tuple) else (r,))
    out = np.array(rows, dtype=float).reshape(stop - start, -1)
    integer = list(SPECS[name].integer)  # the batch function returns these int32, 0 in the warm-up
    out[:, integer] = np.nan_to_num(out[:, integer], nan=0.0)
    return out


@pytest.mark.parametrize("case", CASE_IDS, ids=_id)
def test_stream_equals_batch(case: tuple[str, dict]) -> None:
    name, kwargs = case
    for d in (ta_support.random_walk(500), ta_support.leading_nan(ta_support.random_walk(200, seed=4)),
              ta_support.real("GOOG.csv")):
        expected = batch(name, kwargs, d)
        got = streamed(getattr(stream, name)(**kwargs), d, name)
        assert np.array_equal(got, expected, equal_nan=True), name


@pytest.mark.parametrize("case", CASE_IDS, ids=_id)
def test_snapshot_resumes_identically(case: tuple[str, dict]) -> None:
    name, kwargs = case
    d = ta_support.random_walk(300, seed=7)
    s = getattr(stream, name)(**kwargs)
    first = streamed(s, d, name, 0, 150)
    pickled = pickle.loads(pickle.dumps(s))
    copied, deep = s.copy(), copy.deepcopy(s)
    assert type(pickled) is type(s) and pickled.bars == s.bars == 150
    rest = [streamed(o, d, name, 150) for o in (s, pickled, copied, deep)]
    for r in rest[1:]:
        assert np.array_equal(r, rest[0], equal_nan=True)
    assert np.array_equal(np.vstack([first, rest[0]]), batch(name, kwargs, d), equal_nan=True)


def _series(draw_values: list[float], flat: list[int]) -> np.ndarray:
    x = 100 + np.cumsum(np.asarray(draw_values))
    for f in flat:
        if f < x.size:
            x[f: f + 8] = x[f]
    return x


series = st.builds(
    _series,
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=120),
    st.lists(st.integers(0, 119), max_size=3),
)


@pytest.mark.parametrize("name", FUNCS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=series, spread=st.floats(0, 3), lead=st.integers(0, 3))
def test_stream_equals_batch_property(name: str, x: np.ndarray, spread: float, lead: int) -> None:
    n = x.size
    rng = np.random.default_rng(n)
    d = ta_support.finish({"open": x + rng.normal(0, spread, n), "high": x + spread, "low": x - spread,
                           "close": x, "volume": np.round(rng.random(n) * 1000)})
    # at least one complete bar: with none, TA-Lib's wrapper (and so the batch function)
    # computes the last bar anyway, which a stream cannot know in advance (documented)
    d["close"][: min(lead, n - 1)] = np.nan
    d = ta_support.finish({k: d[k] for k in ("open", "high", "low", "close", "volume")})
    assert np.array_equal(streamed(getattr(stream, name)(), d, name), batch(name, {}, d), equal_nan=True)


def test_update_many_and_repr() -> None:
    d = ta_support.random_walk(200)
    s = stream.RSI(timeperiod=9)
    np.testing.assert_array_equal(s.update_many(d["close"]), ta.RSI(d["close"], 9))
    assert s.bars == 200 and s.params == {"timeperiod": 9} and "RSI(timeperiod=9)" in repr(s)
    dc = stream.DONCHIAN(5)
    up, mid, lo = dc.update_many(d["high"], d["low"])
    np.testing.assert_array_equal(mid, ta.DONCHIAN(d["high"], d["low"], 5)[1])


@pytest.mark.parametrize("name", ["RSI", "MAMA"])
def test_update_many_rejects_a_0d_array(name: str) -> None:
    """A 0-d array is not a block of bars (it was silently taken as one bar)."""
    s = getattr(stream, name)()
    with pytest.raises(ValidationError, match="1-D"):
        s.update_many(np.array(1.0))
    assert s.bars == 0


def test_bad_use_is_a_typed_error() -> None:
    with pytest.raises(ValidationError, match="timeperiod"):
        stream.RSI(timeperiod=1)
    with pytest.raises(ValidationError, match="one value"):
        stream.RSI(timeperiod=[5, 6])
    with pytest.raises(ValidationError, match="foo"):
        stream.RSI(foo=3)
    with pytest.raises(ValidationError, match="inputs"):
        stream.RSI().update_many(np.ones(3), np.ones(3))
    with pytest.raises(ValidationError, match=r"RSI\.update\(real\)"):
        stream.RSI().update(1.0, 2.0)
    with pytest.raises(ValidationError, match="state"):
        stream.RSI(5)._load(b"garbage")



def test_a_talib_name_threadx_lacks_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    # every TA-Lib 0.8.2 name streams: a name of a later TA-Lib stands in for a missing one
    monkeypatch.setattr("threadx.ta._api.TALIB_NAMES", TALIB_NAMES | {"CDLFUTURE"})
    with pytest.raises(ta.UnknownIndicatorError, match="CDLFUTURE"):
        stream.CDLFUTURE  # noqa: B018


def test_every_function_streams() -> None:
    assert set(FUNCS) <= set(stream.__all__)


class _Raises:
    def __float__(self) -> float:
        raise RuntimeError("from __float__")


@pytest.mark.parametrize("bad", ["x", "1.5", None, object(), True, 1 + 2j, 10**400, [1.0]])
@pytest.mark.parametrize("position", [0, 1, 2])
def test_update_of_a_non_number_names_the_input(bad: object, position: int) -> None:
    s = stream.ATR(5)
    bar: list[object] = [11.0, 9.0, 10.0]
    bar[position] = bad
    with pytest.raises(ValidationError) as err:
        s.update(*bar)
    assert err.value.fields == [("high", "low", "close")[position]]
    assert "must be a real number" in str(err.value)
    assert s.bars == 0  # nothing was pushed


def test_update_takes_any_real_number_and_lets_an_objects_own_error_through() -> None:
    a, b = stream.RSI(3), stream.RSI(3)
    for v in (1, np.float32(2.5), np.int64(3), 4.0, np.float64(1.5)):
        assert np.isnan(a.update(v)) == np.isnan(b.update(float(v)))
    assert a.update(7) == b.update(7.0)
    with pytest.raises(RuntimeError, match="from __float__"):
        a.update(_Raises())


@pytest.mark.parametrize("args", [(), (1.0, 2.0), (1.0, 2.0, 3.0, 4.0)])
def test_update_with_a_wrong_number_of_inputs_names_the_indicator_and_inputs(args: tuple[float, ...]) -> None:
    with pytest.raises(ValidationError, match=r"ATR\.update\(high, low, close\)") as err:
        stream.ATR(5).update(*args)
    assert err.value.fields == ["inputs"]


def test_update_by_keyword_is_refused_naming_the_keyword() -> None:
    with pytest.raises(ValidationError, match=r"RSI\.update\(real\)") as err:
        stream.RSI().update(close=1.0)
    assert err.value.fields == ["close"]


def test_an_indicator_whose_construction_raised_raises_instead_of_crashing() -> None:
    """The half-made object a failed __init__ leaves (in the traceback's frames, where
    debuggers, hypothesis and rich tracebacks repr it) has no state: its methods raise a
    ValidationError (they dereferenced a null state: a segfault)."""
    with pytest.raises(ValidationError) as err:
        stream.RSI(timeperiod=1)
    tb = err.value.__traceback__
    while tb is not None and "self" not in tb.tb_frame.f_locals:
        tb = tb.tb_next
    assert tb is not None
    half_made = tb.tb_frame.f_locals["self"]
    for use in (lambda: half_made.bars, lambda: half_made.update(1.0), lambda: half_made.update_many([1.0]),
                half_made.save, half_made.copy, lambda: half_made._load(stream.RSI(5).save())):
        with pytest.raises(ValidationError):
            use()
