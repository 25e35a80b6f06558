"""Parsers for xgboost and lightgbm models.

xgboost compares ``float32(x) < split_condition`` (float32); the parser stores
the largest float32 below the condition as the threshold so that ``x <=
threshold`` on float32-rounded input is the same test. Its categorical splits
list the categories that go *right*; the parser swaps the children so that the
stored set goes left. ``base_score`` is read back as the margin of a row of
missing values minus the trees' own sum on that row, which is exact whatever
the objective's link.

lightgbm compares float64 ``x <= threshold``; ``missing_type`` None sends NaN
where 0 goes, Zero treats |x| <= 1e-35 and NaN as missing, NaN uses the default
direction. Categorical splits list the categories that go left; NaN goes right
(or where category 0 goes when missing_type is not NaN), negative values go
right. pandas categories are mapped to the codes the model was trained with.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from ._format import InputMap, RawTree, TreeEnsemble, build_ensemble
from ._parse import class_names
from ._parse import is_booster as _is_booster

__all__ = ["parse_xgboost", "parse_lightgbm"]


def _category_lookups(schema: Any, model_categories: list, columns: list[int]) -> dict:
    """Schema codes -> the model's codes, for each categorical column."""
    lookups = {}
    for j, cats in zip(columns, model_categories):
        if cats is None:
            continue
        col = schema.columns[j]
        if col.encoding != "codes":
            continue
        pos = {}
        for i, v in enumerate(list(cats)):
            pos.setdefault(v, i)
            pos.setdefault(str(v), i)
        lookups[j] = np.array([pos.get(v, pos.get(str(v), np.nan)) for v in col.categories], dtype=np.float64)
    return lookups


# ------------------------------------------------------------------ xgboost
def _xgb_float(s: Any) -> np.ndarray:
    if isinstance(s, (int, float)):
        return np.asarray([float(s)])
    return np.asarray([float(v) for v in re.findall(r"[-+0-9.eEinfINFna]+", str(s)) if v not in ("",)],
                      dtype=np.float64)


def parse_xgboost(model: Any, schema: Any) -> TreeEnsemble:
    """xgboost Booster or sklearn-API model (gbtree or dart booster, margin space)."""
    import xgboost as xgb

    is_booster = _is_booster(model)
    booster = model if is_booster else model.get_booster()
    cfg = json.loads(booster.save_raw(raw_format="json"))
    learner = cfg["learner"]
    gb = learner["gradient_booster"]
    name = gb.get("name", "gbtree")
    if name == "gblinear":
        raise TypeError("an xgboost gblinear model has no trees; use LinearShap")
    weights = None
    if name == "dart":
        weights = np.asarray(gb.get("weight_drop", []), dtype=np.float64)
        gb = gb["gbtree"]
    model_json = gb["model"]
    jtrees = model_json["trees"]
    tree_info = np.asarray(model_json.get("tree_info", [0] * len(jtrees)), dtype=np.int64)
    mp = learner["learner_model_param"]
    num_class = int(mp.get("num_class", 0) or 0)
    num_target = int(mp.get("num_target", 1) or 1)
    k = max(num_class, num_target, 1)
    objective = learner.get("objective", {}).get("name", "")
    # trees the sklearn API's predict uses (early stopping)
    n_use = len(jtrees)
    if not is_booster:
        try:
            best = model.best_iteration
        except AttributeError:
            best = None
        if best is not None:
            per_iter = int(gb.get("gbtree_model_param", {}).get("num_parallel_tree", 1) or 1) * k
            iters = model_json.get("iteration_indptr")
            if iters is not None:
                n_use = int(iters[min(int(best) + 1, len(iters) - 1)])
            else:
                n_use = min(len(jtrees), (int(best) + 1) * per_iter)
    n_feat = int(mp.get("num_feature", schema.n_features) or schema.n_features)
    if n_feat != schema.n_features:
        raise ValueError(f"the data has {schema.n_features} columns, the model expects {n_feat}")
    trees = []
    for i, jt in enumerate(jtrees[:n_use]):
        if int(jt.get("tree_param", {}).get("size_leaf_vector", "1") or 1) > 1:
            raise TypeError("xgboost models with vector leaves (multi_strategy='multi_output_tree') are not "
                            "supported; train with multi_strategy='one_output_per_tree'")
        left = np.asarray(jt["left_children"], dtype=np.int64)
        right = np.asarray(jt["right_children"], dtype=np.int64)
        cond = np.asarray(jt["split_conditions"], dtype=np.float32)
        is_leaf = left < 0
        thr = np.nextafter(cond, np.float32(-np.inf)).astype(np.float64)
        value = cond.astype(np.float64)[:, None] * (1.0 if weights is None or weights.size <= i else weights[i])
        default_left = np.asarray(jt["default_left"], dtype=bool)
        split_type = np.asarray(jt.get("split_type", [0] * left.size), dtype=np.int64)
        categorical = (split_type == 1) & ~is_leaf
        cat_left = {}
        if categorical.any():
            cats = jt["categories"]
            seg = jt["categories_segments"]
            size = jt["categories_sizes"]
            for node, s, z in zip(jt["categories_nodes"], seg, size):
                cat_left[int(node)] = [int(c) for c in cats[s:s + z]]
            # the listed categories go right: swap so that they go left
            sw = categorical
            left, right = np.where(sw, right, left), np.where(sw, left, right)
            default_left = np.where(sw, ~default_left, default_left)
        trees.append(RawTree(
            left=np.where(is_leaf, -1, left), right=np.where(is_leaf, -1, right),
            column=np.asarray(jt["split_indices"], dtype=np.int64), threshold=thr, default_left=default_left,
            cover=np.asarray(jt["sum_hessian"], dtype=np.float64), value=value,
            output=int(tree_info[i]) if k > 1 else 0, categorical=categorical, cat_left=cat_left,
        ))
    lookups = {}
    if any(c.encoding == "codes" for c in schema.columns):
        per_col = _xgb_categories(model_json, booster)
        if per_col is not None and len(per_col) == schema.n_features:
            lookups = _category_lookups(schema, per_col, list(range(schema.n_features)))
    p = schema.n_features
    is_clf = any(s in objective for s in ("logistic", "softprob", "softmax", "logitraw", "hinge"))
    link = "identity"
    if objective in ("binary:logistic", "reg:logistic"):
        link = "logistic"
    elif objective in ("multi:softprob", "multi:softmax"):
        link = "softmax"
    ens = build_ensemble(trees, n_outputs=k, offset=np.zeros(k), player_of_column=np.arange(p), n_players=p,
                         input_map=InputMap(np.arange(p), lookups=lookups, float32=True), kind="xgboost",
                         link=link, output_names=class_names(model, k, is_clf))
    ens.offset = _xgb_offset(booster, ens, p, learner, k, xgb, all_trees=n_use == len(jtrees))
    return ens


