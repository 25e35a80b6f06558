"""Shared plumbing of the rule estimators: input checks, discretization, rules -> predictions.

Everything here works on the core encoding of :class:`unboxed._data.Schema`:
a float64 matrix ``Z`` (n_rows, n_features) in which numeric columns hold
their values and string / ``category`` / bool columns hold integer codes
(NaN = missing). Rule estimators build their schema with
``categorical_features=None``: only string, ``category`` and bool columns are
nominal; every numeric column (integer ones included) is ordered and gets
thresholds.

What a rule estimator uses
--------------------------
``check_fit_X(estimator, X)``
    Validate training data, set ``n_features_in_`` / ``feature_names_in_``;
    returns ``(schema, Z)``.
``check_predict_X(estimator, X)``
    Validate new data against ``estimator.schema_``; categories not seen in
    fit become :data:`UNSEEN` (no crash; they satisfy no ``==`` / ``in``
    condition), other problems raise clear errors.
``check_classification_target(y, n_rows)`` / ``check_regression_target(y, n_rows)``
    Labels -> ``(classes, y_idx, target_name)``; floats -> ``(y, target_name)``.
``Binning.fit(Z, schema, max_bins)``
    Per-feature discretization into small integer bins with readable
    :class:`~unboxed.rules.Condition` objects for "bin <= k", "bin > k",
    "bin == k" and "missing".
``compile_rules(rules, schema)`` / ``evaluate_compiled(tests, Z)`` / ``rule_coverage(rules, schema, Z)``
    Evaluate :class:`~unboxed.rules.Rule` objects on encoded rows, vectorized.
``RuleClassifierMixin``
    ``predict`` / ``predict_proba`` / ``apply`` / ``to_frame`` / ``to_text`` /
    ``__str__`` for classifiers whose knowledge is an ordered rule list
    (``rules_`` and a fallback ``default_rule_``).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from .._data import Column, Schema, _encode_column, _is_polars, _plain, _split_columns
from .._validation import describe
from ._types import Condition, Rule, _is_missing_marker, format_rule_list, format_rule_set, format_rule_tree, rules_to_frame

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def _sk_validate_data(est: Any, X: Any, reset: bool, skip_check_array: bool = True) -> Any:
        return est._validate_data(X, reset=reset, skip_check_array=skip_check_array)

__all__ = ["UNSEEN", "check_fit_X", "check_predict_X", "check_classification_target", "check_regression_target",
           "encode_lenient", "Binning", "quantile_cuts", "compile_rules", "evaluate_compiled", "rule_coverage",
           "first_match", "class_counts", "laplace", "threshold_value", "RuleClassifierMixin"]

#: Code of a category not seen in fit (categorical columns of ``Z`` hold codes >= 0).
UNSEEN = -1.0


# ============================================================== input checks
def _name(est: Any) -> str:
    return type(est).__name__ if est is not None else "this estimator"


def _precheck(X: Any, name: str, est: Any) -> None:
    """Reject what the schema cannot hold, with messages scikit-learn's checks understand."""
    if X is None:
        raise TypeError(f"{name} is None; expected a 2-D array or DataFrame")
    mod = type(X).__module__
    if mod.startswith("scipy.sparse") or hasattr(X, "tocsr") and hasattr(X, "nnz"):
        raise TypeError(f"{_name(est)} does not accept sparse input ({describe(X)}); "
                        f"convert {name} with {name}.toarray() first")
    if isinstance(X, pd.DataFrame) or _is_polars(X):
        shape = X.shape
    else:
        if isinstance(X, pd.Series):
            raise ValueError(f"{name} is a pandas Series; expected a 2-D table (n_rows, n_features). "
                             "Reshape your data: X.to_frame() for one feature")
        arr = np.asarray(X) if not isinstance(X, np.ndarray) else X
        if arr.dtype.kind == "c":
            raise ValueError(f"Complex data not supported: {name} has dtype {arr.dtype}; expected real numbers "
                             "or strings")
        if arr.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n_rows, n_features), got shape {arr.shape}. Reshape your data "
                             "with X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a single row")
        if arr.dtype.kind == "O":
            _check_object_cells(arr, name)
        elif arr.dtype.kind not in "biufUS":
            raise TypeError(f"{name} has dtype {arr.dtype}; expected numbers or strings")
        shape = arr.shape
    if shape[1] == 0:
        raise ValueError(f"{name} has 0 feature(s) (shape=({shape[0]}, 0)) while a minimum of 1 is required.")
    if shape[0] == 0:
        raise ValueError(f"{name} has 0 rows (shape={tuple(shape)}); expected at least one row")


