"""Tree parsers: every supported family read into one format, checked against the model's own output,
shap.TreeExplainer and the libraries' own Tree SHAP (xgboost pred_contribs, lightgbm pred_contrib).

Tolerances: the trees' sum equals the model's raw output to 1e-9 (float64 libraries) or 1e-5 relative
(xgboost, which adds its trees in float32); SHAP values agree with shap / xgboost / lightgbm to 1e-6 times
the output scale (their C++ holds some quantities in float32).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unboxed._data import Schema
from unboxed.shapley._trees import parse_model, supported
from unboxed.shapley._trees._path import path_shap, predict_raw
from unboxed.shapley.tree import TreeShap

shap = pytest.importorskip("shap")
xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")

from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    ExtraTreesClassifier, ExtraTreesRegressor, GradientBoostingClassifier, GradientBoostingRegressor,
    HistGradientBoostingClassifier, HistGradientBoostingRegressor, RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor, ExtraTreeRegressor  # noqa: E402


def _shap_values(model, X, **kw):
    s = np.asarray(shap.TreeExplainer(model, **kw).shap_values(X, check_additivity=False))
    if s.ndim == 3 and s.shape[0] != len(X):
        s = np.moveaxis(s, 0, -1)
    if s.ndim == 2:
        s = s[:, :, None]
    return s


def _scale(y):
    return max(1.0, float(np.abs(y).max()))


def _raw(model, X):
    """The model's own raw output, (n, k)."""
    name = type(model).__name__
    if name.startswith(("XGB",)):
        out = model.predict(X, output_margin=True)
    elif name.startswith("LGBM"):
        out = model.predict(X, raw_score=True)
    elif hasattr(model, "decision_function"):
        out = model.decision_function(X)
    elif hasattr(model, "predict_proba"):
        out = model.predict_proba(X)
    else:
        out = model.predict(X)
    out = np.asarray(out, dtype=np.float64)
    return out[:, None] if out.ndim == 1 else out


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


@pytest.fixture(scope="module")
def cancer():
    d = load_breast_cancer(as_frame=True)
    return d.data, d.target


def _sklearn_cases(iris, diabetes, cancer):
    Xi, yi = iris
    Xd, yd = diabetes
    Xc, yc = cancer
    return [
        (DecisionTreeRegressor(max_depth=5, random_state=0).fit(Xd, yd), Xd),
        (ExtraTreeRegressor(max_depth=5, random_state=0).fit(Xd, yd), Xd),
        (DecisionTreeClassifier(max_depth=4, random_state=0).fit(Xi, yi), Xi),
        (RandomForestRegressor(n_estimators=8, max_depth=6, random_state=0).fit(Xd, yd), Xd),
        (RandomForestClassifier(n_estimators=8, random_state=0).fit(Xc, yc), Xc),
        (RandomForestClassifier(n_estimators=8, max_depth=4, random_state=0).fit(Xi, yi), Xi),
        (ExtraTreesRegressor(n_estimators=8, max_depth=6, random_state=0).fit(Xd, yd), Xd),
        (ExtraTreesClassifier(n_estimators=8, max_depth=5, random_state=0).fit(Xi, yi), Xi),
        (GradientBoostingRegressor(n_estimators=15, max_depth=3, random_state=0).fit(Xd, yd), Xd),
        (GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=0).fit(Xc, yc), Xc),
        (HistGradientBoostingRegressor(max_iter=15, random_state=0).fit(Xd, yd), Xd),
        (HistGradientBoostingClassifier(max_iter=15, random_state=0).fit(Xc, yc), Xc),
        (HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(Xi, yi), Xi),
    ]


def test_sklearn_families_read_exactly_and_match_shap(iris, diabetes, cancer):
    for model, X in _sklearn_cases(iris, diabetes, cancer):
        X = X[:150]
        schema = Schema.from_data(X)
        ens = parse_model(model, schema)
        Xm = ens.input_map(schema.encode(X))
        raw = _raw(model, X)
        np.testing.assert_allclose(predict_raw(ens, Xm), raw, rtol=0, atol=1e-9 * _scale(raw),
                                   err_msg=type(model).__name__)
        phi = path_shap(ens, Xm)
        np.testing.assert_allclose(phi.sum(axis=1) + ens.expected_value(), raw, rtol=0,
                                   atol=1e-9 * _scale(raw), err_msg=type(model).__name__)
        s = _shap_values(model, X)
        np.testing.assert_allclose(phi, s, rtol=0, atol=1e-6 * _scale(raw), err_msg=type(model).__name__)


