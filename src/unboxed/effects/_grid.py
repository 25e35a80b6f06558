"""Grid helpers for partial dependence and ICE.

Everything here works on the encoded matrix ``Z`` of :class:`unboxed._data.Schema`
(numeric columns hold values, categorical columns hold codes or their discrete
values). The numeric grid is the one of ``sklearn.inspection.partial_dependence``:
the distinct values of a feature when there are fewer than ``grid_resolution``,
else ``grid_resolution`` evenly spaced points between two percentiles computed
with :func:`scipy.stats.mstats.mquantiles` (its default plotting positions).
A numeric column of an integer dtype gets an integer grid (the linspace points
rounded, duplicates dropped): the model only ever sees integers there, and
DataFrames decode such columns back to integers.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._data import Schema
from .._validation import describe

__all__ = ["Axis", "parse_features", "check_percentiles", "parse_custom_grids", "feature_axis",
           "numeric_grid", "deciles", "counts", "sample_rows"]


@dataclass(frozen=True)
class Axis:
    """The grid of one feature.

    Attributes
    ----------
    column : int
        Position of the feature in the schema.
    values : ndarray (g,)
        Encoded grid values (what goes into ``Z``).
    labels : ndarray (g,)
        What the user sees: numbers (float) for numeric features, category
        labels (object) for categorical ones.
    kind : {"numeric", "categorical"}
    """

    column: int
    values: np.ndarray
    labels: np.ndarray
    kind: str


def is_integer_dtype(dtype: Any) -> bool:
    """Whether a column's dtype (numpy, pandas or polars) holds integers."""
    if isinstance(dtype, np.dtype):
        return dtype.kind in "iu"
    if str(dtype).startswith(("Int", "UInt")):  # pandas nullable and polars integers
        return True
    try:
        return bool(pd.api.types.is_integer_dtype(dtype))
    except TypeError:  # pragma: no cover - exotic dtypes
        return False


def _is_feature_key(obj: Any) -> bool:
    return isinstance(obj, (str, numbers.Integral)) and not isinstance(obj, (bool, np.bool_))


def parse_features(features: Any, schema: Schema) -> list[tuple[int, ...]]:
    """Turn ``features`` into a list of 1- or 2-tuples of column positions.

    ``features`` is a name or position (one 1-D effect), ``None`` (every
    feature, 1-D), or a list / tuple whose items are names / positions (1-D) or
    pairs of them (2-D).
    """
    if features is None:
        return [(j,) for j in range(schema.n_features)]
    if _is_feature_key(features):
        return [(schema.index(features),)]
    if isinstance(features, np.ndarray):
        features = features.tolist()
    if not isinstance(features, (list, tuple)):
        raise TypeError(f"features must be a feature name / position or a list of them (pairs as tuples), "
                        f"got {describe(features)}")
    if len(features) == 0:
        raise ValueError("features is empty; expected at least one feature or pair of features")
    out: list[tuple[int, ...]] = []
    for item in features:
        if _is_feature_key(item):
            out.append((schema.index(item),))
        elif isinstance(item, (list, tuple)):
            if len(item) not in (1, 2) or not all(_is_feature_key(x) for x in item):
                raise ValueError(f"an item of features is a feature or a pair of features, got {item!r}")
            cols = tuple(schema.index(x) for x in item)
            if len(cols) == 2 and cols[0] == cols[1]:
                raise ValueError(f"a pair of features must name two different features, got {item!r}")
            out.append(cols)
        else:
            raise TypeError(f"an item of features is a name, a position or a pair of them, got {describe(item)}")
    if len(set(out)) != len(out):
        dup = sorted({tuple(schema.names[j] for j in c) for c in out if out.count(c) > 1})
        raise ValueError(f"features asks for the same effect more than once: {dup}")
    return out


def check_percentiles(percentiles: Any) -> tuple[float, float]:
    """Validate a ``(low, high)`` pair of fractions with ``0 <= low < high <= 1``."""
    try:
        lo, hi = (float(v) for v in percentiles)
    except (TypeError, ValueError):
        raise ValueError(f"percentiles must be two numbers (low, high) in [0, 1], got {percentiles!r}") from None
    if not (0.0 <= lo < hi <= 1.0):
        raise ValueError(f"percentiles must satisfy 0 <= low < high <= 1, got {percentiles!r}")
    return lo, hi