def _check_object_cells(arr: np.ndarray, name: str) -> None:
    ok = (str, numbers.Number, np.bool_, type(None))
    flat = arr.ravel(order="F")
    bad = [v for v in flat.tolist() if not isinstance(v, ok) and v is not pd.NA
           and not (np.isscalar(v) and not isinstance(v, bytes))]
    if bad:
        v = bad[0]
        raise TypeError(f"{name} holds a value of type {type(v).__name__} ({v!r}); every cell's argument must be "
                        "a string or a number (or None / NaN for missing)")


def check_fit_X(est: Any, X: Any, *, name: str = "X") -> tuple[Schema, np.ndarray]:
    """Validate training data; set ``n_features_in_`` (and ``feature_names_in_`` for DataFrames).

    Parameters
    ----------
    est : estimator or None
        Gets ``n_features_in_`` / ``feature_names_in_`` (scikit-learn's rules);
        None skips that.
    X : array-like or DataFrame of shape (n_rows, n_features)
        numpy (numbers or strings), pandas or polars; ``category``, string and
        bool columns are nominal.

    Returns
    -------
    schema : Schema
        Built with ``categorical_features=None`` (numeric columns stay ordered).
    Z : ndarray of shape (n_rows, n_features)
        The float64 encoding (a new array; ``X`` is not modified). NaN marks
        missing values; infinities raise.
    """
    _precheck(X, name, est)
    if est is not None:
        _sk_validate_data(est, X, reset=True, skip_check_array=True)
    schema = Schema.from_data(X, categorical_features=None)
    Z = schema.encode(X, name=name)
    return schema, Z


def check_predict_X(est: Any, X: Any, *, name: str = "X") -> np.ndarray:
    """Validate new data against a fitted estimator's ``schema_``; return its encoding.

    Wrong column count, names or order, strings in numeric columns and
    infinities raise ``ValueError`` / ``TypeError``. Categories not seen in fit
    are encoded as :data:`UNSEEN` (they match no category condition).
    """
    check_is_fitted(est)
    _precheck(X, name, est)
    _sk_validate_data(est, X, reset=False, skip_check_array=True)
    return encode_lenient(est.schema_, X, name=name)


def encode_lenient(schema: Schema, X: Any, *, name: str = "X") -> np.ndarray:
    """Like :meth:`Schema.encode`, but an unseen category becomes :data:`UNSEEN` instead of an error.

    Returns
    -------
    ndarray of shape (n_rows, n_features), float64
    """
    container, names, arrays, _, _ = _split_columns(X, list(schema.names) if schema.named else None, what=name)
    if container != "numpy" and schema.named:
        schema._check_names(names, name)
    elif len(arrays) != schema.n_features:
        raise ValueError(f"{name} has {len(arrays)} columns, the model expects {schema.n_features}")
    n = len(arrays[0]) if arrays else 0
    Z = np.empty((n, schema.n_features), dtype=np.float64)
    for j, col in enumerate(schema.columns):
        if col.encoding == "codes":
            Z[:, j] = _codes_lenient(col, arrays[j])
        else:
            Z[:, j] = _encode_column(col, arrays[j], name)
    return Z


def _codes_lenient(col: Column, arr: Any) -> np.ndarray:
    if isinstance(arr, pd.Series) and isinstance(arr.dtype, pd.CategoricalDtype):
        cats = tuple(_plain(v) for v in arr.dtype.categories)
        codes = arr.cat.codes.to_numpy().astype(np.float64)
        missing = codes < 0
        if cats == col.categories:
            codes[missing] = np.nan
            return codes
        values = np.asarray(arr.astype(object))
    else:
        values = np.asarray(arr)
    missing = np.asarray(pd.isna(values), dtype=bool)
    out = np.full(values.shape[0], np.nan)
    present = values[~missing]
    if col.categories == (False, True):  # booleans: accept 0 / 1 numbers too
        lookup = {False: 0, True: 1}
        codes = np.empty(present.size, dtype=np.float64)
        for i, v in enumerate(present.tolist()):
            try:
                codes[i] = lookup.get(v, UNSEEN)
            except TypeError:  # unhashable
                codes[i] = UNSEEN
    else:
        try:
            codes = pd.Index(list(col.categories), dtype=object).get_indexer(present).astype(np.float64)
        except (TypeError, ValueError):  # values pandas cannot hash
            lookup = {c: i for i, c in enumerate(col.categories)}
            codes = np.array([lookup.get(v, UNSEEN) if isinstance(v, (str, int, float, bool)) else UNSEEN
                              for v in present.tolist()], dtype=np.float64)
        codes[codes < 0] = UNSEEN
    out[~missing] = codes
    return out


