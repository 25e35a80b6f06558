"""Parser for CatBoost models (oblivious and non-symmetric trees, numeric features).

The model is read from catboost's own JSON export (``save_model(...,
format="json")``). An oblivious tree of depth ``d`` lists ``d`` splits and
``2**d`` leaves; split ``k`` sets bit ``k`` of the leaf index when ``x >
border``. It becomes a full binary tree whose level ``l`` tests split ``d - 1
- l``, so that the leaves in preorder are the leaves in catboost's order.
This level order (the last split at the root) is also the order catboost's
own ``ShapValues`` follow, which matters for path-dependent values when the
same feature sits on several levels. Non-symmetric trees (``grow_policy=
"Depthwise"`` / ``"Lossguide"``) come as nested ``split`` / ``left`` /
``right`` nodes and are read as they are. ``CatBoostRanker`` is not read
(its ``predict`` has no ``prediction_type`` to check additivity against).

CatBoost rounds the input to float32 and compares it with float32 borders;
``x > border`` goes right, so ``x <= border`` goes left as in our format. A
missing value is treated per feature: ``nan_value_treatment`` ``AsTrue``
(``nan_mode="Max"``: NaN is larger than every border) sends it right,
``AsFalse`` (``nan_mode="Min"``) and ``AsIs`` send it left. Leaf values are
multiplied by the model's scale and the bias becomes the offset, so the
trees' sum is ``prediction_type="RawFormulaVal"``. Covers are the leaf
weights (the training weight that reached each leaf), summed up the tree.

Categorical features (target statistics / CTRs, one-hot splits), text and
embedding features are not supported: :func:`catboost_unsupported` says why.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import numpy as np

from ._format import InputMap, RawTree, TreeEnsemble, build_ensemble
from ._parse import class_names

__all__ = ["parse_catboost", "catboost_unsupported"]

_LOGISTIC = ("Logloss", "CrossEntropy", "MultiClassOneVsAll")
_SOFTMAX = ("MultiClass",)
_LOG = ("Poisson", "Tweedie")


def catboost_unsupported(model: Any) -> str | None:
    """Why Tree SHAP cannot read this fitted catboost model (None when it can)."""
    kinds = []
    for getter, what in (("get_cat_feature_indices", "categorical"), ("get_text_feature_indices", "text"),
                         ("get_embedding_feature_indices", "embedding")):
        try:
            idx = list(getattr(model, getter)())
        except Exception:
            idx = []
        if idx:
            kinds.append(f"{what} features {idx[:10]}")
    if not kinds:
        return None
    return (f"TreeShap does not support catboost models with {' and '.join(kinds)}: their splits use target "
            "statistics (CTRs) or feature estimators computed from the training data, not thresholds on the "
            "input columns. Use a model-agnostic explainer instead: unboxed.explain(model, X, method='kernel') "
            "or ExactShap / KernelShap")


def _model_json(model: Any) -> dict:
    with tempfile.TemporaryDirectory(prefix="unboxed_cb_") as d:
        path = os.path.join(d, "model.json")
        model.save_model(path, format="json")
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)


def _loss_name(model: Any) -> str:
    try:
        loss = model.get_all_params().get("loss_function", "")
    except Exception:
        loss = ""
    return str(loss or "").split(":")[0]


def parse_catboost(model: Any, schema: Any) -> TreeEnsemble:
    """CatBoost / CatBoostClassifier / CatBoostRegressor (RawFormulaVal space)."""
    why = catboost_unsupported(model)
    if why is not None:
        raise TypeError(why)
    cfg = _model_json(model)
    info = cfg.get("features_info", {})
    for key, what in (("categorical_features", "categorical"), ("text_features", "text"),
                      ("embedding_features", "embedding")):
        if info.get(key):
            raise TypeError(f"TreeShap does not support catboost models with {what} features; use "
                            "method='kernel' or ExactShap")
    floats = info.get("float_features", [])
    flat_of = {int(f["feature_index"]): int(f.get("flat_feature_index", f["feature_index"])) for f in floats}
    nan_right = {int(f["feature_index"]): f.get("nan_value_treatment", "AsIs") == "AsTrue" for f in floats}
    names = list(getattr(model, "feature_names_", None) or [])
    p = len(names) if names else (max(flat_of.values()) + 1 if flat_of else schema.n_features)
    if p != schema.n_features:
        raise ValueError(f"the data has {schema.n_features} columns, the model expects {p}")
    if names and getattr(schema, "named", False) and list(schema.names) != [str(n) for n in names] \
            and not all(str(n) == str(i) for i, n in enumerate(names)):
        raise ValueError(f"the data's columns {list(schema.names)[:20]} are not the columns the catboost model "
                         f"was fitted on, in its order: {names[:20]}")
    scale, bias = cfg.get("scale_and_bias", [1.0, [0.0]])
    bias = np.atleast_1d(np.asarray(bias, dtype=np.float64))
    scale = float(scale)

    def split_of(s: dict) -> tuple[int, float, bool]:
        st = s.get("split_type", "FloatFeature")
        if st != "FloatFeature":
            raise TypeError(f"TreeShap does not support catboost splits of type {st!r} (categorical, CTR, "
                            "text or embedding features); use method='kernel' or ExactShap")
        fi = int(s["float_feature_index"])
        thr = float(np.float32(s["border"]))
        return flat_of.get(fi, fi), thr, not nan_right.get(fi, False)

    if "oblivious_trees" in cfg:
        jtrees = cfg["oblivious_trees"]
        k = _dimension(jtrees, bias)
        trees = [_oblivious(jt, k, scale, split_of) for jt in jtrees]
    elif "trees" in cfg:
        jtrees = cfg["trees"]
        k = max(1, bias.size)
        trees = [_nonsymmetric(jt, k, scale, split_of) for jt in jtrees]
    else:  # pragma: no cover - unknown layout
        raise TypeError("this catboost model holds no trees that TreeShap can read")
    if bias.size not in (1, k):
        raise ValueError(f"the catboost model has {bias.size} biases for {k} outputs")
    loss = _loss_name(model)
    link = "identity"
    if loss in _LOGISTIC:
        link = "logistic"
    elif loss in _SOFTMAX:
        link = "softmax"
    elif loss in _LOG:
        link = "log"
    is_clf = loss in ("Logloss", "MultiClass", "MultiClassOneVsAll") or (
        len(getattr(model, "classes_", None) if getattr(model, "classes_", None) is not None else []) > 0)
    return build_ensemble(trees, n_outputs=k, offset=np.broadcast_to(bias, (k,)), player_of_column=np.arange(p),
                          n_players=p, input_map=InputMap(np.arange(p), float32=True), kind="catboost",
                          link=link, output_names=class_names(model, k, is_clf))


def _dimension(jtrees: list, bias: np.ndarray) -> int:
    jt = jtrees[0]
    n_leaves = 1 << len(jt.get("splits", []) or [])
    k = len(jt["leaf_values"]) // n_leaves
    return max(1, k)


def _oblivious(jt: dict, k: int, scale: float, split_of: Any) -> RawTree:
    splits = jt.get("splits", []) or []
    d = len(splits)
    n_leaves = 1 << d
    vals = np.asarray(jt["leaf_values"], dtype=np.float64)
    if vals.size != n_leaves * k:
        raise ValueError(f"a catboost tree of depth {d} has {vals.size} leaf values, expected {n_leaves * k}")
    vals = vals.reshape(n_leaves, k) * scale  # leaf-major: all outputs of leaf 0, then of leaf 1, ...
    weights = np.asarray(jt.get("leaf_weights", np.ones(n_leaves)), dtype=np.float64)
    n_int = n_leaves - 1
    n = n_int + n_leaves
    idx = np.arange(n)
    is_leaf = idx >= n_int
    left = np.where(is_leaf, -1, 2 * idx + 1)
    right = np.where(is_leaf, -1, 2 * idx + 2)
    level = np.floor(np.log2(idx + 1)).astype(np.int64)  # heap layout: level l holds 2**l nodes
    column = np.full(n, -1, np.int64)
    thr = np.zeros(n)
    dl = np.zeros(n, bool)
    parsed = [split_of(s) for s in splits]
    for i in range(n_int):
        col, t, nan_left = parsed[d - 1 - level[i]]  # the root tests the highest bit of the leaf index
        column[i], thr[i], dl[i] = col, t, nan_left
    cover = np.zeros(n)
    cover[n_int:] = weights
    for i in range(n_int - 1, -1, -1):
        cover[i] = cover[2 * i + 1] + cover[2 * i + 2]
    value = np.zeros((n, k))
    value[n_int:] = vals
    if d == 0 and cover[0] == 0:
        cover[0] = 1.0
    return RawTree(left=left, right=right, column=column, threshold=thr, default_left=dl, cover=cover,
                   value=value, output=-1)


def _nonsymmetric(root: dict, k: int, scale: float, split_of: Any) -> RawTree:
    left, right, column, thr, dl, cover, value = [], [], [], [], [], [], []
    stack = [(root, -1, 0)]
    while stack:
        nd, par, side = stack.pop()
        i = len(left)
        left.append(-1)
        right.append(-1)
        if par >= 0:
            (left if side == 0 else right)[par] = i
        if "split" in nd:
            col, t, nan_left = split_of(nd["split"])
            column.append(col)
            thr.append(t)
            dl.append(nan_left)
            cover.append(0.0)
            value.append(np.zeros(k))
            stack.append((nd["right"], i, 1))
            stack.append((nd["left"], i, 0))
        else:
            v = np.atleast_1d(np.asarray(nd.get("value", 0.0), dtype=np.float64)) * scale
            if v.size != k:
                raise ValueError(f"a catboost leaf has {v.size} values, expected {k}")
            column.append(-1)
            thr.append(0.0)
            dl.append(False)
            cover.append(float(nd.get("weight", 0.0) or 0.0))
            value.append(v)
    left_a, right_a = np.asarray(left, np.int64), np.asarray(right, np.int64)
    cover_a = np.asarray(cover)
    # children come after their parent: sum the leaf weights up the tree
    for i in range(left_a.size - 1, -1, -1):
        if left_a[i] >= 0:
            cover_a[i] = cover_a[left_a[i]] + cover_a[right_a[i]]
    if left_a.size == 1 and cover_a[0] == 0:
        cover_a[0] = 1.0
    return RawTree(left=left_a, right=right_a, column=np.asarray(column, np.int64), threshold=np.asarray(thr),
                   default_left=np.asarray(dl, bool), cover=cover_a, value=np.asarray(value), output=-1)