def test_gradient_boosting_multiclass_matches_per_class_brute_force(iris):
    X, y = iris
    model = GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0).fit(X, y)
    attr = TreeShap(model, progress=False).explain(X)
    assert attr.output_names == ("0", "1", "2")
    np.testing.assert_allclose(attr.total, model.decision_function(X), rtol=0, atol=1e-9)
    # shap does not read multi-class GradientBoosting; one class's trees as a regressor ensemble do
    k = 1
    from sklearn.dummy import DummyRegressor
    sub = GradientBoostingRegressor(n_estimators=10, max_depth=2, random_state=0,
                                    init=DummyRegressor(strategy="constant", constant=0.0)).fit(X, (y == k) * 1.0)
    sub.estimators_ = model.estimators_[:, k:k + 1]
    sub.learning_rate = model.learning_rate
    s = _shap_values(sub, X)
    np.testing.assert_allclose(attr.values[:, :, k], s[:, :, 0], rtol=0, atol=1e-9)


def test_xgboost_regressor_classifier_multiclass(iris, cancer, diabetes):
    Xi, yi = iris
    Xc, yc = cancer
    Xd, yd = diabetes
    cases = [
        (xgb.XGBRegressor(n_jobs=1, n_estimators=20, max_depth=4).fit(Xd, yd), Xd),
        (xgb.XGBClassifier(n_jobs=1, n_estimators=20, max_depth=3).fit(Xc, yc), Xc),
        (xgb.XGBClassifier(n_jobs=1, n_estimators=10, max_depth=3).fit(Xi, yi), Xi),
        (xgb.XGBRFRegressor(n_jobs=1, n_estimators=5, max_depth=4).fit(Xd, yd), Xd),
    ]
    for model, X in cases:
        Xa = np.asarray(X, dtype=np.float64)
        schema = Schema.from_data(X)
        ens = parse_model(model, schema)
        Xm = ens.input_map(schema.encode(X))
        raw = _raw(model, X)
        np.testing.assert_allclose(predict_raw(ens, Xm), raw, rtol=0, atol=1e-5 * _scale(raw))
        phi = path_shap(ens, Xm)
        contribs = model.get_booster().predict(xgb.DMatrix(X), pred_contribs=True)
        contribs = contribs.reshape(len(Xa), -1, Xa.shape[1] + 1)
        contribs = np.moveaxis(contribs, 1, 2) if contribs.shape[1] == ens.n_outputs else contribs
        np.testing.assert_allclose(phi, contribs[:, :Xa.shape[1], :], rtol=0, atol=1e-6 * _scale(raw))
        np.testing.assert_allclose(ens.expected_value(), contribs[0, -1, :], rtol=0, atol=1e-6 * _scale(raw))
        np.testing.assert_allclose(phi, _shap_values(model, X), rtol=0, atol=1e-6 * _scale(raw))


def test_xgboost_missing_values_booster_and_early_stopping(rng):
    X = rng.normal(size=(600, 5))
    y = X[:, 0] - 2 * X[:, 1] * (X[:, 2] > 0) + rng.normal(scale=0.1, size=600)
    X[rng.random(X.shape) < 0.2] = np.nan
    dtrain = xgb.DMatrix(X[:400], label=y[:400])
    dval = xgb.DMatrix(X[400:], label=y[400:])
    booster = xgb.train({"max_depth": 4, "eta": 0.3, "base_score": 0.7, "nthread": 1}, dtrain, 20)
    attr = TreeShap(booster, progress=False).explain(X)
    contribs = booster.predict(xgb.DMatrix(X), pred_contribs=True)
    np.testing.assert_allclose(attr.values[:, :, 0], contribs[:, :-1], rtol=0, atol=1e-5)
    np.testing.assert_allclose(attr.base_values[:, 0], contribs[:, -1], rtol=0, atol=1e-5)
    np.testing.assert_allclose(attr.total[:, 0], booster.predict(xgb.DMatrix(X), output_margin=True), atol=1e-5)
    # the sklearn API predicts with the best iteration after early stopping
    model = xgb.XGBRegressor(n_jobs=1, n_estimators=200, max_depth=5, learning_rate=0.5, early_stopping_rounds=3)
    model.fit(X[:400], y[:400], eval_set=[(X[400:], y[400:])], verbose=False)
    assert model.best_iteration < 199
    attr = TreeShap(model, progress=False).explain(X)
    np.testing.assert_allclose(attr.total[:, 0], model.predict(X, output_margin=True), rtol=0, atol=1e-5)
    del dval


