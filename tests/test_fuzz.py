"""Fuzz of every public entry point: no crash, no hang, only threadx errors, nothing invalid accepted.

Cases are drawn by derandomized hypothesis strategies (``fuzz_support.strategies``: one per
public name; dtypes, shapes, strides, alignment, read-only and non-contiguous views,
extreme and non-finite parameters, wrong types, corrupted stream states and files,
garbage ``from_dict`` payloads) and run in two watched worker processes
(``fuzz_support.pool``): a worker that dies is a *crash*, one silent for
``THREADX_FUZZ_TIMEOUT`` seconds (default 10) a *hang*; both are replaced and the case
is not retried.  Each case is classified

- ok: returned;  typed: raised a ``threadx.errors.ThreadXError`` (or a ``TypeError`` naming
  the argument the case gave a wrong Python type, or a user callable's own error unchanged);
- untyped: any other exception;  accepted: returned for an input labelled invalid;
- wrong: a view and its contiguous copy (or a stream and its copy) disagree;
- crash, hang.

Knobs (environment):
``THREADX_FUZZ_EXAMPLES`` examples per entry point before its weight (default 30; a
sanitizer job passes fewer), ``THREADX_FUZZ_ONLY`` comma-separated fnmatch patterns of
entry names (``rolling.*,stream.MOM``), ``THREADX_FUZZ_TIMEOUT`` seconds per case,
``THREADX_FUZZ_REPORT`` a path for the full list of failures with repro code,
``THREADX_FUZZ_CASE=<entry>#<i>`` replays one case in this process (test_fuzz_replay).
``pytest -k "fuzz and stream"`` runs one area.
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import os
import time
from collections import Counter, defaultdict
from typing import Any

import pytest
import threadx
from fuzz_support.case import CATEGORIES, FAILURES, Case, classify
from fuzz_support.pool import Outcome, Pool
from fuzz_support.strategies import ENTRIES, NOT_ENTRY_POINTS
from hypothesis import HealthCheck, Phase, given, settings

AREAS = ("rolling", "ta", "stream", "backtest", "research", "plot", "report", "data", "requests", "coordinator", "sources", "live", "threadx")
DEFAULT_EXAMPLES = 30


def _examples() -> int:
    return max(1, int(os.environ.get("THREADX_FUZZ_EXAMPLES", DEFAULT_EXAMPLES)))


def _wanted(entry: str) -> bool:
    patterns = [p.strip() for p in os.environ.get("THREADX_FUZZ_ONLY", "").split(",") if p.strip()]
    return not patterns or any(fnmatch.fnmatchcase(entry, p) for p in patterns)


def generate(entry: str, examples: int) -> list[Case]:
    """The cases of ``entry``: deterministic (derandomized hypothesis, no database)."""
    factory, weight = ENTRIES[entry]
    out: list[Case] = []

    @settings(max_examples=max(1, round(examples * weight)), derandomize=True, database=None,
              phases=[Phase.generate], deadline=None, suppress_health_check=list(HealthCheck))
    @given(factory())
    def collect(case: Case) -> None:
        out.append(case)

    collect()
    for i, case in enumerate(out):
        case.cid = f"{entry}#{i}"
    return out


def summary(outcomes: list[Outcome]) -> str:
    """A table: cases and count per category for each entry point with any failure, and totals."""
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        per[o.case.entry][o.cat] += 1
    cols = ("cases", *CATEGORIES)
    rows: list[tuple[str, ...]] = [("entry point", *cols)]
    total: Counter[str] = Counter()
    for entry in sorted(per):
        c = per[entry]
        total.update(c)
        if any(c[f] for f in FAILURES) or os.environ.get("THREADX_FUZZ_VERBOSE"):
            rows.append((entry, str(sum(c.values())), *(str(c[k]) for k in CATEGORIES)))
    rows.append(("TOTAL", str(sum(total.values())), *(str(total[k]) for k in CATEGORIES)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in rows)


def examples_of_failures(outcomes: list[Outcome], per_kind: int = 1, limit: int = 60) -> str:
    """The first ``per_kind`` failing case of each (entry, category), as repro code."""
    seen: Counter[tuple[str, str]] = Counter()
    parts = []
    for o in outcomes:
        key = (o.case.entry, o.cat)
        if o.cat not in FAILURES or seen[key] >= per_kind:
            continue
        seen[key] += 1
        parts.append(f"--- {o.cat}: {o.case.cid} ({o.case.note or 'no spoiled argument'})\n"
                     f"    {o.detail[:400]}\n{_indent(o.case.repro())}")
        if len(parts) >= limit:
            parts.append("... (THREADX_FUZZ_REPORT=path writes them all)")
            break
    return "\n".join(parts)


def report_markdown(outcomes: list[Outcome]) -> str:
    """The summary table, then per (entry point, category) of failure: its count, the
    distinct messages, and the first case's repro code."""
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.cat in FAILURES:
            groups[(o.case.entry, o.cat)].append(o)
    parts = ["```text", summary(outcomes), "```", ""]
    for (entry, cat), items in sorted(groups.items()):
        messages = Counter(o.detail.split(" [")[0][:160] for o in items)
        parts.append(f"### {entry}: {cat} x{len(items)}")
        parts += [f"- {n} x `{m}`" for m, n in messages.most_common(6)]
        first = items[0]
        parts += [f"first: `{first.case.cid}` ({first.case.note or 'no spoiled argument'})", "```python",
                  first.case.repro(), "```", ""]
    return "\n".join(parts) + "\n"


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _selected_areas(session: Any) -> set[str]:
    areas = set()
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if getattr(item, "originalname", "") == "test_fuzz_area" and callspec is not None:
            areas.add(callspec.params["area"])
    return areas


