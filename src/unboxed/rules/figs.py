"""FIGS: Fast Interpretable Greedy-tree Sums (Tan et al. 2022).

A FIGS model is a *sum of small trees*. It is grown greedily, one split at a
time: at every step each leaf of each current tree, and the root of a new tree,
is a candidate; a candidate's split is scored by the impurity (squared-error)
reduction it gives on the residuals of *the other* trees, and the best one is
made. Growing stops after ``max_rules`` splits (or when no split helps).

Classification is regression on the class indicator: one output (the indicator
of the second class) for two classes, one indicator per class for more (the
squared-error reduction on class indicators is the Gini reduction). The summed
leaf values estimate the class probabilities; they are clipped to [0, 1] and,
for more than two classes, renormalized to sum to one.

This module also holds the tabular plumbing that :mod:`unboxed.rules.rulefit`
shares: validation of X / y the scikit-learn way, and the numeric *design*
matrix in which numeric columns keep their values and categorical columns are
one-hot encoded (conditions print with the category labels).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data

from .._data import Schema, is_dataframe
from .._results import Importance, Provenance
from ._types import Condition, Rule, format_rule_list, format_rule_set, format_value, rules_to_frame

__all__ = ["FIGSClassifier", "FIGSRegressor"]

_LE, _GT = 0, 1


# ====================================================================== shared plumbing
class _Design:
    """Maps validated input to the float64 design matrix (one-hot for categories).

    Design column ``k`` comes from original feature ``src[k]``; ``code[k]`` is -1
    for a numeric column, else the category code it indicates.
    """

    def __init__(self, schema: Schema, numeric_only: bool):
        self.schema = schema
        self.numeric_only = numeric_only
        src, code, labels = [], [], []
        for j, col in enumerate(schema.columns):
            if col.encoding == "codes":
                for c, lab in enumerate(col.categories):
                    src.append(j)
                    code.append(c)
                    labels.append(lab)
            else:
                src.append(j)
                code.append(-1)
                labels.append(None)
        self.src = np.asarray(src, dtype=np.intp)
        self.code = np.asarray(code, dtype=np.int64)
        self.labels = labels
        self.is_onehot = self.code >= 0
        self.names = schema.names
        numeric = ~self.is_onehot
        self.numeric_design = np.nonzero(numeric)[0]
        self.missing = np.zeros(len(schema.columns), dtype=bool)

    def may_be_missing(self, j: int) -> bool:
        """Whether categorical feature ``j`` had missing values in the training data."""
        missing = getattr(self, "missing", None)  # models pickled before this attribute existed
        return bool(missing[j]) if missing is not None else False

    @property
    def n_design(self) -> int:
        return self.src.size

    def transform(self, Z: np.ndarray) -> np.ndarray:
        n = Z.shape[0]
        D = np.empty((n, self.n_design), dtype=np.float64)
        num = ~self.is_onehot
        D[:, num] = Z[:, self.src[num]]
        oh = self.is_onehot
        if oh.any():
            with np.errstate(invalid="ignore"):
                D[:, oh] = (Z[:, self.src[oh]] == self.code[oh][None, :]).astype(np.float64)
        return D

    def design_name(self, k: int) -> str:
        if self.is_onehot[k]:
            return f"{self.names[self.src[k]]}={format_value(self.labels[k])}"
        return self.names[self.src[k]]

    def merge(self, path: list[tuple[int, int, float]]) -> tuple[list[Condition], list[tuple[int, int, float]]]:
        """Merge a path of (design column, op, threshold) into readable conditions.

        Returns the conditions (one interval per numeric feature, one equality or
        exclusion per categorical feature) and the equivalent minimal tests in
        design space.
        """
        order: list[int] = []
        lo: dict[int, float] = {}
        hi: dict[int, float] = {}
        eq: dict[int, list[int]] = {}
        neq: dict[int, list[int]] = {}
        for k, op, thr in path:
            j = int(self.src[k])
            if j not in order:
                order.append(j)
            if self.is_onehot[k]:
                (eq if op == _GT else neq).setdefault(j, [])
                lst = eq[j] if op == _GT else neq[j]
                if k not in lst:
                    lst.append(k)
            elif op == _LE:
                hi[j] = min(hi.get(j, np.inf), thr)
            else:
                lo[j] = max(lo.get(j, -np.inf), thr)
        conds: list[Condition] = []
        tests: list[tuple[int, int, float]] = []
        numeric_k = {int(self.src[k]): int(k) for k in self.numeric_design}
        for j in order:
            name = self.names[j]
            if j in eq:
                for k in eq[j]:
                    conds.append(Condition(name, "==", self.labels[k]))
                    tests.append((k, _GT, 0.5))
            elif j in neq:
                ks = sorted(neq[j], key=lambda k: self.code[k])
                if self.may_be_missing(j):
                    # a missing category is 0 in every indicator, so it takes the "≠" branches; say so
                    # (a missing value satisfies no "≠" / "not in" condition, see unboxed.rules._types)
                    others = tuple(self.labels[k] for k in np.nonzero(self.src == j)[0] if k not in ks)
                    conds.append(Condition(name, "in", others + (None,)) if others else Condition(name, "is missing"))
                elif len(ks) == 1:
                    conds.append(Condition(name, "!=", self.labels[ks[0]]))
                else:
                    conds.append(Condition(name, "not in", tuple(self.labels[k] for k in ks)))
                tests.extend((k, _LE, 0.5) for k in ks)
            else:
                k = numeric_k[j]
                if j in lo:
                    conds.append(Condition(name, ">", float(lo[j])))
                    tests.append((k, _GT, float(lo[j])))
                if j in hi:
                    conds.append(Condition(name, "<=", float(hi[j])))
                    tests.append((k, _LE, float(hi[j])))
        return conds, tests


def _is_sparse(X: Any) -> bool:
    try:
        import scipy.sparse as sp
        return sp.issparse(X)
    except ImportError:  # pragma: no cover
        return False


def _reject_sparse(X: Any) -> None:
    if _is_sparse(X):
        raise TypeError("sparse input is not supported; pass a dense numpy array or a DataFrame "
                        "(X.toarray())")


def _check_numeric_nan(Z: np.ndarray, schema: Schema, what: str = "X") -> None:
    num = ~np.array([c.encoding == "codes" for c in schema.columns])
    if num.any():
        bad = np.isnan(Z[:, num])
        if bad.any():
            j = np.nonzero(num)[0][int(np.nonzero(bad.any(axis=0))[0][0])]
            rows = np.nonzero(np.isnan(Z[:, j]))[0][:5].tolist()
            raise ValueError(f"Input {what} contains NaN in numeric column {schema.names[j]!r} (rows {rows}); "
                             "impute missing numbers first (missing categories are fine: they match no "
                             "category)")


def _fit_design(est: BaseEstimator, X: Any) -> tuple[_Design, np.ndarray]:
    """Validate X for fit; set n_features_in_ / feature_names_in_; return (design, Z)."""
    _reject_sparse(X)
    if is_dataframe(X):
        validate_data(est, X, reset=True, skip_check_array=True)
        schema = Schema.from_data(X, categorical_features=None)
        Z = schema.encode(X, name="X")
        numeric_only = False
    else:
        try:
            Xa = validate_data(est, X, reset=True, dtype=np.float64, ensure_all_finite=True)
            numeric_only = True
        except ValueError as e:
            if "could not convert" not in str(e) and "string" not in str(e):
                raise
            Xa = check_array(X, dtype=object, ensure_all_finite=False)
            validate_data(est, Xa, reset=True, skip_check_array=True)
            numeric_only = False
        schema = Schema.from_data(Xa, categorical_features=None)
        Z = np.array(Xa, dtype=np.float64) if numeric_only else schema.encode(Xa, name="X")
    if Z.shape[0] < 1:
        raise ValueError(f"Found array with 0 sample(s) (shape={Z.shape}) while a minimum of 1 is required.")
    _check_numeric_nan(Z, schema)
    design = _Design(schema, numeric_only)
    design.missing = np.isnan(Z).any(axis=0)
    return design, Z


def _predict_design(est: BaseEstimator, X: Any) -> np.ndarray:
    """Validate X for predict against the fitted schema; return the design matrix."""
    check_is_fitted(est, "design_")
    _reject_sparse(X)
    design: _Design = est.design_
    if design.numeric_only and not is_dataframe(X):
        Z = validate_data(est, X, reset=False, dtype=np.float64, ensure_all_finite=True)
        Z = np.asarray(Z, dtype=np.float64)
    else:
        if not is_dataframe(X):
            X = check_array(X, dtype=None, ensure_all_finite=False)
        validate_data(est, X, reset=False, skip_check_array=True)
        Z = design.schema.encode(X, name="X")
    _check_numeric_nan(Z, design.schema)
    return design.transform(Z)


def _classification_target(y: Any, n: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    if y is None:
        raise ValueError(f"{name} requires y to be passed, but the target y is None")
    y = column_or_1d(y, warn=True)
    if y.shape[0] != n:
        raise ValueError(f"X has {n} rows but y has {y.shape[0]}; they must match")
    check_classification_targets(y)
    if y.dtype == object and pd.isna(y).any():
        raise ValueError("Input y contains NaN (missing class labels); drop those rows first")
    classes, yi = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError(f"{name} needs at least 2 classes in y, got 1 class: {classes.tolist()!r}")
    return classes, yi


def _regression_target(y: Any, n: int, name: str) -> np.ndarray:
    if y is None:
        raise ValueError(f"{name} requires y to be passed, but the target y is None")
    y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
    y = column_or_1d(y, warn=True)
    if y.shape[0] != n:
        raise ValueError(f"X has {n} rows but y has {y.shape[0]}; they must match")
    return y


def _check_int(value: Any, name: str, minimum: int, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}{' or None' if allow_none else ''}, got {value!r}")
    return int(value)


# ====================================================================== FIGS
class _Tree:
    """Growable binary tree with vector-valued leaves (struct of lists)."""

    def __init__(self, k: int):
        self.feature: list[int] = [-1]
        self.threshold: list[float] = [np.nan]
        self.left: list[int] = [-1]
        self.right: list[int] = [-1]
        self.value: list[np.ndarray] = [np.zeros(k)]
        self.n: list[int] = [0]
        self.depth: list[int] = [0]
        self.lo: list[float] = [-np.inf]
        self.hi: list[float] = [np.inf]
        self.gain: list[float] = [0.0]

    def add(self, value: np.ndarray, n: int, depth: int, lo: float, hi: float) -> int:
        self.feature.append(-1)
        self.threshold.append(np.nan)
        self.left.append(-1)
        self.right.append(-1)
        self.value.append(value)
        self.n.append(n)
        self.depth.append(depth)
        self.lo.append(lo)
        self.hi.append(hi)
        self.gain.append(0.0)
        return len(self.feature) - 1

    def freeze(self) -> dict:
        return {"feature": np.asarray(self.feature, dtype=np.intp),
                "threshold": np.asarray(self.threshold, dtype=np.float64),
                "left": np.asarray(self.left, dtype=np.intp), "right": np.asarray(self.right, dtype=np.intp),
                "value": np.asarray(self.value, dtype=np.float64), "n": np.asarray(self.n, dtype=np.int64),
                "gain": np.asarray(self.gain, dtype=np.float64)}


def _apply(tree: dict, D: np.ndarray) -> np.ndarray:
    """Leaf node of every row (vectorized level by level)."""
    node = np.zeros(D.shape[0], dtype=np.intp)
    feat, thr, left, right = tree["feature"], tree["threshold"], tree["left"], tree["right"]
    active = np.nonzero(feat[node] >= 0)[0]
    while active.size:
        nd = node[active]
        go_left = D[active, feat[nd]] <= thr[nd]
        node[active] = np.where(go_left, left[nd], right[nd])
        active = active[feat[node[active]] >= 0]
    return node


def _best_splits(D: np.ndarray, rows: np.ndarray, seg: np.ndarray, R: np.ndarray, leaves: list[int],
                 tree: _Tree, min_leaf: int, max_depth: int | None, cst: np.ndarray | None,
                 scale: np.ndarray, xs: np.ndarray | None = None) -> list[tuple]:
    """Best split of every leaf of one tree.

    ``rows`` (n, m): row order per design column, grouped by leaf (segments given
    by ``seg``, the cut points, the same for every column) and sorted by value
    within a leaf. ``R`` (n, K) the residual the tree fits. ``xs`` (n, m), optional: the
    values in that order (``take_along_axis(D, rows, 0)``), cached by the caller while
    ``rows`` is unchanged.
    Returns, per leaf, ``(gain, column, threshold, vL, vR, nL, nR)`` or None.
    """
    n, m = rows.shape
    K = R.shape[1]
    if xs is None:
        xs = np.take_along_axis(D, rows, axis=0)
    C = np.zeros((n + 1, m, K))
    np.cumsum(R[rows], axis=0, out=C[1:])
    out = []
    for li, leaf in enumerate(leaves):
        s, e = int(seg[li]), int(seg[li + 1])
        nn = e - s
        if nn < 2 * min_leaf or (max_depth is not None and tree.depth[leaf] >= max_depth):
            out.append(None)
            continue
        # candidate cut after position i (s <= i < e-1): left = [s, i], right = [i+1, e)
        SL = C[s + 1:e] - C[s]                              # (nn-1, m, K)
        St = C[e] - C[s]                                    # (m, K)
        nL = np.arange(1, nn, dtype=np.float64)[:, None]    # (nn-1, 1)
        nR = nn - nL
        x = xs[s:e]
        valid = (x[1:] > x[:-1]) & (nL >= min_leaf) & (nR >= min_leaf)
        if not valid.any():
            out.append(None)
            continue
        SR = St[None] - SL
        lo, hi = tree.lo[leaf], tree.hi[leaf]
        mL = SL / nL[..., None]
        mR = SR / nR[..., None]
        if np.isfinite(lo) or np.isfinite(hi):
            mP = np.clip(St / nn, lo, hi)
            mL, mR = np.clip(mL, lo, hi), np.clip(mR, lo, hi)
            # SSE(v) over a set = sum r^2 - 2 v S + n v^2 ; the sum of squares cancels
            gain = ((-2 * mP * St + nn * mP ** 2)[None]
                    - (-2 * mL * SL + nL[..., None] * mL ** 2)
                    - (-2 * mR * SR + nR[..., None] * mR ** 2)).sum(axis=2)      # (nn-1, m)
        else:  # leaf values are the means: the usual S_L^2/n_L + S_R^2/n_R - S^2/n
            gain = (mL * SL).sum(axis=2) + (mR * SR).sum(axis=2) - (St * St).sum(axis=1)[None] / nn
        if cst is not None:
            sign = cst[None, :]
            bad = (sign * (mR[..., 0] - mL[..., 0])) < 0
            valid &= ~bad
        gain = np.where(valid, gain, -np.inf)
        g = gain.max()
        if not np.isfinite(g):
            out.append(None)
            continue
        # ties (common in small nodes) go to the widest gap between the values, in
        # units of the column's spread: the split farthest from the data on both sides
        tie = gain >= g - 1e-9 * abs(g)
        margin = np.where(tie, (x[1:] - x[:-1]) / scale[None, :], -np.inf)
        flat = int(np.argmax(margin))
        i, k = divmod(flat, m)
        g = gain[i, k]
        a, b = xs[s + i, k], xs[s + i + 1, k]
        thr = (a + b) / 2.0
        if thr >= b or thr < a:
            thr = a
        out.append((float(g), k, float(thr), mL[i, k].copy(), mR[i, k].copy(), int(nL[i, 0]), int(nR[i, 0])))
    return out


class _FIGSBase(BaseEstimator):
    def __init__(self, *, max_rules=12, max_trees=None, max_depth=None, min_samples_leaf=1,
                 min_impurity_decrease=0.0, monotonic_cst=None):
        self.max_rules = max_rules
        self.max_trees = max_trees
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.min_impurity_decrease = min_impurity_decrease
        self.monotonic_cst = monotonic_cst

    # ------------------------------------------------------------------ fitting
    def _constraints(self, design: _Design, n_outputs: int) -> np.ndarray | None:
        if self.monotonic_cst is None:
            return None
        names = design.names
        p = len(names)
        cst = np.zeros(p)
        if isinstance(self.monotonic_cst, dict):
            for key, v in self.monotonic_cst.items():
                if key not in names:
                    raise ValueError(f"monotonic_cst names feature {key!r}, which is not a column of X; "
                                     f"columns are {list(names)[:20]}")
                cst[names.index(key)] = v
        else:
            arr = np.asarray(self.monotonic_cst)
            if arr.shape != (p,):
                raise ValueError(f"monotonic_cst must have one entry per feature ({p}), got shape {arr.shape}")
            cst = arr.astype(np.float64)
        if not np.isin(cst, (-1, 0, 1)).all():
            raise ValueError(f"monotonic_cst entries must be -1, 0 or 1, got {sorted(set(cst.tolist()))}")
        if not cst.any():
            return None
        if n_outputs > 1:
            raise ValueError("monotonic constraints are supported for regression and binary classification, "
                             "not for more than two classes")
        for j in np.nonzero(cst)[0]:
            if design.schema.columns[j].encoding == "codes":
                raise ValueError(f"monotonic constraint on categorical feature {names[j]!r}: categories have no "
                                 "order; constrain numeric features only")
        return cst[design.src]

    def _grow(self, D: np.ndarray, Y: np.ndarray, cst: np.ndarray | None) -> None:
        max_rules = _check_int(self.max_rules, "max_rules", 1)
        max_trees = _check_int(self.max_trees, "max_trees", 1, allow_none=True)
        max_depth = _check_int(self.max_depth, "max_depth", 1, allow_none=True)
        min_leaf = _check_int(self.min_samples_leaf, "min_samples_leaf", 1)
        mid = self.min_impurity_decrease
        if isinstance(mid, bool) or not isinstance(mid, numbers.Real) or not mid >= 0:
            raise ValueError(f"min_impurity_decrease must be a number >= 0, got {mid!r}")
        n, m = D.shape
        K = Y.shape[1]
        order = np.argsort(D, axis=0, kind="stable")
        xs_order = np.take_along_axis(D, order, axis=0)  # sorted values, reused by every new-tree search
        scale = D.std(axis=0)
        scale[~(scale > 0)] = 1.0
        tol = 1e-12 * max(1.0, float(((Y - Y.mean(0)) ** 2).sum()))
        trees: list[_Tree] = []
        leaf_of: list[np.ndarray] = []
        preds: list[np.ndarray] = []
        sorted_rows: list[tuple[np.ndarray, np.ndarray, list[int], np.ndarray]] = []
        total = np.zeros((n, K))
        n_splits = 0
        while n_splits < max_rules:
            best = None
            for t in range(len(trees) + 1):
                if t == len(trees):
                    if max_trees is not None and len(trees) >= max_trees:
                        continue
                    tree, R = _Tree(K), Y - total
                    tree.n[0] = n
                    rows, seg, leaves, xs = order, np.array([0, n]), [0], xs_order
                else:
                    tree, R = trees[t], Y - (total - preds[t])
                    rows, seg, leaves, xs = sorted_rows[t]
                cand = _best_splits(D, rows, seg, R, leaves, tree, min_leaf, max_depth, cst, scale, xs)
                for leaf, c in zip(leaves, cand):
                    if c is not None and (best is None or c[0] > best[0] + 1e-12 * abs(best[0])):
                        best = (c[0], t, leaf, c, tree)
            if best is None or best[0] <= max(mid * n, tol):
                break
            _, t, leaf, (g, k, thr, vL, vR, nL, nR), tree = best
            if t == len(trees):
                trees.append(tree)
                leaf_of.append(np.zeros(n, dtype=np.intp))
                preds.append(np.zeros((n, K)))
                sorted_rows.append((order, np.array([0, n]), [0], xs_order))
            lo, hi = tree.lo[leaf], tree.hi[leaf]
            loL = loR = lo
            hiL = hiR = hi
            if cst is not None and cst[k] != 0:
                midv = float((vL[0] + vR[0]) / 2)
                if cst[k] > 0:
                    hiL, loR = min(hi, midv), max(lo, midv)
                else:
                    loL, hiR = max(lo, midv), min(hi, midv)
            d = tree.depth[leaf] + 1
            li = tree.add(vL, nL, d, loL, hiL)
            ri = tree.add(vR, nR, d, loR, hiR)
            tree.feature[leaf], tree.threshold[leaf] = int(k), thr
            tree.left[leaf], tree.right[leaf], tree.gain[leaf] = li, ri, g
            # update this tree's leaf assignment, predictions and row order
            lf = leaf_of[t]
            in_leaf = lf == leaf
            lf[in_leaf] = np.where(D[in_leaf, k] <= thr, li, ri)
            new_pred = np.asarray(tree.value)[lf]
            total += new_pred - preds[t]
            preds[t] = new_pred
            # the split leaf's segment is partitioned stably into its two children, column by column
            rows, seg, leaves, xs = sorted_rows[t]
            pos = leaves.index(leaf)
            s0, e0 = int(seg[pos]), int(seg[pos + 1])
            block = rows[s0:e0]
            go_left = lf[block] == li
            n_left = int(go_left[:, 0].sum())
            dest = np.where(go_left, np.cumsum(go_left, axis=0) - 1, n_left + np.cumsum(~go_left, axis=0) - 1)
            new_block = np.empty_like(block)
            np.put_along_axis(new_block, dest, block, axis=0)
            rows = rows.copy()
            rows[s0:e0] = new_block
            seg = np.concatenate([seg[:pos + 1], [s0 + n_left], seg[pos + 1:]])
            leaves = leaves[:pos] + [li, ri] + leaves[pos + 1:]
            xs = xs.copy()
            xs[s0:e0] = np.take_along_axis(D, new_block, axis=0)
            sorted_rows[t] = (rows, seg, leaves, xs)
            n_splits += 1
        if not trees:  # nothing to split: one leaf with the mean
            tree = _Tree(K)
            tree.value[0] = Y.mean(axis=0)
            tree.n[0] = n
            trees.append(tree)
        self.trees_ = [tr.freeze() for tr in trees]
        self.n_rules_ = int(n_splits)
        self._set_importances()

    def _set_importances(self) -> None:
        imp = np.zeros(len(self.design_.names))
        for tr in self.trees_:
            internal = tr["feature"] >= 0
            np.add.at(imp, self.design_.src[tr["feature"][internal]], tr["gain"][internal])
        self.impurity_importance_ = imp
        s = imp.sum()
        self.feature_importances_ = imp / s if s > 0 else imp

    def _raw(self, X: Any) -> np.ndarray:
        D = _predict_design(self, X)
        out = np.zeros((D.shape[0], self.n_outputs_))
        for tr in self.trees_:
            out += tr["value"][_apply(tr, D)]
        return out

    def predict_trees(self, X: Any) -> np.ndarray:
        """Each tree's contribution: array (n_rows, n_trees, n_outputs); they sum to the raw prediction."""
        D = _predict_design(self, X)
        return np.stack([tr["value"][_apply(tr, D)] for tr in self.trees_], axis=1)

    # ---------------------------------------------------------------- reading
    def _leaf_rules(self) -> list[tuple[int, int, list[Condition], np.ndarray, int]]:
        out = []
        for t, tr in enumerate(self.trees_):
            stack = [(0, [])]
            while stack:
                node, path = stack.pop()
                if tr["feature"][node] < 0:
                    conds, _ = self.design_.merge(path)
                    out.append((t, node, conds, tr["value"][node], int(tr["n"][node])))
                    continue
                k, thr = int(tr["feature"][node]), float(tr["threshold"][node])
                stack.append((int(tr["right"][node]), path + [(k, _GT, thr)]))
                stack.append((int(tr["left"][node]), path + [(k, _LE, thr)]))
        return out

    @property
    def rules_(self) -> list[Rule]:
        """Every leaf of every tree as a :class:`Rule` (weight: its contribution to the sum)."""
        check_is_fitted(self, "trees_")
        rules = []
        for t, node, conds, value, n in self._leaf_rules():
            if value.size == 1:
                pred: Any = float(value[0])
                weight = float(value[0])
            else:
                pred = tuple(float(v) for v in value)
                weight = None
            rules.append(Rule(conditions=tuple(conds), prediction=pred, support=n, weight=weight,
                              classes=self._output_labels()))
        return rules

    def _output_labels(self) -> tuple | None:
        return None

    def _value_text(self, value: np.ndarray) -> str:
        if value.size == 1:
            return f"{value[0]:+.4g}"
        labels = self._output_labels() or tuple(range(value.size))
        return "[" + ", ".join(f"{format_value(c)}: {v:+.3g}" for c, v in zip(labels, value)) + "]"

    @property
    def average_rule_length_(self) -> float:
        """Mean number of conditions of the leaf rules in :attr:`rules_` (0 for trees without splits)."""
        check_is_fitted(self, "trees_")
        lens = [len(conds) for _, _, conds, _, _ in self._leaf_rules()]
        return float(np.mean(lens)) if lens else 0.0

    def to_text(self, form: str = "tree") -> str:
        """The model as text; the prediction is the sum of one leaf per tree.

        Parameters
        ----------
        form : {"tree", "list", "set"}, default "tree"
            ``tree``: the trees drawn one under the other; ``list``: each tree
            as a rule list (IF / ELSE IF over its leaves, which do not
            overlap, so exactly one line per tree fires); ``set``: every leaf
            as an unordered IF rule with its contribution (``weight``) and
            support.
        """
        check_is_fitted(self, "trees_")
        if form not in ("tree", "list", "set"):
            raise ValueError(f"form must be 'tree', 'list' or 'set', got {form!r}")
        lines = [f"{type(self).__name__}: {len(self.trees_)} tree{'s' if len(self.trees_) != 1 else ''}, "
                 f"{self.n_rules_} split{'s' if self.n_rules_ != 1 else ''}; {self._sum_meaning()}"]
        if form != "tree":
            leaves = [(t, Rule(conditions=tuple(conds), prediction=self._value_text(value), support=n))
                      for t, _, conds, value, n in self._leaf_rules()]
            if form == "set":
                lines.append(format_rule_set([r for _, r in leaves]))
                return "\n".join(lines)
            for t in range(len(self.trees_)):
                lines.append(f"Tree {t + 1}:")
                lines.append(format_rule_list([r for tt, r in leaves if tt == t]))
            return "\n".join(lines)
        for t, tr in enumerate(self.trees_):
            lines.append(f"Tree {t + 1}:")
            if tr["feature"][0] < 0:
                lines.append(f"└── {self._value_text(tr['value'][0])} (n={tr['n'][0]})")
                continue

            def walk(node: int, pad: str) -> None:
                k, thr = int(tr["feature"][node]), float(tr["threshold"][node])
                kids = [(int(tr["left"][node]), self._branch_text(k, thr, True), False),
                        (int(tr["right"][node]), self._branch_text(k, thr, False), True)]
                for child, text, last in kids:
                    head = "└── " if last else "├── "
                    if tr["feature"][child] < 0:
                        lines.append(f"{pad}{head}{text}: {self._value_text(tr['value'][child])} "
                                     f"(n={tr['n'][child]})")
                    else:
                        lines.append(f"{pad}{head}{text}")
                        walk(child, pad + ("    " if last else "│   "))
            walk(0, "")
        return "\n".join(lines)

    def _branch_text(self, k: int, thr: float, left: bool) -> str:
        design = self.design_
        if left and design.is_onehot[k] and design.may_be_missing(int(design.src[k])):
            return f"{Condition(design.names[design.src[k]], '!=', design.labels[k])} or missing"
        conds, _ = design.merge([(k, _LE if left else _GT, thr)])
        return str(conds[0])

    def __str__(self) -> str:
        try:
            check_is_fitted(self, "trees_")
        except Exception:
            return super().__repr__()
        return self.to_text()

    def to_frame(self) -> pd.DataFrame:
        """One row per leaf: tree, rule text, conditions, contribution(s) and support."""
        check_is_fitted(self, "trees_")
        leaves = self._leaf_rules()
        frame = rules_to_frame(self.rules_)
        frame.insert(0, "tree", [t for t, *_ in leaves])
        frame.insert(1, "node", [nd for _, nd, *_ in leaves])
        return frame

    def feature_importance(self) -> Importance:
        """Impurity (squared-error) reduction of the splits on each feature, as an :class:`~unboxed.Importance`."""
        check_is_fitted(self, "trees_")
        v = self.impurity_importance_[:, None]
        return Importance(values=v, std=np.zeros_like(v), feature_names=self.design_.names,
                          output_names=("importance",), scoring="total squared-error reduction of splits",
                          provenance=Provenance(type(self).__name__, params=self.get_params(),
                                                model=type(self).__name__))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags


