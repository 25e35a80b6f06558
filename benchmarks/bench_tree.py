"""Tree SHAP: unboxed against FastTreeSHAP v2, the libraries' own C++, shap and WOODELF.

Side by side in one process, on the same models and rows, best-of-k wall time:

1. path-dependent, XGBoost (500 trees, depth 6) and LightGBM (500 trees), 1000 rows x 50 features:
   unboxed vs FastTreeSHAP v2 (``fasttreeshap-fixed``) vs ``pred_contribs`` / ``pred_contrib``;
   CatBoost (500 oblivious trees, depth 6): unboxed vs catboost's own ``ShapValues`` (if installed);
2. path-dependent, scikit-learn RandomForest of 100 deep trees: unboxed vs FastTreeSHAP vs shap;
3. interventional with a 100-row background: unboxed vs WOODELF vs shap;
4. how unboxed's time grows with rows + background rows (interventional), and with rows, trees and depth
   (path-dependent).

Everything runs twice: at the default number of threads and with every library held to one thread
(``numba.set_num_threads(1)``, xgboost ``nthread=1``, lightgbm ``num_threads=1``, FastTreeSHAP
``n_jobs=1``; shap's own C++ for scikit-learn and interventional values is single-threaded anyway).
The first call of unboxed (loading the numba cache, or compiling on a fresh install) is reported apart.
Columns: ``seconds`` (best of k), ``vs_unboxed`` (their time / ours: above 1 means unboxed is faster),
``max_abs_diff`` (largest difference from unboxed's values).

Usage: ``python benchmarks/bench_tree.py [--quick] [--catboost-only]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import best_time, print_table, save  # noqa: E402

warnings.filterwarnings("ignore")


def data(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X[:, 0] + np.sin(2 * X[:, 1]) * X[:, 2] + 0.5 * X[:, 3] * X[:, 4] + 0.3 * rng.normal(size=n)
    return X, y


def set_threads(n):
    import numba
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))


def row(case, threads, lib, seconds, ours, diff=None, **extra):
    return {"case": case, "threads": threads, "library": lib, "seconds": seconds,
            "vs_unboxed": (seconds / ours) if ours else None, "max_abs_diff": diff, **extra}


def bench_path_boosters(rows_out, n_trees, n_rows, threads_list, reps):
    import fasttreeshap_fixed as fts
    import lightgbm as lgb
    import xgboost as xgb

    from unboxed.shapley.tree import TreeShap

    X, y = data(2000, 50)
    Xe = X[:n_rows]
    xm = xgb.XGBRegressor(n_estimators=n_trees, max_depth=6, learning_rate=0.05, n_jobs=2).fit(X, y)
    lm = lgb.LGBMRegressor(n_estimators=n_trees, learning_rate=0.05, verbose=-1, n_jobs=2).fit(X, y)
    for threads in threads_list:
        set_threads(threads)
        for name, model in ((f"XGBoost {n_trees} trees depth 6, {n_rows}x50", xm),
                            (f"LightGBM {n_trees} trees 31 leaves, {n_rows}x50", lm)):
            is_xgb = "XGB" in name
            if is_xgb:
                model.set_params(n_jobs=threads)
                model.get_booster().set_param("nthread", threads)
            ts = TreeShap(model, progress=False, check_additivity=False)
            t0 = time.perf_counter()
            ours_vals = ts.explain(Xe).values[:, :, 0]
            first = time.perf_counter() - t0
            ours = best_time(lambda: ts.explain(Xe), repeat=reps, warmup=0)
            rows_out.append(row(name, threads, "unboxed TreeShap", ours, ours, first_call=first))
            ex = fts.TreeExplainer(model, algorithm="v2", n_jobs=threads)
            t0 = time.perf_counter()
            ref = ex.shap_values(Xe)
            t = min(time.perf_counter() - t0, best_time(lambda: ex.shap_values(Xe), repeat=1, warmup=0))
            rows_out.append(row(name, threads, "FastTreeSHAP v2", t, ours, float(np.abs(ref - ours_vals).max())))
            if is_xgb:
                dm = xgb.DMatrix(Xe)
                booster = model.get_booster()
                ref = booster.predict(dm, pred_contribs=True)[:, :-1]
                t = best_time(lambda: booster.predict(dm, pred_contribs=True), repeat=1, warmup=0)
                lib = "xgboost pred_contribs (= shap)"
            else:
                ref = model.predict(Xe, pred_contrib=True, num_threads=threads)[:, :-1]
                t = best_time(lambda: model.predict(Xe, pred_contrib=True, num_threads=threads), repeat=1,
                              warmup=0)
                lib = "lightgbm pred_contrib (= shap)"
            rows_out.append(row(name, threads, lib, t, ours, float(np.abs(ref - ours_vals).max())))


def bench_catboost(rows_out, n_trees, n_rows, threads_list, reps):
    """Path-dependent: unboxed vs catboost's own ShapValues (C++), same oblivious trees."""
    try:
        import catboost as cb
    except ImportError:
        print("  catboost not installed: skipped", flush=True)
        return

    from unboxed.shapley.tree import TreeShap

    X, y = data(2000, 50)
    Xe = X[:n_rows]
    model = cb.CatBoostRegressor(iterations=n_trees, depth=6, learning_rate=0.05, thread_count=2, verbose=0,
                                 allow_writing_files=False, random_seed=0).fit(X, y)
    name = f"CatBoost {n_trees} oblivious trees depth 6, {n_rows}x50"
    pool = cb.Pool(Xe)
    for threads in threads_list:
        set_threads(threads)
        ts = TreeShap(model, progress=False, check_additivity=False)
        t0 = time.perf_counter()
        ours_vals = ts.explain(Xe).values[:, :, 0]
        first = time.perf_counter() - t0
        ours = best_time(lambda: ts.explain(Xe), repeat=reps, warmup=0)
        rows_out.append(row(name, threads, "unboxed TreeShap", ours, ours, first_call=first))

        def theirs():
            return model.get_feature_importance(data=pool, type="ShapValues", thread_count=threads)
        ref = theirs()[:, :-1]
        t = best_time(theirs, repeat=reps, warmup=0)
        rows_out.append(row(name, threads, "catboost ShapValues", t, ours, float(np.abs(ref - ours_vals).max())))


