"""Rich display of results in Jupyter: a compact, escaped HTML table of the key numbers.

:func:`repr_html` is what ``Result._repr_html_`` returns. It needs no JavaScript
and no extra package; every name and value is HTML-escaped.

=================  ============================================================
result             what the table shows
=================  ============================================================
``Attribution``    one row: its features by |attribution|; several rows: mean |attribution|
``Importance``     the top features with their importance ± std
``Effect``         the grid (range or categories) and the curve's range per output
``Effects``        one line per effect
``Interaction``    the strongest pairs
anything else      the method, the fields and their shapes
=================  ============================================================
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from html import escape
from typing import Any

import numpy as np

__all__ = ["repr_html", "MAX_ROWS"]

#: Table rows shown before the rest is summarized.
MAX_ROWS = 10

_STYLE = ("<style>.ub-r{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:13px}"
          ".ub-r table{border-collapse:collapse}.ub-r th,.ub-r td{padding:2px 10px;text-align:left;"
          "border-bottom:1px solid #e3e6eb}.ub-r td.n{text-align:right;font-variant-numeric:tabular-nums}"
          ".ub-r .m{color:#5b6575}.ub-r .pos{color:#e8194d}.ub-r .neg{color:#1f78d1}</style>")


def _num(x: Any, digits: int = 4) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return escape(str(x))
    if math.isnan(v):
        return "NaN"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e5 or a < 1e-4:
        return f"{v:.{digits - 1}e}"
    return f"{v:.{digits}g}"


def _text(v: Any) -> str:
    """A value as plain (unescaped) text."""
    if v is None:
        return "missing"
    if isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)):
        f = float(v)
        if math.isfinite(f) and f == int(f) and abs(f) < 1e15:
            return str(int(f))
        return _num(f)
    return str(v)


def _val(v: Any) -> str:
    """A value as escaped HTML text."""
    return escape(_text(v))


def _table(header: list[str], rows: list[list[tuple[str, str]]]) -> str:
    """``rows`` are lists of (html, css class) cells; header cells are escaped here."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{h}</td>' if c else f"<td>{h}</td>" for h, c in r)
                   + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _caption(result: Any, text: str) -> str:
    prov = getattr(result, "provenance", None)
    method = getattr(prov, "method", "") or ""
    extra = []
    if prov is not None:
        if getattr(prov, "model", ""):
            extra.append(f"model {prov.model}")
        if getattr(prov, "output", ""):
            extra.append(f"output {prov.output}")
        if getattr(prov, "n_evals", 0):
            extra.append(f"{prov.n_evals:,} model evaluations")
    tail = f" <span class=\"m\">({escape(', '.join(extra))})</span>" if extra else ""
    return (f"<div><b>{escape(type(result).__name__)}</b>"
            f"{' · ' + escape(method) if method else ''} — {escape(text)}{tail}</div>")


def _more(n_more: int, what: str) -> str:
    return f'<div class="m">… and {n_more} more {escape(what)}</div>' if n_more > 0 else ""


def _attribution(a: Any) -> str:
    n, p, k = a.values.shape
    outputs = list(a.output_names)
    if n == 1:
        o = k - 1
        vals = a.values[0, :, o]
        order = np.argsort(-np.abs(vals), kind="stable")
        rows = []
        for j in order[:MAX_ROWS]:
            v = vals[j]
            cls = "n pos" if v > 0 else ("n neg" if v < 0 else "n")
            data = "" if a.data is None else _val(a.data[0, j])
            rows.append([(escape(a.feature_names[j]), ""), (data, ""), (("+" if v > 0 else "") + _num(v), cls)])
        base = float(a.base_values[0, o])
        cap = (f"1 row, {p} features, output {outputs[o]!s}: base {_num(base)} + contributions = "
               f"{_num(base + vals.sum())}")
        return _caption(a, cap) + _table(["feature", "value", "contribution"], rows) + _more(p - MAX_ROWS,
                                                                                           "features")
    mabs = np.abs(a.values).mean(axis=0)
    order = np.argsort(-mabs.sum(axis=1), kind="stable")
    rows = [[(escape(a.feature_names[j]), "")] + [(_num(mabs[j, o]), "n") for o in range(k)]
            for j in order[:MAX_ROWS]]
    cap = f"{n} rows, {p} features, {k} output{'s' if k != 1 else ''}; mean |attribution| per feature"
    return _caption(a, cap) + _table(["feature"] + [f"mean |·| {o}" for o in outputs], rows) + _more(
        p - MAX_ROWS, "features")


