"""LimeTabular against the ``lime`` package, closed forms and scikit-learn.

Oracles and tolerances
----------------------
* Same samples (lime's own, fed through our pipeline): weights, intercepts,
  scores and local predictions equal lime's to ``atol=1e-8`` for every
  selection method, with and without discretization, for binary, multi-class,
  regression and a categorical Pipeline.
* Training statistics (bin edges, bin moments, frequencies) equal lime's
  discretizers' to ``rtol=1e-12``.
* Statistically: with our own sampling at 20000 samples, the mean weights over
  5 seeds agree with lime's mean over 5 seeds within 5 pooled Monte-Carlo
  standard errors (estimated from the seeds).
* Closed forms: for a linear model with normal sampling and no
  discretization the weight of feature j is ``coef_j * std_j`` (exact with
  ``alpha=0``: ``rtol=1e-8``); with quartile sampling and discretization it is
  ``coef_j * (E[x_j | row's bin] - E[x_j | other bins])`` from truncated
  normal means (within 4 Monte-Carlo standard deviations at 400000 samples).
* ``local_score`` equals ``sklearn.metrics.r2_score`` with the kernel weights on
  the same samples, and the weights equal ``sklearn.linear_model.Ridge``'s
  (``rtol=1e-8``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import r2_score

import unboxed.lime.tabular as tab
from unboxed import Attribution, ModelError
from unboxed.lime import LimeTabular
from unboxed.lime._sampling import row_levels, sample_rows


def _import_lime():
    """Import the ``lime`` package.

    Under pytest's default import mode this folder (``tests/lime``, a package)
    is imported as ``lime`` and shadows the real package; load the real one
    with the tests folder off the path, then put the test package back. lime
    imports nothing at run time, so its modules keep working.
    """
    import importlib
    import sys
    from pathlib import Path
    try:
        mod = importlib.import_module("lime.lime_tabular")
        return mod, importlib.import_module("lime.discretize")
    except ImportError:
        pass
    tests_dir = Path(__file__).resolve().parents[1]
    saved = {k: v for k, v in sys.modules.items() if k == "lime" or k.startswith("lime.")}
    saved_path = list(sys.path)
    try:
        for k in saved:
            del sys.modules[k]
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != tests_dir]
        return importlib.import_module("lime.lime_tabular"), importlib.import_module("lime.discretize")
    except ImportError:
        pytest.skip("the lime package is not installed", allow_module_level=True)
    finally:
        for k in [k for k in sys.modules if k == "lime" or k.startswith("lime.")]:
            del sys.modules[k]
        sys.modules.update(saved)
        sys.path[:] = saved_path


lime_tabular, lime_discretize = _import_lime()
LimeTabularExplainer = lime_tabular.LimeTabularExplainer


# ------------------------------------------------------------------ data
@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :8]
    model = RandomForestClassifier(20, max_depth=4, random_state=0).fit(X, y)
    return X, y, model


@pytest.fixture(scope="module")
def linear_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5)) * [1.0, 2.0, 0.5, 1.0, 3.0] + [0.0, 1.0, 2.0, 3.0, 4.0]
    y = X @ [1.0, -2.0, 0.5, 3.0, 0.2] + np.sin(3 * X[:, 0]) + 0.1 * rng.normal(size=400)
    return X, y


@pytest.fixture(scope="module")
def german_pipe(german):
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    X, y = german
    X = X.iloc[:300]
    y = y.iloc[:300]
    cats = list(X.select_dtypes("category").columns)
    pipe = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), cats),
                                                 remainder=StandardScaler()),
                         LogisticRegression(max_iter=2000)).fit(X, y)
    return X, y, pipe


def lime_sampler(explainer, rows_data):
    """A stand-in for our sampler that returns lime's own samples for the same rows."""
    def fake(design, Z, levels, rows, num_samples, seed, **kw):
        samples, reps = [], []
        for r in rows:
            data, inverse = explainer._LimeTabularExplainer__data_inverse(rows_data[r], num_samples)
            samples.append(inverse)
            reps.append((data - explainer.scaler.mean_) / explainer.scaler.scale_)
        rep = np.stack(reps)
        return np.stack(samples), rep, ((rep - rep[:, :1]) ** 2).sum(axis=2)
    return fake


def lime_weights(exp, label, p):
    w = np.zeros(p)
    for j, v in exp.local_exp[label]:
        w[j] = v
    return w


