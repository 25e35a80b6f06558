"""RuleFit: solver oracles (sklearn Lasso / L1 logistic), faithful rules, importances, backends, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from unboxed.rules import RuleFit, RuleFitClassifier, RuleFitRegressor
from unboxed.rules.rulefit import _path

from conftest import assert_unmodified

FAST = dict(n_estimators=30, random_state=0)


@parametrize_with_checks([RuleFitClassifier(n_estimators=15, random_state=0, cv=3),
                          RuleFitRegressor(n_estimators=15, random_state=0, cv=3)],
                         expected_failed_checks=lambda est: {})
def test_sklearn_compatible(estimator, check):
    # no expected failures
    check(estimator)


# ------------------------------------------------------------ solver oracles
def _design(seed=0, n=300, p=12):
    rng = np.random.default_rng(seed)
    A = np.column_stack([rng.normal(size=(n, p // 2)), rng.random((n, p - p // 2)) < 0.3]).astype(float)
    beta = np.zeros(p)
    beta[[0, 1, 7, 9]] = [1.5, -2.0, 1.0, -1.0]
    return A, A @ beta, rng


def test_lasso_path_matches_sklearn():
    from sklearn.linear_model import Lasso
    A, eta, rng = _design()
    y = eta + rng.normal(size=A.shape[0])
    lams = np.array([0.3, 0.1, 0.03, 0.01])
    coefs, icpts, done = _path(A, y[:, None], lams, False, 10**6)
    assert done == lams.size
    for g, lam in enumerate(lams):
        ref = Lasso(alpha=lam, tol=1e-12, max_iter=100_000).fit(A, y)
        np.testing.assert_allclose(coefs[:, 0, g], ref.coef_, rtol=0, atol=1e-5)
        np.testing.assert_allclose(icpts[0, g], ref.intercept_, rtol=0, atol=1e-5)


def test_l1_logistic_path_matches_sklearn():
    from sklearn.linear_model import LogisticRegression
    A, eta, rng = _design(seed=1)
    y = (rng.random(A.shape[0]) < 1 / (1 + np.exp(-eta))).astype(float)
    n = A.shape[0]
    lams = np.array([0.05, 0.02, 0.005])
    coefs, icpts, _ = _path(A, y[:, None], lams, True, 10**6)

    def objective(b, b0, lam):
        e = A @ b + b0
        return np.mean(np.logaddexp(0, e) - y * e) + lam * np.abs(b).sum()
    for g, lam in enumerate(lams):
        # liblinear with a huge intercept scaling leaves the intercept (almost) unpenalized
        ref = LogisticRegression(l1_ratio=1.0, C=1 / (n * lam), solver="liblinear", intercept_scaling=1e4,
                                 tol=1e-12, max_iter=100_000).fit(A, y)
        np.testing.assert_allclose(coefs[:, 0, g], ref.coef_[0], rtol=0, atol=2e-3)
        np.testing.assert_allclose(objective(coefs[:, 0, g], icpts[0, g], lam),
                                   objective(ref.coef_[0], ref.intercept_[0], lam), rtol=1e-6)


# ----------------------------------------------------- faithfulness of the output
def _rebuild(m, X):
    """The model's output recomputed from what it prints: rules_ (Condition.evaluate) and linear terms."""
    Xf = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    outs = m._output_names()
    out = np.tile(m.intercept_, (len(Xf), 1))
    frame = m.to_frame()
    for _, row in frame[frame["type"] == "linear"].iterrows():
        i = list(m.design_.names).index(row["term"])
        k = [m.design_.src[c] for c in m.linear_["column"]].index(i)
        x = np.clip(Xf.iloc[:, i].to_numpy(float), m.linear_["low"][k], m.linear_["high"][k])
        out[:, outs.index(row["output"])] += row["coef"] * x
    for r in m.rules_:
        j = 0 if len(outs) == 1 else list(m.classes_).index(r.prediction)
        out[:, j] += r.weight * r.covers(Xf)
    return out


def test_printed_model_reproduces_binary_log_odds(breast_cancer):
    X, y = breast_cancer
    m = RuleFitClassifier(max_rules=20, **FAST).fit(X, y)
    assert isinstance(m, RuleFit)
    assert 0 < m.n_rules_ <= 20
    np.testing.assert_allclose(_rebuild(m, X)[:, 0], m.decision_function(X), rtol=0, atol=1e-9)
    p = m.predict_proba(X)
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-m.decision_function(X))), rtol=1e-12)
    assert m.score(X, y) > 0.93
    text = m.to_text()
    assert "intercept" in text and "IF " in text and "weight" in text


