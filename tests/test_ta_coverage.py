"""threadx.ta covers TA-Lib 0.8.2: every function of talib.get_functions(), in TA-Lib's group,
with TA-Lib's input, parameter and output names; ThreadX's own extras on top."""

from __future__ import annotations

import pytest

import threadx.ta as ta
from threadx.ta._api import TALIB_NAMES

talib = pytest.importorskip("talib")
talib_abstract = pytest.importorskip("talib.abstract")

EXTRAS = {"VWAP_ROLLING", "VWAP_SESSION"}  # ThreadX's own (README, "Indicators")


def test_every_talib_function_is_implemented() -> None:
    assert set(talib.get_functions()) == TALIB_NAMES
    missing = sorted(set(talib.get_functions()) - set(ta.get_functions()))
    assert not missing, f"{len(missing)} TA-Lib functions missing: {missing}"
    assert set(ta.get_functions()) - set(talib.get_functions()) == EXTRAS


def test_groups_equal_talib() -> None:
    ours = ta.get_function_groups()
    for group, names in talib.get_function_groups().items():
        assert sorted(n for n in ours.get(group, []) if n not in EXTRAS) == sorted(names), group
    assert set(ours) == set(talib.get_function_groups())


@pytest.mark.parametrize("name", sorted(set(ta.get_functions()) - EXTRAS))
def test_signature_equals_talib(name: str) -> None:
    info = talib_abstract.Function(name).info
    spec = ta.describe(name)
    assert spec["doc"] == info["display_name"]
    assert list(spec["params"]) == list(info["parameters"])
    assert [p["default"] for p in spec["params"].values()] == list(info["parameters"].values())
    assert spec["outputs"] == info["output_names"]
