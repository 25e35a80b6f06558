"""Shared helpers of the plots: colours, label shortening, number formatting, checks.

Nothing here computes an explanation; these helpers only turn results into
readable pictures and check the arguments of the plot functions at the boundary.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap

from .._validation import check_choice, check_positive_int, describe

__all__ = [
    "POS", "NEG", "NEUTRAL", "MISSING", "LINE", "FEATURE_CMAP", "DIVERGING_CMAP",
    "shorten", "fmt_number", "fmt_value", "feature_label", "resolve_output", "check_result",
    "check_max_display", "check_finite", "new_axes", "panel_axes", "encode_column",
    "color_scale", "top_features", "output_suffix", "swarm_offsets", "interaction_scores", "row_order",
]

#: Colour of contributions that push the output up.
POS = "#e8194d"
#: Colour of contributions that push the output down.
NEG = "#1f78d1"
#: Bars and lines that carry no sign.
NEUTRAL = "#3b6ea8"
#: Points whose feature value is missing.
MISSING = "#b4b4b4"
#: Reference lines (zero, base value).
LINE = "#777777"
#: Low (blue) to high (red) feature values, through purple.
FEATURE_CMAP = LinearSegmentedColormap.from_list("unboxed_feature", [NEG, "#8e3fb8", POS])
#: Negative (blue), zero (white), positive (red): for signed values centred at 0.
DIVERGING_CMAP = LinearSegmentedColormap.from_list("unboxed_diverging", [NEG, "#f7f7f7", POS])

ELLIPSIS = "\u2026"
MINUS = "\u2212"


# ------------------------------------------------------------------ text
def shorten(text: Any, width: int = 30) -> str:
    """``text`` as a string of at most ``width`` characters, cut with an ellipsis.

    >>> shorten("a_really_long_feature_name_from_a_pipeline", 16)
    'a_really_long_f…'
    """
    s = str(text)
    if len(s) <= width:
        return s
    return s[: max(1, width - 1)] + ELLIPSIS


def fmt_number(x: Any, digits: int = 3, *, sign: bool = False) -> str:
    """A readable number: ``digits`` significant digits, no needless zeros.

    Thousands get separators from 10,000 on; very small or very large numbers use
    scientific notation; a proper minus sign is used; ``sign=True`` adds ``+``.

    >>> fmt_number(0.123456), fmt_number(1998.0), fmt_number(123456.7), fmt_number(-2.5e-5)
    ('0.123', '1998', '123,457', '−2.5e-05')
    """
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return ("+" if sign else "") + "∞" if v > 0 else MINUS + "∞"
    a = abs(v)
    if a == 0:
        s = "0"
    elif 1e-3 <= a < 1e7:
        decimals = max(0, digits - 1 - math.floor(math.log10(a)))
        s = f"{a:,.{decimals}f}" if a >= 1e4 else f"{a:.{decimals}f}"
        if "." in s:
            s = s.rstrip("0").rstrip(".")
    else:
        mant, exp = f"{a:.{max(digits - 1, 0)}e}".split("e")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        s = f"{mant}e{exp}"
    if v < 0 and s != "0":
        return MINUS + s
    return ("+" + s) if sign and v > 0 else s


def fmt_value(v: Any, width: int = 20) -> str:
    """A data value as shown in a label: numbers formatted, text shortened, missing as "missing"."""
    if v is None or v is pd.NA or v is pd.NaT:
        return "missing"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        if math.isnan(f):
            return "missing"
        if f.is_integer() and abs(f) < 1e15:
            i = int(f)
            body = f"{abs(i):,}" if abs(i) >= 10_000 else str(abs(i))
            return MINUS + body if i < 0 else body
        return fmt_number(f, digits=4)
    return shorten(v, width)


def feature_label(name: str, value: Any = None, *, with_value: bool = False, width: int = 28) -> str:
    """``"name = value"`` (name shortened) or just the name."""
    if not with_value:
        return shorten(name, width)
    return f"{shorten(name, max(8, width - 10))} = {fmt_value(value, 16)}"


def output_suffix(output_names: Sequence[str], o: int) -> str:
    """``" [name]"`` when there are several outputs, else ``""``."""
    return f" [{output_names[o]}]" if len(output_names) > 1 else ""


# ---------------------------------------------------------------- checks
def check_result(obj: Any, types: type | tuple[type, ...], func: str) -> None:
    """TypeError naming the result types a plot takes and what came."""
    if not isinstance(obj, types):
        tup = types if isinstance(types, tuple) else (types,)
        want = " or ".join(t.__name__ for t in tup)
        raise TypeError(f"{func}() takes an unboxed {want} result, got {describe(obj)}")


def resolve_output(output_names: Sequence[str], output: Any) -> int:
    """Position of the chosen output: a name, a position (negative counts from the end),
    or ``None`` for the last output (the positive class of a binary classifier)."""
    k = len(output_names)
    if k == 0:
        raise ValueError("the result has no outputs")
    if output is None:
        return k - 1
    if isinstance(output, str):
        names = list(output_names)
        if output in names:
            return names.index(output)
        raise ValueError(f"output {output!r} is not one of the result's outputs {names}")
    if isinstance(output, (numbers.Integral, np.integer)) and not isinstance(output, (bool, np.bool_)):
        i = int(output)
        if not -k <= i < k:
            raise ValueError(f"output position {i} is out of range for a result with {k} output(s) "
                             f"{list(output_names)}")
        return i % k
    raise TypeError(f"output must be None, an output name or a position, got {describe(output)}")


def check_max_display(value: Any, name: str = "max_display") -> int:
    return check_positive_int(value, name)


def check_finite(arr: np.ndarray, name: str, *, allow_nan: bool = False) -> np.ndarray:
    """ValueError naming the first non-finite entry (NaN may be allowed, inf never)."""
    a = np.asarray(arr, dtype=np.float64)
    bad = np.isinf(a) if allow_nan else ~np.isfinite(a)
    if bad.any():
        idx = tuple(int(i[0]) for i in np.nonzero(bad))
        allowed = "must not be infinite" if allow_nan else "must be finite"
        raise ValueError(f"{name} {allowed}, found {a[idx]!r} at index {idx}")
    return a


def check_ax(ax: Any) -> Axes:
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {describe(ax)}")
    return ax


def new_axes(ax: Any, figsize: tuple[float, float]) -> Axes:
    """The caller's Axes, or a new figure (constrained layout) of ``figsize`` inches."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
        return ax
    return check_ax(ax)


