"""Pictures of global explanations: importance, partial dependence / ICE, ALE, interactions.

Every function takes a result from :mod:`unboxed._results` (``Importance``,
``Effect`` / ``Effects``, ``Interaction``), draws on ``ax`` (or a new figure),
returns the Axes (an array of Axes for a grid of panels), never calls
``plt.show()`` and never modifies the result. With several outputs, ``output=``
picks one by name or position; the default is the **last** output, i.e. the
positive class of a binary classifier.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection

from .._results import Effect, Effects, Importance, Interaction
from .._validation import check_choice, check_positive_int, resolve_seed
from ._style import (
    DIVERGING_CMAP, LINE, MISSING, NEUTRAL, POS, category_ticks, check_finite, check_max_display,
    check_result, fmt_number, new_axes, output_suffix, panel_axes, resolve_output, shorten,
)

__all__ = ["importance", "partial_dependence", "pdp_2d", "ale", "effect", "interaction"]

_SEQ_CMAP = "viridis"


# ============================================================ importance
def importance(imp: Importance, *, output: str | int | None = None, max_display: int = 20,
               kind: str = "bar", ax: Axes | None = None) -> Axes:
    """Horizontal bars of feature importance, most important on top, with their spread.

    Parameters
    ----------
    imp : Importance
        ``values`` and ``std`` of shape (n_features, n_outputs); ``per_repeat``
        (n_repeats, n_features, n_outputs) for ``kind="box"``; ``baseline`` (n_outputs,)
        is shown in the title when present.
    output : str or int, optional
        The output to draw, by name or position. Default: the last output (the
        positive class of a binary classifier).
    max_display : int, default 20
        The most important features drawn; the title says how many were left out.
    kind : {"bar", "box"}, default "bar"
        ``"bar"``: mean importance with ±1 std error bars. ``"box"``: a box plot of
        the per-repeat importances.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when absent.

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    Breiman, L. (2001). Random forests. Machine Learning 45, 5-32.
    Fisher, A., Rudin, C., Dominici, F. (2019). All models are wrong, but many are useful.
    JMLR 20(177).

    Examples
    --------
    >>> import numpy as np
    >>> from unboxed import Importance
    >>> from unboxed.plots import importance
    >>> imp = Importance(values=[[0.2], [0.05]], std=[[0.02], [0.01]], feature_names=["age", "debt"],
    ...                  output_names=["accuracy"], baseline=[0.81], scoring="accuracy")
    >>> ax = importance(imp)
    """
    check_result(imp, Importance, "importance")
    kind = check_choice(kind, "kind", ("bar", "box"))
    max_display = check_max_display(max_display)
    if imp.n_features == 0:
        raise ValueError("importance() needs at least one feature; this Importance has none")
    o = resolve_output(imp.output_names, output)
    vals = check_finite(imp.values[:, o], "Importance.values")
    std = np.nan_to_num(np.asarray(imp.std[:, o], dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    order = np.argsort(-vals, kind="stable")[:max_display]
    m = len(order)
    ax = new_axes(ax, (7.0, 0.36 * m + 1.6))
    y = np.arange(m)
    if kind == "bar":
        err = std[order]
        ax.barh(y, vals[order], height=0.65, color=NEUTRAL, xerr=err if np.any(err > 0) else None,
                error_kw={"ecolor": "#333333", "capsize": 3, "lw": 1}, label="importance")
    else:
        if imp.per_repeat is None:
            raise ValueError("kind='box' draws the importance of every repeat, but this Importance has no "
                             "per_repeat; use kind='bar'")
        reps = check_finite(imp.per_repeat[:, order, o], "Importance.per_repeat")
        style = {"patch_artist": True, "widths": 0.6, "positions": y,
                 "boxprops": {"facecolor": NEUTRAL, "alpha": 0.55, "edgecolor": NEUTRAL},
                 "medianprops": {"color": "#222222"}, "flierprops": {"markersize": 3}}
        try:
            ax.boxplot(reps, orientation="horizontal", **style)
        except TypeError:  # matplotlib < 3.10
            ax.boxplot(reps, vert=False, **style)
    ax.set_yticks(y, [shorten(imp.feature_names[i], 32) for i in order])
    ax.set_ylim(m - 0.5, -0.5)          # most important on top
    ax.axvline(0.0, color=LINE, lw=0.8, zorder=0)
    scoring = imp.scoring or "score"
    ax.set_xlabel(f"importance ({imp.scoring})" if imp.scoring else "importance")
    parts = []
    if imp.n_outputs > 1:
        parts.append(f"output {imp.output_names[o]}")
    if imp.baseline is not None:
        parts.append(f"baseline {scoring} = {fmt_number(imp.baseline[o], 4)}")
    if m < imp.n_features:
        parts.append(f"top {m} of {imp.n_features} features")
    if parts:
        ax.set_title(" · ".join(parts), fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return ax


# ==================================================== partial dependence
def _rng(random_state: Any) -> np.random.Generator:
    return np.random.default_rng(resolve_seed(random_state))


def _rug(ax: Axes, positions: np.ndarray, axis: str = "x", gid: str = "deciles") -> LineCollection | None:
    """Short marks along the bottom (or left) edge at data positions, not touching the autoscale."""
    p = np.asarray(positions, dtype=np.float64)
    p = p[np.isfinite(p)]
    if p.size == 0:
        return None
    if axis == "x":
        segs = np.stack([np.stack([p, np.zeros_like(p)], 1), np.stack([p, np.full_like(p, 0.05)], 1)], 1)
        trans = ax.get_xaxis_transform()
    else:
        segs = np.stack([np.stack([np.zeros_like(p), p], 1), np.stack([np.full_like(p, 0.05), p], 1)], 1)
        trans = ax.get_yaxis_transform()
    lc = LineCollection(segs, colors="#222222", linewidths=1.0, transform=trans, zorder=3)
    lc.set_gid(gid)
    lc.set_label("deciles")
    ax.add_collection(lc, autolim=False)
    return lc


def _ice_lines(ax: Axes, x: np.ndarray, ind: np.ndarray, max_ice: int, random_state: Any) -> LineCollection:
    n = ind.shape[0]
    if n > max_ice:
        keep = np.sort(_rng(random_state).choice(n, size=max_ice, replace=False))
        ind = ind[keep]
    m = ind.shape[0]
    segs = np.stack([np.broadcast_to(x, ind.shape), ind], axis=-1)
    alpha = float(np.clip(12.0 / max(m, 1), 0.08, 0.6))
    lc = LineCollection(segs, colors="#4a6f94", linewidths=0.7, alpha=alpha, zorder=1,
                        label=f"ICE ({m} of {n} rows)" if m < n else f"ICE ({n} rows)")
    lc.set_gid("ice")
    ax.add_collection(lc)
    ax.autoscale_view()
    return lc


def partial_dependence(effect: Effect | Effects, *, ice: bool = True, max_ice: int = 100,
                       centered: bool | None = None, deciles: bool = True, output: str | int | None = None,
                       random_state: Any = 0, ax: Any = None) -> Any:
    """Partial dependence line with ICE curves; categorical features as points over their labels.

    Parameters
    ----------
    effect : Effect or Effects
        A PDP ``Effect`` (``average`` (g,  n_outputs), optional ``individual``
        (n_rows, g, n_outputs), ``deciles``, ``counts``). A two-feature Effect is drawn
        by :func:`pdp_2d`. An ``Effects`` collection is drawn as a grid of panels.
    ice : bool, default True
        Draw the individual (ICE) curves when the Effect holds them.
    max_ice : int, default 100
        At most this many ICE curves are drawn, a random subset seeded by ``random_state``.
    centered : bool, optional
        ``None`` draws the Effect as it is; ``True`` centres the average and the ICE
        curves at the first grid value (c-ICE). A centred Effect cannot be un-centred.
    deciles : bool, default True
        Rug marks at the deciles of numeric features (``Effect.deciles``).
    output : str or int, optional
        The output to draw. Default: the last output (the positive class of a binary classifier).
    random_state : int, Generator or None, default 0
        Seed of the ICE subsample.
    ax : matplotlib Axes (or an array of Axes for ``Effects``), optional

    Returns
    -------
    matplotlib.axes.Axes, or ndarray of Axes (n_effects,) for an ``Effects``.

    References
    ----------
    Friedman, J. H. (2001). Greedy function approximation: a gradient boosting machine.
    Annals of Statistics 29(5), 1189-1232.
    Goldstein, A., Kapelner, A., Bleich, J., Pitkin, E. (2015). Peeking inside the black box:
    visualizing statistical learning with plots of individual conditional expectation.
    JCGS 24(1), 44-65.

    Examples
    --------
    >>> import numpy as np
    >>> from unboxed import Effect
    >>> from unboxed.plots import partial_dependence
    >>> grid = np.linspace(0, 1, 5)
    >>> e = Effect(features=["x"], kinds=["numeric"], grid=[grid], average=grid[:, None] ** 2,
    ...            individual=np.stack([grid ** 2 + c for c in (-0.1, 0.1)])[..., None], output_names=["y"])
    >>> ax = partial_dependence(e)
    """
    kwargs = {"ice": ice, "max_ice": max_ice, "centered": centered, "deciles": deciles,
              "output": output, "random_state": random_state}
    if isinstance(effect, Effects):
        return _panels(partial_dependence, effect, ax, kwargs)
    check_result(effect, (Effect, Effects), "partial_dependence")
    _refuse_ale(effect, "partial_dependence")
    if len(effect.features) == 2:
        return pdp_2d(effect, output=output, ax=ax)
    max_ice = check_positive_int(max_ice, "max_ice")
    if centered not in (None, True, False):
        raise TypeError(f"centered must be None, True or False, got {centered!r}")
    if centered is True:
        effect = effect.center()
    elif centered is False and effect.centered:
        raise ValueError("this Effect is already centered; it cannot be drawn un-centered "
                         "(compute it with centered=False)")
    o = resolve_output(effect.output_names, output)
    avg = check_finite(effect.average[:, o], "Effect.average", allow_nan=True)
    ind = None
    if ice and effect.individual is not None and effect.individual.shape[0] > 0:
        ind = check_finite(effect.individual[:, :, o], "Effect.individual", allow_nan=True)
    ax = new_axes(ax, (6.4, 4.4))
    name = effect.features[0]
    numeric = effect.kinds[0] == "numeric"
    x = np.asarray(effect.grid[0], dtype=np.float64) if numeric else np.arange(len(effect.grid[0]), dtype=float)
    if ind is not None:
        _ice_lines(ax, x, ind, max_ice, random_state)
    if numeric:
        line, = ax.plot(x, avg, color=POS, lw=2.6, marker="o" if len(x) == 1 else None, zorder=4,
                        label="average (PDP)")
        if deciles and effect.deciles is not None and len(effect.deciles) and effect.deciles[0] is not None:
            _rug(ax, effect.deciles[0])
    else:
        line, = ax.plot(x, avg, "o", color=POS, ms=9, mec="white", mew=1.2, zorder=4, label="average (PDP)")
        counts = effect.counts if effect.counts is not None and effect.counts.ndim == 1 else None
        category_ticks(ax, effect.grid[0], "x", counts)
        ax.set_xlim(-0.5, len(x) - 0.5)
    line.set_gid("pdp")
    if effect.centered:
        ax.axhline(0.0, color=LINE, lw=0.8, ls="--", zorder=0)
    ax.set_xlabel(shorten(name, 40))
    ylabel = "centered partial dependence" if effect.centered else "partial dependence"
    ax.set_ylabel(ylabel + output_suffix(effect.output_names, o))
    if ind is not None:
        ax.legend(loc="best", fontsize=8, frameon=False)
    ax.grid(alpha=0.25)
    return ax


def _refuse_ale(effect: Effect, func: str) -> None:
    if effect.method == "ale":
        raise ValueError(f"{func}() draws partial dependence; this Effect has method='ale': "
                         "use unboxed.plots.ale() or unboxed.plots.effect()")


def _surface(effect: Effect, o: int) -> np.ndarray:
    return check_finite(effect.average[:, :, o], "Effect.average", allow_nan=True)


def _axis_values(effect: Effect, i: int) -> np.ndarray:
    if effect.kinds[i] == "numeric":
        return np.asarray(effect.grid[i], dtype=np.float64)
    return np.arange(len(effect.grid[i]), dtype=np.float64)


def _heatmap_ticks(ax: Axes, effect: Effect, i: int, axis: str) -> None:
    """Tick labels of a heat-map axis: category labels, or a thinned set of numeric grid values."""
    if effect.kinds[i] != "numeric":
        category_ticks(ax, effect.grid[i], axis)


def _annotate_cells(ax: Axes, Z: np.ndarray, xs: np.ndarray, ys: np.ndarray, im: Any) -> None:
    if Z.size > 80:
        return
    norm, cmap = im.norm, im.cmap
    for a in range(Z.shape[0]):
        for b in range(Z.shape[1]):
            z = Z[a, b]
            if not np.isfinite(z):
                continue
            r, g, bl, _ = cmap(norm(z))
            dark = 0.299 * r + 0.587 * g + 0.114 * bl < 0.55
            ax.text(xs[a], ys[b], fmt_number(z, 3), ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")


def pdp_2d(effect: Effect, *, output: str | int | None = None, ax: Axes | None = None) -> Axes:
    """Two-feature partial dependence: a filled contour, or a labelled heat map for categories.

    Parameters
    ----------
    effect : Effect
        A PDP Effect of two features: ``average`` of shape (g1, g2, n_outputs).
        Numeric × numeric is drawn as filled contours; when a feature is categorical
        the surface is a heat map over the category labels (cells annotated when few).
    output : str or int, optional
        The output to draw. Default: the last output (the positive class of a binary classifier).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        A colour bar is added next to it.

    References
    ----------
    Friedman, J. H. (2001). Greedy function approximation: a gradient boosting machine.
    Annals of Statistics 29(5), 1189-1232.

    Examples
    --------
    >>> import numpy as np
    >>> from unboxed import Effect
    >>> from unboxed.plots import pdp_2d
    >>> g = np.linspace(0, 1, 4)
    >>> e = Effect(features=["a", "b"], kinds=["numeric", "numeric"], grid=[g, g],
    ...            average=np.multiply.outer(g, g)[..., None], output_names=["y"])
    >>> ax = pdp_2d(e)
    """
    check_result(effect, Effect, "pdp_2d")
    if len(effect.features) != 2:
        raise ValueError(f"pdp_2d() draws an Effect of two features, got one of {len(effect.features)} "
                         f"({list(effect.features)}); use partial_dependence()")
    _refuse_ale(effect, "pdp_2d")
    o = resolve_output(effect.output_names, output)
    Z = _surface(effect, o)
    ax = new_axes(ax, (6.4, 4.8))
    xs, ys = _axis_values(effect, 0), _axis_values(effect, 1)
    numeric = effect.kinds == ("numeric", "numeric")
    if numeric and len(xs) >= 2 and len(ys) >= 2 and np.isfinite(Z).all():
        mappable = ax.contourf(xs, ys, Z.T, levels=12, cmap=_SEQ_CMAP)
        ax.contour(xs, ys, Z.T, levels=mappable.levels, colors="k", linewidths=0.35, alpha=0.5)
        if effect.deciles is not None:
            for i, axis in ((0, "x"), (1, "y")):
                if i < len(effect.deciles) and effect.deciles[i] is not None:
                    _rug(ax, effect.deciles[i], axis)
    else:
        mappable = ax.pcolormesh(xs, ys, np.ma.masked_invalid(Z.T), shading="nearest", cmap=_SEQ_CMAP)
        _heatmap_ticks(ax, effect, 0, "x")
        _heatmap_ticks(ax, effect, 1, "y")
        if "numeric" not in effect.kinds:
            _annotate_cells(ax, Z, xs, ys, mappable)
    mappable.set_gid("pdp_2d")
    cb = ax.figure.colorbar(mappable, ax=ax)
    cb.set_label("partial dependence" + output_suffix(effect.output_names, o))
    ax.set_xlabel(shorten(effect.features[0], 40))
    ax.set_ylabel(shorten(effect.features[1], 40))
    return ax


# ================================================================== ALE
def _count_bars(ax: Axes, x: np.ndarray, counts: np.ndarray) -> PolyCollection | None:
    """A light histogram of rows per bin along the bottom 12 % of the Axes."""
    c = np.asarray(counts, dtype=np.float64)
    if c.ndim != 1 or c.size == 0 or not np.isfinite(c).all() or c.max() <= 0:
        return None
    if len(c) == len(x) - 1:                # per bin between edges
        left, right = x[:-1], x[1:]
    elif len(c) == len(x):                  # per grid value
        mid = (x[:-1] + x[1:]) / 2 if len(x) > 1 else x
        half = np.diff(x).min() / 2 if len(x) > 1 else 0.5
        left = np.concatenate([[x[0] - half], mid]) if len(x) > 1 else x - half
        right = np.concatenate([mid, [x[-1] + half]]) if len(x) > 1 else x + half
    else:
        return None
    h = 0.12 * c / c.max()
    verts = np.stack([np.stack([left, np.zeros_like(h)], 1), np.stack([left, h], 1),
                      np.stack([right, h], 1), np.stack([right, np.zeros_like(h)], 1)], 1)
    pc = PolyCollection(verts, facecolors=MISSING, edgecolors="white", linewidths=0.4, alpha=0.45,
                        transform=ax.get_xaxis_transform(), zorder=0, label="rows per bin")
    pc.set_gid("counts")
    ax.add_collection(pc, autolim=False)
    return pc


def ale(effect: Effect | Effects, *, band: bool = True, output: str | int | None = None, ax: Any = None) -> Any:
    """Accumulated local effects: curve with bootstrap band and bin counts, or a 2-D heat map.

    Parameters
    ----------
    effect : Effect or Effects
        An ALE Effect (``method="ale"``). 1-D numeric: ``grid`` are the bin edges and
        ``average`` (g, n_outputs) the ALE at the edges; ``lower`` / ``upper`` the bootstrap
        band; ``counts`` rows per bin (drawn as a light histogram at the bottom).
        1-D categorical: ``grid`` the ordered categories, drawn as points with error bars.
        2-D: ``average`` (g1, g2, n_outputs), drawn as a heat map in a diverging colour map
        centred at 0. An ``Effects`` collection is drawn as a grid of panels.
    band : bool, default True
        Draw the uncertainty band / error bars when the Effect has ``lower`` and ``upper``.
    output : str or int, optional
        The output to draw. Default: the last output (the positive class of a binary classifier).
    ax : matplotlib Axes (or an array of Axes for ``Effects``), optional

    Returns
    -------
    matplotlib.axes.Axes, or ndarray of Axes (n_effects,) for an ``Effects``.

    References
    ----------
    Apley, D. W., Zhu, J. (2020). Visualizing the effects of predictor variables in black box
    supervised learning models. JRSS B 82(4), 1059-1086.

    Examples
    --------
    >>> import numpy as np
    >>> from unboxed import Effect
    >>> from unboxed.plots import ale
    >>> edges = np.linspace(0, 1, 6)
    >>> e = Effect(features=["x"], kinds=["numeric"], grid=[edges], average=(edges - 0.5)[:, None],
    ...            lower=(edges - 0.6)[:, None], upper=(edges - 0.4)[:, None], counts=[20] * 5,
    ...            output_names=["y"], method="ale")
    >>> ax = ale(e)
    """
    if isinstance(effect, Effects):
        return _panels(ale, effect, ax, {"band": band, "output": output})
    check_result(effect, (Effect, Effects), "ale")
    if effect.method != "ale":
        raise ValueError(f"ale() draws accumulated local effects; this Effect has method={effect.method!r}: "
                         "use unboxed.plots.partial_dependence() or unboxed.plots.effect()")
    o = resolve_output(effect.output_names, output)
    if len(effect.features) == 2:
        return _ale_2d(effect, o, ax)
    avg = check_finite(effect.average[:, o], "Effect.average", allow_nan=True)
    have_band = band and effect.lower is not None and effect.upper is not None
    ax = new_axes(ax, (6.4, 4.4))
    if effect.kinds[0] == "numeric":
        x = np.asarray(effect.grid[0], dtype=np.float64)
        if effect.counts is not None:
            _count_bars(ax, x, effect.counts)
        if have_band:
            fb = ax.fill_between(x, effect.lower[:, o], effect.upper[:, o], color=POS, alpha=0.2, lw=0,
                                 label="bootstrap band", zorder=2)
            fb.set_gid("band")
        line, = ax.plot(x, avg, color=POS, lw=2.4, marker="." if len(x) <= 30 else None, zorder=4, label="ALE")
    else:
        x = np.arange(len(effect.grid[0]), dtype=np.float64)
        yerr = None
        if have_band:
            lo, hi = effect.lower[:, o], effect.upper[:, o]
            yerr = np.vstack([np.clip(avg - lo, 0, None), np.clip(hi - avg, 0, None)])
        ax.plot(x, avg, color=POS, lw=1, alpha=0.45, zorder=3)
        eb = ax.errorbar(x, avg, yerr=yerr, fmt="o", color=POS, ms=8, mec="white", capsize=4, zorder=4,
                         label="ALE")
        line = eb.lines[0]
        counts = effect.counts if effect.counts is not None and effect.counts.ndim == 1 else None
        category_ticks(ax, effect.grid[0], "x", counts)
        ax.set_xlim(-0.5, len(x) - 0.5)
    line.set_gid("ale")
    ax.axhline(0.0, color=LINE, lw=0.8, ls="--", zorder=0)
    ax.set_xlabel(shorten(effect.features[0], 40))
    ax.set_ylabel("accumulated local effect" + output_suffix(effect.output_names, o))
    if have_band:
        ax.legend(loc="best", fontsize=8, frameon=False)
    ax.grid(alpha=0.25)
    return ax


def _ale_2d(effect: Effect, o: int, ax: Any) -> Axes:
    Z = _surface(effect, o)
    ax = new_axes(ax, (6.4, 4.8))
    xs, ys = _axis_values(effect, 0), _axis_values(effect, 1)
    finite = Z[np.isfinite(Z)]
    vmax = float(np.abs(finite).max()) if finite.size else 1.0
    vmax = vmax if vmax > 0 else 1.0
    mesh = ax.pcolormesh(xs, ys, np.ma.masked_invalid(Z.T), shading="nearest", cmap=DIVERGING_CMAP,
                         vmin=-vmax, vmax=vmax)
    mesh.set_gid("ale_2d")
    _heatmap_ticks(ax, effect, 0, "x")
    _heatmap_ticks(ax, effect, 1, "y")
    if "numeric" not in effect.kinds:
        _annotate_cells(ax, Z, xs, ys, mesh)
    cb = ax.figure.colorbar(mesh, ax=ax)
    cb.set_label("second-order ALE" + output_suffix(effect.output_names, o))
    ax.set_xlabel(shorten(effect.features[0], 40))
    ax.set_ylabel(shorten(effect.features[1], 40))
    return ax


# ============================================================= dispatch
def _panels(func: Any, effects: Effects, ax: Any, kwargs: dict) -> np.ndarray:
    axes = panel_axes(len(effects), ax)
    for e, a in zip(effects, axes):
        func(e, ax=a, **kwargs)
    return axes


def _choose(e: Effect) -> Any:
    if e.method == "ale":
        return ale
    if len(e.features) == 2:
        return pdp_2d
    return partial_dependence


def _params(func: Any) -> set[str]:
    return {n for n, p in inspect.signature(func).parameters.items()
            if p.kind == p.KEYWORD_ONLY and n != "ax"}


def effect(effect: Effect | Effects, *, output: str | int | None = None, ax: Any = None, **kwargs: Any) -> Any:
    """Draw any Effect: ALE by :func:`ale`, two-feature PDP by :func:`pdp_2d`, else :func:`partial_dependence`.

    Parameters
    ----------
    effect : Effect or Effects
        One Effect, or a collection drawn as a grid of panels (each panel chosen by
        its own method and number of features).
    output : str or int, optional
        The output to draw. Default: the last output (the positive class of a binary classifier).
    ax : matplotlib Axes (or an array of Axes for ``Effects``), optional
    **kwargs
        Options of the chosen function (e.g. ``ice=False``, ``max_ice=50``, ``band=False``);
        each panel gets the options its function takes. An option that no
        effect plot takes is a TypeError.

    Returns
    -------
    matplotlib.axes.Axes, or ndarray of Axes (n_effects,) for an ``Effects``.

    Examples
    --------
    >>> import numpy as np
    >>> from unboxed import Effect
    >>> from unboxed.plots import effect
    >>> g = np.linspace(0, 1, 5)
    >>> ax = effect(Effect(features=["x"], kinds=["numeric"], grid=[g], average=g[:, None],
    ...                    output_names=["y"]))
    """
    known = _params(partial_dependence) | _params(pdp_2d) | _params(ale)
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise TypeError(f"effect() got unexpected option(s) {unknown}; the effect plots take {sorted(known)}")
    if isinstance(effect, Effects):
        axes = panel_axes(len(effect), ax)
        for e, a in zip(effect, axes):
            _draw_one(e, a, output, kwargs)
        return axes
    check_result(effect, (Effect, Effects), "effect")
    return _draw_one(effect, ax, output, kwargs)


def _draw_one(e: Effect, ax: Any, output: Any, kwargs: dict) -> Axes:
    func = _choose(e)
    take = _params(func)
    return func(e, output=output, ax=ax, **{k: v for k, v in kwargs.items() if k in take})


# ========================================================== interaction
def interaction(inter: Interaction, *, output: str | int | None = None, max_display: int = 20,
                ax: Axes | None = None) -> Axes:
    """Bars of interaction strength (Friedman's H²), strongest on top.

    Parameters
    ----------
    inter : Interaction
        ``values`` (n_pairs, n_outputs); pairs ``("a", "b")`` are labelled "a × b",
        one-vs-rest entries ``("a",)`` "a × rest". Undefined (NaN) values are drawn last,
        as empty bars marked "undefined".
    output : str or int, optional
        The output to draw. Default: the last output (the positive class of a binary classifier).
    max_display : int, default 20
        The strongest entries drawn.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    Friedman, J. H., Popescu, B. E. (2008). Predictive learning via rule ensembles.
    Annals of Applied Statistics 2(3), 916-954.

    Examples
    --------
    >>> from unboxed import Interaction
    >>> from unboxed.plots import interaction
    >>> h = Interaction(pairs=[("a", "b"), ("a",)], values=[[0.4], [0.1]], output_names=["y"])
    >>> ax = interaction(h)
    """
    check_result(inter, Interaction, "interaction")
    max_display = check_max_display(max_display)
    if len(inter) == 0:
        raise ValueError("interaction() needs at least one pair; this Interaction is empty")
    o = resolve_output(inter.output_names, output)
    vals = check_finite(inter.values[:, o], "Interaction.values", allow_nan=True)
    key = np.where(np.isnan(vals), -np.inf, vals)
    order = np.argsort(-key, kind="stable")[:max_display]
    m = len(order)
    labels = []
    for i in order:
        p = inter.pairs[i]
        labels.append(" × ".join(shorten(f, 20) for f in p) if len(p) == 2 else f"{shorten(p[0], 26)} × rest")
    ax = new_axes(ax, (7.0, 0.36 * m + 1.6))
    y = np.arange(m)
    shown = np.nan_to_num(vals[order], nan=0.0)
    ax.barh(y, shown, height=0.65, color=NEUTRAL, label=inter.statistic)
    span = float(np.abs(shown).max()) if m else 1.0
    for yi, v in zip(y, vals[order]):
        ax.text((v if np.isfinite(v) else 0.0) + 0.01 * (span or 1.0), yi,
                fmt_number(v, 3) if np.isfinite(v) else "undefined", va="center", fontsize=8, color="#333333")
    ax.set_yticks(y, labels)
    ax.set_ylim(m - 0.5, -0.5)
    ax.set_xlim(min(0.0, float(np.nanmin(shown)) * 1.1), max(span * 1.15, 1e-12))
    ax.axvline(0.0, color=LINE, lw=0.8)
    stat = "H²" if inter.statistic == "H2" else inter.statistic
    ax.set_xlabel(f"interaction strength ({stat})")
    parts = []
    if len(inter.output_names) > 1:
        parts.append(f"output {inter.output_names[o]}")
    if m < len(inter):
        parts.append(f"top {m} of {len(inter)}")
    if parts:
        ax.set_title(" · ".join(parts), fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return ax

