"""Writes python/threadx/ta/_talib_flags.json: TA-Lib's function and output flags.

The flags are descriptive metadata of TA-Lib's abstract interface (``Function(name).info``:
"Output scale same as input", "Dashed Line", ...) that ThreadX's registry does not carry;
``threadx.ta.abstract`` reports them so that ``info`` equals TA-Lib's.  Run with the pinned
TA-Lib of the ``test`` extra installed, after TA-Lib's version changes:

    python tools/talib_flags.py
"""

from __future__ import annotations

import json
from pathlib import Path

from talib import abstract, get_functions

OUT = Path(__file__).resolve().parents[1] / "python" / "threadx" / "ta" / "_talib_flags.json"


def main() -> None:
    table = {}
    for name in get_functions():
        info = abstract.Function(name).info
        table[name] = {"function_flags": info["function_flags"] or [],
                       "output_flags": {k: list(v) for k, v in info["output_flags"].items()}}
    OUT.write_text(json.dumps(table, indent=0, sort_keys=True) + "\n")
    print(f"{OUT}: {len(table)} functions")


if __name__ == "__main__":
    main()