def _xgb_categories(model_json: dict, booster: Any) -> list | None:
    """The training categories of each feature (None for numeric ones), as stored in the model."""
    cats = model_json.get("cats")
    if cats and cats.get("enc") is not None:
        seg = cats.get("feature_segments", [])
        out: list = []
        for i, e in enumerate(cats["enc"]):
            size = seg[i + 1] - seg[i] if i + 1 < len(seg) else 0
            offs, vals = e.get("offsets", []), e.get("values", [])
            if size == 0:
                out.append(None)
            elif offs:
                out.append([bytes(vals[offs[k]:offs[k + 1]]).decode("utf-8") for k in range(len(offs) - 1)])
            else:
                out.append(list(vals))
        return out
    try:  # pragma: no cover - older layouts
        arrays = booster.get_categories(export_to_arrow=True).to_arrow()
        return [None if a is None else (a[1] if isinstance(a, tuple) else a).to_pylist() for a in arrays]
    except Exception:  # pragma: no cover
        return None


def _xgb_offset(booster: Any, ens: TreeEnsemble, p: int, learner: dict, k: int, xgb: Any,
                all_trees: bool) -> np.ndarray:
    """The constant margin: the model's margin on a row of missing values minus the trees' sum there."""
    from ._path import predict_raw
    if all_trees:
        row = np.full((1, p), np.nan)
        try:
            dm = xgb.DMatrix(row, feature_names=booster.feature_names, feature_types=booster.feature_types,
                             enable_categorical=True, missing=np.nan)
            margin = np.asarray(booster.predict(dm, output_margin=True), dtype=np.float64).reshape(1, -1)[0]
            if margin.size == k:
                return margin - predict_raw(ens, row)[0]
        except Exception:  # pragma: no cover - fall back on the stored base_score
            pass
    base = _xgb_float(learner["learner_model_param"].get("base_score", "0.5"))
    obj = learner.get("objective", {}).get("name", "")
    if obj in ("binary:logistic", "reg:logistic", "binary:logitraw"):
        base = np.log(base / (1 - base))
    elif obj in ("count:poisson", "reg:gamma", "reg:tweedie", "survival:cox"):
        base = np.log(base)
    return np.broadcast_to(base, (k,)).astype(np.float64).copy()


