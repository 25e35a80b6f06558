"""Permutation importance: sklearn with the same permutations, closed form, groups, scorers, bad input.

sklearn comparison: ``sklearn_permutations`` reproduces the draws of
``sklearn.inspection.permutation_importance`` for a given integer random_state
(each column gets ``RandomState(seed)``, whose in-place shuffles compound over
repeats), and the private ``_permutation_importance(..., permutations=)`` uses
them, so the numbers must agree to rounding (1e-12).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import is_classifier
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance as sk_pi
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import get_scorer, get_scorer_names, make_scorer, mean_absolute_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils import check_random_state as sk_random_state

from unboxed import Importance, ModelError, model_function
from unboxed.effects import importance as imp_mod
from unboxed.effects.importance import _permutation_importance, permutation_importance

TOL = 1e-12


def sklearn_permutations(random_state: int, n_repeats: int, n_features: int, n_rows: int) -> np.ndarray:
    """The row orders sklearn's permutation_importance uses: (n_repeats, n_features, n_rows)."""
    seed = sk_random_state(random_state).randint(np.iinfo(np.int32).max + 1)
    out = np.empty((n_repeats, n_features, n_rows), dtype=np.int64)
    for j in range(n_features):
        rs = sk_random_state(seed)
        shuffle, current = np.arange(n_rows), np.arange(n_rows)
        for r in range(n_repeats):
            rs.shuffle(shuffle)
            current = current[shuffle]
            out[r, j] = current
    return out


def _vs_sklearn(model, X, y, scoring=None, n_repeats=3, seed=0):
    sk = sk_pi(model, X, y, scoring=scoring, n_repeats=n_repeats, random_state=seed)
    P = sklearn_permutations(seed, n_repeats, X.shape[1], X.shape[0])
    ours = _permutation_importance(model, X, y, scoring=scoring, n_repeats=n_repeats, permutations=P,
                                   progress=False)
    np.testing.assert_allclose(ours.per_repeat[:, :, 0], sk.importances.T, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(ours.values[:, 0], sk.importances_mean, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(ours.std[:, 0], sk.importances_std, rtol=1e-9, atol=TOL)
    return ours


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=120, n_features=4, n_informative=3, n_redundant=0, random_state=0)
    return X, y, LogisticRegression().fit(X, y)


@pytest.fixture(scope="module")
def multiclass():
    X, y = load_iris(return_X_y=True)
    X, y = X[::2], y[::2]
    return X, y, LogisticRegression(max_iter=500).fit(X, y)


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=100, n_features=4, noise=5.0, random_state=0)
    y = np.abs(y) + 1.0  # positive targets so that deviance / log scorers apply
    return X, y, DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def mixed_frame():
    rng = np.random.default_rng(3)
    n = 150
    X = pd.DataFrame({
        "age": rng.normal(40, 10, n),
        "income": rng.lognormal(3, 0.5, n),
        "color": rng.choice(["red", "green", "blue"], n),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], n), categories=["S", "M", "L"]),
    })
    logit = 0.08 * (X["age"] - 40) + (X["color"] == "red") * 1.5 - (X["size"] == "L") * 1.0
    y = np.where(logit + rng.normal(0, 0.5, n) > 0, "yes", "no")
    pre = ColumnTransformer([("num", StandardScaler(), ["age", "income"]),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), ["color", "size"])])
    return X, pd.Series(y, name="target"), make_pipeline(pre, LogisticRegression(max_iter=500)).fit(X, y)


# -------------------------------------------------------- sklearn oracle
def test_sklearn_default_scores(binary, multiclass, regression):
    for X, y, model in (binary, multiclass, regression):
        ours = _vs_sklearn(model, X, y)
        assert ours.scoring == ("accuracy" if is_classifier(model) else "r2")
        assert ours.provenance.params["mode"] == "fast"
    rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(binary[0], binary[1])
    _vs_sklearn(rf, binary[0], binary[1], scoring="roc_auc", n_repeats=4, seed=7)


