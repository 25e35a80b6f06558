"""The model adapter: every model family becomes f(Z) -> (n, n_outputs), checked and counted."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.svm import SVC

import unboxed as ub
from unboxed._model import prepare


def test_classifier_outputs():
    X, y = load_iris(return_X_y=True)
    m = LogisticRegression(max_iter=1000).fit(X, y)
    f = ub.model_function(m, X)
    assert f.output == "proba" and f.n_outputs == 3 and f.output_names == ("0", "1", "2")
    Z = f.schema.encode(X)
    np.testing.assert_allclose(f(Z), m.predict_proba(X), rtol=0, atol=0)
    assert f.n_evals == len(X)
    g = ub.model_function(m, X, output="log_odds")
    p = m.predict_proba(X)
    np.testing.assert_allclose(g(Z), np.log(p / (1 - p)), rtol=1e-12)
    d = ub.model_function(m, X, output="decision")
    np.testing.assert_allclose(d(Z), m.decision_function(X))


def test_binary_log_odds_is_one_column():
    X, y = make_classification(200, 5, random_state=0)
    m = LogisticRegression().fit(X, y)
    f = ub.model_function(m, X, output="log_odds")
    assert f.n_outputs == 1 and f.output_names == ("1",)
    np.testing.assert_allclose(f(f.schema.encode(X))[:, 0], m.decision_function(X), rtol=1e-9, atol=1e-9)


def test_regressor_and_callable():
    X, y = make_regression(100, 4, random_state=0)
    m = LinearRegression().fit(X, y)
    f = ub.model_function(m, X)
    assert f.output == "predict" and f.output_names == ("prediction",)
    np.testing.assert_allclose(f(X)[:, 0], m.predict(X))
    c = ub.model_function(lambda A: A[:, 0] * 2.0, X)
    np.testing.assert_allclose(c(X)[:, 0], 2 * X[:, 0])
    c2 = ub.model_function(lambda A: np.c_[A[:, 0], A[:, 1]], X, output_names=["a", "b"])
    assert c2.output_names == ("a", "b")


def test_pipeline_with_raw_categoricals(german):
    X, y = german
    cat = X.select_dtypes("category").columns.tolist()
    Xo = X.astype({c: object for c in cat})
    pipe = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), cat),
                                                 remainder="passthrough"),
                         LogisticRegression(max_iter=5000, C=0.1)).fit(Xo, y)
    f, Z = prepare(pipe, Xo)
    np.testing.assert_allclose(f(Z), pipe.predict_proba(Xo), atol=1e-12)
    assert f.output_names == ("bad", "good")


def test_hgb_native_categoricals(german):
    X, y = german
    m = HistGradientBoostingClassifier(max_iter=20, categorical_features="from_dtype").fit(X, y)
    f, Z = prepare(m, X)
    np.testing.assert_array_equal(f(Z), m.predict_proba(X))


def test_xgboost_and_lightgbm():
    xgb = pytest.importorskip("xgboost")
    lgb = pytest.importorskip("lightgbm")
    X, y = make_classification(300, 6, random_state=1)
    xm = xgb.XGBClassifier(n_estimators=10, max_depth=3).fit(X, y)
    f = ub.model_function(xm, X)
    np.testing.assert_allclose(f(X), xm.predict_proba(X), rtol=1e-6)
    fr = ub.model_function(xm, X, output="raw")
    np.testing.assert_allclose(fr(X)[:, 0], xm.predict(X, output_margin=True), rtol=1e-6)
    b = xm.get_booster()
    fb = ub.model_function(b, X)
    assert fb.output == "proba" and fb.n_outputs == 2
    np.testing.assert_allclose(fb(X), xm.predict_proba(X), rtol=1e-6)
    lm = lgb.LGBMClassifier(n_estimators=10, verbose=-1).fit(X, y)
    np.testing.assert_allclose(ub.model_function(lm, X)(X), lm.predict_proba(X))
    lb = lm.booster_
    flb = ub.model_function(lb, X, output="raw")
    np.testing.assert_allclose(flb(X)[:, 0], lm.predict(X, raw_score=True))


def test_batching_bounds_model_calls():
    X = np.random.default_rng(0).normal(size=(1000, 3))
    sizes = []

    def model(A):
        sizes.append(len(A))
        return A.sum(axis=1)

    f = ub.model_function(model, X, batch_size=128)
    out = f(X)
    np.testing.assert_allclose(out[:, 0], X.sum(axis=1))
    assert max(sizes) <= 128 and f.n_evals == 1000


# ---------------------------------------------------------------- bad input
def test_missing_output_is_clear():
    X, y = make_regression(50, 3, random_state=0)
    m = RandomForestRegressor(n_estimators=5).fit(X, y)
    with pytest.raises(ValueError, match="has no predict_proba"):
        ub.model_function(m, X, output="proba")
    Xc, yc = make_classification(60, 4, random_state=0)
    svc = SVC().fit(Xc, yc)
    with pytest.raises(ValueError, match="output='decision'"):
        ub.model_function(svc, Xc, output="proba")
    assert ub.model_function(svc, Xc).output == "decision"
    labels = GradientBoostingClassifier(n_estimators=5).fit(Xc, np.where(yc, "yes", "no"))
    with pytest.raises(ValueError, match="class labels"):
        ub.model_function(labels, Xc, output="predict")


def test_model_that_raises_is_wrapped():
    X = np.ones((5, 2))

    def broken(A):
        raise KeyError("boom")

    with pytest.raises(ub.ModelError, match="raised KeyError on a batch of 1 rows") as e:
        ub.model_function(broken, X)
    assert isinstance(e.value.__cause__, KeyError)


def test_nan_hint_and_non_finite_output():
    X, y = make_regression(50, 3, random_state=0)
    m = LinearRegression().fit(X, y)
    Xn = X.copy()
    Xn[0, 1] = np.nan
    with pytest.raises(ub.ModelError, match=r"missing values in \['x1'\]"):
        f, Z = prepare(m, Xn)
    with pytest.raises(ub.ModelError, match="non-finite"):
        ub.model_function(lambda A: np.full(len(A), np.nan), X)


def test_wrong_columns_against_model(german):
    X, y = german
    m = HistGradientBoostingClassifier(max_iter=5, categorical_features="from_dtype").fit(X, y)
    with pytest.raises(ValueError, match="differ from those the model was fitted on"):
        ub.model_function(m, X.drop(columns="age_in_years"))
    with pytest.raises(ValueError, match="another order"):
        ub.model_function(m, X[X.columns[::-1]])
    Xn = np.random.default_rng(0).normal(size=(10, 3))
    lr = LinearRegression().fit(Xn, Xn[:, 0])
    with pytest.raises(ValueError, match="has 4 columns, the model expects 3"):
        ub.model_function(lr, np.ones((2, 4)))


def test_not_a_model():
    with pytest.raises(TypeError, match="estimator with predict"):
        ub.model_function(42, np.ones((2, 2)))
    with pytest.raises(ValueError, match="output must be one of"):
        ub.model_function(lambda A: A[:, 0], np.ones((2, 2)), output="probability")


def test_prepare_min_rows_and_unmodified():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "x"]})
    before = X.copy()
    f, Z = prepare(lambda D: D["a"].to_numpy(), X, min_rows=2)
    Z[:] = -1
    pd.testing.assert_frame_equal(X, before)
    with pytest.raises(ValueError, match="has 1 row; this method needs at least 2"):
        prepare(lambda D: D["a"].to_numpy(), X.iloc[:1], min_rows=2)


# ---------------------------------------------------------------- robustness sweep
def test_raw_output_is_on_the_link_scale():
    """output="raw" of a log-link regressor is log(predict), as the model's own raw prediction."""
    from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingRegressor
    from sklearn.linear_model import PoissonRegressor
    from sklearn.preprocessing import StandardScaler
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0] + 1))
    for m in (HistGradientBoostingRegressor(loss="poisson", max_iter=10),
              HistGradientBoostingRegressor(loss="gamma", max_iter=10),
              PoissonRegressor(),
              make_pipeline(StandardScaler(), HistGradientBoostingRegressor(loss="poisson", max_iter=10))):
        m.fit(X, y + 1.0)
        f = ub.model_function(m, X, output="raw")
        np.testing.assert_allclose(f(X)[:, 0], np.log(m.predict(X)), rtol=1e-12)
        final = m[-1] if hasattr(m, "steps") else m
        if hasattr(final, "_raw_predict"):  # the booster's own margin
            Xt = m[:-1].transform(X) if hasattr(m, "steps") else X
            np.testing.assert_allclose(f(X)[:, 0], final._raw_predict(Xt)[:, 0], rtol=1e-10)
    for m in (GradientBoostingRegressor(n_estimators=5), HistGradientBoostingRegressor(max_iter=5)):
        m.fit(X, y)  # identity link: raw is predict
        np.testing.assert_allclose(ub.model_function(m, X, output="raw")(X)[:, 0], m.predict(X), rtol=1e-12)


