"""Run code in a fresh interpreter where chosen packages cannot be imported.

A subprocess rather than a patched ``sys.modules``: the test process has already
imported the optional packages (and ThreadX may hold references to them), so only a
fresh interpreter shows what a user without them gets.  A ``sys.meta_path`` finder
installed before anything else raises ``ModuleNotFoundError`` for the hidden packages
and their submodules, as if they were not installed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterable

_PRELUDE = '''
import sys


class _Hide:
    """Refuse {names} and their submodules, as if they were not installed."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in {names!r}:
            raise ModuleNotFoundError(f"No module named {{fullname!r}} (hidden by the test)", name=fullname)
        return None


sys.meta_path.insert(0, _Hide())
for _name in [m for m in sys.modules if m.partition(".")[0] in {names!r}]:
    del sys.modules[_name]
'''

_EPILOGUE = '''
_leaked = sorted(m for m in sys.modules if m.partition(".")[0] in {names!r})
assert not _leaked, f"hidden modules were imported: {{_leaked}}"
'''


def run_without(modules: Iterable[str], code: str, timeout: float = 300) -> str:
    """Run ``code`` with ``modules`` hidden; its stdout, or an AssertionError with its stderr."""
    names = frozenset(modules)
    script = _PRELUDE.format(names=names) + textwrap.dedent(code) + _EPILOGUE.format(names=names)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"the code failed without {sorted(names)}:\n{r.stderr}"
    return r.stdout