def test_sklearn_pipeline_dataframe_string_labels(mixed_frame):
    X, y, model = mixed_frame
    before, y_before = X.copy(), y.copy()
    for scoring in (None, "neg_log_loss", "roc_auc"):
        ours = _vs_sklearn(model, X, y, scoring=scoring)
        assert ours.feature_names == ("age", "income", "color", "size")
    pd.testing.assert_frame_equal(before, X)
    pd.testing.assert_series_equal(y_before, y)
    assert ours.ranking()[0] in ("age", "color")


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_every_applicable_sklearn_scorer(task, request):
    """Every name in get_scorer_names(): where sklearn can score the task, we give its numbers; else we raise."""
    X, y, model = request.getfixturevalue(task)
    n_ok = 0
    for name in get_scorer_names():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                sk_pi(model, X, y, scoring=name, n_repeats=1, random_state=1)
            except Exception:
                with pytest.raises((ValueError, TypeError)):
                    _permutation_importance(model, X, y, scoring=name, n_repeats=1,
                                            permutations=sklearn_permutations(1, 1, X.shape[1], X.shape[0]),
                                            progress=False)
                continue
            ours = _vs_sklearn(model, X, y, scoring=name, n_repeats=1, seed=1)
            assert ours.output_names == (name,)
            n_ok += 1
    assert n_ok >= {"binary": 25, "multiclass": 15, "regression": 12}[task]


@pytest.mark.parametrize("name", sorted(imp_mod._FAST))
def test_vectorized_scorers_equal_replay(name, binary, regression):
    X, y, model = regression if name in ("r2", "neg_mean_squared_error", "neg_root_mean_squared_error",
                                         "neg_mean_absolute_error") else binary
    fast = permutation_importance(model, X, y, scoring=name, n_repeats=3, random_state=4, progress=False)
    replay = permutation_importance(model, X, y, scoring=get_scorer(name), n_repeats=3, random_state=4,
                                    progress=False)
    assert fast.provenance.params["mode"] == "fast" and replay.provenance.params["mode"] == "replay"
    np.testing.assert_allclose(fast.per_repeat, replay.per_repeat, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fast.baseline, replay.baseline, rtol=TOL)


def test_generic_callable_scorer_matches_sklearn(binary):
    X, y, model = binary

    def my_scorer(estimator, X_, y_):
        return float(np.mean(estimator.predict(X_) == y_)) - 0.5 * float(np.mean(estimator.predict_proba(X_)[:, 0]))

    ours = _vs_sklearn(model, X, y, scoring=my_scorer)
    assert ours.provenance.params["mode"] == "direct" and ours.scoring == "my_scorer"
    mae = make_scorer(mean_absolute_error, greater_is_better=False)
    _vs_sklearn(model, X, y, scoring=mae)


# ------------------------------------------------------------ closed form
def test_linear_regression_two_coef_squared():
    """Standardized independent features, OLS, MSE: E[importance_j] = 2 coef_j^2 (+ O(1/n) terms).

    importance_r = 2 b^2 (1 - rho_r) + 2 b c_r with rho_r ~ N(0, 1/n) (correlation of x with its shuffle)
    and c_r ~ N(0, sigma^2 / n); the mean over R repeats has sd 2|b| sqrt(b^2 + sigma^2) / sqrt(n R).
    Tolerance: 5 such sd (plus 2 b^2 / n for the bias of the permutation correlation).
    """
    rng = np.random.default_rng(0)
    n, R, sigma = 2000, 20, 1.0
    X = rng.normal(size=(n, 4))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    beta = np.array([2.0, -1.0, 0.5, 0.0])
    y = X @ beta + rng.normal(0, sigma, n)
    model = LinearRegression().fit(X, y)
    imp = permutation_importance(model, X, y, scoring="neg_mean_squared_error", n_repeats=R, random_state=0,
                                 progress=False)
    b = model.coef_
    tol = 5 * 2 * np.abs(b) * np.sqrt(b ** 2 + sigma ** 2) / np.sqrt(n * R) + 2 * b ** 2 / n + 1e-12
    assert np.all(np.abs(imp.values[:, 0] - 2 * b ** 2) <= tol)
    np.testing.assert_allclose(imp.values[:, 0], 2 * b ** 2, atol=tol.max())
    assert imp.ranking() == ["x0", "x1", "x2", "x3"]


