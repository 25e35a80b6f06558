"""The HTML report (unboxed.report) and the rich display of results (unboxed._repr).

Oracles: closed forms for a linear model (Shapley values ``w_j (x_j - E_bg x_j)``,
partial dependence ``b + w_j g + sum_k w_k mean(x_k)``), the model itself
(additivity of local explanations: base + contributions = predict_proba),
scikit-learn's metrics (performance), and the underlying unboxed methods called
directly with the same sample and seed. Figures store numbers rounded to 5
significant digits, so figure values are compared with ``rtol=1e-4``; numbers
taken from the results are compared with ``atol=1e-8`` (Shapley values) or
``rtol=1e-10`` (everything else).

The demo report is built once per test run (shared by the xdist workers through
a lock file) by the command line, and reused by test_browser.py and test_cli.py.
"""

from __future__ import annotations

import copy
import html as html_lib
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import assert_unmodified
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.compose import make_column_transformer
from sklearn.ensemble import (HistGradientBoostingClassifier, RandomForestClassifier, RandomForestRegressor)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, mean_absolute_error, r2_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import unboxed as ub
from unboxed import ModelError
from unboxed._repr import repr_html
from unboxed.report import Report
from unboxed.report import _figures as F
from unboxed.report import builder as B
from unboxed.report._format import fmt_number, fmt_value, plotly_text, round_sig, script_json

XSS = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
DATA_RE = re.compile(r'<script type="application/json" id="unboxed-data">(.*?)</script>', re.S)


# ------------------------------------------------------------ shared demo
def _shared_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def demo_html(tmp_path_factory) -> Path:
    """``unboxed report --demo`` written once for the whole run; other workers wait for it."""
    from unboxed.cli import main
    root = _shared_dir(tmp_path_factory)
    path = root / "unboxed-demo-report.html"
    lock, failed = root / "unboxed-demo-report.lock", root / "unboxed-demo-report.failed"
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        deadline = time.monotonic() + 900
        while not path.exists() and not failed.exists():
            if time.monotonic() > deadline:
                pytest.fail("timed out waiting for another worker to build the demo report")
            time.sleep(0.25)
        if failed.exists():
            pytest.fail("building the demo report failed in another worker")
        return path
    tmp = root / "unboxed-demo-report.tmp.html"
    try:
        rc = main(["report", "--demo", "--out", str(tmp), "--quiet"])
        assert rc == 0
        os.replace(tmp, path)
    except BaseException:
        failed.touch()
        raise
    return path


def fig_close(actual, expected, digits: int = 5):
    """Figures keep ``digits`` significant digits of their largest magnitude."""
    expected = np.asarray(expected, dtype=float)
    atol = 0.5 * 10.0 ** (np.floor(np.log10(np.max(np.abs(expected)))) - digits + 1) * (1 + 1e-9)
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=0, atol=atol)


def embedded_data(html: str) -> dict:
    m = DATA_RE.search(html)
    assert m is not None, "the report has no embedded data"
    return json.loads(m.group(1))


def test_demo_report_is_self_contained_small_and_complete(demo_html):
    html = demo_html.read_text(encoding="utf-8")
    size = demo_html.stat().st_size
    assert size < 10 * 2**20
    # plotly.js inlined exactly once, nothing loaded from elsewhere
    assert html.count("plotly.js v") == 1
    assert not re.search(r"<script[^>]+src=", html) and not re.search(r"<link[^>]+href=", html)
    assert not re.search(r"<(img|iframe|object|embed)\b", html)
    assert "connect-src 'none'" in html
    data = embedded_data(html)
    for key in ("importance", "beeswarm", "waterfall", "pdp-0", "ale-0", "dep-0"):
        assert key in data["figures"]
    assert [r["label"] for r in data["rows"]] == ["row 0", "row 17", "row 42"]
    for r in data["rows"]:
        assert 1 <= len(r["reasons"]) <= 3
        for s in r["reasons"]:
            assert re.fullmatch(r".+ = .+ (raised|lowered) the probability of 'bad' by \d\.\d{3}", s), s
    for section in ("overview", "importance", "effects", "shap", "local", "surrogate", "provenance"):
        assert f'<section id="{section}">' in html
    assert "German credit" in html and "held out" in html