# =================================================================== targets
def _target_name(y: Any) -> str | None:
    name = getattr(y, "name", None)
    if name is None or isinstance(y, np.ndarray):
        return None
    return str(name)


def _as_1d(y: Any, est: Any) -> np.ndarray:
    if y is None:
        raise ValueError(f"{_name(est)} requires y to be passed, but the target y is None")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(f"y should be a 1d array; got a DataFrame with {y.shape[1]} columns "
                             f"({_name(est)} predicts one target)")
        y = y.iloc[:, 0]
    if _is_polars(y):
        y = y.to_pandas()
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected; using y.ravel()",
                      DataConversionWarning, stacklevel=3)
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"y should be a 1d array of shape (n_rows,), got shape {arr.shape}")
    return arr


def _check_y_values(arr: np.ndarray, n_rows: int) -> None:
    if arr.shape[0] != n_rows:
        raise ValueError(f"X has {n_rows} rows but y has {arr.shape[0]} values; they must match")
    if arr.dtype.kind == "c":
        raise ValueError("Complex data not supported in y")
    missing = np.asarray(pd.isna(arr), dtype=bool)
    if missing.any():
        rows = np.nonzero(missing)[0][:5].tolist()
        raise ValueError(f"y has {int(missing.sum())} missing values (NaN / None), e.g. at rows {rows}; "
                         "drop those rows or fill in the target")
    if arr.dtype.kind == "f" and np.isinf(arr).any():
        rows = np.nonzero(np.isinf(arr))[0][:5].tolist()
        raise ValueError(f"y has infinite values at rows {rows}; expected finite values")