class FIGSRegressor(RegressorMixin, _FIGSBase):
    """FIGS regressor: a greedy sum of small regression trees.

    Parameters
    ----------
    max_rules : int, default=12
        Total number of splits over all trees.
    max_trees : int, optional
        Most trees in the sum (default: no limit).
    max_depth : int, optional
        Deepest split per tree (default: no limit).
    min_samples_leaf : int, default=1
        Fewest training rows in a leaf.
    min_impurity_decrease : float, default=0.0
        A split is made only if it reduces the squared error by more than
        ``min_impurity_decrease * n_samples``.
    monotonic_cst : array-like of int (n_features,) or dict, optional
        Per feature: 1 increasing, -1 decreasing, 0 free (as in scikit-learn's
        gradient boosting); a dict maps feature names to constraints. Splits whose
        leaf values would break a constraint are rejected and leaf values are
        bounded so that every tree, and so the sum, is monotone. Numeric features only.

    Attributes
    ----------
    trees_ : list of dict
        Per tree: arrays ``feature`` (design column, -1 for a leaf), ``threshold``,
        ``left``, ``right``, ``value`` (n_nodes, n_outputs), ``n`` (training rows),
        ``gain`` (squared-error reduction of the split).
    n_rules_ : int
        Number of splits made.
    rules_ : list of Rule
        Every leaf as a rule; ``weight`` is its contribution to the sum.
    feature_importances_ : ndarray (n_features,)
        Normalized impurity reduction per feature.
    n_features_in_, feature_names_in_ : as in scikit-learn.

    Notes
    -----
    Categorical columns (pandas ``category``, strings, bools) are one-hot encoded
    inside and split as ``feature=value`` / ``feature≠value``; a missing category
    matches no value. Missing numbers raise an error. ``sample_weight`` is not
    supported.

    References
    ----------
    Tan, Y. S., Singh, C., Nasseri, K., Agarwal, A., & Yu, B. (2022). Fast
    interpretable greedy-tree sums. arXiv:2201.11931.

    Examples
    --------
    >>> import numpy as np
    >>> from unboxed.rules import FIGSRegressor
    >>> X = np.random.default_rng(0).uniform(size=(200, 2))
    >>> y = (X[:, 0] > 0.5) + 2 * (X[:, 1] > 0.3)
    >>> m = FIGSRegressor(max_rules=2).fit(X, y)
    >>> len(m.trees_), m.n_rules_
    (2, 2)
    """

    def fit(self, X: Any, y: Any) -> FIGSRegressor:
        """Grow the trees on X (n_rows, n_features) and y (n_rows,). Returns self."""
        design, Z = _fit_design(self, X)
        self.design_ = design
        yv = _regression_target(y, Z.shape[0], type(self).__name__)
        self.n_outputs_ = 1
        D = design.transform(Z)
        self._grow(D, yv[:, None], self._constraints(design, 1))
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The sum of the trees: (n_rows,)."""
        return self._raw(X)[:, 0]

    def _sum_meaning(self) -> str:
        return "the prediction is the sum of the trees' leaf values"


class FIGSClassifier(ClassifierMixin, _FIGSBase):
    """FIGS classifier: a greedy sum of small trees fitted to the class indicators.

    Parameters are those of :class:`FIGSRegressor`. Monotone constraints apply to
    the probability of the second class (binary problems only).

    Notes
    -----
    Two classes: one output, the indicator of ``classes_[1]``;
    ``predict_proba = [1 - p, p]`` with ``p`` the sum of the trees clipped to
    [0, 1]. More classes: one indicator per class, grown jointly (the squared
    error summed over the indicators equals the Gini impurity); the summed leaf
    vectors are clipped to [0, 1] and renormalized (imodels offers the same
    clipping as ``use_clipped_prediction=True``; its default is a softmax).
    ``predict`` is the class with the largest sum.

    References
    ----------
    Tan, Y. S., Singh, C., Nasseri, K., Agarwal, A., & Yu, B. (2022). Fast
    interpretable greedy-tree sums. arXiv:2201.11931.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from unboxed.rules import FIGSClassifier
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> m = FIGSClassifier(max_rules=5).fit(X, y)
    >>> m.n_rules_, m.predict_proba(X[:2]).shape
    (5, (2, 2))
    """

    def fit(self, X: Any, y: Any) -> FIGSClassifier:
        """Grow the trees on X (n_rows, n_features) and class labels y (n_rows,). Returns self."""
        design, Z = _fit_design(self, X)
        self.design_ = design
        self.classes_, yi = _classification_target(y, Z.shape[0], type(self).__name__)
        K = self.classes_.size
        Y = (yi == 1).astype(np.float64)[:, None] if K == 2 else np.eye(K)[yi]
        self.n_outputs_ = Y.shape[1]
        D = design.transform(Z)
        self._grow(D, Y, self._constraints(design, self.n_outputs_))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n_rows, n_classes), in the order of ``classes_``."""
        raw = self._raw(X)
        if raw.shape[1] == 1:
            p = np.clip(raw[:, 0], 0.0, 1.0)
            return np.column_stack([1.0 - p, p])
        p = np.clip(raw, 0.0, 1.0)
        s = p.sum(axis=1, keepdims=True)
        zero = s[:, 0] <= 0
        p[zero] = 1.0
        s[zero] = p.shape[1]
        return p / s

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels (n_rows,)."""
        raw = self._raw(X)
        if raw.shape[1] == 1:
            return self.classes_[(raw[:, 0] > 0.5).astype(np.intp)]
        return self.classes_[np.argmax(raw, axis=1)]

    def _output_labels(self) -> tuple | None:
        if self.classes_.size == 2:
            return None
        return tuple(self.classes_.tolist())

    def _sum_meaning(self) -> str:
        if self.classes_.size == 2:
            return f"the sum of the trees' leaf values is P({format_value(self.classes_[1])})"
        return "the sums of the trees' leaf vectors are the class probabilities (clipped, renormalized)"