def bench_forest(rows_out, n_trees, n_rows, threads_list):
    import fasttreeshap_fixed as fts
    import shap
    from sklearn.ensemble import RandomForestRegressor

    from unboxed.shapley.tree import TreeShap

    X, y = data(2000, 50, seed=1)
    rf = RandomForestRegressor(n_estimators=n_trees, n_jobs=2, random_state=0).fit(X, y)
    leaves = np.mean([e.tree_.n_leaves for e in rf.estimators_])
    depth = np.mean([e.tree_.max_depth for e in rf.estimators_])
    name = f"RandomForest {n_trees} deep trees ({leaves:.0f} leaves, depth {depth:.0f}), {n_rows}x50"
    Xe = X[:n_rows]
    ref_shap = shap.TreeExplainer(rf)
    for threads in threads_list:
        set_threads(threads)
        ts = TreeShap(rf, progress=False, check_additivity=False)
        t0 = time.perf_counter()
        ours_vals = ts.explain(Xe).values[:, :, 0]
        first = time.perf_counter() - t0
        ours = best_time(lambda: ts.explain(Xe), repeat=2, warmup=0)
        rows_out.append(row(name, threads, "unboxed TreeShap", ours, ours, first_call=first))
        ex = fts.TreeExplainer(rf, algorithm="auto", n_jobs=threads)
        t0 = time.perf_counter()
        ref = ex.shap_values(Xe)
        t = time.perf_counter() - t0
        rows_out.append(row(name, threads, "FastTreeSHAP (auto: v1, v2 runs out of memory)", t, ours,
                            float(np.abs(ref - ours_vals).max())))
        if threads == 1:
            t0 = time.perf_counter()
            ref = ref_shap.shap_values(Xe, check_additivity=False)
            t = time.perf_counter() - t0
            rows_out.append(row(name, threads, "shap TreeExplainer", t, ours, float(np.abs(ref - ours_vals).max())))


