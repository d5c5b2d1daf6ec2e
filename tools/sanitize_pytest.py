"""Run a fast subset of the Python tests against the ASan + UBSan build of the extension.

CTest runs it as the test ``python_tests_sanitized`` of the CMake preset ``asan`` (README,
"Sanitizers"; ``.ci/run`` runs it after the test command): the package staged in
``build/asan/python/threadx`` (the sources and the sanitized ``_core``) comes first on
``PYTHONPATH``, the sanitizer runtimes are preloaded (CPython is not instrumented, so they
must be loaded before anything else), and any ASan or UBSan report ends the run with a
failure (``halt_on_error=1``; the fuzz test's workers inherit all of it).

The Python must not hold an editable install of threadx (its import hook comes before
``PYTHONPATH``; the run stops and says so): ``.ci/run`` uses ``.venv-test``, a plain install.
Extra arguments go to pytest (``-x``, ``-k ...``).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

#: The subset: the kernels' Python entry points (rolling, indicators, streaming states,
#: backtests, sweeps, the live spread core), their parity and their validation; not the timing-bound,
#: coordinator, data-layer or notebook tests.  About 5,000 tests, 40 s of CPU under the
#: sanitizers (the build of the preset is most of the stage).
TESTS = (
    "tests/test_rolling_tables.py",
    "tests/test_rolling_parity.py",
    "tests/test_ta_parity.py",
    "tests/test_layouts.py",
    "tests/test_validation.py",
    "tests/test_ta_api.py",
    "tests/test_ta_stream.py",
    "tests/test_streaming.py",
    "tests/test_backtest.py",
    "tests/test_sweep.py",
    "tests/test_live_book.py",
)

#: Run when present (pytest stops on a path that does not exist): the fuzz test, with
#: fewer examples per entry point than the main suite runs.
OPTIONAL = ("tests/test_fuzz.py",)

#: Tests of the subset left out here (pytest ``-k`` expressions), and why.
LEFT_OUT = {
    # ASan's allocator (redzones, quarantine) changes the resident memory it measures
    "test_memory_stays_flat_with_the_number_of_combinations": "measures RSS",
    # a time bound, and the sanitizers slow the loop it times
    "test_cancel_stops_a_long_run": "timing-bound",
}

FUZZ_ENV = {"THREADX_FUZZ_EXAMPLES": "2", "THREADX_FUZZ_TIMEOUT": "60"}


def _environment(package: pathlib.Path, preload: str) -> dict[str, str]:
    env = dict(os.environ)
    env["LD_PRELOAD"] = ":".join(p for p in (preload, env.get("LD_PRELOAD", "")) if p)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(package.parent), env.get("PYTHONPATH", "")) if p)
    for key, value in FUZZ_ENV.items():
        env.setdefault(key, value)
    return env


def _imports_this_build(package: pathlib.Path, env: dict[str, str]) -> str | None:
    """None when ``import threadx._core`` loads the staged build, else what went wrong."""
    r = subprocess.run([sys.executable, "-c", "import threadx._core as c; print(c.__file__)"],
                       env=env, cwd=ROOT, capture_output=True, text=True)
    got = r.stdout.strip()
    if r.returncode == 0 and pathlib.Path(got).parent == package:
        return None
    return f"threadx._core does not come from {package}: {got or '(nothing)'}\n{r.stderr}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package", required=True, type=pathlib.Path,
                    help="the staged package directory (threadx sources and the sanitized _core)")
    ap.add_argument("--preload", required=True, help="the sanitizer runtimes for LD_PRELOAD, ':'-separated")
    args, pytest_args = ap.parse_known_args(argv)
    package = args.package.resolve()
    env = _environment(package, args.preload)
    problem = _imports_this_build(package, env)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    tests = [*TESTS, *(t for t in OPTIONAL if (ROOT / t).exists())]
    known = ["-k", " and ".join(f"not ({k})" for k in LEFT_OUT)] if LEFT_OUT else []
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests, *known, *pytest_args]
    for name, why in LEFT_OUT.items():
        print(f"left out under the sanitizers: {name} ({why})")
    print(" ".join(cmd), flush=True)
    return subprocess.run(cmd, env=env, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
