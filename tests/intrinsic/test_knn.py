"""nearest_neighbors against kneighbors; the Examples result type (slicing, frame, JSON)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from unboxed import load
from unboxed._results import Examples
from unboxed.intrinsic import nearest_neighbors

from conftest import assert_unmodified


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, np.array(["setosa", "versicolor", "virginica"])[y]


def test_matches_kneighbors(iris):
    X, y = iris
    m = KNeighborsClassifier(n_neighbors=4).fit(X, y)
    ex = nearest_neighbors(m, X.iloc[:10])
    dist, idx = m.kneighbors(X.iloc[:10])
    np.testing.assert_array_equal(ex.indices, idx)
    np.testing.assert_allclose(ex.distances, dist, rtol=1e-12)
    np.testing.assert_array_equal(ex.targets, y[idx])
    np.testing.assert_allclose(ex.rows.astype(float), X.to_numpy()[idx], rtol=0)
    np.testing.assert_array_equal(ex.predictions, m.predict(X.iloc[:10]))
    assert ex.feature_names == tuple(X.columns) and (ex.weights == 1).all()
    # the majority of the neighbours' targets is the prediction
    for i in range(10):
        vals, counts = np.unique(ex.targets[i].astype(str), return_counts=True)
        assert ex.predictions[i] in vals[counts == counts.max()]
    assert nearest_neighbors(m, X.iloc[:2], n_neighbors=7).indices.shape == (2, 7)


def test_regressor_distance_weights():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X[:, 0] * 2
    m = KNeighborsRegressor(n_neighbors=3, weights="distance").fit(X, y)
    Q = rng.normal(size=(5, 3))
    ex = nearest_neighbors(m, Q)
    np.testing.assert_allclose(ex.weights, 1 / ex.distances, rtol=1e-12)
    pred = (ex.weights * ex.targets.astype(float)).sum(1) / ex.weights.sum(1)
    np.testing.assert_allclose(pred, m.predict(Q), rtol=1e-10)


def test_pipeline_needs_and_checks_training_rows():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=60) * 100, "b": rng.normal(size=60),
                      "g": rng.choice(["x", "y"], 60).astype(object)})
    y = (X["a"] > 0).astype(int).to_numpy()
    ct = ColumnTransformer([("num", StandardScaler(), ["a", "b"]), ("cat", OneHotEncoder(), ["g"])])
    pipe = make_pipeline(ct, KNeighborsClassifier(3)).fit(X, y)
    with pytest.raises(ValueError, match="pass X_train"):
        nearest_neighbors(pipe, X.iloc[:2])
    ex = nearest_neighbors(pipe, X.iloc[:5], X_train=X)
    Xt = ct.transform(X)
    dist, idx = pipe[-1].kneighbors(ct.transform(X.iloc[:5]))
    np.testing.assert_array_equal(ex.indices, idx)
    np.testing.assert_allclose(ex.distances, dist, rtol=1e-12)
    assert ex.rows[0, 0, 2] == X["g"].iloc[idx[0, 0]]  # the rows as the user gave them
    assert Xt.shape[0] == 60
    with pytest.raises(ValueError, match="not the data the model was fitted on"):
        nearest_neighbors(pipe, X.iloc[:2], X_train=X.iloc[::-1])
    with pytest.raises(ValueError, match="fitted on 60 rows"):
        nearest_neighbors(pipe, X.iloc[:2], X_train=X.iloc[:30])


def test_examples_result_type(iris):
    X, y = iris
    ex = nearest_neighbors(KNeighborsClassifier(3).fit(X, y), X.iloc[:6])
    sub = ex[1:3]
    assert isinstance(sub, Examples) and len(sub) == 2
    np.testing.assert_array_equal(sub.indices, ex.indices[1:3])
    assert ex[0].indices.shape == (1, 3) and ex[np.arange(6) > 3].n_rows == 2
    frame = ex.to_frame()
    assert len(frame) == 18 and list(frame.columns[:6]) == ["row", "rank", "index", "distance", "weight", "target"]
    back = load(ex.to_json())
    assert isinstance(back, Examples)
    np.testing.assert_array_equal(back.indices, ex.indices)
    np.testing.assert_allclose(back.distances, ex.distances)
    np.testing.assert_array_equal(back.targets, ex.targets)
    np.testing.assert_array_equal(back.rows, ex.rows)
    assert back.provenance.method == "nearest_neighbors" and back.feature_names == ex.feature_names
    with pytest.raises(ValueError, match="distances must have shape"):
        Examples(indices=np.zeros((2, 3)), distances=np.zeros((2, 2)), rows=np.zeros((2, 3, 1)),
                 targets=np.zeros((2, 3)), feature_names=("a",))
    with pytest.raises(IndexError):
        ex[10]
    assert not ex.indices.flags.writeable


def test_bad_input(iris):
    X, y = iris
    m = KNeighborsClassifier(3).fit(X, y)
    from sklearn.linear_model import LogisticRegression
    with pytest.raises(TypeError, match="KNeighbors"):
        nearest_neighbors(LogisticRegression(max_iter=300).fit(X, y), X)
    with pytest.raises(ValueError, match="more than the 150 training rows"):
        nearest_neighbors(m, X, n_neighbors=151)
    with pytest.raises(TypeError, match="n_neighbors"):
        nearest_neighbors(m, X, n_neighbors=2.5)
    bad = X.copy()
    bad.iloc[0, 0] = np.nan
    with pytest.raises(ValueError, match="missing"):
        nearest_neighbors(m, bad)
    with pytest.raises(ValueError, match="columns"):
        nearest_neighbors(m, X.iloc[:, :3])
    with pytest.raises(ValueError, match="no rows"):
        nearest_neighbors(m, X.iloc[:0])


def test_caller_data_unmodified(iris):
    X, y = iris
    Xc = X.copy()
    nearest_neighbors(KNeighborsClassifier(3).fit(X, y), X, X_train=X)
    assert_unmodified(Xc, X)
