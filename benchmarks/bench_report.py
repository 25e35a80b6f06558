"""The HTML report: build time per section, file size, and the same work done with today's libraries.

1. The demo report (German credit, 1000 rows, 20 features, a HistGradientBoostingClassifier
   with native categorical splits): unboxed's ``demo_report`` end to end, and per section
   side by side with what a user would run today on the same model and data:

   =====================  ===============================================================
   section                reference
   =====================  ===============================================================
   permutation            ``sklearn.inspection.permutation_importance`` (roc_auc, 5 repeats)
   SHAP (1000 rows)       ``shap.TreeExplainer`` (interventional, probability, 100 background
                          rows; categories given as codes, since shap reads no pandas categories)
   PDP + ICE              ``sklearn.inspection.partial_dependence(kind="both")``, top 5, 30 points
   ALE                    ``PyALE.ale`` for the top numeric features (PyALE has no categorical ALE
                          with bands; those are left out of both columns)
   surrogate              a ``DecisionTreeClassifier(max_depth=3)`` fitted to the predictions
   =====================  ===============================================================

   The report also renders and writes ~6 MB of HTML (plotly.js inlined): the ``render`` row.
2. A 50,000-row synthetic data set (20 features, 5 categorical): the report samples 1000 rows
   for the global methods (stated in the report) instead of stalling.

Wall time is best of k; CPU seconds of this process (``time.process_time``, all threads) are
printed too, since the machine may be shared. ``--quick`` runs k=1 and explains 300 rows with
shap (~30 s).

    python benchmarks/bench_report.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_time, print_table, save  # noqa: E402


def timed(fn, k: int):
    """(best wall seconds, CPU seconds of that run, last result)."""
    best, cpu, out = float("inf"), 0.0, None
    for _ in range(k):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        w = time.perf_counter() - t
        if w < best:
            best, cpu = w, time.process_time() - c
    return best, cpu, out


def reference_sections(model, X, y, top, shap_rows: int, k: int) -> dict:
    """Seconds of each section done with the reference libraries."""
    from sklearn.inspection import partial_dependence, permutation_importance
    from sklearn.tree import DecisionTreeClassifier
    out = {}
    out["permutation"] = best_time(lambda: permutation_importance(model, X, y, scoring="roc_auc", n_repeats=5,
                                                                  random_state=0), repeat=k, warmup=0)
    try:
        import shap
        Xc = X.copy()
        for c in Xc.columns:
            if isinstance(Xc[c].dtype, pd.CategoricalDtype):
                Xc[c] = Xc[c].cat.codes
        bg = Xc.sample(100, random_state=0)

        def run_shap():
            e = shap.TreeExplainer(model, bg, model_output="probability", feature_perturbation="interventional")
            return e.shap_values(Xc.iloc[:shap_rows], check_additivity=False)
        out["shap"] = best_time(run_shap, repeat=k, warmup=0) * (len(X) / shap_rows)
        out["shap_note"] = "shap.TreeExplainer" + ("" if shap_rows == len(X) else f" ({shap_rows} rows, scaled)")
    except Exception as e:  # shap missing or unable to read the model
        out["shap"], out["shap_note"] = None, f"shap: {type(e).__name__}"
    cat_mask = [isinstance(X[c].dtype, pd.CategoricalDtype) for c in X.columns]
    idx = [list(X.columns).index(f) for f in top]
    Xf = X.astype({c: np.float64 for c in X.columns if X[c].dtype.kind in "iu"})  # sklearn refuses int columns
    out["effects"] = best_time(lambda: [partial_dependence(model, Xf, [i], kind="both", grid_resolution=30,
                                                           categorical_features=cat_mask) for i in idx],
                               repeat=k, warmup=0)
    numeric = [f for f in top if not isinstance(X[f].dtype, pd.CategoricalDtype)]
    try:
        from PyALE import ale
        import matplotlib
        matplotlib.use("Agg")

        def run_ale():
            for f in numeric:
                ale(X=X, model=_Proba(model), feature=[f], grid_size=20, include_CI=True, C=0.95, plot=False)
        out["ale"] = best_time(run_ale, repeat=k, warmup=0)
        out["ale_note"] = f"PyALE ({len(numeric)} numeric features)"
    except Exception as e:
        out["ale"], out["ale_note"] = None, f"PyALE: {type(e).__name__}"
    out["effects_note"] = "sklearn partial_dependence"
    out["ale_numeric"] = numeric

    def run_surrogate():
        pred = model.predict(X)
        Xc = pd.get_dummies(X)
        return DecisionTreeClassifier(max_depth=3, random_state=0).fit(Xc, pred).score(Xc, pred)
    out["surrogate"] = best_time(run_surrogate, repeat=k, warmup=0)
    return out


class _Proba:
    """PyALE calls ``model.predict``: give it P(good)."""

    def __init__(self, model):
        self.model = model

    def predict(self, X):
        return self.model.predict_proba(X)[:, 1]


def synthetic(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    num = rng.normal(size=(n, 15))
    X = pd.DataFrame(num, columns=[f"x{i}" for i in range(15)])
    for j in range(5):
        X[f"c{j}"] = pd.Categorical(rng.choice(list("abcdefgh"[: 3 + j]), size=n))
    logit = num[:, 0] - 0.8 * num[:, 1] + 0.5 * num[:, 2] * num[:, 3] + (X["c0"] == "a") - 0.5 * (X["c1"] == "b")
    y = np.where(rng.uniform(size=n) < 1 / (1 + np.exp(-logit.to_numpy())), "yes", "no")
    return X, y


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="k=1 and 300 rows for shap (~30 s)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    os.environ.setdefault("MPLBACKEND", "Agg")
    import logging
    logging.getLogger("PyALE").setLevel(logging.WARNING)
    from sklearn.ensemble import HistGradientBoostingClassifier

    from unboxed.report.builder import Report, demo_model, demo_report

    k = 1 if args.quick else 2
    tmp = Path(tempfile.mkdtemp())
    model, X, y, _ = demo_model(0)
    # warm-up (numba compiles the Tree SHAP kernels on first use; imports)
    Report(model, X.iloc[:60], y.iloc[:60], rows=[0], top=1, n_repeats=1, progress=False).build()

    wall, cpu, rep = timed(lambda: demo_report(tmp / "demo.html", progress=False), k)
    size = (tmp / "demo.html").stat().st_size
    ref = reference_sections(model, X, y, rep.top_, 300 if args.quick else len(X), k)

    t = rep.timings_
    rows = [
        {"section": "overview (model on all rows, metrics)", "reference": "", "reference_s": None,
         "unboxed_s": t["overview"]},
        {"section": "permutation importance (20 features x 5)", "reference": "sklearn permutation_importance",
         "reference_s": ref["permutation"], "unboxed_s": t["permutation"]},
        {"section": "SHAP, 1000 rows + 3 local (proba, 100 bg)", "reference": ref["shap_note"],
         "reference_s": ref["shap"], "unboxed_s": t["shap"]},
        {"section": "PDP + ICE and ALE, top 5", "reference": f"{ref['effects_note']} + {ref['ale_note']}",
         "reference_s": None if ref["ale"] is None else ref["effects"] + ref["ale"], "unboxed_s": t["effects"]},
        {"section": "global surrogate (rules)", "reference": "DecisionTreeClassifier on predictions",
         "reference_s": ref["surrogate"], "unboxed_s": t["surrogate"]},
        {"section": "figures + HTML", "reference": "", "reference_s": None, "unboxed_s": t["render"]},
    ]
    for r in rows:
        r["ratio"] = None if r["reference_s"] is None else r["reference_s"] / max(r["unboxed_s"], 1e-9)
    total_ref = sum(r["reference_s"] or 0 for r in rows)
    total_ours = sum(t[s] for s in ("permutation", "shap", "effects", "surrogate"))
    rows.append({"section": "computations above, together", "reference": "", "reference_s": total_ref,
                 "unboxed_s": total_ours, "ratio": total_ref / total_ours})
    rows.append({"section": "demo report end to end (train, build, write)", "reference": "",
                 "reference_s": None, "unboxed_s": wall, "ratio": None})
    print_table(rows, ["section", "reference", "reference_s", "unboxed_s", "ratio"],
                title=f"Demo report: German credit, 1000 rows, 20 features (best of {k}; "
                      f"{cpu:.1f} CPU s for {wall:.1f} s wall)")
    print(f"\nfile size: {size / 2**20:.2f} MiB (limit 10 MiB); figures: {len(rep.data_['figures'])}; "
          f"ALE reference covers {ref['ale_numeric']}")

    # 50,000 rows: sampled, not stalled
    n_big = 50_000
    Xb, yb = synthetic(n_big)
    mb = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=100,
                                        random_state=0).fit(Xb, yb)
    wall_b, cpu_b, rb = timed(lambda: Report(mb, Xb, yb, progress=False).build(), k)
    rb.save(tmp / "big.html")
    size_b = (tmp / "big.html").stat().st_size
    big_rows = [{"data": f"{n_big:,} rows x 20 features", "sample": int(rb.ctx_.sample_idx.size),
                 "wall_s": wall_b, "cpu_s": cpu_b, "size_mib": size_b / 2**20,
                 **{f"{s}_s": rb.timings_[s] for s in ("overview", "shap", "permutation", "effects", "surrogate",
                                                         "render")}}]
    print_table(big_rows, list(big_rows[0]), title="A 50,000-row data set: global methods on a stated sample")
    print(f"\nstated in the report: {rb._sample_text(rb.ctx_)!r}")

    path = save("report" if not args.quick else "report_quick", rows + big_rows, demo_size_bytes=size,
                demo_wall_s=wall, demo_cpu_s=cpu, big_wall_s=wall_b, big_size_bytes=size_b, k=k)
    print(f"\nsaved {path}")


if __name__ == "__main__":
    main()