def bench_interventional(rows_out, n_trees, n_rows, n_bg, threads_list, scaling):
    import pandas as pd
    import shap
    import xgboost as xgb
    from woodelf import WoodelfExplainer

    from unboxed.shapley.tree import TreeShap

    X, y = data(2000, 50, seed=2)
    cols = [f"f{j}" for j in range(50)]
    xm = xgb.XGBRegressor(n_estimators=n_trees, max_depth=6, learning_rate=0.1, n_jobs=2).fit(X, y)
    Xe, bg = X[:n_rows], X[1000:1000 + n_bg]
    name = f"interventional XGBoost {n_trees} trees depth 6, {n_rows} rows, {n_bg} background"
    for threads in threads_list:
        set_threads(threads)
        xm.get_booster().set_param("nthread", threads)
        ts = TreeShap(xm, bg, progress=False, check_additivity=False)
        t0 = time.perf_counter()
        ours_vals = ts.explain(Xe).values[:, :, 0]
        first = time.perf_counter() - t0
        ours = best_time(lambda: TreeShap(xm, bg, progress=False, check_additivity=False).explain(Xe), repeat=2,
                         warmup=0)
        rows_out.append(row(name, threads, "unboxed TreeShap (incl. background summary)", ours, ours,
                            first_call=first))
        if threads == 1 or len(threads_list) == 1:
            dfe, dfb = pd.DataFrame(Xe, columns=cols), pd.DataFrame(bg, columns=cols)

            def wood():
                return WoodelfExplainer(xm, dfb).shap_values(dfe, verbose=False)
            t0 = time.perf_counter()
            ref = np.asarray(wood())
            t = time.perf_counter() - t0
            rows_out.append(row(name, threads, "WOODELF", t, ours, float(np.abs(ref - ours_vals).max())))
            t0 = time.perf_counter()
            ref = shap.TreeExplainer(xm, data=bg, feature_perturbation="interventional").shap_values(
                Xe, check_additivity=False)
            t = time.perf_counter() - t0
            rows_out.append(row(name, threads, "shap TreeExplainer (interventional)", t, ours,
                                float(np.abs(ref - ours_vals).max())))
    # time against rows and background rows
    out = []
    set_threads(threads_list[0])
    for n, m in scaling:
        Xs = np.resize(X, (n, X.shape[1]))
        bgs = np.resize(X[::-1], (m, X.shape[1]))
        t = best_time(lambda: TreeShap(xm, bgs, progress=False, check_additivity=False).explain(Xs), repeat=1,
                      warmup=0)
        out.append({"rows": n, "background": m, "rows+background": n + m, "rows*background": n * m,
                    "seconds": t, "us_per_(row+bg)": 1e6 * t / (n + m)})
    return out


def bench_scale(n_rows_list, trees_list, depth_list, threads):
    import xgboost as xgb

    from unboxed.shapley.tree import TreeShap

    set_threads(threads)
    X, y = data(1000, 50, seed=3)
    out = []
    for depth in depth_list:
        full = xgb.XGBRegressor(n_estimators=max(trees_list), max_depth=depth, learning_rate=0.05,
                                n_jobs=2).fit(X, y).get_booster()
        for n_trees in trees_list:
            booster = full[:n_trees]  # the first n_trees boosting rounds
            ts = TreeShap(booster, progress=False, check_additivity=False)
            ts.explain(X[:10])
            for n in n_rows_list:
                Xs = np.resize(X, (n, 50))
                t = best_time(lambda: ts.explain(Xs), repeat=1, warmup=0)
                out.append({"depth": depth, "trees": n_trees, "rows": n, "seconds": t,
                            "us_per_row_per_tree": 1e6 * t / (n * n_trees)})
        print(f"  scale: depth {depth} done", flush=True)
    return out


