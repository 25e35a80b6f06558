"""Exact Shapley values at 12 features: unboxed.ExactShap vs shap.ExactExplainer.

Same model (a 12-feature MLP), same background (Independent masker with every
background row), same rows; best-of-k wall time and the largest difference.

Run: ``python benchmarks/bench_exact.py [--quick]``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_time, print_table, save  # noqa: E402

warnings.filterwarnings("ignore")
logging.getLogger("shap").setLevel(logging.ERROR)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    import shap
    from sklearn.neural_network import MLPRegressor

    from unboxed.shapley.exact import ExactShap

    rng = np.random.default_rng(0)
    p = 12
    X = rng.normal(size=(1000, p))
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 2]) + X[:, 3] * X[:, 4] * X[:, 5] + X[:, 6:].sum(axis=1)
    model = MLPRegressor(hidden_layer_sizes=(32,), max_iter=200, random_state=0).fit(X, y)
    n_bg = 20 if args.quick else 50
    n_rows = 2 if args.quick else 5
    bg, rows = X[:n_bg], X[500:500 + n_rows]
    repeat = 1 if args.quick else 2
    masker = shap.maskers.Independent(bg, max_samples=n_bg)
    shap.ExactExplainer(model.predict, masker)(rows[:1], silent=True)  # compile shap's kernels first
    out = {}
    t_ours = best_time(lambda: out.__setitem__("ours", ExactShap(model, bg, progress=False).explain(rows)),
                       repeat=repeat, warmup=0)
    t_shap = best_time(lambda: out.__setitem__("shap", shap.ExactExplainer(model.predict, masker)(rows, silent=True)),
                       repeat=repeat, warmup=0)
    diff = float(np.abs(out["ours"].values[:, :, 0] - out["shap"].values).max())
    row = {"features": p, "background": n_bg, "rows": n_rows, "model_rows_per_row": (2**p - 2) * n_bg + 1,
           "time_unboxed_s": t_ours, "time_shap_s": t_shap, "shap/unboxed": t_shap / t_ours, "max_abs_diff": diff}
    print_table([row], list(row), title="Exact Shapley values, 12 features")
    print(f"\nsaved {save('exact', [row], quick=args.quick)}")


if __name__ == "__main__":
    main()
