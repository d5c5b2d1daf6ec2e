"""Print CMake prefixes of build requirements installed as Python distributions.

tbb-devel installs under the environment prefix (``<prefix>/lib/cmake/TBB``) and
cmeel-eigen under ``site-packages/cmeel.prefix``; neither registers a CMake entry
point, and under pip's build isolation that prefix is a temporary directory that is
not the interpreter's ``sys.prefix``.  Ask importlib.metadata where the files are.
"""
from __future__ import annotations

import importlib.metadata as md
import pathlib
import sys

MARKERS = {"tbb-devel": "TBBConfig.cmake", "cmeel-eigen": "Eigen3Config.cmake"}


def prefix_of(dist_name: str, marker: str) -> pathlib.Path | None:
    try:
        dist = md.distribution(dist_name)
    except md.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if f.name == marker:
            # <prefix>/lib/cmake/tbb/<marker> or <prefix>/share/eigen3/cmake/<marker>
            return pathlib.Path(str(dist.locate_file(f))).resolve().parents[3]
    return None


def main() -> None:
    found = [prefix_of(name, marker) for name, marker in MARKERS.items()]
    sys.stdout.write(";".join(str(p) for p in found if p is not None))


if __name__ == "__main__":
    main()