def test_demo_local_explanations_add_up_to_the_model(demo_html):
    model, X, y, _ = B.demo_model(0)
    data = embedded_data(demo_html.read_text(encoding="utf-8"))
    proba = model.predict_proba(X)[:, list(model.classes_).index("bad")]
    for row, r in zip(data["rows"], (0, 17, 42)):
        wf = row["figure"]["data"][0]
        x = np.asarray(wf["x"], dtype=float)
        base, contrib, total = x[0], x[1:-1], x[-1]
        np.testing.assert_allclose(base + contrib.sum(), total, rtol=0, atol=1e-4)
        np.testing.assert_allclose(total, proba[r], rtol=0, atol=1e-4)
        assert row["headline"].startswith(f"row {r}: P(bad) = ")


# ------------------------------------------------------ linear-model oracles
@pytest.fixture(scope="module")
def linear():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(240, 4)) * [1.0, 2.0, 0.5, 3.0] + [0, 1, -1, 5],
                     columns=["a", "b", "c", "d"])
    w = np.array([2.0, -1.0, 4.0, 0.5])
    y = X.to_numpy() @ w + 3.0 + rng.normal(scale=0.1, size=240)
    model = LinearRegression().fit(X, y)
    rep = Report(model, X, y, rows=[3, 7, 200], sample=150, top=2, method="exact", background_size=40,
                 n_repeats=3, random_state=5, progress=False).build()
    return model, X, y, rep


def test_linear_local_values_have_the_closed_form(linear):
    from unboxed.shapley.background import Background
    model, X, y, rep = linear
    Zb, wb = Background(X, size=40, random_state=5).summarize(rep.ctx_.schema)
    mean_bg = wb @ Zb
    attr = rep.results_["local"]
    expected = model.coef_ * (X.to_numpy()[[3, 7, 200]] - mean_bg)
    np.testing.assert_allclose(attr.values[:, :, 0], expected, rtol=0, atol=1e-8)
    np.testing.assert_allclose(attr.total[:, 0], model.predict(X.iloc[[3, 7, 200]]), rtol=1e-10)
    row = rep.data_["rows"][1]
    assert row["label"] == "row 7"
    # the table lists every feature, largest |contribution| first
    order = np.argsort(-np.abs(expected[1]), kind="stable")
    assert [t[0] for t in row["table"]] == [X.columns[j] for j in order]
    wf = np.asarray(row["figure"]["data"][0]["x"], dtype=float)
    base = attr.base_values[1, 0]
    fig_close(wf, np.concatenate([[base], expected[1][order], [model.predict(X.iloc[[7]])[0]]]), digits=6)


def test_linear_partial_dependence_figure_has_the_closed_form(linear):
    model, X, y, rep = linear
    Xs = X.iloc[rep.ctx_.sample_idx]
    for i, name in enumerate(rep.top_):
        j = list(X.columns).index(name)
        fig = rep.data_["figures"][f"pdp-{i}"]
        avg = fig["data"][-1]
        g = np.asarray(avg["x"], dtype=float)
        others = model.intercept_ + sum(model.coef_[k] * Xs.iloc[:, k].mean() for k in range(4) if k != j)
        expected = others + model.coef_[j] * g
        fig_close(avg["y"], expected, digits=4)  # the grid itself is rounded too
        # every ICE curve is a straight line of slope w_j (the ICE lines are separated by None)
        ys = np.asarray(fig["data"][0]["y"], dtype=object)
        curves = [np.asarray(c[c != None], dtype=float) for c in np.split(ys, np.where(ys == None)[0])]  # noqa: E711
        curves = [c for c in curves if c.size]
        assert len(curves) == 50
        for c in curves:
            np.testing.assert_allclose(np.polyfit(g, c, 1)[0], model.coef_[j], rtol=2e-3)


