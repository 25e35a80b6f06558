"""TreeShap: brute-force Shapley oracles on small trees, additivity on every row (thresholds included),
the public API, bad inputs, backends, and the caller's data left alone.

Tolerances: brute force and Tree SHAP agree to 1e-10 (both float64); additivity against the model's own
raw prediction holds to 1e-9 (float64 libraries) or 1e-5 (xgboost sums in float32).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeRegressor

from unboxed import Attribution
from unboxed._validation import ModelError
from unboxed.shapley.tree import TreeShap

from conftest import assert_unmodified


# ------------------------------------------------------------------ oracles
def _cond_exp(tree, x32, S, k=0):
    """E[f | x_S] under the tree's cover weights (path-dependent), straight from sklearn's arrays."""
    def rec(i):
        if tree.children_left[i] < 0:
            v = tree.value[i, :, :]
            return v[0, 0] if v.shape[1] == 1 else v[0] / v[0].sum()
        f = tree.feature[i]
        le, ri = tree.children_left[i], tree.children_right[i]
        if f in S:
            xv = x32[f]
            go_left = bool(tree.missing_go_to_left[i]) if np.isnan(xv) else xv <= tree.threshold[i]
            return rec(le if go_left else ri)
        w = tree.weighted_n_node_samples
        return (w[le] * rec(le) + w[ri] * rec(ri)) / w[i]
    return rec(0)


def brute_force_shapley(value, p):
    """Shapley values of a set function ``value(frozenset) -> array`` over p players, from the definition."""
    phi = None
    for i in range(p):
        others = [j for j in range(p) if j != i]
        acc = 0.0
        for r in range(p):
            for S in itertools.combinations(others, r):
                w = math.factorial(r) * math.factorial(p - r - 1) / math.factorial(p)
                acc = acc + w * (value(frozenset(S) | {i}) - value(frozenset(S)))
        phi = np.zeros((p,) + np.shape(acc)) if phi is None else phi
        phi[i] = acc
    return phi


def forest_path_value(model, x):
    x32 = np.asarray(x, dtype=np.float32).astype(np.float64)
    trees = [e.tree_ for e in model.estimators_] if hasattr(model, "estimators_") else [model.tree_]
    return lambda S: np.mean([_cond_exp(t, x32, S) for t in trees], axis=0)


def _random_tree_model(seed, p, depth, n=200, forest=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)).round(1)  # repeated values: rows on thresholds
    y = X @ rng.normal(size=p) + np.sin(3 * X[:, 0]) * X[:, -1] + rng.normal(scale=0.1, size=n)
    if forest:
        m = RandomForestRegressor(n_estimators=3, max_depth=depth, random_state=seed).fit(X, y)
    else:
        m = DecisionTreeRegressor(max_depth=depth, random_state=seed, min_samples_leaf=3).fit(X, y)
    return m, X


# -------------------------------------------------------------- brute force
@pytest.mark.parametrize("seed,p,depth,forest", [(0, 3, 3, False), (1, 5, 4, False), (2, 6, 4, True),
                                                 (3, 4, 2, True)])
def test_path_dependent_matches_brute_force(seed, p, depth, forest):
    model, X = _random_tree_model(seed, p, depth, forest=forest)
    rows = X[:6]
    attr = TreeShap(model, progress=False).explain(rows)
    for i, x in enumerate(rows):
        phi = brute_force_shapley(forest_path_value(model, x), p)
        np.testing.assert_allclose(attr.values[i, :, 0], phi, rtol=0, atol=1e-10)
    base = forest_path_value(model, rows[0])(frozenset())
    np.testing.assert_allclose(attr.base_values[:, 0], base, rtol=0, atol=1e-10)


def test_repeated_feature_on_a_path_matches_brute_force():
    # a model that splits on one feature many times along each path (the duplicate-feature case)
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 3))
    y = np.sin(4 * X[:, 0]) + 0.3 * X[:, 1]
    model = DecisionTreeRegressor(max_depth=6, random_state=0).fit(X, y)
    attr = TreeShap(model, progress=False).explain(X[:5])
    for i in range(5):
        phi = brute_force_shapley(forest_path_value(model, X[i]), 3)
        np.testing.assert_allclose(attr.values[i, :, 0], phi, rtol=0, atol=1e-10)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), p=st.integers(1, 5), depth=st.integers(1, 4))
def test_axioms_on_random_trees(seed, p, depth):
    model, X = _random_tree_model(seed, p + 1, depth, n=80)
    Xd = X.copy()
    Xd[:, -1] = 0.0  # a constant column the tree cannot use: a dummy player
    model.fit(Xd, model.predict(X))
    attr = TreeShap(model, progress=False).explain(Xd[:10])
    # efficiency against the model's own prediction
    np.testing.assert_allclose(attr.total[:, 0], model.predict(Xd[:10]), rtol=0, atol=1e-9)
    # dummy
    np.testing.assert_allclose(attr.values[:, -1, 0], 0.0, atol=1e-12)
    # exactness
    x = Xd[0]
    phi = brute_force_shapley(forest_path_value(model, x), p + 1)
    np.testing.assert_allclose(attr.values[0, :, 0], phi, rtol=0, atol=1e-10)


# --------------------------------------------------------------- additivity
def test_additivity_on_rows_sitting_on_thresholds(breast_cancer):
    X, y = breast_cancer
    model = RandomForestClassifier(n_estimators=25, random_state=0).fit(X, y)
    # rows exactly on float32 thresholds: the threshold values themselves
    t = model.estimators_[0].tree_
    Xt = X.iloc[:40].copy()
    for r, node in enumerate(np.flatnonzero(t.children_left >= 0)[:40]):
        Xt.iloc[r, t.feature[node]] = np.float32(t.threshold[node])
    for data in (X, Xt):
        attr = TreeShap(model, progress=False).explain(data)
        assert attr.output_names == ("0", "1") and attr.output_space == "proba"
        np.testing.assert_allclose(attr.total, model.predict_proba(data), rtol=0, atol=1e-9)


def test_gradient_boosting_init_and_xgboost_base_score(rng):
    xgb = pytest.importorskip("xgboost")
    X = rng.normal(size=(300, 4))
    y = X[:, 0] * 2 + X[:, 1] * X[:, 2] + 5.0
    gb = GradientBoostingRegressor(n_estimators=10, max_depth=3).fit(X, y)
    np.testing.assert_allclose(TreeShap(gb, progress=False).explain(X).total[:, 0], gb.predict(X), atol=1e-9)
    yc = (y > 5).astype(int)
    for bs in (None, 0.2):
        m = xgb.XGBClassifier(n_jobs=1, n_estimators=10, max_depth=3, base_score=bs).fit(X, yc)
        attr = TreeShap(m, progress=False).explain(X)
        np.testing.assert_allclose(attr.total[:, 0], m.predict(X, output_margin=True), rtol=0, atol=1e-5)
        assert attr.output_names == ("1",) and attr.output_space == "log_odds"


# -------------------------------------------------------------------- API
@pytest.fixture(scope="module")
def diabetes_model():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return RandomForestRegressor(n_estimators=10, max_depth=5, random_state=0).fit(X, y), X, y


def test_attribution_fields_and_call(diabetes_model):
    model, X, _ = diabetes_model
    ts = TreeShap(model, progress=False)
    attr = ts(X.iloc[:7])
    assert isinstance(attr, Attribution)
    assert attr.values.shape == (7, 10, 1)
    assert attr.feature_names == tuple(X.columns)
    assert attr.output_names == ("prediction",)
    assert attr.stderr is None and attr.interactions is None
    assert attr.provenance.method == "tree_shap"
    assert attr.provenance.params["algorithm"] == "path"
    assert attr.data.shape == (7, 10)
    np.testing.assert_allclose(attr.total[:, 0], model.predict(X.iloc[:7]), atol=1e-9)
    # one row, numpy input, names from the model's fit
    one = ts.explain(X.iloc[[3]])
    np.testing.assert_allclose(one.values, attr.values[[3]], atol=1e-12)
    # chunking and threads change nothing
    other = TreeShap(model, progress=False, chunk_rows=2, n_jobs=1).explain(X.iloc[:7])
    np.testing.assert_allclose(other.values, attr.values, rtol=0, atol=1e-12)


def test_backends_give_the_same_values(diabetes_model, dask_client):
    model, X, _ = diabetes_model
    ref = TreeShap(model, progress=False, chunk_rows=20).explain(X.iloc[:60])
    for backend in ("processes", dask_client):
        got = TreeShap(model, progress=False, chunk_rows=20, backend=backend).explain(X.iloc[:60])
        np.testing.assert_allclose(got.values, ref.values, rtol=0, atol=1e-12)
        got = TreeShap(model, X.iloc[:30], progress=False, chunk_rows=20, backend=backend).explain(X.iloc[:60])
        ref_i = TreeShap(model, X.iloc[:30], progress=False).explain(X.iloc[:60])
        np.testing.assert_allclose(got.values, ref_i.values, rtol=0, atol=1e-12)


def test_caller_data_is_not_modified(diabetes_model):
    model, X, _ = diabetes_model
    Xc, bg = X.iloc[:20].copy(), X.iloc[20:40].copy()
    before, before_bg = Xc.copy(), bg.copy()
    TreeShap(model, progress=False).explain(Xc, interactions=True)
    TreeShap(model, bg, progress=False).explain(Xc)
    assert_unmodified(before, Xc)
    assert_unmodified(before_bg, bg)
    arr = X.to_numpy()[:10].astype(np.float32)
    arr_before = arr.copy()
    m2 = RandomForestRegressor(n_estimators=3, max_depth=3, random_state=0).fit(X.to_numpy(), X.iloc[:, 0])
    TreeShap(m2, progress=False).explain(arr)
    assert_unmodified(arr_before, arr)


def test_bad_inputs(diabetes_model):
    model, X, _ = diabetes_model
    ts = TreeShap(model, progress=False)
    with pytest.raises(ValueError, match="columns"):
        ts.explain(X.iloc[:5, :8])
    with pytest.raises(ValueError, match="order"):
        ts.explain(X.iloc[:5, ::-1])
    with pytest.raises(ValueError, match="no rows"):
        ts.explain(X.iloc[:0])
    with pytest.raises(ValueError, match="infinite"):
        bad = X.iloc[:3].copy()
        bad.iloc[0, 2] = np.inf
        ts.explain(bad)
    bad = X.iloc[:3].astype(object)
    bad.iloc[1, 1] = "tall"
    with pytest.raises(TypeError, match="numbers"):
        ts.explain(bad)
    with pytest.raises(TypeError, match="non-numeric"):
        TreeShap(model, X.iloc[:20], progress=False).explain(bad)
    with pytest.raises(ValueError, match="1-D"):
        ts.explain(X.to_numpy()[0])
    with pytest.raises(ValueError, match="algorithm must be one of"):
        TreeShap(model, algorithm="fast")
    with pytest.raises(ValueError, match="output must be one of"):
        TreeShap(model, output="probability")
    with pytest.raises(ValueError, match="needs a background"):
        TreeShap(model, algorithm="interventional")
    with pytest.raises(ValueError, match="5 columns"):
        TreeShap(model, X.to_numpy()[:10, :5])
    with pytest.raises(ValueError, match="no probabilities"):
        TreeShap(model, output="proba", progress=False).explain(X.iloc[:3])
    with pytest.raises(ValueError, match="interaction values"):
        TreeShap(model, X.iloc[:10], progress=False).explain(X.iloc[:3], interactions=True)
    with pytest.raises(TypeError, match="n_jobs"):
        TreeShap(model, n_jobs=1.5)
    # unseen categories of a categorical column
    lgb = pytest.importorskip("lightgbm")
    df = pd.DataFrame({"c": pd.Categorical(list("abcab") * 40), "x": np.arange(200.0)})
    m = lgb.LGBMRegressor(n_jobs=1, n_estimators=3, verbose=-1, min_child_samples=5).fit(df, np.arange(200.0))
    ts_bg = TreeShap(m, df.iloc[:50], progress=False)
    new = pd.DataFrame({"c": pd.Categorical(["z", "a"]), "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="not seen"):
        ts_bg.explain(new)


def test_output_spaces_and_their_errors(rng):
    xgb = pytest.importorskip("xgboost")
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    m = xgb.XGBClassifier(n_jobs=1, n_estimators=5, max_depth=2).fit(X, y)
    with pytest.raises(ValueError, match="needs algorithm='interventional'.*non-linear"):
        TreeShap(m, output="proba", progress=False).explain(X[:3])
    raw = TreeShap(m, progress=False, output="log_odds").explain(X[:3])
    np.testing.assert_allclose(raw.total[:, 0], m.predict(X[:3], output_margin=True), atol=1e-5)
    rf = RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="log-odds is not a sum over trees"):
        TreeShap(rf, output="log_odds", progress=False).explain(X[:3])
    attr = TreeShap(rf, output="proba", progress=False).explain(X[:3])
    np.testing.assert_allclose(attr.total, rf.predict_proba(X[:3]), atol=1e-12)
    m3 = xgb.XGBClassifier(n_jobs=1, n_estimators=3, max_depth=2).fit(X, rng.integers(0, 3, 200))
    with pytest.raises(ValueError, match="softmax"):
        TreeShap(m3, X[:20], output="proba", progress=False).explain(X[:3])
    reg = DecisionTreeRegressor(max_depth=2).fit(X, X[:, 0])
    np.testing.assert_allclose(TreeShap(reg, output="predict", progress=False).explain(X[:4]).total[:, 0],
                               reg.predict(X[:4]), atol=1e-12)


def test_model_that_raises_and_model_function(diabetes_model):
    model, X, _ = diabetes_model

    class Broken(RandomForestRegressor):
        def predict(self, X):
            raise RuntimeError("disk on fire")

    broken = Broken(n_estimators=2, max_depth=2).fit(X, X.iloc[:, 0])
    with pytest.raises(ModelError, match="disk on fire"):
        TreeShap(broken, progress=False).explain(X.iloc[:3])
    from sklearn.ensemble import GradientBoostingClassifier

    from unboxed import model_function
    f = model_function(model, X)
    attr = TreeShap(f, progress=False).explain(X.iloc[:4])
    np.testing.assert_allclose(attr.total[:, 0], model.predict(X.iloc[:4]), atol=1e-9)
    # a ModelFunction built for probabilities: Tree SHAP still explains (and checks) the raw margin
    yc = (X.iloc[:, 2] > 0).astype(int)
    gbc = GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0).fit(X, yc)
    fp = model_function(gbc, X)
    assert fp.output == "proba"
    attr = TreeShap(fp, progress=False).explain(X.iloc[:4])
    np.testing.assert_allclose(attr.total[:, 0], gbc.decision_function(X.iloc[:4]), atol=1e-9)


def test_additivity_check_catches_a_wrong_reading(diabetes_model):
    model, X, _ = diabetes_model
    ts = TreeShap(model, progress=False)
    ts.explain(X.iloc[:3])
    ens = ts.ensemble_
    ens.value[ens.left < 0] += 1.0  # corrupt the parsed leaves
    with pytest.raises(RuntimeError, match="differs from the model's own raw prediction"):
        ts.explain(X.iloc[:3])


def test_table_and_edge_kernels_agree(rng):
    """Shallow trees use per-leaf tables, deep ones the edge kernel: both must give the same values."""
    from unboxed._data import Schema
    from unboxed.shapley._trees import parse_model
    from unboxed.shapley._trees._path import path_shap
    X = rng.normal(size=(400, 6)).round(1)
    X[rng.random(X.shape) < 0.05] = np.nan
    y = np.nan_to_num(X[:, 0]) * np.nan_to_num(X[:, 1]) + np.sin(3 * np.nan_to_num(X[:, 2]))
    models = [RandomForestRegressor(n_estimators=3, random_state=0).fit(X, y),  # deep, repeated features
              DecisionTreeRegressor(max_depth=5, random_state=0).fit(X, y)]
    for model in models:
        schema = Schema.from_data(X)
        ens = parse_model(model, schema)
        Xm = ens.input_map(schema.encode(X[:50]))
        tables = path_shap(ens, Xm, max_table_depth=14)
        edges = path_shap(ens, Xm, max_table_depth=0)
        mixed = path_shap(ens, Xm, max_table_depth=4, block=7)
        np.testing.assert_allclose(edges, tables, rtol=0, atol=1e-10)
        np.testing.assert_allclose(mixed, tables, rtol=0, atol=1e-10)
    # the edge kernel against the definition, on a tree with a feature repeated along its paths
    Xs = rng.normal(size=(300, 3))
    model = DecisionTreeRegressor(max_depth=6, random_state=0).fit(Xs, np.sin(4 * Xs[:, 0]) + 0.3 * Xs[:, 1])
    schema = Schema.from_data(Xs)
    ens = parse_model(model, schema)
    edges = path_shap(ens, ens.input_map(schema.encode(Xs[:4])), max_table_depth=0)
    for i in range(4):
        np.testing.assert_allclose(edges[i, :, 0], brute_force_shapley(forest_path_value(model, Xs[i]), 3),
                                   rtol=0, atol=1e-10)


# ---------------------------------------------------------------- robustness sweep regressions
def test_lightgbm_random_forest_mode_adds_up(rng):
    """boosting='rf' averages its trees in predict, but raw_score is their sum: no false additivity error."""
    lgb = pytest.importorskip("lightgbm")
    X = rng.normal(size=(300, 4))
    y = X[:, 0] * X[:, 1] + X[:, 2]
    kw = dict(boosting_type="rf", bagging_freq=1, bagging_fraction=0.5, n_estimators=5, num_leaves=8,
              n_jobs=1, verbose=-1)
    reg = lgb.LGBMRegressor(**kw).fit(X, y)
    attr = TreeShap(reg, progress=False).explain(X[:20])
    np.testing.assert_allclose(attr.total[:, 0], reg.predict(X[:20]), atol=1e-9)
    # interventional against brute force on the model's own prediction
    from unboxed.shapley.exact import ExactShap
    attr = TreeShap(reg, X[:15], progress=False).explain(X[:3])
    ref = ExactShap(reg, X[:15], output="predict", progress=False).explain(X[:3])
    np.testing.assert_allclose(attr.values, ref.values, atol=1e-9)
    clf = lgb.LGBMClassifier(**kw).fit(X, (y > 0).astype(int))
    attr = TreeShap(clf, progress=False).explain(X[:20])  # log-odds behind predict_proba
    np.testing.assert_allclose(1.0 / (1.0 + np.exp(-attr.total[:, 0])), clf.predict_proba(X[:20])[:, 1], atol=1e-9)


def test_unfitted_supported_model_says_not_fitted():
    with pytest.raises(ValueError, match="RandomForestRegressor is not fitted"):
        TreeShap(RandomForestRegressor())


@pytest.mark.parametrize("loss", ["poisson", "gamma"])
def test_log_link_models_add_up_on_the_raw_scale(loss):
    # HistGradientBoosting with a log link: values + base value = log(predict) on every row
    from sklearn.ensemble import HistGradientBoostingRegressor

    X, y = load_diabetes(return_X_y=True)
    m = HistGradientBoostingRegressor(loss=loss, max_iter=30, random_state=0).fit(X, y)
    a = TreeShap(m, progress=False).explain(X[:20])
    assert a.output_space == "raw"
    np.testing.assert_allclose(a.values.sum(axis=1)[:, 0] + a.base_values[:, 0], np.log(m.predict(X[:20])),
                               rtol=1e-9, atol=1e-9)