def check_classification_target(y: Any, n_rows: int, *, est: Any = None) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Check class labels.

    Parameters
    ----------
    y : array-like of shape (n_rows,)
        Labels of any sortable type (strings, integers, bools, ...).
    n_rows : int
        Rows of X.
    est : estimator, optional
        Named in messages.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        Sorted distinct labels (``classes_``).
    y_idx : ndarray of int64, shape (n_rows,)
        Index of each row's label in ``classes``.
    target_name : str or None
        ``y.name`` for a named pandas / polars Series.

    Raises
    ------
    ValueError
        Missing / infinite labels, a continuous target ("Unknown label type:
        continuous ... looks continuous"), multi-output targets, a single class.
    """
    name = _target_name(y)
    arr = _as_1d(y, est)
    _check_y_values(arr, n_rows)
    try:
        kind = type_of_target(arr)
    except ValueError as e:
        raise ValueError(f"Unknown label type: {e}") from None
    if kind == "continuous":
        sample = np.unique(arr)[:4].tolist()
        raise ValueError(f"Unknown label type: continuous. y looks continuous ({np.unique(arr).size} distinct "
                         f"non-integer values such as {sample}); {_name(est)} is a classifier and needs class "
                         "labels. Bin the target (e.g. pandas.qcut) or use a regressor")
    if kind not in ("binary", "multiclass", "unknown"):
        raise ValueError(f"Unknown label type: {kind}; {_name(est)} takes one column of class labels")
    try:
        classes, y_idx = np.unique(arr, return_inverse=True)
    except TypeError:
        raise ValueError(f"Unknown label type: y mixes labels of different types "
                         f"({sorted({type(v).__name__ for v in arr.tolist()})}); use one type") from None
    if classes.size < 2:
        raise ValueError(f"y has only one class ({_plain(classes[0])!r}); {_name(est)} needs at least 2 classes "
                         "to learn rules (one class is nothing to tell apart)")
    return classes, y_idx.astype(np.int64).ravel(), name


def check_regression_target(y: Any, n_rows: int, *, est: Any = None) -> tuple[np.ndarray, str | None]:
    """Check a numeric target; returns ``(y as float64 (n_rows,), target_name)``."""
    name = _target_name(y)
    arr = _as_1d(y, est)
    _check_y_values(arr, n_rows)
    try:
        out = arr.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{_name(est)} is a regressor and needs numbers in y, got values such as "
                         f"{arr[:3].tolist()}") from None
    return out, name


# ============================================================== discretizing
def threshold_value(v: float) -> Any:
    """A threshold as a plain Python number (an int when it is a whole number)."""
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


def quantile_cuts(x: np.ndarray, max_bins: int) -> np.ndarray:
    """Cut points ``c_0 < c_1 < ...`` (data values) splitting ``x`` into at most ``max_bins`` bins.

    ``x <= c_k`` defines bin ``<= k``. With at most ``max_bins`` distinct
    values every distinct value but the largest is a cut; otherwise the cuts
    are the data's quantiles at ``1/max_bins, 2/max_bins, ...`` (the lower data
    value, ``method="inverted_cdf"``). NaN are ignored.
    """
    v = x[~np.isnan(x)]
    if v.size == 0:
        return np.empty(0)
    u = np.unique(v)
    if u.size <= max_bins:
        return u[:-1].copy()
    q = np.quantile(v, np.arange(1, max_bins) / max_bins, method="inverted_cdf")
    cuts = np.unique(q)
    return cuts[cuts < u[-1]]


@dataclass
class Binning:
    """A discretization of every feature into small integer bins.

    Bins of feature ``j``: ``0 .. n_bins[j]-1`` for values, ``n_bins[j]`` for a
    missing value, ``n_bins[j]+1`` for a category not seen in fit.

    - numeric feature: bin ``k`` holds ``cuts[j][k-1] < x <= cuts[j][k]``, so
      ``bin <= k`` is ``x <= cuts[j][k]`` (``n_bins = len(cuts) + 1``);
    - categorical feature: bin = the category's code (``n_bins`` = number of
      categories in the schema).

    Attributes
    ----------
    schema : Schema
    cuts : list of ndarray
        Thresholds per feature (empty for categorical features).
    n_bins : ndarray of int, shape (n_features,)
    categorical : ndarray of bool, shape (n_features,)
    has_missing : ndarray of bool, shape (n_features,)
        The training data had missing values in this feature.
    """

    schema: Schema
    cuts: list
    n_bins: np.ndarray
    categorical: np.ndarray
    has_missing: np.ndarray

    def __post_init__(self) -> None:
        self.names = self.schema.names

    @classmethod
    def fit(cls, Z: np.ndarray, schema: Schema, max_bins: int = 32) -> Binning:
        """Quantile cuts (see :func:`quantile_cuts`) for numeric features, codes for categorical ones."""
        p = Z.shape[1]
        cuts, n_bins, cat = [], np.zeros(p, dtype=np.int64), np.zeros(p, dtype=bool)
        for j, col in enumerate(schema.columns):
            if col.kind == "categorical" and col.categories is not None:
                cat[j] = True
                cuts.append(np.empty(0))
                n_bins[j] = len(col.categories)
            else:
                c = quantile_cuts(Z[:, j], max_bins)
                cuts.append(c)
                n_bins[j] = c.size + 1
        return cls(schema, cuts, n_bins, cat, np.isnan(Z).any(axis=0))

    def transform(self, Z: np.ndarray) -> np.ndarray:
        """Bins of encoded rows: int32 array of shape (n_rows, n_features)."""
        n, p = Z.shape
        B = np.empty((n, p), dtype=np.int32)
        for j in range(p):
            z = Z[:, j]
            miss = np.isnan(z)
            if self.categorical[j]:
                col = self.schema.columns[j]
                if col.encoding == "codes":
                    b = np.where(miss, 0, z).astype(np.int64)
                    unseen = (b < 0) | (b >= self.n_bins[j])
                else:
                    vals = np.asarray(col.categories, dtype=np.float64)
                    b = np.searchsorted(vals, np.where(miss, vals[0], z))
                    b = np.minimum(b, vals.size - 1)
                    unseen = vals[b] != np.where(miss, vals[0], z)
                b = np.where(unseen, self.n_bins[j] + 1, b)
            else:
                b = np.searchsorted(self.cuts[j], np.where(miss, 0.0, z), side="left")
            B[:, j] = np.where(miss, self.n_bins[j], b)
        return B

    # readable conditions ------------------------------------------------
    def label(self, j: int, k: int) -> Any:
        """The category of bin ``k`` of categorical feature ``j``."""
        return _plain(self.schema.columns[j].categories[k])

    def le(self, j: int, k: int) -> Condition:
        """``feature_j <= cuts[j][k]`` (bins 0..k)."""
        return Condition(self.names[j], "<=", threshold_value(self.cuts[j][k]))

    def gt(self, j: int, k: int) -> Condition:
        """``feature_j > cuts[j][k]`` (bins k+1..)."""
        return Condition(self.names[j], ">", threshold_value(self.cuts[j][k]))

    def between(self, j: int, k0: int, k1: int) -> Condition:
        """``cuts[j][k0] < feature_j <= cuts[j][k1]`` (bins k0+1..k1) as an interval condition."""
        iv = pd.Interval(threshold_value(self.cuts[j][k0]), threshold_value(self.cuts[j][k1]), closed="right")
        return Condition(self.names[j], "in", iv)

    def eq(self, j: int, k: int) -> Condition:
        """``feature_j == category k``."""
        return Condition(self.names[j], "==", self.label(j, k))

    def missing(self, j: int) -> Condition:
        """``feature_j is missing``."""
        return Condition(self.names[j], "is missing")

    def range_condition(self, j: int, a: int, b: int) -> Condition:
        """The condition ``a <= bin_j < b`` in the user's terms.

        ``[nb, nb+1)`` is "missing"; for a categorical feature ``b == a + 1``
        (one category); for a numeric one ``[0, b)`` is ``x <= cut``, ``[a, nb)``
        is ``x > cut`` and anything between is an interval ``x in (lo, hi]``.
        """
        nb = int(self.n_bins[j])
        if a >= nb:
            return self.missing(j)
        if self.categorical[j]:
            if b != a + 1:
                raise ValueError(f"a categorical bin range holds one category, got [{a}, {b})")
            return self.eq(j, a)
        if a == 0 and b >= nb:
            raise ValueError(f"bin range [{a}, {b}) of feature {self.names[j]!r} tests nothing")
        if a == 0:
            return self.le(j, b - 1)
        if b >= nb:
            return self.gt(j, a - 1)
        return self.between(j, a - 1, b - 1)


# ========================================================= evaluating rules
_OPS = {"<=": 0, "<": 1, ">": 2, ">=": 3, "==": 4, "!=": 5, "in": 6, "not in": 7, "is missing": 8, "interval": 9,
        "in or missing": 10}


def _same(c: Any, v: Any) -> bool:
    cb, vb = isinstance(c, (bool, np.bool_)), isinstance(v, (bool, np.bool_))
    if cb or vb:
        return cb and vb and bool(c) == bool(v)
    try:
        return bool(c == v)
    except (TypeError, ValueError):
        return False


def _encode_value(col: Column, v: Any, lookup: dict | None = None) -> float:
    """The encoded value of a category / number for column ``col`` (NaN if it is not one)."""
    if col.encoding == "codes":
        if lookup is not None:
            try:
                i = lookup.get(v)
            except TypeError:
                i = None
            if i is not None and _same(col.categories[i], v):
                return float(i)
        for i, c in enumerate(col.categories if lookup is None else ()):
            if _same(c, v):
                return float(i)
        return np.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return np.nan


def compile_rules(rules: Sequence[Rule], schema: Schema) -> list[tuple]:
    """Turn rules into tests on encoded columns: per rule, a tuple of ``(j, opcode, operand)``.

    Raises ``ValueError`` for a condition on a feature the schema lacks.
    """
    out = []
    lookups: dict = {}
    for r in rules:
        tests = []
        for c in r.conditions:
            j = schema.index(c.feature)
            col = schema.columns[j]
            if col.encoding == "codes" and j not in lookups:
                lookups[j] = {}
                for i, cat in enumerate(col.categories):
                    try:
                        lookups[j].setdefault(cat, i)
                    except TypeError:
                        pass
            lookup = lookups.get(j)
            if c.op == "is missing":
                tests.append((j, _OPS["is missing"], None))
            elif c.op in ("in", "not in") and isinstance(c.value, pd.Interval):
                iv = c.value
                tests.append((j, _OPS["interval"], (float(iv.left), float(iv.right), iv.closed, c.op == "not in")))
            elif c.op in ("in", "not in"):
                values = [v for v in c.value if not _is_missing_marker(v)]
                codes = np.array([_encode_value(col, v, lookup) for v in values], dtype=np.float64)
                op = "in or missing" if c.op == "in" and len(values) < len(c.value) else c.op
                tests.append((j, _OPS[op], codes[~np.isnan(codes)]))
            elif c.op in ("==", "!="):
                tests.append((j, _OPS[c.op], _encode_value(col, c.value, lookup)))
            else:
                tests.append((j, _OPS[c.op], float(c.value)))
        out.append(tuple(tests))
    return out


def _test(z: np.ndarray, op: int, a: Any) -> np.ndarray:
    present = ~np.isnan(z)
    with np.errstate(invalid="ignore"):
        if op == 8:
            return ~present
        if op == 0:
            return z <= a
        if op == 1:
            return z < a
        if op == 2:
            return z > a
        if op == 3:
            return z >= a
        if op == 4:
            return z == a
        if op == 5:
            return (z != a) & present
        if op == 6:
            return np.isin(z, a)
        if op == 7:
            return ~np.isin(z, a) & present
        if op == 10:
            return np.isin(z, a) | ~present
        lo, hi, closed, negate = a
        hit = (z >= lo if closed in ("left", "both") else z > lo) & (z <= hi if closed in ("right", "both") else z < hi)
        return (~hit & present) if negate else hit


def evaluate_compiled(tests: tuple, Z: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Rows of ``Z`` (n, p) (or of ``Z[rows]``) that satisfy every test of one compiled rule: bool."""
    mask = np.ones(Z.shape[0] if rows is None else rows.size, dtype=bool)
    for j, op, a in tests:
        mask &= _test(Z[:, j] if rows is None else Z[rows, j], op, a)
    return mask