def test_linear_numbers_match_the_methods_called_directly(linear):
    model, X, y, rep = linear
    idx = rep.ctx_.sample_idx
    assert idx.size == 150 and np.all(np.diff(idx) > 0)
    direct = ub.permutation_importance(model, X.iloc[idx], y[idx], scoring="r2", n_repeats=3, random_state=5,
                                       progress=False)
    np.testing.assert_allclose(rep.results_["permutation"].values, direct.values, rtol=1e-10, atol=1e-12)
    assert rep.top_ == direct.ranking()[:2]
    perf = dict(rep.overview_["performance"])
    pred = model.predict(X)
    np.testing.assert_allclose(perf["R²"], r2_score(y, pred), rtol=1e-12)
    np.testing.assert_allclose(perf["MAE"], mean_absolute_error(y, pred), rtol=1e-12)
    sur = ub.GlobalSurrogate(model, kind="rules", max_depth=3, random_state=5).fit(X.iloc[idx])
    np.testing.assert_allclose(rep.results_["surrogate"].fidelity, sur.fidelity_, rtol=1e-12)
    imp = rep.data_["figures"]["importance"]["data"]
    shap_bar = imp[1]
    attr = rep.results_["shap"]
    mabs = dict(zip(attr.feature_names, np.abs(attr.values[:, :, 0]).mean(axis=0)))
    fig_close(shap_bar["x"], [mabs[n] for n in shap_bar["y"]])
    assert "Permutation importance" in rep.to_html() and "exact_shap" in rep.to_html()


# ---------------------------------------------------------- model families
@pytest.fixture(scope="module")
def credit():
    X, y = ub.datasets.load_german_credit(return_X_y=True)
    return X.iloc[:300].reset_index(drop=True), y.iloc[:300].reset_index(drop=True)


def test_binary_classifier_performance_and_additivity(credit):
    X, y = credit
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=15,
                                           random_state=0).fit(X, y)
    rep = Report(model, X, y, rows=[5, 250], sample=120, top=2, n_repeats=2, progress=False).build()
    proba = model.predict_proba(X)
    perf = dict(rep.overview_["performance"])
    yi = (y == "good").to_numpy().astype(int)
    np.testing.assert_allclose(perf["accuracy"], accuracy_score(y, model.predict(X)), rtol=1e-12)
    np.testing.assert_allclose(perf["ROC AUC"], roc_auc_score(yi, proba[:, 1]), rtol=1e-12)
    np.testing.assert_allclose(perf["log loss"], log_loss(yi, proba), rtol=1e-10)
    local = rep.results_["local"]
    assert local.output_space == "proba" and local.provenance.method == "tree_shap"
    np.testing.assert_allclose(local.total, proba[[5, 250]], rtol=0, atol=1e-8)
    assert rep.data_["rows"][0]["headline"].startswith("row 5: P(good) = ")
    assert rep.results_["permutation"].scoring == "roc_auc"


def test_multiclass_rows_explain_their_predicted_class():
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True, as_frame=True)
    labels = pd.Series(np.array(["setosa", "versicolor", "virginica"])[y])
    model = RandomForestClassifier(n_estimators=15, max_depth=3, random_state=0).fit(X, labels)
    rep = Report(model, X, labels, rows=[0, 70, 140], top=2, n_repeats=2, progress=False).build()
    proba = model.predict_proba(X)
    for row, r in zip(rep.data_["rows"], (0, 70, 140)):
        k = int(np.argmax(proba[r]))
        assert f"P({model.classes_[k]})" in row["headline"]
        total = float(np.asarray(row["figure"]["data"][0]["x"], dtype=float)[-1])
        np.testing.assert_allclose(total, proba[r, k], rtol=1e-4)
    perf = dict(rep.overview_["performance"])
    np.testing.assert_allclose(perf["ROC AUC (one-vs-rest, macro)"],
                               roc_auc_score(y, proba, multi_class="ovr"), rtol=1e-12)
    assert rep.results_["permutation"].scoring == "neg_log_loss"


