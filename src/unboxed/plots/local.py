"""Pictures of local explanations (an :class:`~unboxed.Attribution`): waterfall, force, bar,
beeswarm, dependence, heatmap and decision plots.

An ``Attribution`` holds ``values`` (n_rows, n_features, n_outputs), ``base_values``
(n_rows, n_outputs), optionally ``data`` (n_rows, n_features, the values as the
user knows them) and ``stderr``. Every function draws on ``ax`` (or a new
figure), returns the Axes, never calls ``plt.show()`` and never modifies the
result. With several outputs ``output=`` picks one by name or position; the
default is the **last** output, i.e. the positive class of a binary classifier.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.patches import Polygon
from matplotlib.transforms import blended_transform_factory

from .._results import Attribution
from .._validation import describe, resolve_seed
from ._style import (
    DIVERGING_CMAP, FEATURE_CMAP, LINE, MISSING, NEG, NEUTRAL, POS, category_ticks, check_finite,
    check_max_display, check_result, color_scale, encode_column, feature_label, fmt_number, new_axes,
    interaction_scores, output_suffix, resolve_output, row_order, shorten, swarm_offsets, top_features,
)

__all__ = ["waterfall", "force", "bar", "beeswarm", "dependence", "heatmap", "decision"]


# --------------------------------------------------------------- helpers
def _prep(attr: Any, output: Any, func: str) -> tuple[int, np.ndarray, np.ndarray]:
    """Check an Attribution and return (output position, values (n, p), base values (n,))."""
    check_result(attr, Attribution, func)
    n, p, _ = attr.values.shape
    if n == 0:
        raise ValueError(f"{func}() needs at least one row; this Attribution has 0 rows")
    if p == 0:
        raise ValueError(f"{func}() needs at least one feature; this Attribution has 0 features")
    o = resolve_output(attr.output_names, output)
    V = check_finite(attr.values[:, :, o], "Attribution.values")
    B = check_finite(attr.base_values[:, o], "Attribution.base_values")
    return o, V, B


def _check_row(row: Any, n: int) -> int:
    if isinstance(row, (bool, np.bool_)) or not isinstance(row, (numbers.Integral, np.integer)):
        raise TypeError(f"row must be an integer position, got {describe(row)}")
    if not -n <= int(row) < n:
        raise ValueError(f"row {int(row)} is out of range for an Attribution with {n} row(s)")
    return int(row) % n


def _feature_index(attr: Attribution, feature: Any, what: str = "feature") -> int:
    p = attr.n_features
    if isinstance(feature, str):
        if feature not in attr.feature_names:
            raise ValueError(f"{what} {feature!r} is not one of the Attribution's features "
                             f"{list(attr.feature_names)[:20]}")
        return attr.feature_names.index(feature)
    if isinstance(feature, (numbers.Integral, np.integer)) and not isinstance(feature, (bool, np.bool_)):
        if not -p <= int(feature) < p:
            raise ValueError(f"{what} position {int(feature)} is out of range for {p} features")
        return int(feature) % p
    raise TypeError(f"{what} must be a feature name or position, got {describe(feature)}")


def _row_label(attr: Attribution, r: int, j: int, width: int = 32) -> str:
    return feature_label(attr.feature_names[j], None if attr.data is None else attr.data[r, j],
                         with_value=attr.data is not None, width=width)


def _output_label(attr: Attribution, o: int) -> str:
    space = f" ({attr.output_space})" if attr.output_space else ""
    return "model output" + space + output_suffix(attr.output_names, o)


def _value_label(attr: Attribution, o: int) -> str:
    return "attribution (impact on the model output)" + output_suffix(attr.output_names, o)


def _importance_order(V: np.ndarray) -> np.ndarray:
    return np.argsort(-np.abs(V).mean(axis=0), kind="stable")


def _pad_xlim(ax: Axes, lo: float, hi: float, frac: float = 0.12) -> None:
    span = hi - lo
    if span <= 0:
        span = max(abs(lo), 1.0) * 0.2
    ax.set_xlim(lo - frac * span, hi + frac * span)


def _sign_colors(w: np.ndarray) -> list[str]:
    return [POS if x > 0 else (NEG if x < 0 else MISSING) for x in w]


# ============================================================= waterfall
def waterfall(attr: Attribution, *, row: int = 0, output: str | int | None = None, max_display: int = 10,
              ax: Axes | None = None) -> Axes:
    """Waterfall of one row: from the base value E[f(X)] to the output f(x), one step per feature.

    The largest contributions (by absolute value) are drawn on top as red (pushing up)
    or blue (pushing down) steps labelled "feature = value"; the remaining ones are summed
    into one "N other features" step at the bottom, next to the base value. Each step
    starts where the one below it ended, so the top step ends at
    ``base_values[row] + values[row].sum()``. Standard errors are drawn as error bars at the
    step ends when the Attribution has ``stderr``.

    Parameters
    ----------
    attr : Attribution
        values (n_rows, n_features, n_outputs), base_values (n_rows, n_outputs).
    row : int, default 0
        The row to draw.
    output : str or int, optional
        The output to draw. Default: the last output (the positive class of a binary classifier).
    max_display : int, default 10
        Steps drawn, including the "N other features" step when there are more features.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    Lundberg, S. M., Lee, S.-I. (2017). A unified approach to interpreting model predictions.
    NeurIPS 30.

    Examples
    --------
    >>> from unboxed import Attribution
    >>> from unboxed.plots import waterfall
    >>> attr = Attribution(values=[[[0.3], [-0.1], [0.05]]], base_values=[[0.5]],
    ...                    feature_names=["age", "income", "debt"], output_names=["good"])
    >>> ax = waterfall(attr)
    """
    o, V, B = _prep(attr, output, "waterfall")
    max_display = check_max_display(max_display)
    r = _check_row(row, attr.n_rows)
    v, base = V[r], float(B[r])
    fx = base + float(v.sum())
    shown, rest = top_features(np.argsort(-np.abs(v), kind="stable"), max_display)
    widths = v[shown].astype(np.float64)
    labels = [_row_label(attr, r, j) for j in shown]
    errs = None if attr.stderr is None else np.asarray(attr.stderr[r, shown, o], dtype=np.float64)
    if len(rest):
        widths = np.append(widths, v[rest].sum())
        labels.append(f"{len(rest)} other features")
        if errs is not None:
            errs = np.append(errs, np.sqrt(np.sum(np.asarray(attr.stderr[r, rest, o]) ** 2)))
    m = len(widths)
    # entry 0 is on top; each entry starts where the ones below it have brought the output
    below = np.concatenate([np.cumsum(widths[::-1])[::-1][1:], [0.0]])
    left = base + below
    end = left + widths
    ax = new_axes(ax, (8.0, 0.42 * m + 1.9))
    y = np.arange(m)
    bars = ax.barh(y, widths, left=left, height=0.62, color=_sign_colors(widths), zorder=3)
    for patch in bars:
        patch.set_gid("waterfall")
    if m > 1:
        segs = np.stack([np.stack([left[:-1], y[:-1] + 0.31], 1), np.stack([left[:-1], y[1:] - 0.31], 1)], 1)
        ax.add_collection(LineCollection(segs, colors="#999999", linewidths=0.8, linestyles=":", zorder=2))
    if errs is not None:
        eb = ax.errorbar(end, y, xerr=errs, fmt="none", ecolor="#222222", capsize=3, lw=1, zorder=4)
        for a in eb.lines[2]:
            a.set_gid("stderr")
    reach = end + (0 if errs is None else np.sign(widths) * errs)
    for yi, w, x in zip(y, widths, reach):
        ax.annotate(fmt_number(w, 3, sign=True), (x, yi), xytext=(4 if w >= 0 else -4, 0),
                    textcoords="offset points", ha="left" if w >= 0 else "right", va="center",
                    fontsize=8.5, color=POS if w > 0 else (NEG if w < 0 else "#555555"))
    ax.axvline(base, color=LINE, lw=0.9, ls="--", zorder=1)
    ax.axvline(fx, color="#333333", lw=0.9, ls="--", zorder=1)
    lo = float(min(left.min(), end.min(), reach.min(), base, fx))
    hi = float(max(left.max(), end.max(), reach.max(), base, fx))
    _pad_xlim(ax, lo, hi, 0.2)
    ax.set_yticks(y, labels)
    ax.set_ylim(m - 0.5, -0.5)
    ax.set_xlabel(_output_label(attr, o))
    ax.set_title(f"f(x) = {fmt_number(fx, 4)}   ·   E[f(X)] = {fmt_number(base, 4)}", fontsize=10)
    ax.grid(axis="x", alpha=0.25, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


# ================================================================= force
def _chevron(a: float, b: float, tip: float, y0: float, h: float, right: bool) -> np.ndarray:
    """An arrow-shaped segment from a to b (a < b) pointing right or left."""
    t = min(tip, (b - a) * 0.45)
    if right:
        return np.array([[a, y0 - h], [b - t, y0 - h], [b, y0], [b - t, y0 + h], [a, y0 + h], [a + t, y0]])
    return np.array([[a + t, y0 - h], [b, y0 - h], [b - t, y0], [b, y0 + h], [a + t, y0 + h], [a, y0]])


def force(attr: Attribution, *, row: int = 0, output: str | int | None = None, min_label: float = 0.04,
          ax: Axes | None = None) -> Axes:
    """Static force plot of one row: the contributions as arrows pushing the output from the base value.

    Features that push the output up (red) are stacked left of f(x), the largest
    next to it; features that push it down (blue) are stacked right of f(x). The red
    segments together span ``sum(positive values)``, the blue ones ``sum(negative values)``,
    so the base value lies where the two totals balance. Segments wider than
    ``min_label`` of the whole span are labelled "feature = value" below the bar (in up
    to three staggered rows so the labels do not overlap; labels that still do not fit
    are left out).

    Parameters
    ----------
    attr : Attribution
        values (n_rows, n_features, n_outputs), base_values (n_rows, n_outputs).
    row : int, default 0
        The row to draw.
    output : str or int, optional
        The output to draw. Default: the last output (the positive class of a binary classifier).
    min_label : float, default 0.04
        Smallest segment (as a fraction of the drawn span) that gets a label.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    Lundberg, S. M., Nair, B., Vavilala, M. S., et al. (2018). Explainable machine-learning
    predictions for the prevention of hypoxaemia during surgery. Nature Biomedical Engineering
    2, 749-760.

    Examples
    --------
    >>> from unboxed import Attribution
    >>> from unboxed.plots import force
    >>> attr = Attribution(values=[[[0.3], [-0.1], [0.05]]], base_values=[[0.5]],
    ...                    feature_names=["age", "income", "debt"], output_names=["good"])
    >>> ax = force(attr)
    """
    o, V, B = _prep(attr, output, "force")
    r = _check_row(row, attr.n_rows)
    v, base = V[r], float(B[r])
    fx = base + float(v.sum())
    up = np.flatnonzero(v > 0)
    up = up[np.argsort(-v[up], kind="stable")]
    down = np.flatnonzero(v < 0)
    down = down[np.argsort(v[down], kind="stable")]
    up_edges = fx - np.concatenate([[0.0], np.cumsum(v[up])])        # fx, then leftwards
    down_edges = fx + np.concatenate([[0.0], np.cumsum(-v[down])])    # fx, then rightwards
    lo = float(min(up_edges[-1], base, fx))
    hi = float(max(down_edges[-1], base, fx))
    span = hi - lo if hi > lo else max(abs(fx), 1.0)
    ax = new_axes(ax, (12.0, 3.0))
    tip = 0.012 * span
    segments = []                       # (a, b, feature, value, colour)
    for i, j in enumerate(up):
        a, b = up_edges[i + 1], up_edges[i]
        ax.add_patch(Polygon(_chevron(a, b, tip, 0.0, 0.22, True), closed=True, facecolor=POS,
                             edgecolor="white", lw=1.0, gid="force+"))
        segments.append((a, b, j))
    for i, j in enumerate(down):
        a, b = down_edges[i], down_edges[i + 1]
        ax.add_patch(Polygon(_chevron(a, b, tip, 0.0, 0.22, False), closed=True, facecolor=NEG,
                             edgecolor="white", lw=1.0, gid="force-"))
        segments.append((a, b, j))
    _pad_xlim(ax, lo, hi, 0.04)
    # labels below the bar: widest segments first, greedy into three staggered rows
    fig = ax.figure
    ax_px = ax.get_position().width * fig.get_figwidth() * fig.dpi
    xl = ax.get_xlim()
    px_per_unit = ax_px / (xl[1] - xl[0])
    char_px = 0.6 * 8.5 * fig.dpi / 72
    taken: list[list[tuple[float, float]]] = [[], [], []]
    n_rows_used = 0
    for a, b, j in sorted(segments, key=lambda s: -(s[1] - s[0])):
        if (b - a) < min_label * span:
            continue
        text = _row_label(attr, r, j, width=30)
        c = (a + b) / 2
        half = (len(text) * char_px / 2 + 6) / px_per_unit
        for level, used in enumerate(taken):
            if all(c + half < u0 or c - half > u1 for u0, u1 in used):
                used.append((c - half, c + half))
                yl = -0.42 - 0.3 * level
                ax.plot([c, c], [-0.24, yl + 0.1], color="#aaaaaa", lw=0.6, zorder=1)
                ax.text(c, yl, text, ha="center", va="center", fontsize=8.5,
                        color=POS if v[j] > 0 else NEG, gid="force_label")
                n_rows_used = max(n_rows_used, level + 1)
                break
    # the output and the base value above the bar
    ax.plot([fx, fx], [0.24, 0.5], color="#222222", lw=1.0)
    ax.text(fx, 0.56, f"f(x) = {fmt_number(fx, 4)}", ha="center", va="bottom", fontsize=11, fontweight="bold")
    ax.plot([base, base], [0.24, 0.95], color=LINE, lw=0.8, ls="--")
    ax.text(base, 1.0, f"base value = {fmt_number(base, 4)}", ha="center", va="bottom", fontsize=9,
            color="#555555")
    trans = blended_transform_factory(ax.transAxes, ax.transAxes)
    ax.text(0.0, 1.0, "higher ▶", color=POS, fontsize=9, ha="left", va="top", transform=trans)
    ax.text(1.0, 1.0, "◀ lower", color=NEG, fontsize=9, ha="right", va="top", transform=trans)
    ax.set_ylim(-0.62 - 0.3 * max(n_rows_used - 1, 0), 1.35)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(_output_label(attr, o))
    return ax


# =================================================================== bar
def bar(attr: Attribution, *, output: str | int | None = None, max_display: int = 15,
        ax: Axes | None = None) -> Axes:
    """Global importance from local values: mean |attribution| per feature (one row: its signed values).

    Parameters
    ----------
    attr : Attribution
        values (n_rows, n_features, n_outputs). With several rows each bar is
        ``mean(|values[:, j, output]|)``; with one row the bars are the row's values with
        their signs (red up, blue down) and, when ``data`` is present, "feature = value" labels.
    output : str or int, optional
        The output to draw. Default: the last output (the positive class of a binary classifier).
    max_display : int, default 15
        Bars drawn; when there are more features the last bar sums the rest
        ("Sum of N other features").
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    Lundberg, S. M., Erion, G., Chen, H., et al. (2020). From local explanations to global
    understanding with explainable AI for trees. Nature Machine Intelligence 2, 56-67.

    Examples
    --------
    >>> import numpy as np
    >>> from unboxed import Attribution
    >>> from unboxed.plots import bar
    >>> vals = np.random.default_rng(0).normal(size=(50, 3, 1))
    >>> ax = bar(Attribution(values=vals, base_values=np.zeros((50, 1)), feature_names=["a", "b", "c"],
    ...                      output_names=["y"]))
    """
    o, V, _ = _prep(attr, output, "bar")
    max_display = check_max_display(max_display)
    single = attr.n_rows == 1
    score = V[0] if single else np.abs(V).mean(axis=0)
    shown, rest = top_features(np.argsort(-np.abs(score), kind="stable"), max_display)
    widths = score[shown].astype(np.float64)
    labels = [_row_label(attr, 0, j) if single else shorten(attr.feature_names[j], 32) for j in shown]
    if len(rest):
        widths = np.append(widths, score[rest].sum())
        labels.append(f"Sum of {len(rest)} other features")
    m = len(widths)
    ax = new_axes(ax, (7.5, 0.38 * m + 1.6))
    y = np.arange(m)
    colors = _sign_colors(widths) if single else [NEUTRAL] * m
    ax.barh(y, widths, height=0.65, color=colors, zorder=3)
    for yi, w in zip(y, widths):
        ax.annotate(fmt_number(w, 3, sign=single), (w, yi), xytext=(4 if w >= 0 else -4, 0),
                    textcoords="offset points", ha="left" if w >= 0 else "right", va="center", fontsize=8.5)
    _pad_xlim(ax, min(0.0, float(widths.min())), max(0.0, float(widths.max())), 0.15)
    ax.axvline(0.0, color=LINE, lw=0.8, zorder=2)
    ax.set_yticks(y, labels)
    ax.set_ylim(m - 0.5, -0.5)
    ax.set_xlabel(_value_label(attr, o) if single else
                  "mean |attribution| (average impact on the model output)" + output_suffix(attr.output_names, o))
    ax.grid(axis="x", alpha=0.25, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


# ============================================================== beeswarm
def _colorbar_low_high(ax: Axes, label: str = "feature value") -> Any:
    sm = ScalarMappable(norm=Normalize(0, 1), cmap=FEATURE_CMAP)
    cb = ax.figure.colorbar(sm, ax=ax, ticks=[0, 1], aspect=40, pad=0.02)
    cb.set_ticklabels(["low", "high"])
    cb.set_label(label)
    cb.outline.set_visible(False)
    return cb


def beeswarm(attr: Attribution, *, output: str | int | None = None, max_display: int = 15,
             ax: Axes | None = None) -> Axes:
    """Summary (bee swarm) plot: one row of dots per feature, x = attribution, colour = feature value.

    Features are ordered by mean |attribution|, the most important on top. The colour
    is the feature's value normalised per feature (numeric: clipped to its 5th-95th
    percentiles; categorical: by category code in sorted label order); missing values
    are grey; without ``data`` all dots share one colour and no colour bar is drawn. When
    there are more features than ``max_display``, the last row sums the rest per row
    (grey). Dots are spread vertically by local density (a vectorised swarm layout).

    Parameters
    ----------
    attr : Attribution
        values (n_rows, n_features, n_outputs), optional data (n_rows, n_features).
    output : str or int, optional
        The output to draw. Default: the last output (the positive class of a binary classifier).
    max_display : int, default 15
        Feature rows drawn, including the "Sum of N other features" row.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    Lundberg, S. M., Erion, G., Chen, H., et al. (2020). From local explanations to global
    understanding with explainable AI for trees. Nature Machine Intelligence 2, 56-67.

    Examples
    --------
    >>> import numpy as np
    >>> from unboxed import Attribution
    >>> from unboxed.plots import beeswarm
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> attr = Attribution(values=(X * [1.0, 0.5, 0.1])[..., None], base_values=np.zeros((200, 1)),
    ...                    feature_names=["a", "b", "c"], output_names=["y"], data=X)
    >>> ax = beeswarm(attr)
    """
    o, V, _ = _prep(attr, output, "beeswarm")
    max_display = check_max_display(max_display)
    n = attr.n_rows
    shown, rest = top_features(_importance_order(V), max_display)
    cols = [V[:, j] for j in shown]
    labels = [shorten(attr.feature_names[j], 32) for j in shown]
    colour = np.full((n, len(shown)), np.nan)
    if attr.data is not None:
        for c, j in enumerate(shown):
            colour[:, c] = color_scale(*encode_column(attr.data[:, j]))
    if len(rest):
        cols.append(V[:, rest].sum(axis=1))
        labels.append(f"Sum of {len(rest)} other features")
        colour = np.hstack([colour, np.full((n, 1), np.nan)])
    X = np.column_stack(cols)
    m = X.shape[1]
    Y = np.arange(m)[None, :] + swarm_offsets(X, colour)
    ax = new_axes(ax, (8.0, 0.45 * m + 1.7))
    size = 16 if n * m <= 20_000 else 6
    raster = n * m > 5_000
    has = ~np.isnan(colour)
    ax.axvline(0.0, color=LINE, lw=0.8, zorder=0)
    if attr.data is None:
        ax.scatter(X.ravel(), Y.ravel(), s=size, color=NEUTRAL, lw=0, rasterized=raster, zorder=3, gid="beeswarm")
    else:
        if (~has).any():
            ax.scatter(X[~has], Y[~has], s=size, color=MISSING, lw=0, rasterized=raster, zorder=2,
                       gid="beeswarm_missing")
        ax.scatter(X[has], Y[has], s=size, c=colour[has], cmap=FEATURE_CMAP, vmin=0, vmax=1, lw=0,
                   rasterized=raster, zorder=3, gid="beeswarm")
        _colorbar_low_high(ax)
    ax.set_yticks(np.arange(m), labels)
    ax.set_ylim(m - 0.5, -0.5)
    for yi in range(m):
        ax.axhline(yi, color="#dddddd", lw=0.6, ls=":", zorder=0)
    ax.set_xlabel(_value_label(attr, o))
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return ax


# ============================================================ dependence
def dependence(attr: Attribution, feature: str | int, *, color: str | int | None = "auto",
               output: str | int | None = None, random_state: Any = 0, ax: Axes | None = None) -> Axes:
    """Dependence scatter: a feature's value (x) against its attribution (y), coloured by another feature.

    Parameters
    ----------
    attr : Attribution
        values (n_rows, n_features, n_outputs) and data (n_rows, n_features) (required).
    feature : str or int
        The feature on the x axis. A categorical (text) feature is drawn over its category
        labels with a little horizontal jitter (missing values as a "missing" category); rows
        with a missing numeric value are left out (the title says how many).
    color : "auto", str, int or None, default "auto"
        ``"auto"`` colours by the feature that best explains the vertical spread of the
        attribution that is left after binning by ``feature`` — a sign of interaction. The
        heuristic: bin the rows by ``feature``; take the residual of the attribution from its
        bin mean; for every other feature fit that residual within each bin (a slope per bin
        for numeric features, category means for categorical ones) and score the fit by its
        adjusted R²; the best score wins, unless it is within noise (below
        ``max(0.05, 4·sqrt(2·n_bins)/(n - n_bins))``, then no colour). When the Attribution
        carries Shapley interaction values (``TreeShap.explain(X, interactions=True)``), the
        feature with the largest mean absolute interaction with ``feature`` is used instead.
        A name or position colours by that feature; ``None`` draws one colour.
    output : str or int, optional
        The output to draw. Default: the last output (the positive class of a binary classifier).
    random_state : int, Generator or None, default 0
        Seed of the jitter of categorical x values.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    Lundberg, S. M., Erion, G., Chen, H., et al. (2020). From local explanations to global
    understanding with explainable AI for trees. Nature Machine Intelligence 2, 56-67.

    Examples
    --------
    >>> import numpy as np
    >>> from unboxed import Attribution
    >>> from unboxed.plots import dependence
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3))
    >>> vals = np.column_stack([X[:, 0] * X[:, 2], X[:, 1], 0 * X[:, 2]])[..., None]
    >>> attr = Attribution(values=vals, base_values=np.zeros((300, 1)), feature_names=["a", "b", "c"],
    ...                    output_names=["y"], data=X)
    >>> ax = dependence(attr, "a")          # coloured by "c"
    """
    o, V, _ = _prep(attr, output, "dependence")
    if attr.data is None:
        raise ValueError("dependence() needs the feature values, but this Attribution has no data; "
                         "explain with data kept (Attribution.data)")
    j = _feature_index(attr, feature)
    y = V[:, j]
    xj, cj = encode_column(attr.data[:, j])
    if color == "auto" and attr.interactions is not None and attr.n_features > 1:
        # Shapley interaction values at hand (Tree SHAP): the strongest interacting feature is
        # the one with the largest mean |interaction| with ``feature``
        strength = np.abs(np.asarray(attr.interactions, dtype=float)[:, j, :, o]).mean(axis=0)
        strength[j] = -np.inf
        best = int(np.argmax(strength))
        c = best if strength[best] > 0 else None
    elif color == "auto":
        scores, threshold = interaction_scores(attr.data, j, y)
        best = int(np.argmax(scores)) if attr.n_features > 1 else j
        c = best if (best != j and np.isfinite(scores[best]) and scores[best] > threshold) else None
    elif color is None:
        c = None
    else:
        c = _feature_index(attr, color, "color feature")
    x = xj.copy()
    if cj is not None:
        if np.isnan(x).any():               # missing categories get a position of their own
            x[np.isnan(x)] = len(cj)
            cj = np.append(cj, "missing")
        x += np.random.default_rng(resolve_seed(random_state)).uniform(-0.2, 0.2, len(x))
    ok = ~np.isnan(x)
    ax = new_axes(ax, (6.8, 4.6) if c is not None else (6.0, 4.6))
    ax.axhline(0.0, color=LINE, lw=0.8, zorder=0)
    size = 18 if attr.n_rows <= 2000 else 7
    if c is None:
        ax.scatter(x[ok], y[ok], s=size, color=NEUTRAL, lw=0, alpha=0.8, zorder=3, gid="dependence")
    else:
        vc, cc = encode_column(attr.data[:, c])
        shade = color_scale(vc, cc)
        miss = ok & np.isnan(shade)
        have = ok & ~np.isnan(shade)
        if miss.any():
            ax.scatter(x[miss], y[miss], s=size, color=MISSING, lw=0, zorder=2, gid="dependence_missing")
        ax.scatter(x[have], y[have], s=size, c=shade[have], cmap=FEATURE_CMAP, vmin=0, vmax=1, lw=0, zorder=3,
                   gid="dependence")
        sm = ScalarMappable(norm=Normalize(0, 1), cmap=FEATURE_CMAP)
        cb = ax.figure.colorbar(sm, ax=ax, aspect=30, pad=0.02)
        if cc is not None and len(cc) <= 12:
            cb.set_ticks(np.arange(len(cc)) / max(len(cc) - 1, 1) if len(cc) > 1 else [0.5])
            cb.set_ticklabels([shorten(t, 14) for t in cc])
        else:
            cb.set_ticks([0, 1])
            cb.set_ticklabels(["low", "high"])
        cb.set_label(shorten(attr.feature_names[c], 40))
        cb.outline.set_visible(False)
    if cj is not None:
        category_ticks(ax, cj, "x")
        ax.set_xlim(-0.5, len(cj) - 0.5)
    ax.set_xlabel(shorten(attr.feature_names[j], 40))
    ax.set_ylabel(f"attribution of {shorten(attr.feature_names[j], 30)}" + output_suffix(attr.output_names, o))
    if (~ok).any():
        ax.set_title(f"{int((~ok).sum())} rows with a missing value not shown", fontsize=9)
    ax.grid(alpha=0.25)
    return ax


# =============================================================== heatmap
def heatmap(attr: Attribution, *, output: str | int | None = None, max_display: int = 12,
            order: Any = "hclust", ax: Axes | None = None) -> Axes:
    """Rows × features heat map of attributions, with the model output f(x) as a line above.

    Parameters
    ----------
    attr : Attribution
        values (n_rows, n_features, n_outputs), base_values (n_rows, n_outputs).
    output : str or int, optional
        The output to draw. Default: the last output (the positive class of a binary classifier).
    max_display : int, default 12
        Feature rows, ordered by mean |attribution|; the last row sums the rest when
        there are more features.
    order : {"hclust", "output"}, None or array of int, default "hclust"
        Order of the rows (x axis): ``"hclust"`` groups rows with similar explanations
        (average-linkage clustering of the attribution vectors with optimal leaf ordering;
        above 2000 rows, the projection on the leading principal direction);
        ``"output"`` sorts by f(x); ``None`` keeps the given order; or a permutation.
    ax : matplotlib Axes, optional
        The heat map's Axes; the f(x) line is drawn in an inset Axes above it
        (``ax.child_axes[0]``).

    Returns
    -------
    matplotlib.axes.Axes
        Colours use a diverging map centred at 0; a colour bar is added.

    References
    ----------
    Lundberg, S. M., Erion, G., Chen, H., et al. (2020). From local explanations to global
    understanding with explainable AI for trees. Nature Machine Intelligence 2, 56-67.

    Examples
    --------
    >>> import numpy as np
    >>> from unboxed import Attribution
    >>> from unboxed.plots import heatmap
    >>> vals = np.random.default_rng(0).normal(size=(40, 4, 1))
    >>> ax = heatmap(Attribution(values=vals, base_values=np.zeros((40, 1)),
    ...                          feature_names=list("abcd"), output_names=["y"]))
    """
    o, V, B = _prep(attr, output, "heatmap")
    max_display = check_max_display(max_display)
    n = attr.n_rows
    total = B + V.sum(axis=1)
    rows = row_order(V, total, order)
    shown, rest = top_features(_importance_order(V), max_display)
    M = V[:, shown]
    labels = [shorten(attr.feature_names[j], 30) for j in shown]
    if len(rest):
        M = np.column_stack([M, V[:, rest].sum(axis=1)])
        labels.append(f"Sum of {len(rest)} other features")
    m = M.shape[1]
    img = M[rows].T
    vmax = float(np.percentile(np.abs(img), 99.5)) if img.size else 1.0
    if not vmax > 0:
        vmax = float(np.abs(img).max()) or 1.0
    ax = new_axes(ax, (9.0, 0.42 * m + 2.6))
    im = ax.imshow(img, aspect="auto", cmap=DIVERGING_CMAP, vmin=-vmax, vmax=vmax, interpolation="nearest",
                   extent=(-0.5, n - 0.5, m - 0.5, -0.5))
    im.set_gid("heatmap")
    ax.set_yticks(np.arange(m), labels)
    how = {"hclust": "clustered by explanation", "output": "sorted by f(x)"}.get(order if isinstance(order, str)
                                                                                  else "", "")
    ax.set_xlabel("rows" + (f" ({how})" if how else ""))
    cb = ax.figure.colorbar(im, ax=ax, aspect=30, pad=0.02)
    cb.set_label("attribution" + output_suffix(attr.output_names, o))
    cb.outline.set_visible(False)
    top = ax.inset_axes((0.0, 1.03, 1.0, 0.2 if m > 4 else 0.3))
    xs = np.arange(n)
    line, = top.plot(xs, total[rows], color="#222222", lw=1.2, marker="." if n <= 60 else None)
    line.set_gid("output")
    top.axhline(float(B.mean()), color=LINE, lw=0.8, ls="--")
    top.set_xlim(-0.5, n - 0.5)
    top.tick_params(axis="x", labelbottom=False, bottom=False)
    top.tick_params(axis="y", labelsize=7)
    top.set_ylabel("f(x)", fontsize=8)
    for side in ("top", "right"):
        top.spines[side].set_visible(False)
    return ax


# ============================================================== decision
def _pick_rows(rows: Any, n: int) -> np.ndarray:
    if rows is None:
        return np.arange(n)
    if isinstance(rows, slice):
        sel = np.arange(n)[rows]
    elif isinstance(rows, (numbers.Integral, np.integer)) and not isinstance(rows, (bool, np.bool_)):
        sel = np.array([_check_row(rows, n)])
    else:
        arr = np.asarray(rows)
        if arr.dtype == bool:
            if arr.shape != (n,):
                raise ValueError(f"a boolean rows mask must have shape ({n},), got {arr.shape}")
            sel = np.flatnonzero(arr)
        elif arr.dtype.kind in "iu" and arr.ndim == 1:
            if arr.size and (arr.max() >= n or arr.min() < -n):
                raise ValueError(f"rows holds a position out of range for {n} rows")
            sel = arr.astype(np.intp) % n
        else:
            raise TypeError(f"rows must be None, an int, a slice, positions or a boolean mask, got {describe(rows)}")
    if sel.size == 0:
        raise ValueError("rows selects no row")
    return sel


def decision(attr: Attribution, *, output: str | int | None = None, max_display: int = 20, rows: Any = None,
             ax: Axes | None = None) -> Axes:
    """Decision plot: each row's path from its base value to f(x), adding one feature at a time.

    Features are ordered by mean |attribution| over the drawn rows, least important at
    the bottom; each line starts at the row's base value at the bottom edge and crosses
    feature row *i* at the base value plus the contributions of the features below and
    including *i*, ending at f(x) at the top. With more features than ``max_display``, the
    rest are summed into the first step ("N other features"). Lines are coloured by f(x);
    for a single row with ``data``, labels read "feature = value".

    Parameters
    ----------
    attr : Attribution
        values (n_rows, n_features, n_outputs), base_values (n_rows, n_outputs).
    output : str or int, optional
        The output to draw. Default: the last output (the positive class of a binary classifier).
    max_display : int, default 20
        Feature steps drawn, including the "N other features" step.
    rows : int, slice, array of int or boolean mask, optional
        The rows drawn (default: all), one line each.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    Lundberg, S. M., Erion, G., Chen, H., et al. (2020). From local explanations to global
    understanding with explainable AI for trees. Nature Machine Intelligence 2, 56-67.

    Examples
    --------
    >>> import numpy as np
    >>> from unboxed import Attribution
    >>> from unboxed.plots import decision
    >>> vals = np.random.default_rng(0).normal(size=(10, 4, 1))
    >>> ax = decision(Attribution(values=vals, base_values=np.ones((10, 1)),
    ...                           feature_names=list("abcd"), output_names=["y"]))
    """
    o, V, B = _prep(attr, output, "decision")
    max_display = check_max_display(max_display)
    sel = _pick_rows(rows, attr.n_rows)
    Vs, Bs = V[sel], B[sel]
    shown, rest = top_features(_importance_order(Vs), max_display)
    steps_top_first = [Vs[:, j] for j in shown]
    single = len(sel) == 1
    labels = [_row_label(attr, int(sel[0]), j) if single else shorten(attr.feature_names[j], 30) for j in shown]
    if len(rest):
        steps_top_first.append(Vs[:, rest].sum(axis=1))
        labels.append(f"{len(rest)} other features")
    steps = np.column_stack(steps_top_first[::-1])               # bottom (least important) first
    labels = labels[::-1]
    m = steps.shape[1]
    path = Bs[:, None] + np.concatenate([np.zeros((len(sel), 1)), np.cumsum(steps, axis=1)], axis=1)
    ys = np.arange(m + 1, dtype=np.float64)
    segs = np.stack([path, np.broadcast_to(ys, path.shape)], axis=-1)
    total = path[:, -1]
    ax = new_axes(ax, (7.5, 0.36 * m + 2.0))
    lo, hi = float(total.min()), float(total.max())
    norm = Normalize(lo, hi if hi > lo else lo + 1.0)
    alpha = float(np.clip(25.0 / len(sel), 0.15, 1.0))
    lc = LineCollection(segs, cmap=FEATURE_CMAP, norm=norm, linewidths=1.6 if single else 1.0, alpha=alpha,
                        zorder=3)
    lc.set_array(total)
    if single:
        lc.set_color(POS if total[0] >= Bs[0] else NEG)
    lc.set_gid("decision")
    ax.add_collection(lc)
    ax.axvline(float(Bs.mean()), color=LINE, lw=0.9, ls="--", zorder=1)
    _pad_xlim(ax, float(path.min()), float(path.max()), 0.08)
    ax.set_ylim(0, m + 0.25)
    ax.set_yticks(ys[1:], labels)
    for yi in ys[1:]:
        ax.axhline(yi, color="#e3e3e3", lw=0.6, ls=":", zorder=0)
    ax.set_xlabel(_output_label(attr, o))
    if single:
        ax.set_title(f"f(x) = {fmt_number(total[0], 4)}   ·   base value = {fmt_number(Bs[0], 4)}", fontsize=10)
    else:
        cb = ax.figure.colorbar(lc, ax=ax, aspect=40, pad=0.02)
        cb.set_alpha(1.0)
        cb.set_label("f(x)")
        cb.outline.set_visible(False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