def test_raw_output_of_classifiers():
    X, y = load_iris(return_X_y=True)
    for m in (HistGradientBoostingClassifier(max_iter=5), GradientBoostingClassifier(n_estimators=5)):
        for yy in (y, (y == 2).astype(int)):
            m.fit(X, yy)
            f = ub.model_function(m, X, output="raw")
            assert f.output == "raw"
            np.testing.assert_allclose(f(X), m.decision_function(X).reshape(len(X), -1), rtol=1e-12)
    from sklearn.ensemble import RandomForestClassifier
    rf = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    f = ub.model_function(rf, X, output="raw")  # no margin: the probabilities, not the class labels
    assert f.output == "proba"
    np.testing.assert_allclose(f(X), rf.predict_proba(X))


def test_raw_output_of_boosters_inside_a_pipeline():
    xgb = pytest.importorskip("xgboost")
    lgb = pytest.importorskip("lightgbm")
    from sklearn.preprocessing import StandardScaler
    X, y = load_iris(return_X_y=True)
    for est, kw in ((xgb.XGBClassifier(n_estimators=5, max_depth=2), {"output_margin": True}),
                    (lgb.LGBMClassifier(n_estimators=5, verbose=-1), {"raw_score": True})):
        pipe = make_pipeline(StandardScaler(), est).fit(X, y)
        f = ub.model_function(pipe, X, output="raw")
        np.testing.assert_allclose(f(X), est.predict(pipe[0].transform(X), **kw), rtol=1e-6)