def rule_coverage(rules: Sequence[Rule], schema: Schema, Z: np.ndarray) -> np.ndarray:
    """Which rows each rule covers (ignoring order): bool array of shape (n_rows, n_rules)."""
    compiled = compile_rules(rules, schema)
    out = np.empty((Z.shape[0], len(compiled)), dtype=bool)
    for r, tests in enumerate(compiled):
        out[:, r] = evaluate_compiled(tests, Z)
    return out


def first_match(compiled: Sequence[tuple], Z: np.ndarray) -> np.ndarray:
    """Index of the first rule that fires for each row; ``len(compiled)`` where none does."""
    n = Z.shape[0]
    idx = np.full(n, len(compiled), dtype=np.int64)
    open_ = np.ones(n, dtype=bool)
    for r, tests in enumerate(compiled):
        if not open_.any():
            break
        rows = np.nonzero(open_)[0]
        hit = evaluate_compiled(tests, Z, rows) if tests else np.ones(rows.size, dtype=bool)
        idx[rows[hit]] = r
        open_[rows[hit]] = False
    return idx


def class_counts(groups: np.ndarray, y_idx: np.ndarray, n_groups: int, n_classes: int) -> np.ndarray:
    """Contingency table ``counts[g, k]`` of rows with group ``g`` and class ``k``: int64 (n_groups, n_classes)."""
    flat = np.bincount(groups * n_classes + y_idx, minlength=n_groups * n_classes)
    return flat[: n_groups * n_classes].reshape(n_groups, n_classes)


