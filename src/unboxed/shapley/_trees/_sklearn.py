"""Parsers for scikit-learn trees, forests, gradient boosting and histogram gradient boosting.

scikit-learn's ``DecisionTree*`` / forests / ``GradientBoosting*`` cast the
input to float32 and compare ``x <= threshold`` (a float64 threshold), so the
input map rounds to float32 first: values sitting exactly on a threshold then
go where ``predict`` sends them. ``HistGradientBoosting*`` compares float64
values; with ``categorical_features="from_dtype"`` its own preprocessor puts the
categorical columns first and ordinal-encodes them, which the input map
reproduces from the encoder's categories.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._format import InputMap, RawTree, TreeEnsemble, build_ensemble
from ._parse import class_names

__all__ = ["parse_forest", "parse_gb", "parse_hgb"]


def _n_features(model: Any, schema: Any) -> int:
    p = int(getattr(model, "n_features_in_", schema.n_features))
    if p != schema.n_features:
        raise ValueError(f"the data has {schema.n_features} columns, the model expects {p}")
    return p


def _tree_arrays(tree: Any) -> dict:
    left = np.asarray(tree.children_left, dtype=np.int64)
    mgl = getattr(tree, "missing_go_to_left", None)
    return dict(
        left=left,
        right=np.asarray(tree.children_right, dtype=np.int64),
        column=np.asarray(tree.feature, dtype=np.int64),
        threshold=np.asarray(tree.threshold, dtype=np.float64),
        default_left=(np.zeros(left.size, bool) if mgl is None else np.asarray(mgl).astype(bool)),
        cover=np.asarray(tree.weighted_n_node_samples, dtype=np.float64),
    )


def parse_forest(model: Any, schema: Any) -> TreeEnsemble:
    """DecisionTree*, ExtraTree*, RandomForest*, ExtraTrees* (averaged trees)."""
    p = _n_features(model, schema)
    ests = list(model.estimators_) if hasattr(model, "estimators_") else [model]
    is_clf = hasattr(model, "classes_")
    if is_clf and getattr(model, "n_outputs_", 1) > 1:
        raise TypeError(f"{type(model).__name__} with several classification targets is not supported; "
                        "fit one classifier per target")
    scale = 1.0 / len(ests)
    trees = []
    for est in ests:
        t = est.tree_
        a = _tree_arrays(t)
        val = np.asarray(t.value, dtype=np.float64)  # (n_nodes, n_outputs, max_classes)
        if is_clf:
            v = val[:, 0, :]
            tot = v.sum(axis=1, keepdims=True)
            v = np.divide(v, tot, out=np.zeros_like(v), where=tot > 0)
        else:
            v = val[:, :, 0]
        trees.append(RawTree(value=v * scale, output=-1, **a))
    k = trees[0].value.shape[1]
    names = class_names(model, k, is_clf)
    return build_ensemble(trees, n_outputs=k, offset=np.zeros(k), player_of_column=np.arange(p), n_players=p,
                          input_map=InputMap(np.arange(p), float32=True), kind=type(model).__name__,
                          raw_is_proba=is_clf, link="identity", output_names=names)


def parse_gb(model: Any, schema: Any) -> TreeEnsemble:
    """GradientBoostingRegressor / GradientBoostingClassifier (decision_function space)."""
    p = _n_features(model, schema)
    init = getattr(model, "init_", None)
    if not (isinstance(init, str) and init == "zero") and type(init).__name__ not in ("DummyRegressor",
                                                                                       "DummyClassifier"):
        raise TypeError(f"{type(model).__name__} with init={type(init).__name__} is not supported: Tree SHAP "
                        "needs a constant initial prediction (the default, or init='zero')")
    ests = np.asarray(model.estimators_)
    k = ests.shape[1]
    lr = float(model.learning_rate)
    trees = []
    for i in range(ests.shape[0]):
        for c in range(k):
            t = ests[i, c].tree_
            a = _tree_arrays(t)
            v = np.asarray(t.value, dtype=np.float64)[:, 0, :1] * lr
            trees.append(RawTree(value=v, output=c if k > 1 else 0, **a))
    if isinstance(init, str):
        offset = np.zeros(k)
    else:
        offset = np.asarray(model._raw_predict_init(np.zeros((1, p), dtype=np.float32)), dtype=np.float64)[0]
    is_clf = hasattr(model, "classes_")
    link = ("logistic" if k == 1 else "softmax") if is_clf else "identity"
    return build_ensemble(trees, n_outputs=k, offset=offset, player_of_column=np.arange(p), n_players=p,
                          input_map=InputMap(np.arange(p), float32=True), kind=type(model).__name__,
                          link=link, output_names=class_names(model, k, is_clf))


def _hgb_input_map(model: Any, schema: Any, p: int) -> tuple[InputMap, np.ndarray]:
    pre = getattr(model, "_preprocessor", None)
    is_cat = getattr(model, "is_categorical_", None)
    if pre is None:
        source = np.arange(p)
        known = {}
        if is_cat is not None and np.any(is_cat):
            thresholds = model._bin_mapper.bin_thresholds_
            for j in np.flatnonzero(is_cat):
                known[int(j)] = np.asarray(thresholds[j], dtype=np.float64)
        return InputMap(source, known=known), source
    cat_idx = np.flatnonzero(is_cat)
    num_idx = np.flatnonzero(~np.asarray(is_cat, dtype=bool))
    source = np.concatenate([cat_idx, num_idx]).astype(np.int64)
    encoder = pre.named_transformers_["encoder"]
    lookups, value_maps = {}, {}
    for c, (j, cats) in enumerate(zip(cat_idx, encoder.categories_)):
        col = schema.columns[j]
        pos = {}
        for i, v in enumerate(list(cats)):
            if isinstance(v, float) and np.isnan(v):
                continue
            pos[v] = i
            pos[str(v)] = pos.get(str(v), i)
        if col.encoding == "codes":
            table = np.array([pos.get(v, pos.get(str(v), np.nan)) for v in col.categories], dtype=np.float64)
            lookups[c] = table
        else:
            try:
                known = np.array([float(v) for v in pos if not isinstance(v, str)], dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"column {col.name!r} is categorical in the model (categories {list(cats)[:5]}) "
                                "but numeric in the data; pass the data the model was fitted on") from None
            order = np.argsort(known)
            codes = np.array([pos[v] for v in pos if not isinstance(v, str)], dtype=np.float64)
            value_maps[c] = (known[order], codes[order])
    return InputMap(source, lookups=lookups, value_maps=value_maps), source


def parse_hgb(model: Any, schema: Any) -> TreeEnsemble:
    """HistGradientBoostingRegressor / HistGradientBoostingClassifier (raw, link-space predictions)."""
    p = _n_features(model, schema)
    imap, source = _hgb_input_map(model, schema, p)
    k = int(model.n_trees_per_iteration_)
    trees = []
    for it in model._predictors:
        for c, pred in enumerate(it):
            nodes = pred.nodes
            is_leaf = np.asarray(nodes["is_leaf"]).astype(bool)
            left = np.where(is_leaf, -1, np.asarray(nodes["left"], dtype=np.int64))
            right = np.where(is_leaf, -1, np.asarray(nodes["right"], dtype=np.int64))
            is_cat = np.asarray(nodes["is_categorical"]).astype(bool) & ~is_leaf
            cat_left = {}
            bitsets = np.asarray(pred.raw_left_cat_bitsets)
            for i in np.flatnonzero(is_cat):
                words = bitsets[int(nodes["bitset_idx"][i])]
                cats = [w * 32 + b for w in range(words.size) for b in range(32) if (int(words[w]) >> b) & 1]
                cat_left[int(i)] = cats
            trees.append(RawTree(
                left=left, right=right, column=np.asarray(nodes["feature_idx"], dtype=np.int64),
                threshold=np.asarray(nodes["num_threshold"], dtype=np.float64),
                default_left=np.asarray(nodes["missing_go_to_left"]).astype(bool),
                cover=np.asarray(nodes["count"], dtype=np.float64),
                value=np.asarray(nodes["value"], dtype=np.float64)[:, None],
                output=c if k > 1 else 0, categorical=is_cat, cat_left=cat_left,
            ))
    offset = np.asarray(model._baseline_prediction, dtype=np.float64).reshape(-1)
    is_clf = hasattr(model, "classes_")
    link = ("logistic" if k == 1 else "softmax") if is_clf else "identity"
    loss = getattr(model, "loss", "")
    if not is_clf and loss in ("poisson", "gamma"):
        link = "log"
    return build_ensemble(trees, n_outputs=k, offset=offset, player_of_column=source, n_players=p,
                          input_map=imap, kind=type(model).__name__, link=link,
                          output_names=class_names(model, k, is_clf))
