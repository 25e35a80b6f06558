"""explain(): the method chosen for the model, and the record of the choice."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from unboxed.shapley import auto
from unboxed.shapley.auto import explain
from unboxed.shapley.exact import ExactShap


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 5))
    return X, X[:, 0] * X[:, 1] + X[:, 2]


def test_linear_model_gets_linear_shap(data):
    X, y = data
    model = LogisticRegression().fit(X, y > 0)
    attr = explain(model, X[:3], background=X[:50], progress=False)
    assert attr.provenance.params["chosen_method"] == "linear"
    assert attr.output_space == "log_odds"
    np.testing.assert_allclose(attr.values[..., 0], model.coef_[0] * (X[:3] - X[:50].mean(axis=0)), atol=1e-12)
    # probabilities are not linear: a model-agnostic method instead
    attr = explain(model, X[:3], background=X[:50], output="proba", progress=False)
    assert attr.provenance.params["chosen_method"] == "exact"


def test_non_additive_pipeline_falls_back(data):
    X, y = data
    pipe = make_pipeline(PolynomialFeatures(2), LinearRegression()).fit(X, y)
    attr = explain(pipe, X[:2], background=X[:20], progress=False)
    assert attr.provenance.params["chosen_method"] == "exact"
    assert "mixes input columns" in attr.provenance.params["reason"]
    np.testing.assert_allclose(attr.total[:, 0], pipe.predict(X[:2]), atol=1e-10)


def test_few_features_exact_many_kernel(data, monkeypatch):
    X, y = data
    model = RandomForestRegressor(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    monkeypatch.setattr(auto, "_tree_supports", lambda m: False)
    attr = explain(model, X[:2], background=X[:10], progress=False, random_state=0)
    assert attr.provenance.params["chosen_method"] == "exact"
    ref = ExactShap(model, X[:10], progress=False).explain(X[:2])
    np.testing.assert_allclose(attr.values, ref.values)
    wide = np.random.default_rng(1).normal(size=(40, 14))
    f = lambda d: d[:, 0] * d[:, 1] + d[:, 13]  # noqa: E731
    attr = explain(f, wide[:2], background=wide[:8], progress=False, random_state=0, max_evals=64)
    assert attr.provenance.params["chosen_method"] == "kernel"
    assert attr.stderr is not None and attr.provenance.params["max_evals"] == 64
    grouped = explain(f, wide[:2], background=wide[:8], progress=False,
                      groups={"a": [0, 1, 2], "b": [3, 4, 5]})
    assert grouped.provenance.params["chosen_method"] == "exact"  # 10 players


def test_tree_models_go_to_tree_shap_when_available(data):
    X, y = data
    model = RandomForestRegressor(n_estimators=3, max_depth=3, random_state=0).fit(X, y)
    if not auto._tree_supports(model):
        pytest.skip("TreeShap is not available yet")
    attr = explain(model, X[:2], background=X[:10], progress=False)
    assert attr.provenance.params["chosen_method"] == "tree"


def test_explicit_methods_and_default_background(data):
    X, y = data
    f = lambda d: d[:, 0] * d[:, 1] + d[:, 2]  # noqa: E731
    with pytest.warns(UserWarning, match="fewer than"):
        attr = explain(f, X[:20], method="permutation", n_permutations=4, random_state=0, progress=False)
    assert attr.provenance.params["chosen_method"] == "permutation"
    assert attr.provenance.params["background"] == "the 20 explained rows"
    np.testing.assert_allclose(attr.base_values[0, 0], f(X[:20]).mean(), atol=1e-12)
    big = explain(f, X, method="exact", progress=False)
    assert "k-means" in big.provenance.params["background"]
    assert big.provenance.params["background_method"] == "kmeans"
    with pytest.raises(ValueError, match="method"):
        explain(f, X[:5], method="magic")
    with pytest.raises(TypeError):
        explain(f, X[:5], background=X[:5], method="exact", max_evals=10)  # not an exact option


# ---------------------------------------------------------------- robustness sweep regressions
def test_random_state_is_accepted_by_exact_methods(data):
    """One call with random_state= works whichever method is asked for (exact ones ignore it)."""
    X, y = data
    f = lambda Z: Z[:, 0] * Z[:, 1] + Z[:, 2]  # noqa: E731
    ref = ExactShap(f, X[:20], progress=False).explain(X[:2])
    attr = explain(f, X[:2], background=X[:20], method="exact", random_state=0, progress=False)
    np.testing.assert_allclose(attr.values, ref.values, atol=1e-12)
    model = RandomForestRegressor(n_estimators=3, max_depth=3, random_state=0).fit(X, y)
    assert explain(model, X[:2], method="tree", random_state=0, progress=False).values.shape == (2, 5, 1)
    lin = LinearRegression().fit(X, y)
    attr = explain(lin, X[:2], background=X[:20], method="linear", random_state=0, progress=False)
    np.testing.assert_allclose(attr.values[..., 0], lin.coef_ * (X[:2] - X[:20].mean(axis=0)), atol=1e-12)


def test_tree_model_with_groups_goes_model_agnostic(data):
    """Tree SHAP takes no groups: auto picks the exact route instead of raising."""
    X, y = data
    model = RandomForestRegressor(n_estimators=3, max_depth=3, random_state=0).fit(X, y)
    groups = {"g": [0, 1]}
    attr = explain(model, X[:2], background=X[:20], groups=groups, progress=False)
    assert attr.provenance.params["chosen_method"] == "exact"
    ref = ExactShap(model, X[:20], groups=groups, progress=False).explain(X[:2])
    np.testing.assert_allclose(attr.values, ref.values, atol=1e-12)


def test_boosted_proba_without_background_uses_interventional_tree(data):
    """output='proba' of a boosted model needs a background: auto supplies the default one."""
    from sklearn.ensemble import GradientBoostingClassifier
    X, y = data
    model = GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0).fit(X, y > 0)
    with pytest.warns(UserWarning, match="no background given"):
        attr = explain(model, X[:6], output="proba", progress=False)
    assert attr.provenance.params["chosen_method"] == "tree"
    assert attr.provenance.params["algorithm"] == "interventional"
    np.testing.assert_allclose(attr.total, model.predict_proba(X[:6]), atol=1e-10)  # efficiency on every row
    # an output no Tree SHAP explains (class labels): the model-agnostic route, not an error
    attr = explain(model, X[:2], background=X[:20], output="predict", progress=False)
    assert attr.provenance.params["chosen_method"] == "exact"
    np.testing.assert_allclose(attr.total[:, 0], model.predict(X[:2]), atol=1e-12)
