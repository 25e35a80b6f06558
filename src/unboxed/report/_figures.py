"""Plotly figures of the report, built as plain JSON-able dicts (``{"data": [...], "layout": {...}}``).

Every string a user supplied (feature names, category labels, class names) goes
through :func:`~unboxed.report._format.plotly_text`, so plotly draws it as text.
Numbers are rounded to a few significant digits to keep the file small.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._format import fmt_number, fmt_value, plotly_text, round_sig

__all__ = ["importance_figure", "pdp_figure", "ale_figure", "beeswarm_figure", "dependence_figure",
           "waterfall_figure", "POS", "NEG"]

POS = "#e8194d"
NEG = "#1f78d1"
NEUTRAL = "#3b6ea8"
MISSING = "#b4b4b4"
LIGHT = "rgba(59,110,168,0.18)"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
#: Low to high feature values (blue, purple, red), as in unboxed.plots.
FEATURE_SCALE = [[0.0, NEG], [0.5, "#8e3fb8"], [1.0, POS]]


def _layout(height: int = 360, **kw: Any) -> dict:
    base = {"height": height, "margin": {"l": 10, "r": 20, "t": 40, "b": 50}, "font": {"family": FONT, "size": 12},
            "paper_bgcolor": "white", "plot_bgcolor": "white", "hovermode": "closest", "showlegend": False}
    base.update(kw)
    return base


def _axis(title: str = "", **kw: Any) -> dict:
    ax = {"title": {"text": title}, "gridcolor": "#ececec", "zerolinecolor": "#bbbbbb", "automargin": True}
    ax.update(kw)
    return ax


def _arr(a: Any, digits: int = 5) -> list:
    return round_sig(np.asarray(a, dtype=np.float64), digits).tolist()


# --------------------------------------------------------------- importance
def importance_figure(names: list[str], perm: np.ndarray | None, perm_std: np.ndarray | None,
                      shap: np.ndarray, perm_label: str, shap_label: str) -> dict:
    """Permutation importance and mean |SHAP| side by side (two panels sharing the feature axis)."""
    labels = [plotly_text(n) for n in names]
    data = []
    shap_domain = [0.0, 1.0]
    if perm is not None:
        shap_domain = [0.55, 1.0]
        data.append({"type": "bar", "orientation": "h", "y": labels, "x": _arr(perm), "name": "permutation",
                     "marker": {"color": NEUTRAL},
                     "error_x": {"type": "data", "array": _arr(perm_std), "color": "#555", "thickness": 1},
                     "hovertext": [f"{lb}<br>{plotly_text(perm_label)}: {fmt_number(v, 4)} ± {fmt_number(s, 2)}"
                                   for lb, v, s in zip(labels, perm, perm_std)],
                     "hoverinfo": "text", "xaxis": "x", "yaxis": "y"})
    data.append({"type": "bar", "orientation": "h", "y": labels, "x": _arr(shap), "name": "mean |SHAP|",
                 "marker": {"color": POS},
                 "hovertext": [f"{lb}<br>{plotly_text(shap_label)}: {fmt_number(v, 4)}" for lb, v in zip(labels, shap)],
                 "hoverinfo": "text", "xaxis": "x2" if perm is not None else "x", "yaxis": "y"})
    height = max(260, 22 * len(names) + 90)
    layout = _layout(height, yaxis=_axis("", autorange="reversed", type="category"),
                     margin={"l": 10, "r": 20, "t": 50, "b": 50})
    if perm is not None:
        layout["xaxis"] = _axis(plotly_text(perm_label), domain=[0.0, 0.45], rangemode="tozero")
        layout["xaxis2"] = _axis(plotly_text(shap_label), domain=shap_domain, rangemode="tozero", anchor="y")
        layout["annotations"] = [
            {"text": "<b>Permutation importance</b>", "x": 0.225, "y": 1.0, "xref": "paper", "yref": "paper",
             "xanchor": "center", "yanchor": "bottom", "showarrow": False},
            {"text": "<b>Mean |SHAP|</b>", "x": 0.775, "y": 1.0, "xref": "paper", "yref": "paper",
             "xanchor": "center", "yanchor": "bottom", "showarrow": False}]
    else:
        layout["xaxis"] = _axis(plotly_text(shap_label), rangemode="tozero")
    return {"data": data, "layout": layout}


# ------------------------------------------------------------------ effects
def short_labels(values: Any, width: int = 22) -> list[str]:
    """Category labels for an axis: cut to ``width`` characters, kept distinct, escaped for plotly."""
    full = [fmt_value(v) for v in values]
    out: list[str] = []
    seen: set[str] = set()
    for i, s in enumerate(full):
        t = s if len(s) <= width else s[: width - 1] + "…"
        if t in seen:
            t = f"{t} ({i + 1})"
        seen.add(t)
        out.append(t)
    return [plotly_text(t) for t in out]


def _grid_labels(grid: np.ndarray, kind: str) -> tuple[list, bool]:
    if kind == "numeric":
        return _arr(grid, 6), False
    return short_labels(grid), True


def pdp_figure(effect: Any, output: int, output_label: str, *, max_ice: int = 50, seed: int = 0) -> dict:
    """Partial dependence (bold) over a sample of ICE curves (thin) of one feature."""
    x, categorical = _grid_labels(effect.grid[0], effect.kinds[0])
    avg = effect.average[:, output]
    data = []
    ind = effect.individual
    if ind is not None and ind.shape[0]:
        rng = np.random.default_rng(seed)
        m = ind.shape[0]
        pick = np.sort(rng.choice(m, size=min(max_ice, m), replace=False))
        ice = round_sig(ind[pick, :, output], 4)
        xs: list = []
        ys: list = []
        for curve in ice:
            xs.extend(x + [None])
            ys.extend(curve.tolist() + [None])
        data.append({"type": "scatter", "mode": "lines", "x": xs, "y": ys, "name": "ICE",
                     "line": {"color": "rgba(59,110,168,0.22)", "width": 1}, "hoverinfo": "skip",
                     "connectgaps": False})
    name = plotly_text(effect.features[0])
    data.append({"type": "scatter", "mode": "lines+markers" if categorical else "lines", "x": x,
                 "y": _arr(avg), "name": "partial dependence", "line": {"color": POS, "width": 3},
                 "hovertext": [f"{name} = {plotly_text(fmt_value(g))}<br>average {plotly_text(output_label)}: "
                               f"{fmt_number(v, 4)}" for g, v in zip(effect.grid[0], avg)],
                 "hoverinfo": "text"})
    layout = _layout(320, title={"text": f"<b>{name}</b>: PDP and ICE", "font": {"size": 13}},
                     xaxis=_axis(name, type="category" if categorical else "linear"),
                     yaxis=_axis(plotly_text(output_label)))
    return {"data": data, "layout": layout}


def ale_figure(effect: Any, output: int, output_label: str) -> dict:
    """Accumulated local effects of one feature (line with bootstrap band, or bars for categories)."""
    name = plotly_text(effect.features[0])
    avg = effect.average[:, output]
    kind = effect.kinds[0]
    data = []
    if kind == "numeric":
        x = _arr(effect.grid[0], 6)
        if effect.lower is not None and effect.upper is not None:
            data.append({"type": "scatter", "mode": "lines", "x": x + x[::-1],
                         "y": _arr(effect.upper[:, output]) + _arr(effect.lower[:, output])[::-1],
                         "fill": "toself", "fillcolor": LIGHT, "line": {"width": 0}, "hoverinfo": "skip",
                         "name": "95% bootstrap band"})
        data.append({"type": "scatter", "mode": "lines+markers", "x": x, "y": _arr(avg), "name": "ALE",
                     "line": {"color": NEUTRAL, "width": 2.5}, "marker": {"size": 4},
                     "hovertext": [f"{name} = {fmt_number(g, 4)}<br>ALE: {fmt_number(v, 4, sign=True)}"
                                   for g, v in zip(effect.grid[0], avg)], "hoverinfo": "text"})
        xaxis = _axis(name)
    else:
        labels = short_labels(effect.grid[0])
        full = [plotly_text(fmt_value(v)) for v in effect.grid[0]]
        bar = {"type": "bar", "x": labels, "y": _arr(avg), "name": "ALE",
               "marker": {"color": [POS if v >= 0 else NEG for v in avg]},
               "hovertext": [f"{name} = {lb}<br>ALE: {fmt_number(v, 4, sign=True)}" for lb, v in zip(full, avg)],
               "hoverinfo": "text"}
        if effect.lower is not None and effect.upper is not None:
            bar["error_y"] = {"type": "data", "symmetric": False, "array": _arr(effect.upper[:, output] - avg),
                              "arrayminus": _arr(avg - effect.lower[:, output]), "color": "#555", "thickness": 1}
        data.append(bar)
        xaxis = _axis(name, type="category")
    layout = _layout(320, title={"text": f"<b>{name}</b>: ALE", "font": {"size": 13}}, xaxis=xaxis,
                     yaxis=_axis(f"effect on {plotly_text(output_label)}"))
    return {"data": data, "layout": layout}


# --------------------------------------------------------------------- SHAP
def _colour_values(z: np.ndarray, categorical: bool) -> np.ndarray:
    """Feature values scaled to [0, 1] for colouring (percentile-clipped; NaN stays NaN)."""
    out = np.full(z.shape, np.nan)
    ok = ~np.isnan(z)
    if not ok.any():
        return out
    v = z[ok]
    if categorical:
        lo, hi = float(v.min()), float(v.max())
    else:
        lo, hi = np.percentile(v, [5, 95])
        if hi <= lo:
            lo, hi = float(v.min()), float(v.max())
    out[ok] = 0.5 if hi <= lo else np.clip((v - lo) / (hi - lo), 0, 1)
    return out


def swarm_offsets(x: np.ndarray, width: float = 0.4, n_bins: int = 80) -> np.ndarray:
    """Vertical offsets that spread points with similar x (a beeswarm), alternating above and below."""
    n = x.size
    if n == 0:
        return np.zeros(0)
    lo, hi = float(np.min(x)), float(np.max(x))
    span = hi - lo if hi > lo else 1.0
    b = np.minimum(((x - lo) / span * n_bins).astype(np.int64), n_bins - 1)
    order = np.lexsort((x, b))
    sorted_b = b[order]
    starts = np.searchsorted(sorted_b, sorted_b, side="left")
    rank = np.arange(n) - starts
    counts = np.bincount(b, minlength=n_bins)
    level = (rank + 1) // 2
    sign = np.where(rank % 2 == 1, 1.0, -1.0)
    off = np.empty(n)
    off[order] = sign * level
    scale = width / max(1.0, float(counts.max()) / 2.0)
    return off * scale


def beeswarm_figure(names: list[str], values: np.ndarray, Z: np.ndarray, display: np.ndarray,
                    categorical: list[bool], output_label: str) -> dict:
    """SHAP summary: one row of points per feature, x = SHAP value, colour = feature value."""
    xs, ys, cs, texts = [], [], [], []
    mx, my, mtexts = [], [], []
    for i, name in enumerate(names):
        v = values[:, i]
        off = swarm_offsets(v)
        col = _colour_values(Z[:, i], categorical[i])
        label = plotly_text(name)
        vr = round_sig(v, 4)
        for jj in range(v.size):
            t = f"{label} = {plotly_text(fmt_value(display[jj, i]))}<br>SHAP: {fmt_number(v[jj], 3, sign=True)}"
            if np.isnan(col[jj]):
                mx.append(vr[jj])
                my.append(round(i + off[jj], 3))
                mtexts.append(t)
            else:
                xs.append(vr[jj])
                ys.append(round(i + off[jj], 3))
                cs.append(round(float(col[jj]), 3))
                texts.append(t)
    data = [{"type": "scatter", "mode": "markers", "x": xs, "y": ys, "name": "rows",
             "marker": {"size": 4, "color": cs, "colorscale": FEATURE_SCALE, "cmin": 0, "cmax": 1,
                        "opacity": 0.8,
                        "colorbar": {"title": {"text": "feature value", "side": "right"}, "tickvals": [0, 1],
                                     "ticktext": ["low", "high"], "thickness": 10, "len": 0.6}},
             "hovertext": texts, "hoverinfo": "text"}]
    if mx:
        data.append({"type": "scatter", "mode": "markers", "x": mx, "y": my, "name": "missing value",
                     "marker": {"size": 4, "color": MISSING}, "hovertext": mtexts, "hoverinfo": "text"})
    height = max(300, 34 * len(names) + 90)
    layout = _layout(height, xaxis=_axis(f"SHAP value (effect on {plotly_text(output_label)})", zeroline=True),
                     yaxis=_axis("", tickmode="array", tickvals=list(range(len(names))),
                                 ticktext=[plotly_text(n) for n in names], autorange="reversed", zeroline=False,
                                 showgrid=False))
    return {"data": data, "layout": layout}


def dependence_figure(name: str, z: np.ndarray, display: np.ndarray, values: np.ndarray, categorical: bool,
                      labels: list | None, output_label: str) -> dict:
    """SHAP dependence: SHAP value of a feature against the feature's value."""
    label = plotly_text(name)
    texts = [f"{label} = {plotly_text(fmt_value(d))}<br>SHAP: {fmt_number(v, 3, sign=True)}"
             for d, v in zip(display, values)]
    if categorical:
        known = list(labels or [])
        seen = {fmt_value(c) for c in known}
        known += sorted({fmt_value(d) for d in display if fmt_value(d) not in seen})
        short = dict(zip([fmt_value(c) for c in known], short_labels(known)))
        cats = [short[fmt_value(d)] for d in display]
        order = [short[fmt_value(c)] for c in known]
        data = [{"type": "box", "x": cats, "y": _arr(values, 4), "boxpoints": "all", "jitter": 0.5,
                 "pointpos": 0, "marker": {"size": 4, "color": NEUTRAL, "opacity": 0.6},
                 "line": {"color": "#888", "width": 1}, "fillcolor": "rgba(0,0,0,0)", "name": label,
                 "hovertext": texts, "hoverinfo": "text"}]
        xaxis = _axis(label, type="category", categoryorder="array", categoryarray=order)
    else:
        ok = ~np.isnan(z)
        data = [{"type": "scatter", "mode": "markers", "x": _arr(z[ok], 6), "y": _arr(values[ok], 4),
                 "marker": {"size": 5, "color": NEUTRAL, "opacity": 0.55}, "name": label,
                 "hovertext": [t for t, k in zip(texts, ok) if k], "hoverinfo": "text"}]
        xaxis = _axis(label)
    layout = _layout(320, title={"text": f"<b>{label}</b>: SHAP dependence", "font": {"size": 13}},
                     xaxis=xaxis, yaxis=_axis(f"SHAP value ({plotly_text(output_label)})", zeroline=True))
    return {"data": data, "layout": layout}