def test_xgboost_categorical_and_dart(rng):
    n = 500
    cats = list("abcde")
    df = pd.DataFrame({
        "c": pd.Categorical(rng.choice(cats, n), categories=cats),
        "x": rng.normal(size=n),
        "z": rng.normal(size=n),
    })
    code = df["c"].cat.codes.to_numpy()
    y = np.where(np.isin(code, [1, 3]), 2.0, 0.0) + df["x"] + rng.normal(scale=0.1, size=n)
    model = xgb.XGBRegressor(n_jobs=1, n_estimators=15, max_depth=3, enable_categorical=True, tree_method="hist",
                             max_cat_to_onehot=1).fit(df, y)
    attr = TreeShap(model, progress=False).explain(df)
    np.testing.assert_allclose(attr.total[:, 0], model.predict(df, output_margin=True), rtol=0, atol=1e-5)
    contribs = model.get_booster().predict(xgb.DMatrix(df, enable_categorical=True), pred_contribs=True)
    np.testing.assert_allclose(attr.values[:, :, 0], contribs[:, :-1], rtol=0, atol=1e-5)
    # the same rows with the categories listed in another order mean the same thing
    df2 = df.copy()
    df2["c"] = df2["c"].cat.reorder_categories(cats[::-1])
    np.testing.assert_allclose(TreeShap(model, progress=False).explain(df2).values, attr.values, atol=1e-12)
    # dart: trees carry weights
    Xd = rng.normal(size=(300, 4))
    yd = Xd[:, 0] + Xd[:, 1] ** 2
    dart = xgb.XGBRegressor(n_jobs=1, booster="dart", n_estimators=10, max_depth=3, rate_drop=0.3).fit(Xd, yd)
    attr = TreeShap(dart, progress=False).explain(Xd)
    np.testing.assert_allclose(attr.total[:, 0], dart.predict(Xd, output_margin=True), rtol=0, atol=1e-5)


def test_lightgbm_numeric_missing_categorical_multiclass(rng, iris):
    n = 800
    cats = ["u", "v", "w", "x", "y", "z"]
    df = pd.DataFrame({
        "c": pd.Categorical(rng.choice(cats, n), categories=cats),
        "a": rng.normal(size=n),
        "b": rng.normal(size=n),
    })
    df.loc[rng.random(n) < 0.15, "a"] = np.nan
    df.loc[rng.random(n) < 0.1, "c"] = np.nan
    code = df["c"].cat.codes.to_numpy()
    y = np.where(np.isin(code, [0, 2, 5]), 1.5, -1.0) + np.nan_to_num(df["a"].to_numpy()) + 0.5 * df["b"]
    model = lgb.LGBMRegressor(n_jobs=1, n_estimators=20, num_leaves=15, min_data_per_group=5, cat_smooth=1,
                              verbose=-1).fit(df, y)
    attr = TreeShap(model, progress=False).explain(df)
    np.testing.assert_allclose(attr.total[:, 0], model.predict(df, raw_score=True), rtol=0, atol=1e-9)
    contrib = model.predict(df, pred_contrib=True)
    np.testing.assert_allclose(attr.values[:, :, 0], contrib[:, :-1], rtol=0, atol=1e-9)
    np.testing.assert_allclose(attr.base_values[:, 0], contrib[:, -1], rtol=0, atol=1e-9)
    np.testing.assert_allclose(attr.values, _shap_values(model, df), rtol=0, atol=1e-6 * _scale(y))
    # the explained frame lists its categories in another order: same codes as in training
    df2 = df.copy()
    df2["c"] = df2["c"].cat.reorder_categories(cats[::-1])
    np.testing.assert_allclose(TreeShap(model, progress=False).explain(df2).values, attr.values, atol=1e-12)
    # zero as missing
    Xz = rng.normal(size=(400, 3))
    Xz[rng.random(Xz.shape) < 0.3] = 0.0
    yz = Xz[:, 0] + (Xz[:, 1] == 0) * 2.0
    mz = lgb.LGBMRegressor(n_jobs=1, n_estimators=10, zero_as_missing=True, verbose=-1).fit(Xz, yz)
    az = TreeShap(mz, progress=False).explain(Xz)
    np.testing.assert_allclose(az.total[:, 0], mz.predict(Xz, raw_score=True), rtol=0, atol=1e-9)
    np.testing.assert_allclose(az.values[:, :, 0], mz.predict(Xz, pred_contrib=True)[:, :-1], atol=1e-9)
    # multi-class
    Xi, yi = iris
    mc = lgb.LGBMClassifier(n_jobs=1, n_estimators=10, num_leaves=7, verbose=-1).fit(Xi, yi)
    ac = TreeShap(mc, progress=False).explain(Xi)
    assert ac.output_names == ("0", "1", "2")
    contrib = mc.predict(Xi, pred_contrib=True).reshape(len(Xi), 3, -1)
    np.testing.assert_allclose(ac.values, np.moveaxis(contrib[:, :, :-1], 1, 2), rtol=0, atol=1e-9)
    # a native Booster
    params = {"objective": "binary", "num_leaves": 7, "verbose": -1, "num_threads": 1}
    bst = lgb.train(params, lgb.Dataset(Xi, yi == 1), 10)
    ab = TreeShap(bst, progress=False).explain(Xi)
    np.testing.assert_allclose(ab.total[:, 0], bst.predict(Xi, raw_score=True), rtol=0, atol=1e-9)