def parse_custom_grids(grid: Mapping | None, schema: Schema) -> dict[int, np.ndarray]:
    """Validate ``grid={feature: values}`` and encode the values of each feature.

    Numeric features take finite numbers; categorical features take category
    labels (or, for discrete numeric columns, numbers).
    """
    if grid is None:
        return {}
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid must be a dict {{feature: values}}, got {describe(grid)}")
    out: dict[int, np.ndarray] = {}
    for key, values in grid.items():
        j = schema.index(key)
        col = schema.columns[j]
        vals = np.asarray(values, dtype=object if col.encoding == "codes" else None)
        if vals.ndim == 0:
            vals = vals.reshape(1)
        if vals.ndim != 1 or vals.size == 0:
            raise ValueError(f"the grid of {col.name!r} must be a non-empty 1-D list of values, got shape {vals.shape}")
        if col.encoding == "codes":
            lookup = {c: i for i, c in enumerate(col.categories)}
            codes = []
            for v in vals.tolist():
                if v not in lookup:
                    raise ValueError(f"the grid of {col.name!r} holds {v!r}, which is not one of its categories "
                                     f"{[str(c) for c in col.categories][:20]}")
                codes.append(lookup[v])
            enc = np.asarray(codes, dtype=np.float64)
        else:
            if vals.dtype.kind not in "biuf":
                raise TypeError(f"the grid of numeric feature {col.name!r} must hold numbers, got {vals.tolist()[:3]}")
            enc = vals.astype(np.float64)
            if not np.all(np.isfinite(enc)):
                raise ValueError(f"the grid of {col.name!r} must be finite, got {enc.tolist()[:10]}")
            if is_integer_dtype(col.dtype) and np.any(enc != np.round(enc)):
                raise ValueError(f"feature {col.name!r} holds integers ({col.dtype}); its grid must hold integers "
                                 f"too, got {enc[enc != np.round(enc)][:5].tolist()}")
        out[j] = enc
    return out


def numeric_grid(x: np.ndarray, grid_resolution: int, percentiles: tuple[float, float], name: str = "") -> np.ndarray:
    """The sklearn grid of a numeric column (missing values ignored).

    The distinct values if there are fewer than ``grid_resolution`` of them,
    else ``grid_resolution`` evenly spaced points between the empirical
    ``percentiles`` (``scipy.stats.mstats.mquantiles``).
    """
    from scipy.stats.mstats import mquantiles

    x = np.asarray(x, dtype=np.float64)
    x = x[~np.isnan(x)]
    if x.size == 0:
        raise ValueError(f"feature {name!r} has only missing values; give its grid with grid={{{name!r}: [...]}}")
    uniques = np.unique(x)
    if uniques.shape[0] < grid_resolution:
        return uniques
    lo, hi = np.asarray(mquantiles(x, prob=percentiles, axis=0), dtype=np.float64)
    if np.allclose(lo, hi):
        raise ValueError(f"the percentiles {percentiles} of feature {name!r} are too close to each other "
                         f"({lo} and {hi}) to build a grid; choose percentiles further apart or give a grid")
    return np.linspace(lo, hi, num=grid_resolution, endpoint=True)


def feature_axis(schema: Schema, Z: np.ndarray, j: int, grid_resolution: int,
                 percentiles: tuple[float, float], custom: np.ndarray | None = None) -> Axis:
    """The grid of column ``j``: custom values, every category, or the numeric grid."""
    col = schema.columns[j]
    if custom is not None:
        values = custom
    elif col.kind == "categorical":
        values = schema.grid_values(j)
        if values is None or values.size == 0:  # pragma: no cover - schema always has categories
            raise ValueError(f"categorical feature {col.name!r} has no categories")
    else:
        values = numeric_grid(Z[:, j], grid_resolution, percentiles, col.name)
        if is_integer_dtype(col.dtype):
            values = np.unique(np.round(values))
    values = np.asarray(values, dtype=np.float64)
    if col.kind == "categorical":
        labels = schema.labels(j, values)
    else:
        labels = values.copy()
    return Axis(column=j, values=values, labels=labels, kind=col.kind)


def deciles(x: np.ndarray) -> np.ndarray | None:
    """Deciles (10 %, ..., 90 %) of a numeric column, as sklearn's PDP display draws them."""
    from scipy.stats.mstats import mquantiles

    x = np.asarray(x, dtype=np.float64)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return None
    return np.asarray(mquantiles(x, prob=np.arange(0.1, 1.0, 0.1)), dtype=np.float64)


def counts(Z: np.ndarray, axes: list[Axis]) -> np.ndarray | None:
    """Rows of ``Z`` at each grid value of categorical axes: (g1,) or (g1, g2).

    None when an axis is numeric (a count per grid point means nothing there).
    """
    if any(a.kind != "categorical" for a in axes):
        return None
    hits = []
    for a in axes:
        z = Z[:, a.column]
        hits.append(z[:, None] == a.values[None, :])  # (n, g)
    if len(hits) == 1:
        return hits[0].sum(axis=0).astype(np.float64)
    return (hits[0].T.astype(np.float64) @ hits[1].astype(np.float64))


def sample_rows(n: int, sample: Any, rng: np.random.Generator) -> np.ndarray | None:
    """Sorted row positions of a subsample without replacement (None: all rows).

    ``sample`` is a number of rows (int >= 1) or a fraction in (0, 1].
    """
    if sample is None:
        return None
    if isinstance(sample, (bool, np.bool_)):
        raise TypeError("sample must be a number of rows (int) or a fraction in (0, 1], got bool")
    if isinstance(sample, numbers.Integral):
        if sample < 1:
            raise ValueError(f"sample must be a positive number of rows or a fraction in (0, 1], got {sample}")
        m = min(int(sample), n)
    elif isinstance(sample, numbers.Real):
        if not (0.0 < float(sample) <= 1.0):
            raise ValueError(f"a fractional sample must be in (0, 1], got {sample}")
        m = max(1, int(round(float(sample) * n)))
    else:
        raise TypeError(f"sample must be a number of rows (int) or a fraction in (0, 1], got {describe(sample)}")
    if m >= n:
        return None
    return np.sort(rng.choice(n, size=m, replace=False))