def test_printed_model_reproduces_regression(german):
    X, _ = german
    rng = np.random.default_rng(0)
    num = X.select_dtypes("number").columns
    y = X[num[0]].to_numpy(float) * 0.1 + (X.iloc[:, 0].astype(str) == X.iloc[0, 0]) * 3 + rng.normal(0, .1, len(X))
    m = RuleFitRegressor(max_rules=15, **FAST).fit(X, y)
    np.testing.assert_allclose(_rebuild(m, X)[:, 0], m.predict(X), rtol=0, atol=1e-8)
    assert m.score(X, y) > 0.8


def test_multiclass_one_vs_rest():
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True, as_frame=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    m = RuleFitClassifier(max_rules=12, **FAST).fit(X, labels)
    assert m.rule_coef_.shape[1] == 3 and m.n_rules_ <= 12
    np.testing.assert_allclose(_rebuild(m, X), m.decision_function(X), rtol=0, atol=1e-9)
    p = m.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=0, atol=1e-12)
    assert m.score(X, labels) > 0.93
    assert {r.prediction for r in m.rules_} <= set(m.classes_)


def test_importances_follow_the_paper(breast_cancer):
    X, y = breast_cancer
    m = RuleFitClassifier(max_rules=15, **FAST).fit(X, y)
    imp = m.rule_importance()
    nl = m.linear_["column"].size
    for r_i, conds in enumerate(m.rule_conditions_):
        from unboxed.rules import Rule
        s = Rule(conditions=conds).covers(X).mean()
        np.testing.assert_allclose(imp.values[nl + r_i, 0], abs(m.rule_coef_[r_i, 0]) * np.sqrt(s * (1 - s)),
                                   rtol=1e-12)
    for k, col in enumerate(m.linear_["column"]):
        x = np.clip(X.iloc[:, m.design_.src[col]].to_numpy(), m.linear_["low"][k], m.linear_["high"][k])
        b = m.linear_["coef"][k, 0] * m.linear_["scale"][k]  # per unit of the feature
        np.testing.assert_allclose(imp.values[k, 0], abs(b) * x.std(), rtol=1e-10)
    fi = m.feature_importance()
    np.testing.assert_allclose(fi.values.sum(), imp.values.sum(), rtol=1e-12)
    assert fi.feature_names == tuple(X.columns)
    np.testing.assert_allclose(m.feature_importances_.sum(), 1.0)
    frame = m.to_frame()
    assert frame["importance"].is_monotonic_decreasing
    assert set(frame["type"]) <= {"linear", "rule"} and (frame["support_share"] <= 1).all()


def test_max_rules_and_fixed_penalty(breast_cancer):
    X, y = breast_cancer
    for k in (1, 5, 40):
        assert RuleFitClassifier(max_rules=k, **FAST).fit(X, y).n_rules_ <= k
    strong = RuleFitClassifier(alpha=0.05, **FAST).fit(X, y)
    weak = RuleFitClassifier(alpha=0.002, max_rules=10**6, **FAST).fit(X, y)
    assert strong.n_rules_ < weak.n_rules_
    assert strong.alpha_ == 0.05
    no_cv = RuleFitClassifier(cv=None, max_rules=10, **FAST).fit(X, y)
    assert no_cv.n_rules_ <= 10 and not hasattr(no_cv, "cv_loss_")
    lin_only = RuleFitRegressor(n_estimators=5, random_state=0, include_linear=False).fit(X, y)
    assert lin_only.linear_["column"].size == 0


def test_duplicate_rules_are_dropped(breast_cancer):
    X, y = breast_cancer
    m = RuleFitClassifier(max_rules=200, alpha=1e-4, **FAST).fit(X, y)
    texts = [" AND ".join(map(str, c)) for c in m.rule_conditions_]
    assert len(texts) == len(set(texts))
    from unboxed.rules import Rule
    cols = np.column_stack([Rule(conditions=c).covers(X) for c in m.rule_conditions_])
    keys = {col.tobytes() for col in cols.T} | {(~col).tobytes() for col in cols.T}
    assert len(keys) == 2 * cols.shape[1]  # no rule repeats another's rows or their complement
    assert m.n_candidate_rules_ > len(texts)


def test_forest_generator_and_random_state(breast_cancer):
    X, y = breast_cancer
    a = RuleFitClassifier(generator="forest", **FAST).fit(X, y)
    b = RuleFitClassifier(generator="forest", **FAST).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    c = RuleFitClassifier(generator="forest", n_estimators=30, random_state=1).fit(X, y)
    assert [str(r) for r in a.rules_] != [str(r) for r in c.rules_]


@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_same_answer_on_every_backend(backend, request, breast_cancer):
    X, y = breast_cancer
    be = request.getfixturevalue("dask_client") if backend == "dask" else backend
    local = RuleFitClassifier(max_rules=10, **FAST).fit(X, y)
    other = RuleFitClassifier(max_rules=10, backend=be, **FAST).fit(X, y)
    np.testing.assert_array_equal(local.cv_loss_, other.cv_loss_)
    np.testing.assert_array_equal(local.decision_function(X), other.decision_function(X))