def compare_with_lime(monkeypatch, model, predict_fn, X_lime, rows_lime, X_ours, rows_ours, *, labels, mode,
                      lime_kwargs, ours_kwargs, num_features, num_samples=800):
    p = X_lime.shape[1]
    ex = LimeTabularExplainer(X_lime, mode=mode, random_state=7, **lime_kwargs)
    with monkeypatch.context() as mp:
        mp.setattr(tab, "sample_rows", lime_sampler(ex, rows_lime))
        ours = LimeTabular(model, X_ours, num_samples=num_samples, num_features=num_features, random_state=0,
                           progress=False, **ours_kwargs)
        attr = ours.explain(rows_ours)
    ex = LimeTabularExplainer(X_lime, mode=mode, random_state=7, **lime_kwargs)
    for i in range(rows_lime.shape[0]):
        e = ex.explain_instance(rows_lime[i], predict_fn, labels=labels, num_features=num_features,
                                num_samples=num_samples)
        for o, lab in enumerate(labels if mode == "classification" else (1,)):
            np.testing.assert_allclose(attr.values[i, :, o], lime_weights(e, lab, p), rtol=0, atol=1e-8)
            np.testing.assert_allclose(attr.base_values[i, o], e.intercept[lab], rtol=0, atol=1e-8)
        # lime keeps the score and local prediction of the last label it explained
        np.testing.assert_allclose(attr.local_score[i, -1], e.score, rtol=0, atol=1e-8)
        np.testing.assert_allclose(ours.local_pred_[i, -1], e.local_pred[0], rtol=0, atol=1e-8)
    return attr, ours


# ------------------------------------------------- oracle: lime, same samples
@pytest.mark.parametrize("selection,num_features", [("auto", 3), ("auto", 7), ("forward_selection", 4),
                                                    ("lasso_path", 3), ("highest_weights", 5), ("none", 8)])
@pytest.mark.parametrize("discretize", [True, False])
def test_same_samples_as_lime_binary(monkeypatch, cancer, selection, num_features, discretize):
    X, _, model = cancer
    rows = X[[5, 60]]
    attr, ours = compare_with_lime(
        monkeypatch, model, model.predict_proba, X, rows, X, rows, labels=(0, 1), mode="classification",
        lime_kwargs={"discretize_continuous": discretize, "feature_selection": selection},
        ours_kwargs={"discretize": discretize, "sampling": "quartile" if discretize else "normal",
                     "feature_selection": selection}, num_features=num_features)
    k = min(num_features, X.shape[1])
    assert ((attr.values != 0).sum(axis=1) <= k).all()
    if discretize:  # the row is all ones in the interpretable space
        np.testing.assert_allclose(ours.local_pred_, attr.total, rtol=0, atol=1e-12)


@pytest.mark.parametrize("sampling", ["decile", "entropy"])
def test_same_samples_as_lime_other_discretizers(monkeypatch, cancer, sampling):
    X, y, model = cancer
    rows = X[[1, 2]]
    compare_with_lime(monkeypatch, model, model.predict_proba, X, rows, X, rows, labels=(0, 1),
                      mode="classification",
                      lime_kwargs={"discretizer": sampling, "training_labels": y},
                      ours_kwargs={"sampling": sampling, "training_labels": y}, num_features=4)


def test_same_samples_as_lime_multiclass(monkeypatch):
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    rows = X[[0, 75, 140]]
    attr, _ = compare_with_lime(monkeypatch, model, model.predict_proba, X, rows, X, rows, labels=(0, 1, 2),
                                mode="classification", lime_kwargs={}, ours_kwargs={}, num_features=2)
    assert attr.output_names == ("0", "1", "2")


def test_same_samples_as_lime_regression(monkeypatch):
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:200, :6], y[:200]
    model = GradientBoostingRegressor(n_estimators=20, random_state=0).fit(X, y)
    rows = X[[3, 4]]
    attr, _ = compare_with_lime(monkeypatch, model, model.predict, X, rows, X, rows, labels=(1,),
                                mode="regression", lime_kwargs={"discretize_continuous": False},
                                ours_kwargs={"mode": "regression", "sampling": "normal", "discretize": False},
                                num_features=3)
    assert attr.shape == (2, 6, 1)


def test_same_samples_as_lime_categorical_pipeline(monkeypatch, german_pipe):
    X, _, pipe = german_pipe
    probe = LimeTabular(pipe, X, num_samples=10, progress=False)
    f = probe.model_function_
    Ztr = f.schema.encode(X)
    cat_idx = list(np.nonzero(f.schema.categorical_mask)[0])
    rows = X.iloc[[0, 7]]
    Zrows = f.schema.encode(rows)
    attr, _ = compare_with_lime(monkeypatch, pipe, f, Ztr, Zrows, X, rows, labels=(0, 1), mode="classification",
                                lime_kwargs={"categorical_features": cat_idx}, ours_kwargs={}, num_features=6)
    assert attr.output_names == ("bad", "good")
    assert attr.data[0, 0] == X.iloc[0, 0]


