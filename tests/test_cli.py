"""The command line: ``unboxed report``, ``unboxed explain``, ``unboxed demo``.

Every user error exits with code 2 and one line ``unboxed: error: ...`` on
stderr (no traceback). Local explanations printed by ``explain`` are checked
against the model itself: base + contributions = predict_proba (Tree SHAP is
exact; tolerance 1e-8), and the JSON output loads back with ``unboxed.load``.
``unboxed report --demo`` runs in the shared demo fixture of tests/report.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import unboxed as ub
from unboxed.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A CSV of 160 German credit rows (text categories, target 'creditability') and models of it."""
    d = tmp_path_factory.mktemp("cli")
    X, y = ub.datasets.load_german_credit(return_X_y=True)
    X, y = X.iloc[:160].reset_index(drop=True), y.iloc[:160].reset_index(drop=True)
    frame = X.copy()
    frame["creditability"] = y
    frame.to_csv(d / "credit.csv", index=False)
    hgb = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=10, random_state=0).fit(X, y)
    joblib.dump(hgb, d / "hgb.joblib")
    cats = ["purpose", "housing"]
    nums = ["duration_in_month", "credit_amount", "age_in_years"]
    pipe = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), cats),
                                                 remainder=StandardScaler()),
                         LogisticRegression(max_iter=1000)).fit(X[cats + nums].astype({c: object for c in cats}), y)
    joblib.dump(pipe, d / "pipe.joblib")
    frame[cats + nums + ["creditability"]].to_csv(d / "small.csv", index=False)
    numeric = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[nums].to_numpy(), y)
    joblib.dump(numeric, d / "numeric.joblib")
    return {"dir": d, "X": X, "y": y, "hgb": hgb, "pipe": pipe, "numeric": numeric, "cats": cats, "nums": nums}


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_user_error(rc, err, *needles):
    assert rc == 2
    lines = [ln for ln in err.strip().splitlines() if not ln.startswith("unboxed: warning:")]
    assert len(lines) == 1, err
    assert lines[0].startswith("unboxed: error: ")
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], lines[0]


# ------------------------------------------------------------------- help
def test_help_and_usage(capsys):
    rc, out, _ = run(capsys, "--help")
    assert rc == 0 and "report" in out and "explain" in out and "unboxed report --demo" in out
    for cmd in ("report", "explain", "demo"):
        rc, out, _ = run(capsys, cmd, "--help")
        assert rc == 0 and "usage: unboxed " + cmd in out
    rc, out, _ = run(capsys, "report", "--help")
    assert "examples:" in out and "--trust" in out and "--sample" in out
    rc, _, err = run(capsys)
    assert rc == 2 and "usage:" in err
    rc, out, _ = run(capsys, "--version")
    assert rc == 0 and out.strip() == f"unboxed {ub.__version__}"
    rc, _, err = run(capsys, "explain", "m.joblib", "d.csv")  # --rows is required
    assert rc == 2 and "--rows" in err
    rc, _, err = run(capsys, "report", "--sample", "0", "--demo")
    assert rc == 2 and "expected a number >= 1" in err
    assert build_parser().prog == "unboxed"


# ---------------------------------------------------------------- report
def test_report_needs_trust_for_pickles_and_writes_the_file(capsys, files):
    d = files["dir"]
    rc, _, err = run(capsys, "report", d / "hgb.joblib", d / "credit.csv", "--target", "creditability")
    assert_user_error(rc, err, "loading it runs code", "--trust")
    out_file = d / "hgb.html"
    rc, out, err = run(capsys, "report", d / "hgb.joblib", d / "credit.csv", "--target", "creditability",
                       "--trust", "--out", out_file, "--rows", "3,150", "--sample", "80", "--top", "2", "--quiet")
    assert rc == 0, err
    assert "unboxed: warning: loading hgb.joblib runs code" in err
    assert out.startswith(f"wrote {out_file}")
    html = out_file.read_text(encoding="utf-8")
    assert "row 150" in html and "hgb.joblib" in html and "credit.csv" in html
    assert "random sample of 80 of the 160 rows" in html


def test_report_from_skops_with_and_without_untrusted_types(capsys, files):
    sio = pytest.importorskip("skops.io")
    d = files["dir"]
    sio.dump(files["pipe"], d / "pipe.skops")
    sio.dump(files["hgb"], d / "hgb.skops")
    rc, _, err = run(capsys, "report", d / "hgb.skops", d / "credit.csv", "--target", "creditability")
    assert_user_error(rc, err, "does not trust", "--trust")
    rc, out, err = run(capsys, "report", d / "pipe.skops", d / "small.csv", "--no-target",
                       "--out", d / "pipe.html", "--top", "1", "--quiet")
    assert rc == 0, err
    # without a target, the target column is just a column the model does not use
    assert err.strip() == ("unboxed: warning: ignoring 1 column(s) of small.csv the model does not use: "
                           "['creditability']")
    html = (d / "pipe.html").read_text(encoding="utf-8")
    assert "No target was given" in html and "pipe.skops" in html


