"""explain_naive_bayes: every feature's log-likelihood ratio; the sums are the model's own log-probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.naive_bayes import BernoulliNB, CategoricalNB, ComplementNB, GaussianNB, MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from unboxed.intrinsic import explain_naive_bayes

from conftest import assert_unmodified


def _target(lp):
    """What the values must sum to, from predict_log_proba (n, K)."""
    K = lp.shape[1]
    if K == 2:
        return lp[:, 1:] - lp[:, :1]
    return lp - (lp.sum(axis=1, keepdims=True) - lp) / (K - 1)


def _data(kind, K, seed=0):
    rng = np.random.default_rng(seed)
    n = 90
    y = rng.integers(0, K, n)
    if kind in ("gauss",):
        return rng.normal(size=(n, 4)) + y[:, None], y
    if kind == "counts":
        return rng.poisson(2 + y[:, None], size=(n, 5)).astype(float), y
    if kind == "binary":
        return (rng.random((n, 5)) < 0.3 + 0.2 * (y[:, None] % 2)).astype(float), y
    return rng.integers(0, 3, (n, 4)), y


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("model,kind", [(GaussianNB(), "gauss"), (MultinomialNB(), "counts"),
                                        (ComplementNB(), "counts"), (BernoulliNB(), "binary"),
                                        (BernoulliNB(binarize=1.5), "counts"), (CategoricalNB(), "cats")])
def test_sums_are_the_models_log_probability_ratios(model, kind, K):
    X, y = _data(kind, K)
    m = model.fit(X, y)
    a = explain_naive_bayes(m, X)
    np.testing.assert_allclose(a.total, _target(m.predict_log_proba(X)), rtol=1e-9, atol=1e-8)
    assert a.values.shape == (len(X), X.shape[1], 1 if K == 2 else K)
    assert a.output_space == ("log_odds" if K == 2 else "log_ratio")
    if K == 2 and hasattr(m, "class_log_prior_") and not isinstance(m, ComplementNB):
        np.testing.assert_allclose(a.base_values[0, 0], m.class_log_prior_[1] - m.class_log_prior_[0])


def test_gaussian_feature_terms_by_hand():
    X, y = _data("gauss", 2)
    m = GaussianNB().fit(X, y)
    a = explain_naive_bayes(m, X[:1])
    j = 2
    def logpdf(x, mu, var):
        return -0.5 * np.log(2 * np.pi * var) - (x - mu) ** 2 / (2 * var)
    expect = logpdf(X[0, j], m.theta_[1, j], m.var_[1, j]) - logpdf(X[0, j], m.theta_[0, j], m.var_[0, j])
    np.testing.assert_allclose(a.values[0, j, 0], expect, rtol=1e-12)


def test_dataframe_and_pipeline():
    X, y = _data("gauss", 3)
    Xf = pd.DataFrame(X, columns=list("abcd"))
    a = explain_naive_bayes(GaussianNB().fit(Xf, y), Xf)
    assert a.feature_names == tuple("abcd") and a.output_names == ("0", "1", "2")
    pipe = make_pipeline(StandardScaler(), GaussianNB()).fit(Xf, y)
    ap = explain_naive_bayes(pipe, Xf.iloc[:4])
    np.testing.assert_allclose(ap.total, _target(pipe.predict_log_proba(Xf.iloc[:4])), rtol=1e-9, atol=1e-9)


def test_bad_input():
    X, y = _data("cats", 2)
    m = CategoricalNB().fit(X, y)
    bad = X.copy()
    bad[0, 1] = 7
    with pytest.raises(ValueError, match="not seen in training"):
        explain_naive_bayes(m, bad)
    from sklearn.linear_model import LogisticRegression
    with pytest.raises(TypeError, match="naive Bayes"):
        explain_naive_bayes(LogisticRegression().fit(X, y), X)
    g = GaussianNB().fit(X.astype(float), y)
    nan = X.astype(float)
    nan[1, 1] = np.nan
    with pytest.raises(ValueError, match="missing"):
        explain_naive_bayes(g, nan)
    with pytest.raises(ValueError, match="columns"):
        explain_naive_bayes(g, X[:, :2])


def test_caller_data_unmodified():
    X, y = _data("gauss", 2)
    Xc = X.copy()
    explain_naive_bayes(GaussianNB().fit(X, y), X)
    assert_unmodified(Xc, X)
