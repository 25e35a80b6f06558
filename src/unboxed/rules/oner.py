"""OneR (Holte 1993): the best single-feature rule set.

For every feature, OneR builds the cross table of the feature's values against
the class, predicts the majority class of each value, and counts the training
errors; it keeps the feature with the fewest errors. Numeric features are first
cut into intervals with Holte's method.
"""

from __future__ import annotations

import warnings
from typing import Any

import numba
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from .._data import _plain
from .._parallel import chunk_slices, map_chunks
from .._validation import check_positive_int
from ._base import RuleClassifierMixin, check_predict_X, class_counts, threshold_value
from ._types import Condition

__all__ = ["OneR"]

#: A nominal feature with more than this many levels, and more levels than
#: ``HIGH_CARDINALITY_SHARE`` of the rows, triggers a warning.
HIGH_CARDINALITY_LEVELS = 100
HIGH_CARDINALITY_SHARE = 0.1


@numba.njit(cache=True)
def _first_argmax(a: np.ndarray) -> int:
    best = 0
    for k in range(1, a.shape[0]):
        if a[k] > a[best]:
            best = k
    return best


@numba.njit(cache=True)
def _holte_intervals(C: np.ndarray, min_bucket: int) -> np.ndarray:
    """Holte's discretization of sorted distinct values with class counts ``C`` (m, K).

    Returns the index (into the distinct values) of the last value of each
    interval, after merging neighbours with the same majority class.
    """
    m, K = C.shape
    ends = np.empty(m, dtype=np.int64)
    cls = np.empty(m, dtype=np.int64)
    acc = np.zeros(K, dtype=np.int64)
    n_int = 0
    i = 0
    while i < m:
        acc[:] = 0
        j = i
        while j < m:
            acc += C[j]
            j += 1
            if acc.max() >= min_bucket:
                break
        c = _first_argmax(acc)
        if acc[c] >= min_bucket:
            # keep adding values whose rows all have the bucket's class
            while j < m and C[j, c] == C[j].sum():
                acc += C[j]
                j += 1
        ends[n_int] = j - 1
        cls[n_int] = _first_argmax(acc)
        n_int += 1
        i = j
    # merge neighbouring intervals that predict the same class
    out = np.empty(n_int, dtype=np.int64)
    n_out = 0
    for t in range(n_int):
        if n_out > 0 and cls[t] == cls[t - 1]:
            out[n_out - 1] = ends[t]
        else:
            out[n_out] = ends[t]
            n_out += 1
    return out[:n_out]


def _errors(counts: np.ndarray) -> int:
    counts = np.atleast_2d(counts)
    return int(counts.sum() - counts.max(axis=1).sum()) if counts.size else 0


def _evaluate_features(features: Any, Z: np.ndarray, y_idx: np.ndarray, n_classes: int, categorical: np.ndarray,
                       min_bucket: int, min_category_count: int) -> list:
    """OneR's rule set for each feature of a chunk: (errors, n_rules, spec)."""
    out = []
    for j in range(Z.shape[1])[features]:
        z = Z[:, j]
        miss = np.isnan(z)
        miss_counts = np.bincount(y_idx[miss], minlength=n_classes) if miss.any() else None
        zp, yp = z[~miss], y_idx[~miss]
        if categorical[j]:
            levels, first, inv = np.unique(zp, return_index=True, return_inverse=True)
            counts = class_counts(inv.ravel(), yp, levels.size, n_classes)
            support = counts.sum(axis=1)
            keep = support >= min_category_count
            order = np.lexsort((first, -support))  # support descending, then first appearance
            order = order[keep[order]]
            folded = counts[~keep].sum(axis=0) if (~keep).any() else None
            parts = [counts[order]]
            spec = ("categorical", levels[order].astype(np.int64), counts[order], folded, miss_counts,
                    int(levels.size))
        else:
            if zp.size:
                u, inv = np.unique(zp, return_inverse=True)
                C = class_counts(inv.ravel(), yp, u.size, n_classes)
                ends = _holte_intervals(C, min_bucket)
                cum = np.vstack([np.zeros((1, n_classes), dtype=np.int64), np.cumsum(C, axis=0)])
                starts = np.concatenate([[0], ends[:-1] + 1])
                counts = cum[ends + 1] - cum[starts]
                bounds = (u[ends[:-1]] + u[ends[:-1] + 1]) / 2.0  # midpoints between intervals
            else:
                counts, bounds = np.zeros((0, n_classes), dtype=np.int64), np.empty(0)
            folded = None
            parts = [counts]
            spec = ("numeric", bounds, counts, None, miss_counts, int(counts.shape[0]))
        if folded is not None:
            parts.append(folded[None, :])
        if miss_counts is not None:
            parts.append(miss_counts[None, :])
        errors = sum(_errors(p) for p in parts)
        n_rules = sum(p.shape[0] for p in parts)
        out.append((int(errors), int(n_rules), spec))
    return out