@pytest.mark.parametrize("args, needles", [
    (["--target", "nope"], ["target column 'nope' is not in credit.csv"]),
    (["--target", "CREDITABILITY"], ["did you mean 'creditability'"]),
    ([], ["needs --target COLUMN"]),
    (["--target", "creditability", "--rows", "1,x"], ["--rows must be whole numbers", "'x'"]),
    (["--target", "creditability", "--rows", "-1"], ["non-negative"]),
    (["--target", "creditability", "--rows", "1,,2"], ["separated by commas"]),
    (["--target", "creditability", "--rows", "5,160"], ["out of range", "160 rows"]),
    (["--target", "creditability", "--demo"], ["--demo takes no MODEL or DATA"]),
])
def test_report_bad_options(capsys, files, args, needles):
    d = files["dir"]
    rc, _, err = run(capsys, "report", d / "hgb.joblib", d / "credit.csv", "--trust", "--quiet", *args)
    assert_user_error(rc, err, *needles)


def test_unreadable_files_and_disagreeing_data(capsys, files, tmp_path):
    d = files["dir"]
    (tmp_path / "garbage.joblib").write_bytes(b"\x00\x01 not a pickle")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("a,b,creditability\n")
    (tmp_path / "model.onnx").write_bytes(b"x")
    (tmp_path / "bad.json").write_text('{"not": "xgboost"}')
    (tmp_path / "bad.txt").write_text("hello")
    X = files["X"].drop(columns=["purpose"])
    X.assign(creditability=files["y"]).to_csv(tmp_path / "lacks.csv", index=False)
    files["X"][files["nums"]].assign(extra=1.0, creditability=files["y"]).to_csv(tmp_path / "four.csv",
                                                                                  index=False)
    bad = files["X"].astype({"credit_amount": object})
    bad.loc[4, "credit_amount"] = "lots"
    bad.assign(creditability=files["y"]).to_csv(tmp_path / "text.csv", index=False)
    cases = [
        ([d / "missing.joblib", d / "credit.csv"], ["does not exist"]),
        ([d / "hgb.joblib", tmp_path / "missing.csv"], ["cannot read the data file", "does not exist"]),
        ([tmp_path / "garbage.joblib", d / "credit.csv"], ["cannot load the model file garbage.joblib"]),
        ([tmp_path / "model.onnx", d / "credit.csv"], ["unknown model file type '.onnx'"]),
        ([tmp_path / "bad.json", d / "credit.csv"], ["cannot read bad.json as an xgboost model"]),
        ([tmp_path / "bad.txt", d / "credit.csv"], ["cannot read bad.txt as a lightgbm model"]),
        ([d / "hgb.joblib", tmp_path / "empty.csv"], ["empty.csv is empty"]),
        ([d / "hgb.joblib", tmp_path / "header.csv"], ["header but no rows"]),
        ([d / "hgb.joblib", tmp_path], ["is a folder"]),
        ([d / "hgb.joblib", tmp_path / "model.onnx"], ["unknown data file type"]),
        ([d / "hgb.joblib", tmp_path / "lacks.csv"], ["the model needs columns that lacks.csv lacks: ['purpose']"]),
        ([d / "numeric.joblib", tmp_path / "four.csv"], ["has 4 feature columns", "the model expects 3"]),
        ([d / "hgb.joblib", tmp_path / "text.csv"], ["disagree"]),
    ]
    for files_, needles in cases:
        rc, _, err = run(capsys, "explain", *files_, "--rows", "0", "--target", "creditability", "--trust",
                         "--quiet")
        assert_user_error(rc, err, *needles)
    rc, _, err = run(capsys, "report", d / "hgb.joblib", d / "credit.csv", "--target", "creditability",
                     "--trust", "--out", tmp_path / "no" / "such" / "folder" / "r.html")
    assert_user_error(rc, err, "does not exist")


def test_targets_that_are_not_the_models_classes(capsys, files, tmp_path):
    d = files["dir"]
    frame = pd.read_csv(d / "credit.csv")
    frame["creditability"] = frame["creditability"].map({"good": "yes", "bad": "no"})
    frame.to_csv(tmp_path / "relabelled.csv", index=False)
    rc, _, err = run(capsys, "report", d / "hgb.joblib", tmp_path / "relabelled.csv", "--target", "creditability",
                     "--trust", "--quiet", "--out", tmp_path / "r.html")
    assert_user_error(rc, err, "not classes of the model", "disagree")


