"""explain_tree / decision_path_rules / tree_importance: a hand-computed tree, additivity, faithful rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from unboxed.intrinsic import decision_path_rules, explain_tree, tree_importance
from unboxed.rules import Rule

from conftest import assert_unmodified


def test_hand_computed_tree():
    # root 5.75; x0 splits into 0.5 | 11, then x1 splits each side into 0 | 1 and 10 | 12
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0.0, 1.0, 10.0, 12.0])
    tree = DecisionTreeRegressor(random_state=0).fit(X, y)
    assert tree.tree_.feature[0] == 0
    a = explain_tree(tree, X)
    np.testing.assert_allclose(a.base_values[:, 0], 5.75)
    expect = np.array([[-5.25, -0.5], [-5.25, 0.5], [5.25, -1.0], [5.25, 1.0]])
    np.testing.assert_allclose(a.values[:, :, 0], expect, atol=1e-12)
    np.testing.assert_allclose(a.total[:, 0], y, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), depth=st.integers(1, 6), k=st.integers(1, 2))
def test_additivity_property(seed, depth, k):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(80, 4))
    Y = rng.normal(size=(80, k))
    tree = DecisionTreeRegressor(max_depth=depth, random_state=0).fit(X, Y if k > 1 else Y[:, 0])
    a = explain_tree(tree, X)
    np.testing.assert_allclose(a.total, tree.predict(X).reshape(80, -1), rtol=0, atol=1e-10)


def test_classifier_and_forest_additivity():
    X, y = load_iris(return_X_y=True, as_frame=True)
    tree = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y)
    a = explain_tree(tree, X)
    np.testing.assert_allclose(a.total, tree.predict_proba(X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.base_values[0], np.bincount(y) / len(y), atol=1e-12)
    assert a.output_names == ("0", "1", "2") and a.output_space == "proba"
    assert a.feature_names == tuple(X.columns) and a.data[0, 0] == X.iloc[0, 0]
    rf = RandomForestClassifier(n_estimators=15, max_depth=4, random_state=0).fit(X, y)
    np.testing.assert_allclose(explain_tree(rf, X).total, rf.predict_proba(X), rtol=0, atol=1e-12)
    rfr = RandomForestRegressor(n_estimators=10, max_depth=3, random_state=0).fit(X, X.iloc[:, 0])
    np.testing.assert_allclose(explain_tree(rfr, X).total[:, 0], rfr.predict(X), rtol=0, atol=1e-10)


def test_pipeline_tree():
    X, y = load_iris(return_X_y=True, as_frame=True)
    pipe = make_pipeline(StandardScaler(), DecisionTreeClassifier(max_depth=3, random_state=0)).fit(X, y)
    a = explain_tree(pipe, X.iloc[:10])
    np.testing.assert_allclose(a.total, pipe.predict_proba(X.iloc[:10]), atol=1e-12)
    assert a.feature_names == tuple(X.columns)  # StandardScaler keeps the names
    rules = decision_path_rules(pipe, X.iloc[:3])
    assert all(isinstance(r, Rule) for r in rules)


def test_decision_path_rules_are_the_leaves():
    X, y = load_iris(return_X_y=True, as_frame=True)
    tree = DecisionTreeClassifier(max_depth=5, random_state=0).fit(X, y)
    rules = decision_path_rules(tree, X)
    leaves = tree.apply(X)
    proba = tree.predict_proba(X)
    for i in range(0, len(X), 7):
        r = rules[i]
        # brute force: the rule covers exactly the rows of the same leaf
        np.testing.assert_array_equal(r.covers(X), leaves == leaves[i])
        assert r.prediction == tree.predict(X.iloc[[i]])[0]
        np.testing.assert_allclose(r.probabilities, proba[i], atol=1e-12)
        assert r.support == tree.tree_.n_node_samples[leaves[i]]
        feats = [c.feature for c in r.conditions]
        for f in set(feats):  # merged into one interval per feature
            ops = [c.op for c in r.conditions if c.feature == f]
            assert sorted(ops) in (["<="], [">"], ["<=", ">"])
    reg = DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, y.astype(float))
    rr = decision_path_rules(reg, X.iloc[:5])
    np.testing.assert_allclose([r.prediction for r in rr], reg.predict(X.iloc[:5]))


def test_tree_importance():
    X, y = load_iris(return_X_y=True, as_frame=True)
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    imp = tree_importance(tree)
    np.testing.assert_allclose(imp.values[:, 0], tree.feature_importances_, rtol=1e-12)
    assert imp.feature_names == tuple(X.columns) and (imp.std == 0).all()
    rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    fimp = tree_importance(rf)
    per = np.array([t.feature_importances_ for t in rf.estimators_])
    np.testing.assert_allclose(fimp.std[:, 0], per.std(axis=0), rtol=1e-12)
    ptree = tree_importance(make_pipeline(StandardScaler(), DecisionTreeClassifier(random_state=0)).fit(X, y))
    assert ptree.feature_names == tuple(X.columns)


def test_bad_input():
    X, y = load_iris(return_X_y=True)
    from sklearn.linear_model import LogisticRegression
    lr = LogisticRegression(max_iter=500).fit(X, y)
    for fn in (explain_tree, decision_path_rules):
        with pytest.raises(TypeError, match="DecisionTree"):
            fn(lr, X)
    with pytest.raises(TypeError, match="feature_importances_"):
        tree_importance(lr)
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="missing"):
        explain_tree(tree, bad)
    with pytest.raises(ValueError, match="columns"):
        explain_tree(tree, X[:, :3])
    with pytest.raises(ValueError, match="no rows"):
        decision_path_rules(tree, X[:0])
    with pytest.raises(TypeError, match="single decision tree"):
        decision_path_rules(RandomForestClassifier(n_estimators=2).fit(X, y), X)


def test_caller_data_unmodified():
    X, y = load_iris(return_X_y=True, as_frame=True)
    Xc = X.copy()
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    explain_tree(tree, X)
    decision_path_rules(tree, X)
    assert_unmodified(Xc, X)