@pytest.fixture(scope="module")
def fuzz_outcomes(request: pytest.FixtureRequest) -> dict[str, list[Outcome]]:
    """Every selected area's cases, run once in one pool."""
    areas = _selected_areas(request.session)
    entries = [e for e in sorted(ENTRIES) if e.split(".")[0] in areas and _wanted(e)]
    t0 = time.monotonic()
    pool = Pool(workers=2, timeout=float(os.environ.get("THREADX_FUZZ_TIMEOUT", "10")))
    try:
        outcomes = pool.run(c for e in entries for c in generate(e, _examples()))
    finally:
        pool.close()
    by_area: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_area[o.case.entry.split(".")[0]].append(o)
    report = os.environ.get("THREADX_FUZZ_REPORT")
    if report:
        with open(report, "w") as fh:
            fh.write(report_markdown(outcomes))
    print(f"\nfuzz: {len(outcomes)} cases of {len(entries)} entry points in {time.monotonic() - t0:.1f} s; "
          f"{pool.replaced} workers replaced"
          + "".join(f"\n  {o}" for o in pool.orphans))
    return by_area


@pytest.mark.parametrize("area", AREAS)
def test_fuzz_area(area: str, fuzz_outcomes: dict[str, list[Outcome]]) -> None:
    outcomes = fuzz_outcomes.get(area, [])
    table = summary(outcomes)
    print(f"\n[{area}]\n{table}")
    bad = [o for o in outcomes if o.cat in FAILURES]
    assert not bad, f"{len(bad)} fuzz failures in {area}:\n{table}\n\n{examples_of_failures(bad)}"


def _public_modules() -> dict[str, Any]:
    mods = {"threadx": threadx}
    for name in threadx.__all__:
        obj = getattr(threadx, name)
        if inspect.ismodule(obj):
            mods[name] = obj
    for extra in ("threadx.ta.pipeline", "threadx.ta.abstract", "threadx.ta.stream"):
        mods[extra.removeprefix("threadx.")] = importlib.import_module(extra)
    return mods


def _resolve(entry: str) -> Any:
    area, _, name = entry.rpartition(".")
    mod = threadx if area == "threadx" else importlib.import_module(f"threadx.{area}")
    return getattr(mod, name)