class OneR(RuleClassifierMixin, BaseEstimator):
    """OneR: the single feature whose one-level rule set makes the fewest training errors.

    For each feature: nominal features (string, ``category``, bool columns) get
    one rule per value; numeric features are cut into intervals with Holte's
    method (sort the values, grow an interval until it holds at least
    ``min_bucket`` rows of its majority class, extend it over following values
    whose rows all have that class, never split equal values, then merge
    neighbouring intervals with the same majority class; cut points are the
    midpoints between intervals). Each value / interval predicts its majority
    class; the feature with the fewest training errors wins.

    Deterministic rules:

    - majority ties go to the class that comes first in ``classes_`` (sorted labels);
    - feature ties: fewest errors, then fewest rules, then the leftmost column;
    - rule order: nominal values by support (descending), ties by first
      appearance in the training data; intervals from low to high; the
      ``is missing`` rule last. The rules of one feature never overlap, so the
      order does not change predictions.

    Missing values (NaN / None) form their own bin with its own rule when the
    training data has them. ``default_rule_`` decides rows no rule covers:
    categories not seen in fit, missing values when the training data had none,
    and (with ``min_category_count > 1``) the rare levels folded into it. It
    predicts the majority class of the folded rows, or of all training rows
    when nothing was folded; it is printed (as ``ELSE``) only when it decided
    training rows.

    OneR prefers features with many levels: an ID-like column gets zero
    training errors. ``min_bucket`` guards numeric features and
    ``min_category_count`` nominal ones; a nominal feature with very many
    levels (more than 100 and more than 10% of the rows) triggers a warning.

    scikit-learn's ``check_estimator`` passes. OneR declares the ``poor_score``
    tag: one feature cannot reach the 0.83 accuracy those checks ask of a
    classifier on their 3-blob data (OneR scores 0.79 there).

    Parameters
    ----------
    min_bucket : int, default 6
        Holte's SMALL: the least number of rows of its majority class an
        interval of a numeric feature must hold (the last interval may hold
        fewer).
    min_category_count : int, default 1
        Levels of a nominal feature seen fewer times are folded into the
        default rule instead of getting their own (1: every level gets a rule,
        as in Holte's OneR).
    smoothing : float, default 1.0
        Add-``smoothing`` (Laplace) correction of each rule's class
        frequencies returned by ``predict_proba``: ``(n_k + s) / (n + K s)``.
        0 gives the raw frequencies.
    backend : None, "processes" or dask.distributed.Client, default None
        Where the features are evaluated (the answer is the same everywhere).
    progress : bool, default True
        Progress bar over chunks of features.

    Attributes
    ----------
    feature_ : str
        The chosen feature.
    feature_index_ : int
        Its column position.
    errors_ : dict of str -> int
        Training errors of every feature's rule set.
    rules_ : list of Rule
        The chosen feature's rules (plus the default rule when it decided
        training rows).
    default_rule_ : Rule
        Decides rows no rule covers (see above).
    classes_ : ndarray of shape (n_classes,)
    target_name_ : str or None
        ``y.name`` when y is a named Series; printed as ``THEN name=value``.
    schema_ : Schema
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only for DataFrame input.

    References
    ----------
    Holte, R. C. (1993). Very simple classification rules perform well on most
    commonly used datasets. Machine Learning, 11(1), 63-90.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"Size": ["small", "big", "big", "medium", "small"],
    ...                   "Pets": ["yes", "no", "no", "no", "yes"]})
    >>> y = pd.Series(["low", "high", "high", "medium", "low"], name="Price")
    >>> model = OneR(progress=False).fit(X, y)
    >>> print(model)
    IF Size=small THEN Price=low
    ELSE IF Size=big THEN Price=high
    ELSE IF Size=medium THEN Price=medium
    >>> model.errors_
    {'Size': 0, 'Pets': 1}
    """

    def __init__(self, *, min_bucket: int = 6, min_category_count: int = 1, smoothing: float = 1.0,
                 backend: Any = None, progress: bool = True):
        self.min_bucket = min_bucket
        self.min_category_count = min_category_count
        self.smoothing = smoothing
        self.backend = backend
        self.progress = progress

    def fit(self, X: Any, y: Any) -> OneR:
        """Choose the feature and learn its rules.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, n_features)
            Numbers, strings, ``category`` and bool columns; NaN allowed.
        y : array-like of shape (n_rows,)
            Class labels.

        Returns
        -------
        self
        """
        min_bucket = check_positive_int(self.min_bucket, "min_bucket")
        min_count = check_positive_int(self.min_category_count, "min_category_count")
        smoothing = _check_smoothing(self.smoothing)
        Z, y_idx = self._fit_data(X, y)
        schema = self.schema_
        n, p = Z.shape
        K = self.classes_.size
        categorical = np.array([c.kind == "categorical" for c in schema.columns])
        chunks = chunk_slices(p, max(1, -(-p // 8)))
        results = map_chunks(_evaluate_features, chunks, backend=self.backend, progress=self.progress,
                             desc="OneR: features",
                             shared=dict(Z=Z, y_idx=y_idx, n_classes=K, categorical=categorical,
                                         min_bucket=min_bucket, min_category_count=min_count))
        per_feature = [r for chunk in results for r in chunk]
        self._warn_high_cardinality(per_feature, n)
        best = min(range(p), key=lambda j: (per_feature[j][0], per_feature[j][1], j))
        self.errors_ = {schema.names[j]: per_feature[j][0] for j in range(p)}
        self.feature_index_ = int(best)
        self.feature_ = schema.names[best]
        rules, default = self._build_rules(best, per_feature[best][2], y_idx, smoothing)
        self._set_rules(rules, default)
        self._set_lookup(per_feature[best][2], rules, default)
        return self

    def _set_lookup(self, spec: tuple, rules: list, default: Any) -> None:
        """Tables that find the deciding rule from the chosen feature alone (one searchsorted / take)."""
        kind, values, counts, _, miss_counts, _ = spec
        fallback = rules.index(default) if default in rules and default.is_default else len(rules)
        explicit = [i for i, r in enumerate(rules) if not r.is_default]
        self._missing_rule = explicit[-1] if miss_counts is not None else fallback
        if kind == "categorical":
            n_codes = len(self.schema_.columns[self.feature_index_].categories)
            table = np.full(n_codes + 1, fallback, dtype=np.int64)  # the last slot: unseen categories
            table[values] = np.arange(values.size)
            self._table, self._bounds = table, None
        else:
            m = counts.shape[0]
            self._bounds = np.asarray(values, dtype=np.float64)
            self._table = np.arange(m, dtype=np.int64) if m > 1 else np.full(max(m, 1), fallback, dtype=np.int64)

    def _rule_index(self, X: Any) -> np.ndarray:
        Z = check_predict_X(self, X)
        z = Z[:, self.feature_index_]
        miss = np.isnan(z)
        if self._bounds is None:  # codes; UNSEEN (-1) -> the last slot
            codes = np.where(miss, 0, z).astype(np.int64)
            codes[codes < 0] = self._table.size - 1
            idx = self._table[codes]
        else:
            idx = self._table[np.searchsorted(self._bounds, np.where(miss, 0.0, z), side="left")]
        idx[miss] = self._missing_rule
        return idx

    def _warn_high_cardinality(self, per_feature: list, n: int) -> None:
        for j, (_, _, spec) in enumerate(per_feature):
            if spec[0] != "categorical":
                continue
            n_levels = spec[5]
            if n_levels > HIGH_CARDINALITY_LEVELS and n_levels > HIGH_CARDINALITY_SHARE * n:
                warnings.warn(f"feature {self.schema_.names[j]!r} has {n_levels} distinct levels in {n} rows; "
                              "OneR gives every level its own rule and overfits such features. Set "
                              "min_category_count (e.g. 6) to fold rare levels into the default rule, or drop "
                              "the feature", UserWarning, stacklevel=3)

    def _build_rules(self, j: int, spec: tuple, y_idx: np.ndarray, smoothing: float) -> tuple[list, Any]:
        kind, values, counts, folded, miss_counts, _ = spec
        name = self.schema_.names[j]
        rules = []
        if kind == "categorical":
            col = self.schema_.columns[j]
            for code, cnt in zip(values.tolist(), counts):
                label = _plain(col.categories[code])
                rules.append(self._make_rule((Condition(name, "==", label),), cnt, smoothing))
        else:
            bounds = [threshold_value(b) for b in values]
            m = counts.shape[0]
            for i, cnt in enumerate(counts):
                if m == 1:
                    cond = ()  # one interval: the feature does not split; its rule is the default
                elif i == 0:
                    cond = (Condition(name, "<=", bounds[0]),)
                elif i == m - 1:
                    cond = (Condition(name, ">", bounds[-1]),)
                else:
                    cond = (Condition(name, "in", pd.Interval(bounds[i - 1], bounds[i], closed="right")),)
                if cond:
                    rules.append(self._make_rule(cond, cnt, smoothing))
                else:
                    folded = cnt
        if miss_counts is not None:
            rules.append(self._make_rule((Condition(name, "is missing"),), miss_counts, smoothing))
        if folded is not None and folded.sum() > 0:
            default = self._make_rule((), folded, smoothing)
            rules.append(default)
        else:
            default = self._make_rule((), np.bincount(y_idx, minlength=self.classes_.size), smoothing)
        return rules, default


    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # One feature cannot reach scikit-learn's 0.83 accuracy bar on its 3-blob data set (OneR gets 0.79
        # there); this is what the poor_score tag is for. All other estimator checks run.
        tags.classifier_tags.poor_score = True
        return tags


def _check_smoothing(s: Any) -> float:
    if isinstance(s, bool) or not isinstance(s, (int, float, np.integer, np.floating)) or not np.isfinite(s) or s < 0:
        raise ValueError(f"smoothing must be a finite number >= 0, got {s!r}")
    return float(s)