def laplace(counts: np.ndarray, smoothing: float = 1.0) -> np.ndarray:
    """Laplace-smoothed class frequencies ``(n_k + s) / (n + K s)`` along the last axis."""
    counts = np.asarray(counts, dtype=np.float64)
    k = counts.shape[-1]
    return (counts + smoothing) / (counts.sum(axis=-1, keepdims=True) + k * smoothing)


def argmax_first(P: np.ndarray) -> np.ndarray:
    """Row-wise argmax; ties go to the first class (the order of ``classes_``)."""
    return np.argmax(P, axis=-1)


# ============================================================ the estimator
class RuleClassifierMixin(ClassifierMixin):
    """Prediction, printing and export for classifiers that are an ordered rule list.

    A subclass's ``fit`` calls :func:`check_fit_X` and
    :func:`check_classification_target`, learns, and ends with
    ``self._set_rules(rules, default_rule)``. The first rule of ``rules_``
    whose conditions hold decides a row; rows no rule covers get
    ``default_rule_``. Each rule's ``probabilities`` (in the order of
    ``classes_``) are what ``predict_proba`` returns, and ``predict`` is the
    class of highest probability (ties: the first in ``classes_``).

    Fitted attributes set here: ``schema_`` (the :class:`~unboxed.Schema` of the
    training data), ``classes_``, ``target_name_``, ``rules_``,
    ``default_rule_``.
    """

    # -------------------------------------------------------------- fitting
    def _fit_data(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        schema, Z = check_fit_X(self, X)
        classes, y_idx, target = check_classification_target(y, Z.shape[0], est=self)
        self.schema_ = schema
        self.classes_ = classes
        self.target_name_ = target
        return Z, y_idx

    def _make_rule(self, conditions: Sequence[Condition], counts: np.ndarray, smoothing: float = 1.0,
                   probabilities: np.ndarray | None = None) -> Rule:
        """A rule whose probabilities are the Laplace-smoothed ``counts`` (or the given ones)."""
        counts = np.asarray(counts)
        p = laplace(counts, smoothing) if probabilities is None else np.asarray(probabilities, dtype=np.float64)
        k = int(argmax_first(p))
        n = int(counts.sum())
        return Rule(tuple(conditions), prediction=_plain(self.classes_[k]), probabilities=tuple(p.tolist()),
                    support=n, confidence=float(counts[k] / n) if n else None,
                    classes=tuple(_plain(c) for c in self.classes_))

    def _set_rules(self, rules: Sequence[Rule], default_rule: Rule) -> None:
        self.rules_ = list(rules)
        self.default_rule_ = default_rule
        explicit = [r for r in self.rules_ if not r.is_default]
        self._compiled = compile_rules(self.rules_, self.schema_)
        allr = self.rules_ + [default_rule]
        self._proba_table = np.array([r.probabilities for r in allr], dtype=np.float64)
        self._n_explicit = len(explicit)

    # ----------------------------------------------------------- predicting
    def apply(self, X: Any) -> np.ndarray:
        """Index into ``rules_`` of the rule that decides each row; -1 where ``default_rule_`` does
        and it is not part of ``rules_``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, n_features)

        Returns
        -------
        ndarray of int64, shape (n_rows,)
        """
        idx = self._rule_index(X)
        return np.where(idx == len(self._compiled), -1, idx)

    def _rule_index(self, X: Any) -> np.ndarray:
        """Position in ``rules_ + [default_rule_]`` of the rule deciding each row (subclasses may speed it up)."""
        Z = check_predict_X(self, X)
        return first_match(self._compiled, Z)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities of the rule that decides each row.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, n_features)

        Returns
        -------
        ndarray of shape (n_rows, n_classes)
            Columns in the order of ``classes_``.
        """
        idx = self._rule_index(X)
        return self._proba_table[idx].copy()

    def predict(self, X: Any) -> np.ndarray:
        """The class of highest probability for each row (ties: first in ``classes_``).

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        idx = self._rule_index(X)
        return self.classes_[argmax_first(self._proba_table[idx])]

    # ------------------------------------------------------------- printing
    def to_text(self, form: str = "list") -> str:
        """The rules as text.

        Parameters
        ----------
        form : {"list", "set", "tree"}, default "list"
            ``list``: IF / ELSE IF / ELSE; ``set``: unordered IF rules with
            class probabilities and support; ``tree``: the list drawn as the
            chain of tests it is.
        """
        check_is_fitted(self)
        if form == "list":
            return format_rule_list(self.rules_, self.target_name_)
        if form == "set":
            return format_rule_set(self.rules_, self.target_name_)
        if form == "tree":
            return format_rule_tree(self.rules_, self.target_name_)
        raise ValueError(f"form must be 'list', 'set' or 'tree', got {form!r}")

    def to_frame(self) -> pd.DataFrame:
        """One row per rule of ``rules_`` (see :func:`~unboxed.rules.rules_to_frame`), plus one
        column per class with its probability."""
        check_is_fitted(self)
        frame = rules_to_frame(self.rules_)
        for k, c in enumerate(self.classes_):
            frame[f"P({_plain(c)})"] = [r.probabilities[k] for r in self.rules_]
        return frame

    @property
    def n_rules_(self) -> int:
        """Rules with conditions (the default rule not counted)."""
        check_is_fitted(self)
        return self._n_explicit

    @property
    def average_rule_length_(self) -> float:
        """Mean number of conditions of the rules with conditions (0 if there are none)."""
        check_is_fitted(self)
        lens = [r.length for r in self.rules_ if not r.is_default]
        return float(np.mean(lens)) if lens else 0.0

    def __str__(self) -> str:
        if not hasattr(self, "rules_"):
            return self.__repr__()
        return self.to_text("list")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = False  # strings work; True would make sklearn expect dict cells to work
        return tags