def test_pipeline_with_categories_outside_the_sample(credit):
    X, y = credit
    Xo = X.astype({c: object for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)})
    Xo.loc[299, "purpose"] = "spaceship"  # a category only in a row outside the sample
    cats = [c for c in Xo.columns if Xo[c].dtype == object][:3]
    nums = ["duration_in_month", "credit_amount", "age_in_years"]
    Xs = Xo[cats + nums]
    pipe = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), cats),
                                                 (StandardScaler(), nums)),
                         LogisticRegression(max_iter=500)).fit(Xs, y)
    rep = Report(pipe, Xs, y, rows=[299], sample=60, top=2, n_repeats=2, progress=False).build()
    assert 299 not in rep.ctx_.sample_idx
    local = rep.results_["local"]
    np.testing.assert_allclose(local.total[0], pipe.predict_proba(Xs.iloc[[299]])[0], rtol=0, atol=1e-8)
    assert "purpose = spaceship" in " ".join(t[0] + " = " + t[1] for t in rep.data_["rows"][0]["table"])
    assert "Pipeline(ColumnTransformer → LogisticRegression)" in rep.to_html()


def test_numpy_input_regression_without_target():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3))
    model = RandomForestRegressor(n_estimators=10, max_depth=3, random_state=0).fit(X, X[:, 0] - X[:, 2])
    rep = Report(model, X, rows=[1], top=2, progress=False).build()
    assert rep.results_["permutation"] is None and rep.overview_["performance"] == []
    shap = np.abs(rep.results_["shap"].values[:, :, 0]).mean(axis=0)
    assert rep.ranking_ == [f"x{j}" for j in np.argsort(-shap, kind="stable")]
    html = rep.to_html()
    assert "No target was given" in html and "Permutation importance</b>" not in html


def test_large_data_is_sampled_with_a_stated_size():
    rng = np.random.default_rng(2)
    n = 50_000
    X = pd.DataFrame({"u": rng.normal(size=n), "v": rng.uniform(size=n),
                      "w": rng.choice(["p", "q", "r"], size=n)})
    y = 2 * X["u"] + (X["w"] == "q") + rng.normal(scale=0.1, size=n)
    model = make_pipeline(make_column_transformer((OneHotEncoder(), ["w"]), remainder="passthrough"),
                          LinearRegression()).fit(X, y)
    rep = Report(model, X, y, sample=400, top=2, n_repeats=2, progress=False).build()
    assert rep.ctx_.sample_idx.size == 400 and rep.results_["pdp"][0].individual.shape[0] == 400
    assert rep.results_["permutation"].provenance.params["n_rows"] == 400
    html = rep.to_html()
    assert "random sample of 400 of the 50,000 rows" in html
    perf = dict(rep.overview_["performance"])
    np.testing.assert_allclose(perf["R²"], r2_score(y, model.predict(X)), rtol=1e-12)


# ------------------------------------------------------------------ escaping
def test_user_strings_are_escaped_everywhere():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({XSS: rng.normal(size=150), "a&b": rng.normal(size=150),
                      "kind": rng.choice([IMG, "plain"], size=150)})
    y = np.where(X[XSS] + (X["kind"] == IMG) > 0.5, "yes<b>", "no&")
    model = make_pipeline(make_column_transformer((OneHotEncoder(), ["kind"]), remainder="passthrough"),
                          LogisticRegression()).fit(X, y)
    rep = Report(model, X, y, rows=[0, 1], top=3, n_repeats=2, title="</title><script>alert(3)</script>",
                 source={"data file": "x<y>.csv"}, progress=False).build()
    html = rep.to_html()
    body = DATA_RE.sub("", html)
    for raw in (XSS, IMG, "<script>alert(3)", "x<y>.csv", "yes<b>"):
        assert raw not in body
    assert html_lib.escape(XSS, quote=False) in body and "x&lt;y&gt;.csv" in body
    block = DATA_RE.search(html).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(block)
    ticks = data["figures"]["importance"]["data"][0]["y"]
    assert plotly_text(XSS) in ticks and plotly_text("a&b") in ticks
    texts = " ".join(s for r in data["rows"] for s in r["reasons"])
    assert XSS in texts or IMG in texts  # reasons are plain text, set with textContent
    # the script block cannot be closed early, whatever the strings
    assert html.count("</script>") == 3


# ---------------------------------------------------------- determinism, backends
@pytest.fixture(scope="module")
def diabetes_model():
    from sklearn.datasets import load_diabetes
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = RandomForestRegressor(n_estimators=8, max_depth=3, random_state=0).fit(X, y)
    return model, X, y


