"""scikit-learn conventions, bad input, backends and data safety for OneR, RuleList and BayesianRuleList."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from unboxed import model_function
from unboxed.rules import BayesianRuleList, OneR, RuleList

from conftest import assert_unmodified

# No expected failures. OneR sets the ``poor_score`` tag: one feature cannot reach scikit-learn's 0.83
# accuracy bar on its 3-blob data (it gets 0.79), which is exactly what that tag declares.
ESTIMATORS = [OneR(progress=False), RuleList(progress=False, random_state=0),
              BayesianRuleList(progress=False, random_state=0, n_iter=1500, n_chains=2)]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: {})
def test_sklearn_compatible(estimator, check):
    check(estimator)


def make(name, **kw):
    if name == "OneR":
        return OneR(progress=False, **kw)
    if name == "RuleList":
        return RuleList(progress=False, random_state=0, **kw)
    return BayesianRuleList(progress=False, random_state=0, n_iter=1500, n_chains=2, **kw)


NAMES = ["OneR", "RuleList", "BayesianRuleList"]


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    n = 120
    X = pd.DataFrame({"num": rng.normal(size=n), "cat": pd.Categorical(rng.choice(["a", "b", "c"], n)),
                      "txt": rng.choice(["u", "v"], n).astype(object), "flag": rng.random(n) < 0.5})
    X.loc[::9, "num"] = np.nan
    X.loc[::11, "txt"] = None
    y = np.where((X["num"].fillna(0) > 0) | (X["cat"] == "a"), "yes", "no")
    return X, y


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize("name", NAMES)
def test_continuous_target_is_refused(name, frame):
    X, _ = frame
    y = np.random.default_rng(1).normal(size=len(X))
    with pytest.raises(ValueError, match="looks continuous"):
        make(name).fit(X, y)


@pytest.mark.parametrize("name", NAMES)
def test_bad_targets(name, frame):
    X, y = frame
    with pytest.raises(ValueError, match="only one class \\('yes'\\)"):
        make(name).fit(X, np.full(len(X), "yes"))
    y_nan = y.astype(object)
    y_nan[3] = None
    with pytest.raises(ValueError, match="missing values"):
        make(name).fit(X, y_nan)
    with pytest.raises(ValueError, match="X has 120 rows but y has 119 values"):
        make(name).fit(X, y[:-1])
    with pytest.raises(ValueError, match="requires y to be passed"):
        make(name).fit(X, None)


@pytest.mark.parametrize("name", NAMES)
def test_bad_X(name, frame):
    X, y = frame
    bad = X.copy()
    bad.loc[0, "num"] = np.inf
    with pytest.raises(ValueError, match="column 'num' has infinite values"):
        make(name).fit(bad, y)
    with pytest.raises(ValueError, match="0 rows"):
        make(name).fit(X.iloc[:0], y[:0])
    with pytest.raises(ValueError, match="0 feature"):
        make(name).fit(np.empty((5, 0)), [0, 1, 0, 1, 0])
    with pytest.raises(ValueError, match="Reshape your data"):
        make(name).fit(np.arange(10.0), np.arange(10) % 2)
    with pytest.raises(ValueError, match="only one class"):
        make(name).fit(X.iloc[:1], y[:1])  # a single row has a single class
    with pytest.raises(TypeError, match="sparse"):
        from scipy import sparse
        make(name).fit(sparse.csr_matrix(np.eye(4)), [0, 1, 0, 1])
    with pytest.raises(TypeError, match="must be a string or a number"):
        make(name).fit(np.array([[{"a": 1}], [2.0]], dtype=object), [0, 1])


@pytest.mark.parametrize("name", NAMES)
def test_bad_predict_input(name, frame):
    X, y = frame
    m = make(name).fit(X, y)
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        m.predict(X[X.columns[::-1]])
    with pytest.raises(ValueError, match="Feature names seen at fit time, yet now missing"):
        m.predict(X.drop(columns="num"))
    strings = X.copy()
    strings["num"] = strings["num"].astype(object)
    strings.loc[2, "num"] = "twelve"
    with pytest.raises(TypeError, match="column 'num' is numeric but holds non-numeric values"):
        m.predict(strings)
    Xn, yn = np.random.default_rng(0).normal(size=(50, 3)), np.arange(50) % 2
    mn = make(name).fit(Xn, yn)
    with pytest.raises(ValueError, match="X has 2 features, but \\w+ is expecting 3 features"):
        mn.predict(Xn[:, :2])
    assert mn.predict(Xn[:1]).shape == (1,)  # a single row is fine


@pytest.mark.parametrize("name", NAMES)
def test_unseen_categories_missing_values_and_one_row_predict(name, frame):
    X, y = frame
    m = make(name).fit(X, y)
    new = pd.DataFrame({"num": [np.nan, 0.5], "cat": pd.Categorical(["zz", "a"]), "txt": ["never", None],
                        "flag": [True, False]})
    P = m.predict_proba(new)
    assert P.shape == (2, 2)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(m.predict(new), m.classes_[P.argmax(axis=1)])
    assert m.predict(new.iloc[[1]]).shape == (1,)


@pytest.mark.parametrize("name", NAMES)
def test_callers_data_is_not_modified(name, frame):
    X, y = frame
    X0, y0 = X.copy(deep=True), y.copy()
    m = make(name).fit(X, y)
    m.predict_proba(X)
    m.apply(X)
    assert_unmodified(X0, X)
    assert_unmodified(y0, y)
    arr = X.to_numpy(dtype=object)
    arr0 = copy.deepcopy(arr)
    make(name).fit(arr, y).predict(arr)
    assert_unmodified(pd.DataFrame(arr0), pd.DataFrame(arr))  # object array with NaN: compare as frames


# ------------------------------------------------------------ conventions
@pytest.mark.parametrize("name", NAMES)
def test_fitted_attributes_text_and_pickle(name, frame):
    X, y = frame
    m = make(name).fit(X, y)
    assert list(m.feature_names_in_) == list(X.columns) and m.n_features_in_ == 4
    assert m.classes_.tolist() == ["no", "yes"]
    assert str(m) == m.to_text("list") and m.to_text("tree") and m.to_text("set")
    with pytest.raises(ValueError, match="form must be"):
        m.to_text("graph")
    frame_ = m.to_frame()
    assert len(frame_) == len(m.rules_) and {"P(no)", "P(yes)"} <= set(frame_.columns)
    assert m.n_rules_ == sum(not r.is_default for r in m.rules_)
    again = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(again.predict_proba(X), m.predict_proba(X))
    # the rules are the model: evaluating them on the raw frame reproduces predict
    pred = np.full(len(X), m.default_rule_.prediction, dtype=object)
    for r in reversed(m.rules_):
        pred[r.covers(X)] = r.prediction
    np.testing.assert_array_equal(pred, m.predict(X))


@pytest.mark.parametrize("name", NAMES)
def test_works_with_the_model_adapter(name, frame):
    X, y = frame
    m = make(name).fit(X, y)
    f = model_function(m, X)
    np.testing.assert_allclose(f(f.schema.encode(X)), m.predict_proba(X), rtol=1e-12)
    assert f.output_names == ("no", "yes")


def test_polars_input_gives_the_same_rules(frame):
    pl = pytest.importorskip("polars")
    X, y = frame
    strings = lambda s: [None if pd.isna(v) else str(v) for v in s]  # noqa: E731
    Xp = pl.DataFrame({"num": X["num"].to_numpy(), "cat": strings(X["cat"]), "txt": strings(X["txt"]),
                       "flag": X["flag"].to_numpy()})
    for name in NAMES:
        a = make(name).fit(X.assign(cat=X["cat"].astype(object)), y)
        b = make(name).fit(Xp, y)
        assert [str(r) for r in a.rules_] == [str(r) for r in b.rules_]
        np.testing.assert_allclose(b.predict_proba(Xp), a.predict_proba(X), rtol=1e-12)


def test_backends_give_the_same_answer(dask_client):
    """All three in one test, so that one pytest worker starts the process pool and the cluster."""
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    for name in NAMES:
        local = make(name).fit(X, y)
        for backend in ("processes", dask_client):
            other = make(name, backend=backend).fit(X, y)
            assert other.rules_ == local.rules_, (name, backend)
            np.testing.assert_array_equal(other.predict_proba(X), local.predict_proba(X))
