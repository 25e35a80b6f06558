"""Text helpers of the report: number formatting, escaping for plotly and for JSON in HTML.

Three kinds of escaping are needed, and each has one function here:

- HTML text and attributes: Jinja2's autoescape (nothing to do by hand).
- Strings that plotly draws (tick labels, hover text, legend names): plotly
  reads a small subset of HTML in them, so ``<``, ``>`` and ``&`` become the
  entities ``&lt;`` ``&gt;`` ``&amp;``, which plotly turns back into the literal
  characters and draws as text (:func:`plotly_text`).
- JSON embedded in a ``<script>`` element: ``<``, ``>``, ``&`` and the line
  separators U+2028 / U+2029 are written as ``\\uXXXX`` escapes, so the
  element cannot be closed early (:func:`script_json`).
"""

from __future__ import annotations

import json
import math
import numbers
from typing import Any

import numpy as np

__all__ = ["plotly_text", "script_json", "fmt_number", "fmt_value", "round_sig", "clean", "total_of"]

MINUS = "\u2212"

_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def plotly_text(s: Any) -> str:
    """A string plotly draws literally: ``<``, ``>``, ``&`` as HTML entities.

    >>> plotly_text("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def script_json(obj: Any) -> str:
    """JSON text safe to place inside ``<script type="application/json">``.

    >>> script_json({"a": "</script><b>&"})
    '{"a":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(clean(obj), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for ch, rep in _SCRIPT_ESCAPES.items():
        text = text.replace(ch, rep)
    return text


def clean(obj: Any) -> Any:
    """Plain JSON types: numpy scalars and arrays to Python, NaN / inf to None."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f":
            out = obj.astype(object)
            out[~np.isfinite(obj)] = None
            return [clean(v) for v in out.tolist()] if obj.ndim > 1 else out.tolist()
        return clean(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        f = float(obj)
        return f if math.isfinite(f) else None
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)


def round_sig(a: Any, digits: int = 5) -> np.ndarray:
    """Round an array to ``digits`` significant digits of its largest magnitude (smaller JSON)."""
    arr = np.asarray(a, dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    if finite.size == 0:
        return arr
    top = float(np.max(np.abs(finite)))
    if top == 0:
        return arr
    decimals = int(digits - 1 - math.floor(math.log10(top)))
    return np.round(arr, max(0, min(15, decimals)))


def total_of(base: float, contributions: Any) -> float:
    """``base + sum(contributions)``, with floating-point noise around zero removed.

    A probability of 0 explained as 0.43 - 0.27 - 0.16 sums to about 1e-16, not 0;
    a total that small against the size of its terms is 0.

    >>> total_of(0.432, [-0.2695, -0.1625]), total_of(1.0, [0.5])
    (0.0, 1.5)
    """
    vals = np.asarray(contributions, dtype=np.float64).ravel()
    total = float(base) + float(vals.sum())
    scale = abs(float(base)) + float(np.abs(vals).sum())
    if math.isfinite(total) and abs(total) <= 1e-12 * scale:
        return 0.0
    return total


def fmt_number(x: Any, digits: int = 3, *, sign: bool = False) -> str:
    """A readable number: ``digits`` significant digits, thousands separators.

    >>> fmt_number(12000), fmt_number(0.08123), fmt_number(-1.5, sign=True), fmt_number(1234567.8)
    ('12,000', '0.0812', '−1.5', '1,234,568')
    """
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "missing"
    if math.isinf(v):
        return ("+" if sign else "") + "∞" if v > 0 else MINUS + "∞"
    a = abs(v)
    if a == 0:
        s = "0"
    elif a >= 10 ** digits:
        s = f"{a:,.0f}"
    elif a < 1e-4:
        s = f"{a:.{max(1, digits - 1)}e}"
    else:
        s = f"{a:.{digits}g}"
        if "e" in s:
            s = f"{a:,.0f}"
        elif float(s) >= 1000:
            s = f"{float(s):,.0f}"
    if v < 0 and s != "0":
        return MINUS + s
    return ("+" + s) if sign and v > 0 else s


def fmt_value(v: Any) -> str:
    """A feature value as text: numbers via :func:`fmt_number` (integers exactly), others as str."""
    if v is None:
        return "missing"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, numbers.Integral):
        return f"{int(v):,}" if abs(int(v)) >= 10000 else str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        if math.isnan(f):
            return "missing"
        if math.isfinite(f) and f == int(f) and abs(f) < 1e15:
            i = int(f)
            return f"{i:,}" if abs(i) >= 10000 else str(i)
        return fmt_number(f, 4)
    return str(v)
