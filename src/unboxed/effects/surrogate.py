"""Global surrogate: a shallow decision tree, or an ordered rule list, that imitates a model.

The surrogate is fitted to the *model's predictions* on data ``X`` (not to the
true labels), so its fidelity -- the accuracy (classification) or R²
(regression) of the surrogate against the model -- says how much of the model's
behaviour the short description captures.

- ``kind="tree"``: a CART tree (``max_depth``, ``max_leaves``) on the model's
  predicted class (classifiers) or on one numeric output.
- ``kind="rules"``: the same tree's leaves as an ordered ``IF / ELSE IF / ELSE``
  list, the most confident (classification) or best supported leaves first.
  Because earlier rules have already taken their rows, a later rule's conditions
  are dropped when the box they then describe overlaps no leaf further down the
  list; the last leaf becomes the ``ELSE``. The list predicts exactly what the
  tree predicts, on any data.

Categorical features (strings, pandas categories, booleans) are one-hot encoded
inside; conditions print as ``purpose=car`` / ``purpose≠car`` with the user's
labels. Discrete numeric columns keep their numeric thresholds.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.metrics import r2_score

from .._model import ModelFunction, _is_classifier, prepare, provenance
from .._results import Provenance, Result
from .._validation import check_choice, check_positive_int, describe, resolve_seed
from ..rules._types import Condition, Rule, format_rule_list, format_rule_tree, format_value

__all__ = ["GlobalSurrogate", "Surrogate"]


@dataclass(frozen=True, eq=False)
class Surrogate(Result):
    """A fitted global surrogate, as text and numbers.

    Attributes
    ----------
    kind : {"tree", "rules"}
    rules : str
        The printed tree or rule list.
    fidelity : float
        Accuracy (classification) or R² (regression) of the surrogate against the
        model on the data it was fitted on.
    metric : {"accuracy", "r2"}
    feature_names : tuple of str
    target : str
        What was imitated: ``"predicted class"`` or the name of a numeric output.
    n_rules : int
        Leaves of the tree / rules of the list.
    provenance : Provenance
    """

    kind: str
    rules: str
    fidelity: float
    metric: str
    feature_names: tuple
    target: str = ""
    n_rules: int = 0
    provenance: Provenance = field(default_factory=lambda: Provenance("unknown"))

    def __post_init__(self) -> None:
        object.__setattr__(self, "feature_names", tuple(str(n) for n in self.feature_names))
        object.__setattr__(self, "fidelity", float(self.fidelity))
        object.__setattr__(self, "n_rules", int(self.n_rules))

    def __str__(self) -> str:
        return f"{self.rules}\n[{self.metric} against the model: {self.fidelity:.3f}]"

    def __repr__(self) -> str:
        return f"Surrogate({self.kind}, {self.n_rules} rules, {self.metric}={self.fidelity:.3f})"

    def to_frame(self) -> pd.DataFrame:
        """One row per printed line of the tree / rule list, with the fidelity."""
        lines = self.rules.splitlines()
        return pd.DataFrame({"line": np.arange(len(lines)), "text": lines, "kind": self.kind,
                             "metric": self.metric, "fidelity": self.fidelity})


def _NOT_MISSING(feature: str) -> Condition:
    """``feature not in {missing}``: true for every present value (a missing value satisfies no condition)."""
    return Condition(feature, "not in", (None,))


class _Box:
    """A leaf region: numeric intervals (lo, hi] (+ whether missing values reach it), allowed categories."""

    def __init__(self, numeric: dict, categorical: dict):
        self.numeric = numeric          # column -> [lo, hi, nan_ok]
        self.categorical = categorical  # column -> bool array over categories + 1 slot for missing

    def copy(self) -> _Box:
        return _Box({j: list(v) for j, v in self.numeric.items()},
                    {j: v.copy() for j, v in self.categorical.items()})

    def intersects(self, other: _Box) -> bool:
        for j in set(self.numeric) & set(other.numeric):
            lo1, hi1, n1 = self.numeric[j]
            lo2, hi2, n2 = other.numeric[j]
            if not (max(lo1, lo2) < min(hi1, hi2) or (n1 and n2)):
                return False
        for j in set(self.categorical) & set(other.categorical):
            if not np.any(self.categorical[j] & other.categorical[j]):
                return False
        return True

    def contains(self, Zf: np.ndarray) -> np.ndarray:
        """Rows of the encoded data (numeric columns as float32, like the tree) inside the box."""
        mask = np.ones(Zf.shape[0], dtype=bool)
        for j, (lo, hi, nan_ok) in self.numeric.items():
            x = Zf[:, j]
            with np.errstate(invalid="ignore"):
                inside = (x > lo) & (x <= hi)
            mask &= inside | (np.isnan(x) & nan_ok)
        for j, allowed in self.categorical.items():
            x = Zf[:, j]
            codes = np.where(np.isnan(x), allowed.size - 1, np.nan_to_num(x)).astype(np.intp)
            mask &= allowed[codes]
        return mask


class GlobalSurrogate(BaseEstimator):
    """Imitate a model with a shallow decision tree or an ordered rule list.

    Parameters
    ----------
    model : estimator, Pipeline, xgboost / lightgbm model, callable or ModelFunction
        The model to describe.
    kind : {"tree", "rules"}, default "tree"
    max_depth : int or None, default 3
        Depth of the surrogate tree (None: unlimited).
    max_leaves : int or None, default None
        At most this many leaves (rules), best-first growth.
    output : {"auto", "proba", "log_odds", "decision", "raw", "predict"}, default "auto"
        ``"auto"`` (and ``"predict"``) on a classifier imitates the predicted
        class with a classification tree (the class with the highest
        probability or decision value). Any other output, and every regressor,
        gives a regression tree on one numeric output.
    target : str or int, optional
        Which numeric output to imitate when there are several (name or
        position). Default: the only output, or the positive class of a binary
        model; required for more outputs.
    random_state : None, int or numpy Generator
        Seed of the tree (ties between equally good splits).

    Attributes
    ----------
    surrogate_ : DecisionTreeClassifier or DecisionTreeRegressor
        Fitted on the one-hot encoded data (``design_names_``).
    rules_ : list of unboxed.rules.Rule
        ``kind="tree"``: one rule per leaf, left to right, with the full path.
        ``kind="rules"``: the ordered, shortened list ending with a default rule.
    fidelity_ : float
        Accuracy or R² of the surrogate against the model on the fitting data.
    metric_ : {"accuracy", "r2"}
    feature_names_in_ : ndarray of str
    design_names_ : list of str
        Columns the tree sees (``feature=category`` for one-hot columns).
    classes_ : ndarray
        Classes of the model (classification only).
    target_ : str

    Notes
    -----
    Missing values follow the tree's learned direction. A split on missingness
    alone prints as ``x is missing`` / ``x not in {missing}``; an ordinary
    threshold split that also sends missing values one way does not say so in
    its printed condition, and a missing category follows the ``≠`` branches.
    ``predict`` and the fidelity always use the exact routing.

    References
    ----------
    .. [1] Craven, M. W. and Shavlik, J. W. (1996). Extracting tree-structured
       representations of trained networks. NIPS 8.
    .. [2] Molnar, C. (2022). Interpretable Machine Learning, 2nd ed., section
       "Global Surrogate".

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from unboxed.effects.surrogate import GlobalSurrogate
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> rf = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    >>> s = GlobalSurrogate(rf, kind="rules", max_depth=2, random_state=0).fit(X)
    >>> s.fidelity_ > 0.9
    True
    """

    def __init__(self, model: Any, *, kind: str = "tree", max_depth: int | None = 3,
                 max_leaves: int | None = None, output: str = "auto", target: Any = None,
                 random_state: Any = None):
        self.model = model
        self.kind = kind
        self.max_depth = max_depth
        self.max_leaves = max_leaves
        self.output = output
        self.target = target
        self.random_state = random_state

    # ---------------------------------------------------------------- fit
    def fit(self, X: Any, y: Any = None) -> GlobalSurrogate:
        """Fit the surrogate to the model's predictions on ``X`` (``y`` is ignored)."""
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        check_choice(self.kind, "kind", ("tree", "rules"))
        if self.max_depth is not None:
            check_positive_int(self.max_depth, "max_depth")
        if self.max_leaves is not None:
            check_positive_int(self.max_leaves, "max_leaves", minimum=2)
        output = self.output
        if output == "predict" and not isinstance(self.model, ModelFunction) and _is_classifier(self.model):
            labels = np.asarray(getattr(self.model, "classes_", []))
            if labels.dtype.kind not in "biuf":  # class labels such as strings: take the top class instead
                output = "auto"
        f, Z = prepare(self.model, X, output=output, min_rows=2)
        self._f = f
        self.schema_ = f.schema
        self.feature_names_in_ = np.asarray(f.schema.names, dtype=object)
        self.n_features_in_ = f.schema.n_features
        self._classify = f.is_classifier and self.output in ("auto", "predict")
        y_model = self._model_target(Z, first=True)
        D = self._design(Z)
        seed = resolve_seed(self.random_state)
        Tree = DecisionTreeClassifier if self._classify else DecisionTreeRegressor
        self.surrogate_ = Tree(max_depth=self.max_depth, max_leaf_nodes=self.max_leaves,
                               random_state=seed % (2**32)).fit(D, y_model)
        self._leaves = self._extract_leaves()
        if self.kind == "rules":
            self._ordered = self._rule_list()
            self.rules_ = [r for r, _ in self._ordered]
        else:
            self.rules_ = [leaf["rule"] for leaf in self._leaves]
        self.metric_ = "accuracy" if self._classify else "r2"
        self.fidelity_ = self._fidelity(y_model, self._predict_encoded(Z))
        params = {"kind": self.kind, "max_depth": self.max_depth, "max_leaves": self.max_leaves,
                  "target": self.target_}
        self._provenance = provenance("global_surrogate", f, params, random_state=seed)
        return self

    def _model_target(self, Z: np.ndarray, first: bool = False) -> np.ndarray:
        f = self._f
        Y = f(Z)
        if self._classify:
            if f.output == "predict":
                labels = Y[:, 0]
                if first:
                    self.classes_ = np.unique(labels)
                    self.target_ = "predicted class"
                return labels
            classes = getattr(f.model, "classes_", None)
            pairs = getattr(f, "ovo_pairs", None)
            if pairs is not None and classes is not None and Y.shape[1] == len(pairs):
                # one-vs-one decision values: each pair votes for its winner, as SVC.predict does
                votes = np.zeros((Y.shape[0], len(classes)))
                for c, (i, j) in enumerate(pairs):
                    votes[:, i] += Y[:, c] > 0
                    votes[:, j] += Y[:, c] <= 0
                idx = np.argmax(votes, axis=1)
            else:
                if classes is None or len(classes) != max(Y.shape[1], 2):
                    classes = np.asarray(f.output_names if Y.shape[1] > 1 else ("0", "1"), dtype=object)
                idx = (Y[:, 0] > 0).astype(np.intp) if Y.shape[1] == 1 else np.argmax(Y, axis=1)
            classes = np.asarray(classes)
            if first:
                self.classes_ = classes
                self.target_ = "predicted class"
            return classes[idx]
        if first:
            self._target_col = self._resolve_target(f)
            self.target_ = f.output_names[self._target_col]
        return Y[:, self._target_col]

    def _resolve_target(self, f: Any) -> int:
        k, names = f.n_outputs, list(f.output_names)
        t = self.target
        if t is None:
            if k == 1:
                return 0
            if k == 2 and f.is_classifier:
                return 1
            raise ValueError(f"the model has {k} outputs {names[:10]}; choose the one to imitate with target=")
        if isinstance(t, str):
            if t not in names:
                raise ValueError(f"target {t!r} is not an output of the model; outputs are {names[:20]}")
            return names.index(t)
        if isinstance(t, numbers.Integral) and not isinstance(t, bool):
            if not -k <= t < k:
                raise ValueError(f"target position {t} is out of range for {k} outputs")
            return int(t) % k
        raise TypeError(f"target must be an output name or position, got {describe(t)}")

    def _design(self, Z: np.ndarray) -> np.ndarray:
        """One-hot encode categorical (code) columns; keep the others."""
        cols, names, meta = [], [], []
        for j, col in enumerate(self.schema_.columns):
            if col.encoding == "codes":
                for c, label in enumerate(col.categories):
                    cols.append((Z[:, j] == c).astype(np.float64))
                    names.append(f"{col.name}={format_value(label)}")
                    meta.append((j, c))
            else:
                cols.append(Z[:, j])
                names.append(col.name)
                meta.append((j, None))
        self.design_names_ = names
        self._meta = meta
        return np.column_stack(cols)

    # -------------------------------------------------------------- rules
    def _split_condition(self, node: int, left: bool) -> Condition:
        t = self.surrogate_.tree_
        j, c = self._meta[t.feature[node]]
        col = self.schema_.columns[j]
        if c is None:
            thr = float(t.threshold[node])
            if np.isposinf(thr):  # sklearn's split of the missing values from all others
                return _NOT_MISSING(col.name) if left else Condition(col.name, "is missing", None)
            return Condition(col.name, "<=" if left else ">", thr)
        return Condition(col.name, "!=" if left else "==", col.categories[c])

    def _leaf_stats(self, node: int) -> dict:
        t = self.surrogate_.tree_
        support = int(t.n_node_samples[node])
        if self._classify:
            probs = t.value[node][0]
            probs = probs / probs.sum()
            cls = self.surrogate_.classes_
            best = int(np.argmax(probs))
            pred = cls[best].item() if isinstance(cls[best], np.generic) else cls[best]
            return {"prediction": pred, "probabilities": tuple(float(p) for p in probs),
                    "confidence": float(probs[best]), "support": support,
                    "classes": tuple(c.item() if isinstance(c, np.generic) else c for c in cls)}
        return {"prediction": float(t.value[node][0][0]), "probabilities": None, "confidence": None,
                "support": support, "classes": None}

    def _extract_leaves(self) -> list[dict]:
        t = self.surrogate_.tree_
        leaves: list[dict] = []
        schema = self.schema_

        def empty_box() -> _Box:
            return _Box({}, {})

        def walk(node: int, box: _Box) -> None:
            if t.children_left[node] < 0:
                conds = self._box_conditions(box)
                stats = self._leaf_stats(node)
                leaves.append({"node": node, "box": box, "stats": stats,
                               "rule": Rule(conds, stats["prediction"], stats["probabilities"], stats["support"],
                                            stats["confidence"], None, stats["classes"])})
                return
            j, c = self._meta[t.feature[node]]
            nan_left = bool(t.missing_go_to_left[node])
            for left, child in ((True, t.children_left[node]), (False, t.children_right[node])):
                b = box.copy()
                if c is None:
                    lo, hi, nan_ok = b.numeric.get(j, [-np.inf, np.inf, True])
                    thr = float(t.threshold[node])
                    b.numeric[j] = [lo, min(hi, thr), nan_ok and nan_left] if left else \
                        [max(lo, thr), hi, nan_ok and not nan_left]
                else:
                    allowed = b.categorical.get(j)
                    if allowed is None:
                        allowed = np.ones(len(schema.columns[j].categories) + 1, dtype=bool)
                    if left:
                        allowed[c] = False
                    else:
                        keep = np.zeros_like(allowed)
                        keep[c] = allowed[c]
                        allowed = keep
                    b.categorical[j] = allowed
                walk(child, b)

        walk(0, empty_box())
        return leaves

    def _box_conditions(self, box: _Box) -> tuple[Condition, ...]:
        conds = []
        for j in sorted(set(box.numeric) | set(box.categorical)):
            col = self.schema_.columns[j]
            if j in box.numeric:
                lo, hi, nan_ok = box.numeric[j]
                if np.isposinf(lo):
                    conds.append(Condition(col.name, "is missing", None))
                    continue
                if np.isfinite(lo):
                    conds.append(Condition(col.name, ">", lo))
                if np.isfinite(hi):
                    conds.append(Condition(col.name, "<=", hi))
                if not nan_ok and not np.isfinite(lo) and not np.isfinite(hi):
                    conds.append(_NOT_MISSING(col.name))
            else:
                allowed = box.categorical[j][:-1]
                cats = col.categories
                if allowed.sum() == 1:
                    conds.append(Condition(col.name, "==", cats[int(np.argmax(allowed))]))
                elif (~allowed).sum() == 1:
                    conds.append(Condition(col.name, "!=", cats[int(np.argmin(allowed))]))
                elif not allowed.all():
                    conds.append(Condition(col.name, "not in", tuple(c for c, a in zip(cats, allowed) if not a)))
        return tuple(conds)

    def _rule_list(self) -> list[tuple[Rule, _Box]]:
        """Leaves ordered by confidence / support, each shortened as far as the earlier rules allow."""
        leaves = self._leaves
        if self._classify:
            n_cls = len(self.surrogate_.classes_)

            def laplace(st: dict) -> float:  # confidence shrunk towards 1/n_classes for small leaves
                return (st["confidence"] * st["support"] + 1.0) / (st["support"] + n_cls)

            order = sorted(range(len(leaves)), key=lambda i: (-laplace(leaves[i]["stats"]),
                                                              -leaves[i]["stats"]["support"], i))
        else:
            order = sorted(range(len(leaves)), key=lambda i: (-leaves[i]["stats"]["support"], i))
        out = []
        for pos, i in enumerate(order):
            later = [leaves[q]["box"] for q in order[pos + 1:]]
            box = leaves[i]["box"].copy()
            for j in sorted(set(box.numeric) | set(box.categorical)):
                if j in box.numeric:
                    for side in (0, 1):  # lower bound, then upper bound
                        trial = box.copy()
                        trial.numeric[j][side] = -np.inf if side == 0 else np.inf
                        trial.numeric[j][2] = True
                        if not any(trial.intersects(o) for o in later):
                            box = trial
                    if box.numeric[j] == [-np.inf, np.inf, True]:
                        del box.numeric[j]
                else:
                    trial = box.copy()
                    del trial.categorical[j]
                    if not any(trial.intersects(o) for o in later):
                        box = trial
            st = leaves[i]["stats"]
            rule = Rule(self._box_conditions(box), st["prediction"], st["probabilities"], st["support"],
                        st["confidence"], None, st["classes"])
            out.append((rule, box))
        return out

    # ---------------------------------------------------------- predicting
    def _check_fitted(self) -> None:
        if not hasattr(self, "surrogate_"):
            raise ValueError("this GlobalSurrogate is not fitted yet; call fit(X) first")

    def _predict_encoded(self, Z: np.ndarray) -> np.ndarray:
        D = self._design(Z)
        if self.kind == "tree":
            return self.surrogate_.predict(D)
        Zf = Z.copy()
        numeric = [j for j, c in enumerate(self.schema_.columns) if c.encoding != "codes"]
        Zf[:, numeric] = Zf[:, numeric].astype(np.float32)  # the tree compares float32 values
        pred = np.empty(Z.shape[0], dtype=object)
        todo = np.ones(Z.shape[0], dtype=bool)
        for rule, box in self._ordered:
            hit = todo & box.contains(Zf)
            pred[hit] = rule.prediction
            todo &= ~hit
        if todo.any():  # unreachable for a list from a tree; kept for safety
            pred[todo] = self._ordered[-1][0].prediction
        ref = self.surrogate_.predict(D[:1])
        return pred.astype(ref.dtype) if ref.dtype != object else pred

    def predict(self, X: Any) -> np.ndarray:
        """The surrogate's predictions (classes, or values of the imitated output) for ``X``."""
        self._check_fitted()
        return self._predict_encoded(self.schema_.encode(X, name="X"))

    def _fidelity(self, y_model: np.ndarray, y_sur: np.ndarray) -> float:
        if self._classify:
            same = np.asarray(y_model, dtype=object) == np.asarray(y_sur, dtype=object)
            return float(np.mean(same))  # accuracy_score, for labels of any type
        return float(r2_score(y_model, np.asarray(y_sur, dtype=np.float64)))

    def score(self, X: Any, y: Any = None) -> float:
        """Fidelity on other data: accuracy or R² of the surrogate against the model (``y`` is ignored)."""
        self._check_fitted()
        Z = self.schema_.encode(X, name="X")
        return self._fidelity(self._model_target(Z), self._predict_encoded(Z))

    # -------------------------------------------------------------- output
    def _tree_text(self) -> str:
        """The tree drawn from its leaves' paths (conditions in the order of the splits)."""
        t = self.surrogate_.tree_
        path_rules = []

        def walk(node: int, conds: tuple) -> None:
            if t.children_left[node] < 0:
                st = next(leaf["stats"] for leaf in self._leaves if leaf["node"] == node)
                path_rules.append(Rule(conds, st["prediction"], st["probabilities"], st["support"],
                                       st["confidence"], None, st["classes"]))
                return
            walk(t.children_left[node], conds + (self._split_condition(node, True),))
            walk(t.children_right[node], conds + (self._split_condition(node, False),))

        walk(0, ())
        return format_rule_tree(path_rules, ordered=False)

    def __str__(self) -> str:
        if not hasattr(self, "surrogate_"):
            return "GlobalSurrogate (not fitted)"
        return format_rule_list(self.rules_) if self.kind == "rules" else self._tree_text()

    def result(self) -> Surrogate:
        """The fitted surrogate as a :class:`Surrogate` result (JSON round trip, frames)."""
        self._check_fitted()
        return Surrogate(kind=self.kind, rules=str(self), fidelity=self.fidelity_, metric=self.metric_,
                         feature_names=tuple(self.feature_names_in_), target=self.target_,
                         n_rules=len(self.rules_), provenance=self._provenance)