def test_ignored_feature_is_exactly_zero(mixed_frame):
    X = np.random.default_rng(1).normal(size=(80, 3))
    y = 2 * X[:, 0] + X[:, 1]
    imp = permutation_importance(lambda A: 2 * A[:, 0] + A[:, 1], X, y, n_repeats=4, random_state=0, progress=False)
    assert imp.values[2, 0] == 0.0 and np.all(imp.per_repeat[:, 2, 0] == 0.0)
    assert imp.scoring == "r2" and imp.baseline[0] == 1.0
    Xf, yf, _ = mixed_frame
    pre = ColumnTransformer([("num", "passthrough", ["age"]), ("drop", "drop", ["income", "color", "size"])])
    model = make_pipeline(pre, DecisionTreeClassifier(max_depth=3, random_state=0)).fit(Xf, yf)
    imp = permutation_importance(model, Xf, yf, n_repeats=3, random_state=0, progress=False)
    np.testing.assert_array_equal(imp.values[1:, 0], 0.0)
    assert imp.values[0, 0] > 0


@settings(max_examples=25, deadline=None)
@given(X=hnp.arrays(np.float64, st.tuples(st.integers(2, 25), st.just(4)), elements=st.floats(-10, 10)),
       used=st.lists(st.booleans(), min_size=4, max_size=4), seed=st.integers(0, 2**31))
def test_property_unused_features_and_groups(X, used, seed):
    """Axioms: a feature the model ignores scores exactly 0; a group of one column is that column."""
    w = np.where(used, 1.0, 0.0)

    def f(A):
        return np.tanh(A[:, :4] * w).sum(axis=1) + 0.1 * (A[:, 0] * w[0]) ** 2

    y = f(X) + np.linspace(0, 1, len(X))  # not constant, so R2 is defined

    def neg_mse(y_true, out):
        return -np.mean((y_true - out[:, 0]) ** 2)

    imp = permutation_importance(f, X, y, scoring=neg_mse, n_repeats=3, random_state=seed, progress=False)
    for j in range(4):
        if not used[j]:
            np.testing.assert_array_equal(imp.per_repeat[:, j, 0], 0.0)
    P = np.stack([np.stack([np.random.default_rng([seed, r, u]).permutation(len(X)) for u in range(4)])
                  for r in range(3)])
    single = _permutation_importance(f, X, y, scoring=neg_mse, n_repeats=3, permutations=P, progress=False)
    grouped = _permutation_importance(f, X, y, scoring=neg_mse, n_repeats=3, permutations=P, progress=False,
                                      groups={"g2": ["x2"]})
    assert grouped.feature_names == ("x0", "x1", "g2", "x3")
    np.testing.assert_array_equal(grouped.per_repeat, single.per_repeat)


# ---------------------------------------------------------------- groups
def test_groups_permute_columns_together():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 5))
    y = X[:, 0] * X[:, 1] + X[:, 2]

    def f(A):
        return A[:, 0] * A[:, 1] + A[:, 2]

    groups = {"pair": ["x0", "x1"], "last": [3, 4]}
    imp = permutation_importance(f, X, y, groups=groups, n_repeats=3, random_state=0, progress=False)
    assert imp.feature_names == ("pair", "x2", "last")
    assert imp.values[2, 0] == 0.0
    # the oracle: shuffle both columns of the pair with the same permutation, by hand
    P = np.stack([np.stack([np.random.default_rng([r, u]).permutation(60) for u in range(3)]) for r in range(3)])
    ours = _permutation_importance(f, X, y, groups=groups, n_repeats=3, permutations=P, progress=False)
    from sklearn.metrics import r2_score
    for r in range(3):
        Xp = X.copy()
        Xp[:, [0, 1]] = X[P[r, 0]][:, [0, 1]]
        np.testing.assert_allclose(ours.per_repeat[r, 0, 0], 1.0 - r2_score(y, f(Xp)), rtol=TOL, atol=TOL)
    # features= restricts; group names and single features mix; a grouped column can be asked alone
    sub = permutation_importance(f, X, y, groups=groups, features=["x0", "pair"], n_repeats=2, random_state=0,
                                 progress=False)
    assert sub.feature_names == ("x0", "pair")


def test_groups_of_one_hot_columns():
    rng = np.random.default_rng(0)
    color = rng.choice(3, 200)
    onehot = np.eye(3)[color]
    X = np.column_stack([rng.normal(size=200), onehot])
    y = X[:, 0] + 2.0 * (color == 2)
    model = LinearRegression().fit(X, y)
    imp = permutation_importance(model, X, y, groups={"color": [1, 2, 3]}, n_repeats=5, random_state=0,
                                 progress=False)
    assert imp.feature_names == ("x0", "color")
    assert imp.values[1, 0] > 0.3


