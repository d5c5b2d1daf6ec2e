"""One fuzz case: a call described as data, what the strategy expects of it, and how to judge it."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

from fuzz_support.recipes import build, call_source, resolve

CATEGORIES = ("ok", "typed", "untyped", "accepted", "wrong", "crash", "hang", "harness")
FAILURES = ("crash", "hang", "untyped", "accepted", "wrong", "harness")


@dataclass
class Case:
    """``target(*args, **kwargs)`` fuzzing the public name ``entry``.

    A case that ``taints`` (a damaged stream state today can write past a buffer and
    corrupt the heap without crashing) runs after all others, and its workers are
    replaced every few such cases, so later unrelated cases are not blamed for it.
    ``expect`` is the strategy's label: "valid", "invalid" (a normal return is
    *accepted*, a failure) or "unknown".  ``typearg`` names the argument given a wrong
    Python type: only then may a ``TypeError`` that names it count as typed.
    """

    entry: str
    target: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    expect: str = "valid"
    typearg: str | None = None
    note: str = ""
    cid: str = ""
    taints: bool = False  # may corrupt the worker's heap without crashing: run last, recycle often

    def source(self) -> str:
        return call_source(self.target, self.args, self.kwargs)

    def repro(self) -> str:
        mod = self.target.rsplit(".", 1)[0] if not self.target.startswith("threadx") else "threadx"
        head = "import threadx, threadx.ta, threadx.stream, threadx.backtest, threadx.data, threadx.requests"
        imports = [head, "from fuzz_support.recipes import *  # tests/ on sys.path"]
        if mod.startswith("fuzz_support"):
            imports.append(f"import {mod}")
        return "\n".join(imports + [self.source()])


def _type_error_names_argument(exc: BaseException, case: Case) -> bool:
    text = str(exc)
    if "incompatible function arguments" in text or "Invoked with" in text:
        return False  # pybind's message quotes an internal signature
    return case.typearg is not None and case.typearg in text


def classify(case: Case) -> tuple[str, str]:
    """Run ``case`` here; its category and a one-line detail."""
    from threadx.errors import ThreadXError

    from fuzz_support.ops import WrongAnswer
    from fuzz_support.recipes import UserError

    try:
        fn, args, kwargs = resolve(case.target), build(case.args), build(case.kwargs)
    except BaseException as exc:  # noqa: BLE001 - the harness's own fault, reported as such
        return "harness", f"building the inputs failed: {_describe(exc)}"
    try:
        fn(*args, **kwargs)
    except ThreadXError as exc:
        return "typed", f"{type(exc).__name__}: {exc}"[:300]
    except UserError as exc:  # user code's own error, passed through unchanged: allowed
        return "typed", f"user code raised {type(exc).__name__}: {exc}"[:300]
    except WrongAnswer as exc:
        return "wrong", str(exc)[:300]
    except TypeError as exc:
        cat = "typed" if _type_error_names_argument(exc, case) else "untyped"
        return cat, _describe(exc)
    except BaseException as exc:  # noqa: BLE001 - classifying every outcome is the point
        return "untyped", _describe(exc)
    return ("accepted", "returned normally") if case.expect == "invalid" else ("ok", "")


def _describe(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = next((f"{'/'.join(f.filename.rsplit('/', 2)[-2:])}:{f.lineno}" for f in reversed(frames)
                  if "threadx" in f.filename), "")
    return f"{type(exc).__name__}: {str(exc)[:240]} [{where}]"