def _small(model, X, y, **kw):
    return Report(model, X, y, rows=[0, 3], sample=120, top=2, n_repeats=2, random_state=4, progress=False,
                  **kw).build()


def test_same_seed_same_report_on_every_backend(diabetes_model, dask_client):
    model, X, y = diabetes_model
    ref = _small(model, X, y)
    again = _small(model, X, y)
    assert script_json(ref.data_) == script_json(again.data_)
    for backend in ("processes", dask_client):
        other = _small(model, X, y, backend=backend)
        assert script_json(other.data_) == script_json(ref.data_)
        assert other.results_["permutation"].provenance.backend in ("processes", "dask")
    different = Report(model, X, y, rows=[0, 3], sample=120, top=2, n_repeats=2, random_state=5,
                       progress=False).build()
    assert not np.array_equal(different.ctx_.sample_idx, ref.ctx_.sample_idx)


def test_callers_data_is_not_modified(credit):
    X, y = credit
    X = X.copy()
    X.loc[4, "credit_amount"] = np.nan
    before_X, before_y = X.copy(deep=True), y.copy(deep=True)
    model = HistGradientBoostingClassifier(max_iter=5, categorical_features="from_dtype").fit(X, y)
    _ = Report(model, X, y, rows=[4], sample=50, top=1, n_repeats=1, progress=False).build()
    assert_unmodified(before_X, X)
    pd.testing.assert_series_equal(before_y, y)