# ---------------------------------------------------------------- waterfall
def waterfall_figure(base: float, contributions: list[tuple[str, float]], total: float, output_label: str,
                     base_label: str = "average prediction", total_label: str = "this row") -> dict:
    """A horizontal waterfall: base value, the contributions (already labelled), the row's output."""
    y = [plotly_text(base_label)] + [plotly_text(lbl) for lbl, _ in contributions] + [plotly_text(total_label)]
    x = [float(base)] + [float(v) for _, v in contributions] + [float(total)]
    measure = ["absolute"] + ["relative"] * len(contributions) + ["total"]
    text = [fmt_number(base, 3)] + [fmt_number(v, 3, sign=True) for _, v in contributions] + [fmt_number(total, 3)]
    hover = [f"{lbl}<br>{t}" for lbl, t in zip(y, text)]
    data = [{"type": "waterfall", "orientation": "h", "measure": measure, "y": y, "x": _arr(x, 6),
             "text": text, "textposition": "outside", "hovertext": hover, "hoverinfo": "text",
             "increasing": {"marker": {"color": POS}}, "decreasing": {"marker": {"color": NEG}},
             "totals": {"marker": {"color": "#7f7f7f"}}, "connector": {"line": {"color": "#bbb", "width": 1}}}]
    lo = min(0.0, *np.cumsum(x[:-1]).tolist(), total)
    hi = max(*np.cumsum(x[:-1]).tolist(), total, base)
    pad = 0.2 * (hi - lo if hi > lo else 1.0)
    layout = _layout(max(300, 26 * len(y) + 80),
                     xaxis=_axis(plotly_text(output_label), range=[lo - pad, hi + pad]),
                     yaxis=_axis("", type="category", autorange="reversed"),
                     margin={"l": 10, "r": 30, "t": 20, "b": 50})
    return {"data": data, "layout": layout}