def test_bad_groups():
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = X[:, 0]
    for groups, err, msg in [([["x0"]], TypeError, "groups must be a dict"),
                             ({"g": []}, ValueError, "empty"),
                             ({"g": ["x0", "x0"]}, ValueError, "twice"),
                             ({"x1": ["x0", "x2"]}, ValueError, "also the name of a column"),
                             ({"g": ["nope"]}, ValueError, "unknown feature"),
                             ({1: ["x0"]}, TypeError, "group names")]:
        with pytest.raises(err, match=msg):
            permutation_importance(lambda A: A[:, 0], X, y, groups=groups)
    with pytest.raises(ValueError, match="twice"):
        permutation_importance(lambda A: A[:, 0], X, y, features=["x0", 0])


# ------------------------------------------------ metrics on the outputs
def test_metric_on_outputs_and_vector_metrics(multiclass):
    X, y, model = multiclass

    def neg_brier(y_true, proba):
        onehot = np.eye(proba.shape[1])[y_true]
        return -np.mean(np.sum((proba - onehot) ** 2, axis=1))

    imp = permutation_importance(model, X, y, scoring=neg_brier, n_repeats=3, random_state=0, progress=False)
    assert imp.scoring == "neg_brier" and imp.output_names == ("neg_brier",)
    P = np.stack([np.stack([np.random.default_rng([r, u]).permutation(len(y)) for u in range(4)])
                  for r in range(3)])
    ours = _permutation_importance(model, X, y, scoring=neg_brier, n_repeats=3, permutations=P, progress=False)
    Xp = X.copy()
    Xp[:, 2] = X[P[1, 2], 2]
    expect = neg_brier(y, model.predict_proba(X)) - neg_brier(y, model.predict_proba(Xp))
    np.testing.assert_allclose(ours.per_repeat[1, 2, 0], expect, rtol=1e-10)

    def per_class(y_true, proba):  # one number per output
        return -np.mean((proba - np.eye(3)[y_true]) ** 2, axis=0)

    vec = permutation_importance(model, X, y, scoring=per_class, n_repeats=2, random_state=0, progress=False)
    assert vec.values.shape == (4, 3) and vec.output_names == ("0", "1", "2")


class _Fixed(DecisionTreeRegressor):
    """A regressor whose predict is the first column (an sklearn estimator twin of ``lambda A: A[:, 0]``)."""

    def fit(self, X, y):  # pragma: no cover - never fitted
        return self

    def predict(self, X):
        return np.asarray(X)[:, 0]


def test_plain_callable_defaults_and_booster():
    X = np.random.default_rng(0).normal(size=(100, 2))
    y = X @ [1.0, 0.1]
    imp = permutation_importance(lambda A: A @ [1.0, 0.1], X, y, n_repeats=2, random_state=0, progress=False)
    assert imp.scoring == "r2" and imp.ranking() == ["x0", "x1"]
    # an sklearn scorer on a plain callable scores its single output (oracle: the same scorer on
    # an estimator with the same predictions)
    for scoring in ("r2", get_scorer("neg_mean_absolute_error")):
        ours = permutation_importance(lambda A: A[:, 0], X, y, scoring=scoring, n_repeats=2, random_state=0,
                                      progress=False)
        ref = permutation_importance(_Fixed(), X, y, scoring=scoring, n_repeats=2, random_state=0, progress=False)
        np.testing.assert_allclose(ours.per_repeat, ref.per_repeat, atol=1e-12)
    with pytest.raises(ValueError, match="one prediction per row"):
        permutation_importance(lambda A: A, X, y, scoring="r2", progress=False)
    with pytest.raises(TypeError, match=r"\(estimator, X, y\)"):
        permutation_importance(lambda A: A[:, 0], X, y, scoring=lambda est, A, b: 0.0)
    lgb = pytest.importorskip("lightgbm")
    Xc, yc = make_classification(n_samples=200, n_features=4, random_state=0)
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 4}, lgb.Dataset(Xc, yc), 10)
    imp = permutation_importance(booster, Xc, yc, n_repeats=2, random_state=0, progress=False)
    assert imp.scoring == "accuracy" and 0.5 < imp.baseline[0] <= 1.0