# ---------------------------------------------------------------- explain
def test_explain_formats_add_up_to_the_model(capsys, files):
    d, hgb, X = files["dir"], files["hgb"], files["X"]
    rows = [0, 7, 159]
    proba = hgb.predict_proba(X.iloc[rows])
    rc, out, err = run(capsys, "explain", d / "hgb.joblib", d / "credit.csv", "--rows", "0,7,159", "--target",
                       "creditability", "--trust", "--format", "json", "--quiet")
    assert rc == 0, err
    attr = ub.load(out)
    assert isinstance(attr, ub.Attribution) and attr.values.shape == (3, 20, 2)
    np.testing.assert_allclose(attr.total, proba, rtol=0, atol=1e-8)
    assert attr.output_names == ("bad", "good") and attr.provenance.method == "tree_shap"

    rc, out, err = run(capsys, "explain", d / "hgb.joblib", d / "credit.csv", "--rows", "0,7,159", "--target",
                       "creditability", "--trust", "--format", "csv", "--quiet")
    assert rc == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert sorted(frame["row"].unique()) == rows and len(frame) == 3 * 20 * 2
    sums = frame.groupby(["row", "output"])["value"].sum() + frame.groupby(["row", "output"])["base_value"].first()
    np.testing.assert_allclose(sums.loc[(159, "good")], proba[2, 1], rtol=0, atol=1e-8)

    rc, out, err = run(capsys, "explain", d / "hgb.joblib", d / "credit.csv", "--rows", "7", "--target",
                       "creditability", "--trust", "--top", "3", "--quiet")
    assert rc == 0, err
    assert f"row 7, good: {ub.report._format.fmt_number(proba[1, 1], 4)} = base" in out
    assert "(17 more features:" in out and out.count("\n  ") >= 4


def test_explain_other_methods_and_extra_columns(capsys, files, tmp_path):
    d, pipe, X = files["dir"], files["pipe"], files["X"]
    frame = pd.read_csv(d / "small.csv").assign(id=np.arange(160))
    frame.to_csv(tmp_path / "with_id.csv", index=False)
    cols = files["cats"] + files["nums"]
    rc, out, err = run(capsys, "explain", d / "pipe.joblib", tmp_path / "with_id.csv", "--rows", "2", "--target",
                       "creditability", "--trust", "--method", "exact", "--format", "json", "--quiet")
    assert rc == 0, err
    assert "ignoring 1 column(s) of with_id.csv the model does not use: ['id']" in err
    attr = ub.load(out)
    np.testing.assert_allclose(attr.total[0], pipe.predict_proba(X[cols].iloc[[2]].astype(
        {c: object for c in files["cats"]}))[0], rtol=0, atol=1e-10)
    rc, out, err = run(capsys, "explain", d / "pipe.joblib", d / "small.csv", "--rows", "2", "--target",
                       "creditability", "--trust", "--method", "lime", "--format", "csv", "--quiet")
    assert rc == 0, err
    assert set(pd.read_csv(io.StringIO(out))["feature"]) == set(cols)
    rc, _, err = run(capsys, "explain", d / "pipe.joblib", d / "small.csv", "--rows", "2", "--target",
                     "creditability", "--trust", "--method", "tree", "--quiet")
    assert_user_error(rc, err, "method 'tree' needs a tree model")


def test_native_boosters(capsys, files, tmp_path):
    X, y = files["X"], files["y"]
    d = files["dir"]
    lgb = pytest.importorskip("lightgbm")
    model = lgb.LGBMClassifier(n_estimators=10, num_leaves=7, min_child_samples=5, verbose=-1).fit(X, y)
    model.booster_.save_model(str(tmp_path / "m.txt"))
    rc, out, err = run(capsys, "explain", tmp_path / "m.txt", d / "credit.csv", "--rows", "4", "--target",
                       "creditability", "--format", "json", "--quiet")
    assert rc == 0, err
    attr = ub.load(out)
    np.testing.assert_allclose(attr.total[0], model.predict_proba(X.iloc[[4]])[0], rtol=0, atol=1e-8)
    rc, out, err = run(capsys, "report", tmp_path / "m.txt", d / "credit.csv", "--target", "creditability",
                       "--out", tmp_path / "lgb.html", "--top", "1", "--quiet")
    assert rc == 0, err
    assert "sorted values [&#39;bad&#39;, &#39;good&#39;] are taken as its classes" in \
        (tmp_path / "lgb.html").read_text(encoding="utf-8")
    xgb = pytest.importorskip("xgboost")
    xm = xgb.XGBClassifier(n_estimators=10, max_depth=3, enable_categorical=True).fit(X, (y == "bad").astype(int))
    xm.save_model(str(tmp_path / "m.json"))
    frame = X.assign(bad=(y == "bad").astype(int))
    frame.to_csv(tmp_path / "bad01.csv", index=False)
    rc, out, err = run(capsys, "explain", tmp_path / "m.json", tmp_path / "bad01.csv", "--rows", "0,9", "--target",
                       "bad", "--format", "json", "--quiet")
    assert rc == 0, err
    attr = ub.load(out)
    np.testing.assert_allclose(attr.total, xm.predict_proba(X.iloc[[0, 9]]), rtol=0, atol=1e-6)


