"""Public names of a package that load on first use (PEP 562): parse-time code (the
Snakefile, the multiverse plan, the published-table check) imports a package's light
modules without pulling in numpy or pyabc through its ``__init__``."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Callable, Mapping


def lazy_getattr(package: str, homes: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package``: ``homes`` maps a public name to the relative
    module defining it (``".vocabulary"``). A loaded name is stored on the package, so later
    lookups do not come back here."""

    def __getattr__(name: str):
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(homes[name], package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
