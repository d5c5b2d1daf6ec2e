"""Print pyproject.toml's build requirements, space-separated (for `pip install $(...)`):
the one source of the versions the plain CMake path builds against."""

import pathlib
import tomllib

root = pathlib.Path(__file__).resolve().parent.parent
print(" ".join(tomllib.loads((root / "pyproject.toml").read_text())["build-system"]["requires"]))
