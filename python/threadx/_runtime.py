"""Make sure the TBB runtime the extension links against can be found.

The extension's RUNPATH points at ``<prefix>/lib`` where the ``tbb`` wheel puts
``libtbb.so.12``.  Editable installs and unusual layouts may not match that, so
load the library from the ``tbb`` distribution's own file list first (a cheap
safety net; numba does the same).
"""

from __future__ import annotations

import ctypes
import importlib.metadata as md
import sys


def preload_tbb() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        files = md.distribution("tbb").files or ()
    except md.PackageNotFoundError:
        return
    for f in files:
        if f.name == "libtbb.so.12":
            try:
                ctypes.CDLL(str(f.locate()), mode=ctypes.RTLD_GLOBAL)
            except OSError:
                pass
            return