# ------------------------------------------------------ backends, chunks
def test_backends_and_chunking_agree(dask_client, mixed_frame):
    X, y, model = mixed_frame
    kw = dict(n_repeats=3, random_state=11, progress=False)
    local = permutation_importance(model, X, y, scoring="f1_macro", **kw)
    old = imp_mod.MAX_CHUNK_ROWS
    try:
        imp_mod.MAX_CHUNK_ROWS = 100  # one permutation in two pieces, 12 chunks
        small = permutation_importance(model, X, y, scoring="f1_macro", **kw)
        imp_mod.MAX_CHUNK_ROWS = 450  # 3 permutations a chunk, 4 chunks
        for backend in ("processes", dask_client):
            other = permutation_importance(model, X, y, scoring="f1_macro", backend=backend, **kw)
            np.testing.assert_array_equal(other.per_repeat, local.per_repeat)
            assert other.provenance.n_evals == local.provenance.n_evals
    finally:
        imp_mod.MAX_CHUNK_ROWS = old
    np.testing.assert_array_equal(small.per_repeat, local.per_repeat)
    again = permutation_importance(model, X, y, scoring="f1_macro", **kw)
    np.testing.assert_array_equal(again.per_repeat, local.per_repeat)
    other_seed = permutation_importance(model, X, y, scoring="f1_macro", n_repeats=3, random_state=12,
                                        progress=False)
    assert not np.array_equal(other_seed.per_repeat, local.per_repeat)


def test_model_called_in_batches(binary):
    X, y, model = binary
    seen = []

    class Counting(LogisticRegression):
        def predict(self, X_):
            seen.append(len(X_))
            return super().predict(X_)

    m = Counting().fit(X, y)
    imp = permutation_importance(m, X, y, n_repeats=10, random_state=0, progress=False)
    assert seen[0] == 120 and len(seen) == 2 and seen[1] == 10 * 4 * 120  # baseline, then one batched call
    assert imp.provenance.n_evals == 10 * 4 * 120 + 120


def test_result_shapes_and_max_samples(regression):
    X, y, model = regression
    imp = permutation_importance(model, X, y, n_repeats=4, max_samples=0.5, random_state=0, progress=False)
    assert isinstance(imp, Importance)
    assert imp.per_repeat.shape == (4, 4, 1) and imp.values.shape == (4, 1) and imp.baseline.shape == (1,)
    assert imp.provenance.params["n_rows"] == 50 and imp.provenance.random_state == 0
    np.testing.assert_allclose(imp.std, imp.per_repeat.std(axis=0))
    same = permutation_importance(model, X, y, n_repeats=4, max_samples=50, random_state=0, progress=False)
    np.testing.assert_array_equal(same.per_repeat, imp.per_repeat)
    for bad, err in [(1, ValueError), (101, ValueError), (0.0, ValueError), (1.5, ValueError), ("half", TypeError),
                     (True, TypeError)]:
        with pytest.raises(err, match="max_samples"):
            permutation_importance(model, X, y, max_samples=bad)


# ------------------------------------------------------------ bad input
def test_bad_y_and_x(mixed_frame):
    X, y, model = mixed_frame
    with pytest.raises(ValueError, match="y has 149 rows, X has 150"):
        permutation_importance(model, X, y[:-1])
    with pytest.raises(TypeError, match="needs the true targets"):
        permutation_importance(model, X, None)
    with pytest.raises(ValueError, match="1-D"):
        permutation_importance(model, X, np.zeros((150, 2, 2)))
    Xr = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.raises(ValueError, match="NaN or infinite"):
        permutation_importance(lambda A: A[:, 0], Xr, np.r_[np.nan, np.zeros(29)])
    with pytest.raises(ValueError, match="no rows"):
        permutation_importance(model, X.iloc[:0], y[:0])
    with pytest.raises(ValueError, match="at least 2"):
        permutation_importance(model, X.iloc[:1], y[:1])
    with pytest.raises(ValueError, match="order"):
        permutation_importance(model, X[["income", "age", "color", "size"]], y)
    Xi = X.copy()
    Xi.loc[0, "income"] = -np.inf
    with pytest.raises(ValueError, match="infinite"):
        permutation_importance(model, Xi, y)
    f = model_function(model, X)
    Xs = X.astype({"age": object})
    Xs.loc[0, "age"] = "old"
    with pytest.raises(TypeError, match="non-numeric"):
        permutation_importance(f, Xs, y)
    Xu = X.copy()
    Xu.loc[0, "color"] = "purple"
    with pytest.raises(ValueError, match="purple"):
        permutation_importance(f, Xu, y)