# ------------------------------------------------------- categories and bad input
def test_categories_missing_and_unseen():
    rng = np.random.default_rng(2)
    n = 300
    X = pd.DataFrame({"num": rng.normal(size=n), "color": pd.Categorical(rng.choice(["red", "green", "blue"], n)),
                      "txt": rng.choice(["u", "v"], n).astype(object)})
    y = np.where((X["color"] == "red") | (X["num"] > 1), "yes", "no")
    X.loc[::17, "txt"] = None
    m = RuleFitClassifier(max_rules=8, **FAST).fit(X, y)
    assert m.score(X, y) > 0.95
    assert any("color" in str(r) for r in m.rules_)
    np.testing.assert_allclose(_rebuild(m, X)[:, 0], m.decision_function(X), rtol=0, atol=1e-9)
    new = X.iloc[:2].copy()
    new["color"] = pd.Categorical(["purple", "red"])
    with pytest.raises(ValueError, match="not seen"):
        m.predict(new)
    bad = X.copy()
    bad.loc[0, "num"] = np.nan
    with pytest.raises(ValueError, match="NaN in numeric column 'num'"):
        m.predict(bad)


def test_bad_input():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 3))
    y = rng.normal(size=60)
    with pytest.raises(ValueError, match="Unknown label type"):
        RuleFitClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="2 classes"):
        RuleFitClassifier(**FAST).fit(X, np.zeros(60))
    with pytest.raises(ValueError, match="NaN"):
        RuleFitRegressor(**FAST).fit(np.where(X > 2, np.nan, X), y)
    with pytest.raises(ValueError, match="y"):
        RuleFitRegressor(**FAST).fit(X, np.where(y > 1, np.nan, y))
    for kw, msg in [({"tree_size": 1}, "tree_size"), ({"generator": "gbm"}, "generator"),
                    ({"sample_fraction": 0}, "sample_fraction"), ({"alpha": -1.0}, "alpha"),
                    ({"lin_trim_quantile": 0.6}, "lin_trim_quantile"), ({"max_rules": 0}, "max_rules")]:
        with pytest.raises(ValueError, match=msg):
            RuleFitRegressor(**{**FAST, **kw}).fit(X, y)
    m = RuleFitRegressor(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        m.predict(X[:, :2])
    with pytest.raises(ValueError, match="0 sample"):
        m.predict(X[:0])
    one = RuleFitRegressor(**FAST).fit(X[:1], y[:1])  # a single row: the intercept alone
    np.testing.assert_allclose(one.predict(X[:3]), y[0])


def test_caller_data_unmodified(german):
    X, y = german
    X, y = X.iloc[:300], np.asarray(y)[:300]
    Xc, yc = X.copy(), y.copy()
    RuleFitClassifier(max_rules=5, **FAST).fit(X, y).predict_proba(X)
    assert_unmodified(Xc, X)
    assert_unmodified(yc, y)


def test_printed_rules_cover_rows_with_a_missing_category():
    # RuleFit shares FIGS's one-hot design: a missing category satisfies the "≠" side of a split, and the
    # printed rules must say so for Rule.covers to rebuild the decision function
    rng = np.random.default_rng(4)
    n = 300
    X = pd.DataFrame({"num": rng.normal(size=n), "txt": rng.choice(["u", "v", "w"], n).astype(object)})
    y = np.where((X["txt"] != "u") & (X["num"] > 0), "yes", "no")
    X.loc[::5, "txt"] = None
    m = RuleFitClassifier(max_rules=10, include_linear=False, **FAST).fit(X, y)
    d = np.full(n, m.intercept_[0])
    for r in m.rules_:
        d += r.covers(X) * r.weight
    np.testing.assert_allclose(d, m.decision_function(X), rtol=0, atol=1e-9)


def test_printed_forms_set_and_tree_and_list_refused():
    """RuleFit prints as a rule set (default) and as a rule tree; a first-match list would misstate its
    additive rules, so it is refused with the reason. Every rule with a nonzero weight appears in both."""
    from sklearn.datasets import load_iris
    d = load_iris(as_frame=True)
    m = RuleFitClassifier(max_rules=6, **FAST).fit(d.data, d.target)
    s, t = m.to_text("set"), m.to_text("tree")
    assert s == m.to_text() == str(m)
    assert s.count("\nIF ") == len(m.rules_)
    assert t.count("(n=") == len(m.rules_)
    for r in m.rules_:
        assert f"(n={r.support})" in t and f"{r.weight:+.4g}" in t
    with pytest.raises(ValueError, match="overlap"):
        m.to_text("list")
    with pytest.raises(ValueError, match="form must be"):
        m.to_text("graph")
    assert m.average_rule_length_ == pytest.approx(np.mean([len(c) for c in m.rule_conditions_]))