def test_save_and_to_html(tmp_path, diabetes_model):
    model, X, y = diabetes_model
    rep = Report(model, X.iloc[:80], y.iloc[:80], rows=[0], top=1, n_repeats=1, progress=False)
    assert "not built" in repr(rep)
    path = rep.save(tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    assert text == rep.to_html() and text.startswith("<!DOCTYPE html>")
    assert rep.timings_.keys() >= {"overview", "shap", "permutation", "effects", "surrogate", "render"}
    with pytest.raises(OSError, match="cannot write"):
        rep.save(tmp_path / "missing" / "r.html")
    with pytest.raises(TypeError, match="str or Path"):
        rep.save(3)
    # notebook display: the same page, escaped into a sandboxed iframe's srcdoc
    import html as _html
    shown = rep._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in shown
    assert _html.unescape(shown.split('srcdoc="', 1)[1].split('" sandbox=', 1)[0]) == text


# ------------------------------------------------------------------ bad input
@pytest.fixture(scope="module")
def small_clf():
    rng = np.random.default_rng(4)
    X = pd.DataFrame(rng.normal(size=(80, 3)), columns=["a", "b", "c"])
    y = np.where(X["a"] > 0, "up", "down")
    return LogisticRegression().fit(X, y), X, y


@pytest.mark.parametrize("kwargs, err, match", [
    ({"sample": 1}, ValueError, "sample must be an integer >= 2"),
    ({"top": 0}, ValueError, "top must be"),
    ({"n_repeats": 1.5}, TypeError, "n_repeats must be an integer"),
    ({"method": "magic"}, ValueError, "method must be one of"),
    ({"source": "file.csv"}, TypeError, "source must be a dict"),
    ({"notes": "a note"}, TypeError, "notes must be a list"),
])
def test_bad_options(small_clf, kwargs, err, match):
    model, X, y = small_clf
    with pytest.raises(err, match=match):
        Report(model, X, y, progress=False, **kwargs)


@pytest.mark.parametrize("rows, err, match", [
    ([80], ValueError, r"row 80 is out of range: X has 80 rows"),
    ([-1], ValueError, "out of range"),
    ([True], TypeError, "integer positions"),
    ("0,1", TypeError, "list of row positions"),
    ([], ValueError, "rows is empty"),
])
def test_bad_rows(small_clf, rows, err, match):
    model, X, y = small_clf
    with pytest.raises(err, match=match):
        Report(model, X, y, rows=rows, progress=False).build()


def test_bad_data(small_clf):
    model, X, y = small_clf
    with pytest.raises(ValueError, match="no rows"):
        Report(model, X.iloc[:0], y[:0], progress=False).build()
    with pytest.raises(ValueError, match="at least 2 rows"):
        Report(model, X.iloc[:1], y[:1], progress=False).build()
    with pytest.raises(ValueError, match="y has 79 rows, X has 80"):
        Report(model, X, y[:79], progress=False).build()
    with pytest.raises(ValueError, match="not classes of the model"):
        Report(model, X, np.where(y == "up", "yes", "no"), progress=False).build()
    with pytest.raises(ValueError, match="missing values"):
        Report(model, X, pd.Series(y).where(X["a"] > -1), progress=False).build()
    with pytest.raises(ValueError, match="the model was fitted on|other columns|missing"):
        Report(model, X[["a", "b"]], y, progress=False).build()
    with pytest.raises(ValueError, match="another order|wrong order"):
        Report(model, X[["b", "a", "c"]], y, progress=False).build()
    bad = X.copy()
    bad.loc[3, "b"] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        Report(model, bad, y, progress=False).build()
    nan = X.copy()
    nan.loc[3, "b"] = np.nan
    with pytest.raises(ModelError, match="missing values"):
        Report(model, nan, y, progress=False).build()
    text = X.astype(object)
    text.loc[2, "c"] = "seven"
    with pytest.raises(TypeError, match="column 'c' mixes numbers and other values"):
        Report(model, text, y, progress=False).build()
    with pytest.raises(ValueError, match="Series"):
        Report(model, X["a"], y, progress=False).build()
    with pytest.raises(ValueError, match="focus 'sideways' is not an output"):
        Report(model, X, y, focus="sideways", progress=False).build()


def test_bad_models(small_clf):
    _, X, y = small_clf

    class NoOutput:
        pass

    class Raises:
        classes_ = np.array(["down", "up"])

        def predict_proba(self, X):
            raise RuntimeError("boom")

    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.svm import LinearSVC

    class PredictOnly(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.array([0, 1])
            return self

        def predict(self, X):
            return (np.asarray(X)[:, 0] > 0).astype(int)

    with pytest.raises(TypeError, match="estimator with predict"):
        Report(NoOutput(), X, y, progress=False).build()
    with pytest.raises(TypeError, match="without predict_proba or decision_function"):
        Report(PredictOnly().fit(X, y), X, (X["a"] > 0).astype(int), progress=False).build()
    with pytest.raises(ModelError, match="boom"):
        Report(Raises(), X, y, progress=False).build()
    reg = LinearRegression().fit(X, X["a"])
    with pytest.raises(ValueError, match="non-numeric"):
        Report(reg, X, y, progress=False).build()
    svc = LinearSVC().fit(X, y)  # decision_function only: still a report, with ROC AUC from the scores
    rep = Report(svc, X, y, rows=[0], top=1, n_repeats=1, progress=False).build()
    assert "ROC AUC" in dict(rep.overview_["performance"])


def test_missing_extras_name_the_extra(monkeypatch, small_clf):
    model, X, y = small_clf
    B.plotly_js.cache_clear()
    try:
        with monkeypatch.context() as m:
            m.setitem(sys.modules, "plotly", None)
            with pytest.raises(ImportError, match=r"plotly: pip install 'unboxed\[report\]'"):
                Report(model, X, y, progress=False).build()
    finally:
        B.plotly_js.cache_clear()
    with monkeypatch.context() as m:
        m.setitem(sys.modules, "jinja2", None)
        with pytest.raises(ImportError, match=r"jinja2: pip install 'unboxed\[report\]'"):
            Report(model, X, y, progress=False).build()


# ------------------------------------------------------------------ helpers
@settings(max_examples=200, deadline=None)
@given(st.text())
def test_script_json_round_trips_and_cannot_close_the_script(s):
    text = script_json({"k": s, "l": [s]})
    assert json.loads(text) == {"k": s, "l": [s]}
    for ch in "<>&\u2028\u2029":
        assert ch not in text


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_plotly_text_is_literal_after_entity_decoding(s):
    t = plotly_text(s)
    assert "<" not in t and ">" not in t
    assert html_lib.unescape(t) == s
    # plotly decodes exactly these entities (the ampersand last): the text it draws is s itself
    assert t.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == s


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=0, max_size=300), st.floats(0.05, 0.5))
def test_swarm_offsets_stay_in_their_band(xs, width):
    x = np.asarray(xs, dtype=float)
    off = F.swarm_offsets(x, width=width)
    assert off.shape == x.shape
    assert np.all(np.abs(off) <= width + 1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=30))