def test_one_vs_one_decision_columns_are_named_by_pair():
    X, y = load_iris(return_X_y=True)
    names = np.array(["a", "b", "c"])[y]
    m = SVC(decision_function_shape="ovo").fit(X, names)
    f = ub.model_function(m, X)
    assert f.output == "decision"
    assert f.output_names == ("a vs b", "a vs c", "b vs c")
    np.testing.assert_allclose(f(X), m.decision_function(X))


def test_numpy_data_takes_the_names_the_model_was_fitted_with():
    X, y = make_regression(50, 3, random_state=0)
    Xd = pd.DataFrame(X, columns=["a", "b", "c"])
    m = LinearRegression().fit(Xd, y)
    f, Z = prepare(m, X)
    assert f.schema.names == ("a", "b", "c")
    with warnings.catch_warnings():
        # the model gets a frame with its own column names: sklearn has nothing to warn about
        warnings.simplefilter("error", UserWarning)
        pdp = ub.partial_dependence(m, X, ["b"], grid_resolution=3, progress=False)
    np.testing.assert_allclose(np.diff(pdp["b"].average[:, 0]), m.coef_[1] * np.diff(pdp["b"].grid[0]))
    assert ub.permutation_importance(m, X, y, n_repeats=2, random_state=0, progress=False).feature_names == \
        ("a", "b", "c")


def test_lightgbm_fitted_on_names_with_spaces():
    # lightgbm stores feature names with whitespace replaced by "_": the user's own frame must still fit
    lightgbm = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["mean radius", "worst area", "x"])
    y = X["mean radius"] + rng.normal(scale=0.1, size=200)
    m = lightgbm.LGBMRegressor(n_estimators=10, verbose=-1).fit(X, y)
    f = ub.model_function(m, X)
    np.testing.assert_allclose(f(f.schema.encode(X))[:, 0], m.predict(X), rtol=1e-12)
    with pytest.raises(ValueError, match="another order"):
        ub.model_function(m, X[X.columns[::-1]])


def test_nan_the_model_rejects_is_a_value_error_and_a_model_error():
    """Issue 2: NaN where the model cannot take it -> a clear ValueError naming the column."""
    X, y = make_regression(n_samples=40, n_features=3, random_state=1)
    model = LinearRegression().fit(X, y)
    Xn = X.copy()
    Xn[3, 2] = np.nan
    f, Z = prepare(model, Xn)
    with pytest.raises(ValueError, match=r"missing values in \['x2'\]") as info:
        f(Z)
    assert isinstance(info.value, ub.ModelError)
    assert np.isnan(Xn).sum() == 1 and np.isnan(Xn[3, 2])  # the caller's array is untouched

    def boom(A):
        raise RuntimeError("kaboom")

    with pytest.raises(ub.ModelError, match="kaboom") as info:  # not a data problem: not a ValueError
        ub.model_function(boom, X)(np.zeros((2, 3)))
    assert not isinstance(info.value, ValueError)