def test_hist_gradient_boosting_categorical_and_missing(rng):
    n = 600
    cats = ["red", "green", "blue", "grey"]
    df = pd.DataFrame({
        "x": rng.normal(size=n),
        "colour": pd.Categorical(rng.choice(cats, n), categories=cats),
        "w": rng.normal(size=n),
    })
    df.loc[rng.random(n) < 0.1, "x"] = np.nan
    df.loc[rng.random(n) < 0.1, "colour"] = np.nan
    yv = np.nan_to_num(df["x"].to_numpy()) + np.where(df["colour"].isin(["green", "grey"]), 2.0, 0.0)
    for model in (HistGradientBoostingRegressor(max_iter=15, categorical_features="from_dtype").fit(df, yv),
                  HistGradientBoostingClassifier(max_iter=15, categorical_features="from_dtype")
                  .fit(df, (yv > 1).astype(int))):
        attr = TreeShap(model, progress=False).explain(df)
        np.testing.assert_allclose(attr.total, _raw(model, df), rtol=0, atol=1e-9)
        # the categorical column's value moves its own attribution
        assert np.abs(attr["colour"].values).max() > 0
    # numeric columns marked categorical
    Xn = np.column_stack([rng.integers(0, 5, n), rng.normal(size=n)]).astype(float)
    yn = (Xn[:, 0] == 2) * 3.0 + Xn[:, 1]
    mn = HistGradientBoostingRegressor(max_iter=10, categorical_features=[0]).fit(Xn, yn)
    an = TreeShap(mn, progress=False).explain(Xn)
    np.testing.assert_allclose(an.total[:, 0], mn.predict(Xn), rtol=0, atol=1e-9)
    # an unseen category value is treated as missing, as the model does
    Xu = Xn[:5].copy()
    Xu[:, 0] = 7.0
    np.testing.assert_allclose(TreeShap(mn, progress=False).explain(Xu).total[:, 0], mn.predict(Xu), atol=1e-9)


def test_sklearn_trees_with_missing_values(rng):
    X = rng.normal(size=(400, 4))
    y = X[:, 0] + (X[:, 1] > 0)
    X[rng.random(X.shape) < 0.2] = np.nan
    for model in (DecisionTreeRegressor(max_depth=5).fit(X, y), RandomForestRegressor(n_estimators=5).fit(X, y),
                  HistGradientBoostingRegressor(max_iter=10).fit(X, y)):
        attr = TreeShap(model, progress=False).explain(X)
        np.testing.assert_allclose(attr.total[:, 0], model.predict(X), rtol=0, atol=1e-9)
        np.testing.assert_allclose(attr.values, _shap_values(model, X), rtol=0, atol=1e-6)


def test_supported_and_unsupported_models(diabetes):
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X, y = diabetes
    assert supported(DecisionTreeRegressor(max_depth=2).fit(X, y))
    assert not supported(LinearRegression().fit(X, y))
    assert not supported(make_pipeline(StandardScaler(), DecisionTreeRegressor()).fit(X, y))
    assert not supported(lambda z: z)
    assert TreeShap.supports(xgb.XGBRegressor(n_jobs=1, n_estimators=2).fit(X, y))
    assert not TreeShap.supports(LinearRegression())
    with pytest.raises(TypeError, match="TreeShap supports scikit-learn DecisionTree"):
        TreeShap(LinearRegression().fit(X, y))
    with pytest.raises(ValueError, match="not fitted"):
        parse_model(xgb.XGBRegressor(), Schema.from_data(X))
    with pytest.raises(TypeError, match="init"):
        gb = GradientBoostingRegressor(n_estimators=3, init=LinearRegression()).fit(X, y)
        TreeShap(gb, progress=False).explain(X[:3])
    # multi-output regression forests: one output per target
    Y = np.column_stack([y, -y])
    rf = RandomForestRegressor(n_estimators=3, max_depth=3, random_state=0).fit(X, Y)
    attr = TreeShap(rf, progress=False).explain(X[:10])
    assert attr.values.shape == (10, X.shape[1], 2)
    np.testing.assert_allclose(attr.total, rf.predict(X[:10]), atol=1e-9)