# ----------------------------------------------- oracle: training statistics
@pytest.mark.parametrize("name", ["quartile", "decile", "entropy"])
def test_design_equals_lime_discretizer(cancer, name):
    X, y, model = cancer
    cls = {"quartile": lime_discretize.QuartileDiscretizer, "decile": lime_discretize.DecileDiscretizer,
           "entropy": lime_discretize.EntropyDiscretizer}[name]
    ref = cls(X, [], [str(j) for j in range(X.shape[1])], labels=y, random_state=0)
    d = LimeTabular(model, X, sampling=name, training_labels=y, progress=False).design_
    for j in range(X.shape[1]):
        nb = len(ref.means[j])
        np.testing.assert_allclose(d.bin_mean[j], ref.means[j], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(d.bin_std[j], ref.stds[j], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(d.bin_lo[j], ref.mins[j], rtol=1e-12)
        np.testing.assert_allclose(d.bin_hi[j], ref.maxs[j], rtol=1e-12)
        counts = np.bincount(ref.discretize(X)[:, j].astype(int), minlength=nb)
        np.testing.assert_allclose(d.level_cum[j], np.cumsum(counts) / X.shape[0], rtol=1e-12)


def test_normal_design_equals_lime_scaler(german):
    X, _ = german
    lt = LimeTabular(lambda A: np.zeros(len(A)), X, sampling="normal", discretize=False, progress=False)
    Z = lt.schema_.encode(X)
    cat = list(np.nonzero(lt.schema_.categorical_mask)[0])
    ex = LimeTabularExplainer(Z, categorical_features=cat, discretize_continuous=False)
    np.testing.assert_allclose(lt.design_.mean, ex.scaler.mean_, rtol=1e-12)
    np.testing.assert_allclose(lt.design_.scale, ex.scaler.scale_, rtol=1e-12)
    for j in cat:
        freq = np.diff(np.concatenate([[0.0], lt.design_.level_cum[j]]))
        np.testing.assert_allclose(freq, ex.feature_frequencies[j], rtol=1e-12)
        np.testing.assert_array_equal(lt.design_.level_values[j], ex.feature_values[j])


# ------------------------------------------------- oracle: lime, statistically
@pytest.mark.parametrize("kind", ["linear", "gbm"])
def test_weights_agree_with_lime_within_monte_carlo_error(linear_data, kind):
    X, y = linear_data
    if kind == "linear":
        model = LinearRegression().fit(X, y)
    else:
        model = GradientBoostingRegressor(n_estimators=30, max_depth=3, random_state=0).fit(X, y)
    S, R, row = 20000, 5, X[[0]]
    theirs, ours = [], []
    for seed in range(R):
        ex = LimeTabularExplainer(X, mode="regression", feature_selection="none", random_state=seed)
        theirs.append(lime_weights(ex.explain_instance(row[0], model.predict, num_features=5, num_samples=S),
                                   1, 5))
        lt = LimeTabular(model, X, mode="regression", feature_selection="none", num_samples=S,
                         random_state=100 + seed, progress=False)
        ours.append(lt.explain(row).values[0, :, 0])
    theirs, ours = np.array(theirs), np.array(ours)
    # Monte-Carlo standard error of the difference of the two means, pooled over features
    se = np.sqrt(np.mean(theirs.var(axis=0, ddof=1) + ours.var(axis=0, ddof=1)) / R)
    np.testing.assert_allclose(ours.mean(axis=0), theirs.mean(axis=0), rtol=0, atol=5 * se)
    # and the agreement is not vacuous: the weights are far larger than the error
    assert np.abs(theirs.mean(axis=0)).max() > 20 * se


# --------------------------------------------------------- oracle: closed forms
def test_normal_sampling_linear_model_closed_form(linear_data):
    X, y = linear_data
    model = LinearRegression().fit(X, y)
    std = X.std(axis=0)
    lt = LimeTabular(model, X, sampling="normal", discretize=False, feature_selection="none", alpha=0.0,
                     num_samples=300, random_state=0, progress=False)
    attr = lt.explain(X[:4])
    np.testing.assert_allclose(attr.values[:, :, 0], np.broadcast_to(model.coef_ * std, (4, 5)), rtol=1e-8)
    # the local model reproduces the model at the row, and fits perfectly
    np.testing.assert_allclose(lt.local_pred_[:, 0], model.predict(X[:4]), rtol=1e-8)
    np.testing.assert_allclose(attr.local_score, 1.0, rtol=1e-10)
    # lime's ridge (alpha=1) only shrinks a little
    shrunk = LimeTabular(model, X, sampling="normal", discretize=False, feature_selection="none",
                         num_samples=5000, random_state=0, progress=False).explain(X[:2])
    np.testing.assert_allclose(shrunk.values[:, :, 0], np.broadcast_to(model.coef_ * std, (2, 5)), rtol=5e-3)


def test_normal_sampling_logistic_log_odds_closed_form(cancer):
    X, y, _ = cancer
    Xs = (X - X.mean(0)) / X.std(0)
    model = LogisticRegression(max_iter=2000).fit(Xs, y)
    lt = LimeTabular(model, Xs, sampling="normal", discretize=False, feature_selection="none", alpha=0.0,
                     output="log_odds", num_samples=200, random_state=1, progress=False)
    attr = lt.explain(Xs[:3])
    np.testing.assert_allclose(attr.values[:, :, 0], np.broadcast_to(model.coef_[0] * Xs.std(0), (3, 8)),
                               rtol=1e-8)


def test_quartile_sampling_linear_model_closed_form(linear_data):
    from scipy.stats import truncnorm
    X, y = linear_data
    model = LinearRegression().fit(X, y)
    S = 400_000
    lt = LimeTabular(model, X, mode="regression", feature_selection="none", alpha=1e-9, num_samples=S,
                     random_state=3, progress=False)
    attr = lt.explain(X[[0]])
    d = lt.design_
    expected = []
    for j in range(5):
        mu, sd, lo, hi = d.bin_mean[j], d.bin_std[j], d.bin_lo[j], d.bin_hi[j]
        means = truncnorm.mean((lo - mu) / sd, (hi - mu) / sd, loc=mu, scale=sd)
        freq = np.diff(np.concatenate([[0.0], d.level_cum[j]]))
        b = np.searchsorted(d.edges[j], X[0, j])
        other = np.arange(means.size) != b
        expected.append(model.coef_[j] * (means[b] - freq[other] @ means[other] / freq[other].sum()))
    # Monte-Carlo sd of these weights is about 0.1 at 20000 samples (seen over seeds), so
    # about 0.1 * sqrt(20000 / 400000) = 0.022 here: tolerance 4 sd
    np.testing.assert_allclose(attr.values[0, :, 0], expected, rtol=0, atol=0.09)


def test_local_score_and_weights_equal_sklearn(cancer):
    X, _, model = cancer
    S = 600
    lt = LimeTabular(model, X, num_samples=S, num_features=3, feature_selection="forward", random_state=11,
                     progress=False)
    rows = X[[4, 9]]
    attr = lt.explain(rows)
    Z = lt.schema_.encode(rows)
    samples, rep, dist2 = sample_rows(lt.design_, Z, row_levels(lt.design_, Z, lt.schema_.names),
                                      np.arange(2), S, attr.provenance.random_state)
    for i in range(2):
        w = np.sqrt(np.exp(-dist2[i] / lt.kernel_width_ ** 2))
        y = model.predict_proba(samples[i])
        for o in range(2):
            used = np.nonzero(attr.values[i, :, o])[0]
            assert used.size == 3
            ridge = Ridge(alpha=1.0).fit(rep[i][:, used], y[:, o], sample_weight=w)
            np.testing.assert_allclose(attr.values[i, used, o], ridge.coef_, rtol=1e-8, atol=1e-12)
            np.testing.assert_allclose(attr.base_values[i, o], ridge.intercept_, rtol=1e-8)
            score = r2_score(y[:, o], ridge.predict(rep[i][:, used]), sample_weight=w)
            np.testing.assert_allclose(attr.local_score[i, o], score, rtol=1e-10)
        np.testing.assert_allclose(lt.model_pred_[i], y[0], rtol=1e-12)


# ------------------------------------------------------------ the sampling
def test_samples_follow_the_training_frequencies(german):
    X, _ = german
    lt = LimeTabular(lambda A: np.zeros(len(A)), X, num_samples=10, progress=False)
    d, schema = lt.design_, lt.schema_
    Z = schema.encode(X.iloc[[3]])
    S = 40_000
    samples, rep, dist2 = sample_rows(d, Z, row_levels(d, Z, schema.names), np.array([3]), S, 5)
    np.testing.assert_array_equal(samples[0, 0], Z[0])
    np.testing.assert_array_equal(rep[0, 0], 1.0)
    np.testing.assert_allclose(dist2[0], (1.0 - rep[0]).sum(axis=1))
    Ztr = schema.encode(X)
    for j in range(Z.shape[1]):
        col = samples[0, 1:, j]
        if d.kind[j] == 0:
            vals = d.level_values[j]
            freq = np.diff(np.concatenate([[0.0], d.level_cum[j]]))
            got = np.array([(col == v).mean() for v in vals])
            se = np.sqrt(freq * (1 - freq) / (S - 1)) + 1e-12
            assert np.all(np.abs(got - freq) <= 5 * se)
            np.testing.assert_array_equal(rep[0, 1:, j], col == Z[0, j])
        else:
            edges = d.edges[j]
            bins = np.searchsorted(edges, col)
            freq = np.diff(np.concatenate([[0.0], d.level_cum[j]]))
            got = np.bincount(bins, minlength=freq.size) / (S - 1)
            assert np.all(np.abs(got - freq) <= 5 * np.sqrt(freq * (1 - freq) / (S - 1)) + 1e-12)
            assert col.min() >= Ztr[:, j].min() and col.max() <= Ztr[:, j].max()
            np.testing.assert_array_equal(rep[0, 1:, j], bins == np.searchsorted(edges, Z[0, j]))


def test_truncated_normal_within_bins(linear_data):
    from scipy.stats import truncnorm
    X, _ = linear_data
    lt = LimeTabular(lambda A: A[:, 0], X, num_samples=10, progress=False)
    d = lt.design_
    S = 100_000
    samples, _, _ = sample_rows(d, X[:1], row_levels(d, X[:1], lt.schema_.names), np.array([0]), S, 1)
    j = 1
    bins = np.searchsorted(d.edges[j], samples[0, 1:, j])
    for b in range(d.bin_mean[j].size):
        mu, sd, lo, hi = d.bin_mean[j][b], d.bin_std[j][b], d.bin_lo[j][b], d.bin_hi[j][b]
        x = samples[0, 1:, j][bins == b]
        dist = truncnorm((lo - mu) / sd, (hi - mu) / sd, loc=mu, scale=sd)
        np.testing.assert_allclose(x.mean(), dist.mean(), atol=5 * dist.std() / np.sqrt(x.size))
        np.testing.assert_allclose(x.std(), dist.std(), rtol=0.05)


# ------------------------------------------------------------ properties
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shift=st.floats(-50, 50), scale=st.floats(0.1, 20), selection=st.sampled_from(["auto", "lasso", "none"]))
def test_affine_change_of_the_output(linear_data, shift, scale, selection):
    X, y = linear_data
    model = GradientBoostingRegressor(n_estimators=5, max_depth=2, random_state=0).fit(X, y)
    kw = dict(mode="regression", num_samples=300, num_features=3, feature_selection=selection, random_state=4,
              progress=False, alpha=0.0)
    base = LimeTabular(model.predict, X, **kw).explain(X[:3])
    moved = LimeTabular(lambda A: shift + scale * model.predict(A), X, **kw).explain(X[:3])
    np.testing.assert_allclose(moved.values, scale * base.values, rtol=1e-7, atol=1e-9 * scale)
    np.testing.assert_allclose(moved.base_values, shift + scale * base.base_values, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(moved.local_score, base.local_score, rtol=1e-7, atol=1e-9)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=st.floats(-3, 3), b=st.floats(-3, 3), discretize=st.booleans())
def test_linear_in_the_model_with_fixed_features(linear_data, a, b, discretize):
    X, y = linear_data
    f1 = GradientBoostingRegressor(n_estimators=5, max_depth=2, random_state=0).fit(X, y).predict
    f2 = LinearRegression().fit(X, np.sin(X[:, 1])).predict
    kw = dict(feature_selection="none", num_samples=300, random_state=2, progress=False, discretize=discretize,
              sampling="quartile" if discretize else "normal")
    e1 = LimeTabular(f1, X, **kw).explain(X[:2])
    e2 = LimeTabular(f2, X, **kw).explain(X[:2])
    e12 = LimeTabular(lambda A: a * f1(A) + b * f2(A), X, **kw).explain(X[:2])
    np.testing.assert_allclose(e12.values, a * e1.values + b * e2.values, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(e12.base_values, a * e1.base_values + b * e2.base_values, rtol=1e-7, atol=1e-7)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(k=st.integers(1, 8), selection=st.sampled_from(["forward", "lasso", "highest_weights", "auto"]),
       seed=st.integers(0, 2**31))
def test_score_bounds_and_sparsity(cancer, k, selection, seed):
    X, _, model = cancer
    attr = LimeTabular(model, X, num_samples=200, num_features=k, feature_selection=selection,
                       random_state=seed, progress=False).explain(X[:2])
    assert np.all((attr.local_score >= -1e-12) & (attr.local_score <= 1 + 1e-12))
    assert ((attr.values != 0).sum(axis=1) <= k).all()


# ------------------------------------------------------- general use
def test_numpy_pandas_and_polars_agree(cancer):
    X, y, _ = cancer
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    model = RandomForestClassifier(10, max_depth=3, random_state=0).fit(frame, y)
    kw = dict(num_samples=300, random_state=9, progress=False)
    a = LimeTabular(model, frame, **kw).explain(frame.iloc[:3])
    cols = list(frame.columns)
    b = LimeTabular(lambda A: model.predict_proba(pd.DataFrame(A, columns=cols)), X, **kw).explain(X[:3])
    np.testing.assert_allclose(a.values, b.values, rtol=1e-12, atol=1e-14)
    assert a.feature_names == tuple(frame.columns)
    pl = pytest.importorskip("polars")
    c = LimeTabular(lambda P: model.predict_proba(pd.DataFrame(P.to_numpy(), columns=cols)),
                    pl.DataFrame(X, schema=cols), **kw).explain(pl.DataFrame(X[:3], schema=cols))
    np.testing.assert_allclose(a.values, c.values, rtol=1e-12, atol=1e-14)


def test_pipeline_with_categories_end_to_end(german_pipe):
    X, _, pipe = german_pipe
    lt = LimeTabular(pipe, X, num_samples=500, num_features=5, random_state=0, progress=False)
    attr = lt(X.iloc[:4])
    assert isinstance(attr, Attribution)
    assert attr.shape == (4, 20, 2) and attr.output_space == "proba"
    assert ((attr.values != 0).sum(axis=1) == 5).all()
    # probabilities sum to one, so the two outputs' local models mirror each other
    np.testing.assert_allclose(attr.values[..., 0], -attr.values[..., 1], atol=1e-10)
    words = lt.interpretable_features(X.iloc[:1])
    assert words[0, 0].startswith("status_of_existing_checking_account = ")
    assert "duration_in_month" in words[0, 1] and ("<" in words[0, 1] or ">" in words[0, 1])
    prov = attr.provenance
    assert prov.method == "lime_tabular" and prov.n_evals == 4 * 500
    for key in ("sampling", "kernel_width", "feature_selection", "num_features", "selection_used"):
        assert key in prov.params
    assert prov.params["selection_used"] == "forward"
    np.testing.assert_allclose(prov.params["kernel_width"], 0.75 * np.sqrt(20))
    assert attr.to_frame().shape[0] == 4 * 20 * 2
    back = Attribution.from_json(attr.to_json())
    np.testing.assert_array_equal(back.values, attr.values)
    assert back.provenance.params == prov.params


def test_single_row_regression_and_seeds(linear_data):
    X, y = linear_data
    model = LinearRegression().fit(X, y)
    lt = LimeTabular(model, X, num_samples=400, random_state=5, progress=False)
    a = lt.explain(X[:1])
    assert a.shape == (1, 5, 1) and a.output_names == ("prediction",)
    np.testing.assert_array_equal(a.values, lt.explain(X[:1]).values)
    other = LimeTabular(model, X, num_samples=400, random_state=6, progress=False).explain(X[:1])
    assert not np.allclose(a.values, other.values)


def test_backends_agree(linear_data, dask_client):
    X, y = linear_data
    model = LinearRegression().fit(X, y)
    kw = dict(num_samples=40_000, num_features=3, random_state=21, progress=False)
    local = LimeTabular(model, X, **kw).explain(X[:5])  # 3 rows per chunk: two chunks
    procs = LimeTabular(model, X, backend="processes", **kw).explain(X[:5])
    dask = LimeTabular(model, X, backend=dask_client, **kw).explain(X[:5])
    np.testing.assert_array_equal(local.values, procs.values)
    np.testing.assert_array_equal(local.values, dask.values)
    np.testing.assert_array_equal(local.local_score, dask.local_score)
    assert dask.provenance.backend == "dask" and dask.provenance.n_evals == 5 * 40_000


def test_callers_data_is_not_modified(german_pipe):
    X, _, pipe = german_pipe
    Xc, rows = X.copy(), X.iloc[:3].copy()
    LimeTabular(pipe, X, num_samples=200, random_state=0, progress=False).explain(rows)
    pd.testing.assert_frame_equal(X, Xc)
    pd.testing.assert_frame_equal(rows, Xc.iloc[:3])


def test_custom_kernel_and_width(linear_data):
    X, y = linear_data
    model = GradientBoostingRegressor(n_estimators=5, random_state=0).fit(X, y)
    kw = dict(num_samples=500, feature_selection="none", random_state=1, progress=False)
    flat = LimeTabular(model, X, kernel=lambda d, w: np.ones_like(d), **kw).explain(X[:2])
    wide = LimeTabular(model, X, kernel_width=1e8, **kw).explain(X[:2])
    np.testing.assert_allclose(flat.values, wide.values, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="non-negative"):
        LimeTabular(model, X, kernel=lambda d, w: -np.ones_like(d), **kw).explain(X[:1])


def test_missing_values_as_their_own_level():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    X[rng.random(300) < 0.2, 1] = np.nan

    def takes_nan(A):  # a model that accepts missing values, like gradient boosting
        return np.where(np.isnan(A[:, 1]), 2.0, A[:, 1]) + A[:, 0]

    lt = LimeTabular(takes_nan, X, num_samples=4000, random_state=0, progress=False, feature_selection="none")
    nan_row = np.nonzero(np.isnan(X[:, 1]))[0][:1]
    attr = lt.explain(X[nan_row])
    assert np.isfinite(attr.values).all() and attr.values[0, 1, 0] > 0.5  # "x1 is missing" raises the output
    assert lt.interpretable_features(X[nan_row])[0, 1] == "x1 is missing"
    Z = lt.schema_.encode(X[nan_row])
    samples, rep, _ = sample_rows(lt.design_, Z, row_levels(lt.design_, Z, lt.schema_.names), nan_row, 4000, 0)
    np.testing.assert_array_equal(rep[0, :, 1], np.isnan(samples[0, :, 1]))
    assert abs(np.isnan(samples[0, 1:, 1]).mean() - np.isnan(X[:, 1]).mean()) < 0.03
    # a model that cannot take NaN gets a clear error
    lr = LogisticRegression().fit(np.nan_to_num(X), (X[:, 0] > 0).astype(int))
    with pytest.raises(ModelError, match="missing values"):
        LimeTabular(lr.predict_proba, X, num_samples=200, progress=False).explain(X[:1])


# ------------------------------------------------------------ bad input
def test_constant_feature_warns_and_gets_weight_zero(linear_data):
    X, y = linear_data
    X = X.copy()
    X[:, 2] = 1.5
    model = LinearRegression().fit(X, y)
    with pytest.warns(UserWarning, match=r"constant features \['x2'\]"):
        lt = LimeTabular(model, X, num_samples=300, feature_selection="none", random_state=0, progress=False)
    attr = lt.explain(X[:2])
    np.testing.assert_allclose(attr.values[:, 2, 0], 0.0, atol=1e-12)


def test_unseen_and_missing_values_in_rows(german_pipe, linear_data):
    X, _, pipe = german_pipe
    lt = LimeTabular(pipe, X, num_samples=100, progress=False)
    bad = X.iloc[:1].copy()
    bad["purpose"] = bad["purpose"].cat.add_categories(["spaceship"])
    bad.loc[bad.index[0], "purpose"] = "spaceship"
    with pytest.raises(ValueError, match="purpose"):
        lt.explain(bad)
    # a known category that training_data never shows
    lt_small = LimeTabular(pipe, X[X["purpose"] != "car (new)"], num_samples=100, progress=False)
    row = X[X["purpose"] == "car (new)"].iloc[:1]
    with pytest.raises(ValueError, match="never seen in training_data"):
        lt_small.explain(row)
    Xn, y = linear_data
    lin = LimeTabular(LinearRegression().fit(Xn, y), Xn, num_samples=100, progress=False)
    row = Xn[:1].copy()
    row[0, 3] = np.nan
    with pytest.raises(ValueError, match=r"missing values in column 'x3'"):
        lin.explain(row)


def test_models_that_fail_or_return_non_finite(linear_data):
    X, _ = linear_data

    def boom(A):
        raise RuntimeError("broken model")

    with pytest.raises(ModelError, match="broken model"):
        LimeTabular(boom, X, progress=False)

    def sometimes_inf(A):
        out = A[:, 0].copy()
        out[A[:, 0] > 1.5] = np.inf
        return out

    safe = X[X[:, 0] < 1.5]  # the probe row must pass; the samples reach x0 > 1.5
    lt = LimeTabular(sometimes_inf, np.vstack([safe, X]), num_samples=500, random_state=0, progress=False)
    with pytest.raises(ModelError, match="non-finite"):
        lt.explain(X[:1])


def test_wrong_data(german_pipe, linear_data):
    X, _, pipe = german_pipe
    lt = LimeTabular(pipe, X, num_samples=50, progress=False)
    with pytest.raises(ValueError, match="missing"):
        lt.explain(X.iloc[:2, :-1])
    with pytest.raises(ValueError, match="wrong order"):
        lt.explain(X.iloc[:2, ::-1])
    with pytest.raises(ValueError, match="no rows"):
        lt.explain(X.iloc[:0])
    Xn, y = linear_data
    lin = LimeTabular(LinearRegression().fit(Xn, y), Xn, num_samples=50, progress=False)
    with pytest.raises(ValueError, match="4 columns, the model expects 5"):
        lin.explain(Xn[:2, :4])
    strings = Xn[:2].astype(object)
    strings[0, 1] = "abc"
    with pytest.raises(TypeError, match="non-numeric"):
        lin.explain(strings)
    with pytest.raises(ValueError, match="infinite"):
        lin.explain(np.where(np.arange(5) == 2, np.inf, Xn[:1]))
    with pytest.raises(ValueError, match="at least 2"):
        LimeTabular(LinearRegression().fit(Xn, y), Xn[:1], progress=False)


def test_bad_options(linear_data, cancer):
    X, y = linear_data
    model = LinearRegression().fit(X, y)
    cases = [({"sampling": "uniform"}, ValueError, "sampling must be one of"),
             ({"feature_selection": "best"}, ValueError, "feature_selection must be one of"),
             ({"num_samples": 1}, ValueError, "num_samples"),
             ({"num_features": 0}, ValueError, "num_features"),
             ({"num_samples": 2.5}, TypeError, "num_samples"),
             ({"kernel_width": -1.0}, ValueError, "kernel_width"),
             ({"alpha": -1.0}, ValueError, "alpha"),
             ({"mode": "ranking"}, ValueError, "mode must be"),
             ({"discretize": "yes"}, TypeError, "discretize"),
             ({"kernel": 3}, TypeError, "kernel"),
             ({"sampling": "entropy"}, ValueError, "training_labels"),
             ({"mode": "classification"}, ValueError, "predict_proba"),
             ({"backend": "gpu"}, ValueError, "backend")]
    for kwargs, err, msg in cases:
        with pytest.raises(err, match=msg):
            LimeTabular(model, X, progress=False, **kwargs)
    Xc, _, clf = cancer
    with pytest.raises(ValueError, match="mode='regression'"):
        LimeTabular(clf, Xc, mode="regression", output="proba", progress=False)
    Xm = X.copy()
    Xm[-10:, 0] = np.nan
    with pytest.raises(ValueError, match="discretize=False"):
        LimeTabular(model, Xm, sampling="quartile", discretize=False, progress=False)


@pytest.mark.parametrize("sampling,discretize,selection", [("quartile", True, "none"), ("normal", False, "forward")])
def test_stderr_matches_spread_over_seeds(linear_data, sampling, discretize, selection):
    # oracle: the standard deviation of the weights over independent seeds (40 seeds; the
    # ratio of the two is within about +-25% at this count)
    X, y = linear_data
    model = GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0).fit(X, y)
    V, SE = [], []
    for seed in range(40):
        a = LimeTabular(model, X, mode="regression", sampling=sampling, discretize=discretize,
                        feature_selection=selection, num_features=3, num_samples=800, random_state=seed,
                        progress=False).explain(X[[3]])
        V.append(a.values[0, :, 0])
        SE.append(a.stderr[0, :, 0])
        assert a.stderr.shape == a.values.shape
        assert np.all(a.stderr[a.values == 0] == 0) and np.all(a.stderr[a.values != 0] > 0)
    V, SE = np.array(V), np.array(SE)
    always = (V != 0).all(axis=0)           # features selected for every seed
    assert always.sum() >= 2
    ratio = SE[:, always].mean(axis=0) / V[:, always].std(axis=0, ddof=1)
    assert np.all((ratio > 0.6) & (ratio < 1.5)), ratio