def _importance(imp: Any) -> str:
    p, k = imp.values.shape
    order = np.argsort(-imp.values[:, 0], kind="stable")
    rows = []
    for rank, j in enumerate(order[:MAX_ROWS], start=1):
        cells = [(str(rank), "n"), (escape(imp.feature_names[j]), "")]
        for o in range(k):
            cells.append((f"{_num(imp.values[j, o])} ± {_num(imp.std[j, o], 2)}", "n"))
        rows.append(cells)
    cap = f"{p} features" + (f", scoring {imp.scoring}" if imp.scoring else "")
    return _caption(imp, cap) + _table(["rank", "feature"] + list(imp.output_names), rows) + _more(
        p - MAX_ROWS, "features")


def _grid_text(grid: np.ndarray, kind: str) -> str:
    g = np.asarray(grid)
    if kind == "numeric" and g.size:
        return f"{g.size} points from {_num(g.min())} to {_num(g.max())}"
    labels = [_text(v) for v in g.tolist()[:6]]
    return f"{g.size} values: " + ", ".join(labels) + (", …" if g.size > 6 else "")


def _effect(e: Any) -> str:
    rows = []
    for o, name in enumerate(e.output_names[:MAX_ROWS]):
        avg = e.average[..., o]
        rows.append([(escape(name), ""), (_num(np.nanmin(avg)), "n"), (_num(np.nanmax(avg)), "n"),
                     (_num(np.nanmax(avg) - np.nanmin(avg)), "n")])
    grids = "; ".join(f"{f}: {_grid_text(g, k)}" for f, g, k in zip(e.features, e.grid, e.kinds))
    ice = f", {e.n_rows} ICE curves" if e.individual is not None else ""
    cap = f"{e.method.upper()} of {e.name}{ice}; grid {grids}"
    return (_caption(e, cap) + _table(["output", "min", "max", "range"], rows)
            + _more(len(e.output_names) - MAX_ROWS, "outputs"))


def _effects(es: Any) -> str:
    rows = []
    for e in list(es)[:MAX_ROWS]:
        avg = e.average
        rows.append([(escape(e.name), ""), (escape(e.method), ""),
                     (escape("; ".join(_grid_text(g, k) for g, k in zip(e.grid, e.kinds))), ""),
                     (_num(np.nanmax(avg) - np.nanmin(avg)), "n")])
    return (_caption(es, f"{len(es)} effects") + _table(["effect", "method", "grid", "range"], rows)
            + _more(len(es) - MAX_ROWS, "effects"))


def _interaction(it: Any) -> str:
    m, k = it.values.shape
    order = np.argsort(-it.values[:, 0], kind="stable")
    labels = it.labels
    rows = [[(escape(labels[i]), "")] + [(_num(it.values[i, o]), "n") for o in range(k)] for i in order[:MAX_ROWS]]
    return (_caption(it, f"{m} pairs, statistic {it.statistic}")
            + _table(["pair"] + list(it.output_names), rows) + _more(m - MAX_ROWS, "pairs"))


def _generic(result: Any) -> str:
    rows = []
    fields = dataclasses.fields(result) if dataclasses.is_dataclass(result) else []
    for f in fields:
        if f.name == "provenance":
            continue
        v = getattr(result, f.name)
        if isinstance(v, np.ndarray):
            text = f"array {v.shape} {v.dtype}"
        elif isinstance(v, str):
            text = v if len(v) <= 200 else v[:199] + "…"
        elif isinstance(v, (tuple, list)):
            text = f"{len(v)} items" if len(v) > 6 else ", ".join(str(x) for x in v)
        else:
            text = str(v)
        pre = isinstance(v, str) and "\n" in v
        cell = f"<pre style=\"margin:0\">{escape(text)}</pre>" if pre else escape(text)
        rows.append([(escape(f.name), ""), (cell, "")])
    return _caption(result, "fields") + _table(["field", "value"], rows)


_DISPATCH = {"Attribution": _attribution, "Importance": _importance, "Effect": _effect, "Effects": _effects,
             "Interaction": _interaction}


def repr_html(result: Any) -> str:
    """A compact HTML summary of a result (escaped, no JavaScript).

    Parameters
    ----------
    result : unboxed result (Attribution, Importance, Effect, Effects, Interaction, ...)

    Returns
    -------
    str
        An HTML fragment for Jupyter's rich display.

    Examples
    --------
    >>> import numpy as np
    >>> from unboxed import Importance
    >>> imp = Importance(values=np.array([[0.3], [0.1]]), std=np.zeros((2, 1)),
    ...                  feature_names=("<b>age</b>", "income"), output_names=("r2",))
    >>> "&lt;b&gt;age&lt;/b&gt;" in repr_html(imp)
    True
    """
    fn = _DISPATCH.get(type(result).__name__, _generic)
    try:
        body = fn(result)
    except Exception as e:  # a display hook must never raise
        try:
            text = repr(result)
        except Exception:
            text = f"<{type(result).__name__}>"
        body = f"<pre>{escape(text)}</pre><div class=\"m\">(summary unavailable: {escape(str(e))})</div>"
    return f'<div class="ub-r">{_STYLE}{body}</div>'
