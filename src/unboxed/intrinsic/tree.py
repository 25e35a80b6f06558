"""What decision trees say about themselves.

- :func:`decision_path_rules`: the path of each row through the tree, as a
  readable :class:`~unboxed.rules.Rule` (conditions merged per feature into intervals).
- :func:`tree_importance`: the impurity (mean decrease in impurity) importance.
- :func:`explain_tree`: Saabas path contributions: along a row's path, every
  split moves the node value; the move is credited to the split's feature.
  The root value plus the contributions is the prediction, exactly.

Trees inside a Pipeline are read in the space the tree sees (after the other
steps), with the names from ``get_feature_names_out``. Forests (random forests,
extra trees) are averaged over their trees.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._model import provenance
from .._results import Attribution, Importance
from .._validation import describe
from ..rules._types import Condition, Rule
from ._common import ModelSpace, quiet, split_pipeline

__all__ = ["decision_path_rules", "tree_importance", "explain_tree"]


def _trees(final: Any) -> list[Any]:
    """The sklearn trees of a fitted tree or forest (averaging ensembles only)."""
    if hasattr(final, "tree_"):
        return [final]
    ests = getattr(final, "estimators_", None)
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, \
        RandomForestRegressor
    if isinstance(final, (RandomForestClassifier, RandomForestRegressor, ExtraTreesClassifier,
                          ExtraTreesRegressor)) and ests is not None:
        return list(ests)
    raise TypeError(f"expected a fitted DecisionTreeClassifier / DecisionTreeRegressor (or a random forest / "
                    f"extra trees, or a Pipeline ending in one), got {describe(final)}")


def _node_values(tree: Any, classifier: bool) -> np.ndarray:
    """Node values (n_nodes, n_outputs): class probabilities or regression values."""
    v = np.asarray(tree.tree_.value, dtype=np.float64)
    if classifier:
        v = v[:, 0, :]
        s = v.sum(axis=1, keepdims=True)
        return v / np.where(s > 0, s, 1.0)
    return v[:, :, 0]


def _is_classifier(final: Any) -> bool:
    return hasattr(final, "classes_") and hasattr(final, "predict_proba")


def _contributions(tree: Any, Xt: np.ndarray, classifier: bool) -> tuple[np.ndarray, np.ndarray]:
    """Saabas contributions of one tree: values (n, q, k), base (k,)."""
    t = tree.tree_
    val = _node_values(tree, classifier)
    n_nodes, k = val.shape
    q = Xt.shape[1]
    parent = np.full(n_nodes, -1)
    left, right = t.children_left, t.children_right
    internal = np.nonzero(left >= 0)[0]
    parent[left[internal]] = internal
    parent[right[internal]] = internal
    # each non-root node moves the value by val[node] - val[parent], credited to the parent's feature
    import scipy.sparse as sp
    nodes = np.nonzero(parent >= 0)[0]
    feat = t.feature[parent[nodes]]
    delta = val[nodes] - val[parent[nodes]]                     # (m, k)
    rows = np.repeat(nodes, k)
    cols = (feat[:, None] * k + np.arange(k)[None, :]).ravel()
    M = sp.csr_matrix((delta.ravel(), (rows, cols)), shape=(n_nodes, q * k))
    path = quiet(tree.decision_path, Xt.astype(np.float32))
    values = np.asarray((path @ M).todense()).reshape(Xt.shape[0], q, k)
    return values, val[0]


def _space(model: Any, X: Any, *, min_rows: int = 1) -> ModelSpace:
    prefix, final = split_pipeline(model)
    _trees(final)  # type check first, for a clear message
    return ModelSpace(model, X, name="X", allow_nan=False, min_rows=min_rows)


def explain_tree(model: Any, X: Any) -> Attribution:
    """Saabas path contributions of a decision tree (or forest) for each row.

    Parameters
    ----------
    model : fitted DecisionTreeClassifier / DecisionTreeRegressor, random forest,
        extra trees, or a Pipeline ending in one.
    X : array-like or DataFrame (n_rows, n_features)

    Returns
    -------
    Attribution
        ``values (n_rows, n_inputs, n_outputs)``; ``base_values`` the root value
        (the training mean / class shares); ``base_values + values.sum(axis=1)``
        equals ``predict_proba`` (classifiers, one output per class) or
        ``predict`` (regressors) exactly.

    References
    ----------
    Saabas, A. (2014). Interpreting random forests. Blog post and the
    ``treeinterpreter`` package.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from unboxed.intrinsic import explain_tree
    >>> X, y = load_iris(return_X_y=True)
    >>> a = explain_tree(DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y), X[:4])
    >>> a.values.shape
    (4, 4, 3)
    """
    space = _space(model, X)
    final = space.final
    trees = _trees(final)
    clf = _is_classifier(final)
    values, base = None, None
    for tr in trees:
        v, b = _contributions(tr, space.Xt, clf)
        values = v if values is None else values + v
        base = b if base is None else base + b
    values /= len(trees)
    base = base / len(trees)
    n = space.Xt.shape[0]
    if clf:
        outs = tuple(str(c) for c in np.asarray(final.classes_).tolist())
    else:
        k = values.shape[2]
        outs = ("prediction",) if k == 1 else tuple(f"output_{j}" for j in range(k))
    if not space.prefix:
        names, data = space.schema.names, space.schema.display_values(space.Z)
    else:
        names, data = space.names, np.asarray(space.Xt, dtype=object)
    return Attribution(values=values, base_values=np.broadcast_to(base, (n, base.size)), feature_names=names,
                       output_names=outs, data=data, output_space="proba" if clf else "predict",
                       provenance=provenance("explain_tree", space.f, {"n_trees": len(trees)}, n_evals=0))


def tree_importance(model: Any) -> Importance:
    """Impurity importance (mean decrease in impurity) of a fitted tree or forest.

    Parameters
    ----------
    model : fitted tree, forest, gradient boosting, or a Pipeline ending in one
        Anything with ``feature_importances_`` computed from its trees.

    Returns
    -------
    Importance
        ``values (n_inputs, 1)`` normalized to sum to one, as scikit-learn does;
        ``std`` the spread over the trees of a forest (0 for a single tree).

    References
    ----------
    Breiman, L., Friedman, J., Olshen, R., & Stone, C. (1984). Classification and
    Regression Trees. Wadsworth.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from unboxed.intrinsic import tree_importance
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> tree_importance(DecisionTreeClassifier(random_state=0).fit(X, y)).ranking()[0]
    'petal width (cm)'
    """
    prefix, final = split_pipeline(model)
    imp = getattr(final, "feature_importances_", None)
    if imp is None:
        raise TypeError(f"expected a fitted tree model with feature_importances_ (or a Pipeline ending in one), "
                        f"got {describe(final)}")
    imp = np.asarray(imp, dtype=np.float64)
    q = imp.size
    std = np.zeros(q)
    ests = getattr(final, "estimators_", None)
    if ests is not None and not hasattr(final, "tree_"):
        flat = np.ravel(np.asarray(ests, dtype=object))
        per = [np.asarray(e.feature_importances_, dtype=float) for e in flat if hasattr(e, "feature_importances_")]
        if len(per) > 1:
            std = np.std(per, axis=0)
    names = None
    if prefix and hasattr(prefix[-1], "get_feature_names_out"):
        try:
            names = [str(v) for v in prefix[-1].get_feature_names_out()]
        except Exception:
            names = None
    if names is None or len(names) != q:
        fn = getattr(final, "feature_names_in_", None)
        names = [str(v) for v in fn] if fn is not None and len(fn) == q else [f"x{j}" for j in range(q)]
    return Importance(values=imp[:, None], std=std[:, None], feature_names=names, output_names=("importance",),
                      scoring="mean decrease in impurity (normalized)",
                      provenance=provenance("tree_importance", None, {"model": type(final).__name__}))


def decision_path_rules(tree_model: Any, X: Any) -> list[Rule]:
    """The decision path of each row as a :class:`~unboxed.rules.Rule`.

    Parameters
    ----------
    tree_model : fitted DecisionTreeClassifier / DecisionTreeRegressor, or a
        Pipeline ending in one.
    X : array-like or DataFrame (n_rows, n_features)

    Returns
    -------
    list of Rule, one per row
        Conditions merged per feature into at most one interval (``a < x <= b``
        prints as ``x > a AND x <= b``); ``prediction`` the predicted class /
        value; ``probabilities`` (classifiers) the leaf's class shares with
        ``classes``; ``support`` the training rows in the leaf; ``confidence``
        the largest class share.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from unboxed.intrinsic import decision_path_rules
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    >>> str(decision_path_rules(tree, X[:1])[0])
    'IF petal width (cm) <= 0.8 THEN 0'
    """
    space = _space(tree_model, X)
    final = space.final
    if not hasattr(final, "tree_"):
        raise TypeError(f"decision_path_rules reads a single decision tree, got {describe(final)}")
    t = final.tree_
    clf = _is_classifier(final)
    val = _node_values(final, clf)
    Xt32 = space.Xt.astype(np.float32)
    path = quiet(final.decision_path, Xt32).tocsr()
    leaves = quiet(final.apply, Xt32)
    names = space.names
    classes = tuple(np.asarray(final.classes_).tolist()) if clf else None
    cache: dict[int, Rule] = {}
    out = []
    for i in range(space.Xt.shape[0]):
        leaf = int(leaves[i])
        if leaf in cache:
            out.append(cache[leaf])
            continue
        nodes = path.indices[path.indptr[i]:path.indptr[i + 1]]
        nodes = np.sort(nodes)
        order: list[int] = []
        lo: dict[int, float] = {}
        hi: dict[int, float] = {}
        for nd in nodes:
            if t.children_left[nd] < 0:
                continue
            f, thr = int(t.feature[nd]), float(t.threshold[nd])
            if f not in order:
                order.append(f)
            nxt = t.children_left[nd]
            if nxt in nodes:
                hi[f] = min(hi.get(f, np.inf), thr)
            else:
                lo[f] = max(lo.get(f, -np.inf), thr)
        conds = []
        for f in order:
            if f in lo:
                conds.append(Condition(names[f], ">", lo[f]))
            if f in hi:
                conds.append(Condition(names[f], "<=", hi[f]))
        v = val[leaf]
        if clf:
            j = int(np.argmax(v))
            rule = Rule(conditions=tuple(conds), prediction=classes[j], probabilities=tuple(float(x) for x in v),
                        support=int(t.n_node_samples[leaf]), confidence=float(v[j]), classes=classes)
        else:
            pred = float(v[0]) if v.size == 1 else tuple(float(x) for x in v)
            rule = Rule(conditions=tuple(conds), prediction=pred, support=int(t.n_node_samples[leaf]))
        cache[leaf] = rule
        out.append(rule)
    return out