def test_fuzz_covers_every_public_name() -> None:
    """Every callable in a public ``__all__`` is fuzzed or listed as no entry point, with a reason;
    constants and exception classes are not entry points."""
    covered = {id(_resolve(e)) for e in [*ENTRIES, *NOT_ENTRY_POINTS]}
    missing = []
    for modname, mod in _public_modules().items():
        assert hasattr(mod, "__all__"), f"{modname} has no __all__"
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.ismodule(obj) or not callable(obj):
                continue
            if isinstance(obj, type) and issubclass(obj, BaseException):
                continue
            if id(type(obj)) in covered:  # an instance of a fuzzed class (abstract.SMA): covered by it
                continue
            if id(obj) not in covered:
                missing.append(f"{modname}.{name}")
    assert not missing, f"public names the fuzz does not cover (add a strategy or a reason): {missing}"
    stale = [e for e in [*ENTRIES, *NOT_ENTRY_POINTS] if not _is_public(e)]
    assert not stale, f"fuzz entries that are no longer public: {stale}"


def _is_public(entry: str) -> bool:
    area, _, name = entry.rpartition(".")
    mod = threadx if area == "threadx" else importlib.import_module(f"threadx.{area}")
    return name in getattr(mod, "__all__", ())


def _self(kind: str, expect: str = "valid", typearg: str | None = None, arg: Any = None) -> Case:
    return Case("selftest", "fuzz_support.ops.selftest", (kind, arg), {}, expect, typearg, "", f"self#{kind}")


@pytest.mark.parametrize(("case", "cat"), [
    (_self("ok"), "ok"), (_self("ok", expect="invalid"), "accepted"), (_self("ok", expect="unknown"), "ok"),
    (_self("validation", expect="invalid"), "typed"), (_self("keyerror", arg="k"), "untyped"),
    (_self("typeerror", "invalid", "window", "window"), "typed"), (_self("typeerror", "invalid", "q", "window"), "untyped"),
    (_self("pybind", "invalid", "cancel"), "untyped"),
])
def test_fuzz_classifies_outcomes(case: Case, cat: str) -> None:
    assert classify(case)[0] == cat


def test_fuzz_pool_replaces_crashed_and_hung_workers() -> None:
    """A crash and a hang cost one case each; the cases after them still run, in order of arrival."""
    cases = [_self("ok"), _self("crash"), _self("ok"), _self("hang"), _self("ok"), _self("ok")]
    for i, c in enumerate(cases):
        c.cid = f"self#{i}"
    pool = Pool(workers=1, timeout=2.0)
    try:
        outcomes = pool.run(cases)
    finally:
        pool.close()
    assert [o.cat for o in outcomes] == ["ok", "crash", "ok", "hang", "ok", "ok"]
    # the signal's name, or AddressSanitizer's report of it under the sanitizer build (ASan handles SEGV)
    assert pool.replaced == 2 and "selftest" in outcomes[3].detail
    assert "SIGSEGV" in outcomes[1].detail or "AddressSanitizer: SEGV" in outcomes[1].detail, outcomes[1].detail


def test_fuzz_is_deterministic() -> None:
    """The same cases every run (a crash found once is found again, by its id)."""
    first = [c.source() for c in generate("rolling.quantile", 3)]
    assert first == [c.source() for c in generate("rolling.quantile", 3)]


@pytest.mark.skipif(not os.environ.get("THREADX_FUZZ_CASE"), reason="set THREADX_FUZZ_CASE=<entry>#<i> to replay")
def test_fuzz_replay() -> None:
    """Replay one case here (not in a worker), printing its repro code."""
    entry, _, idx = os.environ["THREADX_FUZZ_CASE"].partition("#")
    case = generate(entry, _examples())[int(idx)]
    print(f"\n{case.note}\n{case.repro()}")
    cat, detail = classify(case)
    assert cat not in FAILURES, f"{cat}: {detail}"