def test_short_labels_stay_distinct(values):
    labels = F.short_labels(values)
    assert len(labels) == len(values)
    keys = [fmt_value(v) for v in values]
    for i in range(len(values)):
        for j in range(i):
            if keys[i] != keys[j]:
                assert labels[i] != labels[j]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**18, 10**18)))
def test_number_formatting_never_fails(v):
    assert isinstance(fmt_number(v), str) and isinstance(fmt_value(v), str)


def test_number_formatting_examples():
    assert fmt_value(12000) == "12,000" and fmt_value(12000.0) == "12,000" and fmt_value(1998) == "1998"
    assert fmt_number(0.08123) == "0.0812" and fmt_number(-1.5) == "−1.5" and fmt_value(None) == "missing"
    np.testing.assert_allclose(round_sig([123.456, 0.001234]), [123.46, 0.0], rtol=0, atol=0)


# ---------------------------------------------------------------- _repr_html_
def _attr(n=1):
    vals = np.arange(n * 3 * 2, dtype=float).reshape(n, 3, 2) - 5
    return ub.Attribution(values=vals, base_values=np.ones((n, 2)), feature_names=(XSS, "b", "c"),
                          output_names=("no", "ye&s"), data=np.array([[IMG, 2.0, None]] * n, dtype=object))


def test_repr_html_of_each_result_is_escaped_and_complete():
    single, many = _attr(1), _attr(4)
    html = single._repr_html_()
    assert XSS not in html and IMG not in html and "<script" not in html
    assert html_lib.escape(XSS) in html and html_lib.escape(IMG) in html and "missing" in html
    # one row: every feature with its contribution to the last output, largest first
    cells = re.findall(r'<td class="n[^"]*">([^<]+)</td>', html)
    assert cells == ["-4", "-2", "0"]
    assert "ye&amp;s" in html
    html4 = many._repr_html_()
    assert "4 rows" in html4 and "mean |·| ye&amp;s" in html4
    imp = ub.Importance(values=np.array([[0.1], [0.5]]), std=np.array([[0.01], [0.02]]),
                        feature_names=("a<b", "z"), output_names=("r2",), scoring="r2")
    h = imp._repr_html_()
    assert h.index(">z<") < h.index("a&lt;b") and "0.5 ± 0.02" in h
    eff = ub.Effect(features=("age",), kinds=("categorical",), grid=(np.array(["<young>", "old"], dtype=object),),
                    average=np.array([[0.2], [0.7]]), output_names=("p",))
    h = eff._repr_html_()
    assert "&lt;young&gt;" in h and "<young>" not in h and ">0.5<" in h
    effs = ub.Effects((eff,))
    assert "1 effects" in effs._repr_html_()
    inter = ub.Interaction(pairs=(("a", "b"), ("c",)), values=np.array([[0.1], [0.4]]), output_names=("y",))
    h = inter._repr_html_()
    assert h.index("c × rest") < h.index("a × b")


def test_repr_html_of_other_results_and_broken_ones():
    from unboxed.effects.surrogate import Surrogate
    s = Surrogate(kind="rules", rules="IF a<b THEN <x>\nELSE y", fidelity=0.9, metric="accuracy",
                  feature_names=("a",))
    h = s._repr_html_()
    assert "IF a&lt;b THEN &lt;x&gt;" in h and "<pre" in h
    broken = copy.copy(_attr(1))
    object.__setattr__(broken, "values", None)  # a display hook must not raise
    assert "summary unavailable" in repr_html(broken)