def test_bad_scoring_and_models(binary):
    X, y, model = binary
    with pytest.raises(ValueError, match="unknown scoring 'acuracy'"):
        permutation_importance(model, X, y, scoring="acuracy")
    with pytest.raises(TypeError, match="one scoring at a time"):
        permutation_importance(model, X, y, scoring=["accuracy", "roc_auc"])
    with pytest.raises(TypeError, match="scoring must be"):
        permutation_importance(model, X, y, scoring=3)
    with pytest.raises(TypeError, match="cannot tell"):
        permutation_importance(model, X, y, scoring=lambda a: 0.0)
    svc = LinearSVC().fit(X, y)
    with pytest.raises(ValueError, match="neg_log_loss.*response method"):
        permutation_importance(svc, X, y, scoring="neg_log_loss")
    with pytest.raises(ValueError, match="failed on the unpermuted data"):
        permutation_importance(Ridge().fit(X, y), X, y, scoring="accuracy")
    with pytest.raises(TypeError, match="n_repeats"):
        permutation_importance(model, X, y, n_repeats=2.0)
    with pytest.raises(ValueError, match="n_repeats"):
        permutation_importance(model, X, y, n_repeats=0)

    class Broken(LogisticRegression):
        def predict(self, X_):
            if len(X_) > 200:
                raise MemoryError("too big")
            return super().predict(X_)

    with pytest.raises(ModelError, match="too big"):
        permutation_importance(Broken().fit(X, y), X, y, n_repeats=3, progress=False)

    def nan_model(A):
        return np.full(len(A), np.nan)

    with pytest.raises(ModelError, match="non-finite"):
        permutation_importance(nan_model, X, y)


def test_numpy_input_unmodified(binary):
    X, y, model = binary
    Xb, yb = X.copy(), y.copy()
    permutation_importance(model, X, y, n_repeats=2, groups={"g": [0, 1]}, random_state=0, progress=False)
    np.testing.assert_array_equal(X, Xb)
    np.testing.assert_array_equal(y, yb)


# ---------------------------------------------------------------- robustness sweep
def test_missing_labels_in_an_object_y_are_a_clear_error():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    X, y = load_iris(return_X_y=True)
    labels = np.array(["a", "b", "c"], dtype=object)[y]
    m = LogisticRegression(max_iter=1000).fit(X, labels)
    bad = labels.copy()
    bad[[3, 7]] = None
    with pytest.raises(ValueError, match=r"y has missing values .* rows \[3, 7\]"):
        permutation_importance(m, X, bad, n_repeats=1, random_state=0, progress=False)


def test_sklearn_scorers_on_a_native_booster_match_hand_computed_drops():
    """Issue 2: any sklearn scorer, also for models without an sklearn API (lightgbm Booster)."""
    lgb = pytest.importorskip("lightgbm")
    from sklearn.metrics import f1_score, log_loss, roc_auc_score
    from unboxed.effects.importance import _permutation_importance
    X, y = make_classification(n_samples=300, n_features=5, random_state=3)
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 4}, lgb.Dataset(X, y), 15)
    perms = np.stack([np.stack([np.random.default_rng(10 * r + j).permutation(300) for j in range(5)])
                      for r in range(2)])
    score = {"roc_auc": lambda p: roc_auc_score(y, p), "neg_log_loss": lambda p: -log_loss(y, p),
             "accuracy": lambda p: np.mean((p > 0.5) == y), "f1": lambda p: f1_score(y, (p > 0.5).astype(int))}
    for name, fn in score.items():
        ours = _permutation_importance(booster, X, y, scoring=name, n_repeats=2, permutations=perms, progress=False)
        expect = np.empty((2, 5))
        for r in range(2):
            for j in range(5):
                Xp = X.copy()
                Xp[:, j] = X[perms[r, j], j]
                expect[r, j] = fn(booster.predict(X)) - fn(booster.predict(Xp))
        np.testing.assert_allclose(ours.per_repeat[..., 0], expect, atol=1e-10, err_msg=name)


def test_nan_the_model_cannot_take_is_a_value_error_naming_the_column():
    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    model = LinearRegression().fit(X, y)
    Xn = X.copy()
    Xn[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"missing values in the columns at positions \[1\]") as info:
        permutation_importance(model, Xn, y, n_repeats=2, progress=False)
    frame = pd.DataFrame(Xn, columns=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"missing values in columns \['b'\]"):
        permutation_importance(LinearRegression().fit(frame.fillna(0), y), frame, y, n_repeats=2, progress=False)
    assert isinstance(info.value, ModelError)