def cold_compile():
    """Import + first explain (path and interventional) in a fresh process with an empty numba cache."""
    import subprocess
    import tempfile
    code = ("import time, numpy as np; t = time.perf_counter()\n"
            "from sklearn.tree import DecisionTreeRegressor\n"
            "from unboxed.shapley.tree import TreeShap\n"
            "X = np.random.default_rng(0).normal(size=(5000, 5))\n"
            "m = DecisionTreeRegressor(max_depth=4).fit(X, X[:, 0])\n"
            "TreeShap(m, progress=False).explain(X); TreeShap(m, X[:50], progress=False).explain(X)\n"
            "print(time.perf_counter() - t)")
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, NUMBA_CACHE_DIR=d)
        t = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                 check=True).stdout.strip().splitlines()[-1])
    return {"case": "cold start: import + numba compile + first path and interventional explain", "threads": None,
            "library": "unboxed TreeShap", "seconds": t, "vs_unboxed": None, "max_abs_diff": None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="a ~30 s version")
    ap.add_argument("--cold", action="store_true", help="also time a cold numba compile (fresh cache dir)")
    ap.add_argument("--catboost-only", action="store_true", help="only the catboost comparison (not saved)")
    args = ap.parse_args()
    import numba
    default = numba.get_num_threads()
    threads_list = [default, 1] if default > 1 else [1]
    rows = []
    t_all = time.perf_counter()
    if args.catboost_only:
        bench_catboost(rows, n_trees=100 if args.quick else 500, n_rows=200 if args.quick else 1000,
                       threads_list=threads_list, reps=2 if args.quick else 3)
        print_table(rows, ["case", "threads", "library", "seconds", "vs_unboxed", "max_abs_diff", "first_call"],
                    "Tree SHAP: unboxed vs catboost's own ShapValues")
        return
    if args.quick:
        bench_path_boosters(rows, n_trees=100, n_rows=200, threads_list=threads_list, reps=2)
        bench_catboost(rows, n_trees=100, n_rows=200, threads_list=threads_list, reps=2)
        bench_forest(rows, n_trees=10, n_rows=50, threads_list=threads_list)
        scaling = bench_interventional(rows, n_trees=50, n_rows=200, n_bg=100, threads_list=threads_list,
                                       scaling=[(200, 50), (800, 50), (200, 200)])
        scale = bench_scale([200, 800], [50], [4, 6], default)
    else:
        bench_path_boosters(rows, n_trees=500, n_rows=1000, threads_list=threads_list, reps=3)
        bench_catboost(rows, n_trees=500, n_rows=1000, threads_list=threads_list, reps=3)
        print(f"  boosters done ({time.perf_counter() - t_all:.0f} s)", flush=True)
        bench_forest(rows, n_trees=100, n_rows=50, threads_list=threads_list)
        print(f"  forest done ({time.perf_counter() - t_all:.0f} s)", flush=True)
        scaling = bench_interventional(rows, n_trees=100, n_rows=500, n_bg=100, threads_list=threads_list,
                                       scaling=[(500, 100), (2000, 100), (8000, 100), (500, 400), (500, 1600),
                                                (2000, 1600)])
        print(f"  interventional done ({time.perf_counter() - t_all:.0f} s)", flush=True)
        scale = bench_scale([250, 1000, 4000], [50, 200], [4, 6, 8], default)
    if args.cold:
        rows.append(cold_compile())
    cols = ["case", "threads", "library", "seconds", "vs_unboxed", "max_abs_diff", "first_call"]
    print_table(rows, cols, "Tree SHAP: unboxed vs the fastest exact CPU implementations")
    print_table(scaling, ["rows", "background", "rows+background", "rows*background", "seconds",
                          "us_per_(row+bg)"], "Interventional: time against rows and background rows (unboxed)")
    print_table(scale, ["depth", "trees", "rows", "seconds", "us_per_row_per_tree"],
                f"Path-dependent: time against rows, trees and depth (unboxed, XGBoost, {default} threads)")
    path = save("tree", rows, quick=args.quick, scaling_interventional=scaling, scaling_path=scale,
                default_threads=default, total_seconds=time.perf_counter() - t_all)
    print(f"\nsaved {path} ({time.perf_counter() - t_all:.0f} s)")


if __name__ == "__main__":
    main()