# ------------------------------------------------- robustness (models and data beyond the demo)
def test_xgboost_classifier_with_the_original_string_labels():
    # xgboost needs label-encoded targets; the data holds the original labels (LabelEncoder order)
    import warnings
    xgb = pytest.importorskip("xgboost")
    from sklearn.datasets import load_wine
    from sklearn.preprocessing import LabelEncoder
    X, y = load_wine(return_X_y=True, as_frame=True)
    labels = np.array(["barolo", "grignolino", "barbera"])[y]
    enc = LabelEncoder().fit(labels)
    model = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(X, enc.transform(labels))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # float32 probabilities: no sklearn warning
        rep = Report(model, X, labels, rows=[0], sample=60, top=1, n_repeats=1, progress=False).build()
    perf = dict(rep.overview_["performance"])
    P = model.predict_proba(X).astype(np.float64)
    assert perf["accuracy"] == pytest.approx(accuracy_score(enc.transform(labels), P.argmax(axis=1)), abs=1e-12)
    assert perf["log loss"] == pytest.approx(log_loss(enc.transform(labels), P / P.sum(axis=1, keepdims=True)),
                                             rel=1e-6)
    assert any("sorted values ['barbera', 'barolo', 'grignolino']" in n for n in rep.ctx_.notes)


def test_binary_classifier_without_proba_predicts_with_its_decision_threshold():
    from sklearn.datasets import load_breast_cancer
    from sklearn.svm import SVC
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :4]
    model = make_pipeline(StandardScaler(), SVC()).fit(X, y)
    d = model.decision_function(X)
    r = int(np.flatnonzero((d > 0) & (d < 0.5))[0])  # class 1, although its score is below 0.5
    rep = Report(model, X, y, rows=[r], sample=60, top=1, n_repeats=1, progress=False).build()
    assert model.predict(X.iloc[[r]])[0] == 1
    assert rep.data_["rows"][0]["headline"].split("predicted class: ")[1].startswith("1;")
    perf = dict(rep.overview_["performance"])
    assert perf["accuracy"] == pytest.approx(accuracy_score(y, model.predict(X)), abs=1e-12)
    assert perf["class shares"].startswith("0: ")  # the model's class names, not "not 1"


def test_constant_regression_target_skips_permutation_importance_with_a_note(diabetes_model):
    model, X, _ = diabetes_model
    rep = Report(model, X.iloc[:60], np.full(60, 3.0), rows=[0], sample=60, top=1, progress=False).build()
    assert rep.results_["permutation"] is None
    assert any("target is constant" in n for n in rep.ctx_.notes)
    assert "R²" not in dict(rep.overview_["performance"])


def test_linear_method_on_a_classifier_explains_its_decision_function():
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True, as_frame=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    model = LogisticRegression(max_iter=500).fit(X, names)
    rep = Report(model, X, names, method="linear", rows=[0, 120], sample=60, top=1, n_repeats=1,
                 progress=False).build()
    attr = rep.results_["local"]
    assert attr.output_space == "decision"
    np.testing.assert_allclose(attr.total, model.decision_function(X.iloc[[0, 120]]), atol=1e-8)
    assert any("Linear SHAP cannot explain probabilities" in n for n in rep.ctx_.notes)


def test_multiclass_importance_text_says_the_classes_are_summed():
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    page = Report(model, X, y, rows=[0], sample=60, top=1, n_repeats=1, progress=False).build().to_html()
    assert "contribution (mean |SHAP| summed over 3 classes) over" in html_lib.unescape(page)


def test_totals_drop_floating_point_noise():
    from unboxed.report._format import total_of
    assert total_of(0.432, [-0.2695, -0.1625]) == 0.0
    assert total_of(0.43, [0.1, 0.2]) == pytest.approx(0.73, abs=1e-15)
    assert total_of(1e-20, [0.0]) == 1e-20  # a genuinely tiny total stays
    model = RandomForestClassifier(n_estimators=3, max_depth=2, random_state=0)
    X = pd.DataFrame({"a": np.r_[np.zeros(20), np.ones(20)], "b": np.arange(40.0)})
    model.fit(X, (X["a"] > 0).astype(int))
    rep = Report(model, X, rows=[0], top=1, progress=False).build()
    assert rep.data_["rows"][0]["headline"].startswith("row 0: P(1) = 0 ")
