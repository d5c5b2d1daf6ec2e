"""Compare one ThreadX indicator with TA-Lib (and its own streaming twin) on the test datasets.

    PYTHONPATH=build/<name>/py python tools/ta_check.py STOCH '{"fastk_period": 9}'

Prints the worst difference per dataset; exit status 1 on any parity failure.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import talib

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import ta_support  # noqa: E402
from conftest import parity_failures  # noqa: E402

from threadx import _core  # noqa: E402
from threadx.ta import _api  # noqa: E402


def info(name: str) -> dict:
    return next(f for f in _core.ta.functions() if f["name"] == name)


def run(name: str, kwargs: dict, d: dict[str, np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Batch and streamed outputs as the public API returns them (``_api.wrap``: e.g.
    MAXINDEX's positions as int32 with 0 in the warm-up), and TA-Lib's."""
    f = info(name)
    inputs = [d[k] for k in f["inputs"]]
    p = _api.prepare(name, inputs, kwargs)
    raw = _api.run(p.spec, p.inputs, p.sets)
    s = _core.ta.Stream(name, [float(v) for v in p.sets[0]])
    streamed = s.update_many(inputs).T[:, None, :]  # (outputs, 1, rows), as run() returns

    def outputs(r: np.ndarray) -> list[np.ndarray]:
        out = _api.wrap(p.spec, p.inputs, r, p.swept, p.labels)
        return list(out) if isinstance(out, tuple) else [out]

    exp = getattr(talib, name)(*inputs, **kwargs)
    exp = list(exp) if isinstance(exp, tuple) else [exp]
    return outputs(raw), exp, outputs(streamed)


def main() -> int:
    name = sys.argv[1]
    kwargs = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    sets = dict(ta_support.synthetic())
    sets["interior_nan"] = ta_support.interior_nan(ta_support.random_walk())
    for f in ta_support.REAL_FILES:
        sets[f] = ta_support.real(f)
    bad = 0
    for key, d in sets.items():
        got, exp, streamed = run(name, kwargs, d)
        scale = np.concatenate([d[k] for k in info(name)["inputs"]])
        for j, (g, e, s) in enumerate(zip(got, exp, streamed)):
            p = parity_failures(g, e, scale)
            same = np.array_equal(g, s, equal_nan=True)
            print(f"{key:22s} out{j}: {'ok' if p is None else 'PARITY FAIL'}; stream {'==' if same else '!='} batch")
            if p is not None:
                print("   " + p.replace("\n", "\n   "))
            bad += (p is not None and key != "interior_nan") or not same
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