def test_parquet(capsys, files, tmp_path):
    d = files["dir"]
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        (tmp_path / "x.parquet").write_bytes(b"PAR1")
        rc, _, err = run(capsys, "explain", d / "hgb.joblib", tmp_path / "x.parquet", "--rows", "0", "--trust")
        assert_user_error(rc, err, "needs pyarrow", "pip install pyarrow")
        return
    pd.read_csv(d / "credit.csv").to_parquet(tmp_path / "x.parquet")
    rc, out, err = run(capsys, "explain", d / "hgb.joblib", tmp_path / "x.parquet", "--rows", "0", "--trust",
                       "--target", "creditability", "--format", "json", "--quiet")
    assert rc == 0, err
    np.testing.assert_allclose(ub.load(out).total, files["hgb"].predict_proba(files["X"].iloc[[0]]), atol=1e-8)


# ------------------------------------------------------------------- demo
def test_demo_alias_writes_plots(capsys, tmp_path):
    rc, out, err = run(capsys, "demo", "--out", tmp_path / "demo", "--top", "1", "--repeats", "1", "--quick",
                       "--no-report", "--quiet")
    assert rc == 0, err
    assert "held-out accuracy" in out and "Permutation importance" in out
    pngs = sorted(p.name for p in (tmp_path / "demo").glob("*.png"))
    assert pngs[0] == "ale_1_status_of_existing_checking_account.png" and "importance.png" in pngs


# ------------------------------------------------------------- subprocess
def test_subprocess_exit_code_and_one_line(files):
    d = files["dir"]
    proc = subprocess.run([sys.executable, "-m", "unboxed.cli", "report", str(d / "hgb.joblib"),
                           str(d / "credit.csv"), "--target", "nope", "--trust"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.strip().splitlines() if not ln.startswith("unboxed: warning:")]
    assert lines == [lines[0]] and lines[0].startswith("unboxed: error: the target column 'nope'")
    assert "Traceback" not in proc.stderr and proc.stdout == ""


# ----------------------------------------------------------- robustness
def test_target_that_is_a_feature_and_an_output_folder(capsys, files, tmp_path):
    d = files["dir"]
    rc, _, err = run(capsys, "explain", d / "hgb.joblib", d / "credit.csv", "--rows", "0", "--target", "purpose",
                     "--trust", "--quiet")
    assert_user_error(rc, err, "the target column 'purpose' is one of the model's features")
    rc, _, err = run(capsys, "report", d / "hgb.joblib", d / "credit.csv", "--target", "creditability", "--trust",
                     "--quiet", "--out", tmp_path)
    assert_user_error(rc, err, "it is a folder")
    rc, _, err = run(capsys, "report", d / "hgb.joblib", d / "credit.csv", "--target", "creditability", "--trust",
                     "--quiet", "--sample", "1")
    assert_user_error(rc, err, "--sample must be at least 2")


def test_explain_a_row_named_twice_once(capsys, files):
    d = files["dir"]
    rc, out, err = run(capsys, "explain", d / "hgb.joblib", d / "credit.csv", "--rows", "3, 3,0", "--target",
                       "creditability", "--trust", "--quiet", "--format", "json")
    assert rc == 0, err
    attr = ub.load(out)
    np.testing.assert_allclose(attr.total, files["hgb"].predict_proba(files["X"].iloc[[3, 0]]), atol=1e-8)


@pytest.mark.parametrize("suffix", [".json", ".ubj"])
def test_xgboost_file_with_string_labels_in_the_data(capsys, files, tmp_path, suffix):
    xgb = pytest.importorskip("xgboost")
    from sklearn.preprocessing import LabelEncoder
    X, y = files["X"][files["nums"]], files["y"]
    enc = LabelEncoder().fit(y)
    model = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(X, enc.transform(y))
    model.save_model(str(tmp_path / f"m{suffix}"))
    X.assign(creditability=y).to_csv(tmp_path / "labels.csv", index=False)
    rc, _, err = run(capsys, "report", tmp_path / f"m{suffix}", tmp_path / "labels.csv", "--target",
                     "creditability", "--out", tmp_path / "x.html", "--top", "1", "--quiet", "--sample", "40")
    assert rc == 0, err
    page = (tmp_path / "x.html").read_text(encoding="utf-8")
    acc = (model.predict(X) == enc.transform(y)).mean()
    from unboxed.report._format import fmt_number
    assert f"<tr><th>accuracy</th><td>{fmt_number(acc, 4)}</td></tr>" in page
    assert "are taken as its classes [0, 1]" in page