def panel_axes(n: int, ax: Any, *, ncols: int = 3, panel_size: tuple[float, float] = (4.6, 3.6)) -> np.ndarray:
    """``n`` Axes for a grid of panels: the caller's (an array of at least ``n``) or a new figure."""
    if n == 0:
        raise ValueError("there is nothing to draw: the Effects collection is empty")
    if ax is None:
        ncols = min(ncols, n)
        nrows = math.ceil(n / ncols)
        fig, axs = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                                layout="constrained", squeeze=False)
        flat = axs.ravel()
        for extra in flat[n:]:
            extra.remove()
        out = np.empty(n, dtype=object)
        out[:] = list(flat[:n])
        return out
    items = [ax] if isinstance(ax, Axes) else list(np.asarray(ax, dtype=object).ravel())
    for a in items:
        check_ax(a)
    if len(items) < n:
        raise ValueError(f"{n} panels need {n} Axes, but ax holds {len(items)}")
    out = np.empty(n, dtype=object)
    out[:] = items[:n]
    return out


# ----------------------------------------------------------------- data
_NUMERIC_KINDS = {"floating", "integer", "mixed-integer-float", "decimal", "boolean", "empty"}


def encode_column(col: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Numbers for one column of an ``Attribution.data`` (object) array.

    Returns ``(values, categories)``: float values (NaN = missing) and ``None``
    for numeric columns; for text / mixed columns the integer codes (as floats,
    NaN = missing) into ``categories``, the sorted distinct labels.
    """
    s = pd.Series(np.asarray(col, dtype=object), dtype=object)
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind in _NUMERIC_KINDS:
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan), None
    missing = s.isna().to_numpy()
    labels = s[~missing].astype(str).to_numpy()
    cats = np.unique(labels)
    codes = np.full(len(s), np.nan)
    codes[~missing] = np.searchsorted(cats, labels)
    return codes, cats.astype(object)


def color_scale(values: np.ndarray, categories: np.ndarray | None) -> np.ndarray:
    """Map an encoded column to [0, 1] for colouring (NaN stays NaN).

    Numeric columns are clipped to their 5th-95th percentiles first, so a few
    outliers do not wash out the colours; categorical codes are spread evenly.
    """
    v = np.asarray(values, dtype=np.float64)
    out = np.full(v.shape, np.nan)
    ok = ~np.isnan(v)
    if not ok.any():
        return out
    if categories is not None:
        m = len(categories)
        out[ok] = v[ok] / (m - 1) if m > 1 else 0.5
        return out
    lo, hi = np.percentile(v[ok], [5, 95])
    if hi <= lo:
        lo, hi = v[ok].min(), v[ok].max()
    if hi <= lo:
        out[ok] = 0.5
        return out
    out[ok] = np.clip((v[ok] - lo) / (hi - lo), 0.0, 1.0)
    return out


def top_features(order: np.ndarray, max_display: int) -> tuple[np.ndarray, np.ndarray]:
    """Split an importance order into the features shown and the rest.

    When there are more features than ``max_display``, ``max_display - 1``
    are shown and the remaining ones are summed into one "N other features" entry.
    """
    order = np.asarray(order, dtype=np.intp)
    if len(order) <= max_display:
        return order, order[:0]
    return order[: max_display - 1], order[max_display - 1:]


def category_ticks(ax: Axes, labels: Sequence[str], axis: str = "x", counts: np.ndarray | None = None) -> None:
    """Put category labels (and, when given, ``n=`` counts) on an axis, rotated when crowded."""
    texts = [fmt_value(lab, 18) for lab in labels]
    crowded = len(texts) > 6 or max((len(t) for t in texts), default=0) > 10
    if counts is not None and len(counts) == len(texts):
        sep = " " if (crowded or axis == "y") else "\n"
        texts = [f"{t}{sep}(n={fmt_number(c, 6)})" for t, c in zip(texts, counts)]
    pos = np.arange(len(texts))
    if axis == "x":
        ax.set_xticks(pos, texts, rotation=35 if crowded else 0, ha="right" if crowded else "center",
                      rotation_mode="anchor" if crowded else "default")
    else:
        ax.set_yticks(pos, texts)


# --------------------------------------------------------------- layouts
def swarm_offsets(X: np.ndarray, key: np.ndarray | None = None, *, nbins: int = 100, width: float = 0.4,
                   max_step: float = 0.08) -> np.ndarray:
    """Vertical offsets that spread the points of each column like a bee swarm.

    Each column's values are cut into ``nbins`` bins; inside a bin the points
    (ordered by ``key``, NaN last, then by row) go alternately above and below the
    centre line, one ``step`` further out every two points. The step of a column is
    ``min(max_step, width / largest layer)``, so the swarm stays within ±``width``.
    Fully vectorised: one lexsort over all points, O(N log N).

    Parameters
    ----------
    X : ndarray (n, m)
    key : ndarray (n, m), optional
    Returns
    -------
    ndarray (n, m) of offsets in [-width, width].
    """
    X = np.asarray(X, dtype=np.float64)
    n, m = X.shape
    if n == 0 or m == 0:
        return np.zeros((n, m))
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    q = np.clip(np.floor(nbins * (X - lo) / span), 0, nbins).astype(np.int64)
    groups = (q + (nbins + 1) * np.arange(m)[None, :]).T.ravel()          # column-major
    k = np.zeros(n * m) if key is None else np.nan_to_num(np.asarray(key, dtype=np.float64).T.ravel(), nan=np.inf)
    idx = np.lexsort((np.arange(n * m), k, groups))
    gs = groups[idx]
    pos = np.arange(n * m)
    first = np.maximum.accumulate(np.where(np.r_[True, gs[1:] != gs[:-1]], pos, 0))
    rank = pos - first
    layer = (rank + 1) // 2
    off = np.where(rank % 2 == 1, 1.0, -1.0) * layer
    col = idx // n
    top = np.zeros(m)
    np.maximum.at(top, col, layer)
    step = np.minimum(max_step, width / np.maximum(top, 1))
    out = np.empty(n * m)
    out[idx] = off * step[col]
    return out.reshape(m, n).T


def _bins_of(x: np.ndarray, cats: np.ndarray | None, max_bins: int) -> np.ndarray:
    """Bin ids of a feature's encoded values: distinct values when few, else quantile bins; NaN its own bin."""
    n = len(x)
    b = np.zeros(n, dtype=np.int64)
    ok = ~np.isnan(x)
    if not ok.any():
        return b
    uniq = np.unique(x[ok])
    if cats is not None or len(uniq) <= max_bins:
        b[ok] = np.searchsorted(uniq, x[ok])
        nb = len(uniq)
    else:
        edges = np.unique(np.quantile(x[ok], np.linspace(0, 1, max_bins + 1)[1:-1]))
        b[ok] = np.searchsorted(edges, x[ok], side="right")
        nb = len(edges) + 1
    b[~ok] = nb
    return b


def interaction_scores(data: np.ndarray, j: int, y: np.ndarray) -> tuple[np.ndarray, float]:
    """How well each other feature explains the spread of feature j's attribution left after binning by j.

    Rows are binned by feature j (its distinct values when few, else ~``n/20`` quantile
    bins, at most 30); the residual ``r = y - mean(y | bin)`` is what feature j alone does
    not explain; it is standardised within each bin so every bin counts by its size. A
    numeric candidate k is fitted to ``r`` by least squares *within each bin*
    (its own slope per bin, since an interaction's sign can flip along feature j); a
    categorical candidate by its category means within each bin. The score is the
    adjusted R² of that fit (degrees of freedom: one slope, or (categories - 1), per bin),
    so candidates with many categories are not favoured by chance. Missing values of k
    contribute nothing.

    Returns ``(scores, threshold)``: the scores (n_features,), -inf for j itself and for
    features that cannot be scored, and the smallest score worth colouring by,
    ``max(0.05, 4 * sqrt(2 * n_bins) / (n - n_bins))`` — about four standard deviations
    of the score of an unrelated feature (a slope per bin on standardised residuals).
    """
    n, p = data.shape
    scores = np.full(p, -np.inf)
    threshold = 0.05
    xj, cj = encode_column(data[:, j])
    b = _bins_of(xj, cj, max(2, min(30, n // 20)))
    nb = int(b.max()) + 1
    cnt = np.bincount(b, minlength=nb).astype(np.float64)
    r = y - (np.bincount(b, y, nb) / np.maximum(cnt, 1))[b]
    if float(r @ r) <= 1e-12 * max(float(y @ y), 1e-300):
        return scores, threshold
    # standardise within each bin, so that every bin weighs by its size and a few wide
    # (tail) bins cannot dominate the fit by chance
    sd = np.sqrt(np.bincount(b, r * r, nb) / np.maximum(cnt, 1))
    live = sd[b] > 1e-12 * float(np.abs(r).max())
    r = np.where(live, r / np.where(live, sd[b], 1.0), 0.0)
    ss_tot = float(r @ r)
    dof_tot = int(live.sum()) - np.count_nonzero(np.bincount(b[live], minlength=nb))
    if dof_tot <= 1:
        return scores, threshold
    n_bins = n - dof_tot if n > dof_tot else 1
    threshold = max(threshold, 4.0 * np.sqrt(2.0 * n_bins) / max(dof_tot, 1))
    for k in range(p):
        if k == j:
            continue
        xk, ck = encode_column(data[:, k])
        ok = ~np.isnan(xk)
        if ok.sum() < 3:
            continue
        if ck is None:
            w = ok.astype(np.float64)
            xz = np.where(ok, xk, 0.0)
            mean_b = np.bincount(b, xz, nb) / np.maximum(np.bincount(b, w, nb), 1)
            dx = np.where(ok, xk - mean_b[b], 0.0)
            sxy = np.bincount(b, dx * r, nb)
            sxx = np.bincount(b, dx * dx, nb)
            use = sxx > 1e-12 * max(float(sxx.max()), 1e-300)
            explained = float(np.sum(sxy[use] ** 2 / sxx[use]))
            dof = int(use.sum())
        else:
            g = b * (len(ck) + 1) + np.where(ok, xk, len(ck)).astype(np.int64)
            _, gi = np.unique(g, return_inverse=True)
            gc = np.bincount(gi).astype(np.float64)
            explained = float(np.sum(np.bincount(gi, r) ** 2 / gc))
            dof = len(gc) - np.count_nonzero(cnt)
        left = dof_tot - dof
        if left <= 0:
            continue
        scores[k] = 1.0 - ((ss_tot - explained) / left) / (ss_tot / dof_tot)
    return scores, float(threshold)


def row_order(V: np.ndarray, total: np.ndarray, order: Any) -> np.ndarray:
    n = V.shape[0]
    if order is None:
        return np.arange(n)
    if isinstance(order, str):
        check_choice(order, "order", ("hclust", "output"))
        if order == "output":
            return np.argsort(total, kind="stable")
        if n < 3:
            return np.arange(n)
        if n > 2000:
            # hierarchical clustering is O(n²) in memory: order by the leading principal direction instead
            Z = V - V.mean(axis=0)
            _, _, vt = np.linalg.svd(Z[:: max(1, n // 2000)], full_matrices=False)
            return np.argsort(Z @ vt[0], kind="stable")
        from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
        from scipy.spatial.distance import pdist
        d = pdist(V)
        link = linkage(d, method="average")
        if n <= 600:
            link = optimal_leaf_ordering(link, d)
        return leaves_list(link)
    arr = np.asarray(order)
    if arr.dtype.kind not in "iu" or arr.shape != (n,) or not np.array_equal(np.sort(arr), np.arange(n)):
        raise ValueError(f"order must be 'hclust', 'output', None or a permutation of the {n} row positions, "
                         f"got {describe(order) if not isinstance(order, np.ndarray) else arr.shape}")
    return arr.astype(np.intp)