# ----------------------------------------------------------------- lightgbm
def parse_lightgbm(model: Any, schema: Any) -> TreeEnsemble:
    """lightgbm Booster or sklearn-API model (raw score space)."""
    is_booster = _is_booster(model)
    booster = model if is_booster else model.booster_
    dump = booster.dump_model()
    k = int(dump.get("num_tree_per_iteration", 1))
    p = int(dump.get("max_feature_idx", schema.n_features - 1)) + 1
    if p != schema.n_features:
        raise ValueError(f"the data has {schema.n_features} columns, the model expects {p}")
    info = dump["tree_info"]
    n_iter = max(1, len(info) // max(k, 1))
    scale = 1.0 / n_iter if dump.get("average_output", False) else 1.0
    trees = []
    for i, ti in enumerate(info):
        trees.append(_lgb_tree(ti["tree_structure"], scale, i % k if k > 1 else 0))
    # pandas categories the model was trained on
    lookups = {}
    pc = getattr(booster, "pandas_categorical", None) or dump.get("pandas_categorical") or None
    if pc:
        cat_cols = [j for j, c in enumerate(schema.columns)
                    if c.encoding == "codes" and type(c.dtype).__name__ == "CategoricalDtype"]
        if len(cat_cols) == len(pc):
            lookups = _category_lookups(schema, pc, cat_cols)
    objective = str(dump.get("objective", ""))
    link = "identity"
    if objective.startswith("binary") or objective.startswith("cross_entropy") or objective.startswith(
            "multiclassova"):
        link = "logistic"
    elif objective.startswith("multiclass"):
        link = "softmax"
    elif objective.split(" ")[0] in ("poisson", "gamma", "tweedie"):
        link = "log"
    is_clf = link in ("logistic", "softmax") and not objective.startswith("cross_entropy")
    ens = build_ensemble(trees, n_outputs=k, offset=np.zeros(k), player_of_column=np.arange(p), n_players=p,
                         input_map=InputMap(np.arange(p), lookups=lookups), kind="lightgbm", link=link,
                         output_names=class_names(model, k, is_clf))
    if scale != 1.0:  # boosting="rf": the trees are averaged (the margin behind predict / predict_proba),
        ens.model_raw_scale = float(n_iter)  # but lightgbm's raw_score is their plain sum
    return ens


def _lgb_tree(root: dict, scale: float, output: int) -> RawTree:
    nodes: list[dict] = []
    left, right = [], []
    stack = [(root, -1, 0)]
    while stack:
        nd, par, side = stack.pop()
        i = len(nodes)
        nodes.append(nd)
        left.append(-1)
        right.append(-1)
        if par >= 0:
            (left if side == 0 else right)[par] = i
        if "leaf_coeff" in nd:
            raise TypeError("lightgbm models with linear trees (linear_tree=True) are not supported")
        if "split_feature" in nd:
            stack.append((nd["right_child"], i, 1))
            stack.append((nd["left_child"], i, 0))
    n = len(nodes)
    column = np.full(n, -1, np.int64)
    thr = np.zeros(n)
    dl = np.zeros(n, bool)
    zm = np.zeros(n, bool)
    cat = np.zeros(n, bool)
    cover = np.zeros(n)
    value = np.zeros((n, 1))
    cat_left = {}
    for i, nd in enumerate(nodes):
        if "split_feature" not in nd:
            value[i, 0] = float(nd.get("leaf_value", 0.0)) * scale
            cover[i] = float(nd.get("leaf_count", 0) or 0)
            continue
        column[i] = int(nd["split_feature"])
        cover[i] = float(nd.get("internal_count", 0) or 0)
        mt = str(nd.get("missing_type", "None"))
        if nd.get("decision_type", "<=") == "==":
            cat[i] = True
            cats = [int(c) for c in str(nd["threshold"]).split("||") if c != ""]
            cat_left[i] = cats
            dl[i] = (mt != "NaN") and (0 in cats)  # NaN goes right, or where category 0 goes
        else:
            t = float(nd["threshold"])
            thr[i] = t
            if mt == "None":
                dl[i] = 0.0 <= t
            elif mt == "Zero":
                dl[i] = bool(nd.get("default_left", True))
                zm[i] = True
            else:
                dl[i] = bool(nd.get("default_left", True))
    if n == 1 and cover[0] == 0:
        cover[0] = 1.0
    return RawTree(left=np.asarray(left), right=np.asarray(right), column=column, threshold=thr, default_left=dl,
                   cover=cover, value=value, output=output, categorical=cat, cat_left=cat_left, zero_missing=zm)
