"""KernelSHAP: unboxed vs shap.KernelExplainer(l1_reg=False) at the same number of coalitions.

A 12-feature black box (an MLP fitted to synthetic data with interactions of
order 2 and 3), a 100-row background and 20 rows to explain. The truth is the
exact interventional Shapley values by enumeration (unboxed.ExactShap, itself
checked against shap.ExactExplainer in the tests). For each budget (coalitions
per row, besides the empty and full one; shap's ``nsamples`` counts the same)
we report the mean relative squared error ||phi_hat - phi||^2 / ||phi||^2 over
rows, the wall time, and the floor: one batched model call on as many rows as
the coalitions times the background rows.

Run: ``python benchmarks/bench_kernel.py [--quick]``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, save  # noqa: E402

warnings.filterwarnings("ignore")
logging.getLogger("shap").setLevel(logging.ERROR)


def make_problem(n_rows: int):
    from sklearn.neural_network import MLPRegressor
    rng = np.random.default_rng(0)
    p = 12
    X = rng.normal(size=(2000, p))
    y = (X[:, 0] * X[:, 1] + np.sin(2 * X[:, 2]) + X[:, 3] ** 2 + X[:, 4] * X[:, 5] * X[:, 6] + 0.5 * X[:, 7]
         - np.abs(X[:, 8] * X[:, 9]) + X[:, 10] * (X[:, 11] > 0))
    model = MLPRegressor(hidden_layer_sizes=(64, 32), max_iter=300, random_state=0).fit(X, y)
    return model, X[:100], X[100:100 + n_rows]


def rel_sq_err(est: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean(np.sum((est - exact) ** 2, axis=1) / np.sum(exact**2, axis=1)))


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    import shap

    from unboxed.shapley.exact import ExactShap
    from unboxed.shapley.kernel import KernelShap

    n_rows = 4 if args.quick else 20
    budgets = (256, 1024) if args.quick else (256, 1024, 2048)
    model, bg, rows = make_problem(n_rows)
    exact, t_exact = timed(lambda: ExactShap(model, bg, progress=False).explain(rows).values[:, :, 0])
    print(f"exact values: {t_exact:.1f} s")
    table = []
    for B in budgets:
        ours, t_ours = timed(lambda: KernelShap(model, bg, max_evals=B, random_state=0,
                                                progress=False).explain(rows))
        lin, _ = timed(lambda: KernelShap(model, bg, max_evals=B, random_state=0, adjustment="linear",
                                          progress=False).explain(rows))
        np.random.seed(0)
        ke = shap.KernelExplainer(model.predict, bg)
        ref, t_shap = timed(lambda: ke.shap_values(rows, nsamples=B, l1_reg=False, silent=True))
        big = np.repeat(bg[None], n_rows * B, axis=0).reshape(-1, bg.shape[1])
        _, t_floor = timed(lambda b=big: model.predict(b))
        del big
        e_ours = rel_sq_err(ours.values[:, :, 0], exact)
        e_lin = rel_sq_err(lin.values[:, :, 0], exact)
        e_shap = rel_sq_err(np.asarray(ref), exact)
        z = np.abs(ours.values[:, :, 0] - exact) / np.maximum(ours.stderr[:, :, 0], 1e-300)
        table.append({
            "coalitions": B, "rse_unboxed": e_ours, "rse_unboxed_linear": e_lin, "rse_shap": e_shap,
            "error_ratio_shap/unboxed": e_shap / e_ours, "coverage_1.96se": float(np.mean(z < 1.96)),
            "time_unboxed_s": t_ours, "time_shap_s": t_shap, "floor_s": t_floor,
            "unboxed/floor": t_ours / t_floor, "shap/unboxed_time": t_shap / t_ours,
        })
        print(f"budget {B} done", flush=True)
    cols = list(table[0])
    print_table(table, cols, title=f"KernelSHAP, 12-feature MLP, 100 background rows, {n_rows} rows")
    path = save("kernel", table, n_rows=n_rows, background=100, features=12, quick=args.quick,
                exact_seconds=t_exact)
    print(f"\nsaved {path}")


if __name__ == "__main__":
    main()
