"""The HTML explanation report: one self-contained file that works offline.

>>> from unboxed.report import Report, demo_report   # doctest: +SKIP
>>> Report(model, X, y).build().save("report.html")  # doctest: +SKIP

Needs the ``report`` extra (plotly and jinja2): ``pip install 'unboxed[report]'``.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"Report": "unboxed.report.builder", "demo_report": "unboxed.report.builder"}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'unboxed.report' has no attribute {name!r}")
