"""Every ```python block of the README runs as written.

Each block runs in a fresh namespace, so each must be self-contained (its imports, its
data from the sample bundled with the package): a user can paste any one of them alone.
Shell commands are ```bash blocks and are not run here; no block may be fenced ```text
(that is how examples with undefined names crept in).
"""

from __future__ import annotations

import pathlib
import re

from pathlib import Path

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text()
BLOCKS = [(TEXT.count("\n", 0, m.start()) + 2, m.group(1))
          for m in re.finditer(r"^```python\n(.*?)^```", TEXT, flags=re.S | re.M)]


def test_every_fence_is_python_or_bash() -> None:
    fences = re.findall(r"^```(\w*)$", TEXT, flags=re.M)[::2]  # the opening ones
    assert fences and set(fences) <= {"python", "bash"}, fences
    assert len(BLOCKS) == fences.count("python")


@pytest.mark.parametrize(("line", "code"), BLOCKS, ids=[f"line{line}" for line, _ in BLOCKS])
def test_python_block_runs(line: int, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # files an example writes (a plot's PNG) land here, not in the checkout
    namespace: dict[str, object] = {"__name__": "__readme__"}
    # pad so tracebacks point at the README's own line numbers
    exec(compile("\n" * (line - 1) + code, str(README), "exec"), namespace)  # noqa: S102


def test_usage_example_defines_what_it_shows() -> None:
    namespace: dict[str, object] = {}
    exec(compile(BLOCKS[0][1], str(README), "exec"), namespace)  # noqa: S102
    assert "bands" in namespace and "rq" in namespace
